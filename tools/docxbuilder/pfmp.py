"""The layout of the convention de période de formation en milieu professionnel (PFMP).

The words are those of tools/templates/pfmp.md; this module only decides where they go
and how they look.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path

from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH

from .blocks import boxed, bullet_loop, heading, label, lead_in, para, spacer, split_label, tag, tag_row, tidy_cell, write, write_fields
from .document import new_document, save
from .forms import Signer, done_at, schedule_table, signature_row, signature_table, smaller
from .ooxml import cell_borders, cell_margins, cell_shading, make_table, row_height
from .runs import b, hint
from .source import Texts

PARTY_TAB = 3.6


def top(doc, texts: Texts) -> None:
    """The school's stamp box on the left, the copy's label on the right."""
    table = make_table(doc, 1, (7.2, 10.2))
    row = table.rows[0]
    row_height(row, 3.0)
    stamp, copy = row.cells
    cell_borders(stamp, 6)
    para(stamp, hint(texts.plain("stamp.school")), after=3)
    for parts in texts.lines("stamp.school.details"):
        para(stamp, *smaller(parts), after=0)
    tidy_cell(stamp)
    copy.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.TOP
    para(copy, b("{{ copy.heading }}"), align=WD_ALIGN_PARAGRAPH.RIGHT)
    tidy_cell(copy)


def summary(doc, texts: Texts) -> None:
    """Période / Élève / Classe, under the title."""
    rows = [split_label(parts, "@summary") for parts in texts.lines("summary")]
    table = make_table(doc, len(rows), (3.2, 14.2), borders=6)
    for row, (name, value) in zip(table.rows, rows):
        cell_shading(row.cells[0])
        para(row.cells[0], name, after=0)
        para(row.cells[1], *value, after=0)
        for cell in row.cells:
            tidy_cell(cell)


def parties(doc, texts: Texts) -> None:
    write(doc, texts.blocks("parties.host.heading"))
    table = make_table(doc, 1, (11.4, 6.0))
    row_height(table.rows[0], 3.2)
    host, stamp = table.rows[0].cells
    cell_margins(host, left=0)  # aligned with the school's lines below
    write_fields(host, texts.blocks("parties.host"), "@parties.host", tab=PARTY_TAB)
    tidy_cell(host)
    cell_borders(stamp, 6)
    para(stamp, hint(texts.plain("stamp.host")), align=WD_ALIGN_PARAGRAPH.CENTER)
    tidy_cell(stamp)
    write_fields(doc, texts.blocks("parties.school"), "@parties.school", tab=PARTY_TAB)


def limits_box(doc, texts: Texts) -> None:
    """« Attention » : the pupil's limits, from `limits` (a minor's or an adult's)."""
    cell = boxed(doc, shade="F5F5F5")
    write(cell, texts.blocks("limits"), paragraph=partial(para, after=2))
    tidy_cell(cell)


def pedagogical_annex(doc, texts: Texts) -> None:
    write(doc, texts.blocks("annex.pedagogy"), paragraph=para)
    para(doc, *texts.line("annex.period"), after=6)

    limits_box(doc, texts)

    label(doc, *texts.line("schedule.heading"), before=8)
    schedule_table(doc, texts, with_maximum=True)
    para(doc, *texts.line("schedule.weeks"), before=4)
    para(doc, *texts.line("schedule.total"))
    write(doc, texts.blocks("schedule.exceptions"), paragraph=lead_in)

    para(doc, *texts.line("tutor"), before=8)
    write(doc, texts.blocks("teachers"), paragraph=lead_in)
    # left-aligned, not justified: justified lines would stretch before a line break of |multiline
    write(doc, texts.blocks("pedagogy"), paragraph=para)
    safety(doc, texts)


def safety(doc, texts: Texts) -> None:
    """Articles 7, 10 and 11: printed only when the agreement says something of them."""
    tag(doc, "if safety.regulated_work or safety.electrical_clearance or safety.night_work")
    label(doc, *texts.line("safety"), before=4)
    tag(doc, "if safety.regulated_work")
    para(doc, *texts.line("safety.regulated_work"), keep_next=True)
    for key, item in (("tasks", "task"), ("equipment", "item"), ("supervisors", "person")):
        tag(doc, f"if safety.regulated_work.{key}")
        para(doc, *texts.line(f"safety.regulated_work.{key}"), keep_next=True)
        bullet_loop(doc, f"{item} in safety.regulated_work.{key}", f"{{{{ {item} }}}}")
        tag(doc, "endif")
    tag(doc, "endif")
    tag(doc, "if safety.electrical_clearance")
    para(doc, *texts.line("safety.electrical_clearance"))
    tag(doc, "endif")
    tag(doc, "if safety.night_work and not minor")
    para(doc, *texts.line("safety.night_work"))
    tag(doc, "endif")
    tag(doc, "endif")


def financial_annex(doc, texts: Texts) -> None:
    write(doc, texts.blocks("annex.finance"))
    para(doc, *texts.line("finance.gratification"), after=4)
    write(doc, texts.blocks("finance.allowance"), paragraph=partial(para, after=4))
    write(doc, texts.blocks("finance.accommodation"), paragraph=partial(para, indent=0.6, after=2))
    write(doc, texts.blocks("finance.meals"))
    write(doc, texts.blocks("finance.transport"), paragraph=partial(para, keep_next=True, after=2))
    write(doc, texts.blocks("finance.insurance"), paragraph=para)
    write(doc, texts.blocks("finance.insurance.host"), paragraph=partial(para, keep_next=True, after=2))
    para(doc, *texts.line("finance.insurance.insurer"), before=2, after=2)
    para(doc, *texts.line("finance.insurance.contract"))


def signatures(doc, texts: Texts) -> None:
    done_at(doc, texts.line("done_at"))
    caption = texts.plain("signature.caption")
    signer = partial(Signer.from_text, texts)
    table = signature_table(doc)
    signature_row(table, signer("signature.host"), signer("signature.school"), caption)
    signature_row(table, signer("signature.tutor"), signer("signature.teachers"), caption)
    pupil = signer("signature.pupil")
    tag_row(table, "if minor")
    signature_row(table, signer("signature.guardian"), pupil, caption)
    tag_row(table, "else")
    signature_row(table, pupil, None, caption)
    tag_row(table, "endif")


def build(texts: Texts, path: Path) -> None:
    doc = new_document(texts.plain("document.title"), texts.plain("document.subject"), texts.line("footer"), texts.plain("footer.page"))
    top(doc, texts)
    write(doc, texts.blocks("title"))
    summary(doc, texts)
    spacer(doc, 8)
    write(doc, texts.blocks("preamble"))
    parties(doc, texts)
    write(doc, texts.blocks("articles"))
    (particular,) = texts.blocks("particular")
    heading(doc, particular.parts, particular.level, page_break=True)
    pedagogical_annex(doc, texts)
    financial_annex(doc, texts)
    signatures(doc, texts)
    texts.check_all_used()
    save(doc, path)
