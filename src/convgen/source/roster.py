"""Rosters: the class list a school's own systems export (SIECLE, ONDE, Pronote, a
spreadsheet), read as it comes, so that `status` can tell which pupils have no agreement.

Columns are found by their header under the names those exports use, whatever their case,
accents or spacing (tables.HEADER_NAMES); each row is a pupil. Nothing is decided silently:
an encoding guessed, columns ignored and columns recognised are said once each (notes); a
row that names no pupil is a finding at its line and column. A finding quotes at most the
cell it is about, never the row: a row holds a pupil's name and birth date.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from convgen.errors import UsageError
from convgen.findings import MAX_FINDINGS, Finding, Severity
from convgen.i18n import Lang, Msg, number
from convgen.source.classlist import capped
from convgen.source.reader import read_limited
from convgen.source.tables import (
    HEADER_NAMES,
    OLD_SPREADSHEETS,
    TABLE_SUFFIXES,
    XLSX_INFLATION,
    Broken,
    TableError,
    header_role,
    records,
    sniff,
    starts,
    table_text,
)
from convgen.text import shortened

MAX_ROSTER_BYTES = 16 << 20
"""Size of one class list's file: a whole lycée's roll takes a few hundred kilobytes."""


MAX_ROSTER_ROWS = 100_000
"""Pupils of one class list: a large lycée has a few thousand; past it, the file is no class list."""


RULE = "ROSTER"
REQUIRED = ("last_name", "first_name", "birth_date")


ROLE_NAMES = {
    "last_name": Msg("nom", "last name"),
    "first_name": Msg("prénom", "first name"),
    "birth_date": Msg("date de naissance", "birth date"),
    "class_name": Msg("classe", "class"),
    "ine": Msg("INE", "INE"),
    "mef": Msg("MEF", "MEF"),
    "email": Msg("adresse électronique", "email address"),
}
ROLE_THE = {
    "last_name": Msg("le nom", "the last name"),
    "first_name": Msg("le prénom", "the first name"),
    "birth_date": Msg("la date de naissance", "the birth date"),
    "class_name": Msg("la classe", "the class"),
    "ine": Msg("l'INE", "the INE"),
    "mef": Msg("le MEF", "the MEF"),
    "email": Msg("l'adresse électronique", "the email address"),
}


M_MISSING = Msg("liste de classe introuvable : « {name} ».", "class list not found: '{name}'.")
M_UNREADABLE = Msg("liste de classe illisible « {name} » : {reason}.", "unreadable class list '{name}': {reason}.")
M_UNREADABLE_TABLE = Msg("liste de classe « {name} » illisible : {problem}.", "unreadable class list '{name}': {problem}.")
M_SUFFIX = Msg(
    "liste de classe « {name} » refusée : un fichier .csv, .tsv, .txt ou .xlsx est attendu.",
    "class list '{name}' refused: a .csv, .tsv, .txt or .xlsx file is expected.",
)
M_OLD_SPREADSHEET = Msg(
    "liste de classe « {name} » refusée : un classeur .xls ou .ods n'est pas lu.",
    "class list '{name}' refused: an .xls or .ods workbook is not read.",
)
H_SAVE = Msg("enregistrez-la en .xlsx ou en CSV depuis le tableur.", "save it as .xlsx or CSV from the spreadsheet software.")
M_TOO_BIG = Msg(
    "liste de classe « {name} » trop grosse ({size} octets, limite {limit}).",
    "class list '{name}' too large ({size} bytes, limit {limit}).",
)
M_TOO_MANY_ROWS = Msg(
    "liste de classe « {name} » : plus de {limit} élèves ; ce n'est pas une liste de classe.",
    "class list '{name}': more than {limit} pupils; it is not a class list.",
)
M_EMPTY = Msg(
    "liste de classe « {name} » vide : il faut une ligne d'en-têtes puis une ligne par élève.",
    "class list '{name}' is empty: it needs a header row, then one row per pupil.",
)
M_BROKEN_HEADER = Msg(
    "liste de classe « {name} » illisible ligne {line} : {reason}.", "unreadable class list '{name}' on line {line}: {reason}."
)
M_NO_COLUMN = Msg(
    "liste de classe « {name} » : pas de colonne pour {roles} (en-têtes trouvés : {headers}).",
    "class list '{name}': no column for {roles} (headers found: {headers}).",
)
H_NO_COLUMN = Msg("en-têtes reconnus pour {role} : {names}", "headers recognised for {role}: {names}")
M_GUESSED = Msg(
    "liste « {name} » lue en Windows-1252 (deviné : ce n'est pas de l'UTF-8).",
    "list '{name}' read as Windows-1252 (guessed: it is not UTF-8).",
)
M_RECOGNISED = Msg("liste « {name} » : colonnes reconnues : {columns}.", "list '{name}': columns recognised: {columns}.")
M_IGNORED = Msg(
    "liste « {name} » : colonnes ignorées (en-têtes inconnus) : {columns}.", "list '{name}': columns ignored (unknown headers): {columns}."
)
M_TWICE = Msg(
    "liste « {name} » : colonne « {header} » ignorée : {role} est déjà dans la colonne « {first} ».",
    "list '{name}': column '{header}' ignored: {role} is already in column '{first}'.",
)
M_NO_VALUE = Msg(
    "élève sans {role} : la cellule de la colonne « {header} » est vide.", "pupil without a {role}: the cell of column '{header}' is empty."
)
M_DATE_UNREADABLE = Msg(
    "date de naissance « {text} » illisible : JJ/MM/AAAA ou AAAA-MM-JJ attendu (par exemple 14/09/2010).",
    "unreadable birth date '{text}': DD/MM/YYYY or YYYY-MM-DD expected (such as 14/09/2010).",
)
M_DATE_IMPOSSIBLE = Msg("date de naissance « {text} » impossible : ce jour n'existe pas.", "impossible birth date '{text}': no such day.")
M_BROKEN = Msg(
    "CSV illisible ({reason}) : les lignes suivantes ne sont pas lues.", "unreadable CSV ({reason}): the lines after it are not read."
)
M_LIST = Msg(", ", ", ")
M_QUOTED = Msg("« {} »", "'{}'")
M_COLUMN = Msg("« {header} » ({role})", "'{header}' ({role})")

MAX_HEADERS_SAID = 30
"""Headers a message lists: past them, a sheet of formatted empty columns would fill the screen."""


@dataclass(frozen=True, slots=True)
class RosterPupil:
    last_name: str
    first_name: str
    birth_date: dt.date
    class_name: str | None
    ine: str | None
    mef: str | None
    email: str | None
    file: str
    line: int


@dataclass
class Roster:
    """A class list read: its pupils, the findings on rows that name none, and what was
    decided while reading it (`notes`). `encoding` is "utf-8", "utf-8-sig", "windows-1252" or "xlsx"."""

    file: str
    pupils: list[RosterPupil] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    notes: list[Msg] = field(default_factory=list)
    encoding: str = "utf-8"


# 14/09/2010, 4/9/2010, 14.09.2010, 14-09-2010 or 2010-09-14, a time of midnight after it as
# some exports write; two-digit years are refused: 14/09/10 is 1910 or 2010.
_DATE = re.compile(r"(?:(\d{1,2})([/.-])(\d{1,2})\2(\d{4})|(\d{4})-(\d{1,2})-(\d{1,2}))(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?")


def _birth_date(text: str) -> dt.date | Msg:
    """The date a cell writes, or what is wrong with it."""
    match = _DATE.fullmatch(text)
    if match is None:
        return M_DATE_UNREADABLE
    day, _, month, year, iso_year, iso_month, iso_day = match.groups()
    try:
        if iso_year:
            return dt.date(int(iso_year), int(iso_month), int(iso_day))
        return dt.date(int(year), int(month), int(day))
    except ValueError:
        return M_DATE_IMPOSSIBLE


def _quoted(names: list[str]) -> Msg:
    said = [M_QUOTED.fill(shortened(name)) for name in names[:MAX_HEADERS_SAID]]
    if len(names) > MAX_HEADERS_SAID:
        said.append(Msg("…", "…"))
    return M_LIST.join(said)


def _raw(path: Path, display: str, max_bytes: int) -> bytes:
    suffix = path.suffix.lower()
    if suffix in OLD_SPREADSHEETS:
        raise UsageError(M_OLD_SPREADSHEET.fill(name=display), hint=H_SAVE)
    if suffix not in TABLE_SUFFIXES:
        raise UsageError(M_SUFFIX.fill(name=display))
    try:
        raw = read_limited(path, max_bytes)
    except FileNotFoundError:
        raise UsageError(M_MISSING.fill(name=display)) from None
    except OSError as error:
        raise UsageError(M_UNREADABLE.fill(name=display, reason=error.strerror or type(error).__name__)) from None
    if len(raw) > max_bytes:
        size = path.stat().st_size
        raise UsageError(M_TOO_BIG.fill(name=display, size=number(size), limit=number(max_bytes)))
    return raw


class _Columns:
    """Which column holds each role, as the header row says; and what to say of the others."""

    def __init__(self, names: list[str], display: str) -> None:
        self.index: dict[str, int] = {}
        self.names = names
        self.notes: list[Msg] = []
        unknown: list[str] = []
        for position, name in enumerate(names):
            if not name:
                continue
            role = header_role(name)
            if role is None:
                unknown.append(name)
            elif role in self.index:
                first = names[self.index[role]]
                self.notes.append(M_TWICE.fill(name=display, header=shortened(name), first=shortened(first), role=ROLE_THE[role]))
            else:
                self.index[role] = position
        missing = [role for role in REQUIRED if role not in self.index]
        if missing:
            roles = M_LIST.join(ROLE_THE[role] for role in missing)
            hint = Msg(" ; ", "; ").join(H_NO_COLUMN.fill(role=ROLE_THE[role], names=", ".join(HEADER_NAMES[role])) for role in missing)
            headers = _quoted([name for name in names if name]) if any(names) else Msg("aucun", "none")
            raise UsageError(M_NO_COLUMN.fill(name=display, roles=roles, headers=headers), hint=hint)
        recognised = [
            M_COLUMN.fill(header=shortened(names[position]), role=ROLE_NAMES[role])
            for role, position in sorted(self.index.items(), key=lambda item: item[1])
        ]
        self.notes.insert(0, M_RECOGNISED.fill(name=display, columns=M_LIST.join(recognised)))
        if unknown:
            self.notes.append(M_IGNORED.fill(name=display, columns=_quoted(unknown)))


def read_roster(path: Path, display: str, lang: Lang = "fr", max_bytes: int = MAX_ROSTER_BYTES) -> Roster:
    """A class list's pupils. A file that cannot be one (missing, too large, not a table,
    without a name or birth-date column) is a UsageError; a row that names no pupil is a finding."""
    raw = _raw(path, display, max_bytes)
    try:
        decoded = table_text(raw, path.suffix, max_bytes * XLSX_INFLATION)
    except TableError as error:
        raise UsageError(M_UNREADABLE_TABLE.fill(name=display, problem=error.said), hint=error.hinted) from None
    roster = Roster(display, encoding=decoded.encoding)
    if decoded.guessed:
        roster.notes.append(M_GUESSED.fill(name=display))
    delimiter = decoded.delimiter or sniff(decoded.text)
    rows = records(decoded.text, delimiter)
    try:
        header = next((row for row in rows if "".join(row[2]).strip()), None)
    except Broken as broken:
        raise UsageError(M_BROKEN_HEADER.fill(name=display, line=broken.line, reason=broken.reason)) from None
    if header is None:
        raise UsageError(M_EMPTY.fill(name=display))
    columns = _Columns([value.lstrip("\ufeff").strip() for value in header[2]], display)
    roster.notes += columns.notes
    _read_rows(roster, rows, columns, delimiter, lang)
    return roster


class _Row:
    """Findings on one row, placed at their cell: the columns are worked out only for a row that has one."""

    __slots__ = ("number", "line", "values", "delimiter", "places")

    def __init__(self, number: int, line: str, values: list[str], delimiter: str) -> None:
        self.number, self.line, self.values, self.delimiter = number, line, values, delimiter
        self.places: list[int] | None = None

    def finding(self, roster: Roster, lang: Lang, of: str, message: Msg, position: int, params: dict[str, object]) -> Finding:
        if self.places is None:
            self.places = starts(self.line, self.values, self.delimiter, len(self.values)) or []
        places = self.places
        column = places[min(position, len(places) - 1)] if places else 1
        end = places[position + 1] - 1 if position + 1 < len(places) and position < len(self.values) else None
        return Finding(
            RULE,
            Severity.ERROR,
            message.fill(**params).get(lang),
            field=of,
            line=self.number,
            column=column,
            end_column=end if end is not None and end > column else None,
            file=roster.file,
        )


def _read_rows(roster: Roster, rows: Iterator[tuple[int, str, list[str]]], columns: _Columns, delimiter: str, lang: Lang) -> None:
    """The pupils of the rows after the header, into `roster`; a row missing one is a finding per missing cell."""
    index, names = columns.index, columns.names
    last_at, first_at, birth_at = index["last_name"], index["first_name"], index["birth_date"]
    class_at, ine_at, mef_at, email_at = (index.get(role) for role in ("class_name", "ine", "mef", "email"))
    findings: list[Finding] = []
    hidden = 0  # problems past a screenful, counted rather than made into findings
    count = 0
    try:
        for at, line, values in rows:
            if not "".join(values).strip():
                continue
            count += 1
            if count > MAX_ROSTER_ROWS:
                raise UsageError(M_TOO_MANY_ROWS.fill(name=roster.file, limit=number(MAX_ROSTER_ROWS)))
            width = len(values)
            last = values[last_at].strip() if last_at < width else ""
            first = values[first_at].strip() if first_at < width else ""
            birth_text = values[birth_at].strip() if birth_at < width else ""
            birth = _birth_date(birth_text) if birth_text else None
            if last and first and isinstance(birth, dt.date):
                roster.pupils.append(
                    RosterPupil(
                        last,
                        first,
                        birth,
                        _optional(values, class_at),
                        ine.upper() if (ine := _optional(values, ine_at)) else None,
                        _optional(values, mef_at),
                        _optional(values, email_at),
                        roster.file,
                        at,
                    )
                )
                continue
            row = _Row(at, line, values, delimiter)
            problems = [
                (role, position, M_NO_VALUE, {"role": ROLE_NAMES[role], "header": shortened(names[position])})
                for role, position, text in (
                    ("last_name", last_at, last),
                    ("first_name", first_at, first),
                    ("birth_date", birth_at, birth_text),
                )
                if not text
            ]
            if isinstance(birth, Msg):  # the cell in question is quoted, never the row's others
                problems.append(("birth_date", birth_at, birth, {"text": shortened(birth_text)}))
            for role, position, message, params in problems:
                if len(findings) > MAX_FINDINGS:  # past a screenful: counted, as capped() says
                    hidden += 1
                else:
                    findings.append(row.finding(roster, lang, role, message, position, params))
    except Broken as broken:
        findings.append(
            Finding(RULE, Severity.ERROR, M_BROKEN.fill(reason=broken.reason).get(lang), line=broken.line, column=1, file=roster.file)
        )
    roster.findings = capped(findings, lang, hidden)


def _optional(values: list[str], position: int | None) -> str | None:
    if position is None or position >= len(values):
        return None
    return values[position].strip() or None
