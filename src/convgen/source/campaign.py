"""Campaigns (mail merge): one file holds what a class shares, rows hold each pupil.

A campaign file is an agreement file with a `campaign` key: the rest of the file is
the shared part, and each row (written inline under `campaign.rows`, or read from the
CSV class list named by `campaign.csv`) is deep-merged over it into one agreement.
Every agreement keeps a source map, so a finding points at the campaign's YAML line
when the value came from the shared part, and at the CSV row and cell otherwise (at the
row alone for a value missing from a block the row fills); a finding quotes that one cell.
"""

from __future__ import annotations

import csv
import difflib
import io
import re
import unicodedata
from collections import deque
from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from itertools import accumulate, islice, tee
from pathlib import Path
from typing import Any, NamedTuple

from convgen.findings import MAX_FINDINGS, Finding, Location, Severity, located
from convgen.i18n import Lang, Msg
from convgen.source.reader import MAX_BYTES, Document, FieldPath, SourceMap, decode, load_path, read_limited

KEY = "campaign"
CAMPAIGN_KEYS = ("csv", "rows", "delimiter")
DELIMITERS = (";", ",", "\t")
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

M_SPEC = Msg(
    "« campaign » attend un bloc avec « csv: liste.csv » et/ou « rows: » (une liste d'élèves).",
    "'campaign' expects a mapping with 'csv: list.csv' and/or 'rows:' (a list of pupils).",
)
M_SPEC_KEY = Msg(
    "clé inconnue dans « campaign » : « {key} » (clés possibles : {keys}).",
    "unknown key in 'campaign': '{key}' (possible keys: {keys}).",
)
M_ROWS = Msg("« campaign.rows » attend une liste de blocs (un par élève).", "'campaign.rows' expects a list of mappings (one per pupil).")
M_ROW = Msg(
    "chaque élément de « campaign.rows » doit être un bloc clé: valeur.", "each item of 'campaign.rows' must be a key: value mapping."
)
M_CSV_NAME = Msg(
    "« campaign.csv » attend le nom d'un fichier CSV, par exemple « eleves.csv ».",
    "'campaign.csv' expects a CSV file name, such as 'pupils.csv'.",
)
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
    "suffix": Msg("un fichier .csv, .tsv ou .txt est attendu", "a .csv, .tsv or .txt file is expected"),
    "special": Msg("ce n'est pas un fichier ordinaire", "it is not a regular file"),
}
CSV_SUFFIXES = (".csv", ".tsv", ".txt")
M_UNKNOWN_COLUMN = Msg(
    "colonne « {header} » inconnue : aucun champ de convention {kind} à ce chemin{suggestion}",
    "unknown column '{header}': no field of a {kind} agreement at this path{suggestion}",
)
M_MORE = Msg(
    "… et {count} autres problèmes dans la liste de classe, non détaillés : corrigez d'abord ceux-ci.",
    "… and {count} more problems in the class list, not detailed: fix these first.",
)
M_DID_YOU_MEAN = Msg(" ; vouliez-vous dire « {name} » ?", "; did you mean '{name}'?")
M_CSV_UNREADABLE = Msg("liste de classe illisible « {name} » : {reason}.", "unreadable class list '{name}': {reason}.")
M_CSV_TOO_BIG = Msg(
    "liste de classe trop grosse ({size} octets, limite {limit}) ; relevez --max-size si elle est vraiment attendue.",
    "class list too large ({size} bytes, limit {limit}); raise --max-size if it is really expected.",
)
M_CSV_ENCODING = Msg(
    "{problem} Dans Excel : « Enregistrer sous » → « CSV UTF-8 (délimité par des virgules) » ; dans LibreOffice : jeu de caractères « Unicode (UTF-8) ».",
    "{problem} In Excel: 'Save as' → 'CSV UTF-8 (comma delimited)'; in LibreOffice: character set 'Unicode (UTF-8)'.",
)
M_CSV_SYNTAX = Msg("CSV illisible : {reason}.", "unreadable CSV: {reason}.")
M_CSV_EMPTY = Msg(
    "la liste de classe est vide : il faut une ligne d'en-têtes puis une ligne par élève.",
    "the class list is empty: it needs a header row, then one row per pupil.",
)
M_DELIMITER = Msg("« campaign.delimiter » attend « ; », « , » ou une tabulation.", "'campaign.delimiter' expects ';', ',' or a tab.")
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
M_NO_ROWS = Msg(
    "campagne sans élève : ajoutez des lignes à la liste de classe ou sous « campaign.rows ».",
    "campaign without pupils: add rows to the class list or under 'campaign.rows'.",
)
M_LIST_GAP = Msg(
    "colonne « {header} » : les éléments d'une liste se numérotent à partir de 0 sans trou.",
    "column '{header}': list items are numbered from 0 without gaps.",
)

_SEGMENT = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*|\d{1,3}|\d{4}-\d{2}-\d{2}")


@dataclass
class Row:
    """One agreement of a campaign: merged data, where each value came from, its name."""

    data: Any
    source: SourceMap
    label: str = ""
    origin: dict[str, Any] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)


@dataclass
class Campaign:
    display: str
    findings: list[Finding] = field(default_factory=list)
    rows: list[Row] = field(default_factory=list)
    source: SourceMap | None = None
    # The CSV's own lines, to quote a cell in a finding.
    quotes: dict[str, ClassList] = field(default_factory=dict)

    @property
    def usable(self) -> bool:
        return bool(self.rows) and not any(finding.is_error for finding in self.findings)


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


class _SomeLines(Sequence[str]):
    """A file's lines, but only those kept (the others read as empty): what a campaign row's
    result keeps of the campaign file, which every row shares."""

    __slots__ = ("kept", "count")

    def __init__(self, lines: Sequence[str], numbers: Collection[int]) -> None:
        self.kept = {number: lines[number - 1] for number in numbers if number and 1 <= number <= len(lines)}
        self.count = len(lines)

    def __len__(self) -> int:
        return self.count

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            return [self[position] for position in range(*index.indices(self.count))]
        if index < 0:
            index += self.count
        if not 0 <= index < self.count:
            raise IndexError(index)
        return self.kept.get(index + 1, "")


class RowSource(SourceMap):
    """A campaign row's source map: the shared part's locations under the row's."""

    def only(self, numbers: Collection[int]) -> SourceMap:
        """The lines a slim result quotes, not the whole campaign file once per row."""
        return SourceMap(lines=_SomeLines(self.lines, numbers))  # type: ignore[arg-type]


class _Layered(Mapping):
    """A row's locations over the shared part's, read through rather than copied: a copy of
    the shared map per row made a class of 10,000 pupils hold it 10,000 times. A path the row
    replaces (`cuts`) hides the shared locations below it."""

    __slots__ = ("top", "base", "cuts")

    def __init__(self, top: Mapping, base: Mapping, cuts: frozenset[FieldPath]) -> None:
        self.top, self.base, self.cuts = top, base, cuts

    def _cut(self, path: FieldPath) -> bool:
        return bool(self.cuts) and any(path[:end] in self.cuts for end in range(1, len(path) + 1))

    def get(self, path: Any, default: Any = None) -> Any:
        found = self.top.get(path)
        if found is not None or path in self.top:
            return found
        if path in self.base and not self._cut(path):
            return self.base[path]
        return default

    def __getitem__(self, path: Any) -> Any:
        if path in self.top:
            return self.top[path]
        if path in self.base and not self._cut(path):
            return self.base[path]
        raise KeyError(path)

    def __contains__(self, path: object) -> bool:
        return path in self.top or (path in self.base and not self._cut(path))  # type: ignore[arg-type]

    def __iter__(self) -> Iterator[FieldPath]:
        yield from self.top
        yield from (path for path in self.base if path not in self.top and not self._cut(path))

    def __len__(self) -> int:
        return sum(1 for _ in self)


def _error(msg: Msg, lang: Lang, location: Location | None, field: str | None = None, **params: Any) -> Finding:
    return located("CAMPAIGN", Severity.ERROR, msg.get(lang).format(**params), location, field=field)


def slugify(text: str, limit: int = 60) -> str:
    """`Dupont Léa` → `dupont-lea`: ASCII, lower case, dashes; safe in any file name."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:limit].rstrip("-")


def deep_merge(base: Any, patch: Any) -> Any:
    """The row over the shared part: mappings merge key by key, anything else replaces.

    A mapping whose keys are all numbers (from CSV headers such as `teachers.0.name`)
    patches the items of a list.
    """
    if isinstance(patch, dict) and patch and all(isinstance(key, int) for key in patch):
        items = list(base) if isinstance(base, list) else []
        for index in sorted(patch):
            if index < len(items):
                items[index] = deep_merge(items[index], patch[index])
            else:
                items.append(deep_merge(None, patch[index]))
        return items
    if isinstance(base, dict) and isinstance(patch, dict):
        merged = dict(base)
        for key, value in patch.items():
            merged[key] = deep_merge(base.get(key), value) if key in base else deep_merge(None, value)
        return merged
    if isinstance(patch, dict):
        return {key: deep_merge(None, value) for key, value in patch.items()}
    return patch


class _Record(NamedTuple):
    """A pupil's row: its filled cells only (column index, text, place), as a list of 16 MiB
    may hold mostly empty ones; `extra` is where the cells past the headers start, when one
    of them is filled."""

    line: int
    width: int
    cells: list[tuple[int, str, Location]]
    extra: Location | None


@dataclass
class _Table:
    delimiter: str
    headers: list[tuple[FieldPath, Location]]
    rows: list[_Record]


def _cell_columns(line: str, delimiter: str) -> list[int]:
    """1-based column where each cell of a one-line record starts (quotes respected)."""
    columns, quoted = [1], False
    # Only quotes and delimiters matter: a regex finds them without a step per character.
    for match in re.finditer('["' + re.escape(delimiter) + "]", line):
        if match.group() == '"':
            quoted = not quoted
        elif not quoted:
            columns.append(match.start() + 2)
    return columns


def _starts(line: str, values: list[str], delimiter: str, count: int) -> list[int] | None:
    """1-based column where each of the first `count` cells starts, then where the next one
    does (one past the line's end after the last cell); None when the line does not show
    the record's cells (a record over several lines)."""
    count = min(count, len(values))
    if '"' not in line:  # then the cells are the line split at each delimiter
        return list(accumulate((len(value) + 1 for value in islice(values, count)), initial=1))
    starts = _cell_columns(line, delimiter)
    if len(starts) != len(values):
        return None
    starts.append(len(line) + 2)
    return starts[: count + 1]


class _Broken(Exception):
    def __init__(self, line: int, reason: str) -> None:
        super().__init__(reason)
        self.line, self.reason = line, reason


def _records(text: str, delimiter: str) -> Iterator[tuple[int, str, list[str]]]:
    """Each record but empty lines, with the number and text of its first line, read one at
    a time: a list past a limit is refused at that row, before the rest is held in memory."""
    # The reader reads the lines; `follow` passes them again, at C speed, to give a record's
    # first line: a list of 16 MiB may be nothing but empty lines.
    feed, follow = tee(io.StringIO(text, newline=""))
    reader = csv.reader(feed, delimiter=delimiter, strict=True)
    passed = last = 0  # lines `follow` has passed; lines read before the record in hand
    try:
        for values in reader:
            if values:
                first = next(islice(follow, last - passed, None), "")
                passed = last + 1
                yield last + 1, first.rstrip("\r\n"), values
            elif last - passed > 4096:  # tee holds what `follow` has not passed yet
                deque(islice(follow, last - passed), maxlen=0)
                passed = last
            last = reader.line_num
    except csv.Error as error:
        raise _Broken(reader.line_num or 1, str(error)) from None


def _sniff(header_line: str) -> str:
    plain = '"' not in header_line
    counts = {
        delimiter: header_line.count(delimiter) + 1 if plain else len(_cell_columns(header_line, delimiter)) for delimiter in DELIMITERS
    }
    best = max(DELIMITERS, key=lambda delimiter: counts[delimiter])
    return best if counts[best] > 1 else ","


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


class _Room(NamedTuple):
    """How many pupils a campaign may hold (`limit`; fewer than MAX_ROWS for a large shared
    part, see MAX_SPREAD) and how many more it may take (`left`)."""

    limit: int
    shared: int
    left: int

    @classmethod
    def of(cls, shared: int) -> _Room:
        limit = min(MAX_ROWS, MAX_SPREAD // max(shared, 1))
        return cls(limit, shared, limit)

    def refusal(self, lang: Lang, location: Location | None, field: str | None = None) -> Finding:
        if self.limit < MAX_ROWS:
            return _error(M_TOO_MANY_FOR_SHARED, lang, location, field=field, limit=self.limit, values=self.shared)
        return _error(M_TOO_MANY_ROWS, lang, location, field=field, limit=MAX_ROWS)


def _parse_table(text: str, display: str, delimiter: str | None, lang: Lang, room: _Room, quoted: dict[int, str]) -> _Table | list[Finding]:
    """The class list's headers and rows, the first line of each kept in `quoted` for the
    findings to quote; refused at the first row past the campaign's room."""
    if not text.strip():
        return [_error(M_CSV_EMPTY, lang, Location(1, 1, file=display))]
    first_line = re.match(r"[^\r\n]*", text.lstrip("\r\n"))  # the header: empty lines before it are skipped
    delimiter = delimiter or _sniff(first_line.group() if first_line else "")
    records = _records(text, delimiter)
    findings: list[Finding] = []
    try:
        header_number, header_line, header_values = next(records)
        quoted[header_number] = header_line
        names = [value.lstrip("\ufeff").strip() for value in header_values]
        if any(names[MAX_COLUMNS:]):
            where = Location(header_number, 1, file=display)
            return [_error(M_TOO_MANY_COLUMNS, lang, where, name=display, limit=MAX_COLUMNS)]
        # Past the limit, headers are empty: a spreadsheet's export of formatted but empty columns.
        names = names[:MAX_COLUMNS]
        starts = _starts(header_line, header_values, delimiter, len(names))
        header_places = [_place(header_number, starts, index, display) for index in range(len(names))]
        blank = {index for index, name in enumerate(names) if not name}
        valued: set[int] = set()  # columns without a header that hold values
        body: list[_Record] = []
        filled = 0
        for number, line, values in records:
            cells = [(index, value.strip()) for index, value in enumerate(values) if value and not value.isspace()]
            if not cells:
                continue
            if len(body) >= room.left:
                findings.append(room.refusal(lang, Location(number, 1, file=display)))
                break
            starts = _starts(line, values, delimiter, len(names) + 1)
            kept, extra = [], None
            for index, value in cells:
                if index >= len(names):  # cells come in order: the others are past the headers too
                    extra = _place(number, starts, len(names), display)
                    break
                if index in blank:
                    valued.add(index)
                kept.append((index, value, _place(number, starts, index, display)))
            filled += len(kept)
            if filled > MAX_CELLS:
                findings.append(_error(M_TOO_MANY_CELLS, lang, Location(number, 1, file=display), name=display, limit=MAX_CELLS))
                break
            quoted[number] = line
            body.append(_Record(number, len(values), kept, extra))
    except StopIteration:
        return [_error(M_CSV_EMPTY, lang, Location(1, 1, file=display))]
    except _Broken as broken:
        return [_error(M_CSV_SYNTAX, lang, Location(broken.line, 1, file=display), reason=broken.reason)]
    header_findings: list[Finding] = []
    headers: list[tuple[FieldPath, Location]] = []
    seen: dict[FieldPath, int] = {}
    for index, (name, location) in enumerate(zip(names, header_places)):
        if not name:
            if index in valued:
                header_findings.append(_error(M_HEADER_EMPTY, lang, location, column=_letters(index)))
            headers.append(((), location))
            continue
        path = _header_path(name)
        if path is None:
            header_findings.append(_error(M_HEADER, lang, location, header=name))
            headers.append(((), location))
            continue
        if path in seen:
            header_findings.append(_error(M_HEADER_TWICE, lang, location, field=name, header=name, first=_letters(seen[path])))
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
        header_findings.append(_error(M_HEADER_CLASH, lang, location, outer=_dotted(outer), inner=_dotted(inner)))
    return _capped(header_findings + findings, lang) or _Table(delimiter, headers, body)


def _capped(findings: list[Finding], lang: Lang, hidden: int = 0) -> list[Finding]:
    """A screenful: past it, a broken list (say, 100,000 columns) says nothing new. `hidden`
    counts problems found but not made into findings, each costing a look-up for a suggestion."""
    if len(findings) + hidden <= MAX_FINDINGS:
        return findings
    count = len(findings) + hidden - MAX_FINDINGS
    more = replace(findings[MAX_FINDINGS], message=M_MORE.get(lang).format(count=count), field=None)
    return findings[:MAX_FINDINGS] + [more]


def _unknown_columns(table: _Table, kind: Any, lang: Lang) -> list[Finding]:
    """Columns that name no field of this kind: said once, at the header, not once per pupil."""
    from convgen.schema.models import MODELS
    from convgen.schema.validation import field_names, type_at

    model = MODELS.get(kind) if isinstance(kind, str) else None
    if model is None:
        return []  # the kind is reported on its own
    findings, hidden = [], 0
    for path, location in table.headers:
        if not path or type_at(model, path) is not None:
            continue
        if len(findings) > MAX_FINDINGS:  # past a screenful, counted without a suggestion
            hidden += 1
            continue
        parent = type_at(model, path[:-1])
        names = field_names(parent) if isinstance(parent, type) and hasattr(parent, "model_fields") else []
        close = difflib.get_close_matches(str(path[-1]), names, n=1, cutoff=0.6)
        suggestion = M_DID_YOU_MEAN.get(lang).format(name=_dotted(path[:-1] + (close[0],))) if close else "."
        findings.append(
            _error(M_UNKNOWN_COLUMN, lang, location, field=_dotted(path), header=_dotted(path), kind=kind, suggestion=suggestion)
        )
    return _capped(findings, lang, hidden)


def _dotted(path: FieldPath) -> str:
    return ".".join(str(part) for part in path)


def _letters(index: int) -> str:
    """Spreadsheet column name of a 0-based index: 0 → A, 26 → AA."""
    name = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        name = chr(ord("A") + rest) + name
    return name


def _csv_row(
    table: _Table, record: _Record, display: str, lang: Lang
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
            _error(
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
        target[path[-1]] = value = _cell_value(text)
        places[path] = location
        if value != text:
            written[path] = text
    gaps = _list_gaps(data, ())
    for path in gaps:
        findings.append(_error(M_LIST_GAP, lang, firsts.get(path) or places.get(path), header=_dotted(path)))
    return data, places, written, findings


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


def _shared_source(source: SourceMap) -> SourceMap:
    """The campaign file's source map without the `campaign` block."""

    def keep(mapping: dict[FieldPath, Any]) -> dict[FieldPath, Any]:
        return {path: value for path, value in mapping.items() if not path or path[0] != KEY}

    return SourceMap(lines=source.lines, keys=keep(source.keys), values=keep(source.values), scalars=keep(source.scalars))


def _row_source(
    shared: SourceMap,
    keys: Mapping[FieldPath, Location],
    values: Mapping[FieldPath, Location],
    scalars: Mapping[FieldPath, str],
    replaced: Collection[FieldPath],
) -> RowSource:
    """Shared locations overlaid with the row's; a value the row replaces hides the shared ones below it."""
    cuts = frozenset(replaced)
    return RowSource(
        lines=shared.lines,
        keys=_Layered(keys, shared.keys, cuts),  # type: ignore[arg-type]
        values=_Layered(values, shared.values, cuts),  # type: ignore[arg-type]
        scalars=_Layered(scalars, shared.scalars, cuts),  # type: ignore[arg-type]
    )


def _replaced(data: Any, path: FieldPath = ()) -> list[FieldPath]:
    """Paths where an inline row puts something other than a mapping: it replaces the shared value."""
    if isinstance(data, dict):
        return [found for key, value in data.items() for found in _replaced(value, path + (key,))]
    return [path]


def _by_item(mapping: Mapping[FieldPath, Any], prefix: FieldPath) -> dict[Any, dict[FieldPath, Any]]:
    """The entries below each item of the list at prefix, rerooted at that item: one pass
    over the file's map, where one pass per row made 20,000 rows take minutes."""
    items: dict[Any, dict[FieldPath, Any]] = {}
    depth = len(prefix)
    for path, value in mapping.items():
        if len(path) > depth + 1 and path[:depth] == prefix:
            items.setdefault(path[depth], {})[path[depth + 1 :]] = value
    return items


def _inline_rows(doc: Document, shared: dict, shared_source: SourceMap, lang: Lang, room: _Room) -> tuple[list[Row], list[Finding]]:
    rows_value = doc.data[KEY].get("rows")
    if rows_value is None:
        return [], []
    prefix: FieldPath = (KEY, "rows")
    if not isinstance(rows_value, list):
        return [], [_error(M_ROWS, lang, doc.source.locate(prefix), field="campaign.rows")]
    if len(rows_value) > room.limit:  # refused before any row is built
        return [], [room.refusal(lang, doc.source.locate(prefix + (room.limit,), prefer="value"), field="campaign.rows")]
    keys, values, scalars = (_by_item(mapping, prefix) for mapping in (doc.source.keys, doc.source.values, doc.source.scalars))
    rows, findings = [], []
    for index, item in enumerate(rows_value):
        here = prefix + (index,)
        if not isinstance(item, dict):
            findings.append(_error(M_ROW, lang, doc.source.locate(here, prefer="value"), field=_dotted(here)))
            continue
        source = _row_source(shared_source, keys.get(index, {}), values.get(index, {}), scalars.get(index, {}), _replaced(item))
        location = doc.source.values.get(here)
        rows.append(Row(deep_merge(shared, item), source, origin={"row": index + 1, "line": location.line if location else None}))
    return rows, findings


def _refusal(path: Path, base: Path) -> str | None:
    """Why a class list may not be read there, or None. A campaign comes from many hands
    (and pull requests): it must not make convgen quote lines of any file it can reach."""
    if path.suffix.lower() not in CSV_SUFFIXES:
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


def _read_csv(path: Path, base: Path, name: str, display: str, max_bytes: int, lang: Lang, anchor: Location | None) -> str | Finding:
    limit = max_bytes * CSV_SIZE_FACTOR
    why = _refusal(path, base)
    if why is not None:
        return _error(M_CSV_PLACE, lang, anchor, field="campaign.csv", name=name, why=_CSV_WHY[why].get(lang))
    try:
        raw = read_limited(path, limit)
    except FileNotFoundError:
        return _error(M_CSV_MISSING, lang, anchor, field="campaign.csv", name=name, path=path)
    except OSError as error:
        return _error(M_CSV_UNREADABLE, lang, anchor, field="campaign.csv", name=name, reason=error.strerror or type(error).__name__)
    if len(raw) > limit:
        return _error(M_CSV_TOO_BIG, lang, Location(1, 1, file=display), size=f"{path.stat().st_size:,}".replace(",", " "), limit=limit)
    text = decode(raw, lang)
    if isinstance(text, Finding):
        location = Location(text.line, text.column, file=display) if text.line else None
        return _error(M_CSV_ENCODING, lang, location, problem=text.message)
    return text


def _csv_rows(
    doc: Document,
    base: Path,
    shared: dict,
    shared_source: SourceMap,
    lang: Lang,
    max_bytes: int,
    quotes: dict[str, ClassList],
    room: _Room,
) -> tuple[list[Row], list[Finding]]:
    spec = doc.data[KEY]
    name = spec.get("csv")
    if name is None:
        return [], []
    anchor = doc.source.values.get((KEY, "csv")) or doc.source.locate((KEY,))
    if not isinstance(name, str) or not name.strip():
        return [], [_error(M_CSV_NAME, lang, anchor, field="campaign.csv")]
    delimiter = spec.get("delimiter")
    if delimiter is not None and delimiter not in DELIMITERS:
        return [], [_error(M_DELIMITER, lang, doc.source.values.get((KEY, "delimiter")), field="campaign.delimiter")]
    path = base / name
    display = path.as_posix() if base.as_posix() not in ("", ".") else name
    text = _read_csv(path, base, name, display, max_bytes, lang, anchor)
    if isinstance(text, Finding):
        return [], [text]
    quotes[display] = ClassList()
    table = _parse_table(text, display, delimiter, lang, room, quotes[display].lines)
    if isinstance(table, list):
        return [], table
    unknown = _unknown_columns(table, shared.get("kind"), lang)
    if unknown:
        return [], unknown
    rows = []
    for record in table.rows:
        data, places, written, findings = _csv_row(table, record, display, lang)
        source = _row_source(shared_source, places, places, written, ())
        rows.append(Row(deep_merge(shared, data), source, origin={"csv": display, "line": record.line}, findings=findings))
    return rows, []


def _label(data: Any) -> str:
    person = data.get("pupil") if data.get("kind") != "immersion" else data.get("worker")
    if isinstance(person, dict):
        names = [person.get("last_name"), person.get("first_name")]
        return slugify(" ".join(str(name) for name in names if isinstance(name, (str, int))))
    return ""


def _name_rows(rows: list[Row]) -> None:
    """Each row's name: from the pupil (or worker), unique in the campaign, else its position."""
    taken: set[str] = set()
    # The next suffix to try for each name: a class of namesakes would otherwise try
    # every suffix already given, row after row.
    suffixes: dict[str, int] = {}
    for number, row in enumerate(rows, 1):
        base = _label(row.data) if isinstance(row.data, dict) else ""
        if not base:
            base = f"ligne-{row.origin['line']}" if "csv" in row.origin else f"eleve-{number}"
        label, suffix = base, suffixes.get(base, 2)
        if label in taken:
            label = f"{base}-{suffix}"
            while label in taken:
                suffix += 1
                label = f"{base}-{suffix}"
            suffixes[base] = suffix + 1
        taken.add(label)
        row.label = label


def load_campaign(path: Path, display: str, lang: Lang = "fr", max_bytes: int = MAX_BYTES) -> Campaign:
    """Read a campaign and the rows it holds; its own problems stop it before any row."""
    try:
        doc = load_path(path, lang, max_bytes)
    except OSError as error:
        from convgen.pipeline.checking import M_UNREADABLE

        reason = error.strerror or type(error).__name__
        return Campaign(display, [located("YAML_SYNTAX", Severity.ERROR, M_UNREADABLE.get(lang).format(reason=reason), None)])
    campaign = Campaign(display, list(doc.findings), source=doc.source)
    if not doc.usable or any(finding.is_error for finding in doc.findings):
        return campaign
    spec = doc.data.get(KEY)
    where = doc.source.locate((KEY,))
    if not isinstance(spec, dict):
        campaign.findings.append(_error(M_SPEC, lang, where, field=KEY))
        return campaign
    unknown = [key for key in spec if key not in CAMPAIGN_KEYS]
    for key in unknown:
        campaign.findings.append(
            _error(M_SPEC_KEY, lang, doc.source.keys.get((KEY, key)), field=f"{KEY}.{key}", key=key, keys=", ".join(CAMPAIGN_KEYS))
        )
    if unknown:
        return campaign
    shared = {key: value for key, value in doc.data.items() if key != KEY}
    shared_source = _shared_source(doc.source)
    room = _Room.of(len(shared_source.values))
    inline, inline_findings = _inline_rows(doc, shared, shared_source, lang, room)
    room = room._replace(left=room.limit - len(inline))
    listed, csv_findings = _csv_rows(doc, path.parent, shared, shared_source, lang, max_bytes, campaign.quotes, room)
    campaign.findings += inline_findings + csv_findings
    campaign.rows = inline + listed
    if not campaign.rows and not campaign.findings:
        campaign.findings.append(_error(M_NO_ROWS, lang, where, field=KEY))
    _name_rows(campaign.rows)
    return campaign
