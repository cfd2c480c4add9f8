"""The model text of a document, read from its text file (tools/templates/*.md).

The format is line-oriented, so that whoever keeps the model agreement up to date edits
words, not code (tools/templates/README.md says the same for them):

    <!-- … -->            a comment, on one line or several; ignored
    @key                  starts the piece `key`; text after the key on the same line is its first line
    # … #####             a heading: # title, ## section, ### part, #### article, ##### bold lead-in
    - …                   a bulleted line
    {%p … %}              a docxtpl paragraph tag alone on its line (conditions, repetitions)
    {{ …|box }} …         a checkbox: the `box` tag, then its text
    anything else         a paragraph; blank lines are ignored

Each line is one block; a line ending with a backslash goes on after a line break. Inside a
line, **bold** and *italic* (never bold) mark the formatting; Jinja tags are kept as typed,
and the markers are not looked for inside them. The layout code asks for pieces by key, so
the order of the pieces in the file is free, and a missing, unknown or repeated key is an
error that names the file and line.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .runs import TAG, Part, Span

KEY = re.compile(r"@([a-z0-9][a-z0-9_.-]*)(?:\s+(.*))?$")
HEADING = re.compile(r"(#{1,5}) (.*)$")
PARAGRAPH_TAG = re.compile(r"\{%p .*?%\}$")
BOX = re.compile(r"(\{\{[^{}]*\|\s*box\s*\}\})\s*(.*)$")
MARKER = re.compile(r"\*\*|\*")


class SourceError(ValueError):
    """A text file that cannot be read as a model text; the message names the file and line."""


@dataclass(frozen=True)
class Paragraph:
    parts: Sequence[Part]


@dataclass(frozen=True)
class Heading:
    level: int  # 0 for the document title … 4 for a bold lead-in line
    parts: Sequence[Part]


@dataclass(frozen=True)
class Bullet:
    parts: Sequence[Part]


@dataclass(frozen=True)
class Tag:
    statement: str  # what stands between `{%p` and `%}`


@dataclass(frozen=True)
class Checkbox:
    box: str  # the whole `{{ (condition)|box }}` tag
    parts: Sequence[Part]


Block = Paragraph | Heading | Bullet | Tag | Checkbox


@dataclass
class Piece:
    key: str
    line: int  # where it starts, for messages
    blocks: list[Block] = field(default_factory=list)


def inline(text: str, where: str) -> list[Part]:
    """`text` as Spans: **bold**, *italic*; markers inside Jinja tags are text."""
    spans: list[Span] = []
    bold = italic = False
    pending = ""

    def flush() -> None:
        nonlocal pending
        if pending:
            if italic:
                spans.append(Span(pending, bold=False, italic=True))
            elif bold:
                spans.append(Span(pending, bold=True))
            else:
                spans.append(Span(pending))
        pending = ""

    for piece in TAG.split(text):
        if TAG.fullmatch(piece):
            pending += piece
            continue
        position = 0
        for marker in MARKER.finditer(piece):
            pending += piece[position : marker.start()]
            position = marker.end()
            flush()
            if marker.group() == "**":
                if italic:
                    raise SourceError(f"{where}: « ** » inside an italic stretch")
                bold = not bold
            else:
                if bold:
                    raise SourceError(f"{where}: « * » inside a bold stretch")
                italic = not italic
        pending += piece[position:]
    if bold or italic:
        raise SourceError(f"{where}: « {'**' if bold else '*'} » opened and never closed")
    flush()
    return list(spans)


def block(text: str, where: str) -> Block:
    if PARAGRAPH_TAG.fullmatch(text):
        return Tag(text[len("{%p ") : -len("%}")].strip())
    heading = HEADING.match(text)
    if heading:
        return Heading(len(heading.group(1)) - 1, inline(heading.group(2).strip(), where))
    if text.startswith("- "):
        return Bullet(inline(text[2:].strip(), where))
    box = BOX.match(text)
    if box:
        return Checkbox(box.group(1), inline(box.group(2), where))
    return Paragraph(inline(text, where))


def _lines(text: str, name: str) -> Iterator[tuple[int, str]]:
    """The meaningful lines with their numbers: comments and blank lines left out, continued lines joined."""
    in_comment = False
    pending: tuple[int, str] | None = None
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if in_comment or line.startswith("<!--"):
            in_comment = "-->" not in line
            if not in_comment and line[line.index("-->") + 3 :].strip():
                raise SourceError(f"{name}:{number}: text after the end of a comment « --> »")
            continue
        if pending is not None:
            start, before = pending
            if not line:
                raise SourceError(f"{name}:{start}: a line ends with « \\\\ » and nothing follows")
            line, number = f"{before}\n{line}", start
            pending = None
        if line.endswith("\\"):
            pending = (number, line[:-1].rstrip())
            continue
        if line:
            yield number, line
    if in_comment:
        raise SourceError(f"{name}: a comment « <!-- » is never closed")
    if pending is not None:
        raise SourceError(f"{name}:{pending[0]}: the last line ends with « \\ » and nothing follows")


def parse(text: str, name: str = "<text>") -> dict[str, Piece]:
    """The pieces of a text file, by key."""
    pieces: dict[str, Piece] = {}
    current: Piece | None = None
    for number, line in _lines(text, name):
        where = f"{name}:{number}"
        if line.startswith("@"):
            match = KEY.match(line)
            if not match:
                raise SourceError(f"{where}: « {line.split()[0]} » is no key (lower-case letters, digits, « . », « - », « _ »)")
            key, rest = match.groups()
            if key in pieces:
                raise SourceError(f"{where}: « @{key} » already starts on line {pieces[key].line}")
            current = pieces[key] = Piece(key, number)
            line = (rest or "").strip()
            if not line:
                continue
        if current is None:
            raise SourceError(f"{where}: text before the first « @key »")
        current.blocks.append(block(line, where))
    for piece in pieces.values():
        if not piece.blocks:
            raise SourceError(f"{name}:{piece.line}: « @{piece.key} » is empty")
    return pieces


class Texts:
    """The pieces of one document's text file, as the layout code asks for them."""

    def __init__(self, pieces: dict[str, Piece], name: str) -> None:
        self.pieces = pieces
        self.name = name
        self.used: set[str] = set()

    @classmethod
    def load(cls, path: Path) -> Texts:
        return cls(parse(path.read_text(encoding="utf-8"), path.name), path.name)

    def blocks(self, key: str) -> list[Block]:
        if key not in self.pieces:
            raise SourceError(f"{self.name}: the piece « @{key} » is missing")
        self.used.add(key)
        return self.pieces[key].blocks

    def lines(self, key: str, count: int | None = None) -> list[Sequence[Part]]:
        """The parts of each line of a piece (whatever its kind), `count` of them if given."""
        blocks = self.blocks(key)
        if count is not None and len(blocks) != count:
            raise SourceError(f"{self.name}:{self.pieces[key].line}: « @{key} » needs {count} line(s), not {len(blocks)}")
        return [getattr(item, "parts", ()) for item in blocks]

    def line(self, key: str) -> Sequence[Part]:
        """The parts of a one-line piece."""
        return self.lines(key, 1)[0]

    def plain(self, key: str) -> str:
        """A one-line piece without formatting, as a string to put inside a tag or a heading."""
        return plain(self.line(key), f"{self.name}: « @{key} »")

    def check_all_used(self) -> None:
        """A piece the layout never asks for is a misspelt key, or text that would silently go missing."""
        unused = sorted(set(self.pieces) - self.used)
        if unused:
            first = self.pieces[unused[0]]
            raise SourceError(
                f"{self.name}:{first.line}: no document uses « @{unused[0]} »" + (f" (nor {len(unused) - 1} more)" if unused[1:] else "")
            )


def plain(parts: Sequence[Part], where: str) -> str:
    if any(isinstance(part, Span) and (part.bold or part.italic) for part in parts):
        raise SourceError(f"{where}: no bold or italic here")
    return "".join(part if isinstance(part, str) else part.text for part in parts)
