"""Write src/convgen/law/allowance.csv, the State PFMP allowance table, from the State's own data.

The allowance service of the State (https://github.com/betagouv/aplypro) publishes, for each
school year, data/wages/<yyyy>_<yyyy>.csv: one row per MEF (the national code of a training
year) with its ministry (BOP), MEF_STAT_4 (the training level), daily amount (FORFAIT
JOURNALIER) and yearly cap (PLAFOND MAX). Download those files into one folder, then, from the
repository root:

    python tools/allowance_table.py FOLDER --commit SHA --commit-date YYYY-MM-DD \
        --changed-by SHA --changed-on YYYY-MM-DD --taken YYYY-MM-DD

--commit and --commit-date name the version of the repository the files come from,
--changed-by and --changed-on the commit that last changed data/wages (`git log -1 -- data/wages`),
--taken the day they were read; the defaults are those of the table in the package, so a
refresh passes all five.

The files are reduced to one row per (school year, ministry, MEF_STAT_4, daily amount, yearly
cap), with the number of MEFs it covers, and each MEF_STAT_4 is mapped to a convgen level id
(`pupil.level`). A
MEF_STAT_4 of the ministère de l'éducation nationale or de l'agriculture that this file neither
maps nor lists as unused stops the run: a new level in the data is a decision, not a default.
The output is deterministic: the same files and options give the same bytes.
"""

from __future__ import annotations

import argparse
import csv
import io
import re
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "src" / "convgen" / "law" / "allowance.csv"
REPOSITORY = "https://github.com/betagouv/aplypro"
COMMIT = "89b161124ed92c69c1af27a33f54979ac7077d1c"
COMMIT_DATE = "2026-05-20"
CHANGED_BY = "0b18aec2f74990832af0d0bbd938337ccd00065b"
CHANGED_ON = "2025-09-23"
TAKEN = "2026-12-04"
# convgen.law.allowance.ARTICLE (a test keeps them equal)
ARTICLE = "Décret n° 2023-765 du 11 août 2023 ; arrêté du 11 août 2023, annexes 1 et 2"
YEAR_FILE = re.compile(r"(\d{4})_(\d{4})\.csv")

# The order of the rows, and of convgen.law.allowance.LEVELS (a test holds them equal).
LEVELS = (
    "cap1", "cap2-1", "cap2-2", "cap3-1", "cap3-2", "cap3-3", "seconde-pro", "premiere-pro", "terminale-pro",
    "mc3", "mc4", "bma-1", "bma-2", "bp-1", "bp-2",
    "bma1", "bt-1", "bt-2", "pae3", "pae4", "fcil3", "fcil4", "capa",
)  # fmt: skip
MINISTRIES = ("menj", "masa", "mer")

# MEF_STAT_4 → level. Levels with no code here have no row in the data: cap3-1 (the arrêté
# pays only the last two years of a three-year CAP) and bp-1, bp-2 (the brevet professionnel
# is not in the published files).
BY_CODE = {
    "2311": "cap1",
    "2321": "cap2-1",  # also the CAP agricole en deux ans (dispositif 271) for MASA
    "2322": "cap2-2",
    "2332": "cap3-2",
    "2333": "cap3-3",
    "2381": "seconde-pro",
    "2382": "premiere-pro",
    "2383": "terminale-pro",
    "23J0": "mc3",  # certificat de spécialisation de niveau 3, from 2024-2025
    "23K0": "mc4",  # certificat de spécialisation de niveau 4
    "23C1": "bma-1",
    "23C2": "bma-2",
    "23B1": "bma1",
    "2212": "bt-1",  # brevet de technicien, diplôme de technicien des métiers du spectacle
    "2213": "bt-2",
    "4151": "pae3",
    "4161": "pae4",
    "4411": "fcil3",
    "4421": "fcil4",
    "23I0": "capa",  # MASA, dispositif 280, labelled CAPA-A
}
# MEF_STAT_4 2391 (mention complémentaire) covers both levels: the daily amount tells them
# apart, 15 € at level 3 and 20 € at level 4.
MC = "2391"
MC_BY_DAILY = {15: "mc3", 20: "mc4"}
# Codes kept in the table without a level, each with why.
UNMAPPED = {
    MC: (
        "in a year that also publishes the certificats de spécialisation (23J0, 23K0), the MEFs still coded 2391 are "
        "the last mentions complémentaires, and their amount no longer tells their level: in 2024-2025 all are at "
        "20 €/day, those labelled MC3 (15 € in 2023-2024) too; mc3 and mc4 take the CS rows"
    ),
}
CS_CODES = {"23J0", "23K0"}

HEADER = ("school_year", "ministry", "level", "mef_stat_4", "daily_amount", "yearly_cap", "mefs")
COLUMNS = ("MEF", "MEF_STAT_4", "BOP", "FORFAIT JOURNALIER", "PLAFOND MAX")


class DataError(Exception):
    """The published files are not what this script knows how to read."""


def source_line(changed_on: str, taken: str) -> str:
    """The citation convgen.law.allowance.SOURCE holds (a test keeps them equal)."""
    return (
        f"Barème publié par le service de l'allocation PFMP de l'État ({REPOSITORY}, data/wages, "
        f"mis à jour le {_date_fr(changed_on)}), relevé le {_date_fr(taken)}"
    )


def _date_fr(iso: str) -> str:
    months = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre", "décembre")
    year, month, day = (int(part) for part in iso.split("-"))
    return f"{'1er' if day == 1 else day} {months[month - 1]} {year}"


def read_year(path: Path) -> tuple[int, Counter[tuple[str, str, int, int]]]:
    """The school year of one file and its MEF count per (ministry, MEF_STAT_4, daily, cap)."""
    match = YEAR_FILE.fullmatch(path.name)
    assert match is not None
    year = int(match[1])
    if int(match[2]) != year + 1:
        raise DataError(f"{path.name}: not a school year")
    groups: Counter[tuple[str, str, int, int]] = Counter()
    seen: set[str] = set()
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        missing = [column for column in COLUMNS if column not in (reader.fieldnames or ())]
        if missing:
            raise DataError(f"{path.name}: missing columns {missing}")
        for line, row in enumerate(reader, start=2):
            ministry = row["BOP"].strip().lower()
            if ministry not in MINISTRIES:
                raise DataError(f"{path.name}:{line}: unknown ministry {row['BOP']!r}")
            try:
                daily, cap = int(row["FORFAIT JOURNALIER"]), int(row["PLAFOND MAX"])
            except ValueError as error:
                raise DataError(f"{path.name}:{line}: {error}") from None
            mef = row["MEF"].strip()
            if mef in seen:
                raise DataError(f"{path.name}:{line}: MEF {mef} twice")
            seen.add(mef)
            groups[ministry, row["MEF_STAT_4"].strip(), daily, cap] += 1
    return year, groups


def level_of(ministry: str, code: str, daily: int, codes_of_year: set[str]) -> str:
    """The convgen level of a row, or "" for a row kept without one (UNMAPPED)."""
    if code == MC:
        if codes_of_year & CS_CODES:
            return ""
        if daily in MC_BY_DAILY:
            return MC_BY_DAILY[daily]
        raise DataError(f"MEF_STAT_4 {MC} at {daily} €/day: neither level 3 nor level 4")
    if code in BY_CODE:
        return BY_CODE[code]
    if code in UNMAPPED or ministry == "mer":
        return ""
    raise DataError(f"{ministry.upper()} MEF_STAT_4 {code}: neither mapped to a level nor listed as unmapped")


def build(
    folder: Path,
    commit: str = COMMIT,
    commit_date: str = COMMIT_DATE,
    changed_by: str = CHANGED_BY,
    changed_on: str = CHANGED_ON,
    taken: str = TAKEN,
) -> str:
    paths = sorted(path for path in folder.iterdir() if YEAR_FILE.fullmatch(path.name))
    if not paths:
        raise DataError(f"{folder}: no <yyyy>_<yyyy>.csv file")
    rows = []
    for path in paths:
        year, groups = read_year(path)
        codes = {code for (_, code, _, _) in groups}
        for (ministry, code, daily, cap), mefs in groups.items():
            rows.append((year, ministry, level_of(ministry, code, daily, codes), code, daily, cap, mefs))

    def order(row: tuple) -> tuple:
        year, ministry, level, code, daily, cap, _ = row
        return year, MINISTRIES.index(ministry), LEVELS.index(level) if level else len(LEVELS), code, daily, cap

    rows.sort(key=order)
    out = io.StringIO()
    out.write(
        "# Allocation PFMP de l'État : montant par jour de PFMP effectué et plafond par année scolaire, par ministère et niveau.\n"
        "# State PFMP allowance: amount per PFMP day done and yearly cap, by school year, ministry and level.\n"
        f"# Textes : {ARTICLE}.\n"
        f"# Source : {source_line(changed_on, taken)}.\n"
        f"# Fichiers data/wages/<année>.csv de {REPOSITORY}, commit {commit} du {commit_date} ;"
        f" modifiés en dernier par le commit {changed_by} du {changed_on}.\n"
        f"# Relevé le {taken}. Mise à jour : python tools/allowance_table.py DOSSIER (voir ce script).\n"
        "# Une ligne par (année, ministère, MEF_STAT_4, montant, plafond) ; mefs : nombre de codes MEF couverts ;"
        " level vide : ligne non utilisée (voir le script).\n"
    )
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER)
    for year, ministry, level, code, daily, cap, mefs in rows:
        writer.writerow((f"{year}-{year + 1}", ministry, level, code, daily, cap, mefs))
    return out.getvalue()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write the State PFMP allowance table from the published data/wages files.")
    parser.add_argument("folder", type=Path, help="folder holding the <yyyy>_<yyyy>.csv files of data/wages")
    parser.add_argument("--out", type=Path, default=OUTPUT, help="file to write (default: src/convgen/law/allowance.csv)")
    parser.add_argument("--commit", default=COMMIT, help="commit of the repository the files come from")
    parser.add_argument("--commit-date", default=COMMIT_DATE, help="date of that commit, YYYY-MM-DD")
    parser.add_argument("--changed-by", default=CHANGED_BY, help="commit that last changed data/wages")
    parser.add_argument("--changed-on", default=CHANGED_ON, help="date of that commit, YYYY-MM-DD")
    parser.add_argument("--taken", default=TAKEN, help="day the files were read, YYYY-MM-DD")
    options = parser.parse_args(argv)
    try:
        text = build(options.folder, options.commit, options.commit_date, options.changed_by, options.changed_on, options.taken)
    except (DataError, OSError, ValueError) as error:
        print(f"allowance_table: {error}", file=sys.stderr)
        return 1
    options.out.write_text(text, encoding="utf-8", newline="\n")
    rows = sum(1 for line in text.splitlines() if not line.startswith("#")) - 1
    print(f"{options.out}: {rows} rows")
    return 0


if __name__ == "__main__":
    sys.exit(main())
