"""What a rule is: a small declaration, and how its hits become findings."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from convgen.findings import Severity
from convgen.i18n import Lang, Msg, date_long
from convgen.law import limits
from convgen.law.facts import Facts
from convgen.schema.models import KINDS
from convgen.source.reader import FieldPath

ALL_KINDS = frozenset(KINDS)


@dataclass(frozen=True, slots=True)
class Hit:
    """One breach found by a check: where (YAML path), when (date), and the message's values."""

    path: FieldPath
    params: dict[str, Any] = field(default_factory=dict)
    date: dt.date | None = None
    # A rule may say something other than its usual breach (e.g. a figure it had to assume,
    # with a milder severity), or cite the one article of several that applies here.
    message: Msg | None = None
    severity: Severity | None = None
    article: str | None = None
    # Rules across agreements: the other agreements concerned (their paths in the run).
    related: tuple[str, ...] = ()


Check = Callable[[Facts], Iterable[Hit]]


@dataclass(frozen=True)
class Rule:
    id: str
    severity: Severity
    kinds: frozenset[str]
    group: str
    applies_to: Msg
    limit: Msg
    # None only for rules enforced while loading (YAML_SYNTAX, SCHEMA), whose messages are their own.
    message: Msg | None = None
    article: str | None = None
    check: Check | None = None
    # Legal rules read a sane calendar: they wait until the consistency rules pass.
    needs_consistency: bool = True
    # What the count of a grouped finding counts: dates, or calendar weeks.
    unit: str = "date"
    # "agreement": the check reads one agreement's Facts; "run": it reads the Peers of
    # one agreement among all those of the run (rules/across.py).
    scope: str = "agreement"


M_MORE = {
    "date": Msg(" ({count} dates concernées, la première citée.)", " ({count} dates concerned, the first one shown.)"),
    "week": Msg(" ({count} semaines concernées, la première citée.)", " ({count} weeks concerned, the first one shown.)"),
}


def format_message(rule: Rule, hit: Hit, count: int, lang: Lang) -> str:
    params = dict(hit.params)
    if hit.date is not None:
        params.setdefault("day", date_long(hit.date, lang))
    article = hit.article or rule.article
    if article:
        params.setdefault("ref", limits.short_source(article))
    message = hit.message or rule.message
    assert message is not None, rule.id
    text = message.get(lang).format_map(_Params(params, lang))
    if count > 1:
        text += M_MORE[rule.unit].get(lang).format(count=count)
    return text


class _Params(dict):
    """Message parameters; a Msg value is taken in the message's language."""

    def __init__(self, values: dict[str, Any], lang: Lang) -> None:
        super().__init__(values)
        self.lang = lang

    def __getitem__(self, key: str) -> Any:
        value = super().__getitem__(key)
        return value.get(self.lang) if isinstance(value, Msg) else value

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def group_hits(hits: Iterable[Hit]) -> list[tuple[Hit, int]]:
    """One hit per field, the earliest dated one first, with how many dates it stands for."""
    by_field: dict[FieldPath, list[Hit]] = {}
    for hit in hits:
        by_field.setdefault(hit.path, []).append(hit)
    grouped = []
    for same in by_field.values():
        dated = sorted((h for h in same if h.date is not None), key=lambda h: h.date)
        first = dated[0] if dated else same[0]
        count = len({h.date for h in dated}) if dated else 1
        grouped.append((first, count))
    return grouped


REGISTRY: dict[str, Rule] = {}


def declare(**meta: Any) -> Rule:
    """Register a rule enforced outside the rules layer (YAML loading, schema)."""
    item = Rule(**meta)
    REGISTRY[item.id] = item
    return item


def rule(**meta: Any) -> Callable[[Check], Rule]:
    """Decorator: the function is the rule's check; the keywords are its declaration."""

    def register(check: Check) -> Rule:
        return declare(check=check, **meta)

    return register
