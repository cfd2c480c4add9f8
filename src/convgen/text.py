"""What messages do with texts, in one place: cut what they quote, name a field by its dotted
path, suggest the name meant, place an offset on its line, drop what XML cannot hold."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from typing import AnyStr

WIDTH = 60
"""Characters of a value quoted in a message: enough to find it in the file, never a whole huge value."""

XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
"""Characters XML 1.0 cannot hold, even escaped: a document holding one does not open in Word."""


def shortened(text: str, width: int = WIDTH) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def dotted(path: Iterable[object]) -> str:
    """A field's path as the YAML names it: `pupil.address.city`, `schedule.exceptions.0`."""
    return ".".join(str(part) for part in path)


def closest(name: str, choices: Iterable[object], cutoff: float = 0.6) -> str | None:
    """The choice a misspelt name most likely meant, if one is close enough."""
    close = difflib.get_close_matches(name, [str(choice) for choice in choices], n=1, cutoff=cutoff)
    return close[0] if close else None


def line_column(text: AnyStr, offset: int) -> tuple[int, int]:
    """The 1-based line and column of an offset into a text (or bytes: columns are then bytes)."""
    newline = "\n" if isinstance(text, str) else b"\n"
    return text.count(newline, 0, offset) + 1, offset - (text.rfind(newline, 0, offset) + 1) + 1  # type: ignore[arg-type]
