"""The checking pipeline of one file: load, validate the schema, run the rules."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from convgen.findings import Finding, Severity
from convgen.i18n import Lang, Msg
from convgen.law.allowance import Allowance
from convgen.law.facts import Facts
from convgen.law.rules import REGISTRY, run_rules, run_rules_across
from convgen.law.rules.across import Footprint, allowance_of, footprint
from convgen.schema.models import KINDS, Agreement
from convgen.schema.validation import validate
from convgen.source.inputs import Input
from convgen.source.reader import M_UNREADABLE, MAX_BYTES, Document, SourceMap, load_bytes, load_path, read_limited

if TYPE_CHECKING:
    from convgen.source.campaign import Campaign, ClassList


@dataclass
class FileResult:
    """Everything known about one input file after checking."""

    path: str
    findings: list[Finding] = field(default_factory=list)
    kind: str | None = None
    agreement: Agreement | None = None
    # What the rules computed from the agreement (the dated schedule…), for the documents.
    context: Facts | None = None
    source: SourceMap | None = None
    # A campaign row: the campaign file its YAML lines refer to, the row's name and
    # origin (for the report), and the CSV lines its cells are quoted from.
    file: str | None = None
    label: str | None = None
    origin: dict[str, Any] | None = None
    quotes: dict[str, ClassList] = field(default_factory=dict)
    # What the rules across agreements read of it (PFMP with a consistent calendar only).
    footprint: Footprint | None = None
    # The YAML's values as read, before the schema (dropped by slim()), and what
    # `convgen status` keeps of the agreement (summary.Summary, made in the worker).
    data: Any = None
    summary: Any = None
    # The State allowance (rules/across.Allowance): the agreement's own until check_across
    # counts the pupil's other agreements of the year; None without pupil.level.
    allowance: Allowance | None = None
    # Days and hours done (law/attendance.Presence.to_json), once `attendance` is given.
    presence: dict[str, Any] | None = None

    @property
    def errors(self) -> int:
        return sum(1 for f in self.findings if f.severity is Severity.ERROR)

    @property
    def warnings(self) -> int:
        return sum(1 for f in self.findings if f.severity is Severity.WARNING)

    def valid(self, strict: bool = False) -> bool:
        """No error; with strict, no warning either."""
        return self.errors == 0 and (not strict or self.warnings == 0)

    def file_of(self, finding: Finding) -> str:
        """The file a finding's line and column refer to."""
        return finding.file or self.file or self.path

    def line_text(self, finding: Finding) -> str | None:
        if finding.file:
            # A class list is quoted one cell at a time (campaign.ClassList): a row is a pupil's record.
            quotes = self.quotes.get(finding.file)
            return quotes.cell_text(finding) if quotes is not None else None
        return self.source.line_text(finding.line) if self.source is not None else None

    def slim(self) -> FileResult:
        """What reports need, without the agreement and the position of every key.

        The lines findings quote are kept; for an agreement with a footprint, also the lines
        a rule across agreements may quote once the whole run is checked."""
        places = [location for location in self.footprint.places.values() if location is not None] if self.footprint else []
        quoted = {finding.file for finding in self.findings if finding.file} | {place.file for place in places if place.file}
        kept = None
        if self.source is not None and self.file is not None and (self.findings or places):
            # A campaign row: the campaign file and class list are every row's, so each row
            # keeps only the lines it quotes (whole, they made the report quadratic in rows).
            wanted = {finding.line for finding in self.findings if not finding.file} | {place.line for place in places if not place.file}
            kept = self.source.only(wanted)  # campaign.RowSource
        elif self.source is not None and self.findings:
            kept = SourceMap(lines=self.source.lines)
        elif self.source is not None and places:
            wanted = {place.line for place in places if place.file is None}
            kept = SourceMap(lines=[line if number in wanted else "" for number, line in enumerate(self.source.lines, 1)])
        return replace(
            self,
            agreement=None,
            context=None,
            data=None,
            source=kept,
            quotes={
                name: source.only({at.line for at in [*self.findings, *places] if at.file == name and at.line})
                for name, source in self.quotes.items()
                if name in quoted
            },
        )


M_INTERNAL = Msg(
    "erreur interne de convgen ({error}) en lisant ce fichier ; merci de la signaler.",
    "convgen internal error ({error}) while reading this file; please report it.",
)


M_ELSEWHERE = Msg(
    "lien symbolique vers un fichier hors du dossier parcouru : non lu (nommez ce fichier lui-même sur la ligne de commande s'il doit l'être).",
    "symbolic link to a file outside the folder being read: not read (name that file itself on the command line if it should be).",
)
M_UNDECODABLE = Msg(
    "nom de fichier qui n'est pas en UTF-8 (écrit par un autre système) : non lu ; renommez-le, par exemple sans accents.",
    "file name that is not UTF-8 (written by another system): not read; rename it, for example without accents.",
)


def check_document(doc: Document, path: str, lang: Lang = "fr") -> FileResult:
    result = FileResult(path=path, findings=list(doc.findings), source=doc.source)
    if not doc.usable:
        return result
    result.data = doc.data
    kind = doc.data.get("kind")
    result.kind = kind if isinstance(kind, str) and kind in KINDS else None
    agreement, schema_findings = validate(doc, lang)
    result.findings.extend(schema_findings)
    if agreement is not None:
        result.agreement = agreement
        result.context = Facts(agreement)
        found = run_rules(result.context, lang, doc.source.locate)
        result.findings.extend(found)
        if not any(f.is_error and REGISTRY[f.rule].group == "consistency" for f in found):
            result.footprint = footprint(result.context, path, doc.source.locate)
            if result.footprint is not None:
                result.allowance = allowance_of(result.footprint)
                presence = result.context.presence
                if presence is not None:
                    result.presence = {**presence.to_json(), "issued": agreement.attendance.issued.date.isoformat()}  # type: ignore[union-attr]
    result.findings.sort(key=Finding.sort_key)
    return result


def check_across(results: list[FileResult], lang: Lang = "fr") -> None:
    """Add to each result the findings of the rules across agreements (rules.md, "Across
    agreements"): the law counts some limits per pupil and host over the school year, so
    these read every agreement of the run together. Run once, after every agreement is checked."""
    found = run_rules_across([result.footprint for result in results], lang)
    for result, (extra, allowance) in zip(results, found):
        result.allowance = allowance
        if extra:
            result.findings.extend(extra)
            result.findings.sort(key=Finding.sort_key)


def _alone(result: FileResult, lang: Lang) -> FileResult:
    check_across([result], lang)
    return result


def _guarded(path: str, lang: Lang, load) -> FileResult:
    try:
        return check_document(load(), path, lang)
    except RecursionError:
        return FileResult(path, [Finding("YAML_SYNTAX", Severity.ERROR, M_INTERNAL.get(lang).format(error="RecursionError"))])
    except OSError as error:
        message = M_UNREADABLE.get(lang).format(reason=error.strerror or type(error).__name__)
        return FileResult(path, [Finding("YAML_SYNTAX", Severity.ERROR, message)])
    except Exception as error:  # one broken file must not stop a batch
        return FileResult(path, [Finding("INTERNAL_ERROR", Severity.ERROR, M_INTERNAL.get(lang).format(error=type(error).__name__))])


def check_path(path: Path, display: str | None = None, lang: Lang = "fr", max_bytes: int = MAX_BYTES) -> FileResult:
    """Check one file on its own (its rules across agreements with itself alone); an
    unreadable one gets a finding like any other broken input."""
    return _alone(_read_and_check(path, display or str(path), lang, max_bytes), lang)


def check_bytes(raw: bytes, display: str = "<stdin>", lang: Lang = "fr", max_bytes: int = MAX_BYTES, alone: bool = True) -> FileResult:
    """Check one agreement held in memory; `alone=False` leaves the rules across agreements
    to a `check_across` of the whole run."""
    result = _guarded(display, lang, lambda: load_bytes(raw, lang, max_bytes))
    return _alone(result, lang) if alone else result


def _read_and_check(path: Path, display: str, lang: Lang, max_bytes: int) -> FileResult:
    return _guarded(display, lang, lambda: load_path(path, lang, max_bytes))


@dataclass(frozen=True, slots=True)
class Unit:
    """One agreement to check: a whole file, or one row of a campaign."""

    input: Input
    row: int | None = None
    campaign: bool = False
    label: str = ""  # a campaign row's name, which names its outputs

    @property
    def stem(self) -> PurePosixPath:
        """Where its outputs go under OUT, without suffix."""
        return self.input.rel / self.label if self.row is not None else self.input.rel

    @property
    def name(self) -> str:
        """How messages name it: its file, and a campaign row's name."""
        return f"{self.input.display}#{self.label}" if self.row is not None else self.input.display


# A top-level `campaign:` key (cheap; parsing decides). Here rather than in campaign.py,
# which plain agreements never need to import.
_CAMPAIGN_KEY = re.compile(rb"^campaign[ \t]*:", re.MULTILINE)


def _looks_like_campaign(path: Path, max_bytes: int) -> bool:
    try:
        return _CAMPAIGN_KEY.search(read_limited(path, max_bytes)) is not None
    except OSError:
        return False  # checking it says why it cannot be read


# Campaigns read by this run: expand() reads each once, check_unit() takes its rows from
# here (worker processes forked after expand() inherit them; others read them once).
_campaigns: dict[tuple[Path, str, str, int], Campaign] = {}


def load_campaign(path: Path, display: str, lang: Lang = "fr", max_bytes: int = MAX_BYTES) -> Campaign:
    """A campaign read, its class list's columns checked against the schema."""
    from convgen.schema.validation import SchemaFields
    from convgen.source import campaign

    return campaign.load_campaign(path, display, lang, max_bytes, fields=SchemaFields())


def _campaign(item: Input, lang: Lang, max_bytes: int) -> Campaign:
    key = (item.path, item.display, lang, max_bytes)
    if key not in _campaigns:
        _campaigns[key] = load_campaign(item.path, item.display, lang, max_bytes)
    return _campaigns[key]


def expand(inputs: list[Input], lang: Lang = "fr", max_bytes: int = MAX_BYTES) -> list[Unit]:
    """The agreements the inputs hold: one per plain file, one per campaign row."""
    _campaigns.clear()  # files may have changed since an earlier run in this process
    units: list[Unit] = []
    for item in inputs:
        if item.elsewhere or item.undecodable or not _looks_like_campaign(item.path, max_bytes):
            units.append(Unit(item))
            continue
        campaign = _campaign(item, lang, max_bytes)
        if campaign.usable:
            units.extend(Unit(item, index, True, row.label) for index, row in enumerate(campaign.rows))
        else:
            units.append(Unit(item, None, True))
    return units


def check_unit(unit: Unit, lang: Lang = "fr", max_bytes: int = MAX_BYTES) -> tuple[FileResult, PurePosixPath]:
    """Check one agreement; also gives the stem of its outputs under OUT."""
    item = unit.input
    if item.elsewhere or item.undecodable:
        message = (M_UNDECODABLE if item.undecodable else M_ELSEWHERE).get(lang)
        return FileResult(item.display, [Finding("YAML_SYNTAX", Severity.ERROR, message)]), item.rel
    if not unit.campaign:
        return _read_and_check(item.path, item.display, lang, max_bytes), item.rel
    campaign = _campaign(item, lang, max_bytes)
    if unit.row is None:
        findings = sorted(campaign.findings, key=Finding.sort_key)
        return FileResult(item.display, findings, source=campaign.source, quotes=campaign.quotes), item.rel
    row = campaign.rows[unit.row]
    result = _guarded(f"{item.display}#{row.label}", lang, lambda: Document(row.data, row.source, list(row.findings)))
    result.file, result.label, result.quotes = item.display, row.label, campaign.quotes
    result.origin = {"campaign": item.display, "name": row.label, **row.origin}
    return result, unit.stem


def files_read(units: list[Unit]) -> list[Path]:
    """Every file a run reads: its inputs and the class lists of its campaigns."""
    paths = list(dict.fromkeys(unit.input.path for unit in units))
    for campaign in _campaigns.values():
        paths.extend(Path(display) for display in campaign.quotes)
    return paths


def sources_of(unit: Unit) -> list[Path]:
    """The files an agreement is read from: its file, and a campaign row's class list too."""
    paths = [unit.input.path]
    if unit.campaign:
        for (path, *_), campaign in _campaigns.items():
            if path == unit.input.path:
                paths.extend(Path(display) for display in campaign.quotes)
    return paths
