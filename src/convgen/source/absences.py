"""A class list's ABSENCES cell, as a PFMP office types it in a spreadsheet:
`14/01/2026 matin ; 19/01/2026-21/01/2026 (maladie)`.

Each absence is a date (ISO or dd/mm/yyyy), optionally followed by `matin` or `après-midi`,
or two dates joined by `au`, `..` or `-` for several days, then an optional reason in
parentheses; absences are separated by `;`, `,` or new lines. The cell becomes the list
`attendance.absences` of input.md, which the schema and the rules then check as any other.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

_DATE = r"(\d{4}-\d{1,2}-\d{1,2}|\d{1,2}/\d{1,2}/\d{4})"
_ONE = re.compile(rf"^(?:le\s+)?{_DATE}(?:\s+(?P<half>matin|apres-midi|apres midi|am|pm))?(?:\s*\((?P<reason>[^()]*)\))?$", re.IGNORECASE)
_RANGE = re.compile(rf"^(?:du\s+)?{_DATE}\s*(?:au|a|\.\.|-|–)\s*{_DATE}(?:\s*\((?P<reason>[^()]*)\))?$", re.IGNORECASE)
_HALVES = {"matin": "matin", "am": "matin", "apres-midi": "apres-midi", "apres midi": "apres-midi", "pm": "apres-midi"}
MAX_ITEMS = 400
"""Absences in one cell: a PFMP lasts weeks; more is not a list of absences."""


class AbsenceCellError(ValueError):
    """The part of the cell that reads as no absence."""

    def __init__(self, part: str) -> None:
        super().__init__(part)
        self.part = part


def _iso(text: str) -> str:
    if "/" in text:
        day, month, year = text.split("/")
        return f"{year}-{int(month):02d}-{int(day):02d}"
    year, month, day = text.split("-")
    return f"{year}-{int(month):02d}-{int(day):02d}"


def _plain(text: str) -> str:
    """Accents off, so that « après-midi » and « apres-midi » read alike."""
    return "".join(char for char in unicodedata.normalize("NFKD", text) if not unicodedata.combining(char))


def parse_absences(text: str) -> list[dict[str, Any]]:
    """The absences a cell lists, as attendance.absences items; AbsenceCellError names the part that is none."""
    items: list[dict[str, Any]] = []
    # Separators outside parentheses only: a reason may hold a comma.
    parts = re.split(r"[;,\n](?![^()]*\))", text)
    for raw in parts:
        part = " ".join(raw.split())
        if not part:
            continue
        if len(items) >= MAX_ITEMS:
            raise AbsenceCellError(part)
        plain = _plain(part)
        found = _RANGE.match(plain)
        if found:
            item: dict[str, Any] = {"from": _iso(found.group(1)), "to": _iso(found.group(2))}
        else:
            found = _ONE.match(plain)
            if not found:
                raise AbsenceCellError(part)
            item = {"date": _iso(found.group(1))}
            if found.group("half"):
                item["half"] = _HALVES[found.group("half").lower()]
        if found.group("reason") and found.group("reason").strip():
            # The reason as typed, accents kept: it is printed in the attestation.
            start, end = found.span("reason")
            item["reason"] = part[start:end].strip() if len(plain) == len(part) else found.group("reason").strip()
        items.append(item)
    return items
