"""Jinja inside Word XML: tag clean-up, the sandboxed environment, filters, error context.

Word stores what the user typed as runs of text; a tag typed in one go may still be
split across runs (spell-check marks, an edit in the middle). The clean-up joins tags
back, and turns the docxtpl structural tags (`{%p …%}`, `{%tr …%}`, `{%tc …%}`,
`{%r …%}`) into plain Jinja tags that replace their whole paragraph, row, cell or run.
"""

from __future__ import annotations

import datetime as dt
import functools
import inspect
import re
import sys
import time
from decimal import Decimal
from types import BuiltinMethodType, MethodType
from typing import Any, NamedTuple

from jinja2 import ChainableUndefined, StrictUndefined, Undefined, nodes, pass_context, pass_environment, pass_eval_context
from jinja2.exceptions import SecurityError, TemplateRuntimeError, TemplateSyntaxError, UndefinedError
from jinja2.runtime import markup_join, str_join
from jinja2.sandbox import SandboxedEnvironment, SandboxedEscapeFormatter, SandboxedFormatter
from jinja2.utils import Namespace, _PassArg, generate_lorem_ipsum  # _PassArg: how Jinja marks what a filter is given first
from jinja2.visitor import NodeTransformer
from markupsafe import Markup, escape

from convgen import i18n
from convgen.schema.fields import format_phone
from convgen.text import XML_FORBIDDEN

# The clean-up reads a part once per step, each step in time linear in its length: no
# pattern tries, from each of many starts, to reach a closer that may never come (on 10 kB
# of `{{` that takes seconds, on a few hundred kB hours). A tag is `<` up to the next `>`
# with no `<` inside (XML allows none there), so a run of `<` cannot send a match far.
_SPLIT_OPEN = re.compile(r"(?<=\{)(?:<[^<>]*>)+(?=[{%#])|(?<=[%}#])(?:<[^<>]*>)+(?=\})")
_TAG = re.compile(r"\{%(?:(?!%\}).)*|\{#(?:(?!#\}).)*|\{\{(?:(?!\}\}).)*", re.S)
_TEXT_OPEN = re.compile(r"<w:t(?:>| [^<>]*>)")
_OPENER = re.compile(r"\{[{%#]")
_CLOSER = re.compile(r"[}%#]\}")
_BRACE_OR_PERCENT = re.compile(r"[}%]")
_LEVELS = ("tr", "tc", "p", "r")
_ELEMENT = {level: re.compile(rf"<w:{level}[ >]") for level in _LEVELS}
_STRUCTURAL = {level: re.compile(rf"\{{[%{{]{level} ") for level in _LEVELS}
_ENTITIES = (
    ("&lt;", "<"),
    ("&gt;", ">"),
    ("&quot;", '"'),
    ("&apos;", "'"),
    ("&#39;", "'"),
    ("&#34;", '"'),
    ("&amp;", "&"),
    ("\u201c", '"'),
    ("\u201d", '"'),
    ("\u00ab\u00a0", '"'),
    ("\u00a0\u00bb", '"'),
    ("\u2018", "'"),
    ("\u2019", "'"),
)
# Characters XML 1.0 forbids: a value holding one would make a document Word refuses.


class Record:
    """Named values for templates, with no method that a key could shadow."""

    def __init__(self, **fields: Any) -> None:
        self.__dict__.update(fields)

    def __getitem__(self, key: str) -> Any:
        return self.__dict__[key]

    def __contains__(self, key: str) -> bool:
        return key in self.__dict__

    def __repr__(self) -> str:
        return f"Record({', '.join(self.__dict__)})"

    def __str__(self) -> str:
        # Python's text for it would name this class: a template that prints `{{ pupil }}` is told what to write instead.
        raise RecordPrinted(self)


_BREAK = Markup('</w:t><w:br/><w:t xml:space="preserve">')


def _unescape(text: str) -> str:
    for entity, char in _ENTITIES:
        if entity in text:
            text = text.replace(entity, char)
    return text


def clean_tags(xml: str) -> str:
    """Word XML with every Jinja tag whole, and structural tags replacing their element.

    A newline follows each paragraph and table row, so that Jinja's line numbers
    point at one paragraph when an error is reported.
    """
    xml = _SPLIT_OPEN.sub("", xml)
    xml = _TAG.sub(lambda match: _join_runs(match.group(0)), xml)
    xml = xml.replace("</w:p>", "</w:p>\n").replace("</w:tr>", "</w:tr>\n")
    for level in _LEVELS:
        xml = _replace_structural(xml, level)
    return _unescape_tags(xml)


def _join_runs(tag: str) -> str:
    """A tag with the run breaks inside it dropped (`</w:t>` … `<w:t>`), within its paragraph.

    A break that crosses a paragraph stays: a tag left open there is a syntax error of that
    paragraph, and the next paragraphs keep their text apart in the message.
    """
    if "</w:t>" not in tag:
        return tag
    pieces = []
    done = 0
    opening: re.Match[str] | None = None
    paragraph = -1
    while (start := tag.find("</w:t>", done)) >= 0:
        # Where the next run opens and the paragraph ends only move forward: each is searched once per stretch.
        if opening is None or opening.start() < start + 6:
            opening = _TEXT_OPEN.search(tag, start + 6)
            if opening is None:
                break
        if paragraph < start + 6:
            paragraph = tag.find("</w:p>", start + 6)
            if paragraph < 0:
                paragraph = len(tag)
        if paragraph < opening.start():
            pieces.append(tag[done : start + 6])
            done = start + 6
            continue
        pieces.append(tag[done:start])
        done = opening.end()
    pieces.append(tag[done:])
    return "".join(pieces)


def _replace_structural(xml: str, level: str) -> str:
    """Each `<w:LEVEL>` element holding a `{%LEVEL …%}` tag replaced by that tag, as plain Jinja.

    The element is the innermost one opened before the tag; it ends at the first
    `</w:LEVEL>` after the tag. Its first such tag wins; a tag whose text reaches no `%}`
    or `}}` before another `}` or `%` is not one.
    """
    element = _ELEMENT[level]
    marker = _STRUCTURAL[level]
    closing = f"</w:{level}>"
    pieces = []
    done = 0
    end_mark = -1  # the first `}` or `%` at or after the text of the last tag looked at
    end_element = -1  # the first closing after the last tag found
    found = element.search(xml)
    while found is not None:
        start = found.start()
        following = element.search(xml, start + 1)
        limit = following.start() if following is not None else len(xml)
        tag = marker.search(xml, found.end(), limit)
        while tag is not None:
            text = tag.end()
            if end_mark < text:
                mark = _BRACE_OR_PERCENT.search(xml, text)
                if mark is None:
                    return "".join(pieces) + xml[done:]
                end_mark = mark.start()
            if xml.startswith(("%}", "}}"), end_mark):
                if end_element < end_mark + 2:
                    end_element = xml.find(closing, end_mark + 2)
                    if end_element < 0:
                        return "".join(pieces) + xml[done:]
                pieces += (xml[done:start], xml[tag.start() : tag.start() + 2], " ", xml[text : end_mark + 2])
                done = end_element + len(closing)
                break
            tag = marker.search(xml, tag.start() + 1, limit)
        found = element.search(xml, done) if tag is not None else following
    return "".join(pieces) + xml[done:]


def _unescape_tags(xml: str) -> str:
    """Entities and Word's curly quotes read back between each tag opener and the next closer."""
    pieces = []
    done = pos = 0
    advance = False  # after an empty stretch, the next one starting there must hold a character
    while (opener := _OPENER.search(xml, max(0, pos - 2))) is not None:
        start = opener.end()
        closer = _CLOSER.search(xml, start + 1 if advance and start == pos else start)
        if closer is None:
            break
        end = closer.start()
        pieces += (xml[done:start], _unescape(xml[start:end]))
        done = pos = end
        advance = end == start
    pieces.append(xml[done:])
    return "".join(pieces)


def has_tags(xml: str) -> bool:
    return "{{" in xml or "{%" in xml or "{#" in xml or ("{" in xml and _SPLIT_OPEN.search(xml) is not None)


# An element of Word's always has a prefix (`w:t`): `<a>` read back inside a tag stays text.
_XML_TAG = re.compile(r"<(/?)([A-Za-z_][\w.-]*:[\w.-]+)(?:\s[^<>]*)?/?>|<[?!][^<>]*>")
_SPACE_TAGS = frozenset({"w:tab", "w:br", "w:cr", "w:ptab"})


def word_text(xml_line: str) -> str:
    """The text Word shows for a stretch of XML: markup dropped, entities read.

    A run's text is kept as typed (no-break spaces, double spaces), so that the user can
    search Word for it; a tab or a line break reads as a space. Between runs only what is
    not layout counts: the whitespace of an indented XML file does not, a tag left by the
    clean-up in place of its paragraph does.
    """
    pieces = []
    inside = False
    done = 0
    for tag in _XML_TAG.finditer(xml_line):
        between = xml_line[done : tag.start()]
        if inside or not between.isspace():
            pieces.append(between)
        done = tag.end()
        closing, name = tag.group(1), tag.group(2)
        if name == "w:t":
            inside = not closing and not tag.group(0).endswith("/>")
        elif name in _SPACE_TAGS and not closing:
            pieces.append(" ")
    pieces.append(xml_line[done:])
    text = "".join(pieces)
    for entity, char in _ENTITIES[:7]:
        text = text.replace(entity, char)
    return text.strip()


def text_around(source: str, lineno: int | None, needle: str | None = None, width: int = 160) -> str:
    """The Word text of the paragraph at that line, cut around `needle` when it is long."""
    lines = source.split("\n")
    if lineno is None or not 1 <= lineno <= len(lines):
        return ""
    text = word_text(lines[lineno - 1])
    if not text and lineno > 1:
        text = word_text(lines[lineno - 2])
    if len(text) <= width:
        return text
    at = text.find(needle) if needle else -1
    start = max(0, (at if at >= 0 else 0) - width // 3)
    cut = text[start : start + width]
    return ("…" if start else "") + cut + ("…" if start + width < len(text) else "")


# Filters: what input.md promises (date_fr, hours_fr, phone_fr) and a few more (docs/TEMPLATES.md).


def f_date_fr(value: Any) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, str):
        value = dt.date.fromisoformat(value)
    return i18n.date_fr(value)


def _minutes(hours: Any) -> int:
    return round(Decimal(str(hours)) * 60)


def f_hours_fr(value: Any) -> str:
    return "" if value is None or value == "" else i18n.hours_fr(_minutes(value))


def f_time_fr(value: Any) -> str:
    if value is None or value == "":
        return ""
    if value == dt.time.max:  # how a slot ending at midnight, 24:00, is held
        hours, minutes = 24, 0
    elif isinstance(value, dt.time):
        hours, minutes = value.hour, value.minute
    else:
        hours, minutes = divmod(int(value), 60)
    return f"{hours} h {minutes:02d}"


def f_slots_fr(slots: Any) -> str:
    if not slots:
        return ""
    parts = [f"de {f_time_fr(slot.start)} à {f_time_fr(slot.end)}" for slot in slots]
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " et " + parts[-1]


def f_phone_fr(value: Any) -> str:
    if not value:
        return ""
    digits = re.sub(r"\D", "", str(value))
    return format_phone(digits) if len(digits) == 10 and digits.startswith("0") else str(value)


def f_euros(value: Any) -> str:
    if value is None or value == "":
        return ""
    amount = Decimal(str(value)).quantize(Decimal("0.01"))
    units, cents = f"{amount:.2f}".split(".")
    negative = units.startswith("-")
    units = units.lstrip("-")
    groups = []
    while len(units) > 3:
        groups.insert(0, units[-3:])
        units = units[:-3]
    groups.insert(0, units)
    return ("-" if negative else "") + "\u202f".join(groups) + f",{cents}\u00a0€"


def f_box(value: Any) -> str:
    return "☒" if value else "☐"


def f_multiline(value: Any) -> Markup:
    if value is None:
        return Markup("")
    lines = str(value).replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return _BREAK.join(escape(XML_FORBIDDEN.sub("", line)) for line in lines)


def f_weekday_fr(value: Any) -> str:
    return "" if value is None else i18n.weekday_fr(value)


FILTERS = {
    "date_fr": f_date_fr,
    "hours_fr": f_hours_fr,
    "phone_fr": f_phone_fr,
    "time_fr": f_time_fr,
    "slots_fr": f_slots_fr,
    "euros": f_euros,
    "box": f_box,
    "multiline": f_multiline,
    "weekday_fr": f_weekday_fr,
}


def finalize(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, str) and not isinstance(value, Markup):
        return XML_FORBIDDEN.sub("", value)
    return value


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


class LimitError(TemplateRuntimeError):
    """A template asked for more than any document needs (see the limits above); the message says what, in French."""


class RecordPrinted(TemplateRuntimeError):
    """A group of values (`pupil`, `host.address`) printed, or turned into text, as if it were one value."""

    def __init__(self, record: Record) -> None:
        super().__init__("groupe de valeurs imprimé")
        self.record = record


def _number(value: int) -> str:
    return f"{value:,}".replace(",", " ")


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
            raise LimitError(f"plus de {_number(MAX_RENDER_STEPS)} étapes (tours de boucle, appels, filtres) pour une convention")
        if self.chars < 0:
            raise LimitError(f"plus de {_number(MAX_RENDER_CHARS)} caractères produits pour une convention")
        # The thread's own processor time: a busy or suspended machine does not count.
        now = time.thread_time()
        if not self.deadline:
            self.deadline = now + MAX_RENDER_SECONDS
        elif now > self.deadline:
            raise LimitError(f"plus de {MAX_RENDER_SECONDS:g} s de calcul pour une convention".replace(".", ","))


_TEXTS = frozenset({str, Markup})
_SIZED = frozenset({str, Markup, bytes, list, tuple, dict})
_SEQUENCES = frozenset({list, tuple, set, frozenset})
_SHORT = frozenset({float, bool, type(None), dt.date, dt.datetime, dt.time, dt.timedelta})


def _size(value: Any) -> int:
    return len(value) if type(value) in _SIZED else 0


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
        if kind in _TEXTS:
            total += len(item) if top or item.isprintable() else 10 * len(item)
            total += 0 if top else 2
        elif kind is int:
            total += item.bit_length() * 31 // 100 + 2
        elif kind is Decimal:
            total += abs(item.adjusted()) + 40 if item.is_finite() else 10  # `{:f}` writes every zero of 1E+999999
        elif kind in _SHORT:
            total += 40
        elif kind is Record:
            raise RecordPrinted(item)
        elif kind in _SEQUENCES:
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


def _too_long(what: str, size: int, limit: int = MAX_TEXT) -> LimitError:
    return LimitError(f"{what} de {_number(size)} caractères ou éléments (au plus {_number(limit)})")


def _check_text(what: str, size: int) -> None:
    if size > MAX_TEXT:
        raise _too_long(what, size)


def _check_width(what: str, width: Any) -> None:
    if isinstance(width, int) and width > MAX_TEXT:
        raise _too_long(what, width)


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
        for number in (width, precision):
            if number == "*":
                given = values[index] if index < len(values) else 0
                index += 1
                total += abs(given) if isinstance(given, int) else 0
            elif number:
                total += int(number) if len(number) <= 9 else MAX_TEXT + 1
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


def _check_percent(text: str | bytes, args: Any) -> None:
    _check_text("texte formaté avec %", _percent_size(text, args))


def _check_power(left: Any, right: Any) -> None:
    if isinstance(right, int) and abs(right) > MAX_POWER:
        raise LimitError(f"puissance trop grande ({_number(right)}) : au plus {MAX_POWER}")
    if isinstance(left, int) and isinstance(right, int) and right > 0 and left.bit_length() * right > MAX_INT_BITS:
        raise LimitError(f"nombre trop grand (plus de {_number(MAX_INT_BITS)} bits, environ 20 000 chiffres)")


def _check_product(left: Any, right: Any) -> None:
    for sized, count in ((left, right), (right, left)):
        if isinstance(sized, (str, bytes, list, tuple)) and isinstance(count, int) and len(sized) * count > MAX_PRODUCT:
            raise LimitError(f"texte ou liste trop long ({len(sized)} × {count}) : au plus {_number(MAX_PRODUCT)} éléments")
    if isinstance(left, int) and isinstance(right, int) and left.bit_length() + right.bit_length() > MAX_INT_BITS:
        raise LimitError(f"nombre trop grand (plus de {_number(MAX_INT_BITS)} bits, environ 20 000 chiffres)")


def _check_sum(left: Any, right: Any) -> None:
    sequences = (str, bytes, list, tuple)
    if isinstance(left, sequences) and isinstance(right, sequences):
        _check_text("texte ou liste", len(left) + len(right))


def _replace_size(text: Any, old: Any, new: Any, count: Any = -1) -> int:
    if not (isinstance(text, (str, bytes)) and type(old) is type(new) and isinstance(old, (str, bytes))):
        return 0
    found = text.count(old) if old else len(text) + 1
    if isinstance(count, int) and count >= 0:
        found = min(found, count)
    return len(text) + found * max(0, len(new) - len(old))


def _join_size(separator: Any, items: list[Any]) -> int:
    size = _size(separator) * max(0, len(items) - 1)
    for item in items:
        size += len(item) if type(item) in _SIZED else text_size(item)
        if size > MAX_TEXT:
            break
    return size


# Methods of texts, lists and numbers whose result a few arguments can make huge: checked
# before they run. Each takes (owner, args, kwargs) and returns the arguments to call with
# (`join` is given its items as a list, read once).
def _m_width(owner: Any, args: tuple, kwargs: dict) -> tuple[tuple, dict]:
    _check_width("texte", args[0] if args else kwargs.get("width"))
    return args, kwargs


def _m_expandtabs(owner: Any, args: tuple, kwargs: dict) -> tuple[tuple, dict]:
    size = args[0] if args else kwargs.get("tabsize", 8)
    if isinstance(size, int):
        _check_text("texte", len(owner) + owner.count("\t" if isinstance(owner, str) else b"\t") * max(0, size))
    return args, kwargs


def _m_replace(owner: Any, args: tuple, kwargs: dict) -> tuple[tuple, dict]:
    if len(args) >= 2:
        _check_text("texte", _replace_size(owner, args[0], args[1], args[2] if len(args) > 2 else kwargs.get("count", -1)))
    return args, kwargs


def _m_join(owner: Any, args: tuple, kwargs: dict) -> tuple[tuple, dict]:
    if len(args) != 1 or kwargs:
        return args, kwargs
    items = list(args[0])
    _check_text("texte joint", _join_size(owner, items))
    return (items,), kwargs


def _m_translate(owner: Any, args: tuple, kwargs: dict) -> tuple[tuple, dict]:
    table = args[0] if args else None
    values = table.values() if isinstance(table, dict) else table if isinstance(table, (list, tuple)) else ()
    longest = max((len(value) for value in values if isinstance(value, (str, bytes))), default=1)
    _check_text("texte", len(owner) * max(1, longest))
    return args, kwargs


def _m_striptags(owner: Any, args: tuple, kwargs: dict) -> tuple[tuple, dict]:
    if owner.count("<") * len(owner) > MAX_STRIP_WORK:
        raise LimitError(f"striptags sur un texte de {_number(len(owner))} caractères et {_number(owner.count('<'))} balises")
    return args, kwargs


def _m_to_bytes(owner: Any, args: tuple, kwargs: dict) -> tuple[tuple, dict]:
    _check_width("suite d'octets", args[0] if args else kwargs.get("length", 1))
    return args, kwargs


_TEXT_METHODS = {
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
_GROWING = frozenset({"append", "extend", "insert", "update", "setdefault", "add"})


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
        _check_text("texte formaté", self._written)
        return super().format_field(value, format_spec)  # type: ignore[misc]


class _Formatter(_BoundedFormat, SandboxedFormatter):
    pass


class _EscapeFormatter(_BoundedFormat, SandboxedEscapeFormatter):
    pass


def _lipsum(n: int = 5, html: bool = True, min: int = 20, max: int = 100) -> str:  # noqa: A002 - Jinja's names
    paragraphs, words = MAX_LIPSUM
    if isinstance(n, int) and n > paragraphs or isinstance(max, int) and max > words:
        raise LimitError(f"lipsum : au plus {paragraphs} paragraphes de {_number(words)} mots")
    return generate_lorem_ipsum(n, html, min, max)


# Filters that turn their value into text first: a list given to one is read as its repr.
_STRINGIFYING = frozenset(
    "capitalize center e escape forceescape format indent lower pprint replace safe string striptags title tojson "
    "trim truncate upper urlencode urlize wordcount wordwrap xmlattr".split()
)


def _f_center(a: dict) -> None:
    _check_width("texte", a["width"])


def _f_indent(a: dict) -> None:
    width = a["width"]
    _check_width("retrait", width)
    step = width if isinstance(width, int) else len(str(width))
    text = str(a["s"])
    _check_text("texte", len(text) + (text.count("\n") + 1) * max(0, step))


def _f_format(a: dict) -> None:
    _check_percent(str(a["value"]), a["kwargs"] or a["args"])


def _f_replace(a: dict) -> None:
    _check_text("texte", _replace_size(str(a["s"]), str(a["old"]), str(a["new"]), a["count"] if a["count"] is not None else -1))


def _f_join(a: dict) -> None:
    items = list(a["value"])
    a["value"] = items
    if a["attribute"] is None:
        _check_text("texte joint", _join_size(a["d"], items))


def _f_wordwrap(a: dict) -> None:
    text = str(a["s"])
    _check_text("texte", len(text) * (1 + len(a["wrapstring"] or "\n")))


def _f_urlize(a: dict) -> None:
    text = str(a["value"])
    _check_text("texte", len(text) * (2 + len(a["target"] or "") + len(a["rel"] or "")))


def _f_tojson(a: dict) -> None:
    indent = a["indent"]
    if indent is not None and (len(indent) if isinstance(indent, str) else indent) > 16:
        raise LimitError("tojson : un retrait de 16 au plus")
    _check_text("texte", 6 * text_size(a["value"]))


def _f_count(name: str) -> Any:
    def check(a: dict) -> None:
        count = a[name]
        if isinstance(count, int) and count > MAX_PRODUCT:
            raise LimitError(f"« {name} » vaut {_number(count)} (au plus {_number(MAX_PRODUCT)})")

    return check


def _f_sum(a: dict) -> None:
    if isinstance(a["start"], (str, bytes, list, tuple)):
        items = list(a["iterable"])
        a["iterable"] = items
        size = len(a["start"]) + sum(_size(item) for item in items) if a["attribute"] is None else MAX_TEXT + 1
        _check_text("liste", size)


def _f_striptags(a: dict) -> None:
    text = str(a["value"])
    _m_striptags(text, (), {})


_FILTER_CHECKS = {
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


def _guarded_filter(env: _Sandbox, name: str, func: Any) -> Any:
    """A Jinja filter that counts as a step, and whose input and output are held to the limits."""
    skip = 1 if _PassArg.from_obj(func) is not None else 0
    stringifying = name in _STRINGIFYING
    check = _FILTER_CHECKS.get(name)
    # Jinja's filters with an async variant are given the evaluation context by a wrapper
    # that drops it: the function underneath may not take it (`slice`), or may (`join`).
    inner = inspect.unwrap(func)
    given = 0 if _PassArg.from_obj(inner) is not None else skip
    signature = inspect.signature(inner) if check is not None else None

    def guarded(*args: Any, **kwargs: Any) -> Any:
        if stringifying and len(args) > skip:
            value = args[skip]
            size = len(value) if type(value) in _TEXTS else text_size(value)
            if size > MAX_TEXT:
                raise _too_long(f"texte donné à « {name} »", size)
        if signature is not None:
            bound = signature.bind(*args[given:], **kwargs)
            bound.apply_defaults()
            check(bound.arguments)
            args, kwargs = (*args[:given], *bound.args), bound.kwargs
        result = func(*args, **kwargs)
        env.budget.spend(_size(result))
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
        size += len(value) if type(value) in _TEXTS else text_size(value)
    _check_text("texte joint avec ~", size)
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
            _check_power(left, right)
        elif operator == "*":
            _check_product(left, right)
        elif operator == "+":
            _check_sum(left, right)
        elif isinstance(left, (str, bytes)):
            _check_percent(left, right)
        result = self.binop_table[operator](left, right)
        self.budget.spend(_size(result))
        return result

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N805 - Jinja's names
        owner = getattr(__obj, "__self__", None)
        kind = type(__obj)
        if kind is BuiltinMethodType or kind is MethodType:
            if isinstance(owner, (str, bytes)):
                check = _TEXT_METHODS.get(__obj.__name__)
                if check is not None:
                    args, kwargs = check(owner, args, kwargs)
            elif type(owner) is int and __obj.__name__ == "to_bytes":
                args, kwargs = _m_to_bytes(owner, args, kwargs)
        for value in (*args, *kwargs.values()):
            # A method handed to another (`items.sort(key=' '.center)`) would run where no check is made.
            if type(value) is BuiltinMethodType or type(value) is MethodType and isinstance(value.__self__, (str, bytes)):
                raise SecurityError("une méthode ne peut pas être donnée à une autre")
        result = super().call(__context, __obj, *args, **kwargs)
        if owner is not None and type(owner) in _SIZED and __obj.__name__ in _GROWING and len(owner) > MAX_TEXT:
            raise _too_long("liste ou table", len(owner))
        __self.budget.spend(_size(result))
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
        formatter = _EscapeFormatter(self, escape=owner.escape) if isinstance(owner, Markup) else _Formatter(self)

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
        if kind in _SHORT or kind is int or kind is Decimal:
            return value
        if kind is Record or kind in _SEQUENCES or kind is dict or kind is Namespace:
            try:
                size = text_size(value)
            except RecordPrinted as error:
                if not recording:
                    raise
                RecordingUndefined.note(name="", obj=error.record, printed=True)
                return ""
            _check_text("valeur imprimée", size)
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
    env.globals["lipsum"] = _lipsum
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
        raise TemplateSyntaxError(f"expression trop imbriquée (plus de {MAX_NESTING} niveaux)", None, name) from None
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
        raise TemplateSyntaxError(f"balises ou expression trop imbriquées ({deepest} niveaux, au plus {MAX_NESTING})", line, name)
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
        raise TemplateSyntaxError("balises trop imbriquées", None, name) from None
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
