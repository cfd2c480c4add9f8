"""Class lists: the CSV or XLSX a campaign names, read as the school's systems and spreadsheets
write it (UTF-8 or Windows-1252, `;`, `,` or tab, dd/mm/yyyy dates, oui/non), one agreement's
values per row; a school export's own headers (NOM, Prénom, DATE NAISS…) name the pupil's fields.

Linear in rows and columns, refused past its limits before the rest is held in memory, and
quoting one cell at a time: a row holds a pupil's name, birth date, family and address.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, NamedTuple

from convgen.findings import MAX_FINDINGS, Finding, Location, Severity, located
from convgen.i18n import Lang, Msg, number
from convgen.source.absences import AbsenceCellError, parse_absences
from convgen.source.reader import FieldPath, read_limited
from convgen.source.tables import (
    OLD_SPREADSHEETS,
    TABLE_SUFFIXES,
    XLSX_INFLATION,
    Broken,
    Decoded,
    TableError,
    header_role,
    records,
    sniff,
    starts,
    table_text,
)
from convgen.text import dotted, shortened

MAX_ROWS = 10_000
"""Pupils of one campaign, inline rows and class list together."""


MAX_COLUMNS = 10_000
"""Columns of a class list (an agreement has a few hundred fields); empty ones past it are ignored."""


MAX_SPREAD = 10_000_000
"""Pupils × values of the shared part: each pupil's agreement holds it and is checked with
it whole (10,000 pupils with a shared part of 1,000 values, 100 with one of 100,000)."""


MAX_CELLS = 1_000_000
"""Filled cells of a class list: 10,000 pupils of 100 values; bounds what its rows hold in memory."""


CSV_SIZE_FACTOR = 16
"""A class list may be larger than one agreement: it is allowed 16 times --max-size."""


M_CSV_MISSING = Msg(
    "liste de classe introuvable : « {name} » (cherchée à côté de la campagne : {path}).",
    "class list not found: '{name}' (looked for beside the campaign: {path}).",
)


M_CSV_PLACE = Msg(
    "liste de classe « {name} » refusée : {why}.",
    "class list '{name}' refused: {why}.",
)


_CSV_WHY = {
    "outside": Msg(
        "elle doit être dans le dossier de la campagne ou un de ses sous-dossiers (une campagne ne lit pas d'autres fichiers)",
        "it must be in the campaign's folder or one of its sub-folders (a campaign reads no other file)",
    ),
    "hidden": Msg(
        "un fichier ou dossier caché (nom commençant par un point) n'est pas lu",
        "a hidden file or folder (name starting with a dot) is not read",
    ),
    "suffix": Msg("un fichier .csv, .tsv, .txt ou .xlsx est attendu", "a .csv, .tsv, .txt or .xlsx file is expected"),
    "spreadsheet": Msg(
        "un classeur .xls ou .ods n'est pas lu : enregistrez-le en .xlsx ou en CSV",
        "an .xls or .ods workbook is not read: save it as .xlsx or CSV",
    ),
    "special": Msg("ce n'est pas un fichier ordinaire", "it is not a regular file"),
}


M_MORE = Msg(
    "… et {count} autres problèmes dans la liste de classe, non détaillés : corrigez d'abord ceux-ci.",
    "… and {count} more problems in the class list, not detailed: fix these first.",
)


M_CSV_UNREADABLE = Msg("liste de classe illisible « {name} » : {reason}.", "unreadable class list '{name}': {reason}.")


M_CSV_TOO_BIG = Msg(
    "liste de classe trop grosse ({size} octets, limite {limit}) ; relevez --max-size si elle est vraiment attendue.",
    "class list too large ({size} bytes, limit {limit}); raise --max-size if it is really expected.",
)


M_CSV_TABLE = Msg("liste de classe « {name} » illisible : {problem}.", "unreadable class list '{name}': {problem}.")


M_CSV_SYNTAX = Msg("CSV illisible : {reason}.", "unreadable CSV: {reason}.")


M_CSV_EMPTY = Msg(
    "la liste de classe est vide : il faut une ligne d'en-têtes puis une ligne par élève.",
    "the class list is empty: it needs a header row, then one row per pupil.",
)


M_HEADER = Msg(
    "en-tête de colonne « {header} » non valide : écrivez le chemin de la clé avec des points, par exemple « pupil.last_name ».",
    "invalid column header '{header}': write the key's path with dots, such as 'pupil.last_name'.",
)


M_HEADER_EMPTY = Msg(
    "colonne {column} sans en-tête mais avec des valeurs : donnez-lui un en-tête (par exemple « pupil.last_name »).",
    "column {column} has values but no header: give it one (such as 'pupil.last_name').",
)


M_HEADER_TWICE = Msg(
    "colonne « {header} » présente deux fois (déjà colonne {first}).", "column '{header}' appears twice (already column {first})."
)


M_HEADER_CLASH = Msg(
    "les colonnes « {outer} » et « {inner} » se contredisent : l'une est une valeur, l'autre une clé à l'intérieur.",
    "columns '{outer}' and '{inner}' contradict each other: one is a value, the other a key inside it.",
)


M_EXTRA_CELLS = Msg(
    "ligne {line} : {cells} cellules pour {headers} colonnes ; un « {delimiter} » de trop, ou une valeur à mettre entre guillemets ?",
    "row {line}: {cells} cells for {headers} columns; one '{delimiter}' too many, or a value to put in quotes?",
)


M_TOO_MANY_ROWS = Msg("plus de {limit} élèves dans une campagne : découpez-la.", "more than {limit} pupils in one campaign: split it.")


M_TOO_MANY_FOR_SHARED = Msg(
    "plus de {limit} élèves pour une partie commune de {values} valeurs (chaque convention la reprend) : découpez la campagne ou allégez sa partie commune.",
    "more than {limit} pupils for a shared part of {values} values (each agreement holds it): split the campaign or make its shared part lighter.",
)


M_TOO_MANY_COLUMNS = Msg(
    "plus de {limit} colonnes dans la liste de classe « {name} » : une convention n'a que quelques centaines de champs.",
    "more than {limit} columns in the class list '{name}': an agreement has only a few hundred fields.",
)


M_TOO_MANY_CELLS = Msg(
    "plus de {limit} cellules remplies dans la liste de classe « {name} » : découpez-la.",
    "more than {limit} filled cells in the class list '{name}': split it.",
)


M_LIST_GAP = Msg(
    "colonne « {header} » : les éléments d'une liste se numérotent à partir de 0 sans trou.",
    "column '{header}': list items are numbered from 0 without gaps.",
)


_SEGMENT = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*|\d{1,3}|\d{4}-\d{2}-\d{2}")


class ClassList:
    """A class list's lines as findings quote them: the cell a finding is about, never its
    whole row, which holds a pupil's name, birth date, family and address (CI logs show quotes)."""

    __slots__ = ("lines",)

    def __init__(self, lines: dict[int, str] | None = None) -> None:
        self.lines = lines if lines is not None else {}

    def cell_text(self, finding: Finding) -> str | None:
        """The cell under the finding, at its column (the caret stays under it); nothing for
        a finding about a whole row (a missing value), which has no end column."""
        line = self.lines.get(finding.line) if finding.line else None
        if line is None or not finding.column or not finding.end_column:
            return None
        return " " * (finding.column - 1) + line[finding.column - 1 : finding.end_column - 1]

    def only(self, numbers: Collection[int]) -> ClassList:
        """The lines a slim result quotes: each row's result would otherwise carry the whole list."""
        return ClassList({number: self.lines[number] for number in numbers if number in self.lines})


def campaign_error(msg: Msg, lang: Lang, location: Location | None, field: str | None = None, **params: Any) -> Finding:
    return located("CAMPAIGN", Severity.ERROR, msg.get(lang).format(**params), location, field=field)


class _Record(NamedTuple):
    """A pupil's row: its filled cells only (column index, text, place), as a list of 16 MiB
    may hold mostly empty ones; `extra` is where the cells past the headers start, when one
    of them is filled."""

    line: int
    width: int
    cells: list[tuple[int, str, Location]]
    extra: Location | None


@dataclass
class Table:
    delimiter: str
    headers: list[tuple[FieldPath, Location]]
    rows: list[_Record]
    # The header as written of a column named by a school export's name (NOM → pupil.last_name), for messages.
    written: dict[FieldPath, str] = field(default_factory=dict)


# A school export's columns, by their roles (tables.HEADER_NAMES), as fields of the agreement's
# person; MEF, a code no agreement holds, is read as no field.
_ROLE_FIELDS = {
    "last_name": "last_name",
    "first_name": "first_name",
    "birth_date": "birth_date",
    "class_name": "class",
    "ine": "ine",
    "email": "email",
}


def _header_path(text: str) -> FieldPath | None:
    parts = text.split(".")
    if not all(_SEGMENT.fullmatch(part) for part in parts):
        return None
    return tuple(int(part) if part.isdigit() else part for part in parts)


def _place(number: int, starts: list[int] | None, index: int, display: str) -> Location:
    if starts is None:
        return Location(number, 1, file=display)  # a record over several lines: the row is known, not the column
    start, end = starts[index], starts[index + 1] - 1
    # Made as a plain tuple, as loading.py does: one per filled cell, up to a million.
    return tuple.__new__(Location, (number, start, end if end > start else None, display))


class Room(NamedTuple):
    """How many pupils a campaign may hold (`limit`; fewer than MAX_ROWS for a large shared
    part, see MAX_SPREAD) and how many more it may take (`left`)."""

    limit: int
    shared: int
    left: int

    @classmethod
    def of(cls, shared: int) -> Room:
        limit = min(MAX_ROWS, MAX_SPREAD // max(shared, 1))
        return cls(limit, shared, limit)

    def refusal(self, lang: Lang, location: Location | None, field: str | None = None) -> Finding:
        if self.limit < MAX_ROWS:
            return campaign_error(M_TOO_MANY_FOR_SHARED, lang, location, field=field, limit=self.limit, values=self.shared)
        return campaign_error(M_TOO_MANY_ROWS, lang, location, field=field, limit=MAX_ROWS)


def _column_path(name: str, person: str) -> FieldPath | None:
    """A header's path: a school export's name (NOM, Prénom, DATE NAISS) is the person's field,
    and takes precedence, since no agreement has a top-level key such as `nom`; else the
    dotted path it writes. () for a column read as no field; None for an invalid header."""
    role = header_role(name) if "." not in name else None
    if role == "absences":
        return ABSENCES if person == "pupil" else ()
    if role == "level":
        return (person, "level") if person == "pupil" else ()
    if role is not None:
        return (person, _ROLE_FIELDS[role]) if role in _ROLE_FIELDS else ()
    return _header_path(name)


def parse_table(
    text: str, display: str, delimiter: str | None, lang: Lang, room: Room, quoted: dict[int, str], person: str = "pupil"
) -> Table | list[Finding]:
    """The class list's headers and rows, the first line of each kept in `quoted` for the
    findings to quote; refused at the first row past the campaign's room. `person` is the
    block a school export's columns fill (`worker` in an immersion)."""
    if not text.strip():
        return [campaign_error(M_CSV_EMPTY, lang, Location(1, 1, file=display))]
    delimiter = delimiter or sniff(text)  # from the header: empty lines before it are skipped
    rows = records(text, delimiter)
    findings: list[Finding] = []
    try:
        header_number, header_line, header_values = next(rows)
        quoted[header_number] = header_line
        names = [value.lstrip("\ufeff").strip() for value in header_values]
        if any(names[MAX_COLUMNS:]):
            where = Location(header_number, 1, file=display)
            return [campaign_error(M_TOO_MANY_COLUMNS, lang, where, name=display, limit=MAX_COLUMNS)]
        # Past the limit, headers are empty: a spreadsheet's export of formatted but empty columns.
        names = names[:MAX_COLUMNS]
        places = starts(header_line, header_values, delimiter, len(names))
        header_places = [_place(header_number, places, index, display) for index in range(len(names))]
        blank = {index for index, name in enumerate(names) if not name}
        valued: set[int] = set()  # columns without a header that hold values
        body: list[_Record] = []
        filled = 0
        for number, line, values in rows:
            cells = [(index, value.strip()) for index, value in enumerate(values) if value and not value.isspace()]
            if not cells:
                continue
            if len(body) >= room.left:
                findings.append(room.refusal(lang, Location(number, 1, file=display)))
                break
            places = starts(line, values, delimiter, len(names) + 1)
            kept, extra = [], None
            for index, value in cells:
                if index >= len(names):  # cells come in order: the others are past the headers too
                    extra = _place(number, places, len(names), display)
                    break
                if index in blank:
                    valued.add(index)
                kept.append((index, value, _place(number, places, index, display)))
            filled += len(kept)
            if filled > MAX_CELLS:
                findings.append(campaign_error(M_TOO_MANY_CELLS, lang, Location(number, 1, file=display), name=display, limit=MAX_CELLS))
                break
            quoted[number] = line
            body.append(_Record(number, len(values), kept, extra))
    except StopIteration:
        return [campaign_error(M_CSV_EMPTY, lang, Location(1, 1, file=display))]
    except Broken as broken:
        return [campaign_error(M_CSV_SYNTAX, lang, Location(broken.line, 1, file=display), reason=broken.reason)]
    header_findings: list[Finding] = []
    headers: list[tuple[FieldPath, Location]] = []
    seen: dict[FieldPath, int] = {}
    written: dict[FieldPath, str] = {}
    for index, (name, location) in enumerate(zip(names, header_places)):
        if not name:
            if index in valued:
                header_findings.append(campaign_error(M_HEADER_EMPTY, lang, location, column=_letters(index)))
            headers.append(((), location))
            continue
        path = _column_path(name, person)
        if path is None:
            header_findings.append(campaign_error(M_HEADER, lang, location, header=name))
            headers.append(((), location))
            continue
        if not path:  # a column a school export has and no agreement (MEF)
            headers.append(((), location))
            continue
        if "." not in name:
            written.setdefault(path, name)
        if path in seen:
            header_findings.append(campaign_error(M_HEADER_TWICE, lang, location, field=name, header=name, first=_letters(seen[path])))
        seen.setdefault(path, index)
        headers.append((path, location))
    # Each column against the columns that are its prefixes, not against every other
    # column: 10,000 columns are 10,000 look-ups, not 50 million comparisons.
    rank = {path: position for position, path in enumerate(sorted(seen, key=len))}
    clashes = sorted(
        (rank[inner[:end]], rank[inner], inner[:end], inner) for inner in seen for end in range(1, len(inner)) if inner[:end] in seen
    )
    for _, _, outer, inner in clashes:
        location = headers[seen[inner]][1]
        header_findings.append(campaign_error(M_HEADER_CLASH, lang, location, outer=dotted(outer), inner=dotted(inner)))
    return capped(header_findings + findings, lang) or Table(delimiter, headers, body, written)


def capped(findings: list[Finding], lang: Lang, hidden: int = 0) -> list[Finding]:
    """A screenful: past it, a broken list (say, 100,000 columns) says nothing new. `hidden`
    counts problems found but not made into findings, each costing a look-up for a suggestion."""
    if len(findings) + hidden <= MAX_FINDINGS:
        return findings
    count = len(findings) + hidden - MAX_FINDINGS
    more = replace(findings[MAX_FINDINGS], message=M_MORE.get(lang).format(count=count), field=None)
    return findings[:MAX_FINDINGS] + [more]


def _letters(index: int) -> str:
    """Spreadsheet column name of a 0-based index: 0 → A, 26 → AA."""
    name = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        name = chr(ord("A") + rest) + name
    return name


def row_values(
    table: Table, record: _Record, display: str, lang: Lang
) -> tuple[dict, dict[FieldPath, Location], dict[FieldPath, str], list[Finding]]:
    """A CSV row as nested values (empty cells left out), the location of each path, and
    the text of cells read as something else (a date, yes/no), for messages to quote.

    A block the row fills (`pupil` from `pupil.last_name`…) is placed on the row itself:
    what is missing in it (a minor's legal guardian) is the row's to give, and a finding
    about it points at the row without quoting any of its cells."""
    data: dict = {}
    places: dict[FieldPath, Location] = {}
    written: dict[FieldPath, str] = {}
    firsts: dict[FieldPath, Location] = {}  # a block's first cell, for a column numbering a list
    findings: list[Finding] = []
    if record.extra is not None:
        findings.append(
            campaign_error(
                M_EXTRA_CELLS,
                lang,
                record.extra,
                line=record.line,
                cells=record.width,
                headers=len(table.headers),
                delimiter=table.delimiter,
            )
        )
    row = Location(record.line, 1, file=display)
    for index, text, location in record.cells:
        path = table.headers[index][0]
        if not path:
            continue
        target = data
        for depth, part in enumerate(path[:-1]):
            places.setdefault(path[: depth + 1], row)
            firsts.setdefault(path[: depth + 1], location)
            target = target.setdefault(part, {})
        if path == ABSENCES:
            try:
                target[path[-1]] = value = parse_absences(text)
            except AbsenceCellError as error:
                findings.append(campaign_error(M_ABSENCE_CELL, lang, location, field=dotted(path), part=shortened(error.part)))
                continue
        else:
            target[path[-1]] = value = _cell_value(text)
        places[path] = location
        if value != text:
            written[path] = text
    gaps = _list_gaps(data, ())
    for path in gaps:
        findings.append(campaign_error(M_LIST_GAP, lang, firsts.get(path) or places.get(path), header=dotted(path)))
    return data, places, written, findings


ABSENCES = ("attendance", "absences")
"""The ABSENCES column: one cell listing a pupil's absences (source/absences.py)."""
M_ABSENCE_CELL = Msg(
    "absence illisible « {part} » : écrivez une date (14/01/2026 ou 2026-01-14), suivie au besoin de matin ou après-midi, "
    "ou deux dates « 19/01/2026 au 21/01/2026 », puis un motif entre parenthèses ; séparez les absences par « ; ».",
    "unreadable absence '{part}': write a date (14/01/2026 or 2026-01-14), followed if need be by matin or après-midi, "
    "or two dates '19/01/2026 au 21/01/2026', then a reason in parentheses; separate absences with ';'.",
)


_FRENCH_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")


_BOOLEANS = {"oui": True, "non": False, "vrai": True, "faux": False, "true": True, "false": False}


def _cell_value(text: str) -> Any:
    """Spreadsheets write dates as 14/05/2010 and yes/no as words: read them as YAML would mean them."""
    match = _FRENCH_DATE.fullmatch(text)
    if match:
        day, month, year = match.groups()
        return f"{year}-{int(month):02d}-{int(day):02d}"
    return _BOOLEANS.get(text.lower(), text)


def _list_gaps(data: Any, path: FieldPath) -> list[FieldPath]:
    if not isinstance(data, dict):
        return []
    gaps = []
    numbers = [key for key in data if isinstance(key, int)]
    if numbers and sorted(numbers) != list(range(len(numbers))):
        gaps.append(path + (max(numbers),))
    for key, value in data.items():
        gaps.extend(_list_gaps(value, path + (key,)))
    return gaps


def _refusal(path: Path, base: Path) -> str | None:
    """Why a class list may not be read there, or None. A campaign comes from many hands
    (and pull requests): it must not make convgen quote lines of any file it can reach."""
    if path.suffix.lower() in OLD_SPREADSHEETS:
        return "spreadsheet"
    if path.suffix.lower() not in TABLE_SUFFIXES:
        return "suffix"
    try:
        resolved, folder = path.resolve(), base.resolve()
    except (OSError, RuntimeError):
        return "outside"
    if not resolved.is_relative_to(folder):
        return "outside"
    if any(part.startswith(".") for part in resolved.relative_to(folder).parts):
        return "hidden"
    if resolved.exists() and not resolved.is_file():
        return "special"
    return None


def read_class_list(
    path: Path, base: Path, name: str, display: str, max_bytes: int, lang: Lang, anchor: Location | None
) -> Decoded | Finding:
    """The class list's text (a workbook's first sheet as `;`-separated text), or why not."""
    limit = max_bytes * CSV_SIZE_FACTOR
    why = _refusal(path, base)
    if why is not None:
        return campaign_error(M_CSV_PLACE, lang, anchor, field="campaign.csv", name=name, why=_CSV_WHY[why].get(lang))
    try:
        raw = read_limited(path, limit)
    except FileNotFoundError:
        return campaign_error(M_CSV_MISSING, lang, anchor, field="campaign.csv", name=name, path=path)
    except OSError as error:
        return campaign_error(
            M_CSV_UNREADABLE, lang, anchor, field="campaign.csv", name=name, reason=error.strerror or type(error).__name__
        )
    if len(raw) > limit:
        return campaign_error(M_CSV_TOO_BIG, lang, Location(1, 1, file=display), size=number(path.stat().st_size).get(lang), limit=limit)
    try:
        # Windows-1252 is read as the class list it is, without a word: a campaign has no notes.
        return table_text(raw, path.suffix, limit * XLSX_INFLATION)
    except TableError as error:
        location = Location(error.line, error.column or 1, file=display) if error.line else Location(1, 1, file=display)
        said = M_CSV_TABLE.fill(name=display, problem=error.said)
        if error.hinted is not None:
            said = Msg(" ", " ").join([said, error.hinted])
        return located("CAMPAIGN", Severity.ERROR, said.get(lang), location)  # filled already: a name may hold braces
