"""`convgen status --format text`: a table per class, boxed on a terminal, plain columns
in CI logs and pipes (what `grep` and `cut` read), then what each school year comes to."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from convgen.cli.terminal import visible
from convgen.i18n import Lang, Msg, plural
from convgen.pipeline.status import Row, Status, year_text
from convgen.pipeline.status_output import NO_CLASS, NO_YEAR, STATES, YES, remarks, year_summary

if TYPE_CHECKING:
    from convgen.cli.line import Output

# key, French title, English title: the columns a screen has room for.
_SHOWN = (
    ("pupil", "Élève", "Pupil"),
    ("file", "Convention", "Agreement"),
    ("host", "Accueil", "Host"),
    ("period", "Période", "Period"),
    ("valid", "Valide", "Valid"),
    ("documents", "Documents", "Documents"),
    ("days", "Jours", "Days"),
    ("roster", "Liste", "List"),
    ("remarks", "Remarques", "Remarks"),
)

_UNBROKEN = frozenset({"period", "days", "documents"})

M_YEAR = Msg("Année scolaire {year}", "School year {year}")
M_CLASS = Msg("{name} ({count} {rows})", "{name} ({count} {rows})")
M_ROW, M_ROWS = Msg("ligne", "row"), Msg("lignes", "rows")
M_TOTALS = Msg(
    "{year} : conventions : {agreements} (valides : {valid}, invalides : {invalid}) ; documents à jour : {rendered}, périmés : {stale}.",
    "{year}: agreements: {agreements} (valid: {valid}, invalid: {invalid}); documents up to date: {rendered}, stale: {stale}.",
)
M_ROSTER_TOTALS = Msg(
    "{year} : élèves de la liste avec convention : {listed}, sans convention : {without_agreement} ; conventions hors liste : {not_listed}, homonymes possibles : {homonyms}, dates qui se chevauchent : {overlapping}.",
    "{year}: listed pupils with an agreement: {listed}, without one: {without_agreement}; agreements not on the list: {not_listed}, possible homonyms: {homonyms}, overlapping dates: {overlapping}.",
)
M_TWICE = Msg("{again} : élève déjà sur la liste ({first}), ligne ignorée.", "{again}: pupil already listed ({first}), line ignored.")
M_ROSTER_READ = Msg("liste {file} : élèves : {count} ({encoding}).", "list {file}: pupils: {count} ({encoding}).")
M_DETAILS = Msg("détail des erreurs : convgen validate FICHIER", "details of the errors: convgen validate FILE")
M_EMPTY = Msg("{year} : aucune convention ni élève pour cette année.", "{year}: no agreement and no pupil for this year.")


def _short(date: dt.date, lang: Lang) -> str:
    return date.strftime("%d/%m/%Y") if lang == "fr" else date.isoformat()


def _cell(row: Row, key: str, lang: Lang) -> str:
    if key == "pupil":
        name = " ".join(part for part in (row.last_name, row.first_name) if part)
        return name or "?"
    if key == "file":
        return row.file or "—"
    if key == "host":
        return row.host or ""
    if key == "period":
        if row.start and row.end:
            return f"{_short(row.start, lang)} → {_short(row.end, lang)}"
        return ""
    if key == "valid":
        if row.valid is None:
            return ""
        return YES.get(lang) if row.valid else ", ".join(row.errors)
    if key == "documents":
        return STATES[row.documents].get(lang) if row.documents else ""
    if key == "days":
        return str(row.days_planned) if row.days_planned is not None else ""
    if key == "roster":
        return STATES[row.roster].get(lang) if row.roster else ""
    return " ; ".join(remarks(row, lang))


def _style(row: Row, key: str) -> str | None:
    if key == "valid" and row.valid is False:
        return "bold red"
    if key == "roster" and row.roster in ("no_agreement", "homonym", "not_listed"):
        return "yellow" if row.roster != "no_agreement" else "bold red"
    if key == "documents" and row.documents == "stale":
        return "yellow"
    return None


def _groups(status: Status, lang: Lang) -> list[tuple[str, str, list[Row]]]:
    groups: list[tuple[str, str, list[Row]]] = []
    for year in status.years:
        by_class: dict[str | None, list[Row]] = {}
        for row in year.rows:
            by_class.setdefault(row.class_name, []).append(row)
        for name, rows in by_class.items():
            groups.append((year_text(year.school_year) or "", name or NO_CLASS.get(lang), rows))
    if status.unplaced:
        groups.append((NO_YEAR.get(lang), NO_YEAR.get(lang), status.unplaced))
    return groups


def print_status(console: Output, status: Status, lang: Lang, boxed: bool) -> None:
    """The whole status: the class lists read, a table per class, what each year comes to."""
    print_rosters(console, status, lang)
    print_tables(console, status, lang, boxed)
    console.print("")
    print_totals(console, status, lang)


def print_rosters(console: Output, status: Status, lang: Lang) -> None:
    for roster in status.rosters:
        console.print(M_ROSTER_READ.get(lang).format(file=visible(roster.file), count=len(roster.pupils), encoding=roster.encoding))
        for note in roster.notes:
            console.print(f"  {visible(note.get(lang))}")
        for finding in roster.findings:
            console.print(f"  {visible(finding.file or roster.file)}:{finding.line}:{finding.column}: {visible(finding.message)}")


def print_tables(console: Output, status: Status, lang: Lang, boxed: bool) -> None:
    from convgen.cli.line import PlainOutput

    titles = [french if lang == "fr" else english for _, french, english in _SHOWN]
    keys = [key for key, _, _ in _SHOWN]
    shown_year = None
    for year, name, rows in _groups(status, lang):
        if year != shown_year:
            console.print("")
            console.print(M_YEAR.get(lang).format(year=year))
            shown_year = year
        table = [[visible(_cell(row, key, lang)) for key in keys] for row in rows]
        words = plural(len(rows), M_ROW.get(lang), M_ROWS.get(lang), lang)
        title = M_CLASS.get(lang).format(name=visible(name), count=len(rows), rows=words)
        if boxed and not isinstance(console, PlainOutput):
            _boxed(console, title, titles, keys, rows, table)
        else:
            _plain(console, title, titles, table)


def print_totals(console: Output, status: Status, lang: Lang) -> None:
    """What each school year comes to: counts only, no pupil named."""
    for year in status.years:
        counts: dict[str, Any] = {"year": year_text(year.school_year), **year_summary(year)}
        if not year.rows:
            console.print(M_EMPTY.get(lang).format(year=counts["year"]))
            continue
        console.print(M_TOTALS.get(lang).format(**counts))
        if status.rosters:
            console.print(M_ROSTER_TOTALS.get(lang).format(**counts))
        for again, first in year.listed_twice:
            console.print(M_TWICE.get(lang).format(again=visible(again), first=visible(first)))
    if any(row.valid is False for row in status.rows):
        console.print(M_DETAILS.get(lang))


def _plain(console: Output, title: str, titles: list[str], table: list[list[str]]) -> None:
    """Columns padded to their widest cell, the last one not: one line per row, no box characters."""
    used = [index for index in range(len(titles)) if any(line[index] for line in table)]
    widths = {index: max(len(titles[index]), *(len(line[index]) for line in table)) for index in used}
    console.print("")
    console.print(title)

    def joined(cells: list[str]) -> str:
        return "  ".join(cells[index].ljust(widths[index]) for index in used).rstrip()

    console.print(joined(titles))
    for line in table:
        console.print(joined(line))


def _boxed(console: Any, title: str, titles: list[str], keys: list[str], rows: list[Row], table: list[list[str]]) -> None:
    from rich.table import Table
    from rich.text import Text

    used = [index for index in range(len(titles)) if any(line[index] for line in table)]
    grid = Table(title=title, title_justify="left", show_lines=False, header_style="bold")
    for index in used:
        grid.add_column(titles[index], overflow="fold", no_wrap=keys[index] in _UNBROKEN)
    for row, line in zip(rows, table, strict=True):
        grid.add_row(*(Text(line[index], style=_style(row, keys[index]) or "") for index in used))
    console.print(grid)
