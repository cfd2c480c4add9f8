"""Pieces every agreement has, laid out by code with words from the text file: the schedule
table, « Fait à … le … » and the signature blocks."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH

from .blocks import para, tag_row, tidy_cell
from .ooxml import cell_borders, cell_shading, keep_row_together, make_table, repeat_as_header, row_height
from .runs import Part, Span, add_line_break, add_parts, b, hint, small
from .source import Texts, plain


@dataclass(frozen=True)
class Signer:
    """One signature block: who signs, their name, and the hand-written mention."""

    title: Sequence[Part]
    who: Sequence[Part]
    mention: Sequence[Part]

    @classmethod
    def from_text(cls, texts: Texts, key: str) -> Signer:
        """A piece of three lines: the title, the name(s), the mention (« Lu et approuvé le …… »)."""
        return cls(*texts.lines(key, 3))


SIGNATURE_HEIGHT = 3.6  # cm: room to sign under the mention


def signature_cell(cell, signer: Signer | None, caption: str = "") -> None:
    cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.TOP
    if signer is None:
        cell_borders(cell, 0)
        return
    para(cell, *signer.title, after=2, keep_next=True)
    para(cell, *signer.who, after=4, keep_next=True)
    para(cell, *signer.mention, after=2, keep_next=True)
    para(cell, hint(caption))
    tidy_cell(cell)


def signature_row(table, left: Signer, right: Signer | None, caption: str) -> None:
    row = table.add_row()
    keep_row_together(row)
    row_height(row, SIGNATURE_HEIGHT)
    signature_cell(row.cells[0], left, caption)
    signature_cell(row.cells[1], right, caption)


def signature_table(container, widths: Sequence[float] = (8.7, 8.7)):
    """An empty bordered table, to fill with signature_row (and tag_row for the optional blocks)."""
    return make_table(container, 0, widths, borders=6)


def done_at(container, parts: Sequence[Part]) -> None:
    """« Fait à <place>, le <date> », above the signatures."""
    para(container, *parts, before=10, after=8, keep_next=True)


def smaller(parts: Sequence[Part]) -> list[Span]:
    """The parts in the small size, their formatting kept."""
    spans = [part if isinstance(part, Span) else Span(part) for part in parts]
    return [Span(span.text, span.bold, span.italic, True, span.grey) for span in spans]


def schedule_table(container, texts: Texts, with_maximum: bool):
    """« Horaires journaliers »: one row per weekday of `week_pattern`.

    Words from the text file: @schedule.columns (four lines), @schedule.rest, @schedule.same
    and, with the daily maximum, @schedule.maximum.
    """
    widths = (2.6, 5.6, 5.0, 4.2) if with_maximum else (3.0, 5.9, 5.9, 2.6)
    table = make_table(container, 1, widths, borders=6)
    header = table.rows[0]
    repeat_as_header(header)
    for cell, title in zip(header.cells, texts.lines("schedule.columns", 4)):
        cell_shading(cell)
        para(cell, b(plain(title, "@schedule.columns")), align=WD_ALIGN_PARAGRAPH.CENTER, after=0)
        tidy_cell(cell)

    tag_row(table, "for row in week_pattern")
    row = table.add_row()
    keep_row_together(row)
    day, morning, afternoon, total = row.cells
    for cell in row.cells:
        cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER

    para(day, b("{{ row.day }}"), after=0)

    rest = texts.plain("schedule.rest")
    same = texts.plain("schedule.same")
    slots = para(
        morning,
        "{% if row.worked %}{% if row.morning %}{{ row.morning|slots_fr }}{% else %}—{% endif %}{% else %}" + rest + "{% endif %}",
        after=0,
    )
    add_parts(slots, ["{% if not loop.first and row.worked %}"])
    add_line_break(slots)
    add_parts(slots, [small(f"{{{{ row.same_as_previous|box }}}} {same}"), "{% endif %}"])

    para(afternoon, "{% if row.afternoon %}{{ row.afternoon|slots_fr }}{% else %}—{% endif %}", after=0)

    maximum = " " + texts.plain("schedule.maximum") if with_maximum else ""
    para(
        total,
        "{% if row.worked %}",
        b("{{ row.hours|hours_fr }}"),
        maximum,
        "{% else %}—{% endif %}",
        align=WD_ALIGN_PARAGRAPH.CENTER,
        after=0,
    )
    for cell in row.cells:
        tidy_cell(cell)
    tag_row(table, "endfor")
    return table
