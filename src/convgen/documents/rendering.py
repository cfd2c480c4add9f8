"""Filling a DOCX template: a short pipeline of named steps.

Once per run: `open_package` (read the template's zip members), `clean_tags` (join the
tags Word split), `compile_parts` (sandboxed Jinja, XML autoescape, strict names).
Then per agreement: `document.build` (the values, once), `render_part` once for each
part that holds tags (`splice_part` for a part that only prints `{{ copy.… }}`: its
copies differ in those values alone, spliced in per copy), and per copy `write_zip`,
reusing every other member as is.
"""

from __future__ import annotations

import functools
import os
import re
import stat
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from jinja2 import TemplateError as JinjaError
from jinja2 import TemplateSyntaxError, UndefinedError, nodes
from jinja2.exceptions import SecurityError
from jinja2.sandbox import MAX_RANGE
from jinja2.utils import missing
from markupsafe import Markup, escape

from convgen.documents.package import Member, PackageError, deflate_piece, joined, outside_package, read_members, write_zip
from convgen.documents.sandbox import (
    Budget,
    LimitError,
    Parsed,
    Record,
    RecordingUndefined,
    RecordPrinted,
    Seen,
    clean_tags,
    compile_part,
    environment,
    filter_names,
    finalize,
    has_tags,
    parse_part,
    template_line,
    text_around,
)
from convgen.errors import TemplateError, UsageError
from convgen.text import closest

MAX_TEMPLATE_BYTES = 50 << 20
MAX_PART_BYTES = 20 << 20
"""A Word part read as a template: the body of a long document is a few megabytes; Jinja
would take minutes on hundreds."""
MAX_TAGS = 10_000
"""Tags in a template, all parts together (the built-in PFMP template: about 260); Jinja
compiles about 6,000 a second."""
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
    # What rendering may still cost: set anew for each agreement (render_copies).
    budget: Budget = field(default_factory=Budget)


def builtin_template(kind: str) -> Path:
    """The template shipped with convgen: in the wheel, or in the source tree."""
    packaged = resources.files("convgen").joinpath("templates", f"{kind}.docx")
    if packaged.is_file():
        return Path(str(packaged))
    return Path(__file__).resolve().parents[3] / "templates" / f"{kind}.docx"


def read_template(path: Path) -> bytes:
    """The bytes of a template file: a regular file of at most MAX_TEMPLATE_BYTES.

    A device, a pipe or a socket is refused before it is read (/dev/zero never ends, a
    FIFO would wait for a writer): its kind is looked at first, then again on what was
    opened, without waiting, in case the name changed in between.
    """
    try:
        _check_regular(path, os.stat(path).st_mode)
        descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
        with open(descriptor, "rb") as file:
            info = os.fstat(file.fileno())
            _check_regular(path, info.st_mode)
            if info.st_size > MAX_TEMPLATE_BYTES:
                raise _too_big(path)
            data = file.read(MAX_TEMPLATE_BYTES + 1)
    except FileNotFoundError:
        raise UsageError(f"modèle introuvable : « {path} ».") from None
    except IsADirectoryError:
        raise UsageError(f"« {path} » est un dossier, pas un modèle DOCX.") from None
    except OSError as error:
        raise UsageError(f"modèle illisible « {path} » : {error.strerror}.") from None
    if len(data) > MAX_TEMPLATE_BYTES:  # it grew while being read
        raise _too_big(path)
    return data


def _too_big(path: Path) -> UsageError:
    return UsageError(f"modèle « {path} » trop gros (plus de {MAX_TEMPLATE_BYTES >> 20} Mo).")


def _check_regular(path: Path, mode: int) -> None:
    if stat.S_ISDIR(mode):
        raise UsageError(f"« {path} » est un dossier, pas un modèle DOCX.")
    if not stat.S_ISREG(mode):
        kind = "un tube (FIFO)" if stat.S_ISFIFO(mode) else "un socket" if stat.S_ISSOCK(mode) else "un périphérique"
        raise UsageError(f"« {path} » est {kind}, pas un fichier : un modèle est un fichier .docx.")


def open_package(blob: bytes, label: str) -> list[Member]:
    """The members of a template, refused if it is no DOCX or names a part outside itself."""
    try:
        members = read_members(blob)
    except PackageError as error:
        raise TemplateError(f"« {label} » n'est pas un document Word (.docx) lisible : {error}.") from None
    names = {member.name for member in members}
    missing = [name for name in REQUIRED_MEMBERS if name not in names]
    if missing:
        raise TemplateError(f"« {label} » n'est pas un document Word (.docx) : il y manque {', '.join(missing)}.")
    outside = _outside(members)
    if outside:
        raise TemplateError(f"« {label} » n'est pas un document Word (.docx) utilisable.", problems=outside)
    return members


def _outside(members: list[Member]) -> list[str]:
    return [
        f"partie « {member.name} » nommée hors du document (chemin absolu, « .. » ou « \\ ») : "
        "chaque document rendu la porterait, et qui le décompresse l'écrirait ailleurs"
        for member in members
        if outside_package(member.name)
    ]


_XML_MEMBER = re.compile(r"(?i).*\.(xml|rels)$")
_DOCTYPES = (b"<!DOCTYPE", "<!DOCTYPE".encode("utf-16-le"), "<!DOCTYPE".encode("utf-16-be"))


def package_problems(members: list[Member]) -> list[str]:
    """What would make a template unusable, or unsafe, outside its tags: for `convgen template check`.

    Parts that Word needs and that are missing, part names outside the package, a DTD
    in any XML part, an XML part that is not well formed (one with tags is checked once
    rendered instead), a part read as a template that is not UTF-8.
    """
    names = {member.name for member in members}
    problems = [
        f"il manque {name} : Word ne saurait pas ouvrir le document" for name in (*REQUIRED_MEMBERS, "_rels/.rels") if name not in names
    ]
    problems += _outside(members)
    for member in members:
        if not _XML_MEMBER.match(member.name):
            continue
        data = member.data()
        if any(doctype in data for doctype in _DOCTYPES):
            problems.append(
                f"{_part_label(member.name)} : déclaration <!DOCTYPE …> : Word refuse les documents qui en ont, "
                "et elle peut faire lire au logiciel qui ouvre le document des fichiers de sa machine ; retirez-la"
            )
            continue
        text = None
        if member.name.startswith("word/") and member.name.endswith(".xml"):
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError:
                problems.append(f"{_part_label(member.name)} : texte qui n'est pas en UTF-8 : ses balises ne seraient pas remplies")
                continue
        if text is not None and has_tags(text):
            continue
        error = _xml_error(data)
        if error is not None:
            problems.append(f"{_part_label(member.name)} : XML invalide ({error}) : Word refuserait le document")
    return problems


def _xml_error(data: bytes) -> str | None:
    """Why expat finds this XML not well formed, or None. No external entity or DTD is read."""
    from xml.parsers import expat

    parser = expat.ParserCreate()
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    view = memoryview(data)
    try:
        # A megabyte at a time: Ctrl-C is answered between two, not after a part of hundreds.
        for start in range(0, len(data), 1 << 20):
            parser.Parse(view[start : start + (1 << 20)], False)
        parser.Parse(b"", True)
    except expat.ExpatError as error:
        return f"{expat.ErrorString(error.code)}, ligne {error.lineno}"
    return None


def _syntax_problem(part: str, source: str, error: TemplateSyntaxError) -> str:
    around = text_around(source, error.lineno)
    where = f" dans « {around} »" if around else ""
    return f"{_part_label(part)} : erreur de syntaxe Jinja{where} : {syntax_message(error.message or '')}"


_TOKENS = {
    "end of print statement": "}}",
    "end of statement block": "%}",
    "end of template": "fin du modèle",
    "name": "un nom",
    "string": "un texte entre guillemets",
    "integer": "un nombre",
    "float": "un nombre",
    "begin of print statement": "{{",
    "begin of statement block": "{%",
}
_SYNTAX = [
    (re.compile(r"unexpected char (.+) at \d+"), "caractère {0} inattendu"),
    (re.compile(r"unexpected '(.+)'"), "« {0} » inattendu"),
    (re.compile(r"expected token '(.+)', got '(.+)'"), "« {0} » attendu, trouvé « {1} »"),
    (
        re.compile(
            r"Unexpected end of template\. Jinja was looking for the following tags: .*The innermost block that needs to be closed is '(\w+)'\.",
            re.S,
        ),
        "fin du modèle avant {{% end{0} %}} : le bloc « {0} » n'est pas fermé",
    ),
    (
        re.compile(
            r"Encountered unknown tag '(\w+)'\. Jinja was looking for the following tags: (.*)\. The innermost block that needs to be closed is '(\w+)'\.",
            re.S,
        ),
        "balise « {0} » inattendue : le bloc « {2} » attend {1}",
    ),
    (re.compile(r"Encountered unknown tag '(\w+)'\.?.*", re.S), "balise inconnue « {0} »"),
    (re.compile(r"unexpected end of template, expected '(.+)'\."), "fin du modèle avant « {0} » : une balise n'est pas fermée"),
    (re.compile(r"Missing end of comment tag"), "commentaire {{# … #}} non fermé"),
    (re.compile(r"tag name expected"), "nom de balise attendu après {{%"),
    (re.compile(r"Block '(\w+)' defined twice"), "bloc « {0} » défini deux fois"),
]


def syntax_message(message: str) -> str:
    """Jinja's message for a syntax error, in French when it is one of the usual ones."""
    for pattern, french in _SYNTAX:
        found = pattern.fullmatch(message.strip())
        if found is not None:
            words = [_TOKENS.get(group, group).replace("' or '", " », « ").strip("'") for group in found.groups()]
            return french.format(*words)
    return message


def _part_label(name: str) -> str:
    if name == "word/document.xml":
        return "corps du document"
    if name.startswith("word/header"):
        return "en-tête"
    if name.startswith("word/footer"):
        return "pied de page"
    return name


def _count_tags(source: str) -> int:
    return source.count("{{") + source.count("{%") + source.count("{#")


def _suggest(name: str, choices: Any) -> str:
    close = closest(name, choices)
    return f" ; vouliez-vous dire « {close} » ?" if close else ""


def _stand_in(value: Any = None, *args: Any, **kwargs: Any) -> Any:
    return value


def _stand_in_test(*args: Any, **kwargs: Any) -> bool:
    return False


def static_problems(parsed: Parsed, part: str, source: str, check: bool, filters: set[str], tests: set[str]) -> list[str]:
    """What can be told of a part without rendering it: unknown filters and tests (each with
    a suggestion); for a check (`check`), also what would let a value's XML through unescaped."""
    problems = []

    def where(node: Any) -> str:
        around = text_around(source, node.lineno)
        return f"{_part_label(part)} dans « {around} »" if around else _part_label(part)

    by_line = sorted(parsed.nodes, key=lambda node: node.lineno or 0)
    for node in (node for node in by_line if isinstance(node, nodes.Filter)):
        if node.name not in filters:
            problems.append(f"{where(node)} : filtre inconnu « {node.name} »{_suggest(node.name, filters)}")
        elif check and node.name == "safe":
            problems.append(
                f"{where(node)} : « |safe » insérerait la valeur telle quelle dans le XML de Word : "
                "un « < » ou un « & » d'une convention casserait le document ; retirez « |safe »"
            )
    for node in (node for node in by_line if isinstance(node, nodes.Test)):
        if node.name not in tests:
            problems.append(f"{where(node)} : test inconnu « {node.name} »{_suggest(node.name, tests)}")
    if check:
        for node in (node for node in by_line if isinstance(node, nodes.ScopedEvalContextModifier)):
            if any(option.key == "autoescape" for option in node.options):
                problems.append(
                    f"{where(node)} : « {{% autoescape %}} » : sans échappement, une valeur insérerait son texte "
                    "tel quel dans le XML de Word ; retirez ce bloc"
                )
    return list(dict.fromkeys(problems))


def compile_parts(members: list[Member], label: str, env: Any = None, problems: list[str] | None = None) -> dict[str, Part]:
    """Each part that holds tags, compiled. Raises TemplateError listing every problem found.

    Given `problems` (`template check`), adds each problem there instead, and compiles
    what it can all the same (an unknown filter or test standing for nothing), so that
    rendering the samples finds the other problems.
    """
    env = env if env is not None else environment()
    check = problems is not None
    found: list[str] = problems if problems is not None else []
    parts: dict[str, Part] = {}
    tags = 0
    # Known before any stand-in is added: a filter unknown in two parts is said for each.
    filters, tests = set(filter_names(env)), set(env.tests)
    for member in members:
        if not (member.name.startswith("word/") and member.name.endswith(".xml")):
            continue
        if member.size > MAX_PART_BYTES:
            found.append(
                f"{_part_label(member.name)} : {member.size >> 20} Mo de texte Word, plus de {MAX_PART_BYTES >> 20} Mo ; allégez le modèle"
            )
            continue
        try:
            xml = member.data().decode("utf-8")
        except UnicodeDecodeError:
            continue
        if not has_tags(xml):
            continue
        if "<!DOCTYPE" in xml:
            if not check:  # package_problems says it for a check
                found.append(f"{_part_label(member.name)} : déclaration <!DOCTYPE …> : Word refuse les documents qui en ont ; retirez-la")
            continue
        source = clean_tags(xml)
        tags += _count_tags(source)
        if tags > MAX_TAGS:
            found.append(f"{_part_label(member.name)} : plus de {MAX_TAGS:,} balises dans le modèle ; allégez-le".replace(",", " "))
            break
        try:
            parsed = parse_part(env, source, member.name)
        except TemplateSyntaxError as error:
            found.append(_syntax_problem(member.name, source, error))
            continue
        static = static_problems(parsed, member.name, source, check, filters, tests)
        found.extend(static)
        if static and not check:
            continue
        for node in parsed.of(nodes.Filter):
            env.filters.setdefault(node.name, _stand_in)
        for node in parsed.of(nodes.Test):
            env.tests.setdefault(node.name, _stand_in_test)
        try:
            template, uses_copy, copy_fields = compile_part(env, source, member.name, parsed)
        except TemplateSyntaxError as error:
            found.append(_syntax_problem(member.name, source, error))
            continue
        parts[member.name] = Part(member.name, source, template, uses_copy, copy_fields)
    if found and not check:
        raise TemplateError(f"le modèle « {label} » contient des erreurs.", problems=found)
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


# What a template may do wrong while rendering, as opposed to convgen's own failures.
_TEMPLATE_FAILURES = (JinjaError, TypeError, ValueError, ArithmeticError, LookupError, AttributeError, RecursionError, MemoryError)


def _render(compiled: CompiledTemplate, part: Part, context: dict[str, Any]) -> str:
    template = part.template
    template.environment.budget = compiled.budget
    try:
        return template.render(context)
    except UndefinedError as error:
        problems = unknown_names(part, context) or [_render_problem(part, error, context)]
    except _TEMPLATE_FAILURES as error:
        problems = [_render_problem(part, error, context)]
    raise TemplateError(
        f"le modèle « {compiled.label} » n'a pas pu être rempli.",
        problems=problems,
        hint="vérifiez le modèle avec « convgen template check ».",
    )


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


def _render_problem(part: Part, error: BaseException, context: dict[str, Any]) -> str:
    line = template_line(error, part.name)
    undefined = getattr(error, "undefined", None)
    if isinstance(error, UndefinedError) and undefined is not None:
        seen = Seen(part.name, line, str(undefined._undefined_name), undefined._undefined_obj)
        return _seen_problem(seen, {part.name: part}, context, {})
    if isinstance(error, RecordPrinted):
        return _seen_problem(Seen(part.name, line, "", error.record, printed=True), {part.name: part}, context, {})
    around = text_around(part.source, line)
    where = f" dans « {around} »" if around else ""
    return f"{_part_label(part.name)}{where} : {failure_reason(error)}"


def failure_reason(error: BaseException) -> str:
    """Why rendering stopped, in French and without Python's names for its types."""
    message = str(error)
    if isinstance(error, LimitError):
        return f"limite dépassée : {message} ; aucun document n'en a besoin"
    if isinstance(error, UndefinedError):
        return f"nom inconnu ({plain(message)})"
    if isinstance(error, SecurityError):
        for pattern, french in _SANDBOX_MESSAGES:
            found = pattern.fullmatch(message)
            if found is not None:
                message = french.format(*found.groups())
                break
        return f"opération interdite par le bac à sable ({plain(message)})"
    if isinstance(error, RecursionError):
        return "trop d'appels imbriqués (une macro, ou une boucle récursive, qui ne s'arrête pas ?)"
    if isinstance(error, MemoryError):
        return "mémoire insuffisante pour ce modèle"
    if isinstance(error, ZeroDivisionError):
        return "division par zéro"
    if isinstance(error, OverflowError) and "Range too big" in message:
        return f"range() de plus de {MAX_RANGE:,} éléments".replace(",", " ")
    for pattern, french in _PYTHON_MESSAGES:
        found = pattern.fullmatch(message)
        if found is not None:
            return french.format(*(_TYPE_WORDS.get(group, group) for group in found.groups()))
    kind = "valeur impossible" if isinstance(error, (ValueError, LookupError)) else "opération impossible"
    return f"{kind} ({plain(message)})"


_TYPE_WORDS = {
    "convgen.documents.sandbox.Record": "un groupe de valeurs",
    "Record": "un groupe de valeurs",
    "str": "un texte",
    "Markup": "un texte",
    "markupsafe.Markup": "un texte",
    "int": "un nombre",
    "float": "un nombre",
    "Decimal": "un nombre",
    "decimal.Decimal": "un nombre",
    "bool": "un oui/non",
    "NoneType": "une valeur vide (null)",
    "list": "une liste",
    "tuple": "une liste",
    "dict": "une table",
    "date": "une date",
    "datetime.date": "une date",
    "time": "une heure",
    "datetime.time": "une heure",
    "Undefined": "un nom inconnu",
}
_SANDBOX_MESSAGES = [
    (re.compile(r"access to attribute '(.+)' of '.+' object is unsafe\."), "accès à « {0} »"),
    (re.compile(r".* is not safely callable", re.S), "appel d'une fonction qui modifierait les données"),
]
_PYTHON_MESSAGES = [
    (re.compile(r"unsupported operand type\(s\) for (.+): '([\w.]+)' and '([\w.]+)'"), "opération « {0} » impossible entre {1} et {2}"),
    (
        re.compile(r'can only concatenate (\w+) \(not "([\w.]+)"\) to \w+'),
        "« + » n'ajoute pas {1} à {0} : « ~ » met des textes bout à bout",
    ),
    (re.compile(r"'(.+)' not supported between instances of '([\w.]+)' and '([\w.]+)'"), "comparaison « {0} » impossible entre {1} et {2}"),
    (re.compile(r"'([\w.]+)' object is not callable"), "{0} ne s'appelle pas comme une fonction"),
    (re.compile(r"'([\w.]+)' object is not iterable"), "{0} ne se parcourt pas"),
    (re.compile(r"object of type '([\w.]+)' has no len\(\)"), "{0} n'a pas de longueur"),
    (
        re.compile(r"can't multiply sequence by non-int of type '([\w.]+)'"),
        "un texte ou une liste ne se multiplie que par un nombre entier, pas par {0}",
    ),
    (re.compile(r"Object of type ([\w.]+) is not JSON serializable"), "{0} ne s'écrit pas en JSON"),
    (re.compile(r"Exceeds the limit \((\d+) digits\) for integer string conversion.*", re.S), "nombre de plus de {0} chiffres"),
    (re.compile(r"invalid literal for int\(\) with base \d+: (.*)", re.S), "{0} n'est pas un nombre entier"),
    (
        re.compile(r"no loader for this environment specified"),
        "un modèle DOCX n'en inclut pas d'autre ({{% include %}}, {{% import %}}, {{% extends %}})",
    ),
]
_QUOTED_TYPE = re.compile(r"""['"]?<?(?:class )?'?([\w.]+?)(?: object)?'?>?['"]""")


def plain(message: str) -> str:
    """A Python or Jinja message with its names of types in French and no internal name of convgen's."""
    message = re.sub(r"\bRecord\([^()]*\)", "un groupe de valeurs", message)
    message = _QUOTED_TYPE.sub(
        lambda found: f"« {_TYPE_WORDS[found.group(1)]} »" if found.group(1) in _TYPE_WORDS else found.group(0), message
    )
    return re.sub(r"\bconvgen(?:\.\w+)+", "une valeur", message)


def unknown_names(part: Part, context: dict[str, Any]) -> list[str]:
    """Every unknown name of a part for this context, read by rendering it once more with
    RecordingUndefined (a strict render stops at the first)."""
    env = environment(RecordingUndefined)
    try:
        template = compile_part(env, part.source, part.name)[0]
    except TemplateSyntaxError:
        return []
    RecordingUndefined.seen = []
    try:
        template.render(context)
    except _TEMPLATE_FAILURES:
        pass  # what was noted before still counts
    seen, RecordingUndefined.seen = RecordingUndefined.seen, []
    trees: dict[str, Any] = {}
    return list(dict.fromkeys(_seen_problem(note, {part.name: part}, context, trees) for note in distinct(seen)))


def distinct(seen: list[Seen]) -> list[Seen]:
    """One note for each name at each place: a loop over the 300 days of a period notes its typo 300 times."""
    kept: dict[tuple, Seen] = {}
    for note in seen:
        shape = tuple(note.obj.__dict__) if type(note.obj) is Record else type(note.obj)
        kept.setdefault((note.part, note.line, note.name, note.printed, note.forbidden, shape), note)
    return list(kept.values())


def _seen_problem(seen: Seen, parts: dict[str, Part], context: dict[str, Any], trees: dict[str, Any]) -> str:
    """A noted unknown name (or printed group of values) as the user reads it: where, what, and a suggestion."""
    part = parts.get(seen.part)
    source = part.source if part is not None else ""
    tree = trees.get(seen.part)
    if tree is None and part is not None:
        try:
            tree = trees[seen.part] = parse_part(_reader(), source, seen.part).tree
        except TemplateSyntaxError:
            tree = None
    label = _part_label(seen.part)
    if seen.printed:
        found = _path_of(seen.obj, context)
        written = _printed_expression(tree, seen.line) or _loop_name(tree, found)
        around = text_around(source, seen.line)
        where = f" dans « {around} »" if around else ""
        fields = list(seen.obj.__dict__) if isinstance(seen.obj, Record) else []
        listed = f"{', '.join(fields[:6])}{', …' if len(fields) > 6 else ''}"
        if written and found and found.startswith(f"{written}["):
            return (
                f"{label}{where} : « {written} » est une liste de groupes de valeurs ({listed}), pas un texte : "
                f"parcourez-la, par exemple {{% for item in {written} %}}{{{{ item.{fields[0] if fields else '…'} }}}}{{% endfor %}}"
            )
        path = written or found or "cette valeur"
        example = f" : écrivez l'une d'elles, par exemple « {{{{ {path}.{fields[0]} }}}} »" if fields else ""
        return f"{label}{where} : « {path} » est un groupe de valeurs ({listed}), pas un texte{example}"
    around = text_around(source, seen.line, seen.name)
    where = f" dans « {around} »" if around else ""
    top = seen.obj is missing
    written = _written(tree, seen.line, seen.name)
    if written is None:
        base = None if top else _path_of(seen.obj, context)
        written = seen.name if top else f"{base or '…'}.{seen.name}"
    if seen.forbidden:
        return f"{label}{where} : opération interdite par le bac à sable (accès à « {written} »)"
    if top:
        choices: Any = [*context, *_reader().globals]
    elif isinstance(seen.obj, Record):
        choices = seen.obj.__dict__
    elif isinstance(seen.obj, dict):
        choices = seen.obj
    else:
        choices = []
    close = closest(seen.name, choices, cutoff=0.7)
    suggestion = ""
    if close:
        prefix = written[: len(written) - len(seen.name)] if written.endswith(seen.name) else ""
        suggestion = f" ; vouliez-vous dire « {prefix}{close} » ?"
    return f"{label}{where} : nom inconnu « {written} »{suggestion}"


@functools.lru_cache(maxsize=1)
def _reader() -> Any:
    """An environment to read parts again with, for messages (never to render)."""
    return environment()


def _expression(node: Any) -> str | None:
    """`pupil.address.city` as written, for a chain of names; None for anything else."""
    if isinstance(node, nodes.Name):
        return node.name
    if isinstance(node, nodes.Getattr):
        base = _expression(node.node)
        return f"{base}.{node.attr}" if base is not None else None
    if isinstance(node, nodes.Getitem) and isinstance(node.arg, nodes.Const):
        base = _expression(node.node)
        key = node.arg.value
        if base is None:
            return None
        return f"{base}.{key}" if isinstance(key, str) and key.isidentifier() else f"{base}[{key!r}]"
    return None


def _written(tree: Any, line: int | None, name: str) -> str | None:
    """How the template writes the name that was not found, on that line (or anywhere, failing that)."""
    if tree is None:
        return None
    fallback = None
    for node in tree.find_all((nodes.Name, nodes.Getattr, nodes.Getitem)):
        if isinstance(node, nodes.Name):
            found = node.name == name and node.ctx == "load"
        elif isinstance(node, nodes.Getattr):
            found = node.attr == name
        else:
            found = isinstance(node.arg, nodes.Const) and node.arg.value == name
        if not found:
            continue
        text = _expression(node)
        if text is None:
            continue
        if node.lineno == line:
            return text
        fallback = fallback or text
    return fallback


def _printed_expression(tree: Any, line: int | None) -> str | None:
    """The one value printed on that line, as written, when there is one."""
    if tree is None:
        return None
    printed = {
        text
        for output in tree.find_all(nodes.Output)
        for node in output.nodes
        if node.lineno == line and (text := _expression(node)) is not None
    }
    return printed.pop() if len(printed) == 1 else None


def _loop_name(tree: Any, path: str | None) -> str | None:
    """`d` for `days[3]`, when the part loops `{% for d in days %}`: the name the template gave the item."""
    found = re.fullmatch(r"(.+)\[\d+\]", path or "")
    if tree is None or found is None:
        return None
    names = {
        loop.target.name
        for loop in tree.find_all(nodes.For)
        if isinstance(loop.target, nodes.Name) and _expression(loop.iter) == found.group(1)
    }
    return names.pop() if len(names) == 1 else None


def _path_of(target: Any, context: dict[str, Any]) -> str | None:
    """Where a value sits among what a template sees (`host.address`, `teachers[0]`), found by identity."""
    queue: list[tuple[str, Any]] = [(key, value) for key, value in context.items()]
    visited: set[int] = set()
    while queue:
        path, value = queue.pop(0)
        if value is target:
            return path
        if id(value) in visited or path.count(".") + path.count("[") > 6:
            continue
        visited.add(id(value))
        if isinstance(value, Record):
            queue.extend((f"{path}.{key}", item) for key, item in value.__dict__.items())
        elif isinstance(value, (list, tuple)):
            queue.extend((f"{path}[{index}]", item) for index, item in enumerate(value[:1000]))
        elif isinstance(value, dict):
            queue.extend((f"{path}.{key}", item) for key, item in value.items())
    return None


def _check_xml(compiled: CompiledTemplate, part: Part, data: bytes) -> None:
    """The first document of a run is parsed back: a tag that breaks Word's structure is caught once, early."""
    error = _xml_error(data)
    if error is not None:
        raise TemplateError(
            f"le modèle « {compiled.label} » produit un document Word invalide ({_part_label(part.name)}).",
            problems=[
                f"{_part_label(part.name)} : XML invalide ({error.split(',')[0]}) : "
                "une balise {%p …%}, {%tr …%} ou {%tc …%} est peut-être mal placée"
            ],
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


def template_bytes(kind: str) -> bytes:
    return builtin_template(kind).read_bytes()


def sample_agreements(kind: str) -> list[Any]:
    """Agreements that take a template through its branches: the starter, an adult, optional keys filled."""
    import datetime as dt
    from decimal import Decimal

    from convgen.pipeline.checking import check_bytes
    from convgen.schema.models import Accommodation, Gratification, Signature
    from convgen.source.starter import starter_text

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
    """Every problem of a template, all together: what would make the package unusable or
    unsafe, syntax errors, unknown filters and names (with the Word text around and a
    suggestion), `|safe`, what rendering the sample agreements stops at, broken XML."""
    from convgen.documents.context import build, copies

    label = str(path)
    try:
        members = read_members(read_template(path))
    except PackageError as error:
        raise TemplateError(f"« {label} » n'est pas un document Word (.docx) lisible : {error}.") from None
    problems = package_problems(members)
    parts = compile_parts(members, label, environment(RecordingUndefined), problems)
    compiled = CompiledTemplate(label, members, parts)
    seen: list[Seen] = []
    for agreement in sample_agreements(kind):
        context = build(agreement)
        compiled.budget = Budget()
        for copy in copies(agreement, context["minor"]):
            for part in parts.values():
                RecordingUndefined.seen = []
                try:
                    member = render_part(compiled, part, {**context, "copy": copy.record()})
                    _check_xml(compiled, part, member.data())
                except TemplateError as error:
                    problems.extend(error.problems)
                finally:
                    seen.extend(RecordingUndefined.seen)
                    RecordingUndefined.seen = []
        trees: dict[str, Any] = {}
        problems.extend(_seen_problem(note, parts, context, trees) for note in distinct(seen))
        seen = []
    return list(dict.fromkeys(problems))
