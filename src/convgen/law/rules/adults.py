"""Hours and rest of an adult: a PFMP pupil of 18 or more, or an immersion worker with a schedule;
and the days kept off by local custom, which every agreement is warned about."""

from __future__ import annotations

from collections.abc import Iterator

from convgen.findings import Severity
from convgen.i18n import Msg, hours_fr, hours_text, weekday_date
from convgen.law import limits
from convgen.law.calendar import HOLIDAYS, customary_days
from convgen.law.facts import Facts
from convgen.law.rules.base import ALL_KINDS, Hit, rule
from convgen.law.rules.reading import (
    break_hits,
    clock_text,
    customary_limit,
    days_over,
    holiday_hint,
    minor_holidays,
    minor_week,
    named_days,
    rest_hits,
    week_cause,
    worked_weeks,
)
from convgen.schema.fields import clock

GROUP = "common"
PFMP = frozenset({"pfmp"})
ADULT = Msg(
    "adulte : élève de PFMP majeur à la date, travailleur en immersion (si des horaires sont donnés)",
    "adult: PFMP pupil of 18 or more on the date, immersion worker (when a schedule is given)",
)
ADULT_PUPIL = Msg("élève de PFMP majeur à la date", "PFMP pupil of 18 or more on the date")


def _adult_limit(ctx: Facts, value: int):
    return lambda date: value if ctx.is_adult(date) else None


def daily_max_limit(maximum: int) -> Msg:
    return Msg(f"{hours_fr(maximum)} par jour", f"{hours_fr(maximum)} a day")


@rule(
    id="ADULT_DAILY_MAX",
    severity=Severity.ERROR,
    kinds=ALL_KINDS,
    group=GROUP,
    applies_to=ADULT,
    limit=daily_max_limit(limits.ADULT_DAILY_MAX),
    article=limits.L3121_18,
    message=Msg(
        "{day} : {worked} de travail prévues ; la durée quotidienne ne peut dépasser {limit} ({ref}).",
        "{day}: {worked} of work planned; daily working time may not exceed {limit} ({ref}).",
    ),
)
def adult_daily_max(ctx: Facts) -> Iterator[Hit]:
    for day, limit in days_over(ctx, _adult_limit(ctx, limits.ADULT_DAILY_MAX)):
        yield Hit(day.source, {"worked": hours_text(day.minutes), "limit": hours_text(limit)}, day.date)


def weekly_max_limit(pfmp: int, immersion: int) -> Msg:
    return Msg(
        f"par semaine civile : {hours_fr(pfmp)} pour un élève majeur (plafond de la convention type, art. 6, fixé à la durée légale du travail) ; {hours_fr(immersion)} en immersion",
        f"a calendar week: {hours_fr(pfmp)} for an adult pupil (the model agreement's cap, art. 6, set at the legal working week); {hours_fr(immersion)} in an immersion",
    )


M_PUPIL_CAP = Msg(
    "un élève majeur ne peut dépasser {limit} par semaine : c'est le plafond de la convention type (art. 6), fixé à la durée légale du travail",
    "an adult pupil may not work more than {limit} a week: this is the model agreement's cap (art. 6), set at the legal working week",
)
M_WORKER_CAP = Msg("le travailleur ne peut dépasser {limit} par semaine", "the worker may not work more than {limit} a week")


@rule(
    id="ADULT_WEEKLY_MAX",
    severity=Severity.ERROR,
    kinds=ALL_KINDS,
    group=GROUP,
    applies_to=ADULT,
    limit=weekly_max_limit(limits.PFMP_ADULT_WEEKLY_MAX, limits.IMMERSION_WEEKLY_MAX),
    article=limits.ADULT_WEEKLY_SOURCES,
    message=Msg(
        "Semaine du {first} : {worked} de travail prévues ; {cap} ({ref}).",
        "Week of {first}: {worked} of work planned; {cap} ({ref}).",
    ),
    unit="week",
)
def adult_weekly_max(ctx: Facts) -> Iterator[Hit]:
    if ctx.kind == "pfmp":
        limit, article, cap = limits.PFMP_ADULT_WEEKLY_MAX, limits.ART_6_L3121_27, M_PUPIL_CAP
    else:
        limit, article, cap = limits.IMMERSION_WEEKLY_MAX, limits.L3121_20, M_WORKER_CAP
    for week, first, minutes in worked_weeks(ctx):
        if ctx.is_adult(first.date) and minutes > limit:
            params = {
                "first": weekday_date(week[0].date),
                "worked": hours_text(minutes),
                "cap": cap.fill(limit=hours_text(limit)),
            }
            yield Hit(week_cause(ctx, week), params, first.date, article=article)


def break_limit(due_at: int, min_break: int) -> Msg:
    return Msg(
        f"dès que le travail continu atteint {hours_fr(due_at)}, une pause d'au moins {min_break} minutes consécutives (un écart plus court n'est pas une pause) : {hours_fr(due_at - 1)} d'affilée passent, {hours_fr(due_at)} exigent la pause",
        f"as soon as continuous work reaches {hours_fr(due_at)}, a break of at least {min_break} consecutive minutes (a shorter gap is no break): {hours_fr(due_at - 1)} in a row pass, {hours_fr(due_at)} need the break",
    )


@rule(
    id="ADULT_BREAK",
    severity=Severity.ERROR,
    kinds=ALL_KINDS,
    group=GROUP,
    applies_to=ADULT,
    limit=break_limit(limits.ADULT_MAX_CONTINUOUS, limits.ADULT_MIN_BREAK),
    article=limits.L3121_16,
    message=Msg(
        "{day} : {worked} de travail continu ({run}) ; dès {maximum} de travail continu, une pause d'au moins {min_break} minutes consécutives est due ({ref}).",
        "{day}: {worked} of continuous work ({run}); once continuous work reaches {maximum}, a break of at least {min_break} consecutive minutes is due ({ref}).",
    ),
)
def adult_break(ctx: Facts) -> Iterator[Hit]:
    # L3121-16: the break is due "dès que le temps de travail quotidien atteint six heures".
    return break_hits(
        ctx, lambda date: (limits.ADULT_MAX_CONTINUOUS, limits.ADULT_MIN_BREAK) if ctx.is_adult(date) else None, due_at_maximum=True
    )


def daily_rest_limit(rest: int) -> Msg:
    return Msg(
        f"au moins {hours_fr(rest)} de repos consécutives entre deux journées de travail",
        f"at least {hours_fr(rest)} of consecutive rest between two working days",
    )


@rule(
    id="ADULT_DAILY_REST",
    severity=Severity.ERROR,
    kinds=ALL_KINDS,
    group=GROUP,
    applies_to=ADULT,
    limit=daily_rest_limit(limits.ADULT_DAILY_REST),
    article=limits.L3131_1,
    message=Msg(
        "{day} : {rest} de repos seulement entre la fin du travail le {before} à {end} et la reprise le {after} à {start} ; le repos quotidien est d'au moins {limit} consécutives ({ref}).",
        "{day}: only {rest} of rest between the end of work on {before} at {end} and the restart on {after} at {start}; daily rest is at least {limit} in a row ({ref}).",
    ),
)
def adult_daily_rest(ctx: Facts) -> Iterator[Hit]:
    return rest_hits(ctx, _adult_limit(ctx, limits.ADULT_DAILY_REST))


@rule(
    id="ADULT_WEEKLY_REST",
    severity=Severity.ERROR,
    kinds=ALL_KINDS,
    group=GROUP,
    applies_to=Msg(
        "semaine d'un adulte : toute semaine civile qui n'est pas celle d'un mineur (majeur à toutes ses dates de la période), immersion avec horaires",
        "an adult's week: every calendar week that is not a minor's (18 or more on all its dates of the period), immersion with a schedule",
    ),
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
def adult_weekly_rest(ctx: Facts) -> Iterator[Hit]:
    # Every week is a minor's (MINOR_WEEKLY_REST) or an adult's (this rule): none escapes both.
    for week, _, _ in worked_weeks(ctx):
        if len(week) == 7 and all(day.worked for day in week) and not minor_week(ctx, week):
            yield Hit(week_cause(ctx, week), {"first": weekday_date(week[0].date)}, week[0].date)


def night_limit(night: tuple[int, int]) -> Msg:
    start, end = (clock_text(minutes) for minutes in night)
    return Msg(
        f"un créneau entre {start.fr} et {end.fr} exige safety.night_work: true (élève désigné par le chef d'établissement)",
        f"a slot between {start.en} and {end.en} needs safety.night_work: true (pupil designated by the head of school)",
    )


@rule(
    id="ADULT_NIGHT_WORK",
    severity=Severity.ERROR,
    kinds=PFMP,
    group="pfmp",
    applies_to=ADULT_PUPIL,
    limit=night_limit(limits.ADULT_NIGHT),
    article=limits.ART_7_L3122_20,
    message=Msg(
        "{day} : le créneau {slot} empiète sur la nuit ({night}) ; un élève majeur n'y travaille que s'il est désigné par le chef d'établissement : indiquez safety.night_work: true ({ref}).",
        "{day}: the slot {slot} runs into the night ({night}); an adult pupil works then only when designated by the head of school: set safety.night_work: true ({ref}).",
    ),
)
def adult_night_work(ctx: Facts) -> Iterator[Hit]:
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


M_MAY_DAY = Msg(
    "{day} ({holiday}) : travail prévu le 1er mai, jour férié obligatoirement chômé, sauf dans les établissements et services qui, en raison de la nature de leur activité, ne peuvent interrompre le travail : vérifiez que l'organisme d'accueil en est un ({ref}).{hint}",
    "{day} ({holiday}): work planned on 1 May, a public holiday that must be a day off, save in establishments and services that cannot stop work owing to the nature of their activity: check that the host is one ({ref}).{hint}",
)


@rule(
    id="ADULT_PUBLIC_HOLIDAY",
    severity=Severity.WARNING,
    kinds=ALL_KINDS,
    group=GROUP,
    applies_to=ADULT,
    limit=Msg(
        "travail prévu un jour férié légal du lieu de l'accueil : à confirmer (le 1er mai est obligatoirement chômé, sauf là où le travail ne peut être interrompu)",
        "work planned on a legal public holiday of the host's place: to be confirmed (1 May must be off, save where work cannot stop)",
    ),
    article=limits.ADULT_HOLIDAY_SOURCES,
    message=Msg(
        "{day} ({holiday}) : travail prévu un jour férié ; vérifiez que l'organisme d'accueil travaille ce jour-là ({ref}).{hint}",
        "{day} ({holiday}): work planned on a public holiday; check that the host works that day ({ref}).{hint}",
    ),
)
def adult_public_holiday(ctx: Facts) -> Iterator[Hit]:
    for day in ctx.days or []:
        if day.worked and day.date in ctx.holidays and ctx.is_adult(day.date):
            params = {"holiday": ctx.holidays[day.date], "hint": holiday_hint(day)}
            if (day.date.month, day.date.day) == (5, 1):
                yield Hit(day.source, params, day.date, message=M_MAY_DAY, article=limits.L3133_4_6)
            else:
                yield Hit(day.source, params, day.date, article=limits.L3133_1)


@rule(
    id="ADULT_SUNDAY_WORK",
    severity=Severity.WARNING,
    kinds=PFMP,
    group="pfmp",
    applies_to=ADULT_PUPIL,
    limit=Msg(
        "un dimanche travaillé : l'organisme d'accueil doit bénéficier d'une dérogation au repos dominical, à vérifier",
        "a worked Sunday: the host needs a derogation from Sunday rest, to be checked",
    ),
    article=limits.L3132_3,
    message=Msg(
        "{day} : travail prévu un dimanche ; le repos hebdomadaire est donné le dimanche : vérifiez que l'organisme d'accueil bénéficie d'une dérogation au repos dominical ({ref}).",
        "{day}: work planned on a Sunday; weekly rest is given on Sunday: check that the host has a derogation from Sunday rest ({ref}).",
    ),
)
def adult_sunday_work(ctx: Facts) -> Iterator[Hit]:
    for day in ctx.days or []:
        if day.worked and day.date.weekday() == 6 and ctx.is_adult(day.date):
            yield Hit(day.source, {}, day.date)


@rule(
    id="LOCAL_CUSTOM_HOLIDAY",
    severity=Severity.WARNING,
    kinds=ALL_KINDS,
    group=GROUP,
    applies_to=Msg("toute convention, à tout âge", "any agreement, at any age"),
    limit=customary_limit(HOLIDAYS),
    message=Msg(
        "{day} ({holiday}) : travail prévu un jour chômé par la coutume locale ; ce n'est pas un jour férié légal, mais beaucoup d'organismes ne travaillent pas ce jour-là : vérifiez-le avec l'organisme d'accueil.{hint}",
        "{day} ({holiday}): work planned on a day kept off by local custom; it is not a legal public holiday, but many hosts do not work that day: check with the host.{hint}",
    ),
)
def local_custom_holiday(ctx: Facts) -> Iterator[Hit]:
    customary = named_days(ctx, customary_days)
    if not customary:
        return
    if ctx.days is None:
        # An immersion without a schedule is planned Monday to Friday, public holidays
        # excepted (IMMERSION_MAX_DAYS): a customary day among them is a day of work.
        for date, name in customary.items():
            if date.weekday() < 5 and date not in ctx.holidays:
                yield Hit(("period",), {"holiday": name, "hint": Msg("", "")}, date)
        return
    # A day a minor is kept off as a public holiday (Saint-Martin's 28 May) is already an
    # error of MINOR_PUBLIC_HOLIDAY; a customary day on a legal holiday is already reported too.
    for_minors = minor_holidays(ctx) if ctx.birth_date is not None else {}
    for day in ctx.days:
        if not day.worked or day.date not in customary or day.date in ctx.holidays:
            continue
        if day.date in for_minors and not ctx.is_adult(day.date):
            continue
        yield Hit(day.source, {"holiday": customary[day.date], "hint": holiday_hint(day)}, day.date)
