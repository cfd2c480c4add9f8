"""The spreadsheets convgen writes: readable by the usual software, never running a formula, the same bytes each time."""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import shutil
import subprocess
import sys
import time
import zipfile
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from convgen.documents.sheets import Column, Sheet, csv_bytes, neutralised, sheet_names, xlsx_bytes

HOSTILE = '=HYPERLINK("http://x","y")'
COLUMNS = [
    Column("name", "Nom"),
    Column("born", "Né le", "date"),
    Column("days", "Jours", "integer"),
    Column("rate", "Taux", "decimal"),
    Column("pay", "Gratification", "money"),
    Column("signed", "Signée"),
    Column("tutors", "Tuteurs"),
    Column("note", "Note", width=30),
]


def _rows() -> list[dict]:
    return [
        {
            "name": HOSTILE,
            "born": dt.date(2010, 9, 14),
            "days": -3,
            "rate": Decimal("0.5"),
            "pay": Decimal("12.5"),
            "signed": True,
            "tutors": ["Mme Martin", "M. Durand"],
            "note": None,
        },
        {"name": "+33 6 12", "days": 20, "pay": 1234.5, "signed": False, "note": "-moins"},
        {"name": "@SUM(A1)", "note": "\tTab"},
        {"name": "\rRetour", "note": " =1+1"},
    ]


def _sheets() -> list[Sheet]:
    return [
        Sheet("1re MELEC", COLUMNS, _rows()),
        Sheet("1RE melec", COLUMNS, _rows()[:1]),
        Sheet("Tle [A/B]: *?", COLUMNS, []),
        Sheet("", COLUMNS, []),
    ]


def _read_csv(blob: bytes) -> list[list[str]]:
    assert blob.startswith(b"\xef\xbb\xbf")
    text = blob.decode("utf-8-sig")
    assert "\r\n" in text and "\n" not in text.replace("\r\n", "")
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))


def test_csv_one_table_with_french_conventions() -> None:
    table = _read_csv(csv_bytes(_sheets()))
    assert table[0] == [column.title for column in COLUMNS]
    assert len(table) == 1 + 4 + 1  # one header, the rows of every sheet in order
    first = dict(zip(table[0], table[1]))
    assert first["Nom"] == "'" + HOSTILE
    assert first["Né le"] == "14/09/2010"
    assert first["Jours"] == "-3"  # a number we format is not text: no prefix
    assert first["Taux"] == "0,5"
    assert first["Gratification"] == "12,50"
    assert first["Signée"] == "oui"
    assert first["Tuteurs"] == "Mme Martin, M. Durand"
    assert first["Note"] == ""
    second = dict(zip(table[0], table[2]))
    assert second["Gratification"] == "1234,50"  # no thousands separator
    assert second["Signée"] == "non"
    assert [row[0] for row in table[1:5]] == ["'" + HOSTILE, "'+33 6 12", "'@SUM(A1)", "'\rRetour"]
    assert [row[-1] for row in table[2:5]] == ["'-moins", "'\tTab", " =1+1"]
    assert table[5][0] == "'" + HOSTILE


def test_csv_separate_tables_and_union_of_columns() -> None:
    a = Sheet("A", [Column("x", "X")], [{"x": "1"}])
    b = Sheet("B", [Column("y", "Y"), Column("x", "X")], [{"x": "2", "y": "3"}])
    assert _read_csv(csv_bytes([a, b])) == [["X", "Y"], ["1", ""], ["2", "3"]]
    assert _read_csv(csv_bytes([a, b], one_table=False)) == [["X"], ["1"], [], ["Y", "X"], ["3", "2"]]
    with pytest.raises(ValueError):
        csv_bytes([])


def test_neutralised_only_looks_at_the_first_character() -> None:
    assert [neutralised(text) for text in ("=1", "+1", "-1", "@x", "\tx", "\rx")] == ["'=1", "'+1", "'-1", "'@x", "'\tx", "'\rx"]
    assert neutralised(" =1") == " =1"
    assert neutralised("Élodie") == "Élodie"
    assert neutralised("\x01=1") == "'=1"  # the control character XML cannot hold goes first


def test_odd_values() -> None:
    columns = [Column("v", "V", "decimal")]
    rows = [{"v": float("nan")}, {"v": Decimal("Infinity")}, {"v": 1e-05}, {"v": dt.datetime(2026, 1, 12, 8, 30)}, {"v": "\x02=2"}]
    assert [row[0] for row in _read_csv(csv_bytes([Sheet("A", columns, rows)]))[1:]] == ["nan", "Infinity", "0,00001", "12/01/2026", "'=2"]
    ws = load_workbook(io.BytesIO(xlsx_bytes([Sheet("A", columns, rows)]))).active
    assert [ws.cell(row, 1).value for row in (2, 3, 4)] == ["nan", "Infinity", 1e-05]
    assert ws.cell(5, 1).value == dt.datetime(2026, 1, 12) and ws.cell(6, 1).value == "'=2"


def test_sheet_names_valid_and_unique() -> None:
    names = sheet_names(["1re MELEC", "1RE melec", "Tle [A/B]: *?", "", "x" * 40, "x" * 40, "'quoted'", "History"])
    assert names[:4] == ["1re MELEC", "1RE melec (2)", "Tle -A-B-- --", "Feuille"]
    assert names[4] == "x" * 31 and names[5] == "x" * 27 + " (2)"
    assert names[6] == "quoted" and names[7] == "History (2)"
    assert len({name.casefold() for name in names}) == len(names)
    assert all(0 < len(name) <= 31 and not set(name) & set("[]:*?/\\") for name in names)
    assert sheet_names([""], "en") == ["Sheet"]


def test_xlsx_read_back(tmp_path) -> None:
    path = tmp_path / "status.xlsx"
    path.write_bytes(xlsx_bytes(_sheets(), title="Suivi PFMP"))
    book = load_workbook(path)
    assert book.sheetnames == ["1re MELEC", "1RE melec (2)", "Tle -A-B-- --", "Feuille"]
    assert book.properties.creator == "convgen" and book.properties.title == "Suivi PFMP"
    ws = book["1re MELEC"]
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == "A1:H5"
    assert book["Feuille"].auto_filter.ref == "A1:H1"
    assert [cell.value for cell in ws[1]] == [column.title for column in COLUMNS]
    assert all(cell.font.bold for cell in ws[1])
    name, born, days, rate, pay, signed, tutors, note = ws[2]
    assert name.data_type == "s" and name.value == "'" + HOSTILE
    assert born.is_date and born.value.date() == dt.date(2010, 9, 14) and born.number_format == "DD/MM/YYYY"
    assert days.value == -3 and days.data_type == "n"
    assert rate.value == 0.5
    assert pay.data_type == "n" and pay.value == 12.5 and "0.00" in pay.number_format
    assert signed.value == "oui" and tutors.value == "Mme Martin, M. Durand" and note.value is None
    assert [ws.cell(row, 1).value for row in range(3, 5)] == ["'+33 6 12", "'@SUM(A1)"]
    # Without lxml, openpyxl writes the CR bare and XML reads it back as a line feed.
    assert ws.cell(5, 1).value in ("'\rRetour", "'\nRetour")
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f"
                assert not (isinstance(cell.value, str) and cell.value.startswith("="))
    widths = {letter: ws.column_dimensions[letter].width for letter in "ABCDEFGH"}
    assert widths["A"] == len(HOSTILE) + 3  # the longest text, its prefix, and a margin
    assert widths["H"] == 30
    assert all(6 <= width <= 60 for width in widths.values())


def test_xlsx_long_text_width_is_bounded() -> None:
    blob = xlsx_bytes([Sheet("A", [Column("t", "T")], [{"t": "y" * 500}])])
    assert load_workbook(io.BytesIO(blob)).active.column_dimensions["A"].width == 60


def test_xlsx_needs_a_sheet() -> None:
    with pytest.raises(ValueError):
        xlsx_bytes([])


def test_deterministic_bytes() -> None:
    first = xlsx_bytes(_sheets())
    time.sleep(1.1)
    assert xlsx_bytes(_sheets()) == first
    assert csv_bytes(_sheets()) == csv_bytes(_sheets())
    archive = zipfile.ZipFile(io.BytesIO(first))
    assert archive.namelist()[0] == "[Content_Types].xml"
    assert {info.date_time for info in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}
    core = archive.read("docProps/core.xml").decode()
    assert core.count("2000-01-01T00:00:00Z") == 2
    assert b"penpyxl" not in archive.read("docProps/app.xml")  # no version that an upgrade would change


def test_importing_does_not_load_openpyxl() -> None:
    code = "import sys, convgen.documents.sheets; assert 'openpyxl' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


# The project's own way of naming LibreOffice, then PATH.
SOFFICE = os.environ.get("CONVGEN_SOFFICE", "").strip() or shutil.which("soffice")


@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed")
def test_libreoffice_opens_without_evaluating(tmp_path) -> None:
    from openpyxl import Workbook

    source = tmp_path / "status.xlsx"
    source.write_bytes(xlsx_bytes(_sheets()))
    # A workbook openpyxl writes by itself: when even this one does not convert, the
    # LibreOffice installed has no Calc (Debian's writer-only packages), which is no fault of ours.
    control = tmp_path / "control.xlsx"
    Workbook().save(control)
    out = tmp_path / "out"
    command = [
        SOFFICE,
        f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}",
        "--headless",
        "--convert-to",
        # UTF-8, comma-separated, cells written as shown: the date and money formats are checked too.
        "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,true",
        "--outdir",
        str(out),
        str(control),
        str(source),
    ]
    subprocess.run(command, timeout=120, capture_output=True)
    if not (out / "control.csv").exists():
        pytest.skip("this LibreOffice cannot open spreadsheets (no Calc)")
    rows = list(csv.reader(io.StringIO((out / "status.csv").read_text(encoding="utf-8", errors="replace"), newline="")))
    assert rows[0][0] == "Nom"
    names = [row[0] for row in rows[1:]]
    assert "HYPERLINK" in names[0] and names[0] != "y"
    assert names[1] == "'+33 6 12" and names[2] == "'@SUM(A1)"
    assert rows[1][1] == "14/09/2010"
    assert rows[1][4].startswith("12.50") and rows[1][4].endswith("€")
