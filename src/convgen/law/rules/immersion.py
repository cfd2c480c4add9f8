"""Rules of an immersion agreement (the adult hour and rest rules apply too, in adults.py)."""

from __future__ import annotations

from collections.abc import Iterator

from convgen.findings import Severity
from convgen.i18n import Msg, date_text
from convgen.law import limits
from convgen.law.facts import Facts
from convgen.law.rules.base import Hit, rule


def max_days_limit(days: int) -> Msg:
    return Msg(
        f"{days} jours au plus : dates travaillées des horaires ou, sans horaires, dates du lundi au vendredi hors jours fériés légaux (un jour chômé par la seule coutume locale compte)",
        f"{days} days at most: worked dates of the schedule or, without one, Monday–Friday dates that are not legal public holidays (a day kept off by local custom only counts)",
    )


@rule(
    id="IMMERSION_MAX_DAYS",
    severity=Severity.ERROR,
    kinds=frozenset({"immersion"}),
    group="immersion",
    applies_to=Msg("convention d'immersion", "immersion agreement"),
    limit=max_days_limit(limits.IMMERSION_MAX_DAYS),
    article=limits.IMMERSION_ART_2,
    message=Msg(
        "{count} jours d'immersion du {start} au {end} ({how}) ; une immersion dure {limit} jours au plus ({ref}).",
        "{count} days of immersion from {start} to {end} ({how}); an immersion lasts {limit} days at most ({ref}).",
    ),
)
def immersion_max_days(ctx: Facts) -> Iterator[Hit]:
    period = ctx.agreement.period
    # ctx.holidays holds the legal public holidays only: a customary day is an immersion day.
    weekdays = [date for date in period.dates() if date.weekday() < 5 and date not in ctx.holidays]
    if ctx.days is None:
        count, how, path = (
            len(weekdays),
            Msg("du lundi au vendredi, hors jours fériés", "Monday to Friday, public holidays excepted"),
            ("period", "end"),
        )
    else:
        count = sum(1 for day in ctx.days if day.worked)
        how = Msg("jours travaillés des horaires", "worked days of the schedule")
        path = ("schedule",) if len(weekdays) <= limits.IMMERSION_MAX_DAYS else ("period", "end")
    if count > limits.IMMERSION_MAX_DAYS:
        params = {
            "count": count,
            "start": date_text(period.start),
            "end": date_text(period.end),
            "how": how,
            "limit": limits.IMMERSION_MAX_DAYS,
        }
        yield Hit(path, params)
