"""A campaign's class list read by the same reader as rosters: Windows-1252, XLSX, and the
headers of a school export (NOM, PRENOM, DATE NAISS) as the pupil's fields."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path

import pytest

from conftest import docx_text
from convgen.pipeline.checking import load_campaign
from convgen.source.tables import xlsx_text


@pytest.fixture
def campaign(cli, workdir: Path) -> Path:
    assert cli("new", "campaign").exit_code == 0
    return workdir / "campagne.yaml"


def read_table(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"), newline=""), delimiter=";"))


def write_table(path: Path, rows: list[list[str]], encoding: str = "utf-8") -> None:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=";", lineterminator="\r\n").writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))


def naming(campaign: Path, name: str) -> None:
    text = campaign.read_text(encoding="utf-8")
    assert text.count("csv: eleves.csv") == 1
    campaign.write_text(text.replace("csv: eleves.csv", f"csv: {name}"), encoding="utf-8")


def pupils(campaign: Path) -> list[tuple[str, str, str]]:
    loaded = load_campaign(campaign, campaign.name)
    assert loaded.usable, loaded.findings
    return [(row.data["pupil"]["last_name"], row.data["pupil"]["first_name"], row.data["pupil"]["birth_date"]) for row in loaded.rows]


STARTER_PUPILS = [("Martin", "Camille", "2010-09-14"), ("N'Diaye", "Moussa", "2011-06-20"), ("Lefèvre", "Chloé", "2008-03-02")]


def to_xlsx(rows: list[list[str]], path: Path) -> None:
    """The class list as a spreadsheet holds it: dates as dates, SIRET and postal codes as text."""
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    dates = {index for index, header in enumerate(rows[0]) if header.endswith("_date")}
    for row in rows:
        sheet.append(
            [
                dt.datetime.strptime(value, "%d/%m/%Y") if index in dates and value and row is not rows[0] else value or None
                for index, value in enumerate(row)
            ]
        )
    workbook.save(path)


def test_a_class_list_in_windows_1252(cli, workdir: Path, campaign: Path) -> None:
    write_table(workdir / "eleves.csv", read_table(workdir / "eleves.csv"), encoding="cp1252")
    result = cli("validate", "campagne.yaml", "--format", "json")
    assert result.exit_code == 0, result.output
    files = json.loads(result.stdout)["files"]
    assert [entry["valid"] for entry in files] == [True] * 3 and not any(entry["findings"] for entry in files)
    assert pupils(campaign) == STARTER_PUPILS


def test_a_class_list_as_xlsx(cli, workdir: Path, campaign: Path) -> None:
    to_xlsx(read_table(workdir / "eleves.csv"), workdir / "eleves.xlsx")
    (workdir / "eleves.csv").unlink()
    naming(campaign, "eleves.xlsx")
    result = cli("validate", "campagne.yaml", "--format", "json")
    assert result.exit_code == 0, result.output
    assert [entry["row"]["csv"] for entry in json.loads(result.stdout)["files"]] == ["eleves.xlsx"] * 3
    assert pupils(campaign) == STARTER_PUPILS
    rendered = cli("render", "campagne.yaml", "--copies", "eleve")
    assert rendered.exit_code == 0, rendered.output
    moussa = docx_text(workdir / "out" / "campagne" / "n-diaye-moussa.eleve.docx")
    assert "RC 77; bis" in moussa and "Électricité Rhône Services" in moussa  # a cell holding the delimiter


def test_a_finding_in_an_xlsx_points_at_its_row_and_quotes_its_cell(cli, workdir: Path, campaign: Path) -> None:
    rows = read_table(workdir / "eleves.csv")
    rows[2][rows[0].index("host.siret")] = "80234567800023"  # Moussa's host: a wrong check digit
    rows.insert(2, [""] * len(rows[0]))  # an empty row: Moussa is on row 4 of the sheet
    to_xlsx(rows, workdir / "eleves.xlsx")
    naming(campaign, "eleves.xlsx")
    line = xlsx_text((workdir / "eleves.xlsx").read_bytes(), 1 << 30).split("\n")[3]
    column = line.index("80234567800023") + 1
    result = cli("validate", "campagne.yaml", "--format", "json")
    assert result.exit_code == 1
    files = json.loads(result.stdout)["files"]
    (finding,) = [finding for entry in files for finding in entry["findings"]]
    assert (finding["file"], finding["line"], finding["column"], finding["field"]) == ("eleves.xlsx", 4, column, "host.siret")
    text = cli("validate", "campagne.yaml").stdout
    assert f"eleves.xlsx:4:{column}:" in text and "  4 | " + " " * (column - 1) + "80234567800023" in text
    assert "Moussa" not in text


def test_a_school_export_s_headers_name_the_pupil_s_fields(cli, workdir: Path, campaign: Path) -> None:
    rows = read_table(workdir / "eleves.csv")
    header = rows[0]
    for old, new in (("pupil.last_name", "NOM"), ("pupil.first_name", "Prénom"), ("pupil.birth_date", "DATE NAISS")):
        header[header.index(old)] = new
    header += ["DIVISION", "INE", "CODE_MEF", "EMAIL"]
    for row, (division, ine) in zip(rows[1:], [("1MVA", "1234567890a"), ("1MVB", ""), ("1MVA", "")]):
        row += [division, ine, "24720008310", ""]
    write_table(workdir / "eleves.csv", rows, encoding="cp1252")
    result = cli("validate", "campagne.yaml", "--format", "json")
    assert result.exit_code == 0, result.output
    assert pupils(campaign) == STARTER_PUPILS
    loaded = load_campaign(campaign, "campagne.yaml")
    assert [row.data["pupil"]["class"] for row in loaded.rows] == ["1MVA", "1MVB", "1MVA"]  # over the shared 1re MELEC
    assert loaded.rows[0].data["pupil"]["ine"] == "1234567890a" and "ine" not in loaded.rows[1].data["pupil"]
    assert not any("mef" in str(row.data).lower() for row in loaded.rows)  # no agreement field holds a MEF


def test_an_export_header_and_the_path_it_stands_for_are_one_column_twice(cli, workdir: Path, campaign: Path) -> None:
    rows = read_table(workdir / "eleves.csv")
    rows[0][rows[0].index("pupil.last_name")] = "NOM"
    rows[0][rows[0].index("pupil.first_name")] = "pupil.last_name"  # NOM and pupil.last_name: the same field twice
    write_table(workdir / "eleves.csv", rows)
    result = cli("validate", "campagne.yaml", "--format", "json")
    assert result.exit_code == 1
    (finding,) = json.loads(result.stdout)["files"][0]["findings"]
    assert finding["rule"] == "CAMPAIGN" and finding["line"] == 1
    assert finding["message"] == "colonne « pupil.last_name » présente deux fois (déjà colonne A)."


def test_an_export_header_that_names_no_field_is_said_as_written(workdir: Path) -> None:
    # In an immersion, NOM and PRENOM are the worker's; a worker has no birth date in an agreement.
    text = (Path(__file__).resolve().parents[1] / "examples" / "immersion.yaml").read_text(encoding="utf-8")
    (workdir / "immersion.yaml").write_text(text + "\ncampaign:\n  csv: liste.csv\n", encoding="utf-8")
    (workdir / "liste.csv").write_text("NOM;PRENOM\nDurand;Inès\n", encoding="cp1252")
    loaded = load_campaign(workdir / "immersion.yaml", "immersion.yaml")
    assert loaded.usable and [(row.data["worker"]["last_name"], row.data["worker"]["first_name"]) for row in loaded.rows] == [
        ("Durand", "Inès")
    ]
    (workdir / "liste.csv").write_text("NOM;PRENOM;DATE NAISS\nDurand;Inès;03/02/1990\n", encoding="utf-8")
    loaded = load_campaign(workdir / "immersion.yaml", "immersion.yaml")
    (finding,) = loaded.findings
    assert finding.field == "worker.birth_date" and finding.line == 1 and finding.column == 12
    assert finding.message.startswith("colonne « DATE NAISS » inconnue : aucun champ de convention immersion à ce chemin")


def test_a_dotted_header_stays_a_path(workdir: Path, campaign: Path) -> None:
    # `nom` is a valid dotted-path segment: only a header without a dot is a school export's name.
    rows = read_table(workdir / "eleves.csv")
    rows[0].append("host.nom")
    write_table(workdir / "eleves.csv", rows)
    loaded = load_campaign(campaign, "campagne.yaml")
    (finding,) = loaded.findings
    assert finding.field == "host.nom" and finding.message.startswith("colonne « host.nom » inconnue : aucun champ de convention pfmp")


@pytest.mark.parametrize(
    ("name", "raw", "said"),
    [
        ("eleves.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64, "un classeur .xls ou .ods n'est pas lu"),
        ("eleves.xlsx", b"PK\x03\x04 pas un classeur", "ce n'est pas un classeur XLSX : enregistrez-le en .xlsx ou en CSV"),
        ("eleves.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64, "ancien format (.xls) ou protégé par un mot de passe"),
        ("eleves.csv", "NOM;PRENOM\n".encode("utf-16"), "le fichier est en UTF-16"),
    ],
)
def test_a_class_list_convgen_cannot_read_is_one_campaign_finding(
    cli, workdir: Path, campaign: Path, name: str, raw: bytes, said: str
) -> None:
    (workdir / name).write_bytes(raw)
    naming(campaign, name)
    result = cli("validate", "campagne.yaml", "--format", "json")
    assert result.exit_code == 1, result.output
    (entry,) = json.loads(result.stdout)["files"]
    (finding,) = entry["findings"]
    assert finding["rule"] == "CAMPAIGN" and said in finding["message"] and "Traceback" not in result.output
    english = cli("validate", "campagne.yaml", "--lang", "en")
    assert "«" not in english.stdout.split("[CAMPAIGN]")[1].splitlines()[0]
