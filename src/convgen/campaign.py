"""Campaigns (mail merge): one file holds what a class shares, rows hold each pupil.

A campaign file is an agreement file with a `campaign` key: the rest of the file is
the shared part, and each row (written inline under `campaign.rows`, or read from the
CSV class list named by `campaign.csv`) is deep-merged over it into one agreement.
Every agreement keeps a source map, so a finding points at the campaign's YAML line
when the value came from the shared part, and at the CSV row and cell otherwise.
"""

from __future__ import annotations

import csv
import difflib
import io
import re
import unicodedata
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from convgen.findings import MAX_FINDINGS, Finding, Location, Severity, located
from convgen.i18n import Lang, Msg
from convgen.loading import MAX_BYTES, Document, FieldPath, SourceMap, decode, load_path, read_limited

KEY = "campaign"
CAMPAIGN_KEYS = ("csv", "rows", "delimiter")
DELIMITERS = (";", ",", "\t")
MAX_ROWS = 10_000
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
    quotes: dict[str, SourceMap] = field(default_factory=dict)

    @property
    def usable(self) -> bool:
        return bool(self.rows) and not any(finding.is_error for finding in self.findings)


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


@dataclass
class _Cell:
    value: str
    location: Location


@dataclass
class _Table:
    delimiter: str
    headers: list[tuple[FieldPath, Location]]
    rows: list[tuple[int, list[_Cell]]]


def _cell_columns(line: str, delimiter: str) -> list[int]:
    """1-based column where each cell of a one-line record starts (quotes respected)."""
    columns, quoted = [1], False
    for index, char in enumerate(line):
        if char == '"':
            quoted = not quoted
        elif char == delimiter and not quoted:
            columns.append(index + 2)
    return columns


def _sniff(header_line: str) -> str:
    counts = {delimiter: len(_cell_columns(header_line, delimiter)) for delimiter in DELIMITERS}
    best = max(DELIMITERS, key=lambda delimiter: counts[delimiter])
    return best if counts[best] > 1 else ","


def _header_path(text: str) -> FieldPath | None:
    parts = text.split(".")
    if not all(_SEGMENT.fullmatch(part) for part in parts):
        return None
    return tuple(int(part) if part.isdigit() else part for part in parts)


def _parse_table(text: str, lines: list[str], display: str, delimiter: str | None, lang: Lang) -> _Table | list[Finding]:
    if not any(line.strip() for line in lines):
        return [_error(M_CSV_EMPTY, lang, Location(1, 1, file=display))]
    delimiter = delimiter or _sniff(lines[0])
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    records: list[tuple[int, list[str]]] = []
    last = 0
    try:
        for record in reader:
            records.append((last + 1, record))
            last = reader.line_num
    except csv.Error as error:
        return [_error(M_CSV_SYNTAX, lang, Location(reader.line_num or 1, 1, file=display), reason=str(error))]

    def cells(number: int, values: list[str]) -> list[_Cell]:
        line = lines[number - 1] if number <= len(lines) else ""
        starts: list[int] | None = _cell_columns(line, delimiter)
        if len(starts) != len(values):
            starts = None  # a record over several lines: the row is known, not the column
        out = []
        for index, value in enumerate(values):
            if starts is None:
                location = Location(number, 1, file=display)
            else:
                end = starts[index + 1] - 1 if index + 1 < len(starts) else len(line) + 1
                location = Location(number, starts[index], end if end > starts[index] else None, file=display)
            out.append(_Cell(value.strip(), location))
        return out

    header_number, header_values = records[0]
    header_cells = cells(header_number, header_values)
    body = [(number, cells(number, values)) for number, values in records[1:] if any(value.strip() for value in values)]
    findings: list[Finding] = []
    headers: list[tuple[FieldPath, Location]] = []
    seen: dict[FieldPath, int] = {}
    for index, cell in enumerate(header_cells):
        name = cell.value.lstrip("\ufeff").strip()
        if not name:
            if any(index < len(row) and row[index].value for _, row in body):
                findings.append(_error(M_HEADER_EMPTY, lang, cell.location, column=_letters(index)))
            headers.append(((), cell.location))
            continue
        path = _header_path(name)
        if path is None:
            findings.append(_error(M_HEADER, lang, cell.location, header=name))
            headers.append(((), cell.location))
            continue
        if path in seen:
            findings.append(_error(M_HEADER_TWICE, lang, cell.location, field=name, header=name, first=_letters(seen[path])))
        seen.setdefault(path, index)
        headers.append((path, cell.location))
    named = sorted(seen, key=len)
    for position, outer in enumerate(named):
        for inner in named[position + 1 :]:
            if inner[: len(outer)] == outer:
                location = headers[seen[inner]][1]
                findings.append(_error(M_HEADER_CLASH, lang, location, outer=_dotted(outer), inner=_dotted(inner)))
    if len(body) > MAX_ROWS:
        findings.append(_error(M_TOO_MANY_ROWS, lang, Location(1, 1, file=display), limit=MAX_ROWS))
    return _capped(findings, lang) or _Table(delimiter, headers, body)


def _capped(findings: list[Finding], lang: Lang) -> list[Finding]:
    """A screenful: past it, a broken list (say, 100,000 columns) says nothing new."""
    if len(findings) <= MAX_FINDINGS:
        return findings
    more = replace(findings[MAX_FINDINGS], message=M_MORE.get(lang).format(count=len(findings) - MAX_FINDINGS), field=None)
    return findings[:MAX_FINDINGS] + [more]


def _unknown_columns(table: _Table, kind: Any, lang: Lang) -> list[Finding]:
    """Columns that name no field of this kind: said once, at the header, not once per pupil."""
    from convgen.models import MODELS
    from convgen.validation import field_names, type_at

    model = MODELS.get(kind) if isinstance(kind, str) else None
    if model is None:
        return []  # the kind is reported on its own
    findings = []
    for path, location in table.headers:
        if not path or type_at(model, path) is not None:
            continue
        parent = type_at(model, path[:-1])
        names = field_names(parent) if isinstance(parent, type) and hasattr(parent, "model_fields") else []
        close = difflib.get_close_matches(str(path[-1]), names, n=1, cutoff=0.6)
        suggestion = M_DID_YOU_MEAN.get(lang).format(name=_dotted(path[:-1] + (close[0],))) if close else "."
        findings.append(
            _error(M_UNKNOWN_COLUMN, lang, location, field=_dotted(path), header=_dotted(path), kind=kind, suggestion=suggestion)
        )
    return _capped(findings, lang)


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
    table: _Table, cells: list[_Cell], line: int, lang: Lang
) -> tuple[dict, dict[FieldPath, Location], dict[FieldPath, str], list[Finding]]:
    """A CSV row as nested values (empty cells left out), the location of each path, and
    the text of cells read as something else (a date, yes/no), for messages to quote."""
    data: dict = {}
    places: dict[FieldPath, Location] = {}
    written: dict[FieldPath, str] = {}
    findings: list[Finding] = []
    if len(cells) > len(table.headers) and any(cell.value for cell in cells[len(table.headers) :]):
        findings.append(
            _error(
                M_EXTRA_CELLS,
                lang,
                cells[len(table.headers)].location,
                line=line,
                cells=len(cells),
                headers=len(table.headers),
                delimiter=table.delimiter,
            )
        )
    for (path, _), cell in zip(table.headers, cells):
        if not path or not cell.value:
            continue
        target = data
        for depth, part in enumerate(path[:-1]):
            places.setdefault(path[: depth + 1], cell.location)
            target = target.setdefault(part, {})
        target[path[-1]] = value = _cell_value(cell.value)
        places[path] = cell.location
        if value != cell.value:
            written[path] = cell.value
    gaps = _list_gaps(data, ())
    for path in gaps:
        findings.append(_error(M_LIST_GAP, lang, places.get(path), header=_dotted(path)))
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
    keys: dict[FieldPath, Location],
    values: dict[FieldPath, Location],
    scalars: dict[FieldPath, str],
    replaced: list[FieldPath],
) -> SourceMap:
    """Shared locations overlaid with the row's; a value the row replaces drops the shared ones below it."""

    cuts = set(replaced)

    def overlay(base: dict[FieldPath, Any], top: dict[FieldPath, Any]) -> dict[FieldPath, Any]:
        if cuts:
            merged = {path: value for path, value in base.items() if not any(path[:end] in cuts for end in range(1, len(path) + 1))}
        else:
            merged = dict(base)
        merged.update(top)
        return merged

    return SourceMap(
        lines=shared.lines, keys=overlay(shared.keys, keys), values=overlay(shared.values, values), scalars=overlay(shared.scalars, scalars)
    )


def _replaced(data: Any, path: FieldPath = ()) -> list[FieldPath]:
    """Paths where an inline row puts something other than a mapping: it replaces the shared value."""
    if isinstance(data, dict):
        return [found for key, value in data.items() for found in _replaced(value, path + (key,))]
    return [path]


def _inline_rows(doc: Document, shared: dict, shared_source: SourceMap, lang: Lang) -> tuple[list[Row], list[Finding]]:
    rows_value = doc.data[KEY].get("rows")
    if rows_value is None:
        return [], []
    prefix: FieldPath = (KEY, "rows")
    if not isinstance(rows_value, list):
        return [], [_error(M_ROWS, lang, doc.source.locate(prefix), field="campaign.rows")]
    rows, findings = [], []
    for index, item in enumerate(rows_value):
        here = prefix + (index,)
        if not isinstance(item, dict):
            findings.append(_error(M_ROW, lang, doc.source.locate(here, prefer="value"), field=_dotted(here)))
            continue

        def rerooted(mapping: dict[FieldPath, Any], here: FieldPath = here) -> dict[FieldPath, Any]:
            return {path[len(here) :]: value for path, value in mapping.items() if path[: len(here)] == here and len(path) > len(here)}

        source = _row_source(
            shared_source, rerooted(doc.source.keys), rerooted(doc.source.values), rerooted(doc.source.scalars), _replaced(item)
        )
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
    doc: Document, base: Path, shared: dict, shared_source: SourceMap, lang: Lang, max_bytes: int, quotes: dict[str, SourceMap]
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
    lines = text.splitlines()
    quotes[display] = SourceMap(lines=lines)
    table = _parse_table(text, lines, display, delimiter, lang)
    if isinstance(table, list):
        return [], table
    unknown = _unknown_columns(table, shared.get("kind"), lang)
    if unknown:
        return [], unknown
    rows = []
    for line, cells in table.rows:
        data, places, written, findings = _csv_row(table, cells, line, lang)
        # A missing key is shown in the shared part when it has the block, else on the row.
        for path in [path for path in places if path in shared_source.keys and not isinstance(_get(data, path), str)]:
            places.pop(path)
        source = _row_source(shared_source, places, places, written, [])
        rows.append(Row(deep_merge(shared, data), source, origin={"csv": display, "line": line}, findings=findings))
    return rows, []


def _get(data: Any, path: FieldPath) -> Any:
    for part in path:
        if not isinstance(data, dict) or part not in data:
            return None
        data = data[part]
    return data


def _label(data: Any) -> str:
    person = data.get("pupil") if data.get("kind") != "immersion" else data.get("worker")
    if isinstance(person, dict):
        names = [person.get("last_name"), person.get("first_name")]
        return slugify(" ".join(str(name) for name in names if isinstance(name, (str, int))))
    return ""


def _name_rows(rows: list[Row]) -> None:
    """Each row's name: from the pupil (or worker), unique in the campaign, else its position."""
    taken: set[str] = set()
    for number, row in enumerate(rows, 1):
        base = _label(row.data) if isinstance(row.data, dict) else ""
        if not base:
            base = f"ligne-{row.origin['line']}" if "csv" in row.origin else f"eleve-{number}"
        label, suffix = base, 2
        while label in taken:
            label, suffix = f"{base}-{suffix}", suffix + 1
        taken.add(label)
        row.label = label


def load_campaign(path: Path, display: str, lang: Lang = "fr", max_bytes: int = MAX_BYTES) -> Campaign:
    """Read a campaign and the rows it holds; its own problems stop it before any row."""
    try:
        doc = load_path(path, lang, max_bytes)
    except OSError as error:
        from convgen.checking import M_UNREADABLE

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
    inline, inline_findings = _inline_rows(doc, shared, shared_source, lang)
    listed, csv_findings = _csv_rows(doc, path.parent, shared, shared_source, lang, max_bytes, campaign.quotes)
    campaign.findings += inline_findings + csv_findings
    campaign.rows = inline + listed
    if not campaign.rows and not campaign.findings:
        campaign.findings.append(_error(M_NO_ROWS, lang, where, field=KEY))
    _name_rows(campaign.rows)
    return campaign
