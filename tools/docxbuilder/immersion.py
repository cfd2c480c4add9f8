"""The layout of the convention d'immersion professionnelle between two public structures.

The words are those of tools/templates/immersion.md; this module only decides where they
go and how they look.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path

from docx.enum.text import WD_ALIGN_PARAGRAPH

from .blocks import lead_in, para, tag, text, write, write_fields
from .document import new_document, save
from .forms import SIGNATURE_HEIGHT, Signer, done_at, schedule_table, signature_cell, signature_table
from .ooxml import keep_row_together, row_height
from .runs import b
from .source import Texts

STRUCTURE_TAB = 3.6


def fields(doc, texts: Texts, key: str) -> None:
    """A heading and its fields, kept together on one page."""
    write_fields(doc, texts.blocks(key), f"@{key}", tab=STRUCTURE_TAB, keep_together=True)


def schedule(doc, texts: Texts) -> None:
    """Article 2's schedule, when the agreement gives one."""
    tag(doc, "if week_pattern")
    lead_in(doc, *texts.line("schedule.heading"))
    schedule_table(doc, texts, with_maximum=False)
    para(doc, *texts.line("schedule.total"), before=4)
    write(doc, texts.blocks("schedule.exceptions"), paragraph=lead_in)
    tag(doc, "endif")


def signatures(doc, texts: Texts) -> None:
    done_at(doc, texts.line("done_at"))
    caption = texts.plain("signature.caption")
    table = signature_table(doc, (5.8, 5.8, 5.8))
    row = table.add_row()
    keep_row_together(row)
    row_height(row, SIGNATURE_HEIGHT + 0.8)
    for cell, key in zip(row.cells, ("signature.host", "signature.sender", "signature.worker")):
        signature_cell(cell, Signer.from_text(texts, key), caption)


def build(texts: Texts, path: Path) -> None:
    doc = new_document(texts.plain("document.title"), texts.plain("document.subject"), texts.line("footer"), texts.plain("footer.page"))
    para(doc, b("{{ copy.heading }}"), align=WD_ALIGN_PARAGRAPH.RIGHT)
    write(doc, texts.blocks("title"))
    write(doc, texts.blocks("preamble"))

    write(doc, texts.blocks("parties"))
    for key in ("parties.host", "parties.sender", "parties.worker"):
        fields(doc, texts, key)
    write(doc, texts.blocks("agreed"))
    write(doc, texts.blocks("article.1"), paragraph=partial(text, keep_next=True))
    write(doc, texts.blocks("article.2"))
    schedule(doc, texts)
    fields(doc, texts, "article.3")
    fields(doc, texts, "article.4")
    write(doc, texts.blocks("articles"))

    signatures(doc, texts)
    texts.check_all_used()
    save(doc, path)
