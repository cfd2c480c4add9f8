"""What a rule is: a small declaration, and how its hits become findings."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from convgen.law import limits
from convgen.law.calendar import Day, age_on, dated_schedule, public_holidays, weeks
from convgen.findings import Severity
from convgen.i18n import Lang, Msg, date_long
from convgen.source.reader import FieldPath
from convgen.schema.models import KINDS, Agreement

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


class Context:
    """What checks read: the validated agreement and what is derived from it, computed once."""

    def __init__(self, agreement: Agreement) -> None:
        self.agreement = agreement
        self.kind = agreement.kind
        self._bands: dict[dt.date, limits.MinorBand | None] = {}

    @cached_property
    def days(self) -> list[Day] | None:
        """The dated schedule, or None for an immersion given without one."""
        schedule = self.agreement.schedule
        if schedule is None:
            return None
        return dated_schedule(self.agreement.period, schedule)

    @cached_property
    def weeks(self) -> list[list[Day]]:
        return weeks(self.days or [])

    @cached_property
    def birth_date(self) -> dt.date | None:
        """The pupil's birth date; None for an immersion, whose worker is an adult."""
        pupil = getattr(self.agreement, "pupil", None)
        return pupil.birth_date if pupil is not None else None

    def age(self, date: dt.date) -> int | None:
        return age_on(self.birth_date, date) if self.birth_date is not None else None

    def band(self, date: dt.date) -> limits.MinorBand | None:
        """The minor's limits that apply on that date, or None when the person is an adult."""
        try:
            return self._bands[date]
        except KeyError:
            age = self.age(date)
            found = self._bands[date] = limits.band(age) if age is not None else None
            return found

    def is_adult(self, date: dt.date) -> bool:
        return self.band(date) is None

    @cached_property
    def holidays(self) -> dict[dt.date, Msg]:
        """Public holidays of the period where the host is, named in both languages."""
        period = self.agreement.period
        if period.end < period.start:
            return {}
        postal_code = self.agreement.host.address.postal_code
        french = public_holidays(postal_code, period.start, period.end, "fr")
        english = public_holidays(postal_code, period.start, period.end, "en")
        return {date: Msg(name, english.get(date, name)) for date, name in french.items()}


Check = Callable[[Context], Iterable[Hit]]


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
    # "agreement": the check reads one agreement's Context; "run": it reads the Peers of
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
