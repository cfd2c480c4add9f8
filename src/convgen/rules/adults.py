"""Hours and rest of an adult: a PFMP pupil of 18 or more, or an immersion worker with a schedule."""

from __future__ import annotations

from collections.abc import Iterator

from convgen import limits
from convgen.findings import Severity
from convgen.i18n import Msg, hours_text, weekday_date
from convgen.rules.base import ALL_KINDS, Context, Hit, rule
from convgen.rules.reading import (
    break_hits,
    days_over,
    holiday_hint,
    rest_hits,
    week_cause,
    worked_weeks,
)
from convgen.values import clock

GROUP = "common"
ADULT = Msg(
    "adulte : élève de PFMP majeur à la date, travailleur en immersion (si des horaires sont donnés)",
    "adult: PFMP pupil of 18 or more on the date, immersion worker (when a schedule is given)",
)
ADULT_PUPIL = Msg("élève de PFMP majeur à la date", "PFMP pupil of 18 or more on the date")


def _adult_limit(ctx: Context, value: int):
    return lambda date: value if ctx.is_adult(date) else None


@rule(
    id="ADULT_DAILY_MAX",
    severity=Severity.ERROR,
    kinds=ALL_KINDS,
    group=GROUP,
    applies_to=ADULT,
    limit=Msg("10 h par jour", "10 h a day"),
    article=limits.L3121_18,
    message=Msg(
        "{day} : {worked} de travail prévues ; la durée quotidienne ne peut dépasser {limit} ({ref}).",
        "{day}: {worked} of work planned; daily working time may not exceed {limit} ({ref}).",
    ),
)
def adult_daily_max(ctx: Context) -> Iterator[Hit]:
    for day, limit in days_over(ctx, _adult_limit(ctx, limits.ADULT_DAILY_MAX)):
        yield Hit(day.source, {"worked": hours_text(day.minutes), "limit": hours_text(limit)}, day.date)


@rule(
    id="ADULT_WEEKLY_MAX",
    severity=Severity.ERROR,
    kinds=ALL_KINDS,
    group=GROUP,
    applies_to=ADULT,
    limit=Msg(
        "par semaine civile : 35 h pour un élève majeur (durée légale, convention type art. 6) ; 48 h en immersion",
        "a calendar week: 35 h for an adult pupil (legal duration, model agreement art. 6); 48 h in an immersion",
    ),
    article="Code du travail, art. L3121-27 (PFMP, convention type art. 6) et L3121-20 (immersion)",
    message=Msg(
        "Semaine du {first} : {worked} de travail prévues ; {who} ne peut dépasser {limit} par semaine ({ref}).",
        "Week of {first}: {worked} of work planned; {who} may not work more than {limit} a week ({ref}).",
    ),
    unit="week",
)
def adult_weekly_max(ctx: Context) -> Iterator[Hit]:
    if ctx.kind == "pfmp":
        limit, article, who = limits.PFMP_ADULT_WEEKLY_MAX, limits.L3121_27, Msg("un élève majeur", "an adult pupil")
    else:
        limit, article, who = limits.IMMERSION_WEEKLY_MAX, limits.L3121_20, Msg("le travailleur", "the worker")
    for week, first, minutes in worked_weeks(ctx):
        if ctx.is_adult(first.date) and minutes > limit:
            params = {
                "first": weekday_date(week[0].date),
                "worked": hours_text(minutes),
                "who": who,
                "limit": hours_text(limit),
            }
            yield Hit(week_cause(ctx, week), params, first.date, article=article)


@rule(
    id="ADULT_BREAK",
    severity=Severity.ERROR,
    kinds=ALL_KINDS,
    group=GROUP,
    applies_to=ADULT,
    limit=Msg(
        "au-delà de 6 h de travail continu, une pause d'au moins 20 minutes consécutives",
        "beyond 6 h of continuous work, a break of at least 20 consecutive minutes",
    ),
    article=limits.L3121_16,
    message=Msg(
        "{day} : {worked} de travail continu ({run}) ; au-delà de {maximum}, une pause d'au moins {min_break} minutes consécutives est due ({ref}).",
        "{day}: {worked} of continuous work ({run}); beyond {maximum}, a break of at least {min_break} consecutive minutes is due ({ref}).",
    ),
)
def adult_break(ctx: Context) -> Iterator[Hit]:
    return break_hits(ctx, lambda date: (limits.ADULT_MAX_CONTINUOUS, limits.ADULT_MIN_BREAK) if ctx.is_adult(date) else None)


@rule(
    id="ADULT_DAILY_REST",
    severity=Severity.ERROR,
    kinds=ALL_KINDS,
    group=GROUP,
    applies_to=ADULT,
    limit=Msg(
        "au moins 11 h de repos consécutives entre deux journées de travail",
        "at least 11 consecutive hours of rest between two working days",
    ),
    article=limits.L3131_1,
    message=Msg(
        "{day} : {rest} de repos seulement entre la fin du travail le {before} à {end} et la reprise le {after} à {start} ; le repos quotidien est d'au moins {limit} consécutives ({ref}).",
        "{day}: only {rest} of rest between the end of work on {before} at {end} and the restart on {after} at {start}; daily rest is at least {limit} in a row ({ref}).",
    ),
)
def adult_daily_rest(ctx: Context) -> Iterator[Hit]:
    return rest_hits(ctx, _adult_limit(ctx, limits.ADULT_DAILY_REST))


@rule(
    id="ADULT_WEEKLY_REST",
    severity=Severity.ERROR,
    kinds=ALL_KINDS,
    group=GROUP,
    applies_to=ADULT,
    limit=Msg(
        "au moins un jour entier de repos chaque semaine civile (les dates hors période sont du repos)",
        "at least one full rest day every calendar week (dates outside the period are rest)",
    ),
    article=limits.L3132,
    message=Msg(
        "Semaine du {first} : les sept jours sont travaillés ; il faut au moins un jour entier de repos par semaine ({ref}).",
        "Week of {first}: all seven days are worked; at least one full rest day a week is required ({ref}).",
    ),
    unit="week",
)
def adult_weekly_rest(ctx: Context) -> Iterator[Hit]:
    for week, first, _ in worked_weeks(ctx):
        if len(week) == 7 and all(day.worked for day in week) and ctx.is_adult(first.date):
            yield Hit(week_cause(ctx, week), {"first": weekday_date(week[0].date)}, week[0].date)


@rule(
    id="ADULT_NIGHT_WORK",
    severity=Severity.ERROR,
    kinds=frozenset({"pfmp"}),
    group="pfmp",
    applies_to=ADULT_PUPIL,
    limit=Msg(
        "un créneau entre 21 h et 6 h exige safety.night_work: true (élève désigné par le chef d'établissement)",
        "a slot between 21:00 and 06:00 needs safety.night_work: true (pupil designated by the head of school)",
    ),
    article=limits.L3122_2,
    message=Msg(
        "{day} : le créneau {slot} empiète sur la nuit ({night}) ; un élève majeur n'y travaille que s'il est désigné par le chef d'établissement : indiquez safety.night_work: true ({ref}).",
        "{day}: the slot {slot} runs into the night ({night}); an adult pupil works then only when designated by the head of school: set safety.night_work: true ({ref}).",
    ),
)
def adult_night_work(ctx: Context) -> Iterator[Hit]:
    if ctx.agreement.safety.night_work:
        return
    night_start, night_end = limits.ADULT_NIGHT
    night = f"{clock(night_start)}-{clock(night_end)}"
    for day in ctx.days or []:
        if not ctx.is_adult(day.date):
            continue
        late = next((slot for slot in day.slots if slot.end > night_start or slot.start < night_end), None)
        if late is not None:
            yield Hit(day.source, {"slot": str(late), "night": night}, day.date)


@rule(
    id="ADULT_PUBLIC_HOLIDAY",
    severity=Severity.WARNING,
    kinds=ALL_KINDS,
    group=GROUP,
    applies_to=ADULT,
    limit=Msg(
        "travail prévu un jour férié du département de l'accueil : à confirmer (seul le 1er mai est obligatoirement chômé)",
        "work planned on a public holiday of the host's département: to be confirmed (only 1 May must be off)",
    ),
    article=limits.L3133_1,
    message=Msg(
        "{day} ({holiday}) : travail prévu un jour férié ; vérifiez que l'organisme d'accueil travaille ce jour-là ({ref}).{hint}",
        "{day} ({holiday}): work planned on a public holiday; check that the host works that day ({ref}).{hint}",
    ),
)
def adult_public_holiday(ctx: Context) -> Iterator[Hit]:
    for day in ctx.days or []:
        if day.worked and day.date in ctx.holidays and ctx.is_adult(day.date):
            yield Hit(day.source, {"holiday": ctx.holidays[day.date], "hint": holiday_hint(day)}, day.date)
