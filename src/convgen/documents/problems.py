"""What a template that fails is told: the reason in plain French (no Python class names),
the Word text around the place, every unknown name at once with its path and a suggestion."""

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
from convgen.documents.template import Part, part_label
from convgen.text import closest


def render_problem(part: Part, error: BaseException, context: dict[str, Any]) -> str:
    line = template_line(error, part.name)
    undefined = getattr(error, "undefined", None)
    if isinstance(error, UndefinedError) and undefined is not None:
        seen = Seen(part.name, line, str(undefined._undefined_name), undefined._undefined_obj)
        return seen_problem(seen, {part.name: part}, context, {})
    if isinstance(error, RecordPrinted):
        return seen_problem(Seen(part.name, line, "", error.record, printed=True), {part.name: part}, context, {})
    around = text_around(part.source, line)
    where = f" dans « {around} »" if around else ""
    return f"{part_label(part.name)}{where} : {failure_reason(error)}"


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


def seen_problem(seen: Seen, parts: dict[str, Part], context: dict[str, Any], trees: dict[str, Any]) -> str:
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


# What a template may do wrong while rendering, as opposed to convgen's own failures.
TEMPLATE_FAILURES = (JinjaError, TypeError, ValueError, ArithmeticError, LookupError, AttributeError, RecursionError, MemoryError)
