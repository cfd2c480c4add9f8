"""Blocks: paragraphs, headings, labelled fields, checkboxes, bullets, boxes, docxtpl tags.

`container` is the document or a table cell (both have add_paragraph / add_table).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from docx.shared import Cm, Pt

from .ooxml import cell_shading, first_paragraph, make_table, paragraph_border
from .runs import Part, Span, add_parts
from .source import Block, Bullet, Checkbox, Heading, Paragraph, SourceError, Tag
from .theme import TEXT_WIDTH_CM

HEADING_STYLES = {0: "Doc Title", 1: "Section Heading", 2: "Part Heading", 3: "Article Heading"}
FIELD_TAB = 4.2  # cm: where the values of labelled fields start


def para(
    container,
    *parts: Part,
    style: str | None = None,
    align=None,
    before: float | None = None,
    after: float | None = None,
    keep_next: bool = False,
    indent: float | None = None,
):
    """A paragraph of mixed runs: plain strings, and Spans (bold, italic, small…)."""
    paragraph = container.add_paragraph(style=style)
    add_parts(paragraph, parts)
    fmt = paragraph.paragraph_format
    if align is not None:
        fmt.alignment = align
    if before is not None:
        fmt.space_before = Pt(before)
    if after is not None:
        fmt.space_after = Pt(after)
    if keep_next:
        fmt.keep_with_next = True
    if indent is not None:
        fmt.left_indent = Cm(indent)
    return paragraph


def text(container, *parts: Part, **options):
    """A paragraph of the legal text (justified)."""
    return para(container, *parts, style="Legal Text", **options)


def tag(container, statement: str):
    """A paragraph tag of docxtpl, `{%p statement %}`, alone in its paragraph (it disappears when rendered)."""
    paragraph = container.add_paragraph()
    paragraph.add_run(f"{{%p {statement} %}}")
    return paragraph


def heading(container, title: str | Sequence[Part], level: int = 3, *, page_break: bool = False):
    """A heading of level 0 (the document's title) to 3 (an article); 4 is a bold lead-in line."""
    parts = [title] if isinstance(title, str) else list(title)
    if level == 4:
        return label(container, *parts)
    paragraph = para(container, *parts, style=HEADING_STYLES[level])
    if level == 1:
        paragraph_border(paragraph, ("top", "bottom"), size=8, color="404040", space=3)
    if page_break:
        paragraph.paragraph_format.page_break_before = True
    return paragraph


def label(container, *parts: Part, **options):
    """A bold lead-in line (« Objectifs assignés au stage : ») kept with what follows."""
    return para(container, *parts, style="Label", **options)


def field(container, name: str, *value: Part, tab: float = FIELD_TAB, after: float = 2, keep_next: bool = False):
    """« Name :  value », the values aligned on a tab stop and wrapped lines indented alike."""
    paragraph = para(container, f"{name} :\t", *value, after=after, keep_next=keep_next)
    fmt = paragraph.paragraph_format
    fmt.tab_stops.add_tab_stop(Cm(tab))
    fmt.left_indent = Cm(tab)
    fmt.first_line_indent = Cm(-tab)
    return paragraph


def checkbox(container, box: str, *parts: Part, indent: float = 0.0, after: float = 2):
    """« ☒ text »: `box` is the tag that prints the box, `{{ (condition)|box }}`."""
    paragraph = para(container, box, "\t", *parts, after=after)
    fmt = paragraph.paragraph_format
    fmt.tab_stops.add_tab_stop(Cm(indent + 0.6))
    fmt.left_indent = Cm(indent + 0.6)
    fmt.first_line_indent = Cm(-0.6)
    return paragraph


def lead_in(container, *parts: Part):
    """The line that introduces a list, kept with it (« Jours particuliers : »)."""
    return para(container, *parts, keep_next=True, before=4)


def bullet(container, *parts: Part):
    return para(container, *parts, style="List Bullet")


def bullet_loop(container, loop: str, *parts: Part) -> None:
    """One bulleted paragraph for each item: `{%p for loop %}` … `{%p endfor %}`."""
    tag(container, f"for {loop}")
    bullet(container, *parts)
    tag(container, "endfor")


def tidy_cell(cell) -> None:
    """Drop the empty paragraph a new cell starts with, once something else is in the cell."""
    paragraphs = cell.paragraphs
    if len(paragraphs) > 1 and not paragraphs[0].runs:
        paragraphs[0]._p.getparent().remove(paragraphs[0]._p)


def tag_row(table, statement: str):
    """A row tag of docxtpl, `{%tr statement %}`, alone in a row whose cells are merged into one."""
    row = table.add_row()
    merged = row.cells[0].merge(row.cells[-1])
    paragraph = first_paragraph(merged)
    paragraph.add_run(f"{{%tr {statement} %}}")
    paragraph.paragraph_format.space_after = Pt(0)
    return row


def boxed(container, width: float = TEXT_WIDTH_CM, shade: str | None = None):
    """A one-cell table with a border: a box to write into (returns the cell)."""
    table = make_table(container, 1, [width], borders=6)
    cell = table.cell(0, 0)
    if shade:
        cell_shading(cell, shade)
    return cell


def spacer(container, points: float = 4):
    """An empty paragraph of a few points, e.g. between two tables."""
    paragraph = container.add_paragraph()
    fmt = paragraph.paragraph_format
    fmt.space_after = Pt(0)
    fmt.line_spacing = Pt(points)
    return paragraph


def split_label(parts: Sequence[Part], where: str) -> tuple[str, list[Part]]:
    """« Name : value » as the name and the value's parts: the name is the plain text before the first « : »."""
    first, *rest = parts
    name, colon, value = (first if isinstance(first, str) else first.text).partition(" : ")
    if not colon or (isinstance(first, Span) and (first.bold or first.italic)):
        raise SourceError(f"{where}: « name : value » expected, the name in plain text")
    if value:
        rest.insert(0, value if isinstance(first, str) else Span(value, first.bold, first.italic, first.small, first.grey))
    return name, rest


def write(container, blocks: Sequence[Block], paragraph: Callable[..., object] = text) -> None:
    """Blocks of a text file in order; `paragraph` writes the plain paragraphs (legal text by default)."""
    for item in blocks:
        if isinstance(item, Tag):
            tag(container, item.statement)
        elif isinstance(item, Heading):
            heading(container, item.parts, item.level)
        elif isinstance(item, Bullet):
            bullet(container, *item.parts)
        elif isinstance(item, Checkbox):
            checkbox(container, item.box, *item.parts)
        else:
            paragraph(container, *item.parts)


def write_fields(container, blocks: Sequence[Block], where: str, tab: float = FIELD_TAB, keep_together: bool = False) -> None:
    """Paragraphs « Name : value » as fields; `keep_together` keeps each with the next, the last excepted."""
    last = max((number for number, item in enumerate(blocks) if isinstance(item, Paragraph)), default=-1)
    for number, item in enumerate(blocks):
        if isinstance(item, Paragraph):
            name, value = split_label(item.parts, where)
            field(container, name, *value, tab=tab, keep_next=keep_together and number != last)
        else:
            write(container, [item])
