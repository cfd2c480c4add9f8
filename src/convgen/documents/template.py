"""A DOCX template read once per run: its package checked (size, members, no DOCTYPE, no
part outside the package), its parts cleaned of split tags and compiled in the sandbox, and
every static problem (syntax, unknown filters, `|safe`) found before any agreement is filled."""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from jinja2 import TemplateSyntaxError, nodes

from convgen.documents.budget import Budget
from convgen.documents.package import Member, PackageError, outside_package, read_members
from convgen.documents.sandbox import Parsed, compile_part, environment, filter_names, parse_part
from convgen.documents.tags import clean_tags, has_tags, text_around
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
                f"{part_label(member.name)} : déclaration <!DOCTYPE …> : Word refuse les documents qui en ont, "
                "et elle peut faire lire au logiciel qui ouvre le document des fichiers de sa machine ; retirez-la"
            )
            continue
        text = None
        if member.name.startswith("word/") and member.name.endswith(".xml"):
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError:
                problems.append(f"{part_label(member.name)} : texte qui n'est pas en UTF-8 : ses balises ne seraient pas remplies")
                continue
        if text is not None and has_tags(text):
            continue
        error = xml_error(data)
        if error is not None:
            problems.append(f"{part_label(member.name)} : XML invalide ({error}) : Word refuserait le document")
    return problems


def xml_error(data: bytes) -> str | None:
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
    return f"{part_label(part)} : erreur de syntaxe Jinja{where} : {syntax_message(error.message or '')}"


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


def part_label(name: str) -> str:
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
        return f"{part_label(part)} dans « {around} »" if around else part_label(part)

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
                f"{part_label(member.name)} : {member.size >> 20} Mo de texte Word, plus de {MAX_PART_BYTES >> 20} Mo ; allégez le modèle"
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
                found.append(f"{part_label(member.name)} : déclaration <!DOCTYPE …> : Word refuse les documents qui en ont ; retirez-la")
            continue
        source = clean_tags(xml)
        tags += _count_tags(source)
        if tags > MAX_TAGS:
            found.append(f"{part_label(member.name)} : plus de {MAX_TAGS:,} balises dans le modèle ; allégez-le".replace(",", " "))
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


def template_bytes(kind: str) -> bytes:
    return builtin_template(kind).read_bytes()
