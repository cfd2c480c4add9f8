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


def half_day(cell, half: str, same: str, none: str, rest: str | None = None) -> None:
    """The cell of a half-day (`half` is « morning » or « afternoon »): its slots, or `none` when
    that half-day is not worked, or `rest` (if given) when the whole day is not.

    From the second row on, a worked half-day gets the model's box above its slots:
    « ☒ idem au jour précédent » when it repeats the same half of the day before.
    """
    opening = ["{% if row.worked %}"] if rest is not None else []
    closing = ["{% else %}", rest, "{% endif %}"] if rest is not None else []
    paragraph = para(
        cell,
        *opening,
        f"{{% if row.{half} %}}",
        "{% if not loop.first %}",
        small(f"{{{{ row.same_{half}_as_previous|box }}}} {same}"),
        after=0,
    )
    add_line_break(paragraph)
    add_parts(paragraph, ["{% endif %}", f"{{{{ row.{half}|slots_fr }}}}", "{% else %}", none, "{% endif %}", *closing])


def schedule_table(container, texts: Texts, with_maximum: bool):
    """« Horaires journaliers »: one row per weekday of `week_pattern`.

    Words from the text file: @schedule.columns (four lines), @schedule.rest, @schedule.none,
    @schedule.same and, with the daily maximum, @schedule.maximum.
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

    none = texts.plain("schedule.none")
    same = texts.plain("schedule.same")
    half_day(morning, "morning", same, none, rest=texts.plain("schedule.rest"))
    half_day(afternoon, "afternoon", same, none)

    maximum = " " + texts.plain("schedule.maximum") if with_maximum else ""
    para(
        total,
        "{% if row.worked %}",
        b("{{ row.hours|hours_fr }}"),
        maximum,
        "{% else %}",
        none,
        "{% endif %}",
        align=WD_ALIGN_PARAGRAPH.CENTER,
        after=0,
    )
    for cell in row.cells:
        tidy_cell(cell)
    tag_row(table, "endfor")
    return table
