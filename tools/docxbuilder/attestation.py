"""The layout of the attestation de fin de période de formation en milieu professionnel.

The words are those of tools/templates/attestation.md; this module only decides where they
go and how they look. One page for an ordinary period: a few absences, a few activities.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path

from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Pt

from .blocks import heading, para, tidy_cell, write, write_fields
from .document import new_document, save
from .forms import Signer, done_at, signature_cell, signature_table, smaller
from .ooxml import keep_row_together, make_table, row_height
from .runs import Span, b, hint
from .source import Texts

FIELD_TAB = 3.6  # cm: as the parties' fields of the agreement
HEADING_SPACE = 4  # pt before each part's heading: a little tighter than the agreements', to keep to one page
SIGNATURE_ROW = 3.0  # cm: the cell of the representative's signature and the stamp beside it


def top(doc, texts: Texts) -> None:
    """The school's details on the left, in small type; the copy's label on the right."""
    table = make_table(doc, 1, (6.8, 10.6))
    school, copy = table.rows[0].cells
    para(school, hint(texts.plain("school.caption")), after=1)
    for parts in texts.lines("school.details"):
        para(school, *smaller(parts), after=0)
    tidy_cell(school)
    copy.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.TOP
    para(copy, b("{{ copy.heading }}"), align=WD_ALIGN_PARAGRAPH.RIGHT)
    tidy_cell(copy)


def title(doc, texts: Texts) -> None:
    """The title, and under it the texts the attestation answers to."""
    (block,) = texts.blocks("title")
    heading(doc, block.parts, block.level).paragraph_format.space_after = Pt(2)
    para(doc, Span(texts.plain("subtitle"), italic=True, grey=True), align=WD_ALIGN_PARAGRAPH.CENTER, after=8)


def fields(doc, texts: Texts, key: str) -> None:
    """A heading and its fields, kept together on the page."""
    write_fields(doc, texts.blocks(key), f"@{key}", tab=FIELD_TAB, keep_together=True)


def signatures(doc, texts: Texts) -> None:
    """« Fait à … le … », then the representative's signature beside the host's stamp."""
    done_at(doc, texts.line("done_at"))
    table = signature_table(doc, (10.4, 7.0))
    row = table.add_row()
    keep_row_together(row)
    row_height(row, SIGNATURE_ROW)
    signer, stamp = row.cells
    signature_cell(signer, Signer.from_text(texts, "signature.host"), texts.plain("signature.caption"))
    stamp.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.TOP
    para(stamp, hint(texts.plain("stamp.host")), align=WD_ALIGN_PARAGRAPH.CENTER)
    tidy_cell(stamp)


def build(texts: Texts, path: Path) -> None:
    doc = new_document(texts.plain("document.title"), texts.plain("document.subject"), texts.line("footer"), texts.plain("footer.page"))
    doc.styles["Article Heading"].paragraph_format.space_before = Pt(HEADING_SPACE)
    top(doc, texts)
    title(doc, texts)

    for key in ("host", "pupil", "period"):
        fields(doc, texts, key)
    write(doc, texts.blocks("presence"))
    write(doc, texts.blocks("absences"), paragraph=partial(para, before=2))
    write(doc, texts.blocks("activities"))
    write(doc, texts.blocks("gratification"))

    signatures(doc, texts)
    para(doc, *smaller(texts.line("note")), before=4)
    texts.check_all_used()
    save(doc, path)
