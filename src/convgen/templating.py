"""Jinja inside Word XML: tag clean-up, the sandboxed environment, filters, error context.

Word stores what the user typed as runs of text; a tag typed in one go may still be
split across runs (spell-check marks, an edit in the middle). The clean-up joins tags
back, and turns the docxtpl structural tags (`{%p …%}`, `{%tr …%}`, `{%tc …%}`,
`{%r …%}`) into plain Jinja tags that replace their whole paragraph, row, cell or run.
"""

from __future__ import annotations

import datetime as dt
import re
import sys
from decimal import Decimal
from typing import Any

from jinja2 import ChainableUndefined, StrictUndefined, Undefined
from jinja2.exceptions import SecurityError
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup, escape

from convgen import i18n
from convgen.values import format_phone

_SPLIT_OPEN = re.compile(r"(?<=\{)(?:<[^>]*>)+(?=[{%#])|(?<=[%}#])(?:<[^>]*>)+(?=\})", re.S)
_TAG = re.compile(r"\{%(?:(?!%\}).)*|\{#(?:(?!#\}).)*|\{\{(?:(?!\}\}).)*", re.S)
_RUN_BREAK = re.compile(r"</w:t>.*?(?:<w:t>|<w:t [^>]*>)", re.S)
_STRUCTURAL = {
    level: re.compile(
        rf"<w:{level}[ >](?:(?!<w:{level}[ >]).)*?(\{{%|\{{\{{){level} ([^}}%]*(?:%\}}|\}}\}})).*?</w:{level}>",
        re.S,
    )
    for level in ("tr", "tc", "p", "r")
}
_INSIDE_TAG = re.compile(r"(?<=\{[{%#])(.*?)(?=[}%#]\})", re.S)
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
_XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


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


_BREAK = Markup('</w:t><w:br/><w:t xml:space="preserve">')


def _unescape_tag(match: re.Match[str]) -> str:
    text = match.group(0)
    for entity, char in _ENTITIES:
        text = text.replace(entity, char)
    return text


def clean_tags(xml: str) -> str:
    """Word XML with every Jinja tag whole, and structural tags replacing their element.

    A newline follows each paragraph and table row, so that Jinja's line numbers
    point at one paragraph when an error is reported.
    """
    xml = _SPLIT_OPEN.sub("", xml)
    xml = _TAG.sub(lambda match: _RUN_BREAK.sub("", match.group(0)), xml)
    xml = xml.replace("</w:p>", "</w:p>\n").replace("</w:tr>", "</w:tr>\n")
    for pattern in _STRUCTURAL.values():
        xml = pattern.sub(r"\1 \2", xml)
    return _INSIDE_TAG.sub(_unescape_tag, xml)


def has_tags(xml: str) -> bool:
    return "{{" in xml or "{%" in xml or "{#" in xml or ("{" in xml and _SPLIT_OPEN.search(xml) is not None)


_XML_TAG = re.compile(r"<[^>]*>")


def word_text(xml_line: str) -> str:
    """The text Word shows for a stretch of XML: markup dropped, entities read."""
    text = _XML_TAG.sub("", xml_line)
    for entity, char in _ENTITIES[:7]:
        text = text.replace(entity, char)
    return " ".join(text.split())


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
    return _BREAK.join(escape(_XML_FORBIDDEN.sub("", line)) for line in lines)


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
        return _XML_FORBIDDEN.sub("", value)
    return value


MAX_PRODUCT = 100_000
"""Longest text or list a template may build with * (a Word document needs far less)."""


class _Sandbox(SandboxedEnvironment):
    # `"x" * 10**9` or `2 ** 10**9` would take the machine's memory or minutes: checked.
    intercepted_binops = frozenset({"*", "**"})

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if operator == "**" and isinstance(right, int) and abs(right) > 100:
            raise SecurityError(f"puissance trop grande ({right}) : au plus 100")
        if operator == "*":
            for sized, count in ((left, right), (right, left)):
                if isinstance(sized, (str, list, tuple)) and isinstance(count, int) and len(sized) * count > MAX_PRODUCT:
                    raise SecurityError(f"texte ou liste trop long ({len(sized)} × {count}) : au plus {MAX_PRODUCT} éléments")
        return super().call_binop(context, operator, left, right)

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


def environment(undefined: type[Undefined] = StrictUndefined) -> SandboxedEnvironment:
    """The one Jinja environment: sandboxed, XML-escaping, strict about unknown names."""
    env = _Sandbox(
        autoescape=True,
        undefined=undefined,
        finalize=finalize,
        keep_trailing_newline=True,
        cache_size=0,
        auto_reload=False,
    )
    env.filters.update(FILTERS)
    return env


def compile_part(env: SandboxedEnvironment, source: str, name: str) -> tuple[Any, bool, frozenset[str] | None]:
    """A compiled template, whether it reads `copy`, and `copy_fields(tree)`. Raises TemplateSyntaxError."""
    from jinja2 import nodes

    tree = env.parse(source, name, name)
    # Any mention of `copy` counts (even a loop variable of that name): at worst the part is rendered per copy.
    uses_copy = any(node.name == "copy" for node in tree.find_all(nodes.Name))
    fields = copy_fields(tree) if uses_copy else frozenset()
    code = env.compile(tree, name, name)
    template = env.template_class.from_code(env, code, env.make_globals(None))
    return template, uses_copy, fields


def copy_fields(tree: Any) -> frozenset[str] | None:
    """The `copy` attributes a part prints, when it only prints them (`{{ copy.heading }}`).

    Such a part is the same for every copy but for those printed values: it can be
    rendered once per agreement, the values spliced in per copy. None when `copy` is
    used any other way (a test, a loop, a filter), and each copy needs a render.
    """
    from jinja2 import nodes

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


class RecordingUndefined(ChainableUndefined):
    """For `convgen template check`: notes each unknown name where it is used, and goes on.

    A strict render stops at the first unknown name; a check should list them all.
    """

    seen: list[tuple[str, int | None, str]] = []

    def _note(self) -> None:
        frame = sys._getframe(1)
        while frame is not None:
            template = frame.f_globals.get("__jinja_template__")
            if template is not None:
                line = template.get_corresponding_lineno(frame.f_lineno)
                RecordingUndefined.seen.append((template.name or "", line, str(self._undefined_name)))
                return
            frame = frame.f_back

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
