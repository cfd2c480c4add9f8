"""Runs of text: a paragraph is written as parts, each a plain string or a Span with its formatting.

Every Jinja tag inside a part gets a run of its own, so that the template renders as it is
and a tag never straddles two runs (Word would otherwise split it on the first edit).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from .theme import GREY, SMALL_SIZE

# A Jinja tag: {{ … }}, {% … %} (with the p / tr / tc prefixes of docxtpl) or {# … #}.
TAG = re.compile(r"(\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\})")


@dataclass(frozen=True)
class Span:
    """A stretch of text with its formatting; None leaves it to the paragraph's style."""

    text: str
    bold: bool | None = None
    italic: bool | None = None
    small: bool = False
    grey: bool = False


def b(text: str) -> Span:
    """Bold text (values, labels that must stand out)."""
    return Span(text, bold=True)


def i(text: str) -> Span:
    """Italic, never bold text (instructions of the model agreement, even inside a heading)."""
    return Span(text, bold=False, italic=True)


def small(text: str, bold: bool | None = None) -> Span:
    return Span(text, bold=bold, small=True)


def hint(text: str) -> Span:
    """Small grey text: the caption of a box."""
    return Span(text, small=True, grey=True)


Part = str | Span


def french_spacing(text: str) -> str:
    """Non-breaking spaces where French typography wants them (never inside a tag)."""
    text = text.replace(" :", "\u00a0:").replace(" ;", "\u00a0;")
    text = text.replace("« ", "«\u00a0").replace(" »", "\u00a0»").replace("n° ", "n°\u00a0")
    return text


def add_parts(paragraph, parts: Iterable[Part]) -> None:
    """Append the parts to a paragraph: one run per tag, one run per stretch of text.

    A newline in the text (never in a tag) becomes a line break.
    """
    for part in parts:
        span = part if isinstance(part, Span) else Span(part)
        for piece in TAG.split(span.text):
            if not piece:
                continue
            lines = [piece] if TAG.fullmatch(piece) else french_spacing(piece).split("\n")
            for number, line in enumerate(lines):
                run = paragraph.add_run(line)
                if number < len(lines) - 1:
                    run.add_break()
                if span.bold is not None:
                    run.bold = span.bold
                if span.italic is not None:
                    run.italic = span.italic
                if span.small:
                    run.font.size = SMALL_SIZE
                if span.grey:
                    run.font.color.rgb = GREY


def add_line_break(paragraph) -> None:
    paragraph.add_run().add_break()
