"""What a check reports: findings, with where they are in the YAML file."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import Enum
from typing import Any, NamedTuple

MAX_FINDINGS = 100
"""Findings of one kind detailed per file: past a screenful, a broken file says nothing new."""


class Severity(str, Enum):
    ERROR = "error"
    WARNING = "warning"


class Location(NamedTuple):
    """A place in the YAML file, 1-based; end_column (exclusive) when the token fits on its line.

    A named tuple: a file has one per key and value, made at a fraction of a dataclass's cost.
    """

    line: int
    column: int
    end_column: int | None = None
    # Another file than the input itself: a campaign's CSV class list.
    file: str | None = None


@dataclass(frozen=True, slots=True)
class Finding:
    rule: str
    severity: Severity
    message: str
    article: str | None = None
    field: str | None = None
    line: int | None = None
    column: int | None = None
    date: dt.date | None = None
    # Last column (exclusive) of the offending token, for the caret in text output.
    end_column: int | None = None
    # Set when line and column point into another file than the input (a CSV class list).
    file: str | None = None
    # A rule across agreements: the other agreements concerned, by their paths in the run.
    related: tuple[str, ...] = ()

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def to_json(self) -> dict[str, Any]:
        data = {
            "rule": self.rule,
            "severity": self.severity.value,
            "message": self.message,
            "article": self.article,
            "field": self.field,
            "line": self.line,
            "column": self.column,
            "date": self.date.isoformat() if self.date else None,
        }
        if self.file is not None:
            data["file"] = self.file
        if self.related:
            data["related"] = list(self.related)
        return data

    def sort_key(self) -> tuple:
        return (self.file or "", self.line or 0, self.column or 0, self.rule, self.field or "")


def located(rule: str, severity: Severity, message: str, location: Location | None, **fields: Any) -> Finding:
    """A finding placed at a location of the YAML file (or nowhere in particular)."""
    if location is not None:
        fields.update(line=location.line, column=location.column, end_column=location.end_column, file=location.file)
    return Finding(rule, severity, message, **fields)
