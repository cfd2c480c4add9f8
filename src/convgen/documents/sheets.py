"""Tables out as CSV and XLSX, for the office that follows the placements in a spreadsheet.

The cells come from files written by hand or pasted from other software: a pupil named
`=HYPERLINK(...)` must reach the spreadsheet as text, never as a live formula (OWASP's
"CSV injection"). Both writers give byte-identical files for identical rows, so a table
can be compared, archived or checked into version control without noise.

The module knows nothing about pupils: a Sheet is columns and rows of plain values.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from convgen.documents.package import Member, read_members, write_zip
from convgen.i18n import Lang, Msg

Kind = Literal["text", "date", "integer", "decimal", "money"]


@dataclass(frozen=True)
class Column:
    """One column: `key` picks the value in each row, `title` heads it; `width` in characters (None: from the contents)."""

    key: str
    title: str
    kind: Kind = "text"
    width: float | None = None


@dataclass
class Sheet:
    """A named table: values are str, int, Decimal, float, date, bool, None or a list of str.

    A value's type decides what its cell holds (a number stays a number, even in a text
    column); a column's kind only decides how numbers are shown (money with two decimals).
    """

    name: str
    columns: list[Column]
    rows: list[dict[str, Any]]


# The characters that make a spreadsheet read a cell as a formula (or, for tab and CR,
# that let one hide behind whitespace). Only the FIRST character is looked at: LibreOffice
# and Excel keep " =1+1" as text, and prefixing every cell with leading blanks would
# change names that are merely badly typed.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
M_YES = Msg("oui", "yes")
M_NO = Msg("non", "no")
M_SHEET = Msg("Feuille", "Sheet")
MIN_WIDTH, MAX_WIDTH = 6, 60
# Document properties that would otherwise say when and by whom the file was written.
FIXED_TIME = dt.datetime(2000, 1, 1)
_FIXED_W3C = "2000-01-01T00:00:00Z"
_CORE_DATE = re.compile(r"(<dcterms:(created|modified)\b[^>]*>)[^<]*(</dcterms:\2>)")
# Control characters XML 1.0 cannot hold: openpyxl refuses them, so they are dropped (from the CSV too, alike).
_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_NOT_IN_SHEET_NAME = re.compile(r"[\[\]:*?/\\\x00-\x1f]")
_NUMBER_FORMATS = {"integer": "0", "decimal": "General", "money": '#,##0.00 "€"'}
_CONTENT_TYPES = "[Content_Types].xml"
# openpyxl names itself and its version here: an upgrade would change every file.
_APP_XML = (
    b'<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">'
    b"<Application>convgen</Application></Properties>"
)


def neutralised(text: str) -> str:
    """The text without the control characters XML cannot hold, and a `'` in front when it would start a formula.

    The characters go first: "\x01=1" must not become an unprefixed "=1".
    """
    text = _NOT_XML.sub("", text)
    return "'" + text if text.startswith(FORMULA_START) else text


def _is_number(value: Any) -> bool:
    # NaN and infinities are no number a spreadsheet holds: they are written as text.
    if isinstance(value, Decimal):
        return value.is_finite()
    if isinstance(value, float):
        return math.isfinite(value)
    # bool is an int to Python but a yes/no to a reader.
    return isinstance(value, int) and not isinstance(value, bool)


def _plain(value: Any, kind: Kind) -> str:
    """A number as we write it: a decimal point, no exponent, no thousands separator."""
    if isinstance(value, int):
        return str(value)
    number = value if isinstance(value, Decimal) else Decimal(repr(value))
    return f"{number:.2f}" if kind == "money" else f"{number:f}"


def _text(value: Any, lang: Lang) -> str:
    """Any value that is not a number or a date, as the text of its cell (before neutralising)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return (M_YES if value else M_NO).get(lang)
    if isinstance(value, list | tuple):
        return ", ".join(str(item) for item in value)
    return str(value)


def _day(value: Any) -> dt.date | None:
    # A datetime is shown by its day: the tables hold dates, and a time would need another format.
    if isinstance(value, dt.datetime):
        return value.date()
    return value if isinstance(value, dt.date) else None


def _csv_cell(value: Any, kind: Kind, lang: Lang) -> str:
    if _is_number(value):
        # Our own rendering of a number can start with "-" only as a sign: not prefixed.
        return _plain(value, kind).replace(".", ",")
    day = _day(value)
    if day is not None:
        return f"{day.day:02d}/{day.month:02d}/{day.year:04d}"
    return neutralised(_text(value, lang))


def csv_bytes(sheets: list[Sheet], *, one_table: bool = True, lang: Lang = "fr") -> bytes:
    """The sheets as CSV for French spreadsheet software: UTF-8 with BOM, `;`, CRLF, decimal comma, JJ/MM/AAAA.

    Booleans read oui/non (yes/no with lang="en"); text is neutralised, numbers are not.

    CSV has no sheets: by default the rows of every sheet follow one another under a single
    header, whose columns are those of all the sheets, in order of first appearance. With
    `one_table=False` each sheet is its own table, header included, after an empty line.
    """
    if not sheets:
        raise ValueError("csv_bytes needs at least one sheet")
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    tables = [(_all_columns(sheets), sheets)] if one_table else [(sheet.columns, [sheet]) for sheet in sheets]
    for number, (columns, members) in enumerate(tables):
        if number:
            writer.writerow([])
        writer.writerow([neutralised(column.title) for column in columns])
        for sheet in members:
            for row in sheet.rows:
                writer.writerow([_csv_cell(row.get(column.key), column.kind, lang) for column in columns])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _all_columns(sheets: list[Sheet]) -> list[Column]:
    """The columns of all the sheets, each key once, where it first appears."""
    columns: dict[str, Column] = {}
    for sheet in sheets:
        for column in sheet.columns:
            columns.setdefault(column.key, column)
    return list(columns.values())


def sheet_names(names: list[str], lang: Lang = "fr") -> list[str]:
    """Names Excel accepts: at most 31 characters, none of []:*?/\\, no quote at either end, unique ignoring case."""
    # Excel keeps "History" for the sheet it makes when tracking changes.
    taken: set[str] = {"history"}
    result = []
    for name in names:
        base = _NOT_IN_SHEET_NAME.sub("-", name).strip(" '")[:31].strip(" '") or M_SHEET.get(lang)
        candidate, count = base, 1
        while candidate.casefold() in taken:
            count += 1
            suffix = f" ({count})"
            candidate = base[: 31 - len(suffix)].rstrip() + suffix
        taken.add(candidate.casefold())
        result.append(candidate)
    return result


def _width(column: Column, texts: list[str]) -> float:
    if column.width is not None:
        return column.width
    longest = max((len(line) for text in [column.title, *texts] for line in text.splitlines() or [""]), default=0)
    # Two characters of margin: the filter button sits on the header's right edge.
    return float(min(MAX_WIDTH, max(MIN_WIDTH, longest + 2)))


def xlsx_bytes(sheets: list[Sheet], *, title: str = "", lang: Lang = "fr") -> bytes:
    """The sheets as an XLSX workbook: one worksheet each, bold frozen header, filters, real dates and numbers.

    Text is always stored as text (never a formula) and neutralised as in the CSV, so a
    value read back never starts with `=`.
    """
    # Imported here: the commands that write no spreadsheet do not pay for loading openpyxl.
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    if not sheets:
        raise ValueError("xlsx_bytes needs at least one sheet")
    book = Workbook()
    book.remove(book.active)
    bold = Font(bold=True)
    for sheet, name in zip(sheets, sheet_names([sheet.name for sheet in sheets], lang)):
        ws = book.create_sheet(name)
        shown: list[list[str]] = [[] for _ in sheet.columns]
        for index, column in enumerate(sheet.columns, start=1):
            cell = ws.cell(row=1, column=index, value=neutralised(column.title))
            cell.data_type = "s"
            cell.font = bold
        for row_number, row in enumerate(sheet.rows, start=2):
            for index, column in enumerate(sheet.columns, start=1):
                value = row.get(column.key)
                shown[index - 1].append(_xlsx_cell(ws.cell(row=row_number, column=index), value, column.kind, lang))
        for index, column in enumerate(sheet.columns, start=1):
            ws.column_dimensions[get_column_letter(index)].width = _width(column, shown[index - 1])
        ws.freeze_panes = "A2"
        if sheet.columns:
            ws.auto_filter.ref = f"A1:{get_column_letter(len(sheet.columns))}{len(sheet.rows) + 1}"
    props = book.properties
    props.creator = props.lastModifiedBy = "convgen"
    props.created = props.modified = FIXED_TIME
    props.title = title or None
    props.language = "en-GB" if lang == "en" else "fr-FR"
    blob = io.BytesIO()
    book.save(blob)
    return _settled(blob.getvalue())


def _xlsx_cell(cell: Any, value: Any, kind: Kind, lang: Lang) -> str:
    """Fill the cell; return its text as shown, to size the column."""
    if _is_number(value):
        cell.value = value
        cell.number_format = _NUMBER_FORMATS.get(kind, "General")
        shown = _plain(value, kind)
        return shown + " €" if kind == "money" else shown
    day = _day(value)
    if day is not None:
        cell.value = day
        cell.number_format = "DD/MM/YYYY"
        return "00/00/0000"
    text = neutralised(_text(value, lang))
    if text:
        cell.value = text
        # openpyxl reads a str starting with "=" as a formula: the neutralising prefix already
        # prevents it, and the type says it again should the prefix ever change.
        cell.data_type = "s"
    return text


def _settled(xlsx: bytes) -> bytes:
    """The package with fixed properties, zip dates and member order.

    openpyxl stamps `modified` with the time of saving, the zip entries with the clock and
    app.xml with its version; the members keep openpyxl's order, but with the content
    types first, as Office writes them.
    """
    members = []
    for member in read_members(xlsx):
        if member.name == "docProps/app.xml":
            member = Member.of(member.name, _APP_XML)
        elif member.name == "docProps/core.xml":
            core = _CORE_DATE.sub(lambda m: m[1] + _FIXED_W3C + m[3], member.data().decode("utf-8"))
            member = Member.of(member.name, core.encode("utf-8"))
        members.append(member)
    members.sort(key=lambda member: member.name != _CONTENT_TYPES)
    return write_zip(members)
