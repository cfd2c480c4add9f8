"""The document itself: page, styles, core properties, footer, and a deterministic save."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterable
from pathlib import Path

from docx import Document
from docx.enum.section import WD_SECTION
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_TAB_ALIGNMENT
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor
from lxml import etree

from .ooxml import child, paragraph_border
from .runs import Part, add_parts
from .theme import BODY_SIZE, FIXED_DATE, FONT, GREY, MARGIN, PAGE_HEIGHT, PAGE_WIDTH, SMALL_SIZE, TEXT_WIDTH, ZIP_DATE

STYLES_WITH_EFFECTS = "http://schemas.microsoft.com/office/2007/relationships/stylesWithEffects"


def _set_fonts(r_pr, name: str = FONT) -> None:
    """Arial for every script, with no theme font that would override it."""
    fonts = child(r_pr, "w:rFonts", ())
    for attribute in list(fonts.attrib):
        del fonts.attrib[attribute]
    for key in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(key), name)
    r_pr.remove(fonts)
    r_pr.insert(0, fonts)


def _set_language(r_pr, language: str = "fr-FR") -> None:
    """French spelling and hyphenation for the text."""
    child(r_pr, "w:lang", ()).set(qn("w:val"), language)


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
        level = child(p_pr, "w:outlineLvl", ("w:divId", "w:cnfStyle", "w:rPr", "w:sectPr", "w:pPrChange"))
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


def setup_footer(doc, left: Iterable[Part], page: str) -> None:
    """`left` (« Convention de PFMP — {{ copy.heading }} ») on the left, « `page` X / Y » (« Page 2 / 6 ») on the right."""
    section = doc.sections[0]
    footer = section.footer
    footer.is_linked_to_previous = False
    paragraph = footer.paragraphs[0]
    paragraph.style = doc.styles["Footer"]
    paragraph_border(paragraph, ("top",), size=4, space=4)
    add_parts(paragraph, [*left, f"\t{page} "])
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


def new_document(title: str, subject: str, footer: Iterable[Part], page: str):
    """A blank A4 document with the styles, properties and footer of every template (`page`: the word before the page number)."""
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
    setup_footer(doc, footer, page)
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
