"""`convgen attest` against `convgen render`, per document, on the same agreements.

    python benchmarks/attest.py [--count 300] [--runs 5]

COUNT generated agreements, each given an attendance section that fits its own period
and weekly schedule (exceptions and public holidays left out): no absence, a morning,
a whole day or two days in a row, a gratification paid or not, the attestation dated on
the last worked date or a few days after. One pupil in two also has `level: premiere-pro`.
`convgen render` writes 3 documents per agreement, `convgen attest` 2 (the pupil's and the
school's copies); both run as whole commands (start-up, reading, checking the rules,
writing included), in turn, with --jobs 1 and, on a machine of two processors or more,
--jobs 2, each run into an emptied output folder whose documents are then counted.
Every figure is a median over RUNS runs.

The target: attestations render as fast per document as the agreements do (the ratio
attest / render per document at 1 or below).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import statistics
from collections.abc import Callable, Sequence
from pathlib import Path

import yaml
from common import CONVGEN, figure, header, run, workspace

from convgen.law.calendar import public_holidays

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
NOON = dt.time(12, 0)
REASONS = ("Rendez-vous médical", "Maladie", "Convocation au lycée", "Raison familiale")


def worked_days(agreement: dict) -> dict[dt.date, list[str]]:
    """The agreement's worked dates with their slots ("08:30-12:00"), as its schedule and the host's public holidays give them."""
    period, schedule = agreement["period"], agreement["schedule"]
    start, end = period["start"], period["end"]
    weekly = schedule.get("weekly") or {}
    exceptions = {_date(day): slots for day, slots in (schedule.get("exceptions") or {}).items()}
    holidays = public_holidays(str(agreement["host"]["address"]["postal_code"]), start, end)
    days = {}
    day = start
    while day <= end:
        slots = exceptions[day] if day in exceptions else weekly.get(WEEKDAYS[day.weekday()])
        if slots and day not in holidays:
            days[day] = [str(slot) for slot in slots]
        day += dt.timedelta(days=1)
    return days


def _date(value: object) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def _morning(slots: list[str]) -> bool:
    return any(dt.time.fromisoformat(slot.split("-")[0].strip()) < NOON for slot in slots)


def attendance(number: int, agreement: dict) -> str:
    """A valid attendance section for the agreement, varied with `number`, as YAML text."""
    days = worked_days(agreement)
    dates = sorted(days)
    if not dates:
        raise SystemExit(f"convention {number} : aucun jour travaillé, pas d'attestation possible")
    pick = dates[(7 * number) % len(dates)]
    reason = REASONS[number % len(REASONS)]
    absences = []
    kind = number % 4
    if kind == 1 and _morning(days[pick]):
        absences.append(f"    - {{date: {pick}, half: matin, reason: {reason}}}")
    elif kind in (1, 2):
        absences.append(f"    - {{date: {pick}, reason: {reason}}}")
    elif kind == 3:
        pairs = [(first, second) for first, second in zip(dates, dates[1:]) if second - first == dt.timedelta(days=1)]
        if pairs:
            first, second = pairs[number % len(pairs)]
            absences.append(f"    - {{from: {first}, to: {second}, reason: {reason}}}")
        else:
            absences.append(f"    - {{date: {pick}, reason: {reason}}}")
    issued = dates[-1] + dt.timedelta(days=number % 3)
    place = agreement["host"]["address"]["city"]
    lines = ["", "attendance:", "  absences:" if absences else "  absences: []", *absences]
    lines.append(f"  gratification_paid: {0 if number % 2 else 150 + number % 50}")
    lines.append(f"  issued: {{place: {place}, date: {issued}}}")
    return "\n".join(lines) + "\n"


def add_attendance(folder: Path) -> int:
    """Gives every agreement of `folder` its attendance section (and one in two `level: premiere-pro`); how many."""
    paths = sorted(folder.glob("*.yaml"))
    for number, path in enumerate(paths):
        text = path.read_text(encoding="utf-8")
        agreement = yaml.safe_load(text)
        if number % 2 == 0:
            text = text.replace("\n  class: ", "\n  level: premiere-pro\n  class: ", 1)
        path.write_text(text.rstrip("\n") + "\n" + attendance(number, agreement), encoding="utf-8")
    return len(paths)


def interleaved(
    commands: Sequence[Sequence[str]], runs: int, before: Sequence[Callable[[], object]], after: Sequence[Callable[[], object]]
) -> list[float]:
    """Median wall seconds of each command, run in turn after one round not counted; `before` and `after` each run untimed."""
    times: list[list[float]] = [[] for _ in commands]
    for index in range(runs + 1):
        for command, prepare, check, kept in zip(commands, before, after, times, strict=True):
            prepare()
            elapsed = run(command)
            check()
            if index:
                kept.append(elapsed)
    return [statistics.median(kept) for kept in times]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=300)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with workspace(args.count) as (work, source):
        count = add_attendance(source)
        stems = sorted(path.stem for path in source.glob("*.yaml"))
        made = {
            "render": (3, work / "out-render", ("etablissement", "entreprise", "eleve")),
            "attest": (2, work / "out-attest", ("attestation.eleve", "attestation.etablissement")),
        }
        header(f"attestation : {count} conventions, {3 * count} documents (render) et {2 * count} (attest) DOCX")

        def empty(out: Path) -> Callable[[], None]:
            return lambda: shutil.rmtree(out, ignore_errors=True)

        def check(out: Path, copies: Sequence[str]) -> Callable[[], None]:
            def written() -> None:
                found = {path.name for path in out.glob("*.docx")}
                expected = {f"{stem}.{copy}.docx" for stem in stems for copy in copies}
                if found != expected:
                    raise SystemExit(
                        f"{out.name} : {len(found)} documents écrits, {len(expected)} attendus ({len(expected - found)} manquants)"
                    )

            return written

        for jobs in (1, 2) if (os.cpu_count() or 1) >= 2 else (1,):
            commands = [[*CONVGEN, name, str(source), "--out", str(out), "--jobs", str(jobs)] for name, (_, out, _) in made.items()]
            times = interleaved(
                commands,
                args.runs,
                before=[empty(out) for _, out, _ in made.values()],
                after=[check(out, copies) for _, out, copies in made.values()],
            )
            per_document = {}
            for (name, (per_agreement, _, _)), seconds in zip(made.items(), times, strict=True):
                documents = per_agreement * count
                per_document[name] = seconds / documents
                figure(
                    f"convgen {name} --jobs {jobs} ({documents} documents)",
                    f"{seconds:6.2f} s   {1000 * per_document[name]:6.2f} ms/document",
                )
            figure(f"attest / render par document, --jobs {jobs}", f"{per_document['attest'] / per_document['render']:6.2f} ×")


if __name__ == "__main__":
    main()
