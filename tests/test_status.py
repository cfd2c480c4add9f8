"""`convgen status`: the rows of a school year, the documents' state, and the class lists
reconciled with the agreements (cli.md, "status" and "Rosters")."""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path

import pytest

from conftest import build_case, deep_merge

ROSTER_HEADER = "NOM;PRENOM;DATE NAISS;DIVISION\n"


def pupil_case(last: str, first: str, born: str, *, start: str = "2026-01-12", end: str = "2026-02-06", **more: object) -> str:
    patch: dict = {"pupil": {"last_name": last, "first_name": first, "birth_date": born}, "period": {"start": start, "end": end}}
    return build_case("pfmp", deep_merge(patch, more))


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def status_json(cli, *args: str) -> tuple[dict, int]:
    result = cli("status", *args, "--format", "json")
    assert result.exit_code in (0, 1), result.output
    return json.loads(result.stdout), result.exit_code


def rows_of(report: dict) -> list[dict]:
    return [row for year in report["years"] for row in year["rows"]]


def by_name(report: dict) -> dict[str, list[dict]]:
    found: dict[str, list[dict]] = {}
    for row in rows_of(report):
        found.setdefault(f"{row['last_name']} {row['first_name']}", []).append(row)
    return found


def test_one_row_per_agreement_with_its_figures_and_no_invented_columns(cli, workdir: Path) -> None:
    write(workdir, "conventions/dupont.yaml", pupil_case("Dupont", "Léa", "2009-05-14"))
    report, code = status_json(cli, "conventions")
    assert code == 0
    [year] = report["years"]
    assert year["school_year"] == "2025-2026"
    [row] = year["rows"]
    assert row["file"] == "conventions/dupont.yaml"
    assert (row["class"], row["last_name"], row["first_name"], row["birth_date"]) == ("1re MV A", "Dupont", "Léa", "2009-05-14")
    assert (row["start"], row["end"], row["host"]) == ("2026-01-12", "2026-02-06", "Garage Martin SARL")
    assert row["valid"] is True and row["errors"] == []
    assert row["days_planned"] == 19
    assert row["documents"] == "missing"
    assert row["roster"] is None
    # Not known before the attestation and amendments: empty, not guessed.
    # Not attested yet (no attendance), no level (no allowance estimated).
    assert row["attested"] is False and row["days_done"] is None and row["amendments"] is None and row["allowance"] is None
    assert report["summary"]["agreements"] == 1 and report["summary"]["valid"] == 1


def test_an_invalid_agreement_is_a_row_with_its_error_ids_and_exit_1(cli, workdir: Path) -> None:
    write(workdir, "a/late.yaml", build_case("pfmp", {"schedule": {"weekly": {"tuesday": ["08:00-12:00", "13:00-17:01"]}}}))
    report, code = status_json(cli, "a")
    assert code == 1
    [row] = rows_of(report)
    assert row["valid"] is False
    assert "MINOR_DAILY_MAX" in row["errors"]


def test_an_agreement_the_schema_refuses_still_names_its_pupil(cli, workdir: Path) -> None:
    write(workdir, "a/broken.yaml", build_case("pfmp", {"tutor": "personne"}))
    write(workdir, "classe.csv", ROSTER_HEADER + "DUPONT;Léa;14/05/2009;1re MV A\n")
    report, code = status_json(cli, "a", "--roster", "classe.csv")
    assert code == 1
    [row] = rows_of(report)
    assert row["valid"] is False and "SCHEMA" in row["errors"]
    assert (row["last_name"], row["first_name"], row["start"]) == ("Dupont", "Léa", "2026-01-12")
    assert row["roster"]["state"] == "listed"  # the pupil has an agreement, an invalid one


def test_roster_states_listed_missing_not_listed(cli, workdir: Path) -> None:
    write(workdir, "c/dupont.yaml", pupil_case("Dupont", "Léa", "2009-05-14"))
    write(workdir, "c/durand.yaml", pupil_case("Durand", "Zoé", "2009-03-02"))
    write(workdir, "classe.csv", ROSTER_HEADER + "DUPONT;LÉA;14/05/2009;1re MV A\nMARTIN;Paul;01/02/2009;1re MV A\n")
    report, code = status_json(cli, "c", "--roster", "classe.csv")
    assert code == 1  # a pupil of the list has no agreement
    rows = by_name(report)
    assert rows["Dupont Léa"][0]["roster"] == {"state": "listed", "file": "classe.csv", "line": 2}
    assert rows["Durand Zoé"][0]["roster"]["state"] == "not_listed"
    [martin] = rows["MARTIN Paul"]
    assert martin["roster"] == {"state": "no_agreement", "file": "classe.csv", "line": 3}
    assert martin["file"] is None and martin["valid"] is None and martin["class"] == "1re MV A"
    summary = report["years"][0]["summary"]
    assert (summary["listed"], summary["without_agreement"], summary["not_listed"]) == (1, 1, 1)


def test_every_listed_pupil_with_an_agreement_exits_0(cli, workdir: Path) -> None:
    write(workdir, "c/dupont.yaml", pupil_case("Dupont", "Léa", "2009-05-14"))
    write(workdir, "classe.csv", ROSTER_HEADER + "Dupont;Léa;2009-05-14;1re MV A\n")
    result = cli("status", "c", "--roster", "classe.csv")
    assert result.exit_code == 0, result.output
    assert "sur la liste" in result.stdout


@pytest.mark.parametrize(
    ("agreement", "listed"),
    [
        (("Lefevre", "Chloe", "2008-03-02"), "LEFÈVRE;Chloé;02/03/2008"),  # an accent
        (("Martin-Durand", "Léo", "2008-03-02"), "MARTIN DURAND;Léo;02/03/2008"),  # a hyphen
        (("Lefèvre", "Chloé", "2008-03-02"), "Lefèvre;Chloé;03/02/2008"),  # the same names, another birth date
    ],
)
def test_near_homonyms_are_shown_side_by_side_and_never_merged(cli, workdir: Path, agreement: tuple, listed: str) -> None:
    write(workdir, "c/one.yaml", pupil_case(*agreement))
    write(workdir, "classe.csv", ROSTER_HEADER + listed + ";1re MV A\n")
    report, code = status_json(cli, "c", "--roster", "classe.csv")
    assert code == 1  # the listed pupil has, as far as convgen may say, no agreement
    rows = rows_of(report)
    [mine] = [row for row in rows if row["file"]]
    [theirs] = [row for row in rows if not row["file"]]
    assert mine["roster"]["state"] == "homonym" and mine["homonyms"] == ["classe.csv:2"]
    assert theirs["roster"]["state"] == "no_agreement" and theirs["homonyms"] == ["c/one.yaml"]


def test_the_ine_matches_across_spellings_and_two_ines_are_two_pupils(cli, workdir: Path) -> None:
    write(workdir, "c/a.yaml", pupil_case("Lefevre", "Chloe", "2008-03-02", pupil={"ine": "1234567890A"}))
    write(workdir, "c/b.yaml", pupil_case("Dupont", "Léa", "2009-05-14", pupil={"ine": "123456789AB"}))
    write(
        workdir,
        "classe.csv",
        "NOM;PRENOM;DATE NAISS;DIVISION;INE\nLEFÈVRE;Chloé;02/03/2008;1re MV A;1234567890A\nDupont;Léa;14/05/2009;1re MV A;123456789ZZ\n",
    )
    report, _ = status_json(cli, "c", "--roster", "classe.csv")
    rows = by_name(report)
    assert rows["Lefevre Chloe"][0]["roster"]["state"] == "listed"
    assert "other_name" in rows["Lefevre Chloe"][0]["notes"]
    [mine] = [row for row in rows["Dupont Léa"] if row["file"]]
    [theirs] = [row for row in rows["Dupont Léa"] if not row["file"]]
    assert mine["roster"]["state"] == "homonym" and theirs["roster"]["state"] == "no_agreement"


def test_two_agreements_for_overlapping_dates_name_each_other(cli, workdir: Path) -> None:
    write(workdir, "c/first.yaml", pupil_case("Dupont", "Léa", "2009-05-14"))
    write(
        workdir,
        "c/second.yaml",
        pupil_case("Dupont", "Léa", "2009-05-14", start="2026-02-02", end="2026-02-27", host={"name": "Carrosserie Bel Air"}),
    )
    report, code = status_json(cli, "c")
    assert code == 1
    rows = {row["file"]: row for row in rows_of(report)}
    assert rows["c/first.yaml"]["overlaps"] == ["c/second.yaml"]
    assert rows["c/second.yaml"]["overlaps"] == ["c/first.yaml"]
    assert report["years"][0]["summary"]["overlapping"] == 2


def test_documents_rendered_stale_partial(cli, workdir: Path) -> None:
    source = write(workdir, "c/dupont.yaml", pupil_case("Dupont", "Léa", "2009-05-14"))
    assert cli("render", "c", "--out", "docs", "--jobs", "1").exit_code == 0
    report, _ = status_json(cli, "c", "--out", "docs")
    assert rows_of(report)[0]["documents"] == "rendered"
    later = source.stat().st_mtime + 10
    os.utime(source, (later, later))
    report, _ = status_json(cli, "c", "--out", "docs")
    [row] = rows_of(report)
    assert row["documents"] == "stale"
    assert sorted(row["stale_documents"]) == sorted(f"docs/dupont.{copy}.docx" for copy in ("eleve", "entreprise", "etablissement"))
    assert cli("render", "c", "--out", "docs", "--jobs", "1").exit_code == 0
    earlier = source.stat().st_mtime - 100
    os.utime(source, (earlier, earlier))
    (workdir / "docs/dupont.eleve.docx").unlink()
    report, _ = status_json(cli, "c", "--out", "docs")
    assert rows_of(report)[0]["documents"] == "partial"


def test_documents_left_from_before_an_agreement_became_invalid_are_stale(cli, workdir: Path) -> None:
    source = write(workdir, "c/dupont.yaml", pupil_case("Dupont", "Léa", "2009-05-14"))
    assert cli("render", "c", "--out", "docs", "--jobs", "1").exit_code == 0
    source.write_text(build_case("pfmp", {"schedule": {"weekly": {"tuesday": ["08:00-12:00", "13:00-17:01"]}}}), encoding="utf-8")
    report, _ = status_json(cli, "c", "--out", "docs")
    assert rows_of(report)[0]["documents"] == "stale"


def test_each_school_year_apart_and_year_restricts(cli, workdir: Path) -> None:
    write(workdir, "c/a.yaml", pupil_case("Dupont", "Léa", "2009-05-14"))
    write(workdir, "c/b.yaml", pupil_case("Dupont", "Léa", "2009-05-14", start="2027-01-11", end="2027-02-05"))
    report, _ = status_json(cli, "c")
    assert [year["school_year"] for year in report["years"]] == ["2025-2026", "2026-2027"]
    report, _ = status_json(cli, "c", "--year", "2026-2027")
    assert [year["school_year"] for year in report["years"]] == ["2026-2027"]
    assert [row["file"] for row in rows_of(report)] == ["c/b.yaml"]


@pytest.mark.parametrize("text", ["2025", "2025-2027", "vingt"])
def test_a_bad_year_is_a_usage_error(cli, workdir: Path, text: str) -> None:
    write(workdir, "c/a.yaml", pupil_case("Dupont", "Léa", "2009-05-14"))
    result = cli("status", "c", "--year", text)
    assert result.exit_code == 2
    assert "2025-2026" in result.output


def test_a_missing_roster_is_a_usage_error(cli, workdir: Path) -> None:
    write(workdir, "c/a.yaml", pupil_case("Dupont", "Léa", "2009-05-14"))
    result = cli("status", "c", "--roster", "absente.csv")
    assert result.exit_code == 2
    assert "absente.csv" in result.output


def test_csv_for_french_spreadsheets_neutralises_formulas(cli, workdir: Path) -> None:
    write(workdir, "c/a.yaml", pupil_case("Dupont", "Léa", "2009-05-14"))
    write(
        workdir, "classe.csv", ROSTER_HEADER + 'Dupont;Léa;14/05/2009;1re MV A\n"=HYPERLINK(""http://x"",""y"")";Eve;01/01/2009;1re MV A\n'
    )
    result = cli("status", "c", "--roster", "classe.csv", "--format", "csv", "-o", "suivi.csv")
    assert result.exit_code == 1, result.output
    assert "Eve" not in result.output and "Dupont" not in result.output  # personal data goes only where asked
    raw = (workdir / "suivi.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    table = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    names = {row["Prénom"]: row for row in table}
    assert names["Eve"]["Nom"] == '\'=HYPERLINK("http://x","y")'
    assert names["Léa"]["Né(e) le"] == "14/05/2009"
    assert names["Léa"]["Liste de classe"] == "sur la liste" and names["Eve"]["Liste de classe"] == "sans convention"


def test_xlsx_one_sheet_per_class_with_real_dates(cli, workdir: Path) -> None:
    import openpyxl

    write(workdir, "c/a.yaml", pupil_case("Dupont", "Léa", "2009-05-14"))
    write(workdir, "c/b.yaml", pupil_case("Durand", "Zoé", "2009-03-02", pupil={"class": "1re MV B"}))
    result = cli("status", "c", "--format", "xlsx", "-o", "suivi.xlsx", "--lang", "en")
    assert result.exit_code == 0, result.output
    book = openpyxl.load_workbook(workdir / "suivi.xlsx")
    assert book.sheetnames == ["1re MV A", "1re MV B"]
    sheet = book["1re MV A"]
    assert sheet.freeze_panes == "A2"
    header = [cell.value for cell in sheet[1]]
    assert header[:3] == ["School year", "Class", "Last name"]
    born = sheet.cell(row=2, column=header.index("Born") + 1)
    assert born.is_date and born.value.date().isoformat() == "2009-05-14"
    assert sheet.cell(row=2, column=header.index("Days planned") + 1).value == 19


def test_text_output_written_to_a_file(cli, workdir: Path) -> None:
    write(workdir, "c/a.yaml", pupil_case("Dupont", "Léa", "2009-05-14"))
    result = cli("status", "c", "-o", "suivi.txt")
    assert result.exit_code == 0
    text = (workdir / "suivi.txt").read_text(encoding="utf-8")
    assert "Dupont Léa" in text and "Année scolaire 2025-2026" in text
    assert "Dupont" not in result.output


def test_english_text(cli, workdir: Path) -> None:
    write(workdir, "c/a.yaml", pupil_case("Dupont", "Léa", "2009-05-14"))
    write(workdir, "classe.csv", ROSTER_HEADER + "MARTIN;Paul;01/02/2009;1re MV A\n")
    result = cli("status", "c", "--roster", "classe.csv", "--lang", "en")
    assert result.exit_code == 1
    assert "School year 2025-2026" in result.stdout
    assert "no agreement" in result.stdout and "not on the list" in result.stdout


def test_a_pupil_listed_twice_is_said_once_and_counted_once(cli, workdir: Path) -> None:
    write(workdir, "c/a.yaml", pupil_case("Dupont", "Léa", "2009-05-14"))
    write(workdir, "classe.csv", ROSTER_HEADER + "DUPONT;Léa;14/05/2009;1re MV A\nDupont;Léa;14/05/2009;1re MV A\n")
    report, code = status_json(cli, "c", "--roster", "classe.csv")
    assert code == 0
    [year] = report["years"]
    assert year["listed_twice"] == [{"line": "classe.csv:3", "first": "classe.csv:2"}]
    assert len(year["rows"]) == 1 and year["rows"][0]["roster"]["state"] == "listed"


def test_the_class_list_says_which_class_a_pupil_is_in(cli, workdir: Path) -> None:
    write(workdir, "c/a.yaml", pupil_case("Dupont", "Léa", "2009-05-14"))
    write(workdir, "classe.csv", ROSTER_HEADER + "DUPONT;Léa;14/05/2009;1re MV B\n")
    report, _ = status_json(cli, "c", "--roster", "classe.csv")
    [row] = rows_of(report)
    assert row["class"] == "1re MV B" and row["notes"] == ["other_class"]


def test_the_worked_example(cli) -> None:
    """examples/suivi: thirty pupils on a Windows-1252 list, twenty-nine agreements, three holes."""
    folder = Path(__file__).resolve().parents[1] / "examples" / "suivi"
    result = cli("status", str(folder), "--roster", str(folder / "liste-1re-melec-b.csv"), "--format", "json")
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["rosters"][0]["encoding"] == "windows-1252" and report["rosters"][0]["pupils"] == 30
    summary = report["summary"]
    assert (summary["agreements"], summary["valid"], summary["listed"]) == (29, 29, 27)
    assert (summary["without_agreement"], summary["not_listed"], summary["homonyms"]) == (3, 1, 1)
    [homonym] = [row for row in rows_of(report) if row["roster"]["state"] == "homonym"]
    assert (homonym["last_name"], homonym["first_name"]) == ("Lefevre", "Chloé")


def test_a_roster_as_xlsx(cli, workdir: Path) -> None:
    import datetime as dt

    import openpyxl

    write(workdir, "c/a.yaml", pupil_case("Dupont", "Léa", "2009-05-14"))
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Nom de famille", "Prénom", "Né(e) le", "Classe"])
    sheet.append(["Dupont", "Léa", dt.date(2009, 5, 14), "1re MV A"])
    sheet.append(["Martin", "Paul", dt.date(2009, 2, 1), "1re MV A"])
    book.save(workdir / "classe.xlsx")
    report, code = status_json(cli, "c", "--roster", "classe.xlsx")
    assert code == 1
    states = {row["last_name"]: row["roster"]["state"] for row in rows_of(report)}
    assert states == {"Dupont": "listed", "Martin": "no_agreement"}
    assert report["rosters"][0]["encoding"] == "xlsx"


@pytest.mark.parametrize("form", ["text", "json", "csv", "xlsx"])
def test_written_to_a_file_the_status_prints_no_personal_data(cli, workdir: Path, form: str) -> None:
    write(workdir, "c/a.yaml", pupil_case("Dupont", "Léa", "2009-05-14"))
    # A pupil of the list with an impossible birth date: the finding names the cell's place, not the pupil.
    write(workdir, "classe.csv", ROSTER_HEADER + "DUPONT;Léa;14/05/2009;1re MV A\nMARTIN;Paulin;31/02/2009;1re MV A\n")
    result = cli("status", "c", "--roster", "classe.csv", "--format", form, "-o", f"suivi.{form}")
    assert result.exit_code == 1, result.output  # the list has a row in error
    assert (workdir / f"suivi.{form}").is_file()
    leaked = [value for value in ("Dupont", "DUPONT", "Léa", "MARTIN", "Paulin", "14/05/2009") if value in result.output]
    assert leaked == []
    # What it comes to is said, and the cell in error, at its place, for it to be mended.
    assert "classe.csv:3:15" in result.output and "31/02/2009" in result.output
    assert "sans convention : 0" in result.output  # a row in error is no pupil: its finding says so


def test_xlsx_keeps_a_formula_looking_name_as_text(cli, workdir: Path) -> None:
    import openpyxl

    write(workdir, "c/a.yaml", pupil_case("Dupont", "Léa", "2009-05-14"))
    write(
        workdir,
        "classe.csv",
        ROSTER_HEADER + '"=HYPERLINK(""http://x"",""y"")";Eve;01/01/2009;1re MV A\n@SUM(A1);Max;02/01/2009;1re MV A\n',
    )
    assert cli("status", "c", "--roster", "classe.csv", "--format", "xlsx", "-o", "suivi.xlsx").exit_code == 1
    book = openpyxl.load_workbook(workdir / "suivi.xlsx")
    cells = [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]
    assert not [cell for cell in cells if cell.data_type == "f"]
    names = {cell.value for cell in cells if isinstance(cell.value, str) and ("HYPERLINK" in cell.value or "SUM(" in cell.value)}
    assert names == {'\'=HYPERLINK("http://x","y")', "'@SUM(A1)"}


def test_a_file_that_is_no_agreement_is_reported_apart_and_fails(cli, workdir: Path) -> None:
    write(workdir, "c/a.yaml", pupil_case("Dupont", "Léa", "2009-05-14"))
    write(workdir, "c/broken.yaml", "kind: pfmp\nversion: 1\npupil: [\n")
    report, code = status_json(cli, "c")
    assert code == 1
    [unplaced] = report["unplaced"]
    assert unplaced["file"] == "c/broken.yaml" and unplaced["valid"] is False and unplaced["errors"] == ["YAML_SYNTAX"]
    assert report["summary"]["unplaced"] == 1
    text = cli("status", "c").stdout
    assert "(année inconnue)" in text and "YAML_SYNTAX" in text


def test_rows_are_in_the_order_of_a_class_list(cli, workdir: Path) -> None:
    write(workdir, "c/a.yaml", pupil_case("Étienne", "Zoé", "2009-05-14"))
    write(workdir, "c/b.yaml", pupil_case("Fabre", "Léo", "2009-03-02"))
    write(workdir, "c/c.yaml", pupil_case("dupont", "Ana", "2009-01-02"))
    report, _ = status_json(cli, "c")
    assert [row["last_name"] for row in rows_of(report)] == ["dupont", "Étienne", "Fabre"]


def test_the_same_status_in_one_process_or_several(cli, workdir: Path) -> None:
    for number in range(10):
        write(workdir, f"c/p{number}.yaml", pupil_case(f"Élève-{number}", "Léa", f"2009-05-{number + 10}"))
    write(
        workdir, "classe.csv", ROSTER_HEADER + "".join(f"ÉLÈVE-{number};Léa;{number + 10}/05/2009;1re MV A\n" for number in range(0, 12, 2))
    )
    one = cli("status", "c", "--roster", "classe.csv", "--format", "json", "--jobs", "1")
    two = cli("status", "c", "--roster", "classe.csv", "--format", "json", "--jobs", "2")
    assert one.exit_code == two.exit_code == 1
    assert one.stdout == two.stdout
    report = json.loads(one.stdout)
    assert report["summary"]["listed"] == 5 and report["summary"]["without_agreement"] == 1 and report["summary"]["not_listed"] == 5
