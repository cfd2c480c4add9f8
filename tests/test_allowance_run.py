"""The State PFMP allowance through the commands (input.md, "Presence, days done, and the State
allowance"): the JSON report, the annexe financière, the yearly cap shared by a pupil's
agreements, `status`, and a campaign's NIVEAU and ABSENCES columns.

The base agreement has 19 worked days in the 2025-2026 school year (2026-01-12 .. 2026-02-06,
2026-01-23 off).
"""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import EXAMPLES, Cli, build_case, deep_merge, docx_text, other_pupil, replace_once
from convgen.law.allowance import LEVELS, lookup

ISSUED = {"place": "Lyon", "date": "2026-02-06"}
# 2025-11-17 .. 2025-12-02, Monday to Friday without exceptions: 12 days, in 2025-2026 too
EARLIER = {"period": {"start": "2025-11-17", "end": "2025-12-02"}}
# 2026-01-05 .. 2026-03-06, Monday to Friday, no public holiday: 45 days, past two months, so paid
LONG = {"period": {"start": "2026-01-05", "end": "2026-03-06"}, "finance": {"gratification": {"hourly_amount": 4.50}}}
PERIODS = {"base": ({}, [], 19), "long": (LONG, ["schedule.exceptions"], 45)}


def level(name: str, **more: object) -> dict:
    return {"pupil": {"level": name, **more}}


def merged(*patches: dict) -> dict:
    result: dict = {}
    for patch in patches:
        result = deep_merge(result, patch)
    return result


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def report_of(cli, *args: str) -> dict[str, dict]:
    """validate --format json: each file's entry by its file name without .yaml."""
    result = cli("validate", *args, "--format", "json")
    assert result.exit_code in (0, 1), result.output
    return {Path(entry["path"].split("#")[0]).stem: entry for entry in json.loads(result.stdout)["files"]}


def rules(entry: dict) -> list[str]:
    return [finding["rule"] for finding in entry["findings"]]


def allowance_line(path: Path) -> str:
    [line] = [line for line in docx_text(path).splitlines() if "Allocation de l'État" in line]
    return line


# --- every level of the table, for both ministries


CASES = [(name, agricultural, period) for period in PERIODS for agricultural in (False, True) for name in LEVELS]


@pytest.fixture(scope="module")
def every_level(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict]:
    """One run over an agreement per level, ministry and period, each for another pupil."""
    folder = tmp_path_factory.mktemp("levels")
    for number, (name, agricultural, period) in enumerate(CASES):
        patch, remove, _ = PERIODS[period]
        text = build_case("pfmp", merged(patch, level(name), {"school": {"agricultural": agricultural}}), remove)
        write(folder / f"{name}-{int(agricultural)}-{period}.yaml", other_pupil(text, number))
    return report_of(Cli(), str(folder))


@pytest.mark.parametrize(("name", "agricultural", "period"), CASES)
def test_each_level_is_paid_by_the_table(every_level: dict[str, dict], name: str, agricultural: bool, period: str) -> None:
    entry = every_level[f"{name}-{int(agricultural)}-{period}"]
    days = PERIODS[period][2]
    allowance = entry["allowance"]
    assert entry["valid"] is True, entry["findings"]
    assert (allowance["level"], allowance["ministry"]) == (name, "masa" if agricultural else "menj")
    assert (allowance["school_year"], allowance["table_year"], allowance["outdated"]) == ("2025-2026", "2025-2026", False)
    assert allowance["days"] == days and allowance["estimate"] is True and allowance["earlier"] == 0
    rate = lookup(name, 2025, agricultural).rate
    if rate is None:  # no allowance published for this level and ministry
        assert allowance["paid"] is False
        assert (allowance["amount"], allowance["gross"], allowance["capped"], allowance["unpaid_days"]) == (0, 0, False, 0)
        assert "ALLOWANCE_CAP_REACHED" not in rules(entry)
        return
    gross = days * rate.daily_amount
    amount = min(gross, rate.yearly_cap)
    assert allowance["paid"] is True
    assert (allowance["daily_amount"], allowance["cap"]) == (rate.daily_amount, rate.yearly_cap)
    assert (allowance["gross"], allowance["amount"]) == (gross, amount)
    assert allowance["capped"] is (gross > rate.yearly_cap)
    assert allowance["unpaid_days"] == -(-(gross - amount) // rate.daily_amount)
    assert ("ALLOWANCE_CAP_REACHED" in rules(entry)) is (gross > rate.yearly_cap)


def test_both_periods_reach_the_cap_for_some_levels_and_not_for_others(every_level: dict[str, dict]) -> None:
    # seconde-pro: 45 × 10 € = 450 € > 300 €; terminale-pro: 45 × 20 € = 900 € < 1 000 €
    assert every_level["seconde-pro-0-long"]["allowance"]["amount"] == 300
    assert every_level["terminale-pro-0-long"]["allowance"]["amount"] == 900
    capped = {key for key, entry in every_level.items() if entry["allowance"]["capped"]}
    assert capped and all(key.endswith("-long") for key in capped)


# --- the annexe financière


def test_the_annexe_prints_the_estimate_and_nothing_without_a_level(cli, workdir: Path) -> None:
    write(workdir / "in" / "level.yaml", build_case("pfmp", level("premiere-pro")))
    write(workdir / "in" / "none.yaml", other_pupil(build_case("pfmp"), 1))
    write(workdir / "in" / "unpaid.yaml", other_pupil(build_case("pfmp", level("bp-1")), 2))
    result = cli("render", "in", "--copies", "entreprise")
    assert result.exit_code == 0, result.output
    assert allowance_line(workdir / "out" / "level.entreprise.docx") == (
        "Allocation de l'État (estimation) : 19 jours × 15,00 € = 285,00 €, versée par l'État, non par l'organisme d'accueil."
    )
    assert "llocation" not in docx_text(workdir / "out" / "none.entreprise.docx")
    assert allowance_line(workdir / "out" / "unpaid.entreprise.docx") == (
        "Allocation de l'État : aucune n'est prévue pour ce niveau de formation (1re année de brevet professionnel) en 2025-2026."
    )


# --- the yearly cap shared by a pupil's agreements


def shared_class(folder: Path, others: int = 0) -> None:
    """The pupil's later agreement sorts first: it is read before the earlier one is known."""
    write(folder / "a-later.yaml", build_case("pfmp", level("seconde-pro")))
    write(folder / "z-earlier.yaml", build_case("pfmp", merged(level("seconde-pro"), EARLIER), ["schedule.exceptions"]))
    for number in range(others):
        write(folder / f"m-{number}.yaml", other_pupil(build_case("pfmp", level("seconde-pro")), number))


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_two_agreements_of_a_pupil_share_the_cap_in_the_report_and_the_annexe(cli, workdir: Path, jobs: str) -> None:
    shared_class(workdir / "classe", others=6)
    result = cli("render", "classe", "--copies", "entreprise", "--jobs", jobs, "--report", "report.json")
    assert result.exit_code == 0, result.output
    files = {Path(entry["path"]).stem: entry for entry in json.loads((workdir / "report.json").read_text(encoding="utf-8"))["files"]}
    # 12 days × 10 € = 120 € first; then 19 × 10 € = 190 €, of which 300 − 120 = 180 € are paid
    assert files["z-earlier"]["allowance"]["amount"] == 120 and files["z-earlier"]["allowance"]["capped"] is False
    later = files["a-later"]["allowance"]
    assert (later["earlier"], later["gross"], later["amount"], later["capped"], later["unpaid_days"]) == (120, 190, 180, True, 1)
    assert "ALLOWANCE_CAP_REACHED" in rules(files["a-later"])
    assert all(files[f"m-{number}"]["allowance"]["amount"] == 190 for number in range(6))
    assert allowance_line(workdir / "out" / "a-later.entreprise.docx") == (
        "Allocation de l'État (estimation) : 19 jours × 10,00 € = 190,00 €, plafonnée à 180,00 € (plafond annuel de 300,00 € "
        "pour l'année scolaire 2025-2026, dont 120,00 € déjà atteints par les périodes précédentes), "
        "versée par l'État, non par l'organisme d'accueil."
    )
    assert "12 jours × 10,00 € = 120,00 €, versée" in allowance_line(workdir / "out" / "z-earlier.entreprise.docx")


def test_two_school_years_do_not_share(cli, workdir: Path) -> None:
    write(workdir / "c" / "now.yaml", build_case("pfmp", level("seconde-pro")))
    # 2025-03-03 .. 2025-04-11: 30 days of 2024-2025, its whole cap
    last_year = merged(level("seconde-pro"), {"period": {"start": "2025-03-03", "end": "2025-04-11"}})
    write(workdir / "c" / "before.yaml", build_case("pfmp", last_year, ["schedule.exceptions"]))
    files = report_of(cli, "c")
    assert (files["before"]["allowance"]["school_year"], files["before"]["allowance"]["amount"]) == ("2024-2025", 300)
    now = files["now"]["allowance"]
    assert (now["school_year"], now["earlier"], now["amount"], now["capped"]) == ("2025-2026", 0, 190, False)


@pytest.mark.parametrize(
    ("later_ine", "earlier_ine", "shared"),
    [
        ("1234567890A", "1234567890A", True),  # the INE is the pupil, however the names are written
        (None, None, False),  # other names without an INE: another pupil
        ("1234567890A", "123456789AB", False),  # two INEs: two pupils
    ],
)
def test_the_ine_decides_who_shares(cli, workdir: Path, later_ine: str | None, earlier_ine: str | None, shared: bool) -> None:
    later = level("seconde-pro", **({"ine": later_ine} if later_ine else {}))
    earlier = level("seconde-pro", first_name="Lea Marie", last_name="Dupont Martin", **({"ine": earlier_ine} if earlier_ine else {}))
    write(workdir / "c" / "later.yaml", build_case("pfmp", later))
    write(workdir / "c" / "earlier.yaml", build_case("pfmp", merged(earlier, EARLIER), ["schedule.exceptions"]))
    allowance = report_of(cli, "c")["later"]["allowance"]
    assert (allowance["earlier"], allowance["amount"], allowance["capped"]) == ((120, 180, True) if shared else (0, 190, False))


def test_a_school_year_past_the_table_uses_its_last_year(cli, workdir: Path) -> None:
    # 2026-10-05 .. 2026-10-16: 10 days of 2026-2027, paid at 2025-2026's 15 €
    patch = merged(level("premiere-pro"), {"period": {"start": "2026-10-05", "end": "2026-10-16"}})
    write(workdir / "agreement.yaml", build_case("pfmp", patch, ["schedule.exceptions"]))
    entry = report_of(cli, "agreement.yaml")["agreement"]
    allowance = entry["allowance"]
    assert entry["valid"] is True
    assert (allowance["school_year"], allowance["table_year"], allowance["outdated"]) == ("2026-2027", "2025-2026", True)
    assert (allowance["daily_amount"], allowance["cap"], allowance["days"], allowance["amount"]) == (15, 600, 10, 150)
    [finding] = [finding for finding in entry["findings"] if finding["rule"] == "RATE_TABLE_OUTDATED"]
    assert finding["severity"] == "warning" and finding["field"] == "pupil.level"


def test_with_attendance_the_days_done_are_paid(cli, workdir: Path) -> None:
    absences = [{"date": "2026-01-14"}, {"date": "2026-01-16", "half": "apres-midi"}]  # −1 day; a half-day is still a day done
    write(
        workdir / "agreement.yaml",
        build_case("pfmp", merged(level("premiere-pro"), {"attendance": {"issued": ISSUED, "absences": absences}})),
    )
    allowance = report_of(cli, "agreement.yaml")["agreement"]["allowance"]
    assert (allowance["estimate"], allowance["days"], allowance["amount"]) == (False, 18, 270)
    assert cli("render", "agreement.yaml", "--copies", "entreprise").exit_code == 0
    assert allowance_line(workdir / "out" / "agreement.entreprise.docx").startswith("Allocation de l'État : 18 jours × 15,00 € = 270,00 €")


def test_an_earlier_agreement_counts_its_days_done(cli, workdir: Path) -> None:
    # The earlier agreement, 12 days planned, 2 absent: 10 × 10 € = 100 €; 100 + 190 stays under 300 €.
    done = {"attendance": {"issued": {"place": "Lyon", "date": "2025-12-02"}, "absences": [{"from": "2025-11-17", "to": "2025-11-18"}]}}
    write(workdir / "c" / "later.yaml", build_case("pfmp", level("seconde-pro")))
    write(workdir / "c" / "earlier.yaml", build_case("pfmp", merged(level("seconde-pro"), EARLIER, done), ["schedule.exceptions"]))
    files = report_of(cli, "c")
    assert (files["earlier"]["allowance"]["days"], files["earlier"]["allowance"]["amount"]) == (10, 100)
    later = files["later"]["allowance"]
    assert (later["earlier"], later["amount"], later["capped"]) == (100, 190, False)


# --- status


def test_status_rows_carry_the_attestation_and_the_allowance(cli, workdir: Path) -> None:
    folder = workdir / "c"
    shared_class(folder)  # Léa Dupont: 12 days attended below, then 19 planned (capped estimate)
    earlier = build_case(
        "pfmp",
        merged(level("seconde-pro"), EARLIER, {"attendance": {"issued": {"place": "Lyon", "date": "2025-12-02"}}}),
        ["schedule.exceptions"],
    )
    write(folder / "z-earlier.yaml", earlier)
    write(
        folder / "attested.yaml",
        other_pupil(build_case("pfmp", {"attendance": {"issued": ISSUED, "absences": [{"date": "2026-01-14"}]}}), 1),
    )
    write(folder / "plain.yaml", other_pupil(build_case("pfmp"), 2))
    result = cli("status", "c", "--format", "json")
    assert result.exit_code == 0, result.output
    rows = {Path(row["file"]).stem: row for year in json.loads(result.stdout)["years"] for row in year["rows"]}
    assert (rows["z-earlier"]["attested"], rows["z-earlier"]["days_done"]) == (True, 12)
    assert rows["z-earlier"]["allowance"] == {"amount": 120, "capped": False, "estimate": False}
    assert (rows["a-later"]["attested"], rows["a-later"]["days_done"]) == (False, None)
    assert rows["a-later"]["allowance"] == {"amount": 180, "capped": True, "estimate": True}
    assert (rows["attested"]["attested"], rows["attested"]["days_done"], rows["attested"]["allowance"]) == (True, 18, None)
    assert (rows["plain"]["attested"], rows["plain"]["days_done"], rows["plain"]["allowance"]) == (False, None, None)


# --- a campaign's class list


def campaign(folder: Path, cells: list[str]) -> None:
    """The example campaign over the base period, with one pupil per ABSENCES cell, each with a level."""
    text = (EXAMPLES / "campagne" / "campagne.yaml").read_text(encoding="utf-8")
    for old, new in (
        ("start: 2027-01-11", "start: 2026-01-12"),
        ("end: 2027-02-05", "end: 2026-02-06"),
        ("2027-01-22: []", "2026-01-23: []"),
        ("board_approval_date: 2026-09-17", "board_approval_date: 2025-09-17"),
    ):
        text = replace_once(text, old, new)
    write(folder / "campagne.yaml", text)
    header, camille = list(csv.reader(io.StringIO((EXAMPLES / "campagne" / "eleves.csv").read_text(encoding="utf-8-sig")), delimiter=";"))[
        :2
    ]
    rows = [header + ["NIVEAU", "ABSENCES", "attendance.issued.place", "attendance.issued.date"]]
    for number, cell in enumerate(cells):
        row = list(camille)
        row[header.index("pupil.first_name")] = f"Camille{number}" if number else "Camille"
        rows.append(row + ["premiere-pro", cell, "Lyon", "06/02/2026"])
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=";", lineterminator="\r\n").writerows(rows)
    write(folder / "eleves.csv", buffer.getvalue())


CELL = "14/01/2026 matin ; 19/01/2026 au 20/01/2026 (maladie)"


def test_a_campaign_s_level_and_absence_columns(cli, workdir: Path) -> None:
    campaign(workdir, [CELL, "demain"])
    result = cli("validate", "campagne.yaml", "--format", "json")
    assert result.exit_code == 1, result.output
    first, second = json.loads(result.stdout)["files"]
    assert first["valid"] is True, first["findings"]
    # 19 − 2 days; the morning of the 14th keeps that day
    assert (first["attendance"]["days_done"], first["attendance"]["absent_days"], first["attendance"]["absent_half_days"]) == (17, 2, 1)
    assert first["attendance"]["issued"] == "2026-02-06"
    assert (first["allowance"]["level"], first["allowance"]["days"], first["allowance"]["amount"]) == ("premiere-pro", 17, 255)
    assert first["allowance"]["estimate"] is False
    [finding] = second["findings"]
    assert finding["rule"] == "CAMPAIGN" and finding["field"] == "attendance.absences"
    assert (finding["file"], finding["line"]) == ("eleves.csv", 3) and "« demain »" in finding["message"]


def test_a_fresh_process_reads_the_attendance_columns(workdir: Path) -> None:
    campaign(workdir, [CELL])
    done = subprocess.run(
        [sys.executable, "-m", "convgen", "validate", "campagne.yaml", "--format", "json"],
        capture_output=True,
        text=True,
        cwd=workdir,
        timeout=60,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    [entry] = json.loads(done.stdout)["files"]
    assert entry["attendance"]["days_done"] == 17
