"""Campaigns (mail merge): one file holds what a class shares, rows hold each pupil.

A campaign file is an agreement file with a `campaign` key: the rest of the file is
the shared part, and each row (written inline under `campaign.rows`, or read from the
CSV class list named by `campaign.csv`) is deep-merged over it into one agreement.
Every agreement keeps a source map, so a finding points at the campaign's YAML line
when the value came from the shared part, and at the CSV row and cell otherwise (at the
row alone for a value missing from a block the row fills); a finding quotes that one cell.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from convgen.findings import MAX_FINDINGS, Finding, Location, Severity, located
from convgen.i18n import Lang, Msg
from convgen.source.classlist import (
    ClassList,
    Room,
    Table,
    campaign_error,
    capped,
    parse_table,
    read_class_list,
    row_values,
)
from convgen.source.reader import M_UNREADABLE, MAX_BYTES, Document, FieldPath, SourceMap, load_path
from convgen.source.tables import DELIMITERS
from convgen.text import closest, dotted

KEY = "campaign"
CAMPAIGN_KEYS = ("csv", "rows", "delimiter")

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
    "« campaign.csv » attend le nom d'un fichier CSV ou XLSX, par exemple « eleves.csv ».",
    "'campaign.csv' expects a CSV or XLSX file name, such as 'pupils.csv'.",
)
M_UNKNOWN_COLUMN = Msg(
    "colonne « {header} » inconnue : aucun champ de convention {kind} à ce chemin{suggestion}",
    "unknown column '{header}': no field of a {kind} agreement at this path{suggestion}",
)
M_DID_YOU_MEAN = Msg(" ; vouliez-vous dire « {name} » ?", "; did you mean '{name}'?")
M_DELIMITER = Msg("« campaign.delimiter » attend « ; », « , » ou une tabulation.", "'campaign.delimiter' expects ';', ',' or a tab.")
M_NO_ROWS = Msg(
    "campagne sans élève : ajoutez des lignes à la liste de classe ou sous « campaign.rows ».",
    "campaign without pupils: add rows to the class list or under 'campaign.rows'.",
)


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


class Fields(Protocol):
    """The fields a column may name. The schema is a later stage than reading: the pipeline
    hands its fields in (schema.validation.SchemaFields)."""

    def has_kind(self, kind: str) -> bool: ...

    def exists(self, kind: str, path: FieldPath) -> bool: ...

    def names(self, kind: str, path: FieldPath) -> list[str]:
        """The names of the fields of the block at path (empty when it is not a block)."""
        ...


def _unknown_columns(table: Table, kind: Any, lang: Lang, fields: Fields | None) -> list[Finding]:
    """Columns that name no field of this kind: said once, at the header, not once per pupil."""
    if fields is None or not isinstance(kind, str) or not fields.has_kind(kind):
        return []  # the kind is reported on its own
    findings, hidden = [], 0
    for path, location in table.headers:
        if not path or fields.exists(kind, path):
            continue
        header = table.written.get(path) or dotted(path)  # NOM, not the pupil.last_name it was read as
        if len(findings) > MAX_FINDINGS:  # past a screenful, counted without a suggestion
            hidden += 1
            continue
        close = closest(str(path[-1]), fields.names(kind, path[:-1]))
        suggestion = M_DID_YOU_MEAN.get(lang).format(name=dotted((*path[:-1], close))) if close else "."
        findings.append(
            campaign_error(M_UNKNOWN_COLUMN, lang, location, field=dotted(path), header=header, kind=kind, suggestion=suggestion)
        )
    return capped(findings, lang, hidden)


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


def _inline_rows(doc: Document, shared: dict, shared_source: SourceMap, lang: Lang, room: Room) -> tuple[list[Row], list[Finding]]:
    rows_value = doc.data[KEY].get("rows")
    if rows_value is None:
        return [], []
    prefix: FieldPath = (KEY, "rows")
    if not isinstance(rows_value, list):
        return [], [campaign_error(M_ROWS, lang, doc.source.locate(prefix), field="campaign.rows")]
    if len(rows_value) > room.limit:  # refused before any row is built
        return [], [room.refusal(lang, doc.source.locate(prefix + (room.limit,), prefer="value"), field="campaign.rows")]
    keys, values, scalars = (_by_item(mapping, prefix) for mapping in (doc.source.keys, doc.source.values, doc.source.scalars))
    rows, findings = [], []
    for index, item in enumerate(rows_value):
        here = prefix + (index,)
        if not isinstance(item, dict):
            findings.append(campaign_error(M_ROW, lang, doc.source.locate(here, prefer="value"), field=dotted(here)))
            continue
        source = _row_source(shared_source, keys.get(index, {}), values.get(index, {}), scalars.get(index, {}), _replaced(item))
        location = doc.source.values.get(here)
        rows.append(Row(deep_merge(shared, item), source, origin={"row": index + 1, "line": location.line if location else None}))
    return rows, findings


def _csv_rows(
    doc: Document,
    base: Path,
    shared: dict,
    shared_source: SourceMap,
    lang: Lang,
    max_bytes: int,
    quotes: dict[str, ClassList],
    room: Room,
    fields: Fields | None,
) -> tuple[list[Row], list[Finding]]:
    spec = doc.data[KEY]
    name = spec.get("csv")
    if name is None:
        return [], []
    anchor = doc.source.values.get((KEY, "csv")) or doc.source.locate((KEY,))
    if not isinstance(name, str) or not name.strip():
        return [], [campaign_error(M_CSV_NAME, lang, anchor, field="campaign.csv")]
    delimiter = spec.get("delimiter")
    if delimiter is not None and delimiter not in DELIMITERS:
        return [], [campaign_error(M_DELIMITER, lang, doc.source.values.get((KEY, "delimiter")), field="campaign.delimiter")]
    path = base / name
    display = path.as_posix() if base.as_posix() not in ("", ".") else name
    decoded = read_class_list(path, base, name, display, max_bytes, lang, anchor)
    if isinstance(decoded, Finding):
        return [], [decoded]
    quotes[display] = ClassList()
    person = "worker" if shared.get("kind") == "immersion" else "pupil"  # whom a school export's NOM, PRENOM… name
    # A workbook's sheet comes as `;`-separated text, whatever campaign.delimiter says.
    table = parse_table(decoded.text, display, decoded.delimiter or delimiter, lang, room, quotes[display].lines, person)
    if isinstance(table, list):
        return [], table
    unknown = _unknown_columns(table, shared.get("kind"), lang, fields)
    if unknown:
        return [], unknown
    rows = []
    for record in table.rows:
        data, places, written, findings = row_values(table, record, display, lang)
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


def load_campaign(path: Path, display: str, lang: Lang = "fr", max_bytes: int = MAX_BYTES, fields: Fields | None = None) -> Campaign:
    """Read a campaign and the rows it holds; its own problems stop it before any row.
    Without `fields`, columns are not checked against the schema."""
    try:
        doc = load_path(path, lang, max_bytes)
    except OSError as error:
        reason = error.strerror or type(error).__name__
        return Campaign(display, [located("YAML_SYNTAX", Severity.ERROR, M_UNREADABLE.get(lang).format(reason=reason), None)])
    campaign = Campaign(display, list(doc.findings), source=doc.source)
    if not doc.usable or any(finding.is_error for finding in doc.findings):
        return campaign
    spec = doc.data.get(KEY)
    where = doc.source.locate((KEY,))
    if not isinstance(spec, dict):
        campaign.findings.append(campaign_error(M_SPEC, lang, where, field=KEY))
        return campaign
    unknown = [key for key in spec if key not in CAMPAIGN_KEYS]
    for key in unknown:
        campaign.findings.append(
            campaign_error(M_SPEC_KEY, lang, doc.source.keys.get((KEY, key)), field=f"{KEY}.{key}", key=key, keys=", ".join(CAMPAIGN_KEYS))
        )
    if unknown:
        return campaign
    shared = {key: value for key, value in doc.data.items() if key != KEY}
    shared_source = _shared_source(doc.source)
    room = Room.of(len(shared_source.values))
    inline, inline_findings = _inline_rows(doc, shared, shared_source, lang, room)
    room = room._replace(left=room.limit - len(inline))
    listed, csv_findings = _csv_rows(doc, path.parent, shared, shared_source, lang, max_bytes, campaign.quotes, room, fields)
    campaign.findings += inline_findings + csv_findings
    campaign.rows = inline + listed
    if not campaign.rows and not campaign.findings:
        campaign.findings.append(campaign_error(M_NO_ROWS, lang, where, field=KEY))
    _name_rows(campaign.rows)
    return campaign
