"""What a template that fails is told: the reason in plain words (no Python class names), in
French and English, the Word text around the place, every unknown name at once with its path
and a suggestion."""

from __future__ import annotations

import functools
import re
from typing import Any

from jinja2 import TemplateError as JinjaError
from jinja2 import TemplateSyntaxError, UndefinedError, nodes
from jinja2.exceptions import SecurityError
from jinja2.sandbox import MAX_RANGE
from jinja2.utils import missing

from convgen.documents.budget import LimitError
from convgen.documents.filters import Record, RecordPrinted
from convgen.documents.sandbox import RecordingUndefined, Seen, compile_part, environment, parse_part, template_line
from convgen.documents.tags import text_around
from convgen.documents.template import M_DID_YOU_MEAN, M_IN, NOTHING, Part, part_label
from convgen.i18n import Lang, Msg, number
from convgen.text import closest

M_WHERE = Msg("{label}{where} : {reason}", "{label}{where}: {reason}")
M_LIMIT = Msg("limite dépassée : {what} ; aucun document n'en a besoin", "limit exceeded: {what}; no document needs that much")
M_UNKNOWN = Msg("nom inconnu ({what})", "unknown name ({what})")
M_FORBIDDEN = Msg("opération interdite par le bac à sable ({what})", "operation forbidden by the sandbox ({what})")
M_RECURSION = Msg(
    "trop d'appels imbriqués (une macro, ou une boucle récursive, qui ne s'arrête pas ?)",
    "too many nested calls (a macro, or a recursive loop, that does not stop?)",
)
M_MEMORY = Msg("mémoire insuffisante pour ce modèle", "not enough memory for this template")
M_ZERO_DIVISION = Msg("division par zéro", "division by zero")
M_RANGE = Msg("range() de plus de {count} éléments", "range() of more than {count} items")
M_IMPOSSIBLE = Msg("{kind} ({what})", "{kind} ({what})")
M_BAD_VALUE = Msg("valeur impossible", "impossible value")
M_BAD_OPERATION = Msg("opération impossible", "impossible operation")
M_GROUP = Msg("un groupe de valeurs", "a group of values")
M_A_VALUE = Msg("une valeur", "a value")
M_THIS_VALUE = Msg("cette valeur", "this value")
M_QUOTED = Msg("« {0} »", "'{0}'")
M_LIST_PRINTED = Msg(
    "{label}{where} : « {written} » est une liste de groupes de valeurs ({listed}), pas un texte : "
    "parcourez-la, par exemple {{% for item in {written} %}}{{{{ item.{field} }}}}{{% endfor %}}",
    "{label}{where}: '{written}' is a list of groups of values ({listed}), not a text: "
    "loop over it, for example {{% for item in {written} %}}{{{{ item.{field} }}}}{{% endfor %}}",
)
M_GROUP_PRINTED = Msg(
    "{label}{where} : « {path} » est un groupe de valeurs ({listed}), pas un texte{example}",
    "{label}{where}: '{path}' is a group of values ({listed}), not a text{example}",
)
M_WRITE_ONE = Msg(
    " : écrivez l'une d'elles, par exemple « {{{{ {path}.{field} }}}} »", ": write one of them, for example '{{{{ {path}.{field} }}}}'"
)
M_FORBIDDEN_NAME = Msg(
    "{label}{where} : opération interdite par le bac à sable (accès à « {written} »)",
    "{label}{where}: operation forbidden by the sandbox (access to '{written}')",
)
M_UNKNOWN_NAME = Msg("{label}{where} : nom inconnu « {written} »{suggestion}", "{label}{where}: unknown name '{written}'{suggestion}")


def render_problem(part: Part, error: BaseException, context: dict[str, Any]) -> Msg:
    line = template_line(error, part.name)
    undefined = getattr(error, "undefined", None)
    if isinstance(error, UndefinedError) and undefined is not None:
        seen = Seen(part.name, line, str(undefined._undefined_name), undefined._undefined_obj)
        return seen_problem(seen, {part.name: part}, context, {})
    if isinstance(error, RecordPrinted):
        return seen_problem(Seen(part.name, line, "", error.record, printed=True), {part.name: part}, context, {})
    around = text_around(part.source, line)
    where = M_IN.fill(around=around) if around else NOTHING
    return M_WHERE.fill(label=part_label(part.name), where=where, reason=failure_reason(error))


def failure_reason(error: BaseException) -> Msg:
    """Why rendering stopped, in plain words and without Python's names for its types."""
    message = str(error)
    said = getattr(error, "said", None)  # convgen's own (LimitError, SandboxError): already in both languages
    if isinstance(error, LimitError):
        return M_LIMIT.fill(what=said if isinstance(said, Msg) else message)
    if isinstance(error, UndefinedError):
        return M_UNKNOWN.fill(what=plain(message))
    if isinstance(error, SecurityError):
        if not isinstance(said, Msg):
            said = Msg(message, message)
            for pattern, words in _SANDBOX_MESSAGES:
                found = pattern.fullmatch(message)
                if found is not None:
                    said = words.fill(*found.groups())
                    break
        return M_FORBIDDEN.fill(what=plain(said))
    if isinstance(error, RecursionError):
        return M_RECURSION
    if isinstance(error, MemoryError):
        return M_MEMORY
    if isinstance(error, ZeroDivisionError):
        return M_ZERO_DIVISION
    if isinstance(error, OverflowError) and "Range too big" in message:
        return M_RANGE.fill(count=number(MAX_RANGE))
    for pattern, words in _PYTHON_MESSAGES:
        found = pattern.fullmatch(message)
        if found is not None:
            return words.fill(*(_TYPE_WORDS.get(group, group) for group in found.groups()))
    kind = M_BAD_VALUE if isinstance(error, (ValueError, LookupError)) else M_BAD_OPERATION
    return M_IMPOSSIBLE.fill(kind=kind, what=plain(message))


M_A_TEXT = Msg("un texte", "a text")
M_A_NUMBER = Msg("un nombre", "a number")
M_A_LIST = Msg("une liste", "a list")
M_A_DATE = Msg("une date", "a date")
M_A_TIME = Msg("une heure", "a time")

_TYPE_WORDS = {
    "convgen.documents.sandbox.Record": M_GROUP,
    "Record": M_GROUP,
    "str": M_A_TEXT,
    "Markup": M_A_TEXT,
    "markupsafe.Markup": M_A_TEXT,
    "int": M_A_NUMBER,
    "float": M_A_NUMBER,
    "Decimal": M_A_NUMBER,
    "decimal.Decimal": M_A_NUMBER,
    "bool": Msg("un oui/non", "a yes/no"),
    "NoneType": Msg("une valeur vide (null)", "an empty value (null)"),
    "list": M_A_LIST,
    "tuple": M_A_LIST,
    "dict": Msg("une table", "a table"),
    "date": M_A_DATE,
    "datetime.date": M_A_DATE,
    "time": M_A_TIME,
    "datetime.time": M_A_TIME,
    "Undefined": Msg("un nom inconnu", "an unknown name"),
}


_SANDBOX_MESSAGES = [
    (re.compile(r"access to attribute '(.+)' of '.+' object is unsafe\."), Msg("accès à « {0} »", "access to '{0}'")),
    (
        re.compile(r".* is not safely callable", re.S),
        Msg("appel d'une fonction qui modifierait les données", "call of a function that would change the data"),
    ),
]


_PYTHON_MESSAGES = [
    (
        re.compile(r"unsupported operand type\(s\) for (.+): '([\w.]+)' and '([\w.]+)'"),
        Msg("opération « {0} » impossible entre {1} et {2}", "operation '{0}' impossible between {1} and {2}"),
    ),
    (
        re.compile(r'can only concatenate (\w+) \(not "([\w.]+)"\) to \w+'),
        Msg("« + » n'ajoute pas {1} à {0} : « ~ » met des textes bout à bout", "'+' does not add {1} to {0}: '~' puts texts end to end"),
    ),
    (
        re.compile(r"'(.+)' not supported between instances of '([\w.]+)' and '([\w.]+)'"),
        Msg("comparaison « {0} » impossible entre {1} et {2}", "comparison '{0}' impossible between {1} and {2}"),
    ),
    (
        re.compile(r"'([\w.]+)' object is not callable"),
        Msg("{0} ne s'appelle pas comme une fonction", "{0} cannot be called like a function"),
    ),
    (re.compile(r"'([\w.]+)' object is not iterable"), Msg("{0} ne se parcourt pas", "{0} cannot be looped over")),
    (re.compile(r"object of type '([\w.]+)' has no len\(\)"), Msg("{0} n'a pas de longueur", "{0} has no length")),
    (
        re.compile(r"can't multiply sequence by non-int of type '([\w.]+)'"),
        Msg(
            "un texte ou une liste ne se multiplie que par un nombre entier, pas par {0}",
            "a text or a list can only be multiplied by a whole number, not by {0}",
        ),
    ),
    (re.compile(r"Object of type ([\w.]+) is not JSON serializable"), Msg("{0} ne s'écrit pas en JSON", "{0} cannot be written as JSON")),
    (
        re.compile(r"Exceeds the limit \((\d+) digits\) for integer string conversion.*", re.S),
        Msg("nombre de plus de {0} chiffres", "number of more than {0} digits"),
    ),
    (
        re.compile(r"invalid literal for int\(\) with base \d+: (.*)", re.S),
        Msg("{0} n'est pas un nombre entier", "{0} is not a whole number"),
    ),
    (
        re.compile(r"no loader for this environment specified"),
        Msg(
            "un modèle DOCX n'en inclut pas d'autre ({{% include %}}, {{% import %}}, {{% extends %}})",
            "a DOCX template includes no other ({{% include %}}, {{% import %}}, {{% extends %}})",
        ),
    ),
]


_QUOTED_TYPE = re.compile(r"""['"]?<?(?:class )?'?([\w.]+?)(?: object)?'?>?['"]""")


def plain(message: str | Msg) -> Msg:
    """A Python or Jinja message with its names of types in words and no internal name of convgen's."""
    said = message if isinstance(message, Msg) else Msg(message, message)
    return Msg(_plain(said.fr, "fr"), _plain(said.en, "en"))


def _plain(message: str, lang: Lang) -> str:
    message = re.sub(r"\bRecord\([^()]*\)", M_GROUP.get(lang), message)
    message = _QUOTED_TYPE.sub(
        lambda found: M_QUOTED.get(lang).format(_TYPE_WORDS[found.group(1)].get(lang)) if found.group(1) in _TYPE_WORDS else found.group(0),
        message,
    )
    return re.sub(r"\bconvgen(?:\.\w+)+", M_A_VALUE.get(lang), message)


def unknown_names(part: Part, context: dict[str, Any]) -> list[Msg]:
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
    except TEMPLATE_FAILURES:
        pass  # what was noted before still counts
    seen, RecordingUndefined.seen = RecordingUndefined.seen, []
    trees: dict[str, Any] = {}
    return list(dict.fromkeys(seen_problem(note, {part.name: part}, context, trees) for note in distinct(seen)))


def distinct(seen: list[Seen]) -> list[Seen]:
    """One note for each name at each place: a loop over the 300 days of a period notes its typo 300 times."""
    kept: dict[tuple, Seen] = {}
    for note in seen:
        shape = tuple(note.obj.__dict__) if type(note.obj) is Record else type(note.obj)
        kept.setdefault((note.part, note.line, note.name, note.printed, note.forbidden, shape), note)
    return list(kept.values())


def seen_problem(seen: Seen, parts: dict[str, Part], context: dict[str, Any], trees: dict[str, Any]) -> Msg:
    """A noted unknown name (or printed group of values) as the user reads it: where, what, and a suggestion."""
    part = parts.get(seen.part)
    source = part.source if part is not None else ""
    tree = trees.get(seen.part)
    if tree is None and part is not None:
        try:
            tree = trees[seen.part] = parse_part(_reader(), source, seen.part).tree
        except TemplateSyntaxError:
            tree = None
    label = part_label(seen.part)
    if seen.printed:
        found = _path_of(seen.obj, context)
        written = _printed_expression(tree, seen.line) or _loop_name(tree, found)
        around = text_around(source, seen.line)
        where = M_IN.fill(around=around) if around else NOTHING
        fields = list(seen.obj.__dict__) if isinstance(seen.obj, Record) else []
        listed = f"{', '.join(fields[:6])}{', …' if len(fields) > 6 else ''}"
        if written and found and found.startswith(f"{written}["):
            return M_LIST_PRINTED.fill(label=label, where=where, written=written, listed=listed, field=fields[0] if fields else "…")
        path = written or found or M_THIS_VALUE
        example = M_WRITE_ONE.fill(path=path, field=fields[0]) if fields else NOTHING
        return M_GROUP_PRINTED.fill(label=label, where=where, path=path, listed=listed, example=example)
    around = text_around(source, seen.line, seen.name)
    where = M_IN.fill(around=around) if around else NOTHING
    top = seen.obj is missing
    written = _written(tree, seen.line, seen.name)
    if written is None:
        base = None if top else _path_of(seen.obj, context)
        written = seen.name if top else f"{base or '…'}.{seen.name}"
    if seen.forbidden:
        return M_FORBIDDEN_NAME.fill(label=label, where=where, written=written)
    if top:
        choices: Any = [*context, *_reader().globals]
    elif isinstance(seen.obj, Record):
        choices = seen.obj.__dict__
    elif isinstance(seen.obj, dict):
        choices = seen.obj
    else:
        choices = []
    close = closest(seen.name, choices, cutoff=0.7)
    suggestion = NOTHING
    if close:
        prefix = written[: len(written) - len(seen.name)] if written.endswith(seen.name) else ""
        suggestion = M_DID_YOU_MEAN.fill(name=f"{prefix}{close}")
    return M_UNKNOWN_NAME.fill(label=label, where=where, written=written, suggestion=suggestion)


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


# What a template may do wrong while rendering, as opposed to convgen's own failures.
TEMPLATE_FAILURES = (JinjaError, TypeError, ValueError, ArithmeticError, LookupError, AttributeError, RecursionError, MemoryError)
