"""Rosters: class lists as schools export them (CSV in UTF-8 or Windows-1252, XLSX), their
columns found by the usual export headers, and what is said of what they hold."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path

import pytest

from convgen.errors import UsageError
from convgen.findings import MAX_FINDINGS
from convgen.source.roster import MAX_ROSTER_BYTES, Roster, RosterPupil, read_roster
from convgen.source.tables import (
    MAX_SHEET_CELLS,
    XLSX_INFLATION,
    TableError,
    decode_table,
    header_key,
    header_role,
    sniff,
    xlsx_text,
)

LIMIT = XLSX_INFLATION * MAX_ROSTER_BYTES


def write_xlsx(path: Path, rows: list[list[object]], sheet_first: list[list[object]] | None = None) -> Path:
    """A workbook whose first sheet holds `rows` (None leaves a cell empty, [] a row)."""
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for number, row in enumerate(rows, 1):
        for column, value in enumerate(row, 1):
            if value is not None:
                sheet.cell(row=number, column=column, value=value)
    workbook.create_sheet("autre").append(["NOM", "PRENOM"])  # only the first sheet is read
    workbook.save(path)
    return path


def roster_of(path: Path, text: str, encoding: str = "utf-8", **options) -> Roster:
    path.write_bytes(text.encode(encoding))
    return read_roster(path, path.name, **options)


def refusal(path: Path, **options) -> UsageError:
    with pytest.raises(UsageError) as raised:
        read_roster(path, path.name, **options)
    assert raised.value.exit_code == 2
    return raised.value


def names(roster: Roster) -> list[tuple[str, str, dt.date]]:
    return [(pupil.last_name, pupil.first_name, pupil.birth_date) for pupil in roster.pupils]


def where(roster: Roster) -> list[tuple[str, int, int, str]]:
    return [(finding.file, finding.line, finding.column, finding.field) for finding in roster.findings]


# ---------------------------------------------------------------- encodings and delimiters


def test_a_windows_1252_export_with_french_headers(tmp_path: Path) -> None:
    text = "NOM;PRENOM;DATE NAISS;DIVISION\r\nLefèvre;Hélène;14/09/2010;1MVA\r\nN'Diaye;Chloé;02/03/2008;1MVB\r\n"
    roster = roster_of(tmp_path / "eleves.csv", text, "cp1252")
    assert roster.encoding == "windows-1252" and roster.file == "eleves.csv" and not roster.findings
    assert roster.pupils == [
        RosterPupil("Lefèvre", "Hélène", dt.date(2010, 9, 14), "1MVA", None, None, None, "eleves.csv", 2),
        RosterPupil("N'Diaye", "Chloé", dt.date(2008, 3, 2), "1MVB", None, None, None, "eleves.csv", 3),
    ]
    assert roster.notes[0].fr == "liste « eleves.csv » lue en Windows-1252 (deviné : ce n'est pas de l'UTF-8)."
    assert roster.notes[0].en == "list 'eleves.csv' read as Windows-1252 (guessed: it is not UTF-8)."
    assert [note.fr for note in roster.notes[1:]] == [
        "liste « eleves.csv » : colonnes reconnues : « NOM » (nom), « PRENOM » (prénom), « DATE NAISS » (date de naissance), « DIVISION » (classe)."
    ]


def test_utf8_with_a_bom_and_spreadsheet_headers(tmp_path: Path) -> None:
    text = "\ufeffNom de famille,Prénom,Né(e) le,Classe\nLefèvre,Hélène,2010-09-14,1re MELEC\nMartin,Chloé,4/9/2009,\n"
    roster = roster_of(tmp_path / "liste.csv", text)
    assert roster.encoding == "utf-8-sig" and not roster.findings
    assert names(roster) == [("Lefèvre", "Hélène", dt.date(2010, 9, 14)), ("Martin", "Chloé", dt.date(2009, 9, 4))]
    assert [pupil.class_name for pupil in roster.pupils] == ["1re MELEC", None]
    assert not any("Windows-1252" in note.fr for note in roster.notes)  # UTF-8 is no guess
    assert roster_of(tmp_path / "plain.csv", text.lstrip("\ufeff")).encoding == "utf-8"


def test_tab_separated_with_the_optional_columns(tmp_path: Path) -> None:
    text = "NOM_ELEVE\tPRENOM_ELEVE\tDATE_NAISSANCE\tCLASSE\tINE\tCODE_MEF\tEMAIL\n"
    text += "Durand\tInès\t03.02.2010\t2nde 3\t 1234567890a \t24720008310\tines.durand@example.fr\n"
    roster = roster_of(tmp_path / "export.tsv", text)
    (pupil,) = roster.pupils
    assert (pupil.birth_date, pupil.class_name, pupil.ine, pupil.mef, pupil.email) == (
        dt.date(2010, 2, 3),
        "2nde 3",
        "1234567890A",
        "24720008310",
        "ines.durand@example.fr",
    )


@pytest.mark.parametrize(
    ("raw", "encoding", "guessed"),
    [
        ("Hélène".encode(), "utf-8", False),
        (b"\xef\xbb\xbf" + "Hélène".encode(), "utf-8-sig", False),
        ("Hélène".encode("cp1252"), "windows-1252", True),
        (b"NOM;PRENOM\n", "utf-8", False),
    ],
)
def test_decode_table(raw: bytes, encoding: str, guessed: bool) -> None:
    decoded = decode_table(raw)
    assert (decoded.encoding, decoded.guessed) == (encoding, guessed)
    assert decoded.text.lstrip("\ufeff") in ("Hélène", "NOM;PRENOM\n")


@pytest.mark.parametrize(
    ("raw", "fragment", "line"),
    [
        ("NOM\n".encode("utf-16"), "UTF-16", 1),
        (b"NOM\nDu\x00pont\n", "octet nul (ligne 2)", 2),
        (b"NOM\nDu\x81pont\n", "ni en UTF-8 ni en Windows-1252 (octet 0x81 ligne 2)", 2),
        (b"\xef\xbb\xbfNOM\nH\xe9l\xe8ne\n", "en UTF-8 sauf l'octet 0xE9 ligne 2", 2),  # a BOM says UTF-8
        ("NOM\nHélène\n".encode() + b"Chlo\xe9\n", "en UTF-8 sauf l'octet 0xE9 ligne 3", 3),  # two encodings mixed
    ],
)
def test_bytes_that_are_no_text_are_refused_at_their_line(raw: bytes, fragment: str, line: int) -> None:
    with pytest.raises(TableError) as raised:
        decode_table(raw)
    assert fragment in raised.value.said.fr and raised.value.line == line
    assert "Excel" in raised.value.hinted.en


def test_a_roster_that_is_no_text_is_a_usage_error_naming_it(tmp_path: Path) -> None:
    (tmp_path / "eleves.csv").write_bytes(b"NOM;PRENOM;DATE NAISS\nDu\x8fpont;Jean;01/01/2010\n")
    error = refusal(tmp_path / "eleves.csv")
    assert error.text("fr") == (
        "liste de classe « eleves.csv » illisible : le fichier n'est ni en UTF-8 ni en Windows-1252 (octet 0x8F ligne 2)."
    )
    assert error.text("en") == "unreadable class list 'eleves.csv': the file is neither UTF-8 nor Windows-1252 (byte 0x8F on line 2)."
    assert "CSV UTF-8" in error.hint_text("fr")


def test_the_delimiter_is_the_one_that_cuts_the_header_most() -> None:
    assert sniff("\n\nNOM;PRENOM;DATE\n") == ";"
    assert sniff("NOM,PRENOM;DATE,CLASSE\n") == ","
    assert sniff("NOM\tPRENOM\tDATE\n") == "\t"
    assert sniff('"NOM;X",PRENOM,DATE\n') == ","


# ---------------------------------------------------------------- headers


@pytest.mark.parametrize(
    ("header", "key", "role"),
    [
        ("Né(e) le", "neele", "birth_date"),
        ("DATE_NAISSANCE", "datenaissance", "birth_date"),
        ("Date de naissance", "datedenaissance", "birth_date"),
        ("Nom de famille", "nomdefamille", "last_name"),
        ("\ufeffNOM", "nom", "last_name"),
        ("  prénom ", "prenom", "first_name"),
        ("Prénom 1", "prenom1", "first_name"),
        ("DIVISION", "division", "class_name"),
        ("Numéro INE", "numeroine", "ine"),
        ("CODE_MEF", "codemef", "mef"),
        ("LIBELLE_MEF", "libellemef", None),  # a label, not the code
        ("Mél", "mel", "email"),
        ("name", "name", None),  # last name or whole name: ambiguous
    ],
)
def test_headers_are_matched_without_case_accents_spaces_or_underscores(header: str, key: str, role: str | None) -> None:
    assert header_key(header) == key
    assert header_role(header) == role


def test_every_usual_export_name_is_known() -> None:
    expected = {
        "last_name": "nom nomeleve nomdefamille nomdusage nomfamille lastname",
        "first_name": "prenom prenomeleve prenom1 firstname",
        "birth_date": "datenaiss datenaissance datedenaissance neele nele neeele naissance birthdate dateofbirth",
        "class_name": "division classe class div",
        "ine": "ine numeroine ineeleve",
        "mef": "mef codemef",
        "email": "email mail courriel mel adressemail emaileleve",
    }
    for role, keys in expected.items():
        for key in keys.split():
            assert header_role(key) == role, key


def test_unknown_columns_are_said_once_whatever_the_rows(tmp_path: Path) -> None:
    text = "NOM;Sexe;PRENOM;DATE NAISS;Régime;LIBELLE_MEF;\n" + "Martin;F;Léa;01/02/2010;DP;1PRO MELEC;\n" * 300
    roster = roster_of(tmp_path / "eleves.csv", text)
    assert len(roster.pupils) == 300 and not roster.findings
    ignored = [note for note in roster.notes if "ignorées" in note.fr]
    assert [note.fr for note in ignored] == [
        "liste « eleves.csv » : colonnes ignorées (en-têtes inconnus) : « Sexe », « Régime », « LIBELLE_MEF »."
    ]
    assert ignored[0].en == "list 'eleves.csv': columns ignored (unknown headers): 'Sexe', 'Régime', 'LIBELLE_MEF'."
    assert not any("Martin" in note.fr or "Léa" in note.fr or "1PRO" in note.fr for note in roster.notes)  # headers only


def test_two_columns_for_one_role_the_first_wins_and_the_other_is_said(tmp_path: Path) -> None:
    text = "NOM;Nom d'usage;PRENOM;DATE NAISS;Né(e) le\nMartin;Dupont;Léa;01/02/2010;illisible\n"
    roster = roster_of(tmp_path / "eleves.csv", text)
    assert names(roster) == [("Martin", "Léa", dt.date(2010, 2, 1))] and not roster.findings
    said = [note.fr for note in roster.notes if "ignorée :" in note.fr]
    assert said == [
        "liste « eleves.csv » : colonne « Nom d'usage » ignorée : le nom est déjà dans la colonne « NOM ».",
        "liste « eleves.csv » : colonne « Né(e) le » ignorée : la date de naissance est déjà dans la colonne « DATE NAISS ».",
    ]


def test_a_missing_column_is_a_usage_error_naming_the_role_and_the_headers(tmp_path: Path) -> None:
    (tmp_path / "eleves.csv").write_text("NOM;PRENOM;Classe\nMartin;Léa;1MVA\n", encoding="utf-8")
    error = refusal(tmp_path / "eleves.csv")
    assert error.text("fr") == (
        "liste de classe « eleves.csv » : pas de colonne pour la date de naissance (en-têtes trouvés : « NOM », « PRENOM », « Classe »)."
    )
    assert error.text("en") == "class list 'eleves.csv': no column for the birth date (headers found: 'NOM', 'PRENOM', 'Classe')."
    assert error.hint_text("fr").startswith("en-têtes reconnus pour la date de naissance : DATE NAISS, DATE_NAISSANCE,")
    assert "Né(e) le" in error.hint_text("en") and "Martin" not in error.text("fr")


def test_the_header_is_the_first_non_empty_row(tmp_path: Path) -> None:
    roster = roster_of(tmp_path / "eleves.csv", "\n;;\n\nNOM;PRENOM;DATE NAISS\n\nMartin;Léa;01/02/2010\n")
    assert [(pupil.last_name, pupil.line) for pupil in roster.pupils] == [("Martin", 6)]


def test_an_empty_list_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "eleves.csv").write_text("\n\n", encoding="utf-8")
    assert "vide" in refusal(tmp_path / "eleves.csv").text("fr")


# ---------------------------------------------------------------- rows


def test_rows_without_a_name_or_birth_date_are_findings_at_their_cell(tmp_path: Path) -> None:
    text = (
        "NOM;PRENOM;DATE NAISS;DIVISION\n"  # 1
        "Martin;Léa;01/02/2010;1MVA\n"  # 2
        ";Hugo;03/04/2010;1MVA\n"  # 3: no last name, column 1
        "Roux;;05/06/2010;1MVA\n"  # 4: no first name, column 6
        "Petit;Zoé;;1MVA\n"  # 5: no birth date, column 11
        "\n"  # 6: skipped
        ";;;\n"  # 7: skipped
        "Faure;Noé;31/02/2010;1MVA\n"  # 8: impossible date, column 11
        'Blanc;"Inès; Marie";14/9/10;1MVA\n'  # 9: two-digit year, column 21 (after the quoted cell)
        "Henry;Paul\n"  # 10: no birth-date cell at all: where it would start
    )
    roster = roster_of(tmp_path / "eleves.csv", text)
    assert names(roster) == [("Martin", "Léa", dt.date(2010, 2, 1))]
    assert where(roster) == [
        ("eleves.csv", 3, 1, "last_name"),
        ("eleves.csv", 4, 6, "first_name"),
        ("eleves.csv", 5, 11, "birth_date"),
        ("eleves.csv", 8, 11, "birth_date"),
        ("eleves.csv", 9, 21, "birth_date"),
        ("eleves.csv", 10, 12, "birth_date"),
    ]
    assert all(finding.rule == "ROSTER" and finding.is_error for finding in roster.findings)
    messages = [finding.message for finding in roster.findings]
    assert messages[0] == "élève sans nom : la cellule de la colonne « NOM » est vide."
    assert messages[3] == "date de naissance « 31/02/2010 » impossible : ce jour n'existe pas."
    assert messages[4] == "date de naissance « 14/9/10 » illisible : JJ/MM/AAAA ou AAAA-MM-JJ attendu (par exemple 14/09/2010)."
    # The cell in question only: never the pupil's other cells.
    for private in ("Hugo", "Roux", "Petit", "Zoé", "Faure", "Noé", "Blanc", "Inès", "Henry", "Paul", "1MVA"):
        assert not any(private in message for message in messages), private
    assert [(finding.column, finding.end_column) for finding in roster.findings[3:5]] == [(11, 21), (21, 28)]
    english = read_roster(tmp_path / "eleves.csv", "eleves.csv", lang="en")
    assert english.findings[0].message == "pupil without a last name: the cell of column 'NOM' is empty."
    assert english.findings[4].message.startswith("unreadable birth date '14/9/10': DD/MM/YYYY or YYYY-MM-DD expected")


@pytest.mark.parametrize(
    ("text", "date"),
    [
        ("14/09/2010", dt.date(2010, 9, 14)),
        ("4/9/2010", dt.date(2010, 9, 4)),
        ("14.09.2010", dt.date(2010, 9, 14)),
        ("14-09-2010", dt.date(2010, 9, 14)),
        ("2010-09-14", dt.date(2010, 9, 14)),
        ("2010-09-14 00:00:00", dt.date(2010, 9, 14)),
        ("14/09/10", None),
        ("14/09-2010", None),
        ("2010/09/14", None),
        ("29/02/2011", None),
        ("demain", None),
    ],
)
def test_birth_dates_as_exports_write_them(tmp_path: Path, text: str, date: dt.date | None) -> None:
    roster = roster_of(tmp_path / "eleves.csv", f"NOM;PRENOM;DATE NAISS\nMartin;Léa;{text}\n")
    assert [pupil.birth_date for pupil in roster.pupils] == ([date] if date else [])
    assert len(roster.findings) == (0 if date else 1)


def test_findings_are_capped_after_a_screenful(tmp_path: Path) -> None:
    roster = roster_of(tmp_path / "eleves.csv", "NOM;PRENOM;DATE NAISS\n" + ";;01/01/2010\n" * 1000)
    assert len(roster.findings) == MAX_FINDINGS + 1
    assert roster.findings[-1].message.startswith("… et 1900 autres problèmes")


def test_a_quote_left_open_is_a_finding_at_its_line(tmp_path: Path) -> None:
    roster = roster_of(tmp_path / "eleves.csv", 'NOM;PRENOM;DATE NAISS\nMartin;Léa;01/02/2010\nRoux;"Zoé;01/02/2010\n')
    assert names(roster) == [("Martin", "Léa", dt.date(2010, 2, 1))]
    (finding,) = roster.findings
    assert finding.rule == "ROSTER" and finding.file == "eleves.csv" and "CSV illisible" in finding.message


def test_a_roster_of_10000_rows(tmp_path: Path) -> None:
    rows = "".join(f"Nom{index};Prénom{index};{1 + index % 28:02d}/{1 + index % 12:02d}/2010;1MV{index % 9}\n" for index in range(10_000))
    roster = roster_of(tmp_path / "eleves.csv", "NOM;PRENOM;DATE NAISS;DIVISION\n" + rows, "cp1252")
    assert len(roster.pupils) == 10_000 and not roster.findings
    assert roster.pupils[-1] == RosterPupil("Nom9999", "Prénom9999", dt.date(2010, 4, 4), "1MV0", None, None, None, "eleves.csv", 10_001)


def test_a_roster_past_its_rows_is_a_usage_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import convgen.source.roster

    monkeypatch.setattr(convgen.source.roster, "MAX_ROSTER_ROWS", 1000)
    (tmp_path / "eleves.csv").write_text("NOM;PRENOM;DATE NAISS\n" + "Martin;Léa;01/02/2010\n" * 1001, encoding="utf-8")
    assert (
        refusal(tmp_path / "eleves.csv").text("fr")
        == "liste de classe « eleves.csv » : plus de 1 000 élèves ; ce n'est pas une liste de classe."
    )


# ---------------------------------------------------------------- XLSX


def test_an_xlsx_with_real_and_text_dates(tmp_path: Path) -> None:
    path = write_xlsx(
        tmp_path / "eleves.xlsx",
        [
            ["NOM", "Prénom", "Date de naissance", "Classe", "INE", "Sexe"],  # 1
            ["Lefèvre", "Hélène", dt.datetime(2010, 9, 14), "1MVA", "1234567890a", "F"],  # 2
            [],  # 3: an empty row keeps its line
            ["Martin", "Chloé", "02/03/2008", 1.0, None, None],  # 4
            ["N'Diaye", "Moussa", dt.date(2011, 6, 20), "1MVA"],  # 5
            ["Roux", None, dt.date(2011, 6, 20), "1MVA"],  # 6: no first name
            ["Petit", "Zoé", "31/02/2010", "1MVA"],  # 7: impossible date
        ],
    )
    roster = read_roster(path, "eleves.xlsx")
    assert roster.encoding == "xlsx"
    assert names(roster) == [
        ("Lefèvre", "Hélène", dt.date(2010, 9, 14)),
        ("Martin", "Chloé", dt.date(2008, 3, 2)),
        ("N'Diaye", "Moussa", dt.date(2011, 6, 20)),
    ]
    assert [pupil.line for pupil in roster.pupils] == [2, 4, 5]  # the spreadsheet's row numbers
    assert [pupil.class_name for pupil in roster.pupils] == ["1MVA", "1", "1MVA"]
    assert roster.pupils[0].ine == "1234567890A"
    assert where(roster) == [("eleves.xlsx", 6, 6, "first_name"), ("eleves.xlsx", 7, 11, "birth_date")]
    assert any(note.fr.endswith("colonnes ignorées (en-têtes inconnus) : « Sexe ».") for note in roster.notes)


def test_xlsx_text_writes_one_csv_line_per_row(tmp_path: Path) -> None:
    path = write_xlsx(
        tmp_path / "t.xlsx",
        [
            [None, "a;b", 'dit "oui"'],
            [],
            [dt.datetime(2010, 9, 14, 13, 5), dt.date(2011, 1, 2), dt.time(8, 30), 14.0, 1.5, 41234567000019, True, False],
            ["ligne\nsuivante\r\nencore", None, None],
        ],
    )
    text = xlsx_text(path.read_bytes(), LIMIT)
    assert text.split("\n") == [
        ';"a;b";"dit ""oui"""',
        "",
        "2010-09-14;2011-01-02;08:30;14;1.5;41234567000019;true;false",
        "ligne suivante encore",
        "",
    ]


def test_xls_and_ods_are_refused_with_the_way_to_fix_it(tmp_path: Path) -> None:
    for name in ("eleves.xls", "eleves.ods"):
        (tmp_path / name).write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100)
        error = refusal(tmp_path / name)
        assert error.text("fr") == f"liste de classe « {name} » refusée : un classeur .xls ou .ods n'est pas lu."
        assert error.hint_text("en") == "save it as .xlsx or CSV from the spreadsheet software."
    # An old workbook under the new name: said for what it is.
    (tmp_path / "vieux.xlsx").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100)
    assert "ancien format (.xls)" in refusal(tmp_path / "vieux.xlsx").text("fr")


def zipped(parts: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        (b"NOM;PRENOM\x00", "ce n'est pas un classeur XLSX : enregistrez-le en .xlsx ou en CSV"),
        (b"PK\x03\x04 truncated", "ce n'est pas un classeur XLSX"),
        (zipped({"word/document.xml": b"<w/>"}), "ce n'est pas un classeur XLSX"),
        (zipped({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w/>"}), "ce n'est pas un classeur XLSX"),
        (zipped({"mimetype": b"application/vnd.oasis.opendocument.spreadsheet"}), "classeur OpenDocument (.ods)"),
        (zipped({"[Content_Types].xml": b"<Types/>", "xl/worksheets/sheet1.xml": b"\x00" * (30 << 20)}), "se décompresse"),
    ],
    ids=["not-a-zip", "truncated", "no-content-types", "a-docx", "an-ods", "a-zip-bomb"],
)
def test_a_workbook_that_is_none_is_refused_cleanly(tmp_path: Path, raw: bytes, fragment: str) -> None:
    (tmp_path / "eleves.xlsx").write_bytes(raw)
    error = refusal(tmp_path / "eleves.xlsx")
    assert error.text("fr").startswith("liste de classe « eleves.xlsx » illisible : ") and fragment in error.text("fr")
    assert "eleves.xlsx" in error.text("en")


def test_a_workbook_inflating_past_the_limit_is_refused_before_it_is_parsed(tmp_path: Path) -> None:
    path = write_xlsx(
        tmp_path / "eleves.xlsx", [["NOM", "PRENOM", "DATE NAISS"]] + [[f"Nom{index}", "Léa", "01/02/2010"] for index in range(3000)]
    )
    assert len(read_roster(path, "eleves.xlsx").pupils) == 3000
    error = refusal(path, max_bytes=path.stat().st_size + 10)  # the parts are allowed 4 times that, and take more
    assert "une fois décompressé" in error.text("fr") and "uncompressed" in error.text("en")
    with pytest.raises(TableError):
        xlsx_text(path.read_bytes(), 1000)


def test_a_truncated_workbook_is_refused_cleanly(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "eleves.xlsx", [["NOM", "PRENOM", "DATE NAISS"], ["Martin", "Léa", "01/02/2010"]])
    raw = path.read_bytes()
    for cut in (len(raw) // 3, len(raw) - 30):
        path.write_bytes(raw[:cut])
        assert "classeur XLSX" in refusal(path).text("fr")


def test_a_sheet_too_wide_to_read_is_refused() -> None:
    # One cell far to the right makes its row as wide: rows of them would take hours.
    rows = "".join(f'<row r="{row}"><c r="XFD{row}"><v>1</v></c></row>' for row in range(1, MAX_SHEET_CELLS // 16384 + 3))
    sheet = f'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>{rows}</sheetData></worksheet>'
    raw = minimal_xlsx(sheet)
    with pytest.raises(TableError) as raised:
        xlsx_text(raw, LIMIT)
    assert "cellules" in raised.value.said.fr


def minimal_xlsx(sheet: str) -> bytes:
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    relations = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    package = "http://schemas.openxmlformats.org/package/2006/relationships"
    return zipped(
        {
            "[Content_Types].xml": (
                b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                b'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                b'<Default Extension="xml" ContentType="application/xml"/>'
                b'<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
                b'<Override PartName="/xl/worksheets/sheet1.xml" '
                b'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>'
            ),
            "_rels/.rels": (
                f'<Relationships xmlns="{package}"><Relationship Id="rId1" '
                f'Type="{relations}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
            ).encode(),
            "xl/workbook.xml": (
                f'<workbook xmlns="{main}" xmlns:r="{relations}"><sheets><sheet name="A" sheetId="1" r:id="rId1"/></sheets></workbook>'
            ).encode(),
            "xl/_rels/workbook.xml.rels": (
                f'<Relationships xmlns="{package}"><Relationship Id="rId1" '
                f'Type="{relations}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
            ).encode(),
            "xl/worksheets/sheet1.xml": sheet.encode(),
        }
    )


def test_a_minimal_workbook_from_another_program_is_read() -> None:
    sheet = (
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><dimension ref="A1"/><sheetData>'
        '<row r="2"><c r="A2" t="inlineStr"><is><t>NOM</t></is></c><c r="C2" t="inlineStr"><is><t>Prénom</t></is></c></row>'
        "</sheetData></worksheet>"
    )  # a wrong dimension: every cell is read all the same
    assert xlsx_text(minimal_xlsx(sheet), LIMIT) == "\nNOM;;Prénom\n"


# ---------------------------------------------------------------- files


def test_a_missing_or_unreadable_roster_is_a_usage_error_naming_it(tmp_path: Path) -> None:
    assert refusal(tmp_path / "absente.csv").text("fr") == "liste de classe introuvable : « absente.csv »."
    (tmp_path / "dossier.csv").mkdir()
    assert "dossier.csv" in refusal(tmp_path / "dossier.csv").text("en")
    (tmp_path / "eleves.pdf").write_bytes(b"%PDF")
    assert refusal(tmp_path / "eleves.pdf").text("en") == "class list 'eleves.pdf' refused: a .csv, .tsv, .txt or .xlsx file is expected."


def test_a_roster_past_its_size_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "eleves.csv").write_text("NOM;PRENOM;DATE NAISS\n" + "Martin;Léa;01/02/2010\n" * 100, encoding="utf-8")
    error = refusal(tmp_path / "eleves.csv", max_bytes=1000)
    assert error.text("fr") == "liste de classe « eleves.csv » trop grosse (2 322 octets, limite 1 000)."


def test_a_workbook_under_a_csv_name_is_read_as_the_workbook_it_is(tmp_path: Path) -> None:
    write_xlsx(tmp_path / "eleves.xlsx", [["NOM", "PRENOM", "DATE NAISS"], ["Martin", "Léa", dt.date(2010, 2, 1)]])
    (tmp_path / "eleves.csv").write_bytes((tmp_path / "eleves.xlsx").read_bytes())
    roster = read_roster(tmp_path / "eleves.csv", "eleves.csv")
    assert roster.encoding == "xlsx" and names(roster) == [("Martin", "Léa", dt.date(2010, 2, 1))]
