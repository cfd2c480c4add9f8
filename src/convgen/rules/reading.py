"""What the hour and rest rules share: how they read the dated schedule and word what they find."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator

from convgen.calendar import Day, continuous_runs, rests
from convgen.i18n import Msg, hours_text, weekday_date
from convgen.loading import FieldPath
from convgen.rules.base import Context, Hit
from convgen.values import Slot, clock

WEEKLY: FieldPath = ("schedule", "weekly")


def week_cause(ctx: Context, week: list[Day]) -> FieldPath:
    """The schedule entry behind a week's hours: an exception that adds hours to its weekday, else the weekly pattern."""
    weekly = ctx.agreement.schedule.weekly
    for day in week:
        if day.is_exception and day.minutes > sum(slot.minutes for slot in weekly.slots(day.date.weekday())):
            return day.source
    return WEEKLY


def worked_weeks(ctx: Context) -> Iterator[tuple[list[Day], Day, int]]:
    """Each calendar week with worked dates: its days, its first worked date (whose age judges it), its minutes."""
    for week in ctx.weeks:
        worked = [day for day in week if day.worked]
        if worked:
            yield week, worked[0], sum(day.minutes for day in worked)


Limit = Callable[[dt.date], int | None]


def days_over(ctx: Context, limit_of: Limit) -> Iterator[tuple[Day, int]]:
    """Worked dates with more minutes than the limit that applies on them (None: the rule does not apply)."""
    for day in ctx.days or []:
        limit = limit_of(day.date) if day.worked else None
        if limit is not None and day.minutes > limit:
            yield day, limit


def break_hits(ctx: Context, rule_of: Callable[[dt.date], tuple[int, int] | None]) -> Iterator[Hit]:
    """Days with continuous work beyond the maximum; rule_of gives (maximum, break) on a date, or None."""
    for day in ctx.days or []:
        rule = rule_of(day.date) if day.worked else None
        if rule is None:
            continue
        maximum, min_break = rule
        run = next((run for run in continuous_runs(day.slots, min_break) if run.worked > maximum), None)
        if run is not None:
            params = {
                "worked": hours_text(run.worked),
                "run": str(Slot(run.start, run.end)),
                "maximum": hours_text(maximum),
                "min_break": min_break,
            }
            yield Hit(day.source, params, day.date)


def rest_hits(ctx: Context, limit_of: Limit) -> Iterator[Hit]:
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
