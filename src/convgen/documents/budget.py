"""The bounded cost of a template: every operation sized before it runs, and budgets of
steps, characters and CPU time per agreement, so that no template (a school may write its
own, or receive one) can exhaust the machine. Limits are far above what any document needs."""

from __future__ import annotations

import datetime as dt
import re
import time
from decimal import Decimal
from typing import Any

from jinja2.exceptions import TemplateRuntimeError
from jinja2.sandbox import SandboxedEscapeFormatter, SandboxedFormatter
from jinja2.utils import Namespace, generate_lorem_ipsum  # _PassArg: how Jinja marks what a filter is given first
from markupsafe import Markup

from convgen.documents.filters import Record, RecordPrinted
from convgen.errors import Bilingual
from convgen.i18n import Msg, number

# What rendering may build. A Word document needs far less: an agreement's three documents
# print about 60,000 characters in a few hundred steps. Each figure stops a template that
# would otherwise take gigabytes or minutes (`'x'.center(10**9)`, loops in loops over
# `range(10**5)`, `lipsum(10**6)`, a text doubled with `~` in a loop) with a template error
# naming the tag, before the memory is taken: sizes are checked before an operation runs
# wherever its result can be foreseen, and spent as it runs everywhere else.
MAX_PRODUCT = 100_000
"""Longest text or list a template may build with * (a Word document needs far less)."""


MAX_TEXT = 2_000_000
"""Longest text (or list) one operation may build or read: a filter, a method, `~`, `+`, `%`, `format`."""


MAX_POWER = 100
"""Largest exponent of `**`."""


MAX_INT_BITS = 1 << 16
"""Largest number `*` and `**` may build: 65,536 bits, about 20,000 digits (Python prints at most 4,300)."""


MAX_RENDER_CHARS = 20_000_000
"""Characters the documents of one agreement may cost: printed, built by an operation, or repeated by a loop."""


MAX_RENDER_STEPS = 200_000
"""Loop turns, calls, filters and tests the documents of one agreement may run (each a few microseconds)."""


MAX_RENDER_SECONDS = 10.0
"""Processor time the documents of one agreement may take, for what the two figures above cannot foresee."""


MAX_NESTING = 40
"""Depth of a part's tree of tags and expressions (the built-in templates: 9); Jinja and Python need seconds past 100."""


MAX_LIPSUM = (100, 1_000)
"""`lipsum()`: at most this many paragraphs, of at most this many words."""


MAX_STRIP_WORK = 50_000_000
"""`striptags` rebuilds its text for each tag it removes: tags × length, at most this."""


_CHECK_EVERY = 64  # steps between two looks at the clock: each step is at most milliseconds of work


class LimitError(Bilingual, TemplateRuntimeError):
    """A template asked for more than any document needs (see the limits above).

    `said` tells what, in both languages; the message is the French text.
    """


M_STEPS = Msg(
    "plus de {count} étapes (tours de boucle, appels, filtres) pour une convention",
    "more than {count} steps (loop turns, calls, filters) for one agreement",
)
M_CHARS = Msg("plus de {count} caractères produits pour une convention", "more than {count} characters produced for one agreement")
M_SECONDS = Msg("plus de {seconds} s de calcul pour une convention", "more than {seconds} s of computing for one agreement")
M_TOO_LONG = Msg("{what} de {size} caractères ou éléments (au plus {limit})", "{what} of {size} characters or items (at most {limit})")
M_POWER = Msg("puissance trop grande ({power}) : au plus {limit}", "power too large ({power}): at most {limit}")
M_BIG_NUMBER = Msg(
    "nombre trop grand (plus de {bits} bits, environ 20 000 chiffres)", "number too large (more than {bits} bits, about 20,000 digits)"
)
M_PRODUCT = Msg(
    "texte ou liste trop long ({size} × {count}) : au plus {limit} éléments",
    "text or list too long ({size} × {count}): at most {limit} items",
)
M_STRIPTAGS = Msg(
    "striptags sur un texte de {chars} caractères et {tags} balises", "striptags on a text of {chars} characters and {tags} tags"
)
M_LIPSUM = Msg("lipsum : au plus {paragraphs} paragraphes de {words} mots", "lipsum: at most {paragraphs} paragraphs of {words} words")
M_TOJSON = Msg("tojson : un retrait de 16 au plus", "tojson: an indent of 16 at most")
M_COUNT = Msg("« {name} » vaut {count} (au plus {limit})", "'{name}' is {count} (at most {limit})")

# What an operation would build too long: the start of M_TOO_LONG.
M_TEXT = Msg("texte", "text")
M_JOINED = Msg("texte joint", "joined text")
M_LIST = Msg("liste", "list")
M_TEXT_OR_LIST = Msg("texte ou liste", "text or list")
M_PERCENT = Msg("texte formaté avec %", "text formatted with %")
M_FORMATTED = Msg("texte formaté", "formatted text")
M_BYTES = Msg("suite d'octets", "byte string")
M_INDENT = Msg("retrait", "indent")


class Budget:
    """What the documents of one agreement may still cost (MAX_RENDER_*): set anew for each agreement."""

    __slots__ = ("steps", "chars", "deadline")

    def __init__(self) -> None:
        self.steps = MAX_RENDER_STEPS
        self.chars = MAX_RENDER_CHARS
        self.deadline = 0.0  # set at the first look at the clock

    def spend(self, chars: int = 0) -> None:
        self.steps -= 1
        self.chars -= chars
        if self.chars < 0 or not self.steps % _CHECK_EVERY:
            self.check()

    def check(self) -> None:
        if self.steps < 0:
            raise LimitError(M_STEPS.fill(count=number(MAX_RENDER_STEPS)))
        if self.chars < 0:
            raise LimitError(M_CHARS.fill(count=number(MAX_RENDER_CHARS)))
        # The thread's own processor time: a busy or suspended machine does not count.
        now = time.thread_time()
        if not self.deadline:
            self.deadline = now + MAX_RENDER_SECONDS
        elif now > self.deadline:
            seconds = f"{MAX_RENDER_SECONDS:g}"
            raise LimitError(M_SECONDS.fill(seconds=Msg(seconds.replace(".", ","), seconds)))


TEXTS = frozenset({str, Markup})


SIZED = frozenset({str, Markup, bytes, list, tuple, dict})


SEQUENCES = frozenset({list, tuple, set, frozenset})


SHORT = frozenset({float, bool, type(None), dt.date, dt.datetime, dt.time, dt.timedelta})


def size_of(value: Any) -> int:
    return len(value) if type(value) in SIZED else 0


def text_size(value: Any, limit: int = MAX_TEXT) -> int:
    """At least the length of `str(value)`, found without building it; counting stops past `limit`.

    A list prints the repr of each item: a short list of long texts, or a list holding
    itself, prints long. Raises RecordPrinted for a Record, at any depth: its text would
    be Python's, not the user's.
    """
    total = 0
    stack = [value]
    top = True
    while stack and total <= limit:
        item = stack.pop()
        kind = type(item)
        if kind in TEXTS:
            total += len(item) if top or item.isprintable() else 10 * len(item)
            total += 0 if top else 2
        elif kind is int:
            total += item.bit_length() * 31 // 100 + 2
        elif kind is Decimal:
            total += abs(item.adjusted()) + 40 if item.is_finite() else 10  # `{:f}` writes every zero of 1E+999999
        elif kind in SHORT:
            total += 40
        elif kind is Record:
            raise RecordPrinted(item)
        elif kind in SEQUENCES:
            total += 2 + 2 * len(item)
            stack.extend(item)
        elif kind is dict:
            total += 2 + 4 * len(item)
            stack.extend(item.keys())
            stack.extend(item.values())
        elif kind is Namespace:
            attributes = object.__getattribute__(item, "_Namespace__attrs")
            total += 14 + 4 * len(attributes)
            stack.extend(attributes.values())
        else:
            total += 100  # an object whose repr is short: a macro, a loop, an unknown name
        top = False
    return total


def too_long(what: Msg, size: int, limit: int = MAX_TEXT) -> LimitError:
    return LimitError(M_TOO_LONG.fill(what=what, size=number(size), limit=number(limit)))


def check_text(what: Msg, size: int) -> None:
    if size > MAX_TEXT:
        raise too_long(what, size)


def _check_width(what: Msg, width: Any) -> None:
    if isinstance(width, int) and width > MAX_TEXT:
        raise too_long(what, width)


# printf-style formats: `%(key)s`, flags, width, precision (either may be `*`), conversion.
_PERCENT = re.compile(r"%(?:\(([^()]*)\))?[#0 +\-]*(\*|\d+)?(?:\.(\*|\d*))?[hlL]?(.?)", re.S)


def _percent_size(text: str | bytes, args: Any) -> int:
    """At least the length of `text % args`."""
    if isinstance(text, bytes):
        text = text.decode("latin-1")
    values = list(args) if type(args) is tuple else [args]
    mapping = args if isinstance(args, (dict, Record)) else None
    total = len(text)
    index = 0
    for spec in _PERCENT.finditer(text):
        key, width, precision, conversion = spec.groups()
        for field in (width, precision):
            if field == "*":
                given = values[index] if index < len(values) else 0
                index += 1
                total += abs(given) if isinstance(given, int) else 0
            elif field:
                total += int(field) if len(field) <= 9 else MAX_TEXT + 1
        if conversion == "%":
            continue
        if key is not None:
            value = mapping[key] if mapping is not None and key in mapping else None
        else:
            value = values[index] if index < len(values) else None
            index += 1
        total += text_size(value) + (0 if conversion in "sra" else 320)  # `%f` of 1e308 writes 309 digits
        if total > MAX_TEXT:
            break
    return total * 6 if isinstance(text, Markup) else total  # Markup escapes what it formats


def check_percent(text: str | bytes, args: Any) -> None:
    check_text(M_PERCENT, _percent_size(text, args))


def check_power(left: Any, right: Any) -> None:
    if isinstance(right, int) and abs(right) > MAX_POWER:
        raise LimitError(M_POWER.fill(power=number(right), limit=MAX_POWER))
    if isinstance(left, int) and isinstance(right, int) and right > 0 and left.bit_length() * right > MAX_INT_BITS:
        raise LimitError(M_BIG_NUMBER.fill(bits=number(MAX_INT_BITS)))


def check_product(left: Any, right: Any) -> None:
    for sized, count in ((left, right), (right, left)):
        if isinstance(sized, (str, bytes, list, tuple)) and isinstance(count, int) and len(sized) * count > MAX_PRODUCT:
            raise LimitError(M_PRODUCT.fill(size=len(sized), count=count, limit=number(MAX_PRODUCT)))
    if isinstance(left, int) and isinstance(right, int) and left.bit_length() + right.bit_length() > MAX_INT_BITS:
        raise LimitError(M_BIG_NUMBER.fill(bits=number(MAX_INT_BITS)))


def check_sum(left: Any, right: Any) -> None:
    sequences = (str, bytes, list, tuple)
    if isinstance(left, sequences) and isinstance(right, sequences):
        check_text(M_TEXT_OR_LIST, len(left) + len(right))


def _replace_size(text: Any, old: Any, new: Any, count: Any = -1) -> int:
    if not (isinstance(text, (str, bytes)) and type(old) is type(new) and isinstance(old, (str, bytes))):
        return 0
    found = text.count(old) if old else len(text) + 1
    if isinstance(count, int) and count >= 0:
        found = min(found, count)
    return len(text) + found * max(0, len(new) - len(old))


def _join_size(separator: Any, items: list[Any]) -> int:
    size = size_of(separator) * max(0, len(items) - 1)
    for item in items:
        size += len(item) if type(item) in SIZED else text_size(item)
        if size > MAX_TEXT:
            break
    return size


# Methods of texts, lists and numbers whose result a few arguments can make huge: checked
# before they run. Each takes (owner, args, kwargs) and returns the arguments to call with
# (`join` is given its items as a list, read once).
def _m_width(owner: Any, args: tuple, kwargs: dict) -> tuple[tuple, dict]:
    _check_width(M_TEXT, args[0] if args else kwargs.get("width"))
    return args, kwargs


def _m_expandtabs(owner: Any, args: tuple, kwargs: dict) -> tuple[tuple, dict]:
    size = args[0] if args else kwargs.get("tabsize", 8)
    if isinstance(size, int):
        check_text(M_TEXT, len(owner) + owner.count("\t" if isinstance(owner, str) else b"\t") * max(0, size))
    return args, kwargs


def _m_replace(owner: Any, args: tuple, kwargs: dict) -> tuple[tuple, dict]:
    if len(args) >= 2:
        check_text(M_TEXT, _replace_size(owner, args[0], args[1], args[2] if len(args) > 2 else kwargs.get("count", -1)))
    return args, kwargs


def _m_join(owner: Any, args: tuple, kwargs: dict) -> tuple[tuple, dict]:
    if len(args) != 1 or kwargs:
        return args, kwargs
    items = list(args[0])
    check_text(M_JOINED, _join_size(owner, items))
    return (items,), kwargs


def _m_translate(owner: Any, args: tuple, kwargs: dict) -> tuple[tuple, dict]:
    table = args[0] if args else None
    values = table.values() if isinstance(table, dict) else table if isinstance(table, (list, tuple)) else ()
    longest = max((len(value) for value in values if isinstance(value, (str, bytes))), default=1)
    check_text(M_TEXT, len(owner) * max(1, longest))
    return args, kwargs


def _m_striptags(owner: Any, args: tuple, kwargs: dict) -> tuple[tuple, dict]:
    if owner.count("<") * len(owner) > MAX_STRIP_WORK:
        raise LimitError(M_STRIPTAGS.fill(chars=number(len(owner)), tags=number(owner.count("<"))))
    return args, kwargs


def m_to_bytes(owner: Any, args: tuple, kwargs: dict) -> tuple[tuple, dict]:
    _check_width(M_BYTES, args[0] if args else kwargs.get("length", 1))
    return args, kwargs


TEXT_METHODS = {
    "center": _m_width,
    "ljust": _m_width,
    "rjust": _m_width,
    "zfill": _m_width,
    "expandtabs": _m_expandtabs,
    "replace": _m_replace,
    "join": _m_join,
    "translate": _m_translate,
    "striptags": _m_striptags,
}


GROWING = frozenset({"append", "extend", "insert", "update", "setdefault", "add"})


class _BoundedFormat:
    """`str.format` whose fields may not make a text longer than MAX_TEXT, all fields together."""

    _written = 0

    def vformat(self, format_string: str, args: Any, kwargs: Any) -> str:
        self._written = len(format_string)
        return super().vformat(format_string, args, kwargs)  # type: ignore[misc]

    def format_field(self, value: Any, format_spec: str) -> Any:
        numbers = re.findall(r"\d+", format_spec)
        wide = max((int(number) if len(number) <= 9 else MAX_TEXT + 1 for number in numbers), default=0)
        self._written += max(wide, text_size(value))
        check_text(M_FORMATTED, self._written)
        return super().format_field(value, format_spec)  # type: ignore[misc]


class Formatter(_BoundedFormat, SandboxedFormatter):
    pass


class EscapeFormatter(_BoundedFormat, SandboxedEscapeFormatter):
    pass


def lipsum(n: int = 5, html: bool = True, min: int = 20, max: int = 100) -> str:  # noqa: A002 - Jinja's names
    paragraphs, words = MAX_LIPSUM
    if isinstance(n, int) and n > paragraphs or isinstance(max, int) and max > words:
        raise LimitError(M_LIPSUM.fill(paragraphs=paragraphs, words=number(words)))
    return generate_lorem_ipsum(n, html, min, max)


# Filters that turn their value into text first: a list given to one is read as its repr.
STRINGIFYING = frozenset(
    "capitalize center e escape forceescape format indent lower pprint replace safe string striptags title tojson "
    "trim truncate upper urlencode urlize wordcount wordwrap xmlattr".split()
)


def _f_center(a: dict) -> None:
    _check_width(M_TEXT, a["width"])


def _f_indent(a: dict) -> None:
    width = a["width"]
    _check_width(M_INDENT, width)
    step = width if isinstance(width, int) else len(str(width))
    text = str(a["s"])
    check_text(M_TEXT, len(text) + (text.count("\n") + 1) * max(0, step))


def _f_format(a: dict) -> None:
    check_percent(str(a["value"]), a["kwargs"] or a["args"])


def _f_replace(a: dict) -> None:
    check_text(M_TEXT, _replace_size(str(a["s"]), str(a["old"]), str(a["new"]), a["count"] if a["count"] is not None else -1))


def _f_join(a: dict) -> None:
    items = list(a["value"])
    a["value"] = items
    if a["attribute"] is None:
        check_text(M_JOINED, _join_size(a["d"], items))


def _f_wordwrap(a: dict) -> None:
    text = str(a["s"])
    check_text(M_TEXT, len(text) * (1 + len(a["wrapstring"] or "\n")))


def _f_urlize(a: dict) -> None:
    text = str(a["value"])
    check_text(M_TEXT, len(text) * (2 + len(a["target"] or "") + len(a["rel"] or "")))


def _f_tojson(a: dict) -> None:
    indent = a["indent"]
    if indent is not None and (len(indent) if isinstance(indent, str) else indent) > 16:
        raise LimitError(M_TOJSON)
    check_text(M_TEXT, 6 * text_size(a["value"]))


def _f_count(name: str) -> Any:
    def check(a: dict) -> None:
        count = a[name]
        if isinstance(count, int) and count > MAX_PRODUCT:
            raise LimitError(M_COUNT.fill(name=name, count=number(count), limit=number(MAX_PRODUCT)))

    return check


def _f_sum(a: dict) -> None:
    if isinstance(a["start"], (str, bytes, list, tuple)):
        items = list(a["iterable"])
        a["iterable"] = items
        size = len(a["start"]) + sum(size_of(item) for item in items) if a["attribute"] is None else MAX_TEXT + 1
        check_text(M_LIST, size)


def _f_striptags(a: dict) -> None:
    text = str(a["value"])
    _m_striptags(text, (), {})


FILTER_CHECKS = {
    "center": _f_center,
    "indent": _f_indent,
    "format": _f_format,
    "replace": _f_replace,
    "join": _f_join,
    "wordwrap": _f_wordwrap,
    "urlize": _f_urlize,
    "tojson": _f_tojson,
    "slice": _f_count("slices"),
    "batch": _f_count("linecount"),
    "sum": _f_sum,
    "striptags": _f_striptags,
}
