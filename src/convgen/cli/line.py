"""A line of styled text, laid out by rich only when it is shown in colours.

`convgen validate one.yaml` runs from editors and pre-commit hooks, file by file, its output
read by a program: importing rich for that is a fifth of its start-up. Without colours the
line is written as is, the same characters as rich prints.
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING, Any, TextIO, Union

if TYPE_CHECKING:
    from rich.console import Console
    from rich.text import Text

# What makes rich colour a stream that is not a terminal (rich.console.Console).
_COLOUR_VARIABLES = ("FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE")


class Line:
    """Text in spans, each with a rich style or none (a subset of rich.text.Text)."""

    __slots__ = ("spans",)

    def __init__(self, text: str = "", style: str | None = None) -> None:
        self.spans: list[tuple[str, str | None]] = [(text, style)] if text else []

    def append(self, text: str, style: str | None = None) -> None:
        self.spans.append((text, style))

    @property
    def plain(self) -> str:
        return "".join(text for text, _ in self.spans)

    def rich(self) -> Text:
        from rich.text import Text

        line = Text()
        for text, style in self.spans:
            line.append(text, style=style)
        return line


class PlainOutput:
    """Where lines go when nothing is coloured: a stream, written to directly."""

    def __init__(self, file: TextIO) -> None:
        self.file = file

    def print(self, text: Any) -> None:
        self.file.write((text.plain if isinstance(text, Line) else str(text)) + "\n")


Output = Union["Console", PlainOutput]


def output(stderr: bool = False) -> Output:
    """The standard output (or error) as results are printed on it: plain unless it is
    a terminal or colours are asked for."""
    stream = sys.stderr if stderr else sys.stdout
    if not _coloured(stream):
        return PlainOutput(stream)
    from rich.console import Console

    return Console(stderr=stderr, highlight=False, soft_wrap=True)


def _coloured(stream: TextIO) -> bool:
    if any(os.environ.get(name) for name in _COLOUR_VARIABLES):
        return True
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
