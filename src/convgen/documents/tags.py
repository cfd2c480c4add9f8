"""Jinja tags inside Word XML: the clean-up that makes them Jinja again, and the Word text
around a place, which messages quote instead of raw XML.

Word stores what the user typed as runs of text; a tag typed in one go may still be
split across runs (spell-check marks, an edit in the middle). The clean-up joins tags
back, and turns the docxtpl structural tags (`{%p …%}`, `{%tr …%}`, `{%tc …%}`,
`{%r …%}`) into plain Jinja tags that replace their whole paragraph, row, cell or run.
"""

from __future__ import annotations

import re

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
