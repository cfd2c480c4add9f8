"""Hours, rest and holidays of a minor pupil in a PFMP (rules.md; limits in convgen.limits)."""

from __future__ import annotations

from collections.abc import Iterator

from convgen import limits
from convgen.findings import Severity
from convgen.i18n import Msg, hours_text, weekday_date
from convgen.rules.base import Context, Hit, rule
from convgen.rules.reading import (
    break_hits,
    days_over,
    holiday_hint,
    rest_hits,
    week_cause,
    worked_weeks,
)
from convgen.values import clock

PFMP = frozenset({"pfmp"})
GROUP = "pfmp"
MINOR = Msg("élève mineur", "minor pupil")


@rule(
    id="MINOR_DAILY_MAX",
    severity=Severity.ERROR,
    kinds=PFMP,
    group=GROUP,
    applies_to=MINOR,
    limit=Msg(
        "par jour : 7 h avant 16 ans, 8 h à 16 et 17 ans (âge à la date)",
        "a day: 7 h under 16, 8 h at 16 and 17 (age on the date)",
    ),
    article=limits.L3162_1,
    message=Msg(
        "{day} : {worked} de travail prévues ; à {age} ans, un élève ne peut dépasser {limit} par jour ({source}).",
        "{day}: {worked} of work planned; at {age}, a pupil may not work more than {limit} a day ({source}).",
    ),
)
def minor_daily_max(ctx: Context) -> Iterator[Hit]:
    for day, limit in days_over(ctx, lambda date: band.daily_max if (band := ctx.band(date)) else None):
        band = ctx.band(day.date)
        params = {"worked": hours_text(day.minutes), "age": ctx.age(day.date), "limit": hours_text(limit), "source": band.daily_source}
        yield Hit(day.source, params, day.date)


M_WEEKLY = Msg(
    "Semaine du {first} : {worked} de travail prévues ; à {age} ans, un élève ne peut dépasser {limit} par semaine ({ref}).",
    "Week of {first}: {worked} of work planned; at {age}, a pupil may not work more than {limit} a week ({ref}).",
)


def _weekly(ctx: Context, under_15: bool) -> Iterator[Hit]:
    for week, first, minutes in worked_weeks(ctx):
        band = ctx.band(first.date)
        if band is None or (band.max_age < 15) != under_15:
            continue
        if minutes > band.weekly_max:
            params = {
                "first": weekday_date(week[0].date),
                "worked": hours_text(minutes),
                "age": ctx.age(first.date),
                "limit": hours_text(band.weekly_max),
            }
            yield Hit(week_cause(ctx, week), params, first.date)


@rule(
    id="MINOR_WEEKLY_MAX",
    severity=Severity.ERROR,
    kinds=PFMP,
    group=GROUP,
    applies_to=Msg("élève mineur de 15 ans ou plus", "minor pupil aged 15 or more"),
    limit=Msg(
        "35 h par semaine civile (du lundi au dimanche, dates de la période seulement ; âge au premier jour travaillé de la semaine)",
        "35 h a calendar week (Monday to Sunday, dates of the period only; age on the week's first worked date)",
    ),
    article=limits.L3162_1,
    message=M_WEEKLY,
    unit="week",
)
def minor_weekly_max(ctx: Context) -> Iterator[Hit]:
    return _weekly(ctx, under_15=False)


@rule(
    id="UNDER15_WEEKLY_MAX",
    severity=Severity.ERROR,
    kinds=PFMP,
    group=GROUP,
    applies_to=Msg("élève de moins de 15 ans", "pupil under 15"),
    limit=Msg("30 h par semaine civile", "30 h a calendar week"),
    article="Convention type, annexe pédagogique",
    message=M_WEEKLY,
    unit="week",
)
def under15_weekly_max(ctx: Context) -> Iterator[Hit]:
    return _weekly(ctx, under_15=True)


@rule(
    id="MINOR_WORK_WINDOW",
    severity=Severity.ERROR,
    kinds=PFMP,
    group=GROUP,
    applies_to=MINOR,
    limit=Msg(
        "travail entre 6 h et 22 h à 16 et 17 ans, entre 6 h et 20 h avant 16 ans (travail de nuit interdit, sans dérogation en PFMP)",
        "work between 06:00 and 22:00 at 16 and 17, between 06:00 and 20:00 under 16 (night work banned, no derogation in a PFMP)",
    ),
    article=limits.L3163,
    message=Msg(
        "{day} : le créneau {slot} sort de la plage permise ; à {age} ans, un élève ne travaille qu'entre {opens} et {closes} (travail de nuit interdit, {ref}).",
        "{day}: the slot {slot} falls outside the allowed hours; at {age}, a pupil works only between {opens} and {closes} (night work banned, {ref}).",
    ),
)
def minor_work_window(ctx: Context) -> Iterator[Hit]:
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


@rule(
    id="MINOR_BREAK",
    severity=Severity.ERROR,
    kinds=PFMP,
    group=GROUP,
    applies_to=MINOR,
    limit=Msg(
        "pas plus de 4 h 30 de travail continu : une pause d'au moins 30 minutes consécutives d'abord (un écart plus court n'est pas une pause)",
        "no more than 4 h 30 of continuous work: a break of at least 30 consecutive minutes first (a shorter gap is no break)",
    ),
    article=limits.L3162_3,
    message=Msg(
        "{day} : {worked} de travail continu ({run}) ; un élève mineur ne peut travailler plus de {maximum} d'affilée sans une pause d'au moins {min_break} minutes consécutives ({ref}).",
        "{day}: {worked} of continuous work ({run}); a minor pupil may not work more than {maximum} in a row without a break of at least {min_break} consecutive minutes ({ref}).",
    ),
)
def minor_break(ctx: Context) -> Iterator[Hit]:
    return break_hits(ctx, lambda date: (limits.MINOR_MAX_CONTINUOUS, limits.MINOR_MIN_BREAK) if ctx.band(date) else None)


@rule(
    id="MINOR_DAILY_REST",
    severity=Severity.ERROR,
    kinds=PFMP,
    group=GROUP,
    applies_to=MINOR,
    limit=Msg(
        "repos quotidien consécutif entre deux journées de travail : 14 h avant 16 ans, 12 h à 16 et 17 ans",
        "consecutive daily rest between two working days: 14 h under 16, 12 h at 16 and 17",
    ),
    article=limits.L3164_1,
    message=Msg(
        "{day} : {rest} de repos seulement entre la fin du travail le {before} à {end} et la reprise le {after} à {start} ; à {age} ans, un élève doit avoir {limit} de repos consécutives ({ref}).",
        "{day}: only {rest} of rest between the end of work on {before} at {end} and the restart on {after} at {start}; at {age}, a pupil must have {limit} of consecutive rest ({ref}).",
    ),
)
def minor_daily_rest(ctx: Context) -> Iterator[Hit]:
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
    applies_to=MINOR,
    limit=Msg(
        "deux jours de repos consécutifs chaque semaine, dont le dimanche (le samedi ou le lundi avec lui)",
        "two consecutive rest days each week, Sunday included (with the Saturday or the Monday)",
    ),
    article=limits.L3164_2,
    message=Msg(
        "{day} : {reason} ; un élève mineur a droit à deux jours de repos consécutifs, dont le dimanche ({ref}).",
        "{day}: {reason}; a minor pupil is entitled to two consecutive rest days, Sunday included ({ref}).",
    ),
)
def minor_weekly_rest(ctx: Context) -> Iterator[Hit]:
    days = ctx.days or []
    for index, day in enumerate(days):
        if day.date.weekday() != 6 or ctx.band(day.date) is None:
            continue
        if day.worked:
            yield Hit(day.source, {"reason": M_SUNDAY}, day.date)
            continue
        # Dates outside the period are rest days, so only a Sunday with both neighbours inside can fail.
        if 0 < index < len(days) - 1 and days[index - 1].worked and days[index + 1].worked:
            saturday, monday = days[index - 1], days[index + 1]
            cause = monday if monday.is_exception and not saturday.is_exception else saturday
            yield Hit(cause.source, {"reason": M_TWO_DAYS}, day.date)


@rule(
    id="MINOR_PUBLIC_HOLIDAY",
    severity=Severity.ERROR,
    kinds=PFMP,
    group=GROUP,
    applies_to=MINOR,
    limit=Msg(
        "aucun travail un jour férié (ceux du département de l'organisme d'accueil)",
        "no work on a public holiday (those of the host's département)",
    ),
    article=limits.L3164_6,
    message=Msg(
        "{day} ({holiday}) : travail prévu un jour férié ; un élève mineur ne travaille pas les jours fériés ({ref}).{hint}",
        "{day} ({holiday}): work planned on a public holiday; a minor pupil does not work on public holidays ({ref}).{hint}",
    ),
)
def minor_public_holiday(ctx: Context) -> Iterator[Hit]:
    for day in ctx.days or []:
        if day.worked and day.date in ctx.holidays and ctx.band(day.date) is not None:
            yield Hit(day.source, {"holiday": ctx.holidays[day.date], "hint": holiday_hint(day)}, day.date)
