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
from convgen.i18n import Msg, number
from convgen.text import closest

MAX_TEMPLATE_BYTES = 50 << 20


MAX_PART_BYTES = 20 << 20
"""A Word part read as a template: the body of a long document is a few megabytes; Jinja
would take minutes on hundreds."""


MAX_TAGS = 10_000
"""Tags in a template, all parts together (the built-in PFMP template: about 260); Jinja
compiles about 6,000 a second."""


REQUIRED_MEMBERS = ("[Content_Types].xml", "word/document.xml")


M_NOT_FOUND = Msg("modèle introuvable : « {path} ».", "template not found: '{path}'.")
M_IS_FOLDER = Msg("« {path} » est un dossier, pas un modèle DOCX.", "'{path}' is a folder, not a DOCX template.")
M_UNREADABLE = Msg("modèle illisible « {path} » : {why}.", "unreadable template '{path}': {why}.")
M_TOO_BIG = Msg("modèle « {path} » trop gros (plus de {limit} Mo).", "template '{path}' too big (more than {limit} MB).")
M_NOT_A_FILE = Msg(
    "« {path} » est {kind}, pas un fichier : un modèle est un fichier .docx.", "'{path}' is {kind}, not a file: a template is a .docx file."
)
M_FIFO = Msg("un tube (FIFO)", "a pipe (FIFO)")
M_SOCKET = Msg("un socket", "a socket")
M_DEVICE = Msg("un périphérique", "a device")
M_NOT_DOCX = Msg(
    "« {label} » n'est pas un document Word (.docx) lisible : {why}.", "'{label}' is not a readable Word document (.docx): {why}."
)
M_MISSING_MEMBERS = Msg(
    "« {label} » n'est pas un document Word (.docx) : il y manque {missing}.",
    "'{label}' is not a Word document (.docx): it lacks {missing}.",
)
M_UNUSABLE = Msg("« {label} » n'est pas un document Word (.docx) utilisable.", "'{label}' is not a usable Word document (.docx).")
M_HAS_ERRORS = Msg("le modèle « {label} » contient des erreurs.", "the template '{label}' has errors.")
M_BUILTIN = Msg("modèle intégré {kind}", "built-in template {kind}")

# Problems of a template, each starting with the part where it is (part_label).
M_PART_OUTSIDE = Msg(
    "partie « {name} » nommée hors du document (chemin absolu, « .. » ou « \\ ») : "
    "chaque document rendu la porterait, et qui le décompresse l'écrirait ailleurs",
    "part '{name}' named outside the document (absolute path, '..' or '\\'): "
    "every rendered document would carry it, and whoever unzips it would write it elsewhere",
)
M_PART_MISSING = Msg("il manque {name} : Word ne saurait pas ouvrir le document", "{name} is missing: Word could not open the document")
M_DOCTYPE_CHECKED = Msg(
    "{part} : déclaration <!DOCTYPE …> : Word refuse les documents qui en ont, "
    "et elle peut faire lire au logiciel qui ouvre le document des fichiers de sa machine ; retirez-la",
    "{part}: <!DOCTYPE …> declaration: Word refuses documents that have one, "
    "and it can make the software that opens the document read files of its machine; remove it",
)
M_DOCTYPE = Msg(
    "{part} : déclaration <!DOCTYPE …> : Word refuse les documents qui en ont ; retirez-la",
    "{part}: <!DOCTYPE …> declaration: Word refuses documents that have one; remove it",
)
M_NOT_UTF8 = Msg(
    "{part} : texte qui n'est pas en UTF-8 : ses balises ne seraient pas remplies",
    "{part}: text not in UTF-8: its tags would not be filled",
)
M_BAD_XML = Msg(
    "{part} : XML invalide ({why}) : Word refuserait le document", "{part}: invalid XML ({why}): Word would refuse the document"
)
M_XML_ERROR = Msg("{what}, ligne {line}", "{what}, line {line}")
M_SYNTAX = Msg("{part} : erreur de syntaxe Jinja{where} : {what}", "{part}: Jinja syntax error{where}: {what}")
M_IN = Msg(" dans « {around} »", " in '{around}'")
M_PART_IN = Msg("{part} dans « {around} »", "{part} in '{around}'")
M_DID_YOU_MEAN = Msg(" ; vouliez-vous dire « {name} » ?", "; did you mean '{name}'?")
M_UNKNOWN_FILTER = Msg("{where} : filtre inconnu « {name} »{suggestion}", "{where}: unknown filter '{name}'{suggestion}")
M_UNKNOWN_TEST = Msg("{where} : test inconnu « {name} »{suggestion}", "{where}: unknown test '{name}'{suggestion}")
M_SAFE = Msg(
    "{where} : « |safe » insérerait la valeur telle quelle dans le XML de Word : "
    "un « < » ou un « & » d'une convention casserait le document ; retirez « |safe »",
    "{where}: '|safe' would insert the value as is into Word's XML: "
    "a '<' or a '&' in an agreement would break the document; remove '|safe'",
)
M_AUTOESCAPE = Msg(
    "{where} : « {{% autoescape %}} » : sans échappement, une valeur insérerait son texte tel quel dans le XML de Word ; retirez ce bloc",
    "{where}: '{{% autoescape %}}': without escaping, a value would insert its text as is into Word's XML; remove this block",
)
M_PART_TOO_BIG = Msg(
    "{part} : {size} Mo de texte Word, plus de {limit} Mo ; allégez le modèle",
    "{part}: {size} MB of Word text, more than {limit} MB; make the template lighter",
)
M_TOO_MANY_TAGS = Msg(
    "{part} : plus de {count} balises dans le modèle ; allégez-le", "{part}: more than {count} tags in the template; make it lighter"
)
M_BODY = Msg("corps du document", "document body")
M_HEADER = Msg("en-tête", "header")
M_FOOTER = Msg("pied de page", "footer")
NOTHING = Msg("", "")


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
    label: str | Msg
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
        raise UsageError(M_NOT_FOUND.fill(path=path)) from None
    except IsADirectoryError:
        raise UsageError(M_IS_FOLDER.fill(path=path)) from None
    except OSError as error:
        raise UsageError(M_UNREADABLE.fill(path=path, why=error.strerror)) from None
    if len(data) > MAX_TEMPLATE_BYTES:  # it grew while being read
        raise _too_big(path)
    return data


def _too_big(path: Path) -> UsageError:
    return UsageError(M_TOO_BIG.fill(path=path, limit=MAX_TEMPLATE_BYTES >> 20))


def _check_regular(path: Path, mode: int) -> None:
    if stat.S_ISDIR(mode):
        raise UsageError(M_IS_FOLDER.fill(path=path))
    if not stat.S_ISREG(mode):
        kind = M_FIFO if stat.S_ISFIFO(mode) else M_SOCKET if stat.S_ISSOCK(mode) else M_DEVICE
        raise UsageError(M_NOT_A_FILE.fill(path=path, kind=kind))


def open_package(blob: bytes, label: str | Msg) -> list[Member]:
    """The members of a template, refused if it is no DOCX or names a part outside itself."""
    try:
        members = read_members(blob)
    except PackageError as error:
        raise TemplateError(M_NOT_DOCX.fill(label=label, why=error.said)) from None
    names = {member.name for member in members}
    missing = [name for name in REQUIRED_MEMBERS if name not in names]
    if missing:
        raise TemplateError(M_MISSING_MEMBERS.fill(label=label, missing=", ".join(missing)))
    outside = _outside(members)
    if outside:
        raise TemplateError(M_UNUSABLE.fill(label=label), problems=outside)
    return members


def _outside(members: list[Member]) -> list[Msg]:
    return [M_PART_OUTSIDE.fill(name=member.name) for member in members if outside_package(member.name)]


_XML_MEMBER = re.compile(r"(?i).*\.(xml|rels)$")


_DOCTYPES = (b"<!DOCTYPE", "<!DOCTYPE".encode("utf-16-le"), "<!DOCTYPE".encode("utf-16-be"))


def package_problems(members: list[Member]) -> list[Msg]:
    """What would make a template unusable, or unsafe, outside its tags: for `convgen template check`.

    Parts that Word needs and that are missing, part names outside the package, a DTD
    in any XML part, an XML part that is not well formed (one with tags is checked once
    rendered instead), a part read as a template that is not UTF-8.
    """
    names = {member.name for member in members}
    problems = [M_PART_MISSING.fill(name=name) for name in (*REQUIRED_MEMBERS, "_rels/.rels") if name not in names]
    problems += _outside(members)
    for member in members:
        if not _XML_MEMBER.match(member.name):
            continue
        data = member.data()
        if any(doctype in data for doctype in _DOCTYPES):
            problems.append(M_DOCTYPE_CHECKED.fill(part=part_label(member.name)))
            continue
        text = None
        if member.name.startswith("word/") and member.name.endswith(".xml"):
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError:
                problems.append(M_NOT_UTF8.fill(part=part_label(member.name)))
                continue
        if text is not None and has_tags(text):
            continue
        error = xml_error(data)
        if error is not None:
            problems.append(M_BAD_XML.fill(part=part_label(member.name), why=error))
    return problems


def xml_error(data: bytes) -> Msg | None:
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
        return M_XML_ERROR.fill(what=expat.ErrorString(error.code), line=error.lineno)
    return None


def _syntax_problem(part: str, source: str, error: TemplateSyntaxError) -> Msg:
    around = text_around(source, error.lineno)
    where = M_IN.fill(around=around) if around else NOTHING
    said = getattr(error, "said", None)  # the sandbox's own (NestingError)
    what = said if isinstance(said, Msg) else syntax_message(error.message or "")
    return M_SYNTAX.fill(part=part_label(part), where=where, what=what)


_TOKENS = {
    "end of print statement": "}}",
    "end of statement block": "%}",
    "end of template": Msg("fin du modèle", "end of template"),
    "name": Msg("un nom", "a name"),
    "string": Msg("un texte entre guillemets", "a text in quotes"),
    "integer": Msg("un nombre", "a number"),
    "float": Msg("un nombre", "a number"),
    "begin of print statement": "{{",
    "begin of statement block": "{%",
}


_SYNTAX = [
    (re.compile(r"unexpected char (.+) at \d+"), Msg("caractère {0} inattendu", "unexpected character {0}")),
    (re.compile(r"unexpected '(.+)'"), Msg("« {0} » inattendu", "unexpected '{0}'")),
    (re.compile(r"expected token '(.+)', got '(.+)'"), Msg("« {0} » attendu, trouvé « {1} »", "'{0}' expected, found '{1}'")),
    (
        re.compile(
            r"Unexpected end of template\. Jinja was looking for the following tags: .*The innermost block that needs to be closed is '(\w+)'\.",
            re.S,
        ),
        Msg(
            "fin du modèle avant {{% end{0} %}} : le bloc « {0} » n'est pas fermé",
            "end of template before {{% end{0} %}}: the block '{0}' is not closed",
        ),
    ),
    (
        re.compile(
            r"Encountered unknown tag '(\w+)'\. Jinja was looking for the following tags: (.*)\. The innermost block that needs to be closed is '(\w+)'\.",
            re.S,
        ),
        Msg("balise « {0} » inattendue : le bloc « {2} » attend {1}", "unexpected tag '{0}': the block '{2}' expects '{1}'"),
    ),
    (re.compile(r"Encountered unknown tag '(\w+)'\.?.*", re.S), Msg("balise inconnue « {0} »", "unknown tag '{0}'")),
    (
        re.compile(r"unexpected end of template, expected '(.+)'\."),
        Msg("fin du modèle avant « {0} » : une balise n'est pas fermée", "end of template before '{0}': a tag is not closed"),
    ),
    (re.compile(r"Missing end of comment tag"), Msg("commentaire {{# … #}} non fermé", "comment {{# … #}} not closed")),
    (re.compile(r"tag name expected"), Msg("nom de balise attendu après {{%", "tag name expected after {{%")),
    (re.compile(r"Block '(\w+)' defined twice"), Msg("bloc « {0} » défini deux fois", "block '{0}' defined twice")),
]


def syntax_message(message: str) -> Msg:
    """Jinja's message for a syntax error, in French and English words when it is one of the usual ones."""
    for pattern, said in _SYNTAX:
        found = pattern.fullmatch(message.strip())
        if found is not None:
            words = [_TOKENS.get(group, group) for group in found.groups()]
            french = [(word.fr if isinstance(word, Msg) else word).replace("' or '", " », « ").strip("'") for word in words]
            english = [(word.en if isinstance(word, Msg) else word).strip("'") for word in words]
            return Msg(said.fr.format(*french), said.en.format(*english))
    return Msg(message, message)


def part_label(name: str) -> Msg:
    if name == "word/document.xml":
        return M_BODY
    if name.startswith("word/header"):
        return M_HEADER
    if name.startswith("word/footer"):
        return M_FOOTER
    return Msg(name, name)


def _count_tags(source: str) -> int:
    return source.count("{{") + source.count("{%") + source.count("{#")


def _suggest(name: str, choices: Any) -> Msg:
    close = closest(name, choices)
    return M_DID_YOU_MEAN.fill(name=close) if close else NOTHING


def _stand_in(value: Any = None, *args: Any, **kwargs: Any) -> Any:
    return value


def _stand_in_test(*args: Any, **kwargs: Any) -> bool:
    return False


def static_problems(parsed: Parsed, part: str, source: str, check: bool, filters: set[str], tests: set[str]) -> list[Msg]:
    """What can be told of a part without rendering it: unknown filters and tests (each with
    a suggestion); for a check (`check`), also what would let a value's XML through unescaped."""
    problems = []

    def where(node: Any) -> Msg:
        around = text_around(source, node.lineno)
        return M_PART_IN.fill(part=part_label(part), around=around) if around else part_label(part)

    by_line = sorted(parsed.nodes, key=lambda node: node.lineno or 0)
    for node in (node for node in by_line if isinstance(node, nodes.Filter)):
        if node.name not in filters:
            problems.append(M_UNKNOWN_FILTER.fill(where=where(node), name=node.name, suggestion=_suggest(node.name, filters)))
        elif check and node.name == "safe":
            problems.append(M_SAFE.fill(where=where(node)))
    for node in (node for node in by_line if isinstance(node, nodes.Test)):
        if node.name not in tests:
            problems.append(M_UNKNOWN_TEST.fill(where=where(node), name=node.name, suggestion=_suggest(node.name, tests)))
    if check:
        for node in (node for node in by_line if isinstance(node, nodes.ScopedEvalContextModifier)):
            if any(option.key == "autoescape" for option in node.options):
                problems.append(M_AUTOESCAPE.fill(where=where(node)))
    return list(dict.fromkeys(problems))


def compile_parts(members: list[Member], label: str | Msg, env: Any = None, problems: list[Msg] | None = None) -> dict[str, Part]:
    """Each part that holds tags, compiled. Raises TemplateError listing every problem found.

    Given `problems` (`template check`), adds each problem there instead, and compiles
    what it can all the same (an unknown filter or test standing for nothing), so that
    rendering the samples finds the other problems.
    """
    env = env if env is not None else environment()
    check = problems is not None
    found: list[Msg] = problems if problems is not None else []
    parts: dict[str, Part] = {}
    tags = 0
    # Known before any stand-in is added: a filter unknown in two parts is said for each.
    filters, tests = set(filter_names(env)), set(env.tests)
    for member in members:
        if not (member.name.startswith("word/") and member.name.endswith(".xml")):
            continue
        if member.size > MAX_PART_BYTES:
            found.append(M_PART_TOO_BIG.fill(part=part_label(member.name), size=member.size >> 20, limit=MAX_PART_BYTES >> 20))
            continue
        try:
            xml = member.data().decode("utf-8")
        except UnicodeDecodeError:
            continue
        if not has_tags(xml):
            continue
        if "<!DOCTYPE" in xml:
            if not check:  # package_problems says it for a check
                found.append(M_DOCTYPE.fill(part=part_label(member.name)))
            continue
        source = clean_tags(xml)
        tags += _count_tags(source)
        if tags > MAX_TAGS:
            count = number(MAX_TAGS)
            found.append(M_TOO_MANY_TAGS.fill(part=part_label(member.name), count=count))
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
        raise TemplateError(M_HAS_ERRORS.fill(label=label), problems=found)
    return parts


def load_template(kind: str, path: Path | None = None) -> CompiledTemplate:
    """Steps run once per template and run: open, clean the tags, compile."""
    source = path if path is not None else builtin_template(kind)
    label = str(path) if path is not None else M_BUILTIN.fill(kind=kind)
    members = open_package(read_template(source), label)
    return CompiledTemplate(label, members, compile_parts(members, label))


def template_bytes(kind: str) -> bytes:
    return builtin_template(kind).read_bytes()
