"""Build the two built-in Word templates of convgen: templates/pfmp.docx and templates/immersion.docx.

Run from the repository root:

    python tools/build_templates.py

The documents are written with python-docx only. Jinja tags (docxtpl syntax, see
docs/TEMPLATES.md) are typed each in a run of its own, and every `{%p … %}` / `{%tr … %}`
tag stands alone in its paragraph / table row, so that the templates render as they are
and stay editable in Word or LibreOffice. The legal text is data (lists of articles) at
the end of this file; the layout helpers come first.

The output is deterministic: fixed core properties and fixed timestamps inside the zip.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from docx import Document
from docx.enum.section import WD_SECTION
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_ROW_HEIGHT_RULE, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_TAB_ALIGNMENT
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor
from lxml import etree

ROOT = Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "templates"

FONT = "Arial"  # LibreOffice shows it with the metric-compatible Liberation Sans
BODY_SIZE = Pt(10)
SMALL_SIZE = Pt(8)
PAGE_WIDTH, PAGE_HEIGHT = Cm(21), Cm(29.7)  # A4
MARGIN_CM = 1.8
MARGIN = Cm(MARGIN_CM)
TEXT_WIDTH_CM = 21 - 2 * MARGIN_CM  # 17.4 cm: the tables' widths add up to it
TEXT_WIDTH = Cm(TEXT_WIDTH_CM)
GREY = RGBColor(0x59, 0x59, 0x59)
RULE_COLOR = "808080"  # borders of boxes and tables
SHADE = "EDEDED"  # header cells, labels
DOTS = "……………………"  # a blank to fill in by hand
SHORT_DOTS = "……………"  # the date by a signature
FIXED_DATE = dt.datetime(2026, 1, 1, 0, 0, 0)
ZIP_DATE = (2026, 1, 1, 0, 0, 0)

STYLES_WITH_EFFECTS = "http://schemas.microsoft.com/office/2007/relationships/stylesWithEffects"

# A Jinja tag: {{ … }}, {% … %} (with the p / tr / tc prefixes of docxtpl) or {# … #}.
TAG = re.compile(r"(\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\})")


# --------------------------------------------------------------------------------------
# Text pieces: a paragraph is written as a sequence of parts, each a plain string
# (normal text) or a Span with its formatting. Tags inside a part get a run of their own.
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Span:
    """A stretch of text with its formatting; None leaves it to the paragraph's style."""

    text: str
    bold: bool | None = None
    italic: bool | None = None
    small: bool = False
    grey: bool = False


def b(text: str) -> Span:
    """Bold text (values, labels that must stand out)."""
    return Span(text, bold=True)


def i(text: str) -> Span:
    """Italic, never bold text (instructions of the model agreement, even inside a heading)."""
    return Span(text, bold=False, italic=True)


def small(text: str, bold: bool | None = None) -> Span:
    return Span(text, bold=bold, small=True)


def hint(text: str) -> Span:
    """Small grey text: the caption of a box."""
    return Span(text, small=True, grey=True)


Part = str | Span


def french_spacing(text: str) -> str:
    """Non-breaking spaces where French typography wants them (never inside a tag)."""
    text = text.replace(" :", "\u00a0:").replace(" ;", "\u00a0;")
    text = text.replace("« ", "«\u00a0").replace(" »", "\u00a0»").replace("n° ", "n°\u00a0")
    return text


def add_parts(paragraph, parts: Iterable[Part]) -> None:
    """Append the parts to a paragraph: one run per tag, one run per stretch of text.

    A newline in the text (never in a tag) becomes a line break.
    """
    for part in parts:
        span = part if isinstance(part, Span) else Span(part)
        for piece in TAG.split(span.text):
            if not piece:
                continue
            lines = [piece] if TAG.fullmatch(piece) else french_spacing(piece).split("\n")
            for number, line in enumerate(lines):
                run = paragraph.add_run(line)
                if number < len(lines) - 1:
                    run.add_break()
                if span.bold is not None:
                    run.bold = span.bold
                if span.italic is not None:
                    run.italic = span.italic
                if span.small:
                    run.font.size = SMALL_SIZE
                if span.grey:
                    run.font.color.rgb = GREY


def add_line_break(paragraph) -> None:
    paragraph.add_run().add_break()


# --------------------------------------------------------------------------------------
# Low-level OOXML helpers (borders, shading, widths) that python-docx does not expose.
# --------------------------------------------------------------------------------------


def _child(parent, tag: str, before: Sequence[str] = ()):
    """The child element `tag` of `parent`, created (in schema order) when missing."""
    element = parent.find(qn(tag))
    if element is None:
        element = OxmlElement(tag)
        for successor in before:
            found = parent.find(qn(successor))
            if found is not None:
                found.addprevious(element)
                break
        else:
            parent.append(element)
    return element


_TCPR_AFTER_BORDERS = ("w:shd", "w:noWrap", "w:tcMar", "w:textDirection", "w:tcFitText", "w:vAlign", "w:hideMark")
_TCPR_AFTER_SHADING = _TCPR_AFTER_BORDERS[1:]


def _border_set(parent, sides: Iterable[str], size: int, color: str, style: str = "single") -> None:
    for side in sides:
        element = _child(parent, f"w:{side}")
        element.set(qn("w:val"), style if size else "nil")
        if size:
            element.set(qn("w:sz"), str(size))
            element.set(qn("w:space"), "0")
            element.set(qn("w:color"), color)


SIDES = ("top", "left", "bottom", "right")


def cell_borders(cell, size: int = 6, color: str = RULE_COLOR, sides: Iterable[str] = SIDES) -> None:
    """Borders of one cell, in eighths of a point (0 removes them)."""
    tc_pr = cell._tc.get_or_add_tcPr()
    borders = _child(tc_pr, "w:tcBorders", _TCPR_AFTER_BORDERS)
    _border_set(borders, sides, size, color)


def cell_shading(cell, fill: str = SHADE) -> None:
    tc_pr = cell._tc.get_or_add_tcPr()
    shading = _child(tc_pr, "w:shd", _TCPR_AFTER_SHADING)
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), fill)


def cell_margins(cell, left: float | None = None, right: float | None = None) -> None:
    """Inner margins of one cell, in cm (the others keep the table's)."""
    tc_pr = cell._tc.get_or_add_tcPr()
    margins = _child(tc_pr, "w:tcMar", ("w:textDirection", "w:tcFitText", "w:vAlign", "w:hideMark"))
    for side, value in (("left", left), ("right", right)):
        if value is not None:
            element = _child(margins, f"w:{side}")
            element.set(qn("w:w"), str(int(Cm(value).twips)))
            element.set(qn("w:type"), "dxa")


def table_borders(table, size: int = 0, color: str = RULE_COLOR, inside: bool = True) -> None:
    """Borders of a whole table; size 0 for none."""
    tbl_pr = table._tbl.tblPr
    borders = _child(tbl_pr, "w:tblBorders", ("w:shd", "w:tblLayout", "w:tblCellMar", "w:tblLook"))
    sides = [*SIDES, "insideH", "insideV"] if inside else list(SIDES)
    _border_set(borders, sides, size, color)
    if not inside:
        _border_set(borders, ("insideH", "insideV"), 0, color)


def table_cell_margins(table, top: float = 0.05, bottom: float = 0.05, left: float = 0.15, right: float = 0.15) -> None:
    """Default inner margins of the table's cells, in cm."""
    tbl_pr = table._tbl.tblPr
    margins = _child(tbl_pr, "w:tblCellMar", ("w:tblLook",))
    for side, value in (("top", top), ("left", left), ("bottom", bottom), ("right", right)):
        element = _child(margins, f"w:{side}")
        element.set(qn("w:w"), str(int(Cm(value).twips)))
        element.set(qn("w:type"), "dxa")


def make_table(container, rows: int, widths: Sequence[float], borders: int = 0):
    """A table of fixed column widths (cm), full text width unless the widths say otherwise."""
    table = container.add_table(rows=rows, cols=len(widths))
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    tbl_pr = table._tbl.tblPr
    width = _child(tbl_pr, "w:tblW", ("w:jc", "w:shd", "w:tblBorders", "w:tblLayout", "w:tblCellMar", "w:tblLook"))
    width.set(qn("w:w"), str(int(sum(Cm(w).twips for w in widths))))
    width.set(qn("w:type"), "dxa")
    layout = _child(tbl_pr, "w:tblLayout", ("w:tblCellMar", "w:tblLook"))
    layout.set(qn("w:type"), "fixed")
    for grid_col, value in zip(table._tbl.tblGrid.findall(qn("w:gridCol")), widths):
        grid_col.set(qn("w:w"), str(int(Cm(value).twips)))
    for row in table.rows:
        for cell, value in zip(row.cells, widths):
            cell.width = Cm(value)
    table_borders(table, borders)
    table_cell_margins(table)
    return table


def row_height(row, height_cm: float, exact: bool = False) -> None:
    row.height = Cm(height_cm)
    row.height_rule = WD_ROW_HEIGHT_RULE.EXACTLY if exact else WD_ROW_HEIGHT_RULE.AT_LEAST


def keep_row_together(row) -> None:
    """The row is never split across two pages."""
    tr_pr = row._tr.get_or_add_trPr()
    _child(tr_pr, "w:cantSplit", ("w:trHeight", "w:tblHeader", "w:tblCellSpacing", "w:jc", "w:hidden"))


def repeat_as_header(row) -> None:
    tr_pr = row._tr.get_or_add_trPr()
    _child(tr_pr, "w:tblHeader", ("w:tblCellSpacing", "w:jc", "w:hidden"))


def paragraph_border(paragraph, sides: Iterable[str] = ("bottom",), size: int = 6, color: str = RULE_COLOR, space: int = 2) -> None:
    p_pr = paragraph._p.get_or_add_pPr()
    borders = _child(
        p_pr,
        "w:pBdr",
        ("w:shd", "w:tabs", "w:suppressAutoHyphens", "w:spacing", "w:ind", "w:contextualSpacing", "w:jc", "w:outlineLvl", "w:rPr"),
    )
    for side in sides:
        element = _child(borders, f"w:{side}")
        element.set(qn("w:val"), "single")
        element.set(qn("w:sz"), str(size))
        element.set(qn("w:space"), str(space))
        element.set(qn("w:color"), color)


def first_paragraph(cell):
    """The empty paragraph a new cell holds, to be written into."""
    return cell.paragraphs[0]


# --------------------------------------------------------------------------------------
# The document: page, styles, properties, footer.
# --------------------------------------------------------------------------------------


def _set_fonts(r_pr, name: str = FONT) -> None:
    """Arial for every script, with no theme font that would override it."""
    fonts = _child(r_pr, "w:rFonts", ())
    for attribute in list(fonts.attrib):
        del fonts.attrib[attribute]
    for key in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(key), name)
    r_pr.remove(fonts)
    r_pr.insert(0, fonts)


def _set_language(r_pr, language: str = "fr-FR") -> None:
    """French spelling and hyphenation for the text."""
    _child(r_pr, "w:lang", ()).set(qn("w:val"), language)


def _paragraph_style(
    doc,
    name: str,
    size: Pt = BODY_SIZE,
    bold: bool = False,
    before: float = 0,
    after: float = 4,
    align=None,
    keep_next: bool = False,
    outline: int | None = None,
    caps: bool = False,
):
    styles = doc.styles
    style = styles[name] if name in [s.name for s in styles] else styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
    style.base_style = styles["Normal"]
    style.quick_style = True
    font = style.font
    font.size = size
    font.bold = bold
    font.all_caps = caps
    font.color.rgb = RGBColor(0, 0, 0)
    fmt = style.paragraph_format
    fmt.space_before = Pt(before)
    fmt.space_after = Pt(after)
    fmt.keep_with_next = keep_next
    if align is not None:
        fmt.alignment = align
    if outline is not None:
        p_pr = style.element.get_or_add_pPr()
        level = _child(p_pr, "w:outlineLvl", ("w:divId", "w:cnfStyle", "w:rPr", "w:sectPr", "w:pPrChange"))
        level.set(qn("w:val"), str(outline))
    return style


def setup_styles(doc) -> None:
    styles = doc.styles
    defaults = styles.element.find(qn("w:docDefaults"))
    default_r_pr = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
    _set_fonts(default_r_pr)
    _set_language(default_r_pr)

    normal = styles["Normal"]
    normal.font.name = FONT
    _set_fonts(normal.element.get_or_add_rPr())
    normal.font.size = BODY_SIZE
    fmt = normal.paragraph_format
    fmt.space_before = Pt(0)
    fmt.space_after = Pt(3)
    fmt.line_spacing = 1.08
    fmt.widow_control = True

    _paragraph_style(doc, "Doc Title", size=Pt(13), bold=True, before=10, after=8, align=WD_ALIGN_PARAGRAPH.CENTER, outline=0)
    _paragraph_style(
        doc,
        "Section Heading",
        size=Pt(11),
        bold=True,
        before=12,
        after=6,
        align=WD_ALIGN_PARAGRAPH.CENTER,
        keep_next=True,
        outline=0,
        caps=True,
    )
    _paragraph_style(doc, "Part Heading", size=Pt(10.5), bold=True, before=10, after=4, keep_next=True, outline=1)
    _paragraph_style(doc, "Article Heading", bold=True, before=7, after=2, keep_next=True, outline=2)
    legal = _paragraph_style(doc, "Legal Text", align=WD_ALIGN_PARAGRAPH.JUSTIFY)
    legal.paragraph_format.space_after = Pt(4)
    _paragraph_style(doc, "Small", size=SMALL_SIZE, after=0)
    label = _paragraph_style(doc, "Label", bold=True, before=5, after=2, keep_next=True)
    label.paragraph_format.keep_together = True

    bullet = styles["List Bullet"]
    bullet.paragraph_format.space_after = Pt(1)
    bullet.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.LEFT

    footer = styles["Footer"]
    footer.font.size = SMALL_SIZE
    footer.font.color.rgb = GREY
    footer.paragraph_format.space_after = Pt(0)
    tabs = footer.paragraph_format.tab_stops
    tabs.clear_all()  # the template's centre and right stops are set for Letter paper
    tabs.add_tab_stop(TEXT_WIDTH, WD_TAB_ALIGNMENT.RIGHT)


def _add_field(paragraph, instruction: str, placeholder: str = "1") -> None:
    """A Word field (PAGE, NUMPAGES) as begin / instruction / separate / result / end runs."""

    def field_char(kind: str):
        run = paragraph.add_run()
        char = OxmlElement("w:fldChar")
        char.set(qn("w:fldCharType"), kind)
        run._r.append(char)

    field_char("begin")
    run = paragraph.add_run()
    text = OxmlElement("w:instrText")
    text.set(qn("xml:space"), "preserve")
    text.text = f" {instruction} "
    run._r.append(text)
    field_char("separate")
    paragraph.add_run(placeholder)
    field_char("end")


def setup_footer(doc, title: str) -> None:
    """« <title> — {{ copy.heading }} » on the left, « Page X / Y » on the right."""
    section = doc.sections[0]
    footer = section.footer
    footer.is_linked_to_previous = False
    paragraph = footer.paragraphs[0]
    paragraph.style = doc.styles["Footer"]
    paragraph_border(paragraph, ("top",), size=4, space=4)
    add_parts(paragraph, [f"{title} — ", "{{ copy.heading }}", "\tPage "])
    _add_field(paragraph, "PAGE")
    add_parts(paragraph, [" / "])
    _add_field(paragraph, "NUMPAGES")


def set_properties(doc, title: str, subject: str) -> None:
    props = doc.core_properties
    props.title = title
    props.subject = subject
    props.author = "convgen"
    props.last_modified_by = "convgen"
    props.comments = "Modèle convgen : balises Jinja au format docxtpl (voir docs/TEMPLATES.md)."
    props.keywords = "convention, convgen"
    props.category = ""
    props.revision = 1
    props.created = FIXED_DATE
    props.modified = FIXED_DATE
    last_printed = props._element.find(qn("cp:lastPrinted"))
    if last_printed is not None:
        props._element.remove(last_printed)


def new_document(title: str, subject: str, footer_title: str):
    doc = Document()
    # Leave out what python-docx's default document carries and a template does not need:
    # the preview of a blank page, a Word 2010 copy of the styles (which would not have
    # ours) and an empty bibliography.
    for rels, unwanted in ((doc.part.package.rels, (RT.THUMBNAIL,)), (doc.part.rels, (STYLES_WITH_EFFECTS, RT.CUSTOM_XML))):
        for rel_id, rel in list(rels.items()):
            if rel.reltype in unwanted:
                del rels[rel_id]
    section = doc.sections[0]
    section.start_type = WD_SECTION.NEW_PAGE
    section.page_width, section.page_height = PAGE_WIDTH, PAGE_HEIGHT
    section.left_margin = section.right_margin = MARGIN
    section.top_margin = MARGIN
    section.bottom_margin = Cm(1.6)
    section.header_distance = Cm(1)
    section.footer_distance = Cm(0.8)
    setup_styles(doc)
    set_properties(doc, title, subject)
    setup_footer(doc, footer_title)
    return doc


_STYLE_REFS = re.compile(rb'<w:(?:pStyle|rStyle|tblStyle|basedOn|link|next) w:val="([^"]+)"')


def prune_styles(doc) -> None:
    """Keep only the styles the document uses (and those they derive from), without the
    table of Word's latent styles: python-docx's blank document carries 160 unused
    definitions, 350 kB that LibreOffice parses for every document it converts to PDF.
    Word still offers its built-in styles to whoever edits the template."""
    styles = doc.styles.element
    parts = [doc.part, *(rel.target_part for rel in doc.part.rels.values() if not rel.is_external)]
    wanted = set()
    for part in parts:
        element = getattr(part, "_element", None)
        blob = etree.tostring(element) if element is not None else part.blob
        if element is not styles:
            wanted.update(value.decode() for value in _STYLE_REFS.findall(blob))
    by_id = {style.get(qn("w:styleId")): style for style in styles.findall(qn("w:style"))}
    keep: set[str] = set()
    pending = [name for name in wanted if name in by_id]
    pending += [name for name, style in by_id.items() if style.get(qn("w:default")) == "1"]
    while pending:
        name = pending.pop()
        if name in keep or name not in by_id:
            continue
        keep.add(name)
        pending += [value.decode() for value in _STYLE_REFS.findall(etree.tostring(by_id[name]))]
    for name, style in by_id.items():
        if name not in keep:
            styles.remove(style)
    latent = styles.find(qn("w:latentStyles"))
    if latent is not None:
        styles.remove(latent)


def save(doc, path: Path) -> None:
    """Save with fixed zip timestamps, so that the same script gives the same bytes."""
    prune_styles(doc)
    buffer = io.BytesIO()
    doc.save(buffer)
    buffer.seek(0)
    out = io.BytesIO()
    with zipfile.ZipFile(buffer) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            member = zipfile.ZipInfo(info.filename, date_time=ZIP_DATE)
            member.compress_type = zipfile.ZIP_DEFLATED
            member.external_attr = 0o644 << 16
            target.writestr(member, source.read(info))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(out.getvalue())


# --------------------------------------------------------------------------------------
# Blocks: paragraphs, headings, labelled fields, checkboxes, bullets, tables.
# `container` is the document or a table cell (both have add_paragraph / add_table).
# --------------------------------------------------------------------------------------

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


def heading(container, title: str, level: int = 3, *, page_break: bool = False):
    paragraph = para(container, title, style=HEADING_STYLES[level])
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


def checkbox(container, condition: str, *parts: Part, indent: float = 0.0, after: float = 2):
    """« ☒ text »: the box is the `box` filter applied to a Jinja condition."""
    paragraph = para(container, f"{{{{ ({condition})|box }}}}", "\t", *parts, after=after)
    fmt = paragraph.paragraph_format
    fmt.tab_stops.add_tab_stop(Cm(indent + 0.6))
    fmt.left_indent = Cm(indent + 0.6)
    fmt.first_line_indent = Cm(-0.6)
    return paragraph


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


class Item(str):
    """A bulleted line of the legal text (the other lines are paragraphs)."""


Article = tuple[str, Sequence[str]]


def article(container, title: str, paragraphs: Sequence[str]) -> None:
    heading(container, title, 3)
    for paragraph in paragraphs:
        if isinstance(paragraph, Item):
            bullet(container, paragraph)
        else:
            text(container, paragraph)


@dataclass(frozen=True)
class Signer:
    """One signature block: who signs, their name, and the hand-written mention."""

    title: str
    who: Sequence[Part]
    mention: str = "Lu et approuvé le"


SIGNATURE_HEIGHT = 3.6  # cm: room to sign under the mention


def signature_cell(cell, signer: Signer | None) -> None:
    cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.TOP
    if signer is None:
        cell_borders(cell, 0)
        return
    para(cell, b(signer.title), after=2, keep_next=True)
    para(cell, *signer.who, after=4, keep_next=True)
    para(cell, f"{signer.mention} {SHORT_DOTS}", after=2, keep_next=True)
    para(cell, hint("Signature"))
    tidy_cell(cell)


def signature_row(table, left: Signer, right: Signer | None) -> None:
    row = table.add_row()
    keep_row_together(row)
    row_height(row, SIGNATURE_HEIGHT)
    signature_cell(row.cells[0], left)
    signature_cell(row.cells[1], right)


def signature_table(container, widths: Sequence[float] = (8.7, 8.7)):
    """An empty bordered table, to fill with signature_row (and tag_row for the optional blocks)."""
    return make_table(container, 0, widths, borders=6)


def schedule_table(container, with_maximum: bool):
    """« Horaires journaliers de l'élève »: one row per weekday of `week_pattern`."""
    widths = (2.6, 5.6, 5.0, 4.2) if with_maximum else (3.0, 5.9, 5.9, 2.6)
    table = make_table(container, 1, widths, borders=6)
    header = table.rows[0]
    repeat_as_header(header)
    for cell, title in zip(header.cells, ("Jour", "Matin", "Après-midi", "Durée totale")):
        cell_shading(cell)
        para(cell, b(title), align=WD_ALIGN_PARAGRAPH.CENTER, after=0)
        tidy_cell(cell)

    tag_row(table, "for row in week_pattern")
    row = table.add_row()
    keep_row_together(row)
    day, morning, afternoon, total = row.cells
    for cell in row.cells:
        cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER

    para(day, b("{{ row.day }}"), after=0)

    slots = para(
        morning,
        "{% if row.worked %}{% if row.morning %}{{ row.morning|slots_fr }}{% else %}—{% endif %}{% else %}repos{% endif %}",
        after=0,
    )
    add_parts(slots, ["{% if not loop.first and row.worked %}"])
    add_line_break(slots)
    add_parts(slots, [small("{{ row.same_as_previous|box }} idem au jour précédent"), "{% endif %}"])

    para(afternoon, "{% if row.afternoon %}{{ row.afternoon|slots_fr }}{% else %}—{% endif %}", after=0)

    maximum = " ({{ limits.daily_max|hours_fr }} maxi)" if with_maximum else ""
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


# --------------------------------------------------------------------------------------
# Shared pieces of both agreements.
# --------------------------------------------------------------------------------------


def address(prefix: str) -> str:
    """« 12 rue des Tanneurs, 69007 Lyon » for the Address at `prefix`."""
    return f"{{{{ {prefix}.street }}}}, {{{{ {prefix}.postal_code }}}} {{{{ {prefix}.city }}}}"


def value_or_blank(condition: str, *value: Part) -> list[Part]:
    """The value when the condition holds, a dotted blank to fill in by hand otherwise."""
    return [f"{{% if {condition} %}}", *value, "{% else %}", DOTS, "{% endif %}"]


def done_at(container) -> None:
    """« Fait à <place>, le <date> », blanks where the agreement leaves them out."""
    para(
        container,
        "Fait à ",
        *value_or_blank("signature.place", b("{{ signature.place }}")),
        ", le ",
        *value_or_blank("signature.date", b("{{ signature.date|date_fr }}")),
        before=10,
        after=8,
        keep_next=True,
    )


def exceptions_list(container) -> None:
    """The dated changes to the weekly schedule, when there are some."""
    tag(container, "if exceptions")
    para(container, "Jours particuliers :", keep_next=True, before=4)
    bullet_loop(
        container,
        "e in exceptions",
        "{{ e.weekday|capitalize }} {{ e.date|date_fr }} : ",
        "{% if e.worked %}{{ e.slots|slots_fr }} ({{ e.hours|hours_fr }}){% else %}non travaillé{% endif %}",
    )
    tag(container, "endif")


# --------------------------------------------------------------------------------------
# PFMP: convention de période de formation en milieu professionnel.
# --------------------------------------------------------------------------------------


def pfmp_top(doc) -> None:
    """The school's stamp box on the left, the copy's label on the right."""
    table = make_table(doc, 1, (7.2, 10.2))
    row = table.rows[0]
    row_height(row, 3.0)
    stamp, copy = row.cells
    cell_borders(stamp, 6)
    para(stamp, hint("Cachet de l'établissement de formation"), after=3)
    para(stamp, small("{{ school.name }}", bold=True), after=0)
    para(stamp, small(address("school.address")), after=0)
    para(stamp, small("UAI : {{ school.uai }}"), after=0)
    tidy_cell(stamp)
    copy.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.TOP
    para(copy, b("{{ copy.heading }}"), align=WD_ALIGN_PARAGRAPH.RIGHT)
    tidy_cell(copy)


def pfmp_summary(doc) -> None:
    """Période / Élève / Classe, under the title."""
    rows = (
        ("Période", ["du ", b("{{ period.start|date_fr }}"), " au ", b("{{ period.end|date_fr }}")]),
        ("Élève", [b("{{ pupil.first_name }} {{ pupil.last_name }}")]),
        ("Classe", [b("{{ pupil.class }}")]),
    )
    table = make_table(doc, len(rows), (3.2, 14.2), borders=6)
    for row, (name, value) in zip(table.rows, rows):
        cell_shading(row.cells[0])
        para(row.cells[0], name, after=0)
        para(row.cells[1], *value, after=0)
        for cell in row.cells:
            tidy_cell(cell)


PARTY_TAB = 3.6


def pfmp_parties(doc) -> None:
    heading(doc, "entre d'une part :", 2)
    table = make_table(doc, 1, (11.4, 6.0))
    row_height(table.rows[0], 3.2)
    host, stamp = table.rows[0].cells
    cell_margins(host, left=0)  # aligned with the school's lines below
    field(host, "Dénomination", b("{{ host.name }}"), tab=PARTY_TAB)
    field(host, "Adresse", address("host.address"), tab=PARTY_TAB)
    field(host, "Téléphone", "{{ host.phone|phone_fr }}{% if host.fax %} — Fax : {{ host.fax|phone_fr }}{% endif %}", tab=PARTY_TAB)
    tag(host, "if host.email")
    field(host, "Courriel", "{{ host.email }}", tab=PARTY_TAB)
    tag(host, "endif")
    tag(host, "if host.siret")
    field(host, "SIRET", "{{ host.siret }}", tab=PARTY_TAB)
    tag(host, "endif")
    field(host, "Représenté(e) par", b("{{ host.representative.name }}"), tab=PARTY_TAB)
    field(host, "En qualité de", "{{ host.representative.title }}", tab=PARTY_TAB)
    tidy_cell(host)
    cell_borders(stamp, 6)
    para(stamp, hint("Cachet de l'entreprise ou de l'organisme d'accueil"), align=WD_ALIGN_PARAGRAPH.CENTER)
    tidy_cell(stamp)

    heading(doc, "et d'autre part :", 2)
    field(doc, "Établissement", b("{{ school.name }}"), tab=PARTY_TAB)
    field(doc, "UAI", "{{ school.uai }}", tab=PARTY_TAB)
    field(doc, "Adresse", address("school.address"), tab=PARTY_TAB)
    field(doc, "Téléphone", "{{ school.phone|phone_fr }}", tab=PARTY_TAB)
    field(doc, "Courriel", "{{ school.email }}", tab=PARTY_TAB)
    field(doc, "Représenté par", b("{{ school.head.name }}"), tab=PARTY_TAB)
    field(doc, "En qualité de", "{{ school.head.title }}", tab=PARTY_TAB)

    heading(doc, "il a été convenu ce qui suit :", 2)


def pfmp_limits_box(doc) -> None:
    """« Attention » : the pupil's limits, from `limits` (a minor's or an adult's)."""
    cell = boxed(doc, shade="F5F5F5")
    para(cell, b("Attention :"), " durées et repos applicables à l'élève", after=2)
    tag(cell, "if minor")
    bullet(
        cell,
        "{{ limits.daily_max|hours_fr }} maximum par jour, entre {{ limits.window.start|hours_fr }} et {{ limits.window.end|hours_fr }} ;",
    )
    bullet(cell, "{{ limits.daily_rest|hours_fr }} consécutives de repos quotidien ;")
    bullet(cell, "{{ limits.weekly_max|hours_fr }} maximum par semaine ;")
    bullet(
        cell,
        "une pause d'au moins {{ limits.break_minutes|int }} minutes consécutives au-delà de "
        "{{ limits.break_after|hours_fr }} de travail quotidien ;",
    )
    bullet(cell, "deux jours de repos consécutifs par semaine, dont le dimanche ;")
    bullet(cell, "aucun travail les jours fériés.")
    tag(cell, "else")
    bullet(cell, "{{ limits.daily_max|hours_fr }} maximum par jour ;")
    bullet(cell, "{{ limits.daily_rest|hours_fr }} consécutives de repos quotidien ;")
    bullet(cell, "{{ limits.weekly_max|hours_fr }} maximum par semaine ;")
    # L3121-16: the break is due as soon as daily work reaches six hours.
    bullet(
        cell,
        "une pause d'au moins {{ limits.break_minutes|int }} minutes consécutives dès {{ limits.break_after|hours_fr }} de travail quotidien.",
    )
    tag(cell, "endif")
    tidy_cell(cell)


def pupil_details(doc) -> None:
    """The pupil's INE and own address, phone and email, each line only when given.

    Minor or adult alike: the guardian's lines below do not replace the pupil's own. A
    value left out prints no line at all, not a dotted blank (value_or_blank): nothing
    requires them, and an empty « INE : » would read as something forgotten.
    """
    for condition, parts in (
        ("pupil.ine", ["INE : ", b("{{ pupil.ine }}")]),
        ("pupil.address", ["Adresse : ", address("pupil.address")]),
        ("pupil.phone", ["Tél. : {{ pupil.phone|phone_fr }}"]),
        ("pupil.email", ["Courriel : {{ pupil.email }}"]),
    ):
        tag(doc, f"if {condition}")
        para(doc, *parts)
        tag(doc, "endif")


def pfmp_pedagogical_annex(doc) -> None:
    heading(doc, "A – Annexe pédagogique", 2)
    para(
        doc,
        "Élève : ",
        b("{{ pupil.first_name }} {{ pupil.last_name }}"),
        ", né(e) le ",
        b("{{ pupil.birth_date|date_fr }}"),
        ", en classe de ",
        b("{{ pupil.class }}"),
        " de l'établissement ",
        b("{{ school.name }}"),
    )
    pupil_details(doc)
    para(doc, "Diplôme préparé : ", b("{{ pupil.diploma }}"))
    para(
        doc,
        "Date de la visite médicale d'aptitude : ",
        *value_or_blank("pupil.medical_visit_date", b("{{ pupil.medical_visit_date|date_fr }}")),
    )
    tag(doc, "if pupil.legal_guardian")
    para(doc, "Responsable légal : ", b("{{ pupil.legal_guardian.name }}"))
    para(doc, "Adresse (Tél.) : ", address("pupil.legal_guardian.address"), " (Tél. {{ pupil.legal_guardian.phone|phone_fr }})")
    tag(doc, "endif")
    para(doc, "Stage : du ", b("{{ period.start|date_fr }}"), " au ", b("{{ period.end|date_fr }}"), after=6)

    pfmp_limits_box(doc)

    label(doc, "Horaires journaliers de l'élève :", before=8)
    schedule_table(doc, with_maximum=True)
    para(
        doc,
        "Nombre de semaines : ",
        b("{{ weeks }}"),
        " — Durée totale hebdomadaire : ",
        b("{{ weekly_hours|hours_fr }}"),
        " ({{ limits.weekly_max|hours_fr }} maxi)",
        before=4,
    )
    para(
        doc,
        "Total sur la période : ",
        b("{{ total_hours|hours_fr }}"),
        " sur {{ presence_days }} jour{% if presence_days not in [0, 1] %}s{% endif %} de présence",
    )
    exceptions_list(doc)
    tag(doc, "if holidays")
    para(doc, "Jours fériés compris dans la période :", keep_next=True, before=4)
    bullet_loop(doc, "h in holidays", "{{ h.date|weekday_fr|capitalize }} {{ h.date|date_fr }} : {{ h.name }}")
    tag(doc, "endif")

    para(
        doc,
        "Nom et qualité du tuteur de stage dans l'entreprise ou l'organisme d'accueil : ",
        b("{{ tutor.name }}"),
        ", {{ tutor.title }}",
        "{% if tutor.phone %} — Tél. {{ tutor.phone|phone_fr }}{% endif %}{% if tutor.email %} — {{ tutor.email }}{% endif %}",
        before=8,
    )
    para(doc, "Nom du (des) professeur(s) chargé(s) de suivre le déroulement du stage :", keep_next=True, before=4)
    bullet_loop(
        doc,
        "t in teachers",
        b("{{ t.name }}"),
        "{% if t.title %}, {{ t.title }}{% endif %}{% if t.phone %} — Tél. {{ t.phone|phone_fr }}{% endif %}"
        "{% if t.email %} — {{ t.email }}{% endif %}",
    )

    for title, items in (
        ("Objectifs assignés au stage :", "objective in pedagogy.objectives"),
        ("Activités prévues :", "activity in pedagogy.activities"),
        ("Compétences visées :", "skill in pedagogy.skills"),
    ):
        label(doc, title)
        bullet_loop(doc, items, f"{{{{ {items.split()[0]} }}}}")
    label(doc, "Modalités de concertation entre l'établissement de formation et l'entreprise ou l'organisme d'accueil :")
    para(doc, "{{ pedagogy.coordination|multiline }}")  # left-aligned: justified lines would stretch before a break
    label(doc, "Modalités d'évaluation du stage :")
    para(doc, "{{ pedagogy.evaluation|multiline }}")

    # Safety (articles 7, 10 and 11): printed only when the agreement says something of it.
    tag(doc, "if safety.regulated_work or safety.electrical_clearance or safety.night_work")
    label(doc, "Sécurité :", before=4)
    tag(doc, "if safety.regulated_work")
    para(
        doc,
        "Travaux réglementés (article 10) : dérogation de l'inspection du travail ",
        "{% if safety.regulated_work.derogation_date %}du ",
        b("{{ safety.regulated_work.derogation_date|date_fr }}"),
        "{% else %}du ……………………{% endif %}.",
        keep_next=True,
    )
    for title, items in (
        ("Travaux confiés", "task in safety.regulated_work.tasks"),
        ("Machines et équipements", "item in safety.regulated_work.equipment"),
        ("Personnes compétentes qui encadrent l'élève", "person in safety.regulated_work.supervisors"),
    ):
        name = items.split()[0]
        tag(doc, f"if {items.split(' in ')[1]}")
        para(doc, f"{title} :", keep_next=True)
        bullet_loop(doc, items, f"{{{{ {name} }}}}")
        tag(doc, "endif")
    tag(doc, "endif")
    tag(doc, "if safety.electrical_clearance")
    para(
        doc,
        "Habilitation électrique (article 11) : niveau ",
        b("{{ safety.electrical_clearance.level }}"),
        "{% if safety.electrical_clearance.training_certificate %} (carnet de formation : "
        "{{ safety.electrical_clearance.training_certificate }}){% endif %}.",
    )
    tag(doc, "endif")
    tag(doc, "if safety.night_work and not minor")
    para(
        doc,
        "Travail de nuit (article 7) : l'élève majeur est nommément désigné par le chef d'établissement pour être incorporé à une équipe de nuit.",
    )
    tag(doc, "endif")
    tag(doc, "endif")


MEAL_MODES = (
    ("home", ["Les repas sont pris au domicile."]),
    ("brought", ["Les repas sont amenés sur le lieu de stage par l'élève."]),
    ("free_on_site", ["Les repas gratuits sont pris dans l'entreprise ou l'organisme d'accueil."]),
    (
        "paid_on_site",
        [
            "Les repas payants sont pris dans l'entreprise ou l'organisme d'accueil",
            '{% if finance.meals.mode == "paid_on_site" and finance.meals.price is not none %} au prix de ',
            b("{{ finance.meals.price|euros }}"),
            " par repas{% endif %}.",
        ],
    ),
    ("school", ["Les repas sont pris dans l'établissement de formation."]),
)


def pfmp_financial_annex(doc) -> None:
    heading(doc, "B – Annexe financière", 2)
    para(
        doc,
        "{% if finance.gratification %}",
        b("Gratification"),
        " (article 5) : ",
        b("{{ finance.gratification.hourly_amount|euros }}"),
        " par heure de présence",
        "{% if gratification.estimated_total is not none %}, soit environ ",
        b("{{ gratification.estimated_total|euros }}"),
        " sur la période{% endif %}.",
        "{% else %}",
        b("Pas de gratification"),
        " (article 5).{% endif %}",
        after=4,
    )

    label(
        doc,
        "1 – Hébergement ",
        i("(cocher la case si oui et indiquer l'adresse du lieu d'hébergement et le montant des frais d'hébergement éventuels)"),
    )
    checkbox(doc, "finance.accommodation is not none", "L'hébergement est différent du lieu de résidence habituel de l'élève")
    tag(doc, "if finance.accommodation")
    para(doc, "Adresse du lieu d'hébergement : ", address("finance.accommodation.address"), indent=0.6, after=2)
    tag(doc, "if finance.accommodation.cost is not none")
    para(doc, "Montant des frais d'hébergement : ", b("{{ finance.accommodation.cost|euros }}"), indent=0.6, after=2)
    tag(doc, "endif")
    tag(doc, "endif")

    label(doc, "2 – Restauration ", i("(cocher une case)"))
    for mode, parts in MEAL_MODES:
        checkbox(doc, f'finance.meals.mode == "{mode}"', *parts)

    label(doc, "3 – Transport")
    para(
        doc, "Moyen(s) de transport utilisé(s) par l'élève :{% if not finance.transport %} non précisé{% endif %}", keep_next=True, after=2
    )
    bullet_loop(doc, "means in finance.transport", "{{ means }}")

    label(doc, "4 – Assurance")
    para(
        doc,
        "L'établissement de formation : ",
        b("{{ school.insurance.insurer }}"),
        ", contrat n° ",
        b("{{ school.insurance.contract_number }}"),
    )
    para(doc, "L'entreprise ou l'organisme d'accueil a :", keep_next=True, after=2)
    checkbox(
        doc,
        'host.insurance.kind == "specific"',
        "soit souscrit une assurance particulière garantissant sa responsabilité civile en cas de faute imputable "
        "à l'entreprise ou à l'organisme d'accueil à l'égard du stagiaire,",
    )
    checkbox(
        doc,
        'host.insurance.kind == "rider"',
        "soit ajouté à son contrat déjà souscrit « responsabilité civile entreprise » ou « responsabilité civile "
        "professionnelle » un avenant relatif au stagiaire.",
    )
    para(doc, "Nom de l'assureur : ", b("{{ host.insurance.insurer }}"), before=2, after=2)
    para(doc, "Numéro du contrat : ", b("{{ host.insurance.contract_number }}"))


TEACHER_NAMES = "{% for t in teachers %}{{ t.name }}{% if not loop.last %}, {% endif %}{% endfor %}"
READ = "Vu et pris connaissance le"


def pfmp_signatures(doc) -> None:
    done_at(doc)
    table = signature_table(doc)
    signature_row(
        table,
        Signer(
            "Le chef d'entreprise ou le responsable de l'organisme d'accueil :",
            ["{{ host.representative.name }}, {{ host.representative.title }}"],
        ),
        Signer("Le chef d'établissement de l'établissement de formation :", ["{{ school.head.name }}, {{ school.head.title }}"]),
    )
    signature_row(
        table,
        Signer("Le tuteur dans l'entreprise ou l'organisme d'accueil :", ["{{ tutor.name }}, {{ tutor.title }}"], READ),
        Signer("Le(s) professeur(s) chargé(s) de suivre le déroulement du stage :", [TEACHER_NAMES], READ),
    )
    pupil = Signer("L'élève :", ["{{ pupil.first_name }} {{ pupil.last_name }}"], READ)
    tag_row(table, "if minor")
    signature_row(
        table,
        Signer("Le responsable légal de l'élève :", ["{% if pupil.legal_guardian %}{{ pupil.legal_guardian.name }}{% endif %}"], READ),
        pupil,
    )
    tag_row(table, "else")
    signature_row(table, pupil, None)
    tag_row(table, "endif")


def build_pfmp(path: Path) -> None:
    title = "Convention de période de formation en milieu professionnel"
    doc = new_document(title, "Modèle convgen : convention de PFMP (lycée professionnel)", "Convention de PFMP")
    pfmp_top(doc)
    heading(doc, "CONVENTION DE PÉRIODE DE FORMATION EN MILIEU PROFESSIONNEL", 0)
    pfmp_summary(doc)
    spacer(doc, 8)
    for paragraph in PFMP_PREAMBLE:
        text(doc, *paragraph)
    pfmp_parties(doc)
    heading(doc, "Dispositions générales", 1)
    for title_, paragraphs in PFMP_ARTICLES:
        article(doc, title_, paragraphs)
    heading(doc, "Dispositions particulières", 1, page_break=True)
    pfmp_pedagogical_annex(doc)
    pfmp_financial_annex(doc)
    pfmp_signatures(doc)
    save(doc, path)


# --------------------------------------------------------------------------------------
# Immersion: convention d'immersion professionnelle entre structures.
# --------------------------------------------------------------------------------------

STRUCTURE_TAB = 3.6


def immersion_structure(doc, number: str, title: str, prefix: str) -> None:
    label(doc, f"{number}. {title}")
    field(doc, "Dénomination", b(f"{{{{ {prefix}.name }}}}"), tab=STRUCTURE_TAB, keep_next=True)
    field(doc, "Adresse", address(f"{prefix}.address"), tab=STRUCTURE_TAB, keep_next=True)
    field(
        doc,
        "Représentée par",
        b(f"{{{{ {prefix}.representative.name }}}}"),
        f", {{{{ {prefix}.representative.title }}}}",
        tab=STRUCTURE_TAB,
    )


def immersion_person(doc, prefix: str, email: bool = False) -> None:
    field(doc, "Nom, Prénom", b(f"{{{{ {prefix}.name }}}}"), tab=STRUCTURE_TAB, keep_next=True)
    field(doc, "Fonction", f"{{{{ {prefix}.title }}}}", tab=STRUCTURE_TAB, keep_next=True)
    field(doc, "Téléphone", f"{{{{ {prefix}.phone|phone_fr }}}}", tab=STRUCTURE_TAB, keep_next=email)
    if email:
        field(doc, "Email", f"{{{{ {prefix}.email }}}}", tab=STRUCTURE_TAB)


def immersion_schedule(doc) -> None:
    """Article 2's schedule, when the agreement gives one."""
    tag(doc, "if week_pattern")
    para(doc, "Horaires de l'immersion :", keep_next=True, before=4)
    schedule_table(doc, with_maximum=False)
    para(
        doc,
        "Durée totale : ",
        b("{{ total_hours|hours_fr }}"),
        " sur {{ presence_days }} jour{% if presence_days not in [0, 1] %}s{% endif %} de présence",
        before=4,
    )
    exceptions_list(doc)
    tag(doc, "endif")


def build_immersion(path: Path) -> None:
    title = "Convention d'immersion professionnelle"
    doc = new_document(title, "Modèle convgen : convention d'immersion professionnelle entre structures", title)
    para(doc, b("{{ copy.heading }}"), align=WD_ALIGN_PARAGRAPH.RIGHT)
    heading(doc, "CONVENTION D'IMMERSION PROFESSIONNELLE", 0)
    for paragraph in IMMERSION_PREAMBLE:
        text(doc, *paragraph)

    heading(doc, "Entre les soussignés,", 2)
    immersion_structure(doc, "1", "La structure où a lieu la période d'immersion, ci-appelée l'hôte :", "host")
    immersion_structure(doc, "2", "La structure qui envoie en immersion :", "sender")
    label(doc, "3. Le membre du personnel qui est envoyé en immersion, ci-appelé le travailleur stagiaire :")
    field(doc, "Nom, Prénom", b("{{ worker.first_name }} {{ worker.last_name }}"), tab=STRUCTURE_TAB, keep_next=True)
    field(doc, "Fonction", "{{ worker.job_title }}", tab=STRUCTURE_TAB)

    heading(doc, "Il est convenu ce qui suit :", 2)
    heading(doc, "1. Objet de la convention", 3)
    text(doc, "L'immersion professionnelle est convenue afin de :", keep_next=True)
    bullet_loop(doc, "objective in objectives", "{{ objective }}")
    heading(doc, "2. Durée", 3)
    text(
        doc,
        "L'immersion est prévue pour une durée maximum de 5 jours. Celle-ci débutera le ",
        b("{{ period.start|date_fr }}"),
        " pour se terminer le ",
        b("{{ period.end|date_fr }}"),
        ".",
    )
    immersion_schedule(doc)
    heading(doc, "3. Identification du responsable de la structure hôte", 3)
    immersion_person(doc, "host_manager")
    heading(doc, "4. Identification de la personne de contact au sein de la structure hôte", 3)
    immersion_person(doc, "host_contact", email=True)
    for title_, paragraphs in IMMERSION_ARTICLES:
        article(doc, title_, paragraphs)

    done_at(doc)
    table = signature_table(doc, (5.8, 5.8, 5.8))
    row = table.add_row()
    keep_row_together(row)
    row_height(row, SIGNATURE_HEIGHT + 0.8)
    for cell, (role, prefix) in zip(
        row.cells,
        (
            ("Pour la structure hôte :", "host"),
            ("Pour la structure qui envoie en immersion :", "sender"),
        ),
    ):
        signature_cell(
            cell,
            Signer(
                role, [b(f"{{{{ {prefix}.name }}}}"), f"\n{{{{ {prefix}.representative.name }}}}, {{{{ {prefix}.representative.title }}}}"]
            ),
        )
    signature_cell(
        row.cells[2],
        Signer("Le travailleur stagiaire :", [b("{{ worker.first_name }} {{ worker.last_name }}"), "\n{{ worker.job_title }}"]),
    )
    save(doc, path)


# --------------------------------------------------------------------------------------
# The legal text, as data. PFMP: the model agreement (convention type) of the seed, with
# its slips fixed: decree n° 2010-676 « du 21 juin 2010 » (preamble and article 9),
# article 8 titled for the minor pupil, article 12 « l'élève bénéficie de », article 7
# « nommément désigné », article 9 « a accès au restaurant d'entreprise ».
# --------------------------------------------------------------------------------------

DECREE_2010_676 = (
    "décret n° 2010-676 du 21 juin 2010 instituant une prise en charge partielle du prix des titres d'abonnement "
    "correspondant aux déplacements effectués par les agents publics entre leur résidence habituelle et leur lieu de travail"
)

PFMP_PREAMBLE: Sequence[Sequence[Part]] = (
    [
        "Vu le code du travail, et notamment ses articles L. 1221-13, L. 3162-1 à 3, L. 3163-1 à 3, L. 3164-1 à 8, "
        "L. 4153-1 à 9, D. 4153-3 à 37, R. 3163-1 à 6, R. 3164-1 à 3, R. 3165-1 à 7 et R. 4153-38 à 45 ;"
    ],
    ["Vu le code de l'éducation, notamment ses articles L. 124-1 à 20 et D. 124-1 à 9 ;"],
    [f"Vu le {DECREE_2010_676} ;"],
    [
        "Vu la délibération du conseil d'administration en date du ",
        *value_or_blank("school.board_approval_date", "{{ school.board_approval_date|date_fr }}"),
        " approuvant la convention type et autorisant le chef d'établissement à conclure au nom de l'établissement "
        "toute convention de période de formation en milieu professionnel conforme à la convention type ;",
    ],
)

PFMP_ARTICLES: Sequence[Article] = (
    (
        "Article 1 – Objet de la convention",
        (
            "La présente convention a pour objet la mise en œuvre, au bénéfice de l'élève de l'établissement de formation "
            "désigné en annexe, de périodes de formation en milieu professionnel réalisées dans le cadre de l'enseignement "
            "professionnel.",
        ),
    ),
    (
        "Article 2 – Objectifs – Modalités pédagogiques et financières",
        (
            "La période de formation en milieu professionnel correspond à une période temporaire de mise en situation en "
            "milieu professionnel au cours de laquelle l'élève acquiert des compétences professionnelles et met en œuvre les "
            "acquis de sa formation en vue d'obtenir un diplôme ou une certification et de favoriser son insertion "
            "professionnelle. Le stagiaire se voit confier une ou des missions conformes au projet pédagogique défini par son "
            "établissement d'enseignement et approuvées par l'organisme d'accueil (article L. 124-1 du code de l'éducation).",
            "En aucun cas, sa participation à ces activités ne doit porter préjudice à la situation de l'emploi dans l'entreprise.",
        ),
    ),
    (
        "Article 3 – Dispositions de la convention",
        (
            "La convention comprend des dispositions générales et des dispositions particulières constituées par les annexes "
            "pédagogique et financière. L'annexe pédagogique définit les objectifs et les modalités pédagogiques de la période "
            "de formation en milieu professionnel. L'annexe financière définit les modalités de prise en charge des frais "
            "afférents à la période, ainsi que les modalités d'assurance.",
            "La convention accompagnée de ses annexes est signée par le chef d'établissement, le représentant de l'entreprise "
            "ou l'organisme d'accueil de l'élève, le stagiaire, par son représentant légal si l'élève est mineur, "
            "l'enseignant-référent et le tuteur de stage.",
            "La convention est établie en 3 exemplaires : un destiné à l'établissement de formation, un à l'entreprise ou à "
            "l'organisme d'accueil et un au représentant légal de l'élève ou à l'élève lui-même lorsqu'il est majeur, pour "
            "information.",
        ),
    ),
    (
        "Article 4 – Statut et obligation de l'élève",
        (
            "L'élève demeure, durant la période de formation en milieu professionnel, sous statut scolaire. Il reste sous la "
            "responsabilité du chef d'établissement scolaire.",
            "Le stagiaire est inscrit dans une partie spécifique du registre unique du personnel de l'entreprise ou de "
            "l'organisme d'accueil : nom, prénom, dates de début et de fin de la période de formation en milieu "
            "professionnel, nom et prénom du tuteur et lieu de présence du stagiaire.",
            "Le stagiaire n'est pas pris en compte dans le calcul de l'effectif de l'entreprise. Il ne peut participer aux "
            "éventuelles élections professionnelles.",
            "Le stagiaire est soumis aux règles générales en vigueur dans l'entreprise, notamment en matière de sécurité, "
            "d'horaires et de discipline, sous réserve des dispositions des articles 5 et 6 de la présente convention.",
            "L'élève est soumis au secret professionnel. Il est tenu d'observer une entière discrétion sur l'ensemble des "
            "renseignements qu'il pourra recueillir à l'occasion de ses fonctions ou du fait de sa présence dans "
            "l'entreprise. En outre, l'élève s'engage à ne faire figurer dans son rapport de stage aucun renseignement "
            "confidentiel concernant l'entreprise.",
        ),
    ),
    (
        "Article 5 – Gratification",
        (
            "Le stagiaire ne peut prétendre à aucune rémunération de l'entreprise. Toutefois, il peut lui être alloué une gratification.",
            "Lorsque la durée de la période de formation en milieu professionnel au sein d'un même organisme d'accueil est "
            "supérieure à deux mois consécutifs ou, au cours d'une même année scolaire, à deux mois consécutifs ou non (soit "
            "plus de quarante-quatre jours), la ou les périodes de formation en milieu professionnel font l'objet d'une "
            "gratification versée mensuellement. Son montant correspond à 15 % du plafond horaire de la sécurité sociale "
            "prévu à l'article D. 242-2-1 du code de la sécurité sociale.",
            "Cette gratification n'a pas le caractère d'un salaire au sens de l'article L. 3221-3 du code du travail.",
            "Lorsque le montant de la gratification dépasse le plafond indiqué ci-dessus, les obligations de l'employeur "
            "incombent à l'entreprise d'accueil du stagiaire, conformément aux dispositions du II-A de l'article R. 412-4 du "
            "code de la sécurité sociale.",
        ),
    ),
    (
        "Article 6 – Durée du travail",
        (
            "En ce qui concerne la durée du travail, l'élève est soumis à la durée hebdomadaire légale ou conventionnelle si "
            "celle-ci est inférieure à la durée légale.",
        ),
    ),
    (
        "Article 7 – Durée et horaire de travail de l'élève majeur",
        (
            "Dans l'hypothèse où l'élève majeur est soumis à une durée hebdomadaire modulée, la moyenne des durées de travail "
            "hebdomadaires effectuées pendant la période en milieu professionnel ne pourra excéder les limites indiquées "
            "ci-dessus.",
            "En ce qui concerne le travail de nuit, seul l'élève majeur nommément désigné par le chef d'établissement "
            "scolaire peut être incorporé à une équipe de nuit.",
        ),
    ),
    (
        "Article 8 – Durée et horaire de travail de l'élève mineur",
        (
            "La durée de travail de l'élève mineur ne peut excéder 8 heures par jour et 35 heures par semaine.",
            "Le repos hebdomadaire de l'élève mineur doit être d'une durée minimale de 2 jours consécutifs. La période "
            "minimale de repos hebdomadaire doit comprendre le dimanche, sauf en cas de dérogation légale de droit, de "
            "dérogation conventionnelle ou de dérogation administrative si l'élève a plus de 16 ans. Dans ce cas, le repos "
            "hebdomadaire sera donné un autre jour et aura une durée minimale de 36 heures.",
            "Pour chaque période de 24 heures, la période minimale de repos quotidien est fixée à 14 heures consécutives pour "
            "l'élève mineur de moins de 16 ans et à 12 heures consécutives pour l'élève mineur de 16 à 18 ans.",
            "Au-delà de quatre heures et demie de travail quotidien, l'élève mineur doit bénéficier d'une pause d'au moins "
            "30 minutes consécutives.",
            "Le travail de nuit est interdit :",
            Item("à l'élève mineur de 16 à 18 ans entre 22 heures le soir et 6 heures le matin,"),
            Item("à l'élève de moins de 16 ans entre 20 heures et 6 heures."),
            "Ces dispositions ne souffrent aucune dérogation.",
        ),
    ),
    (
        "Article 9 – Avantages offerts par l'entreprise ou l'organisme d'accueil",
        (
            "Conformément à l'article L. 124-13 du code de l'éducation, le stagiaire a accès au restaurant d'entreprise ou aux "
            "titres-restaurant prévus à l'article L. 3262-1 du code du travail, dans les mêmes conditions que les salariés de "
            "l'organisme d'accueil. Il bénéficie également de la prise en charge des frais de transport prévue à l'article "
            "L. 3261-2 du même code.",
            "Si l'élève effectue une période de formation en milieu professionnel au sein d'un organisme de droit public, les "
            "trajets entre le domicile du stagiaire et le lieu où il accomplit la période de formation en milieu "
            f"professionnel sont pris en charge dans les conditions fixées par le {DECREE_2010_676}. Si le stagiaire effectue "
            "une mission dans le cadre de l'organisme de droit public, il bénéficie de la prise en charge de ses frais de "
            "déplacement temporaire selon la réglementation en vigueur.",
            "Si l'élève effectue une période de formation en milieu professionnel dans une entreprise, la prise en charge des "
            "frais de transports est laissée à l'appréciation de l'entreprise.",
        ),
    ),
    (
        "Article 10 – Sécurité – Travaux interdits aux mineurs",
        (
            "En application des articles R. 4153-38 à 45, D. 4153-2 à 4 et D. 4153-15 à 37 du code du travail, l'élève "
            "mineur de 15 ans au moins, peut être affecté aux travaux réglementés si l'entreprise bénéficie de la dérogation "
            "aux travaux interdits aux mineurs délivrée par l'inspecteur du travail.",
            "La demande d'autorisation à déroger, où figure le secteur d'activité de l'entreprise, la liste des travaux "
            "susceptibles de dérogation et les équipements de travail liés à ces travaux ainsi que la qualité et la fonction "
            "de la (ou des) personne(s) compétente(s) pour encadrer le jeune pendant l'exécution des travaux précités, est "
            "signée par le chef d'entreprise et adressée à l'inspecteur du travail.",
            "L'élève ne doit utiliser ces machines, produits ou effectuer ces travaux en entreprise qu'avec l'autorisation et "
            "sous le contrôle permanent du tuteur.",
        ),
    ),
    (
        "Article 11 – Sécurité électrique",
        (
            "Le stagiaire ayant à intervenir, au cours de sa période de formation en milieu professionnel, sur – ou à "
            "proximité – des installations et des équipements électriques, doit y être habilité par le chef de l'entreprise "
            "d'accueil en fonction de la nature des travaux à effectuer. Cette habilitation ne peut être accordée qu'à "
            "l'issue d'une formation à la prévention des risques électriques suivie par l'élève en établissement scolaire, "
            "préalablement à sa période de formation en milieu professionnel.",
            "L'habilitation est délivrée au vu d'un carnet individuel de formation établi par l'établissement scolaire qui "
            "certifie que, pour les niveaux d'habilitation mentionnés, la formation correspondante a été suivie avec succès "
            "par l'élève.",
        ),
    ),
    (
        "Article 12 – Couverture des accidents du travail",
        (
            "En application de l'article L. 412-8 modifié du code de la sécurité sociale, l'élève bénéficie de la "
            "législation sur les accidents du travail.",
            "Conformément à l'article R. 412-4 du code de la sécurité sociale, lorsque l'élève est victime d'un accident "
            "survenant soit au cours du travail, soit au cours du trajet, l'obligation de déclaration d'accident incombe à "
            "l'entreprise d'accueil. Celle-ci adressera à la CPAM compétente, une lettre recommandée avec accusé de "
            "réception, dans les 48 heures suivant l'accident. Pour le calcul de ce délai de 48 heures, les dimanches et "
            "jours fériés ne sont pas comptés. L'entreprise fait parvenir, sans délai, une copie de la déclaration au chef "
            "d'établissement.",
        ),
    ),
    (
        "Article 13 – Autorisation d'absence",
        (
            "En cas de grossesse, de paternité ou d'adoption, le stagiaire bénéficie de congés et d'autorisations d'absence "
            "d'une durée équivalente à celles prévues pour les salariés aux articles L. 1225-16 à 28, L. 1225-35, L. 1225-37 "
            "et L. 1225-46 du code du travail.",
            "Pour les périodes de formation en milieu professionnel dont la durée est supérieure à 2 mois et dans la limite "
            "de 6 mois, la convention de stage doit prévoir la possibilité de congés et d'autorisations d'absence au bénéfice "
            "du stagiaire au cours de la période de formation en milieu professionnel.",
        ),
    ),
    (
        "Article 14 – Assurance responsabilité civile",
        (
            "Le chef de l'entreprise d'accueil prend les dispositions nécessaires pour garantir sa responsabilité civile "
            "chaque fois qu'elle peut être engagée.",
            "Le chef d'établissement contracte une assurance couvrant la responsabilité civile de l'élève pour les dommages "
            "qu'il pourrait causer pendant la durée de sa période de formation en milieu professionnel dans l'entreprise ou "
            "à l'occasion de la préparation de celle-ci.",
        ),
    ),
    (
        "Article 15 – Encadrement et suivi de l'élève",
        (
            "Les conditions dans lesquelles l'enseignant-référent de l'établissement et le tuteur dans l'entreprise ou "
            "l'organisme d'accueil assurent l'encadrement et le suivi du stagiaire figurent dans l'annexe pédagogique jointe "
            "à la présente convention.",
        ),
    ),
    (
        "Article 16 – Suspension et résiliation de la convention",
        (
            "Le chef d'établissement et le représentant de l'entreprise d'accueil se tiendront mutuellement informés des "
            "difficultés qui pourraient être rencontrées à l'occasion de la période de formation en milieu professionnel. Le "
            "cas échéant, ils prendront, d'un commun accord et en liaison avec l'équipe pédagogique, les dispositions propres "
            "à résoudre les problèmes d'absentéisme ou de manquement à la discipline. Au besoin, ils étudieront ensemble les "
            "modalités de suspension ou de résiliation de la période de formation en milieu professionnel.",
        ),
    ),
    (
        "Article 17 – Validation de la période de formation en milieu professionnel en cas d'interruption",
        (
            "Lorsque le stagiaire interrompt sa période de formation en milieu professionnel pour un motif lié à la maladie, "
            "à un accident, à la grossesse, à la paternité, à l'adoption ou, en accord avec l'établissement, en cas de "
            "non-respect des stipulations pédagogiques de la convention ou en cas de rupture de la convention à l'initiative "
            "de l'organisme d'accueil, l'établissement propose au stagiaire une modalité alternative de validation de sa "
            "formation. En cas d'accord des parties à la convention, un report de la fin de la période de formation en milieu "
            "professionnel ou du stage, en tout ou partie, est également possible.",
        ),
    ),
    (
        "Article 18 – Attestation",
        (
            "À l'issue de la période de formation en milieu professionnel, le responsable de l'entreprise ou de l'organisme "
            "d'accueil délivre une attestation conforme à l'attestation type figurant en annexe de la présente convention.",
        ),
    ),
)


# Immersion: the seed's text; « ci-appelée l'hôte » agrees with « la structure ».
IMMERSION_PREAMBLE: Sequence[Sequence[Part]] = (
    [
        b("Préambule :"),
        " la présente convention concerne l'échange sur le principe de réciprocité entre les différentes "
        "structures dans le cadre d'un partage d'expériences, d'apport méthodologique et de savoir-faire.",
    ],
    [
        "La présente convention ne prévoit en aucune façon une mise à disposition du travailleur, lequel réalise une "
        "immersion dans le cadre d'une mission de service qui lui est confiée par son employeur."
    ],
)

IMMERSION_ARTICLES: Sequence[Article] = (
    (
        "5. Statut du travailleur stagiaire",
        (
            "Dans le cadre de la mission de service, le travailleur en immersion est tenu au respect de l'ensemble des "
            "dispositions régissant l'organisation du service.",
        ),
    ),
    (
        "6. Condition d'assurance",
        ("Le service hôte où a lieu l'immersion professionnelle se dégage de toutes responsabilités en cas d'accident.",),
    ),
    (
        "7. Confidentialité",
        (
            "Le travailleur reconnaît que sont réputées confidentielles toutes les informations auxquelles il aura accès "
            "directement ou indirectement dans l'exécution des tâches qui lui seront confiées.",
            "Le secret professionnel et les règles déontologiques d'application à la profession doivent être respectés de la "
            "même façon que pour les prestations auprès de l'employeur.",
        ),
    ),
    (
        "8. Fin de l'immersion",
        (
            "En cas de non-respect de ces obligations par l'une ou l'autre partie, ou en cas d'inconduite ou d'absences "
            "injustifiées du travailleur stagiaire, chaque partie pourra mettre fin de manière immédiate à la convention, "
            "après en avoir averti l'autre partie.",
        ),
    ),
    (
        "9. Valorisation de l'immersion",
        (
            "La valorisation de cette immersion sera soutenue par la réalisation d'une évaluation du stage et la rédaction "
            "de 4 idées fortes sur la plateforme E-learning, partagées avec l'équipe et la direction du travailleur "
            "stagiaire. Une fiche de bonne pratique pourra également être rédigée.",
        ),
    ),
)


def main() -> None:
    import argparse

    parser = argparse.ArgumentParser(description="Write the built-in templates (templates/pfmp.docx, templates/immersion.docx).")
    parser.add_argument("--out", type=Path, default=OUTPUT, help="folder to write them to (default: templates/)")
    out = parser.parse_args().out
    out.mkdir(parents=True, exist_ok=True)
    build_pfmp(out / "pfmp.docx")
    build_immersion(out / "immersion.docx")
    for name in ("pfmp.docx", "immersion.docx"):
        print(f"wrote {out / name}")


if __name__ == "__main__":
    main()
