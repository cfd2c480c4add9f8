"""Filling a DOCX template: a short pipeline of named steps.

Once per run: `open_package` (read the template's zip members), `clean_tags` (join the
tags Word split), `compile_parts` (sandboxed Jinja, XML autoescape, strict names).
Then per agreement: `document.build` (the values, once), `render_part` once for each
part that holds tags (`splice_part` for a part that only prints `{{ copy.… }}`: its
copies differ in those values alone, spliced in per copy), and per copy `write_zip`,
reusing every other member as is.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Any

from jinja2 import UndefinedError
from markupsafe import Markup, escape

from convgen.documents.budget import Budget
from convgen.documents.filters import Record, finalize
from convgen.documents.package import Member, deflate_piece, joined, write_zip
from convgen.documents.problems import TEMPLATE_FAILURES, render_problem, unknown_names
from convgen.documents.template import CompiledTemplate, Part, part_label, xml_error
from convgen.errors import TemplateError
from convgen.i18n import Msg

M_NOT_FILLED = Msg("le modèle « {label} » n'a pas pu être rempli.", "the template '{label}' could not be filled.")
H_CHECK = Msg("vérifiez le modèle avec « convgen template check ».", "check the template with 'convgen template check'.")
M_INVALID_WORD = Msg(
    "le modèle « {label} » produit un document Word invalide ({part}).",
    "the template '{label}' produces an invalid Word document ({part}).",
)
M_INVALID_XML = Msg(
    "{part} : XML invalide ({why}) : une balise {{%p …%}}, {{%tr …%}} ou {{%tc …%}} est peut-être mal placée",
    "{part}: invalid XML ({why}): a {{%p …%}}, {{%tr …%}} or {{%tc …%}} tag may be misplaced",
)


def render_part(compiled: CompiledTemplate, part: Part, context: dict[str, Any]) -> Member:
    data = _render(compiled, part, context).encode("utf-8")
    if part.name not in compiled.checked:
        check_xml(compiled, part, data)
        compiled.checked.add(part.name)
    return Member.of(part.name, data)


def _render(compiled: CompiledTemplate, part: Part, context: dict[str, Any]) -> str:
    template = part.template
    template.environment.budget = compiled.budget
    try:
        return template.render(context)
    except UndefinedError as error:
        problems = unknown_names(part, context) or [render_problem(part, error, context)]
    except TEMPLATE_FAILURES as error:
        problems = [render_problem(part, error, context)]
    raise TemplateError(M_NOT_FILLED.fill(label=compiled.label), problems=problems, hint=H_CHECK)


# Stands for a copy's value while a part is rendered once for all copies; the random
# token keeps any text an agreement could hold from being taken for it.
_TOKEN = os.urandom(8).hex()
_MARK = re.compile(f"\ue000{_TOKEN}:(\\w+)\ue001")


@dataclass
class Spliced:
    """A part rendered once for all copies: its text around each printed copy value, deflated."""

    part: Part
    pieces: list[tuple[bytes, bytes] | str]  # (data, deflated) text, or the name of a copy value

    def member(self, compiled: CompiledTemplate, record: Record) -> Member:
        pieces = [_value_piece(compiled, record.__dict__[piece]) if isinstance(piece, str) else piece for piece in self.pieces]
        member = joined(self.part.name, pieces)
        if self.part.name not in compiled.checked:
            check_xml(compiled, self.part, member.data())
            compiled.checked.add(self.part.name)
        return member


def _value_piece(compiled: CompiledTemplate, value: Any) -> tuple[bytes, bytes]:
    # What `{{ copy.x }}` prints: finalized, then XML-escaped.
    text = str(escape(finalize(value)))
    piece = compiled.values.get(text)
    if piece is None:
        data = text.encode("utf-8")
        piece = (data, deflate_piece(data, last=False))
        if len(compiled.values) < 256:
            compiled.values[text] = piece
    return piece


def splice_part(compiled: CompiledTemplate, part: Part, context: dict[str, Any], record: Record) -> Spliced:
    """Render a part once with a mark for each copy value it prints (record names the values a copy has)."""
    marks = Record(**{name: Markup(f"\ue000{_TOKEN}:{name}\ue001") for name in record.__dict__})
    split = _MARK.split(_render(compiled, part, {**context, "copy": marks}))
    pieces: list[tuple[bytes, bytes] | str] = []
    for index, text in enumerate(split):
        if index % 2:
            pieces.append(text)
        else:
            data = text.encode("utf-8")
            pieces.append((data, deflate_piece(data, last=index == len(split) - 1)))
    return Spliced(part, pieces)


def check_xml(compiled: CompiledTemplate, part: Part, data: bytes) -> None:
    """The first document of a run is parsed back: a tag that breaks Word's structure is caught once, early."""
    error = xml_error(data)
    if error is not None:
        # Only expat's reason: the line is the rendered document's, which the user never sees.
        why = Msg(*(text.split(",")[0] for text in error))
        raise TemplateError(
            M_INVALID_WORD.fill(label=compiled.label, part=part_label(part.name)),
            problems=[M_INVALID_XML.fill(part=part_label(part.name), why=why)],
        )


def render_copies(compiled: CompiledTemplate, context: dict[str, Any], copies: list[Any]) -> dict[str, bytes]:
    """Each copy's DOCX bytes. A part is rendered once for all copies unless it does more
    with `copy` than print its values (a test, a loop): that part is rendered per copy."""
    records = [copy.record() for copy in copies]
    if not records:
        return {}
    compiled.budget = Budget()
    shared: dict[str, Member] = {}
    spliced: list[Spliced] = []
    per_copy: list[Part] = []
    for name, part in compiled.parts.items():
        if not part.uses_copy:
            shared[name] = render_part(compiled, part, context)
        elif part.copy_fields is not None:
            spliced.append(splice_part(compiled, part, context, records[0]))
        else:
            per_copy.append(part)
    documents = {}
    for copy, record in zip(copies, records, strict=True):
        rendered = dict(shared)
        for splice in spliced:
            rendered[splice.part.name] = splice.member(compiled, record)
        for part in per_copy:
            rendered[part.name] = render_part(compiled, part, {**context, "copy": record})
        documents[copy.id] = write_zip(rendered.get(member.name, member) for member in compiled.members)
    return documents
