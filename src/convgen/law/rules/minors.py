"""Hours, rest and holidays of a minor pupil in a PFMP (rules.md; limits in convgen.law.limits)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from convgen.findings import Severity
from convgen.i18n import Msg, hours_fr, hours_text, weekday_date
from convgen.law import limits
from convgen.law.calendar import HOLIDAYS
from convgen.law.facts import Facts
from convgen.law.rules.base import Hit, rule
from convgen.law.rules.reading import (
    break_hits,
    by_age,
    clock_text,
    days_over,
    holiday_hint,
    hours_by_age,
    minor_holidays,
    minor_holidays_limit,
    minor_week,
    rest_hits,
    week_cause,
    worked_weeks,
)
from convgen.schema.fields import clock

PFMP = frozenset({"pfmp"})
GROUP = "pfmp"
MINOR = Msg("élève mineur", "minor pupil")
Bands = Sequence[limits.MinorBand]


def daily_max_limit(bands: Bands) -> Msg:
    by_ages = hours_by_age(bands, lambda item: item.daily_max)
    return Msg(f"par jour : {by_ages.fr} (âge à la date)", f"a day: {by_ages.en} (age on the date)")


@rule(
    id="MINOR_DAILY_MAX",
    severity=Severity.ERROR,
    kinds=PFMP,
    group=GROUP,
    applies_to=MINOR,
    limit=daily_max_limit(limits.MINOR_BANDS),
    article=limits.MINOR_DAILY_SOURCES,
    message=Msg(
        "{day} : {worked} de travail prévues ; à {age} ans, un élève ne peut dépasser {limit} par jour ({ref}).",
        "{day}: {worked} of work planned; at {age}, a pupil may not work more than {limit} a day ({ref}).",
    ),
)
def minor_daily_max(ctx: Facts) -> Iterator[Hit]:
    for day, limit in days_over(ctx, lambda date: band.daily_max if (band := ctx.band(date)) else None):
        band = ctx.band(day.date)
        params = {"worked": hours_text(day.minutes), "age": ctx.age(day.date), "limit": hours_text(limit)}
        # The Code du travail sets the 8 h from 16; under 16 the 7 h are the national guidance's.
        yield Hit(day.source, params, day.date, article=band.daily_article)


M_WEEKLY = Msg(
    "Semaine du {first} : {worked} de travail prévues ; à {age} ans, un élève ne peut dépasser {limit} par semaine ({ref}).",
    "Week of {first}: {worked} of work planned; at {age}, a pupil may not work more than {limit} a week ({ref}).",
)


def _from_15(item: limits.MinorBand) -> bool:
    return item.max_age >= 15


def _weekly(ctx: Facts, under_15: bool) -> Iterator[Hit]:
    for week, first, minutes in worked_weeks(ctx):
        band = ctx.band(first.date)
        if band is None or _from_15(band) == under_15:
            continue
        if minutes > band.weekly_max:
            params = {
                "first": weekday_date(week[0].date),
                "worked": hours_text(minutes),
                "age": ctx.age(first.date),
                "limit": hours_text(band.weekly_max),
            }
            yield Hit(week_cause(ctx, week), params, first.date)


_WEEK_FR = "semaine civile (du lundi au dimanche, dates de la période seulement ; âge au premier jour travaillé de la semaine)"
_WEEK_EN = "calendar week (Monday to Sunday, dates of the period only; age on the week's first worked date)"


def weekly_max_limit(bands: Bands) -> Msg:
    values = by_age(bands, lambda item: item.weekly_max)
    if len(values) == 1:
        ((_, value),) = values
        return Msg(f"{hours_fr(value)} par {_WEEK_FR}", f"{hours_fr(value)} a {_WEEK_EN}")
    return Msg(
        f"par {_WEEK_FR} : " + ", ".join(f"{hours_fr(value)} {ages.fr}" for ages, value in values),
        f"a {_WEEK_EN}: " + ", ".join(f"{hours_fr(value)} {ages.en}" for ages, value in values),
    )


@rule(
    id="MINOR_WEEKLY_MAX",
    severity=Severity.ERROR,
    kinds=PFMP,
    group=GROUP,
    applies_to=Msg("élève mineur de 15 ans ou plus", "minor pupil aged 15 or more"),
    limit=weekly_max_limit([item for item in limits.MINOR_BANDS if _from_15(item)]),
    article=limits.L3162_1,
    message=M_WEEKLY,
    unit="week",
)
def minor_weekly_max(ctx: Facts) -> Iterator[Hit]:
    return _weekly(ctx, under_15=False)


def under15_weekly_limit(bands: Bands) -> Msg:
    values = {item.weekly_max for item in bands}
    text = " ou ".join(hours_fr(value) for value in sorted(values))
    return Msg(f"{text} par semaine civile", f"{text} a calendar week")


@rule(
    id="UNDER15_WEEKLY_MAX",
    severity=Severity.ERROR,
    kinds=PFMP,
    group=GROUP,
    applies_to=Msg("élève de moins de 15 ans", "pupil under 15"),
    limit=under15_weekly_limit([item for item in limits.MINOR_BANDS if not _from_15(item)]),
    article="Convention type, annexe pédagogique",
    message=M_WEEKLY,
    unit="week",
)
def under15_weekly_max(ctx: Facts) -> Iterator[Hit]:
    return _weekly(ctx, under_15=True)


def work_window_limit(bands: Bands) -> Msg:
    # The widest window first, as the law states it ("de 22 heures à 6 heures" from 16).
    values = sorted(by_age(bands, lambda item: item.window), key=lambda pair: -pair[1][1])
    fr = ", ".join(f"entre {clock_text(opens).fr} et {clock_text(closes).fr} {ages.fr}" for ages, (opens, closes) in values)
    en = ", ".join(f"between {clock_text(opens).en} and {clock_text(closes).en} {ages.en}" for ages, (opens, closes) in values)
    return Msg(
        f"travail {fr} (travail de nuit interdit, sans dérogation en PFMP)",
        f"work {en} (night work banned, no derogation in a PFMP)",
    )


@rule(
    id="MINOR_WORK_WINDOW",
    severity=Severity.ERROR,
    kinds=PFMP,
    group=GROUP,
    applies_to=MINOR,
    limit=work_window_limit(limits.MINOR_BANDS),
    article=limits.L3163,
    message=Msg(
        "{day} : le créneau {slot} sort de la plage permise ; à {age} ans, un élève ne travaille qu'entre {opens} et {closes} (travail de nuit interdit, {ref}).",
        "{day}: the slot {slot} falls outside the allowed hours; at {age}, a pupil works only between {opens} and {closes} (night work banned, {ref}).",
    ),
)
def minor_work_window(ctx: Facts) -> Iterator[Hit]:
    for day in ctx.days or []:
        band = ctx.band(day.date)
        if band is None:
            continue
        opens, closes = band.window
        for slot in day.slots:
            if slot.start < opens or slot.end > closes:
                params = {"slot": str(slot), "age": ctx.age(day.date), "opens": clock(opens), "closes": clock(closes)}
                yield Hit(day.source, params, day.date)
                break


def break_limit(maximum: int, min_break: int) -> Msg:
    return Msg(
        f"pas plus de {hours_fr(maximum)} de travail continu : une pause d'au moins {min_break} minutes consécutives d'abord (un écart plus court n'est pas une pause)",
        f"no more than {hours_fr(maximum)} of continuous work: a break of at least {min_break} consecutive minutes first (a shorter gap is no break)",
    )


@rule(
    id="MINOR_BREAK",
    severity=Severity.ERROR,
    kinds=PFMP,
    group=GROUP,
    applies_to=MINOR,
    limit=break_limit(limits.MINOR_MAX_CONTINUOUS, limits.MINOR_MIN_BREAK),
    article=limits.L3162_3,
    message=Msg(
        "{day} : {worked} de travail continu ({run}) ; un élève mineur ne peut travailler plus de {maximum} d'affilée sans une pause d'au moins {min_break} minutes consécutives ({ref}).",
        "{day}: {worked} of continuous work ({run}); a minor pupil may not work more than {maximum} in a row without a break of at least {min_break} consecutive minutes ({ref}).",
    ),
)
def minor_break(ctx: Facts) -> Iterator[Hit]:
    return break_hits(ctx, lambda date: (limits.MINOR_MAX_CONTINUOUS, limits.MINOR_MIN_BREAK) if ctx.band(date) else None)


def daily_rest_limit(bands: Bands) -> Msg:
    by_ages = hours_by_age(bands, lambda item: item.daily_rest)
    return Msg(
        f"repos quotidien consécutif entre deux journées de travail : {by_ages.fr}",
        f"consecutive daily rest between two working days: {by_ages.en}",
    )


@rule(
    id="MINOR_DAILY_REST",
    severity=Severity.ERROR,
    kinds=PFMP,
    group=GROUP,
    applies_to=MINOR,
    limit=daily_rest_limit(limits.MINOR_BANDS),
    article=limits.L3164_1,
    message=Msg(
        "{day} : {rest} de repos seulement entre la fin du travail le {before} à {end} et la reprise le {after} à {start} ; à {age} ans, un élève doit avoir {limit} de repos consécutives ({ref}).",
        "{day}: only {rest} of rest between the end of work on {before} at {end} and the restart on {after} at {start}; at {age}, a pupil must have {limit} of consecutive rest ({ref}).",
    ),
)
def minor_daily_rest(ctx: Facts) -> Iterator[Hit]:
    return rest_hits(ctx, lambda date: band.daily_rest if (band := ctx.band(date)) else None)


M_SUNDAY = Msg("travail prévu un dimanche", "work planned on a Sunday")
M_TWO_DAYS = Msg(
    "le samedi et le lundi qui l'entourent sont tous deux travaillés",
    "the Saturday and the Monday around it are both worked",
)


@rule(
    id="MINOR_WEEKLY_REST",
    severity=Severity.ERROR,
    kinds=PFMP,
    group=GROUP,
    applies_to=Msg(
        "semaine d'un mineur : une semaine civile où l'élève a moins de 18 ans à une date de la période",
        "a minor's week: a calendar week in which the pupil is under 18 on a date of the period",
    ),
    limit=Msg(
        "deux jours de repos consécutifs chaque semaine, dont le dimanche (le samedi ou le lundi avec lui) ; les dates hors période sont du repos",
        "two consecutive rest days each week, Sunday included (with the Saturday or the Monday); dates outside the period are rest",
    ),
    article=limits.MINOR_WEEKLY_REST_SOURCES,
    message=Msg(
        "{day} : {reason} ; un élève mineur a droit à deux jours de repos consécutifs, dont le dimanche ({ref}).",
        "{day}: {reason}; a minor pupil is entitled to two consecutive rest days, Sunday included ({ref}).",
    ),
)
def minor_weekly_rest(ctx: Facts) -> Iterator[Hit]:
    days = ctx.days or []
    index = {day.date: number for number, day in enumerate(days)}
    for week in ctx.weeks:
        # Judged by the week, not by the Sunday: a pupil turning 18 on the Saturday or the
        # Sunday still had a minor's week, which must end with a minor's weekly rest.
        sunday = week[-1]
        if sunday.date.weekday() != 6 or not minor_week(ctx, week):
            continue
        if sunday.worked:
            yield Hit(sunday.source, {"reason": M_SUNDAY}, sunday.date, article=limits.L3132_3)
            continue
        # Dates outside the period are rest days, so only a Sunday with both neighbours inside can fail.
        number = index[sunday.date]
        if 0 < number < len(days) - 1 and days[number - 1].worked and days[number + 1].worked:
            saturday, monday = days[number - 1], days[number + 1]
            cause = monday if monday.is_exception and not saturday.is_exception else saturday
            yield Hit(cause.source, {"reason": M_TWO_DAYS}, sunday.date, article=limits.L3164_2)


@rule(
    id="MINOR_PUBLIC_HOLIDAY",
    severity=Severity.ERROR,
    kinds=PFMP,
    group=GROUP,
    applies_to=MINOR,
    limit=minor_holidays_limit(HOLIDAYS),
    article=limits.L3164_6,
    message=Msg(
        "{day} ({holiday}) : travail prévu un jour férié ; un élève mineur ne travaille pas les jours fériés ({ref}).{hint}",
        "{day} ({holiday}): work planned on a public holiday; a minor pupil does not work on public holidays ({ref}).{hint}",
    ),
)
def minor_public_holiday(ctx: Facts) -> Iterator[Hit]:
    holidays = minor_holidays(ctx)
    for day in ctx.days or []:
        if day.worked and day.date in holidays and ctx.band(day.date) is not None:
            yield Hit(day.source, {"holiday": holidays[day.date], "hint": holiday_hint(day)}, day.date)
