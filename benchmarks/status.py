"""`convgen status` against `validate` on the same agreements, with a class list as large.

    python benchmarks/status.py [--count 3000] [--runs 5]

N generated agreements and a class list of N pupils (Windows-1252, as French spreadsheet
software writes it): one pupil in 50 has no agreement and one agreement in 50 is not on
the list, so that every reconciliation path is taken. Whole commands, start-up included,
run in turn; the target is status under twice validate.
"""

from __future__ import annotations

import argparse
import datetime as dt

from agreements import FIRST, LAST
from common import CONVGEN, figure, header, interleaved_medians, workspace


def roster_text(count: int) -> str:
    """The class list of the pupils benchmarks/agreements.py writes, with its holes."""
    lines = ["NOM;PRENOM;DATE NAISS;DIVISION"]
    for number in range(count):
        if number % 50 == 7:  # an agreement whose pupil is not on the list
            continue
        year = 2007 if number % 3 == 0 else 2009
        born = dt.date(year, 1 + number % 12, 1 + number % 28)
        lines.append(
            f"{LAST[number % len(LAST)].upper()}-{number:04d};{FIRST[number % len(FIRST)]};{born:%d/%m/%Y};1re MV {'ABC'[number % 3]}"
        )
        if number % 50 == 13:  # a pupil without an agreement
            lines.append(f"ABSENT-{number:04d};Zoé;01/01/2009;1re MV {'ABC'[number % 3]}")
    return "\r\n".join(lines) + "\r\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=3000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with workspace(args.count) as (work, folder):
        roster = work / "liste.csv"
        roster.write_bytes(roster_text(args.count).encode("cp1252"))
        header(f"status : {args.count} conventions, liste de classe de {args.count} élèves")
        commands = {
            "convgen validate": [*CONVGEN, "validate", str(folder), "--format", "json"],
            "convgen status --roster (text)": [*CONVGEN, "status", str(folder), "--roster", str(roster)],
            "convgen status --roster --format xlsx": [*CONVGEN, "status", str(folder), "--roster", str(roster), "--format", "xlsx", "-o", str(work / "suivi.xlsx")],
        }  # fmt: skip
        for jobs in (1, 2):
            runs = [[*command, "--jobs", str(jobs)] for command in commands.values()]
            times = interleaved_medians(runs, args.runs, ok=(0, 1))
            for label, seconds in zip(commands, times, strict=True):
                figure(f"{label} --jobs {jobs}", f"{seconds:6.2f} s   {seconds / times[0]:5.2f}× validate")


if __name__ == "__main__":
    main()
