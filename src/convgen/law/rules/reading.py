"""What the hour and rest rules share: how they read the dated schedule and word what they find."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from typing import TypeVar

from convgen.i18n import MONTHS_EN, MONTHS_FR, Lang, Msg, hours_fr, hours_text, weekday_date
from convgen.law import limits
from convgen.law.calendar import CUSTOM, HOLIDAYS, SUBDIVISION_NAMES, Day, Holiday, continuous_runs, public_holidays, rests
from convgen.law.facts import Facts
from convgen.law.rules.base import Hit
from convgen.schema.fields import Slot, clock
from convgen.source.reader import FieldPath

WEEKLY: FieldPath = ("schedule", "weekly")


def week_cause(ctx: Facts, week: list[Day]) -> FieldPath:
    """The schedule entry behind a week's hours: an exception that adds hours to its weekday, else the weekly pattern."""
    weekly = ctx.agreement.schedule.weekly
    for day in week:
        if day.is_exception and day.minutes > sum(slot.minutes for slot in weekly.slots(day.date.weekday())):
            return day.source
    return WEEKLY


def minor_week(ctx: Facts, week: list[Day]) -> bool:
    """A minor's week: the pupil is under 18 on some date of the period in it (rules.md).

    Ages only grow, so its first date decides; every other week is an adult's.
    """
    return bool(week) and ctx.band(week[0].date) is not None


def worked_weeks(ctx: Facts) -> Iterator[tuple[list[Day], Day, int]]:
    """Each calendar week with worked dates: its days, its first worked date (whose age judges it), its minutes."""
    for week in ctx.weeks:
        worked = [day for day in week if day.worked]
        if worked:
            yield week, worked[0], sum(day.minutes for day in worked)


Limit = Callable[[dt.date], int | None]


def days_over(ctx: Facts, limit_of: Limit) -> Iterator[tuple[Day, int]]:
    """Worked dates with more minutes than the limit that applies on them (None: the rule does not apply)."""
    for day in ctx.days or []:
        limit = limit_of(day.date) if day.worked else None
        if limit is not None and day.minutes > limit:
            yield day, limit


def break_hits(ctx: Facts, rule_of: Callable[[dt.date], tuple[int, int] | None], *, due_at_maximum: bool = False) -> Iterator[Hit]:
    """Days with too long a run of continuous work; rule_of gives (maximum, break) on a date, or None.

    A run longer than the maximum fails; with `due_at_maximum`, one that reaches it fails too
    (an adult's break is due as soon as the run reaches 6 h, a minor's beyond 4 h 30).
    """
    for day in ctx.days or []:
        rule = rule_of(day.date) if day.worked else None
        if rule is None:
            continue
        maximum, min_break = rule
        # Past the maximum, or at it when the break is due as the run reaches it.
        allowed = maximum - 1 if due_at_maximum else maximum
        run = next((run for run in continuous_runs(day.slots, min_break) if run.worked > allowed), None)
        if run is not None:
            params = {
                "worked": hours_text(run.worked),
                "run": str(Slot(run.start, run.end)),
                "maximum": hours_text(maximum),
                "min_break": min_break,
            }
            yield Hit(day.source, params, day.date)


def rest_hits(ctx: Facts, limit_of: Limit) -> Iterator[Hit]:
    """Successive worked days with less rest between them than the limit that applies after the first.

    The finding points at an exception if one of the two days is one and the other is not,
    else at the day that starts too early.
    """
    for before, after, rest in rests(ctx.days or []):
        limit = limit_of(before.date)
        if limit is None or rest >= limit:
            continue
        cause = before if before.is_exception and not after.is_exception else after
        params = {
            "rest": hours_text(rest),
            "before": weekday_date(before.date),
            "end": clock(before.end),
            "after": weekday_date(after.date),
            "start": clock(after.start),
            "age": ctx.age(before.date),
            "limit": hours_text(limit),
        }
        yield Hit(cause.source, params, cause.date)


def holiday_hint(day: Day) -> Msg:
    """How to make a worked holiday a rest day when it comes from the weekly pattern."""
    if day.is_exception:
        return Msg("", "")
    return Msg(
        " Pour en faire un jour de repos, ajoutez « {date}: [] » sous schedule.exceptions.",
        " To make it a rest day, add '{date}: []' under schedule.exceptions.",
    ).fill(date=day.date.isoformat())


def named_days(ctx: Facts, days_of: Callable[..., dict[dt.date, str]], **options: object) -> dict[dt.date, Msg]:
    """Days of a calendar reading (calendar.public_holidays, customary_days) over the period, named in both languages."""
    period = ctx.agreement.period
    if period.end < period.start:
        return {}
    postal_code = ctx.agreement.host.address.postal_code
    french = days_of(postal_code, period.start, period.end, "fr", **options)
    english = days_of(postal_code, period.start, period.end, "en", **options)
    return {date: Msg(name, english.get(date, name)) for date, name in french.items()}


def minor_holidays(ctx: Facts) -> dict[dt.date, Msg]:
    """The days a minor does not work: the legal public holidays, and Saint-Martin's 28 May (rules.md)."""
    return named_days(ctx, public_holidays, minors=True)


# The catalogue's limits are written from the figures of convgen.law.limits, so that the page
# `convgen rules` prints cannot drift from what the checks apply.

T = TypeVar("T")


def _ages(low: int, high: int, lang: Lang) -> str:
    if low <= 0:
        return f"avant {high + 1} ans" if lang == "fr" else f"under {high + 1}"
    if low == high:
        return f"à {low} ans" if lang == "fr" else f"at {low}"
    if high == low + 1:
        return f"à {low} et {high} ans" if lang == "fr" else f"at {low} and {high}"
    return f"de {low} à {high} ans" if lang == "fr" else f"from {low} to {high}"


def by_age(bands: Iterable[limits.MinorBand], value_of: Callable[[limits.MinorBand], T]) -> list[tuple[Msg, T]]:
    """The bands' values with the ages they apply at, neighbouring bands of equal value merged."""
    merged: list[list] = []
    for item in bands:
        value = value_of(item)
        if merged and merged[-1][2] == value and merged[-1][1] + 1 == item.min_age:
            merged[-1][1] = item.max_age
        else:
            merged.append([item.min_age, item.max_age, value])
    return [(Msg(_ages(low, high, "fr"), _ages(low, high, "en")), value) for low, high, value in merged]


def hours_by_age(bands: Iterable[limits.MinorBand], value_of: Callable[[limits.MinorBand], int]) -> Msg:
    """« 7 h avant 16 ans, 8 h à 16 et 17 ans » / « 7 h under 16, 8 h at 16 and 17 »."""
    parts = [(hours_fr(value), ages) for ages, value in by_age(bands, value_of)]
    return Msg(
        ", ".join(f"{duration} {ages.fr}" for duration, ages in parts), ", ".join(f"{duration} {ages.en}" for duration, ages in parts)
    )


def clock_text(minutes: int) -> Msg:
    """A time of day in a limit: « 6 h », « 21 h 30 » / « 06:00 »."""
    return Msg(hours_fr(minutes), clock(minutes))


def _day_named(item: Holiday) -> Msg:
    """« Fête de Victor Schoelcher, 21 juillet »; a day that moves with Easter by its name alone."""
    if item.month_day is None:
        return Msg(item.fr, item.en)
    month, day = item.month_day
    return Msg(f"{item.fr}, {day} {MONTHS_FR[month - 1]}", f"{item.en}, {day} {MONTHS_EN[month - 1]}")


def days_by_place(items: Iterable[Holiday]) -> Msg:
    """« Guadeloupe, Martinique, Saint-Martin : Vendredi saint, Mi-Carême ; Saint-Martin : … »."""
    order = list(SUBDIVISION_NAMES)
    groups: dict[frozenset[str] | None, list[Holiday]] = {}
    for item in items:
        groups.setdefault(item.where, []).append(item)
    parts = []
    for where, same in groups.items():
        places = ", ".join(SUBDIVISION_NAMES[code] for code in sorted(where or (), key=order.index))
        parts.append((places, [_day_named(item) for item in same]))
    return Msg(
        " ; ".join(f"{places} : {', '.join(day.fr for day in days)}" for places, days in parts),
        "; ".join(f"{places}: {', '.join(day.en for day in days)}" for places, days in parts),
    )


def customary_limit(holidays: Iterable[Holiday] = HOLIDAYS) -> Msg:
    days = days_by_place(item for item in holidays if item.status == CUSTOM)
    return Msg(
        f"travail prévu un jour chômé par la seule coutume locale, qui n'est pas un jour férié légal : à confirmer avec l'organisme d'accueil ({days.fr})",
        f"work planned on a day kept off by local custom only, which is not a legal public holiday: to be confirmed with the host ({days.en})",
    )


def minor_holidays_limit(holidays: Iterable[Holiday] = HOLIDAYS) -> Msg:
    days = days_by_place(item for item in holidays if item.status == CUSTOM and item.off_for_minors)
    return Msg(
        f"aucun travail un jour férié légal du lieu de l'organisme d'accueil (fêtes nationales ; Alsace-Moselle ; abolition de l'esclavage outre-mer), ni les jours de pratique locale chômés pour les mineurs ({days.fr})",
        f"no work on a legal public holiday of the host's place (national days; Alsace-Moselle; abolition of slavery overseas), nor on the days of local practice kept off for minors ({days.en})",
    )
