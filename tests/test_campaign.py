"""Campaigns: a shared file and a CSV class list (or inline rows) give one agreement per pupil."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from conftest import docx_text, replace_once
from convgen.pipeline.checking import load_campaign
from convgen.source.campaign import deep_merge, slugify


def read_table(path: Path) -> list[list[str]]:
    text = path.read_text(encoding="utf-8-sig")
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))


def write_table(path: Path, rows: list[list[str]], delimiter: str = ";", bom: bool = True, encoding: str = "utf-8") -> None:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    data = buffer.getvalue().encode(encoding)
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + data)


def set_cell(rows: list[list[str]], row: int, header: str, value: str) -> None:
    rows[row][rows[0].index(header)] = value


def column_of(path: Path, line: int, value: str) -> int:
    text = path.read_text(encoding="utf-8-sig").splitlines()[line - 1]
    return text.index(value) + 1


@pytest.fixture
def campaign(cli, workdir: Path) -> Path:
    result = cli("new", "campaign")
    assert result.exit_code == 0, result.output
    assert (workdir / "campagne.yaml").is_file() and (workdir / "eleves.csv").is_file()
    return workdir / "campagne.yaml"


def test_the_starter_campaign_renders_every_pupil(cli, workdir: Path, campaign: Path) -> None:
    checked = cli("validate", "campagne.yaml")
    assert checked.exit_code == 0, checked.output
    assert "campagne.yaml#martin-camille : valide" in checked.stdout
    result = cli("render", "campagne.yaml", "--report", "report.json")
    assert result.exit_code == 0, result.output
    out = workdir / "out" / "campagne"
    names = sorted(path.name for path in out.iterdir())
    assert len(names) == 9
    assert {name.split(".")[0] for name in names} == {"martin-camille", "n-diaye-moussa", "lefevre-chloe"}
    camille = docx_text(out / "martin-camille.entreprise.docx")
    assert "Camille" in camille and "Martin" in camille and "Atelier Lumière SARL" in camille and "Julie Martin" in camille
    assert "1re MELEC" in camille  # from the shared part
    moussa = docx_text(out / "n-diaye-moussa.etablissement.docx")
    assert "RC 77; bis" in moussa  # a quoted cell holding the delimiter
    assert "Électricité Rhône Services" in moussa
    chloe = docx_text(out / "lefevre-chloe.eleve.docx")
    assert "Domotique & Co" in chloe and "Julie Martin" not in chloe
    report = json.loads((workdir / "report.json").read_text(encoding="utf-8"))
    first = report["files"][0]
    assert first["path"] == "campagne.yaml#martin-camille"
    assert first["row"] == {"campaign": "campagne.yaml", "name": "martin-camille", "csv": "eleves.csv", "line": 2}
    assert first["outputs"][0] == "out/campagne/martin-camille.etablissement.docx"


def test_a_bad_row_names_its_csv_row_and_column_and_the_others_are_rendered(cli, workdir: Path, campaign: Path) -> None:
    table = workdir / "eleves.csv"
    rows = read_table(table)
    set_cell(rows, 2, "pupil.birth_date", "31/02/2011")
    write_table(table, rows)
    result = cli("validate", "campagne.yaml", "--format", "json")
    assert result.exit_code == 1
    files = json.loads(result.stdout)["files"]
    assert [entry["valid"] for entry in files] == [True, False, True]
    (finding,) = files[1]["findings"]
    assert finding["rule"] == "SCHEMA" and finding["field"] == "pupil.birth_date"
    assert finding["file"] == "eleves.csv" and finding["line"] == 3
    assert finding["column"] == column_of(table, 3, "31/02/2011")
    assert "31/02/2011" in finding["message"] and "février" in finding["message"]
    text = cli("validate", "campagne.yaml")
    assert f"eleves.csv:3:{finding['column']}: erreur [SCHEMA] n-diaye-moussa › pupil.birth_date" in text.stdout
    assert "^^^^^^^^^^" in text.stdout
    github = cli("validate", "campagne.yaml", "--format", "github")
    assert f"::error file=eleves.csv,line=3,col={finding['column']},title=SCHEMA::n-diaye-moussa › pupil.birth_date" in github.stdout
    rendered = cli("render", "campagne.yaml")
    assert rendered.exit_code == 1
    assert (
        sorted(path.name.split(".")[0] for path in (workdir / "out" / "campagne").iterdir())
        == ["lefevre-chloe"] * 3 + ["martin-camille"] * 3
    )


def test_a_shared_value_is_reported_at_its_yaml_line_for_each_pupil(cli, workdir: Path, campaign: Path) -> None:
    text = campaign.read_text(encoding="utf-8")
    text = replace_once(text, "    monday:    [08:30-12:00, 13:30-17:00]", "    monday:    [08:00-12:00, 13:00-17:01]")
    text = replace_once(text, "    friday:    [08:30-12:00, 13:30-16:30]", "    friday:    [08:30-12:00, 13:30-15:59]")  # 35 h a week
    campaign.write_text(text, encoding="utf-8")
    line = next(number for number, row in enumerate(campaign.read_text(encoding="utf-8").splitlines(), 1) if "monday:" in row)
    result = cli("validate", "campagne.yaml", "--format", "json")
    files = json.loads(result.stdout)["files"]
    minors = [entry for entry in files if any(f["rule"] == "MINOR_DAILY_MAX" for f in entry["findings"])]
    assert [entry["path"] for entry in minors] == ["campagne.yaml#martin-camille", "campagne.yaml#n-diaye-moussa"]
    for entry in minors:
        finding = next(f for f in entry["findings"] if f["rule"] == "MINOR_DAILY_MAX")
        assert finding["line"] == line and "file" not in finding
    assert files[2]["valid"] is True  # Chloé is an adult: 8 h 01 a day is within her limits
    text_output = cli("validate", "campagne.yaml").stdout
    assert f"campagne.yaml:{line}:5: erreur [MINOR_DAILY_MAX] martin-camille › schedule.weekly.monday" in text_output


@pytest.mark.parametrize("delimiter, bom", [(",", False), (";", False), (",", True), ("\t", False)])
def test_spreadsheet_exports_are_read_whatever_the_delimiter_and_bom(cli, workdir: Path, campaign: Path, delimiter: str, bom: bool) -> None:
    table = workdir / "eleves.csv"
    write_table(table, read_table(table), delimiter=delimiter, bom=bom)
    result = cli("render", "campagne.yaml", "--copies", "eleve")
    assert result.exit_code == 0, result.output
    assert len(list((workdir / "out" / "campagne").iterdir())) == 3
    assert "RC 77; bis" in docx_text(workdir / "out" / "campagne" / "n-diaye-moussa.eleve.docx")


def test_a_class_list_in_windows_1252_is_read_as_french_spreadsheets_write_it(cli, workdir: Path, campaign: Path) -> None:
    # Windows-1252 was refused; a class list may now be in it (cli.md, Rosters), accents intact.
    table = workdir / "eleves.csv"
    write_table(table, read_table(table), bom=False, encoding="cp1252")
    result = cli("render", "campagne.yaml", "--copies", "eleve")
    assert result.exit_code == 0, result.output
    chloe = docx_text(workdir / "out" / "campagne" / "lefevre-chloe.eleve.docx")
    assert "Lefèvre" in chloe and "Chloé" in chloe and "Électricienne" in chloe


def test_a_class_list_in_utf16_is_refused_with_the_way_to_fix_it(cli, workdir: Path, campaign: Path) -> None:
    table = workdir / "eleves.csv"
    table.write_bytes(table.read_text(encoding="utf-8-sig").encode("utf-16"))
    result = cli("render", "campagne.yaml")
    assert result.exit_code == 1
    assert "eleves.csv:1:1:" in result.stdout and "[CAMPAIGN]" in result.stdout
    assert "UTF-16" in result.stdout and "Excel" in result.stdout
    assert not (workdir / "out").exists()


def test_a_missing_class_list_points_at_the_campaign_line(cli, workdir: Path, campaign: Path) -> None:
    (workdir / "eleves.csv").unlink()
    line = next(number for number, row in enumerate(campaign.read_text(encoding="utf-8").splitlines(), 1) if row.startswith("  csv:"))
    result = cli("validate", "campagne.yaml", "--format", "json")
    assert result.exit_code == 1
    (entry,) = json.loads(result.stdout)["files"]
    (finding,) = entry["findings"]
    assert entry["path"] == "campagne.yaml" and finding["rule"] == "CAMPAIGN" and finding["field"] == "campaign.csv"
    assert finding["line"] == line and "eleves.csv" in finding["message"]


def test_names_are_slugified_and_unique(cli, workdir: Path, campaign: Path) -> None:
    table = workdir / "eleves.csv"
    rows = read_table(table)
    rows.append(list(rows[1]))  # Camille Martin twice
    rows.append(list(rows[1]))
    set_cell(rows, 5, "pupil.last_name", "")
    set_cell(rows, 5, "pupil.first_name", "")
    write_table(table, rows)
    campaign_data = load_campaign(campaign, "campagne.yaml")
    assert [row.label for row in campaign_data.rows] == ["martin-camille", "n-diaye-moussa", "lefevre-chloe", "martin-camille-2", "ligne-6"]
    assert slugify("  Ségolène  D'Arc-Éluard ") == "segolene-d-arc-eluard"
    assert slugify("../../etc/passwd") == "etc-passwd"


def test_extra_cells_fail_that_row_only(cli, workdir: Path, campaign: Path) -> None:
    table = workdir / "eleves.csv"
    rows = read_table(table)
    rows[3].append("de trop")
    write_table(table, rows)
    files = json.loads(cli("validate", "campagne.yaml", "--format", "json").stdout)["files"]
    assert [entry["valid"] for entry in files] == [True, True, False]
    finding = files[2]["findings"][0]
    assert finding["rule"] == "CAMPAIGN" and finding["line"] == 4 and finding["file"] == "eleves.csv"


@pytest.mark.parametrize(
    "header, said",
    [
        ("pupil.last_name", "deux fois"),
        ("pupil", "se contredisent"),
        ("pupil..name", "non valide"),
        (
            "pupil.lastname",
            "colonne « pupil.lastname » inconnue : aucun champ de convention pfmp à ce chemin ; vouliez-vous dire « pupil.last_name » ?",
        ),
        ("host.adress.city", "colonne « host.adress.city » inconnue : aucun champ de convention pfmp à ce chemin."),
    ],
)
def test_header_problems_stop_the_campaign(cli, workdir: Path, campaign: Path, header: str, said: str) -> None:
    table = workdir / "eleves.csv"
    rows = read_table(table)
    rows[0].append(header)
    for row in rows[1:]:
        row.append("x")
    write_table(table, rows)
    result = cli("render", "campagne.yaml")
    assert result.exit_code == 1
    assert said in result.stdout and "eleves.csv:1:" in result.stdout
    assert not (workdir / "out").exists()


def test_an_empty_cell_keeps_the_shared_value_and_a_filled_one_replaces_it(workdir: Path, campaign: Path) -> None:
    table = workdir / "eleves.csv"
    rows = read_table(table)
    rows[0].append("host.public_body")
    rows[1].append("oui")
    rows[2].append("")
    rows[3].append("non")
    write_table(table, rows)
    data = load_campaign(campaign, "campagne.yaml")
    assert [row.data["host"]["public_body"] for row in data.rows] == [True, False, False]
    assert all(row.data["host"]["insurance"]["kind"] == "rider" for row in data.rows)  # shared, merged under the CSV's
    assert data.rows[0].data["pupil"]["birth_date"] == "2010-09-14"  # 14/09/2010 as a spreadsheet writes it


def test_inline_rows_and_their_yaml_lines(cli, workdir: Path, campaign: Path) -> None:
    text = campaign.read_text(encoding="utf-8")
    rows = """  rows:
    - pupil:
        last_name: Durand
        first_name: Inès
        birth_date: 2008-02-03
      host:
        name: Garage Central
        siret: "33212345400032"
        address: {street: 1 rue Neuve, postal_code: "69001", city: Lyon}
        phone: "04 72 00 00 12"
        representative: {name: Jean Roy, title: Gérant}
        insurance: {insurer: MMA, contract_number: "X-1"}
      tutor: {name: Léo Roy, title: Mécanicien, phone: "06 00 00 00 13"}
      finance:
        meals: {mode: paid_on_site, price: -2}
"""
    campaign.write_text(
        text.replace("  csv: eleves.csv                        # la liste de classe, à côté de ce fichier\n", "  csv: eleves.csv\n" + rows),
        encoding="utf-8",
    )
    price_line = next(number for number, row in enumerate(campaign.read_text(encoding="utf-8").splitlines(), 1) if "price: -2" in row)
    result = cli("validate", "campagne.yaml", "--format", "json")
    files = json.loads(result.stdout)["files"]
    assert [entry["path"] for entry in files][:2] == ["campagne.yaml#durand-ines", "campagne.yaml#martin-camille"]
    assert len(files) == 4
    (finding,) = files[0]["findings"]
    assert finding["field"] == "finance.meals.price" and finding["line"] == price_line
    assert files[0]["row"]["row"] == 1 and files[0]["row"]["line"] > 0


def test_deep_merge_patches_lists_by_index_and_replaces_other_values() -> None:
    shared = {"teachers": [{"name": "A", "email": "a@x.fr"}], "period": {"start": "2027-01-11", "end": "2027-02-05"}, "list": [1, 2]}
    patch = {"teachers": {0: {"email": "b@x.fr"}, 1: {"name": "C"}}, "period": {"end": "2027-02-12"}, "list": [3]}
    merged = deep_merge(shared, patch)
    assert merged == {
        "teachers": [{"name": "A", "email": "b@x.fr"}, {"name": "C"}],
        "period": {"start": "2027-01-11", "end": "2027-02-12"},
        "list": [3],
    }
    assert shared["teachers"] == [{"name": "A", "email": "a@x.fr"}]  # the shared part is never changed


def test_new_campaign_refuses_to_overwrite_either_file(cli, workdir: Path, campaign: Path) -> None:
    (workdir / "campagne.yaml").unlink()
    before = (workdir / "eleves.csv").read_bytes()
    (workdir / "eleves.csv").write_text("mine", encoding="utf-8")
    result = cli("new", "campaign")
    assert result.exit_code == 2 and "eleves.csv" in result.stderr
    assert not (workdir / "campagne.yaml").exists() and (workdir / "eleves.csv").read_text(encoding="utf-8") == "mine"
    named = cli("new", "campaign", "-o", "1mva.yaml")
    assert named.exit_code == 0
    assert "csv: 1mva.csv" in (workdir / "1mva.yaml").read_text(encoding="utf-8")
    assert (workdir / "1mva.csv").read_bytes() == before
    assert cli("validate", "1mva.yaml").exit_code == 0


def test_a_campaign_is_one_input_among_others(cli, workdir: Path, campaign: Path) -> None:
    folder = workdir / "lycee"
    folder.mkdir()
    campaign.rename(folder / "campagne.yaml")
    (workdir / "eleves.csv").rename(folder / "eleves.csv")
    (folder / "seul.yaml").write_text(
        (Path(__file__).resolve().parents[1] / "examples" / "pfmp.yaml").read_text(encoding="utf-8"), encoding="utf-8"
    )
    result = cli("render", "lycee", "--jobs", "2", "--report", "r.json")
    assert result.exit_code == 0, result.output
    paths = [entry["path"] for entry in json.loads((workdir / "r.json").read_text(encoding="utf-8"))["files"]]
    assert paths == [
        "lycee/campagne.yaml#martin-camille",
        "lycee/campagne.yaml#n-diaye-moussa",
        "lycee/campagne.yaml#lefevre-chloe",
        "lycee/seul.yaml",
    ]
    assert len(list((workdir / "out" / "campagne").iterdir())) == 9 and len(list((workdir / "out").glob("seul.*.docx"))) == 3


def test_an_unknown_column_is_said_once_not_once_per_pupil(cli, workdir: Path, campaign: Path) -> None:
    table = workdir / "eleves.csv"
    rows = read_table(table)
    rows[0][rows[0].index("pupil.last_name")] = "pupil.lastname"
    write_table(table, rows[:1] + rows[1:] * 50)
    result = cli("validate", "campagne.yaml", "--format", "json")
    assert result.exit_code == 1
    (entry,) = json.loads(result.stdout)["files"]
    assert [(f["rule"], f["line"], f["field"]) for f in entry["findings"]] == [("CAMPAIGN", 1, "pupil.lastname")]


def test_a_broken_header_is_summed_up_after_a_screenful(cli, workdir: Path, campaign: Path) -> None:
    (workdir / "eleves.csv").write_text("x;" * 5000 + "\n", encoding="utf-8")
    result = cli("validate", "campagne.yaml", "--format", "json")
    assert result.exit_code == 1
    findings = json.loads(result.stdout)["files"][0]["findings"]
    assert len(findings) == 101 and "autres problèmes" in findings[-1]["message"]


@pytest.mark.parametrize(
    ("name", "why"),
    [
        ("../secret.csv", "dans le dossier de la campagne"),
        ("{outside}/secret.csv", "dans le dossier de la campagne"),
        ("/etc/passwd", "un fichier .csv, .tsv, .txt ou .xlsx est attendu"),
        (".git/config", "un fichier .csv, .tsv, .txt ou .xlsx est attendu"),
        (".cache/eleves.csv", "caché"),
        ("linked.csv", "dans le dossier de la campagne"),
        ("fifo.csv", "pas un fichier ordinaire"),
    ],
)
def test_a_campaign_reads_only_class_lists_beside_it(cli, workdir: Path, campaign: Path, name: str, why: str) -> None:
    import os

    outside = workdir.parent / f"{workdir.name}-outside"
    outside.mkdir()
    secret = "prenom;nom\nMOT_DE_PASSE;s3cr3t\n"
    (outside / "secret.csv").write_text(secret, encoding="utf-8")
    folder = workdir / "classe"
    folder.mkdir()
    (workdir / "secret.csv").write_text(secret, encoding="utf-8")
    (folder / ".cache").mkdir()
    (folder / ".cache" / "eleves.csv").write_text(secret, encoding="utf-8")
    (folder / "linked.csv").symlink_to(outside / "secret.csv")
    os.mkfifo(folder / "fifo.csv")
    text = campaign.read_text(encoding="utf-8").replace("csv: eleves.csv", f"csv: {name.format(outside=outside)}")
    (folder / "campagne.yaml").write_text(text, encoding="utf-8")
    result = cli("validate", "classe/campagne.yaml")
    assert result.exit_code == 1
    assert "refusée" in result.stdout and why in result.stdout, result.stdout
    assert "s3cr3t" not in result.output and "MOT_DE_PASSE" not in result.output
