"""Tables as schools' software writes them: what rosters and campaigns' class lists share.

A school's class list comes from Excel, LibreOffice or the school's own systems: CSV in
UTF-8 or, as French spreadsheet software still writes it, Windows-1252, or an XLSX
workbook. Both readers take it from here as the text of a CSV, one line per row, so that
a finding's line is the row a spreadsheet shows, and read its records with the line and
column of each cell. Nothing here knows what a row means.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import unicodedata
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import accumulate, islice, tee
from typing import Any

from convgen.errors import UsageError
from convgen.i18n import Msg, number
from convgen.text import line_column

DELIMITERS = (";", ",", "\t")


CSV_SUFFIXES = (".csv", ".tsv", ".txt")
XLSX_SUFFIXES = (".xlsx",)
TABLE_SUFFIXES = CSV_SUFFIXES + XLSX_SUFFIXES
OLD_SPREADSHEETS = (".xls", ".ods")
"""Workbooks convgen does not read: the old binary Excel format and OpenDocument; saved as
.xlsx or CSV, they are."""


XLSX_INFLATION = 4
"""An XLSX's parts may take, uncompressed, 4 times the size allowed for the file: its
sheet spells each cell out in XML (a CSV's `Martin;` is `<c r="A2" t="s"><v>7</v></c>`),
and openpyxl takes seconds per ten megabytes of it."""


MAX_RATIO = 500
"""Compression ratio past which a workbook's part is a decompression bomb: a sheet's XML
compresses some 10 to 50 times, and deflate cannot go much past 1,000."""


MAX_PARTS = 10_000
"""Parts of one workbook (a class list's has about ten)."""


MAX_SHEET_CELLS = 10_000_000
"""Cells of a sheet read, empty ones inside a row included: a cell far to the right makes
its row that wide, and a sheet of such rows would otherwise take hours to read."""


M_UTF16 = Msg("le fichier est en UTF-16", "the file is UTF-16")
M_NUL = Msg(
    "le fichier contient un octet nul (ligne {line}) : ce n'est pas un fichier texte CSV",
    "the file contains a NUL byte (line {line}): it is not a CSV text file",
)
M_MIXED = Msg(
    "le fichier est en UTF-8 sauf l'octet 0x{byte:02X} ligne {line} : deux encodages s'y mêlent",
    "the file is UTF-8 except for byte 0x{byte:02X} on line {line}: two encodings are mixed in it",
)
M_NOT_1252 = Msg(
    "le fichier n'est ni en UTF-8 ni en Windows-1252 (octet 0x{byte:02X} ligne {line})",
    "the file is neither UTF-8 nor Windows-1252 (byte 0x{byte:02X} on line {line})",
)
H_SAVE_UTF8 = Msg(
    "Dans Excel : « Enregistrer sous » → « CSV UTF-8 (délimité par des virgules) » ; dans LibreOffice : jeu de caractères « Unicode (UTF-8) ».",
    "In Excel: 'Save as' → 'CSV UTF-8 (comma delimited)'; in LibreOffice: character set 'Unicode (UTF-8)'.",
)
M_NOT_XLSX = Msg(
    "ce n'est pas un classeur XLSX : enregistrez-le en .xlsx ou en CSV",
    "not an XLSX workbook: save it as .xlsx or CSV",
)
M_OLD_EXCEL = Msg(
    "c'est un classeur Excel ancien format (.xls) ou protégé par un mot de passe : enregistrez-le en .xlsx (sans mot de passe) ou en CSV",
    "it is an old-format Excel workbook (.xls) or one protected by a password: save it as .xlsx (without a password) or CSV",
)
M_ODS = Msg(
    "c'est un classeur OpenDocument (.ods) : enregistrez-le en .xlsx ou en CSV",
    "it is an OpenDocument workbook (.ods): save it as .xlsx or CSV",
)
M_XLSX_TOO_BIG = Msg(
    "le classeur fait {size} octets une fois décompressé (limite {limit}) : enregistrez en CSV la seule feuille de la liste",
    "the workbook takes {size} bytes uncompressed (limit {limit}): save the list's sheet alone as CSV",
)
M_XLSX_BOMB = Msg(
    "une partie du classeur se décompresse {ratio} fois : ce n'est pas une liste enregistrée par un tableur",
    "a part of the workbook inflates {ratio} times: it is not a list saved by spreadsheet software",
)
M_XLSX_CELLS = Msg(
    "la première feuille du classeur a plus de {limit} cellules (lignes × colonnes) : enregistrez la liste seule en CSV",
    "the workbook's first sheet has more than {limit} cells (rows × columns): save the list alone as CSV",
)
M_NO_SHEET = Msg("le classeur n'a aucune feuille de calcul", "the workbook has no worksheet")


class TableError(UsageError):
    """Bytes that are no table convgen reads, said as a clause the reader puts after the
    file's name; `line` and `column` when the problem has a place in the file."""

    def __init__(self, said: Msg, hint: Msg | None = None, line: int | None = None, column: int | None = None) -> None:
        super().__init__(said, hint)
        self.line, self.column = line, column

    def __reduce__(self):
        return (type(self), (self.said, self.hinted, self.line, self.column))


@dataclass(frozen=True, slots=True)
class Decoded:
    """A table's text. `encoding` is "utf-8", "utf-8-sig" or "windows-1252", "xlsx" for a
    workbook's sheet (whose text is then `;`-separated: `delimiter`); `guessed` when nothing
    in the file said it (Windows-1252 is what bytes that are not UTF-8 most likely are)."""

    text: str
    encoding: str
    guessed: bool = False
    delimiter: str | None = None


# "é", "è", "à"… as UTF-8: in Windows-1252 "Ã" then a symbol, which French text never has.
_UTF8_ACCENT = re.compile(rb"\xc3[\x80-\xbf]")


def decode_table(raw: bytes) -> Decoded:
    """UTF-8 when the bytes are UTF-8 (a BOM dropped), else Windows-1252, said as guessed."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise TableError(M_UTF16, H_SAVE_UTF8, line=1, column=1)
    nul = raw.find(b"\x00")
    if nul >= 0:
        line, column = line_column(raw, nul)
        raise TableError(M_NUL.fill(line=line), H_SAVE_UTF8, line=line, column=column)
    bom = raw.startswith(b"\xef\xbb\xbf")
    body = raw[3:] if bom else raw  # decoded apart, so that a byte's column is its line's
    try:
        return Decoded(body.decode("utf-8"), "utf-8-sig" if bom else "utf-8")
    except UnicodeDecodeError as error:
        line, column = line_column(body, error.start)
        # A file that says it is UTF-8, or spells accents as UTF-8 does, has a broken byte:
        # read as Windows-1252, its names would come out as "HÃ©lÃ¨ne".
        if bom or _UTF8_ACCENT.search(body):
            raise TableError(M_MIXED.fill(byte=body[error.start], line=line), H_SAVE_UTF8, line=line, column=column) from None
    try:
        return Decoded(body.decode("windows-1252"), "windows-1252", guessed=True)
    except UnicodeDecodeError as error:  # one of the five bytes Windows-1252 leaves undefined
        line, column = line_column(body, error.start)
        raise TableError(M_NOT_1252.fill(byte=body[error.start], line=line), H_SAVE_UTF8, line=line, column=column) from None


_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # old Excel, and also any workbook encrypted with a password
_ZIP = b"PK\x03\x04"


def table_text(raw: bytes, suffix: str, limit: int) -> Decoded:
    """A class list's text, by its suffix and its first bytes: a workbook saved under a
    .csv name is read as the workbook it is. `limit` bounds a workbook's parts uncompressed."""
    if raw.startswith(_OLE2):
        raise TableError(M_OLD_EXCEL)
    if suffix.lower() in XLSX_SUFFIXES or raw.startswith(_ZIP):
        return Decoded(xlsx_text(raw, limit), "xlsx", delimiter=";")
    return decode_table(raw)


def _guard(raw: bytes, limit: int) -> None:
    """Refuses, before any XML is parsed, what is not a workbook or would inflate past the limit."""
    import zipfile

    if raw.startswith(_OLE2):
        raise TableError(M_OLD_EXCEL)
    try:
        archive = zipfile.ZipFile(io.BytesIO(raw))
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise TableError(M_NOT_XLSX) from None
    with archive:
        parts = archive.infolist()
        if len(parts) > MAX_PARTS:
            raise TableError(M_NOT_XLSX)
        # The sizes the archive declares bound what zipfile inflates: it stops there.
        total = sum(part.file_size for part in parts)
        if total > limit:
            raise TableError(M_XLSX_TOO_BIG.fill(size=number(total), limit=number(limit)))
        for part in parts:
            if part.file_size > 1 << 20 and part.file_size > MAX_RATIO * max(part.compress_size, 1):
                raise TableError(M_XLSX_BOMB.fill(ratio=number(part.file_size // max(part.compress_size, 1))))
        names = {part.filename for part in parts}
        if "[Content_Types].xml" not in names:  # where openpyxl finds the workbook (a .docx it refuses later)
            try:
                opendocument = "mimetype" in names and b"opendocument.spreadsheet" in archive.read("mimetype")
            except Exception:  # a part that does not inflate: no workbook either way
                opendocument = False
            raise TableError(M_ODS if opendocument else M_NOT_XLSX)


def _cell_text(value: Any) -> str:
    """A cell as a CSV export writes it: dates in ISO, whole numbers without `.0`."""
    if value is None:
        return ""
    kind = type(value)
    if kind is str:
        return value.replace("\r\n", " ").replace("\r", " ").replace("\n", " ") if "\n" in value or "\r" in value else value
    if kind is bool:
        return "true" if value else "false"
    if kind is int:
        return str(value)
    if kind is float:
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.time):
        return value.isoformat(timespec="seconds" if value.second else "minutes")
    return _cell_text(str(value))


def xlsx_text(raw: bytes, limit: int) -> str:
    """The first worksheet of a workbook as the text of a `;`-separated CSV, row N of the
    sheet on line N (empty rows as empty lines): findings then name the row the
    spreadsheet shows. `limit` bounds the sum of its parts' sizes, uncompressed."""
    _guard(raw, limit)
    import warnings

    import openpyxl  # here: checking agreements never needs it

    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\n")
    cells = 0
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl's remarks on parts it skips (data validation, styles)
            workbook = openpyxl.load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
            try:
                if not workbook.worksheets:
                    raise TableError(M_NO_SHEET)
                sheet = workbook.worksheets[0]
                sheet.reset_dimensions()  # the size the file declares may be wrong: read every cell
                for row in sheet.iter_rows(values_only=True):
                    cells += len(row)
                    if cells > MAX_SHEET_CELLS:
                        raise TableError(M_XLSX_CELLS.fill(limit=number(MAX_SHEET_CELLS)))
                    end = len(row)
                    while end and (row[end - 1] is None or row[end - 1] == ""):
                        end -= 1
                    writer.writerow([_cell_text(value) for value in islice(row, end)])
            finally:
                workbook.close()
    except TableError:
        raise
    except Exception:  # a workbook openpyxl cannot read, whatever the reason, is said as one
        raise TableError(M_NOT_XLSX) from None
    return buffer.getvalue()


# Headers of the usual school exports (SIECLE, ONDE, Pronote, spreadsheets), by role; the
# hint of a missing column shows them as written here.
HEADER_NAMES: dict[str, tuple[str, ...]] = {
    "last_name": ("NOM", "NOM_ELEVE", "Nom de famille", "Nom d'usage", "NOM_FAMILLE", "LAST_NAME"),
    "first_name": ("PRENOM", "PRENOM_ELEVE", "Prénom", "PRENOM1", "FIRST_NAME"),
    "birth_date": (
        "DATE NAISS",
        "DATE_NAISSANCE",
        "Date de naissance",
        "Né(e) le",
        "Né le",
        "NEE(E) LE",
        "NAISSANCE",
        "BIRTH_DATE",
        "Date of birth",
    ),
    "class_name": ("DIVISION", "CLASSE", "Classe", "CLASS", "DIV"),
    "ine": ("INE", "Numéro INE", "INE_ELEVE"),
    "mef": ("MEF", "CODE_MEF"),
    "email": ("EMAIL", "MAIL", "Courriel", "Mél", "Adresse mail", "EMAIL_ELEVE"),
    "level": ("NIVEAU", "Niveau de formation", "LEVEL"),
    "absences": ("ABSENCES", "Jours d'absence", "Absences PFMP"),
}


_NOT_ALNUM = re.compile(r"[\W_]+")


def header_key(text: str) -> str:
    """A header without case, accents, spaces or punctuation: "Né(e) le" is "neele"."""
    # NFKD puts accents apart as combining marks, which are no letters: \W drops them.
    return _NOT_ALNUM.sub("", unicodedata.normalize("NFKD", text).casefold())


_ROLES = {header_key(name): role for role, names in HEADER_NAMES.items() for name in names}


def header_role(text: str) -> str | None:
    """The role of a column by its header ("last_name", "birth_date"…), or None."""
    return _ROLES.get(header_key(text))


def sniff(text: str) -> str:
    """The delimiter that cuts the table's first non-empty line into most cells (`,` for one cell)."""
    first = re.match(r"[^\r\n]*", text.lstrip("\r\n"))
    header_line = first.group() if first else ""
    plain = '"' not in header_line
    counts = {
        delimiter: header_line.count(delimiter) + 1 if plain else len(cell_columns(header_line, delimiter)) for delimiter in DELIMITERS
    }
    best = max(DELIMITERS, key=lambda delimiter: counts[delimiter])
    return best if counts[best] > 1 else ","


def cell_columns(line: str, delimiter: str) -> list[int]:
    """1-based column where each cell of a one-line record starts (quotes respected)."""
    columns, quoted = [1], False
    # Only quotes and delimiters matter: a regex finds them without a step per character.
    for match in re.finditer('["' + re.escape(delimiter) + "]", line):
        if match.group() == '"':
            quoted = not quoted
        elif not quoted:
            columns.append(match.start() + 2)
    return columns


def starts(line: str, values: list[str], delimiter: str, count: int) -> list[int] | None:
    """1-based column where each of the first `count` cells starts, then where the next one
    does (one past the line's end after the last cell); None when the line does not show
    the record's cells (a record over several lines)."""
    count = min(count, len(values))
    if '"' not in line:  # then the cells are the line split at each delimiter
        return list(accumulate((len(value) + 1 for value in islice(values, count)), initial=1))
    columns = cell_columns(line, delimiter)
    if len(columns) != len(values):
        return None
    columns.append(len(line) + 2)
    return columns[: count + 1]


class Broken(Exception):
    """A CSV the csv module cannot read (a quote left open), at the line it stopped."""

    def __init__(self, line: int, reason: str) -> None:
        super().__init__(reason)
        self.line, self.reason = line, reason


def records(text: str, delimiter: str) -> Iterator[tuple[int, str, list[str]]]:
    """Each record but empty lines, with the number and text of its first line, read one at
    a time: a list past a limit is refused at that row, before the rest is held in memory."""
    # The reader reads the lines; `follow` passes them again, at C speed, to give a record's
    # first line: a list of 16 MiB may be nothing but empty lines.
    feed, follow = tee(io.StringIO(text, newline=""))
    reader = csv.reader(feed, delimiter=delimiter, strict=True)
    passed = last = 0  # lines `follow` has passed; lines read before the record in hand
    try:
        for values in reader:
            if values:
                first = next(islice(follow, last - passed, None), "")
                passed = last + 1
                yield last + 1, first.rstrip("\r\n"), values
            elif last - passed > 4096:  # tee holds what `follow` has not passed yet
                deque(islice(follow, last - passed), maxlen=0)
                passed = last
            last = reader.line_num
    except csv.Error as error:
        raise Broken(reader.line_num or 1, str(error)) from None
