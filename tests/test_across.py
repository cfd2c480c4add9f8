"""Rules across agreements, through the command line: every agreement of a run is read
together (files, folders, campaign rows), whatever --jobs, and each finding names the others."""

from __future__ import annotations

import json
import re
from pathlib import Path

from conftest import build_case, example_text, other_pupil

WEEK = {day: ["08:00-12:00", "13:00-16:00"] for day in ("monday", "tuesday", "wednesday", "thursday", "friday")}
# Five weeks of 5 × 7 h (175 h) in January, five more in March: 350 h at one host in 2025-2026.
JANUARY = {"period": {"start": "2026-01-05", "end": "2026-02-06"}, "schedule": {"weekly": WEEK}}
MARCH = {"period": {"start": "2026-03-02", "end": "2026-04-03"}, "schedule": {"weekly": WEEK}}
ELSEWHERE = {"name": "Carrosserie Petit", "siret": "73282932000074"}


def write(path: Path, patch: dict | None = None) -> Path:
    """The example with a patch; another period drops the example's one dated exception."""
    path.parent.mkdir(parents=True, exist_ok=True)
    remove = ["schedule.exceptions"] if patch and "period" in patch else None
    path.write_text(build_case("pfmp", patch, remove), encoding="utf-8")
    return path


def report(cli, *args: str) -> tuple[int, dict]:
    result = cli("validate", *args, "--format", "json")
    return result.exit_code, json.loads(result.stdout)


def findings(entry: dict, rule: str) -> list[dict]:
    return [finding for finding in entry["findings"] if finding["rule"] == rule]


def test_two_periods_at_one_host_need_a_gratification_on_each_and_name_each_other(cli, workdir: Path) -> None:
    write(workdir / "classe" / "dupont-janvier.yaml", JANUARY)
    write(workdir / "classe" / "dupont-mars.yaml", MARCH)
    code, data = report(cli, "classe")
    assert code == 1
    first, second = data["files"]
    (on_first,) = findings(first, "GRATIFICATION_REQUIRED")
    (on_second,) = findings(second, "GRATIFICATION_REQUIRED")
    assert on_first["related"] == ["classe/dupont-mars.yaml"]
    assert on_second["related"] == ["classe/dupont-janvier.yaml"]
    assert "350 h de présence" in on_first["message"] and "classe/dupont-mars.yaml (175 h)" in on_first["message"]
    assert on_first["field"] == "finance.gratification" and on_first["line"] is not None
    assert data["summary"] == {"files": 2, "valid": 0, "errors": 2, "warnings": 0}
    # Each alone is fine: the finding comes from reading them together.
    assert cli("validate", "classe/dupont-janvier.yaml").exit_code == 0


def test_the_text_report_says_which_other_file_and_how_many_hours(cli, workdir: Path) -> None:
    write(workdir / "a.yaml", JANUARY)
    write(workdir / "b.yaml", MARCH)
    result = cli("validate", "a.yaml", "b.yaml")
    assert result.exit_code == 1
    assert "a.yaml:" in result.stdout and "[GRATIFICATION_REQUIRED]" in result.stdout
    assert "en comptant b.yaml (175 h)" in result.stdout and "en comptant a.yaml (175 h)" in result.stdout
    # Each quotes its own YAML line, as a finding of one file does, whatever --jobs.
    for jobs in ("1", "2"):
        quoted = cli("validate", "a.yaml", "b.yaml", "--jobs", jobs).stdout
        assert len(re.findall(r"^ +\d+ \| +gratification: null", quoted, flags=re.M)) == 2, quoted
    github = cli("validate", "a.yaml", "b.yaml", "--format", "github")
    assert github.stdout.count("::error file=") == 2 and "title=GRATIFICATION_REQUIRED" in github.stdout


def test_a_copied_file_is_a_duplicate_and_neither_copy_is_rendered(cli, workdir: Path) -> None:
    write(workdir / "in" / "dupont.yaml")
    write(workdir / "in" / "dupont-copie.yaml")
    (workdir / "in" / "martin.yaml").write_text(other_pupil(example_text("pfmp"), 7), encoding="utf-8")
    result = cli("render", "in", "--report", "report.json")
    assert result.exit_code == 1, result.output
    written = sorted(path.name for path in (workdir / "out").iterdir())
    assert written == ["martin.eleve.docx", "martin.entreprise.docx", "martin.etablissement.docx"]
    data = json.loads((workdir / "report.json").read_text(encoding="utf-8"))
    by_path = {entry["path"]: entry for entry in data["files"]}
    assert [f["rule"] for f in by_path["in/dupont.yaml"]["findings"]] == ["DUPLICATE_AGREEMENT"]
    assert by_path["in/dupont.yaml"]["findings"][0]["related"] == ["in/dupont-copie.yaml"]
    assert by_path["in/dupont-copie.yaml"]["outputs"] == [] and by_path["in/dupont.yaml"]["outputs"] == []
    assert data["summary"]["documents"] == 3
    assert "in/dupont.yaml : non rendu" in result.output


def test_a_campaign_row_and_a_file_of_the_same_pupil_overlap(cli, workdir: Path) -> None:
    assert cli("new", "campaign").exit_code == 0  # Camille Martin, born 2010-09-14, 2027-01-11 .. 2027-02-05
    patch = {
        "pupil": {"last_name": "MARTIN", "first_name": "Camille", "birth_date": "2010-09-14"},
        "host": ELSEWHERE,
        "period": {"start": "2027-02-01", "end": "2027-02-12"},
    }
    write(workdir / "martin-camille.yaml", patch)
    code, data = report(cli, "campagne.yaml", "martin-camille.yaml")
    assert code == 1
    by_path = {entry["path"]: entry for entry in data["files"]}
    (row,) = findings(by_path["campagne.yaml#martin-camille"], "PUPIL_OVERLAP")
    (plain,) = findings(by_path["martin-camille.yaml"], "PUPIL_OVERLAP")
    assert row["related"] == ["martin-camille.yaml"] and plain["related"] == ["campagne.yaml#martin-camille"]
    assert row["date"] == plain["date"] == "2027-02-01"
    assert "5 dates travaillées en commun" in row["message"]
    # The campaign's other pupils are not concerned.
    assert not findings(by_path["campagne.yaml#n-diaye-moussa"], "PUPIL_OVERLAP")


def test_the_same_ine_is_the_same_pupil_and_two_ines_are_two_pupils(cli, workdir: Path) -> None:
    write(workdir / "a.yaml", {**JANUARY, "pupil": {"ine": "1234567890A"}})
    write(workdir / "b.yaml", {**MARCH, "pupil": {"ine": "1234567890A", "last_name": "Dupond", "first_name": "Léa"}})
    write(workdir / "c.yaml", {**MARCH, "pupil": {"ine": "0987654321B"}, "period": {"start": "2026-06-01", "end": "2026-06-12"}})
    code, data = report(cli, "a.yaml", "b.yaml", "c.yaml")
    assert code == 1
    a, b, c = data["files"]
    assert findings(a, "GRATIFICATION_REQUIRED")[0]["related"] == ["b.yaml"]
    assert findings(b, "GRATIFICATION_REQUIRED")[0]["related"] == ["a.yaml"]
    assert c["valid"] is True  # same names and birth date as a.yaml, but another INE: another pupil


def test_one_or_two_processes_give_the_same_findings(cli, workdir: Path) -> None:
    for number in range(10):  # enough for two processes
        text = other_pupil(example_text("pfmp"), number)
        (workdir / "classe").mkdir(exist_ok=True)
        (workdir / "classe" / f"eleve{number}.yaml").write_text(text, encoding="utf-8")
    write(workdir / "classe" / "zz-copie.yaml")  # the example itself…
    write(workdir / "classe" / "zz-dupont.yaml")  # …twice
    one = cli("validate", "classe", "--format", "json", "--jobs", "1")
    two = cli("validate", "classe", "--format", "json", "--jobs", "2")
    assert one.exit_code == two.exit_code == 1
    assert one.stdout == two.stdout
    assert json.loads(one.stdout)["summary"]["errors"] == 2


def test_agreements_of_another_school_year_never_count_together(cli, workdir: Path) -> None:
    write(workdir / "a.yaml", JANUARY)
    write(workdir / "b.yaml", {"period": {"start": "2026-09-07", "end": "2026-10-09"}, "schedule": {"weekly": WEEK}})
    code, _ = report(cli, "a.yaml", "b.yaml")
    assert code == 0


def test_a_shard_sees_only_its_slice(cli, workdir: Path) -> None:
    """Documented: the rules across agreements need the whole school year in one run."""
    write(workdir / "a.yaml", JANUARY)
    write(workdir / "b.yaml", MARCH)
    assert cli("validate", "a.yaml", "b.yaml").exit_code == 1
    assert cli("validate", "a.yaml", "b.yaml", "--shard", "1/2").exit_code == 0
    assert cli("validate", "a.yaml", "b.yaml", "--shard", "2/2").exit_code == 0


def test_rules_across_agreements_are_in_the_catalogue(cli) -> None:
    result = cli("rules", "--format", "json")
    rows = {row["id"]: row for row in json.loads(result.stdout)["rules"]}
    assert {"PUPIL_OVERLAP", "DUPLICATE_AGREEMENT", "RATE_TABLE_OUTDATED"} <= set(rows)
    assert rows["PUPIL_OVERLAP"]["group"] == "across"
    assert "924 h" in rows["PERIOD_MAX_LENGTH"]["limit"] and "308 h" in rows["GRATIFICATION_REQUIRED"]["limit"]
