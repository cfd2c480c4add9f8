"""Campaigns at scale and what their findings show: linear in rows and columns, refused past
documented limits, and a finding about a class-list cell quotes that cell, not the pupil's row."""

from __future__ import annotations

import csv
import io
import json
import pickle
import resource
import signal
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

import convgen.source.classlist
from convgen.pipeline.checking import check_unit, expand, load_campaign
from convgen.source.classlist import MAX_COLUMNS, MAX_ROWS, MAX_SPREAD
from convgen.source.inputs import collect

CSV_LIMIT = 16 << 20  # 16 × the default --max-size


@contextmanager
def within(seconds: float) -> Iterator[None]:
    """Fails a block that takes longer, stopping it then: quadratic code would take minutes."""

    def expired(signum: int, frame: object) -> None:
        raise TimeoutError

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    start = time.perf_counter()
    late = False
    try:
        yield
    except TimeoutError:
        late = True
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    # Also when the alarm was caught on the way (as an internal error of one input).
    if late or time.perf_counter() - start >= seconds:
        pytest.fail(f"more than {seconds} s", pytrace=False)


def read_table(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"), newline=""), delimiter=";"))


def write_table(path: Path, rows: list[list[str]]) -> None:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=";", lineterminator="\r\n").writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")


def with_inline_rows(campaign: Path, rows: str, csv: str | None = None) -> None:
    """The starter campaign with these inline rows in place of its class list (or with this one)."""
    text = campaign.read_text(encoding="utf-8")
    old = "  csv: eleves.csv                        # la liste de classe, à côté de ce fichier\n"
    assert text.count(old) == 1
    campaign.write_text(text.replace(old, (f"  csv: {csv}\n" if csv else "") + "  rows:\n" + rows), encoding="utf-8")


def line_of(path: Path, fragment: str) -> int:
    (number,) = [number for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if fragment in line]
    return number


@pytest.fixture
def campaign(cli, workdir: Path) -> Path:
    assert cli("new", "campaign").exit_code == 0
    return workdir / "campagne.yaml"


# Columns


def test_a_header_of_20000_columns_is_refused_at_once(cli, workdir: Path, campaign: Path) -> None:
    rows = read_table(workdir / "eleves.csv")
    width = 20_000
    wide = [rows[0] + [f"x{index}" for index in range(width - len(rows[0]))]]
    wide += [row + ["v"] * (width - len(row)) for row in rows[1:]]
    write_table(workdir / "eleves.csv", wide)
    with within(5):
        result = cli("validate", "campagne.yaml", "--format", "json")
    assert result.exit_code == 1
    (entry,) = json.loads(result.stdout)["files"]
    (finding,) = entry["findings"]
    assert finding["rule"] == "CAMPAIGN" and finding["file"] == "eleves.csv" and finding["line"] == 1
    assert f"plus de {MAX_COLUMNS} colonnes dans la liste de classe « eleves.csv »" in finding["message"]


def test_10000_columns_are_read_in_linear_time(workdir: Path, campaign: Path) -> None:
    # Each column was compared with every other (one inside the other?): 50 million comparisons.
    rows = read_table(workdir / "eleves.csv")
    write_table(workdir / "eleves.csv", [rows[0] + [f"x{index}" for index in range(MAX_COLUMNS - len(rows[0]))], rows[1]])
    with within(1.5):
        loaded = load_campaign(Path("campagne.yaml"), "campagne.yaml")
    assert len(loaded.findings) == 101 and "autres problèmes" in loaded.findings[-1].message
    assert loaded.findings[0].message.startswith("colonne « x0 » inconnue")


def test_empty_columns_past_the_limit_are_ignored(workdir: Path, campaign: Path) -> None:
    # A spreadsheet exports formatted but empty columns as empty cells.
    rows = read_table(workdir / "eleves.csv")
    padding = [""] * (MAX_COLUMNS + 50)
    write_table(workdir / "eleves.csv", [row + padding for row in rows])
    loaded = load_campaign(Path("campagne.yaml"), "campagne.yaml")
    assert loaded.usable and [row.label for row in loaded.rows] == ["martin-camille", "n-diaye-moussa", "lefevre-chloe"]


# Rows


def test_20000_inline_rows_are_refused_like_csv_rows(workdir: Path, campaign: Path) -> None:
    starter = campaign.read_text(encoding="utf-8")
    with_inline_rows(campaign, "".join(f"    - pupil: {{last_name: N{index}}}\n" for index in range(20_000)))
    with within(5):
        loaded = load_campaign(Path("campagne.yaml"), "campagne.yaml")
    (finding,) = loaded.findings
    assert finding.rule == "CAMPAIGN" and finding.field == "campaign.rows" and finding.file is None
    assert finding.line == line_of(campaign, f"last_name: N{MAX_ROWS}}}")  # the first pupil past the limit
    assert finding.message == f"plus de {MAX_ROWS} élèves dans une campagne : découpez-la."
    assert not loaded.usable
    # Inline rows and class list together: the same finding, at the list's first row past the limit.
    campaign.write_text(starter, encoding="utf-8")
    with_inline_rows(campaign, "    - pupil: {last_name: N0}\n    - pupil: {last_name: N1}\n", csv="liste.csv")
    (workdir / "liste.csv").write_text("pupil.last_name\n" + "".join(f"L{index}\n" for index in range(MAX_ROWS)), encoding="utf-8")
    with within(5):
        loaded = load_campaign(Path("campagne.yaml"), "campagne.yaml")
    (finding,) = loaded.findings
    assert (finding.file, finding.line) == ("liste.csv", MAX_ROWS)  # after the header, the list's pupil 9,999 is the campaign's 10,001st
    assert finding.message == f"plus de {MAX_ROWS} élèves dans une campagne : découpez-la."


def test_10000_inline_rows_are_read_in_linear_time(workdir: Path, campaign: Path) -> None:
    # Each row looked through the whole file's source map for its own lines.
    with_inline_rows(campaign, "".join(f"    - pupil: {{last_name: N{index}}}\n" for index in range(MAX_ROWS)))
    with within(3):
        loaded = load_campaign(Path("campagne.yaml"), "campagne.yaml")
    assert loaded.usable and len(loaded.rows) == MAX_ROWS
    last = loaded.rows[-1]
    assert last.label == f"n{MAX_ROWS - 1}"
    assert last.source.locate(("pupil", "last_name"), prefer="value").line == line_of(campaign, f"N{MAX_ROWS - 1}}}")
    assert last.source.locate(("school", "uai")).line == line_of(campaign, "uai:")  # from the shared part


def test_10000_namesakes_are_named_in_linear_time(workdir: Path, campaign: Path) -> None:
    (workdir / "eleves.csv").write_text("pupil.last_name;pupil.first_name\n" + "Martin;Camille\n" * MAX_ROWS, encoding="utf-8")
    with within(2):
        loaded = load_campaign(Path("campagne.yaml"), "campagne.yaml")
    labels = [row.label for row in loaded.rows]
    assert labels[:3] == ["martin-camille", "martin-camille-2", "martin-camille-3"]
    assert labels[-1] == f"martin-camille-{MAX_ROWS}" and len(set(labels)) == MAX_ROWS


def test_a_large_shared_part_lowers_the_number_of_pupils(workdir: Path, campaign: Path) -> None:
    # Each pupil's agreement holds the shared part and is checked with it whole.
    text = campaign.read_text(encoding="utf-8")
    activities = "".join(f"    - Activité {index}\n" for index in range(20_000))
    campaign.write_text(text.replace("  activities:\n", "  activities:\n" + activities, 1), encoding="utf-8")
    shared = len(load_campaign(Path("campagne.yaml"), "campagne.yaml").source.values) - 2  # less `campaign` and `campaign.csv`
    limit = MAX_SPREAD // shared
    (workdir / "eleves.csv").write_text("pupil.last_name\n" + "".join(f"L{index}\n" for index in range(limit + 1)), encoding="utf-8")
    with within(3):
        loaded = load_campaign(Path("campagne.yaml"), "campagne.yaml")
    (finding,) = loaded.findings
    assert (finding.file, finding.line) == ("eleves.csv", limit + 2)
    assert f"plus de {limit} élèves pour une partie commune de {shared} valeurs" in finding.message


# Cells


def test_a_class_list_past_its_filled_cells_limit_is_refused(monkeypatch: pytest.MonkeyPatch, workdir: Path, campaign: Path) -> None:
    monkeypatch.setattr(convgen.source.classlist, "MAX_CELLS", 50)  # a million in use: rows 2 and 3 fill 46 cells, row 4 17 more
    loaded = load_campaign(Path("campagne.yaml"), "campagne.yaml")
    (finding,) = loaded.findings
    assert (finding.rule, finding.file, finding.line) == ("CAMPAIGN", "eleves.csv", 4)
    assert finding.message == "plus de 50 cellules remplies dans la liste de classe « eleves.csv » : découpez-la."


def sixteen_mib(workdir: Path, size: int = CSV_LIMIT - 1, phone: int = 2000) -> int:
    """A class list of about `size` bytes: the starter's pupils with a wrong, long tutor phone
    (one quick SCHEMA finding each); its number of pupils."""
    rows = read_table(workdir / "eleves.csv")
    header, model = rows[0], rows[1]
    column = header.index("tutor.phone")
    lines = []
    length = len(";".join(header)) + 2
    while True:
        row = list(model)
        row[0], row[column] = f"Martin{len(lines)}", "0" * phone
        line = ";".join(row) + "\r\n"
        if length + len(line.encode("utf-8")) > size:
            break
        lines.append(line)
        length += len(line.encode("utf-8"))
    (workdir / "eleves.csv").write_text(";".join(header) + "\r\n" + "".join(lines), encoding="utf-8", newline="")
    return len(lines)


def test_a_16_mib_class_list_is_checked_in_seconds(cli, workdir: Path, campaign: Path) -> None:
    # Each row's result carried the whole list back from its worker process: a copy per
    # chunk of results, 4 GB for a list of 16 MiB.
    pupils = sixteen_mib(workdir)
    assert (workdir / "eleves.csv").stat().st_size < CSV_LIMIT and pupils > 7000
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # kB; what this process has used so far
    with within(12):
        result = cli("validate", "campagne.yaml", "--format", "json", "--jobs", "2")
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - peak < 500_000
    assert result.exit_code == 1
    files = json.loads(result.stdout)["files"]
    assert len(files) == pupils
    assert all(
        [(f["rule"], f["field"], f["line"]) for f in entry["findings"]] == [("SCHEMA", "tutor.phone", 2 + number)]
        for number, entry in enumerate(files)
    )


def test_a_rows_result_keeps_its_own_lines_not_the_campaigns(workdir: Path, campaign: Path) -> None:
    sixteen_mib(workdir, 1 << 20, phone=7000)
    campaign.write_text(campaign.read_text(encoding="utf-8") + "# commentaire\n" * 20_000, encoding="utf-8")
    units = expand(collect(["campagne.yaml"]), "fr")
    result, _ = check_unit(units[5], "fr")
    slim = result.slim()
    assert len(pickle.dumps(slim)) < 32_000  # the row's own cell and lines, not 1 MiB and 280 kB
    (finding,) = slim.findings
    assert finding.file == "eleves.csv" and slim.line_text(finding).strip() == "0" * 7000


# Where findings point, what they quote


def test_a_minor_without_a_guardian_in_the_class_list_is_pointed_at_its_row(cli, workdir: Path, campaign: Path) -> None:
    rows = read_table(workdir / "eleves.csv")
    for index, header in enumerate(rows[0]):
        if header.startswith("pupil.legal_guardian."):
            rows[1][index] = ""  # Camille Martin, 16 at the start
    write_table(workdir / "eleves.csv", rows)
    result = cli("validate", "campagne.yaml", "--format", "json")
    assert result.exit_code == 1
    (finding,) = json.loads(result.stdout)["files"][0]["findings"]
    assert finding["rule"] == "GUARDIAN_REQUIRED" and finding["field"] == "pupil.legal_guardian"
    assert (finding["file"], finding["line"], finding["column"]) == ("eleves.csv", 2, 1)
    text = cli("validate", "campagne.yaml").stdout
    assert "eleves.csv:2:1: erreur [GUARDIAN_REQUIRED] martin-camille › pupil.legal_guardian" in text
    assert "Camille" not in text and "pupil:" not in text  # neither the row nor the campaign's `pupil:` line is quoted


def test_a_finding_on_one_cell_quotes_that_cell_not_the_pupils_row(cli, workdir: Path, campaign: Path) -> None:
    rows = read_table(workdir / "eleves.csv")
    rows[2][rows[0].index("pupil.birth_date")] = "31/02/2011"  # Moussa N'Diaye's
    write_table(workdir / "eleves.csv", rows)
    column = (workdir / "eleves.csv").read_text(encoding="utf-8").splitlines()[2].index("31/02/2011") + 1
    text = cli("validate", "campagne.yaml").stdout
    assert f"eleves.csv:3:{column}: erreur [SCHEMA] n-diaye-moussa › pupil.birth_date" in text
    lines = text.splitlines()
    quote = next(index for index, line in enumerate(lines) if line.startswith("  3 | "))
    assert lines[quote] == "  3 | " + " " * (column - 1) + "31/02/2011"
    assert lines[quote + 1] == "    | " + " " * (column - 1) + "^" * 10
    for private in rows[2]:
        if private and private != "31/02/2011":
            assert private not in text, private
