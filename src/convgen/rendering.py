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
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from jinja2 import TemplateError as JinjaError
from jinja2 import TemplateSyntaxError, UndefinedError
from jinja2.exceptions import SecurityError
from markupsafe import Markup, escape

from convgen.docxzip import Member, PackageError, deflate_piece, joined, read_members, write_zip
from convgen.errors import TemplateError, UsageError
from convgen.templating import Record, clean_tags, compile_part, environment, finalize, has_tags, template_line, text_around

MAX_TEMPLATE_BYTES = 50 << 20
MAX_PART_BYTES = 20 << 20
"""A Word part read as a template: the body of a long document is a few megabytes; Jinja
would take minutes on hundreds."""
REQUIRED_MEMBERS = ("[Content_Types].xml", "word/document.xml")


@dataclass
class Part:
    """One XML part of the template that holds tags, compiled."""

    name: str
    source: str
    template: Any
    uses_copy: bool
    # The copy's values the part prints, when that is all it does with `copy` (see copy_fields).
    copy_fields: frozenset[str] | None = None


@dataclass
class CompiledTemplate:
    label: str
    members: list[Member]
    parts: dict[str, Part]
    checked: set[str] = field(default_factory=set)
    # A copy's value as deflated pieces: the same few headings for every agreement of a run.
    values: dict[str, tuple[bytes, bytes]] = field(default_factory=dict)


def builtin_template(kind: str) -> Path:
    """The template shipped with convgen: in the wheel, or in the source tree."""
    packaged = resources.files("convgen").joinpath("templates", f"{kind}.docx")
    if packaged.is_file():
        return Path(str(packaged))
    return Path(__file__).resolve().parents[2] / "templates" / f"{kind}.docx"


def read_template(path: Path) -> bytes:
    try:
        if path.stat().st_size > MAX_TEMPLATE_BYTES:
            raise UsageError(f"modèle « {path} » trop gros (plus de {MAX_TEMPLATE_BYTES >> 20} Mo).")
        return path.read_bytes()
    except FileNotFoundError:
        raise UsageError(f"modèle introuvable : « {path} ».") from None
    except IsADirectoryError:
        raise UsageError(f"« {path} » est un dossier, pas un modèle DOCX.") from None
    except OSError as error:
        raise UsageError(f"modèle illisible « {path} » : {error.strerror}.") from None


def open_package(blob: bytes, label: str) -> list[Member]:
    try:
        members = read_members(blob)
    except PackageError as error:
        raise TemplateError(f"« {label} » n'est pas un document Word (.docx) lisible : {error}.") from None
    names = {member.name for member in members}
    missing = [name for name in REQUIRED_MEMBERS if name not in names]
    if missing:
        raise TemplateError(f"« {label} » n'est pas un document Word (.docx) : il y manque {', '.join(missing)}.")
    return members


def _syntax_problem(part: str, source: str, error: TemplateSyntaxError) -> str:
    around = text_around(source, error.lineno)
    where = f" dans « {around} »" if around else ""
    return f"{_part_label(part)} : erreur de syntaxe Jinja{where} : {error.message}"


def _part_label(name: str) -> str:
    if name == "word/document.xml":
        return "corps du document"
    if name.startswith("word/header"):
        return "en-tête"
    if name.startswith("word/footer"):
        return "pied de page"
    return name


def compile_parts(members: list[Member], label: str, env: Any = None) -> dict[str, Part]:
    env = env if env is not None else environment()
    parts: dict[str, Part] = {}
    problems = []
    for member in members:
        if not (member.name.startswith("word/") and member.name.endswith(".xml")):
            continue
        if member.size > MAX_PART_BYTES:
            problems.append(
                f"{_part_label(member.name)} : {member.size >> 20} Mo de texte Word, plus de {MAX_PART_BYTES >> 20} Mo ; allégez le modèle"
            )
            continue
        try:
            xml = member.data().decode("utf-8")
        except UnicodeDecodeError:
            continue
        if not has_tags(xml):
            continue
        source = clean_tags(xml)
        try:
            template, uses_copy, copy_fields = compile_part(env, source, member.name)
        except TemplateSyntaxError as error:
            problems.append(_syntax_problem(member.name, source, error))
            continue
        parts[member.name] = Part(member.name, source, template, uses_copy, copy_fields)
    if problems:
        raise TemplateError(f"le modèle « {label} » contient des erreurs.", problems=problems)
    return parts


def load_template(kind: str, path: Path | None = None) -> CompiledTemplate:
    """Steps run once per template and run: open, clean the tags, compile."""
    source = path if path is not None else builtin_template(kind)
    label = str(path) if path is not None else f"modèle intégré {kind}"
    members = open_package(read_template(source), label)
    return CompiledTemplate(label, members, compile_parts(members, label))


def render_part(compiled: CompiledTemplate, part: Part, context: dict[str, Any]) -> Member:
    data = _render(compiled, part, context).encode("utf-8")
    if part.name not in compiled.checked:
        _check_xml(compiled, part, data)
        compiled.checked.add(part.name)
    return Member.of(part.name, data)


def _render(compiled: CompiledTemplate, part: Part, context: dict[str, Any]) -> str:
    try:
        return part.template.render(context)
    except (UndefinedError, SecurityError, JinjaError, TypeError, ValueError, ArithmeticError) as error:
        raise TemplateError(
            f"le modèle « {compiled.label} » n'a pas pu être rempli.",
            problems=[_render_problem(part, error)],
            hint="vérifiez le modèle avec « convgen template check ».",
        ) from None


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
            _check_xml(compiled, self.part, member.data())
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


def _render_problem(part: Part, error: BaseException) -> str:
    line = template_line(error, part.name)
    around = text_around(part.source, line)
    where = f" dans « {around} »" if around else ""
    if isinstance(error, UndefinedError):
        reason = f"nom inconnu ({error.message})"
    elif isinstance(error, SecurityError):
        reason = f"opération interdite par le bac à sable ({error})"
    else:
        reason = f"{type(error).__name__} : {error}"
    return f"{_part_label(part.name)}{where} : {reason}"


def _check_xml(compiled: CompiledTemplate, part: Part, data: bytes) -> None:
    """The first document of a run is parsed back: a tag that breaks Word's structure is caught once, early."""
    from xml.parsers import expat

    parser = expat.ParserCreate()
    try:
        parser.Parse(data, True)
    except expat.ExpatError as error:
        raise TemplateError(
            f"le modèle « {compiled.label} » produit un document Word invalide ({_part_label(part.name)}).",
            problems=[
                f"{_part_label(part.name)} : XML invalide ({expat.ErrorString(error.code)}) : "
                "une balise {%p …%}, {%tr …%} ou {%tc …%} est peut-être mal placée"
            ],
        ) from None


def render_copies(compiled: CompiledTemplate, context: dict[str, Any], copies: list[Any]) -> dict[str, bytes]:
    """Each copy's DOCX bytes. A part is rendered once for all copies unless it does more
    with `copy` than print its values (a test, a loop): that part is rendered per copy."""
    records = [copy.record() for copy in copies]
    if not records:
        return {}
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


def template_bytes(kind: str) -> bytes:
    return builtin_template(kind).read_bytes()


def sample_agreements(kind: str) -> list[Any]:
    """Agreements that take a template through its branches: the starter, an adult, optional keys filled."""
    import datetime as dt
    from decimal import Decimal

    from convgen.checking import check_bytes
    from convgen.models import Accommodation, Gratification, Signature
    from convgen.starter import starter_text

    base = check_bytes(starter_text(kind).encode("utf-8"), f"{kind}.yaml").agreement
    assert base is not None, "the starter is valid"
    samples = [base]
    signature = Signature(place="Lyon", date=base.period.start - dt.timedelta(days=7))
    if kind == "pfmp":
        adult = base.pupil.model_copy(
            update={
                "birth_date": base.period.start.replace(year=base.period.start.year - 19),
                "ine": "1234567890A",
                "address": base.host.address,
                "phone": "06 00 00 00 01",
                "email": "eleve@example.fr",
            }
        )
        finance = base.finance.model_copy(
            update={
                "accommodation": Accommodation(address=base.host.address, cost=Decimal("120")),
                "gratification": Gratification(hourly_amount=Decimal("4.50")),
            }
        )
        host = base.host.model_copy(update={"fax": "04 72 00 00 01", "email": "accueil@example.fr"})
        samples.append(base.model_copy(update={"pupil": adult, "finance": finance, "host": host, "signature": signature}))
    else:
        samples.append(base.model_copy(update={"schedule": None, "signature": signature}))
    return samples


def check_template(path: Path, kind: str) -> list[str]:
    """Every problem of a template: syntax errors, unknown names (with the Word text around), broken XML."""
    from convgen.document import build, copies
    from convgen.templating import RecordingUndefined

    label = str(path)
    members = open_package(read_template(path), label)
    try:
        parts = compile_parts(members, label, environment(RecordingUndefined))
    except TemplateError as error:
        return error.problems
    problems: list[str] = []
    RecordingUndefined.seen = []
    compiled = CompiledTemplate(label, members, parts)
    try:
        for agreement in sample_agreements(kind):
            context = build(agreement)
            for copy in copies(agreement, context["minor"]):
                for part in parts.values():
                    member = render_part(compiled, part, {**context, "copy": copy.record()})
                    try:
                        _check_xml(compiled, part, member.data())
                    except TemplateError as error:
                        problems.extend(p for p in error.problems if p not in problems)
    except TemplateError as error:
        problems.extend(error.problems)
    for name, line, unknown in RecordingUndefined.seen:
        around = text_around(parts[name].source, line, unknown) if name in parts else ""
        where = f" dans « {around} »" if around else ""
        problem = f"{_part_label(name)}{where} : nom inconnu « {unknown} »"
        if problem not in problems:
            problems.append(problem)
    RecordingUndefined.seen = []
    return problems
