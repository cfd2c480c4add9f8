"""`convgen status`: the PFMP office's view of a school year, one row per pupil and agreement.

The agreements are checked as `validate` checks them (the rules across agreements
included), each summed up in its worker; then, in this process, each row learns whether
its documents are in OUT and up to date, and the class lists are reconciled with the
agreements of each school year. Nothing is written here: the command line prints or
writes what `rows` and `json_status` give.
"""

from __future__ import annotations

import datetime as dt
import re
import stat
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from convgen.errors import UsageError
from convgen.findings import Severity
from convgen.i18n import Msg
from convgen.law.calendar import school_year, school_year_text
from convgen.law.rules.across import name_key
from convgen.pipeline.batch import Options, Outcome, check_outcomes
from convgen.pipeline.checking import sources_of
from convgen.pipeline.reconcile import overlaps, reconcile
from convgen.pipeline.run import with_jobs
from convgen.pipeline.summary import Summary
from convgen.source.inputs import collect

if TYPE_CHECKING:
    from convgen.source.roster import Roster, RosterPupil

M_BAD_YEAR = Msg(
    "année scolaire « {text} » non comprise : écrivez-la comme 2025-2026.",
    "school year '{text}' not understood: write it as 2025-2026.",
)


def parse_year(text: str | None) -> int | None:
    """`--year 2025-2026` → 2025 (a school year is named by the year it starts in)."""
    if text is None:
        return None
    match = re.fullmatch(r"\s*(\d{4})\s*[-/–]\s*(\d{4})\s*", text)
    if match is None or int(match.group(2)) != int(match.group(1)) + 1:
        raise UsageError(M_BAD_YEAR.fill(text=text))
    return int(match.group(1))


def year_text(year: int | None) -> str | None:
    return school_year_text(year) if year is not None else None


@dataclass
class Row:
    """One line of the status: an agreement (with its pupil if it has one), or a pupil of
    the class list without an agreement. Columns not known yet are None, never guessed."""

    school_year: int | None
    class_name: str | None = None
    last_name: str | None = None
    first_name: str | None = None
    birth_date: dt.date | None = None
    ine: str | None = None
    kind: str | None = None
    file: str | None = None
    host: str | None = None
    siret: str | None = None
    start: dt.date | None = None
    end: dt.date | None = None
    valid: bool | None = None
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    documents: str | None = None  # rendered, stale, partial, missing
    stale_documents: list[str] = field(default_factory=list)
    amendments: int | None = None
    attested: bool | None = None
    days_planned: int | None = None
    days_done: int | None = None
    hours_planned: Decimal | None = None
    gratification_required: bool | None = None
    gratification_hourly: Decimal | None = None
    gratification_total: Decimal | None = None
    allowance: Decimal | None = None
    allowance_capped: bool | None = None
    allowance_estimate: bool | None = None  # planned days, before the attestation
    roster: str | None = None  # listed, not_listed, homonym, no_agreement; None without a class list
    roster_file: str | None = None
    roster_line: int | None = None
    overlaps: list[str] = field(default_factory=list)
    homonyms: list[str] = field(default_factory=list)  # the other side: "list.csv:12" or an agreement's file
    notes: list[str] = field(default_factory=list)  # other_class, other_name
    # The agreement's pupil as the class lists are matched against (a named PFMP pupil).
    person: Summary | None = field(default=None, repr=False, compare=False)

    @property
    def sort_key(self) -> tuple:
        # As a list is read: "Étienne" among the E, "DUPONT" beside "Dupont".
        return (
            self.class_name is None,
            name_key(self.class_name or ""),
            name_key(self.last_name or ""),
            name_key(self.first_name or ""),
            self.start or dt.date.min,
            self.file or "",
        )


@dataclass
class Year:
    school_year: int
    rows: list[Row]
    listed_twice: list[tuple[str, str]] = field(default_factory=list)  # a pupil's second line, and the first

    def count(self, **wanted: Any) -> int:
        return sum(1 for row in self.rows if all(getattr(row, key) == value for key, value in wanted.items()))


@dataclass
class Status:
    years: list[Year]
    unplaced: list[Row]  # agreements without a period to place them in a school year
    rosters: list[Roster]
    out: Path

    @property
    def rows(self) -> list[Row]:
        return [row for year in self.years for row in year.rows] + self.unplaced

    @property
    def exit_code(self) -> int:
        """1 when an agreement is invalid or a pupil of a class list has none (cli.md)."""
        rows = self.rows
        if any(row.valid is False or row.roster == "no_agreement" for row in rows):
            return 1
        if any(finding.severity is Severity.ERROR for roster in self.rosters for finding in roster.findings):
            return 1
        return 0


def status_run(paths: Sequence[str] | None, options: Options, rosters: Sequence[Path] = (), year: int | None = None) -> Status:
    read = []
    if rosters:
        from convgen.source.roster import read_roster

        read = [read_roster(path, str(path), options.lang) for path in rosters]  # a missing one stops before any checking
    inputs = collect(paths, options.lang)
    outcomes = check_outcomes(inputs, with_jobs(replace(options, render=False, summarize=True)))
    return build_status(outcomes, read, options.out, year)


def build_status(outcomes: Sequence[Outcome], rosters: Sequence[Roster], out: Path, year: int | None = None) -> Status:
    placed: dict[int, list[Row]] = {}
    unplaced: list[Row] = []
    for outcome in outcomes:
        row = _agreement_row(outcome, out)
        if row.school_year is None:
            unplaced.append(row)
        elif year is None or row.school_year == year:
            placed.setdefault(row.school_year, []).append(row)
    if year is not None:
        placed.setdefault(year, [])
    elif rosters and not placed:
        placed[school_year(dt.date.today())] = []
    pupils = [pupil for roster in rosters for pupil in roster.pupils]
    years = []
    for number in sorted(placed):
        rows = placed[number]
        _mark_overlaps(rows)
        twice: list[tuple[str, str]] = []
        if rosters:
            extra, twice = _reconciled(rows, pupils, number)
            rows = rows + extra
        years.append(Year(number, sorted(rows, key=lambda row: row.sort_key), twice))
    return Status(years, unplaced, list(rosters), out)


def _distinct(ids: Sequence[str]) -> list[str]:
    return list(dict.fromkeys(ids))


def _agreement_row(outcome: Outcome, out: Path) -> Row:
    result = outcome.result
    summary: Summary | None = result.summary
    errors = _distinct([f.rule for f in result.findings if f.severity is Severity.ERROR])
    warnings = _distinct([f.rule for f in result.findings if f.severity is Severity.WARNING])
    row = Row(school_year=None, file=result.path, valid=not errors, errors=errors, warnings=warnings)
    if summary is None:
        return row
    row.school_year = summary.school_year
    row.kind, row.class_name, row.ine = summary.kind, summary.class_name, summary.ine
    row.last_name, row.first_name, row.birth_date = summary.last_name, summary.first_name, summary.birth_date
    row.host, row.siret, row.start, row.end = summary.host, summary.siret, summary.start, summary.end
    row.days_planned = summary.days_planned
    if summary.minutes_planned is not None:
        row.hours_planned = (Decimal(summary.minutes_planned) / 60).quantize(Decimal("0.01"))
    row.gratification_required = summary.gratification_required
    row.gratification_hourly, row.gratification_total = summary.gratification_hourly, summary.gratification_total
    if summary.kind == "pfmp":
        row.attested = result.presence is not None
        row.days_done = result.presence["days_done"] if result.presence is not None else None
    if result.allowance is not None:
        row.allowance = Decimal(result.allowance.amount)
        row.allowance_capped = result.allowance.capped
        row.allowance_estimate = result.allowance.estimate
    if summary.kind is not None:
        row.documents, stale = _documents(out, outcome, summary.kind, row.valid is True)
        row.stale_documents = [str(path) for path in stale]
    row.person = summary if summary.is_pupil else None
    return row


def _documents(out: Path, outcome: Outcome, kind: str, valid: bool) -> tuple[str, list[Path]]:
    """Whether the agreement's copies are in OUT (DOCX or PDF), and which of them are stale:
    older than a file the agreement is read from, or left from before it became invalid."""
    from convgen.documents.context import COPY_IDS
    from convgen.output.files import output_path

    stem: PurePosixPath = outcome.stem
    complete = False
    present: list[tuple[Path, float]] = []
    for suffix in ("docx", "pdf"):
        try:
            paths = [output_path(out, stem, f".{copy}.{suffix}") for copy in COPY_IDS[kind]]
        except UsageError:
            return "missing", []
        found = [(path, _mtime(path)) for path in paths]
        found = [(path, time) for path, time in found if time is not None]
        complete = complete or len(found) == len(paths)
        present.extend(found)  # type: ignore[arg-type]
    if not present:
        return "missing", []
    if not valid:
        return "stale", [path for path, _ in present]
    newest_source = max((_mtime(path) or 0.0 for path in sources_of(outcome.unit)), default=0.0)
    stale = [path for path, time in present if time < newest_source]
    if stale:
        return "stale", stale
    return ("rendered" if complete else "partial"), []


def _mtime(path: Path) -> float | None:
    """When a regular file was last written; None when there is none."""
    try:
        found = path.stat()
    except OSError:
        return None
    return found.st_mtime if stat.S_ISREG(found.st_mode) else None


def _mark_overlaps(rows: list[Row]) -> None:
    people = [row.person for row in rows]
    periods = [(row.start, row.end) if row.start and row.end else None for row in rows]
    for index, others in overlaps(people, periods).items():
        rows[index].overlaps = [rows[other].file or "" for other in others]


def _place(pupil: RosterPupil) -> str:
    return f"{pupil.file}:{pupil.line}"


def _reconciled(rows: list[Row], pupils: list[RosterPupil], number: int) -> tuple[list[Row], list[tuple[str, str]]]:
    """Marks each agreement row with what the class lists say of its pupil, and gives the
    rows of the listed pupils who have no agreement in that school year."""
    people = [row.person for row in rows]
    match = reconcile(people, pupils)
    for index, found in match.listed.items():
        row, pupil = rows[index], pupils[found]
        row.roster, row.roster_file, row.roster_line = "listed", pupil.file, pupil.line
        if pupil.class_name and pupil.class_name != row.class_name:
            row.notes.append("other_class")
            row.class_name = pupil.class_name  # the school's list says where the pupil is
        if index in match.other_name:
            row.notes.append("other_name")
    for index, candidates in match.homonyms.items():
        rows[index].roster = "homonym"
        rows[index].homonyms = [_place(pupils[candidate]) for candidate in candidates]
    for index in match.unlisted:
        rows[index].roster = "not_listed"
    extra = []
    for index in match.missing:
        pupil = pupils[index]
        extra.append(
            Row(
                school_year=number,
                class_name=pupil.class_name,
                last_name=pupil.last_name,
                first_name=pupil.first_name,
                birth_date=pupil.birth_date,
                ine=pupil.ine,
                roster="no_agreement",
                roster_file=pupil.file,
                roster_line=pupil.line,
                homonyms=[rows[other].file or "" for other in match.missing_homonyms.get(index, [])],
            )
        )
    twice = [(_place(pupils[index]), _place(pupils[first])) for index, first in sorted(match.twice.items())]
    return extra, twice
