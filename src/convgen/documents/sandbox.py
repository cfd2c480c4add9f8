"""Jinja inside Word XML: tag clean-up, the sandboxed environment, filters, error context.

Word stores what the user typed as runs of text; a tag typed in one go may still be
split across runs (spell-check marks, an edit in the middle). The clean-up joins tags
back, and turns the docxtpl structural tags (`{%p …%}`, `{%tr …%}`, `{%tc …%}`,
`{%r …%}`) into plain Jinja tags that replace their whole paragraph, row, cell or run.
"""

from __future__ import annotations

import functools
import inspect
import sys
from decimal import Decimal
from types import BuiltinMethodType, MethodType
from typing import Any, NamedTuple

from jinja2 import ChainableUndefined, StrictUndefined, Undefined, nodes, pass_context, pass_environment, pass_eval_context
from jinja2.exceptions import SecurityError, TemplateSyntaxError, UndefinedError
from jinja2.runtime import markup_join, str_join
from jinja2.sandbox import SandboxedEnvironment
from jinja2.utils import Namespace, _PassArg  # _PassArg: how Jinja marks what a filter is given first
from jinja2.visitor import NodeTransformer
from markupsafe import Markup

from convgen.documents.budget import (
    FILTER_CHECKS,
    GROWING,
    MAX_NESTING,
    MAX_TEXT,
    SEQUENCES,
    SHORT,
    SIZED,
    STRINGIFYING,
    TEXT_METHODS,
    TEXTS,
    Budget,
    EscapeFormatter,
    Formatter,
    check_percent,
    check_power,
    check_product,
    check_sum,
    check_text,
    lipsum,
    m_to_bytes,
    size_of,
    text_size,
    too_long,
)
from convgen.documents.filters import FILTERS, Record, RecordPrinted
from convgen.errors import Bilingual
from convgen.i18n import Msg
from convgen.text import XML_FORBIDDEN

M_GIVEN_TO = Msg("texte donné à « {name} »", "text given to '{name}'")
M_CONCAT = Msg("texte joint avec ~", "text joined with ~")
M_PRINTED = Msg("valeur imprimée", "printed value")
M_LIST_OR_TABLE = Msg("liste ou table", "list or table")
M_METHOD_GIVEN = Msg("une méthode ne peut pas être donnée à une autre", "a method cannot be given to another")
M_TOO_DEEP = Msg("expression trop imbriquée (plus de {limit} niveaux)", "expression nested too deeply (more than {limit} levels)")
M_DEPTH = Msg(
    "balises ou expression trop imbriquées ({depth} niveaux, au plus {limit})",
    "tags or expression nested too deeply ({depth} levels, at most {limit})",
)
M_TAGS_TOO_DEEP = Msg("balises trop imbriquées", "tags nested too deeply")


class SandboxError(Bilingual, SecurityError):
    """What the sandbox refuses beyond Jinja's own checks; `said` in both languages, the message in French."""


class NestingError(Bilingual, TemplateSyntaxError):
    """A part nested deeper than Jinja or Python can take; `said` in both languages, the message in French."""


# Filters: what input.md promises (date_fr, hours_fr, phone_fr) and a few more (docs/TEMPLATES.md).


def _guarded_filter(env: _Sandbox, name: str, func: Any) -> Any:
    """A Jinja filter that counts as a step, and whose input and output are held to the limits."""
    skip = 1 if _PassArg.from_obj(func) is not None else 0
    stringifying = name in STRINGIFYING
    check = FILTER_CHECKS.get(name)
    # Jinja's filters with an async variant are given the evaluation context by a wrapper
    # that drops it: the function underneath may not take it (`slice`), or may (`join`).
    inner = inspect.unwrap(func)
    given = 0 if _PassArg.from_obj(inner) is not None else skip
    signature = inspect.signature(inner) if check is not None else None

    def guarded(*args: Any, **kwargs: Any) -> Any:
        if stringifying and len(args) > skip:
            value = args[skip]
            size = len(value) if type(value) in TEXTS else text_size(value)
            if size > MAX_TEXT:
                raise too_long(M_GIVEN_TO.fill(name=name), size)
        if signature is not None:
            bound = signature.bind(*args[given:], **kwargs)
            bound.apply_defaults()
            check(bound.arguments)
            args, kwargs = (*args[:given], *bound.args), bound.kwargs
        result = func(*args, **kwargs)
        env.budget.spend(size_of(result))
        return result

    return functools.update_wrapper(guarded, func)


def _guarded_test(env: _Sandbox, func: Any) -> Any:
    def guarded(*args: Any, **kwargs: Any) -> Any:
        env.budget.spend()
        return func(*args, **kwargs)

    return functools.update_wrapper(guarded, func)


@pass_context
def _tick(context: Any, value: Any, chars: int) -> Any:
    """Put first in each loop's body (and test): a turn costs a step, and the text the body repeats."""
    context.environment.budget.spend(chars)
    return value


@pass_eval_context
def _concat(eval_ctx: Any, values: tuple) -> Any:
    """`a ~ b`: Jinja's own join, once the length of the result is known to be within MAX_TEXT."""
    size = 0
    for value in values:
        size += len(value) if type(value) in TEXTS else text_size(value)
    check_text(M_CONCAT, size)
    eval_ctx.environment.budget.spend(size)
    return markup_join(values) if eval_ctx.autoescape else str_join(values)


# Internal filters, put into the tree by `instrument`: a name no template can write (not a Jinja name).
TICK = "convgen-tick"
CONCAT = "convgen-concat"


class _Sandbox(SandboxedEnvironment):
    # `"x" * 10**9`, `2 ** 10**9`, `s + s` doubled in a loop, `'%999999999s' % x`: checked.
    intercepted_binops = frozenset({"*", "**", "+", "%"})
    budget: Budget

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if operator == "**":
            check_power(left, right)
        elif operator == "*":
            check_product(left, right)
        elif operator == "+":
            check_sum(left, right)
        elif isinstance(left, (str, bytes)):
            check_percent(left, right)
        result = self.binop_table[operator](left, right)
        self.budget.spend(size_of(result))
        return result

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N805 - Jinja's names
        owner = getattr(__obj, "__self__", None)
        kind = type(__obj)
        if kind is BuiltinMethodType or kind is MethodType:
            if isinstance(owner, (str, bytes)):
                check = TEXT_METHODS.get(__obj.__name__)
                if check is not None:
                    args, kwargs = check(owner, args, kwargs)
            elif type(owner) is int and __obj.__name__ == "to_bytes":
                args, kwargs = m_to_bytes(owner, args, kwargs)
        for value in (*args, *kwargs.values()):
            # A method handed to another (`items.sort(key=' '.center)`) would run where no check is made.
            if type(value) is BuiltinMethodType or type(value) is MethodType and isinstance(value.__self__, (str, bytes)):
                raise SandboxError(M_METHOD_GIVEN)
        result = super().call(__context, __obj, *args, **kwargs)
        if owner is not None and type(owner) in SIZED and __obj.__name__ in GROWING and len(owner) > MAX_TEXT:
            raise too_long(M_LIST_OR_TABLE, len(owner))
        __self.budget.spend(size_of(result))
        return result

    def wrap_str_format(self, value: Any) -> Any:
        # Jinja's own, with a formatter that bounds what the fields write (`'{:>999999999}'.format(1)`).
        if not isinstance(value, (MethodType, BuiltinMethodType)) or value.__name__ not in ("format", "format_map"):
            return None
        owner = value.__self__
        if not isinstance(owner, str):
            return None
        kind = type(owner)
        is_map = value.__name__ == "format_map"
        formatter = EscapeFormatter(self, escape=owner.escape) if isinstance(owner, Markup) else Formatter(self)

        def wrapper(*args: Any, **kwargs: Any) -> str:
            if is_map:
                if kwargs:
                    raise TypeError("format_map() takes no keyword arguments")
                if len(args) != 1:
                    raise TypeError(f"format_map() takes exactly one argument ({len(args)} given)")
                kwargs = args[0]
                args = ()
            return kind(formatter.vformat(owner, args, kwargs))

        return functools.update_wrapper(wrapper, value)

    def getattr(self, obj: Any, attribute: str) -> Any:
        # A Record holds only the values convgen built for templates, in its __dict__:
        # reading one is safe and needs none of the sandbox's checks, which would cost
        # a few microseconds on each of the hundreds of reads a document makes.
        if type(obj) is Record and not attribute.startswith("_"):
            try:
                return obj.__dict__[attribute]
            except KeyError:
                pass
        return super().getattr(obj, attribute)


class _StrictUndefined(StrictUndefined):
    """StrictUndefined whose error carries it: the message can then name the value and suggest a name."""

    __slots__ = ()

    def _fail_with_undefined_error(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return super()._fail_with_undefined_error(*args, **kwargs)
        except UndefinedError as error:
            error.undefined = self  # type: ignore[attr-defined]
            raise


def _failing(cls: type) -> list[str]:
    """The special methods by which Jinja's Undefined classes fail (`__lt__`, `__add__`, `__iter__`…).

    They are bound to Undefined's own failing method when the class is made: a subclass
    overriding that method must set them again.
    """
    fail = Undefined._fail_with_undefined_error
    return [name for klass in cls.__mro__ for name, value in vars(klass).items() if value is fail and name.startswith("__")]


for _name in _failing(StrictUndefined):
    setattr(_StrictUndefined, _name, _StrictUndefined._fail_with_undefined_error)


def _printed(recording: bool) -> Any:
    """What `{{ … }}` does to a value before it is escaped: counted, and checked to be printable."""

    @pass_environment
    def printed(env: _Sandbox, value: Any) -> Any:
        kind = type(value)
        if kind is str or kind is Markup:
            budget = env.budget
            budget.chars -= len(value)
            if budget.chars < 0:
                budget.check()
            return value if kind is Markup else XML_FORBIDDEN.sub("", value)
        if value is None:
            return ""
        if kind in SHORT or kind is int or kind is Decimal:
            return value
        if kind is Record or kind in SEQUENCES or kind is dict or kind is Namespace:
            try:
                size = text_size(value)
            except RecordPrinted as error:
                if not recording:
                    raise
                RecordingUndefined.note(name="", obj=error.record, printed=True)
                return ""
            check_text(M_PRINTED, size)
            env.budget.spend(size)
        return value

    return printed


def environment(undefined: type[Undefined] = StrictUndefined) -> SandboxedEnvironment:
    """The one Jinja environment: sandboxed, XML-escaping, strict about unknown names, bounded (MAX_*)."""
    recording = issubclass(undefined, RecordingUndefined)
    env = _Sandbox(
        autoescape=True,
        undefined=_StrictUndefined if undefined is StrictUndefined else undefined,
        finalize=_printed(recording),
        keep_trailing_newline=True,
        cache_size=0,
        auto_reload=False,
    )
    env.budget = Budget()
    for name, func in list(env.filters.items()):
        env.filters[name] = _guarded_filter(env, name, func)
    for name, func in list(env.tests.items()):
        env.tests[name] = _guarded_test(env, func)
    env.filters.update(FILTERS)
    env.filters[TICK] = _tick
    env.filters[CONCAT] = _concat
    env.globals["lipsum"] = lipsum
    return env


def filter_names(env: SandboxedEnvironment) -> list[str]:
    """The filters a template may name (not the internal ones)."""
    return [name for name in env.filters if name not in (TICK, CONCAT)]


class Parsed(NamedTuple):
    """A part's tree of tags, and every node of it (read once: each later step picks its kind)."""

    tree: Any
    nodes: list[Any]

    def of(self, kind: Any) -> list[Any]:
        return [node for node in self.nodes if isinstance(node, kind)]


def parse_part(env: SandboxedEnvironment, source: str, name: str) -> Parsed:
    """A part's tree of tags. Raises TemplateSyntaxError, also for a tree too deep (MAX_NESTING)."""
    try:
        tree = env.parse(source, name, name)
    except RecursionError:
        raise NestingError(M_TOO_DEEP.fill(limit=MAX_NESTING), None, name) from None
    # Read without recursion, so that a tree too deep for Jinja's own visitors is measured first.
    found = []
    deepest, line = 0, None
    stack = [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        found.append(node)
        if depth > deepest:
            deepest, line = depth, getattr(node, "lineno", line)
        stack.extend((child, depth + 1) for child in node.iter_child_nodes())
    if deepest > MAX_NESTING:
        raise NestingError(M_DEPTH.fill(depth=deepest, limit=MAX_NESTING), line, name)
    found.reverse()  # roughly in reading order
    return Parsed(tree, found)


def compile_part(
    env: SandboxedEnvironment, source: str, name: str, parsed: Parsed | None = None
) -> tuple[Any, bool, frozenset[str] | None]:
    """A compiled template, whether it reads `copy`, and `copy_fields(tree)`. Raises TemplateSyntaxError."""
    if parsed is None:
        parsed = parse_part(env, source, name)
    tree = parsed.tree
    # Any mention of `copy` counts (even a loop variable of that name): at worst the part is rendered per copy.
    uses_copy = any(node.name == "copy" for node in parsed.of(nodes.Name))
    fields = copy_fields(tree) if uses_copy else frozenset()
    instrument(parsed, env)
    try:
        code = env.compile(tree, name, name)
    except (SyntaxError, RecursionError, MemoryError):
        # Python's own limits on the code Jinja writes (20 nested loops, 100 levels of indentation).
        raise NestingError(M_TAGS_TOO_DEEP, None, name) from None
    template = env.template_class.from_code(env, code, env.make_globals(None))
    return template, uses_copy, fields


def instrument(parsed: Parsed, env: SandboxedEnvironment) -> None:
    """Each loop's turns counted (TICK first in its body and its test), each `~` checked (CONCAT)."""
    for loop in parsed.of(nodes.For):
        chars = _repeated_text(loop.body)
        loop.body.insert(0, nodes.ExprStmt(_tick_node(nodes.Const(None), chars, loop.lineno, env), lineno=loop.lineno, environment=env))
        if loop.test is not None:
            loop.test = nodes.And(_tick_node(nodes.Const(True), 0, loop.lineno, env), loop.test, lineno=loop.test.lineno, environment=env)
    if parsed.of(nodes.Concat):
        _Joins(env).visit(parsed.tree)


def _tick_node(value: Any, chars: int, line: int, env: SandboxedEnvironment) -> Any:
    value.set_lineno(line).set_environment(env)
    return nodes.Filter(value, TICK, [nodes.Const(chars, lineno=line, environment=env)], [], None, None, lineno=line, environment=env)


class _Joins(NodeTransformer):
    def __init__(self, env: SandboxedEnvironment) -> None:
        self.env = env

    def visit_Concat(self, node: Any) -> Any:
        self.generic_visit(node)
        items = nodes.Tuple(node.nodes, "load", lineno=node.lineno, environment=self.env)
        return nodes.Filter(items, CONCAT, [], [], None, None, lineno=node.lineno, environment=self.env)


def _repeated_text(body: list[Any]) -> int:
    """The template text a loop's body writes at each turn; inner loops and macros count their own."""
    chars = 0
    stack = list(body)
    while stack:
        node = stack.pop()
        if isinstance(node, nodes.TemplateData):
            chars += len(node.data)
        elif isinstance(node, nodes.For):
            stack.extend(node.else_)  # written once for each turn of the loop around
        elif not isinstance(node, (nodes.Macro, nodes.CallBlock)):
            stack.extend(node.iter_child_nodes())
    return chars


def copy_fields(tree: Any) -> frozenset[str] | None:
    """The `copy` attributes a part prints, when it only prints them (`{{ copy.heading }}`).

    Such a part is the same for every copy but for those printed values: it can be
    rendered once per agreement, the values spliced in per copy. None when `copy` is
    used any other way (a test, a loop, a filter), and each copy needs a render.
    """
    if any(True for _ in tree.find_all((nodes.EvalContextModifier, nodes.ScopedEvalContextModifier))):
        return None  # `{% autoescape false %}`: what a value prints depends on where it stands
    printed: set[str] = set()
    plain = 0
    for output in tree.find_all(nodes.Output):
        for node in output.nodes:
            if isinstance(node, nodes.Getattr) and isinstance(node.node, nodes.Name) and node.node.name == "copy":
                printed.add(node.attr)
                plain += 1
    uses = sum(1 for name in tree.find_all(nodes.Name) if name.name == "copy")
    return frozenset(printed) if uses == plain else None


def template_line(error: BaseException, name: str) -> int | None:
    """The template line an error was raised at, from its traceback (Jinja maps frames to lines)."""
    tb = error.__traceback__
    line = None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == name:
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


class Seen(NamedTuple):
    """What a check noted: an unknown name (`obj` the value it was looked for in), or a printed group of values."""

    part: str
    line: int | None
    name: str
    obj: Any
    printed: bool = False
    forbidden: bool = False


def template_position() -> tuple[str, int | None]:
    """The part and line of the template code running now (the innermost one on the stack)."""
    frame = sys._getframe(1)
    while frame is not None:
        template = frame.f_globals.get("__jinja_template__")
        if template is not None:
            return template.name or "", template.get_corresponding_lineno(frame.f_lineno)
        frame = frame.f_back
    return "", None


class RecordingUndefined(ChainableUndefined):
    """For `convgen template check`: notes each unknown name where it is used, and goes on.

    A strict render stops at the first unknown name; a check should list them all.
    """

    seen: list[Seen] = []

    @staticmethod
    def note(name: str, obj: Any, printed: bool = False, forbidden: bool = False) -> None:
        part, line = template_position()
        RecordingUndefined.seen.append(Seen(part, line, name, obj, printed, forbidden))

    def _note(self) -> None:
        RecordingUndefined.note(str(self._undefined_name), self._undefined_obj, forbidden=self._undefined_exception is SecurityError)

    def __str__(self) -> str:
        self._note()
        return ""

    def __html__(self) -> str:
        return self.__str__()

    def __iter__(self):  # type: ignore[override]
        self._note()
        return iter(())

    def __bool__(self) -> bool:
        self._note()
        return False

    def __len__(self) -> int:
        self._note()
        return 0


def _noted(result: Any) -> Any:
    def noted(self: RecordingUndefined, *args: Any, **kwargs: Any) -> Any:
        self._note()
        return self if result is None else result

    return noted


# What would stop a check (`a < b`, `a + 1`, `a()` with `a` unknown) is noted, and the check goes on.
_STAND_INS: dict[str, Any] = {"__lt__": False, "__le__": False, "__gt__": False, "__ge__": False, "__int__": 0, "__float__": 0.0}
for _name in _failing(RecordingUndefined):
    if _name not in vars(RecordingUndefined) and _name not in vars(ChainableUndefined):
        setattr(RecordingUndefined, _name, _noted(_STAND_INS.get(_name, 0j if _name == "__complex__" else None)))
