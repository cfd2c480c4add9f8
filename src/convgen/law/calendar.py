"""Dates as the rules read them: the dated schedule, calendar weeks, ages and public holidays."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

from convgen.i18n import Lang
from convgen.law.limits import SCHOOL_YEAR_START_MONTH
from convgen.schema.fields import Slot
from convgen.schema.models import WEEKDAYS, Period, Schedule
from convgen.source.reader import FieldPath


@dataclass(frozen=True, slots=True)
class Day:
    """One date of the period, and the schedule entry (weekday or exception) it comes from."""

    date: dt.date
    slots: tuple[Slot, ...]
    source: FieldPath
    # Derived from slots, computed once: every hour rule reads them for every date.
    minutes: int = field(init=False)
    worked: bool = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "minutes", sum(slot.minutes for slot in self.slots))
        object.__setattr__(self, "worked", bool(self.slots))

    @property
    def is_exception(self) -> bool:
        return self.source[:2] == ("schedule", "exceptions")

    @property
    def start(self) -> int:
        return self.slots[0].start

    @property
    def end(self) -> int:
        return self.slots[-1].end


def weekday_path(weekday: int) -> FieldPath:
    return ("schedule", "weekly", WEEKDAYS[weekday])


def exception_path(date: dt.date) -> FieldPath:
    return ("schedule", "exceptions", date.isoformat())


def dated_schedule(period: Period, schedule: Schedule) -> list[Day]:
    """The weekly pattern laid over the period, replaced by exceptions on their dates."""
    days = []
    for date in period.dates():
        if date in schedule.exceptions:
            slots, source = schedule.exceptions[date], exception_path(date)
        else:
            slots, source = schedule.weekly.slots(date.weekday()), weekday_path(date.weekday())
        days.append(Day(date, tuple(slots), source))
    return days


def weeks(days: Iterable[Day]) -> list[list[Day]]:
    """The days grouped by calendar week (Monday to Sunday), in order; a week cut by the period keeps only its dates."""
    grouped: dict[tuple[int, int], list[Day]] = {}
    for day in days:
        year, week, _ = day.date.isocalendar()
        grouped.setdefault((year, week), []).append(day)
    return list(grouped.values())


@dataclass(frozen=True, slots=True)
class Run:
    """Continuous work: slots whose gaps are all shorter than the break the law requires."""

    start: int
    end: int
    worked: int


def continuous_runs(slots: Iterable[Slot], min_break: int) -> list[Run]:
    """A day's continuous runs; a gap shorter than `min_break` is a pause, not a break.

    The pause itself is not work: a run's length is the time worked in it.
    """
    runs: list[Run] = []
    for slot in slots:
        if runs and slot.start - runs[-1].end < min_break:
            last = runs[-1]
            runs[-1] = Run(last.start, slot.end, last.worked + slot.minutes)
        else:
            runs.append(Run(slot.start, slot.end, slot.minutes))
    return runs


def rests(days: Iterable[Day]) -> list[tuple[Day, Day, int]]:
    """Each pair of successive worked days with the minutes of rest between them.

    Dates without slots, inside or outside the period, are rest.
    """
    pairs = []
    previous: Day | None = None
    for day in days:
        if not day.worked:
            continue
        if previous is not None:
            gap = (day.date - previous.date).days * 24 * 60 + day.start - previous.end
            pairs.append((previous, day, gap))
        previous = day
    return pairs


def age_on(birth: dt.date, date: dt.date) -> int:
    """Age in whole years on that date; a birthday counts from that day on (29 February: from 1 March)."""
    return date.year - birth.year - ((date.month, date.day) < (birth.month, birth.day))


def shift_years(date: dt.date, years: int) -> dt.date:
    """The same day `years` later (or earlier, when negative); 29 February is 1 March in other years.

    The convention of birthdays: a term counted from or back to 29 February never comes
    out a day longer than the years it counts.
    """
    try:
        return date.replace(year=date.year + years)
    except ValueError:
        return dt.date(date.year + years, 3, 1)


def birthday(birth: dt.date, age: int) -> dt.date:
    """The date a person born on `birth` reaches `age` (29 February: 1 March in other years)."""
    return shift_years(birth, age)


# Postal codes whose public holidays differ from the national ones, and the subdivision
# (ISO 3166-2 style, as the `holidays` package names them) whose days apply there.
# Saint-Barthélemy (97133) and Saint-Martin (97150) share Guadeloupe's 971 prefix but have their own days.
_SUBDIVISIONS = (
    ("97133", "BL"),
    ("97150", "MF"),
    ("57", "57"),
    ("67", "6AE"),
    ("68", "6AE"),
    ("971", "971"),
    ("972", "972"),
    ("973", "973"),
    ("974", "974"),
    ("975", "PM"),
    ("976", "976"),
    ("986", "WF"),
    ("987", "PF"),
    ("988", "NC"),
)


# The places of the subdivisions, as the catalogue names them.
SUBDIVISION_NAMES = {
    "57": "Moselle",
    "6AE": "Bas-Rhin, Haut-Rhin",
    "971": "Guadeloupe",
    "972": "Martinique",
    "973": "Guyane",
    "974": "La Réunion",
    "975": "Saint-Pierre-et-Miquelon",
    "976": "Mayotte",
    "BL": "Saint-Barthélemy",
    "MF": "Saint-Martin",
    "PM": "Saint-Pierre-et-Miquelon",
    "WF": "Wallis-et-Futuna",
    "PF": "Polynésie française",
    "NC": "Nouvelle-Calédonie",
}


def holiday_subdivision(postal_code: str) -> str | None:
    """The subdivision of a French postal code; None where only the national days apply."""
    for prefix, subdivision in _SUBDIVISIONS:
        if postal_code.startswith(prefix):
            return subdivision
    return None


LEGAL = "legal"
CUSTOM = "custom"


@dataclass(frozen=True, slots=True)
class Holiday:
    """A day off: where it applies (None: everywhere), its date rule, the years it exists,
    and whether the law makes it a public holiday or only local custom keeps it."""

    where: frozenset[str] | None
    fr: str
    en: str
    month_day: tuple[int, int] | None = None
    after_easter: int | None = None  # days after Easter Sunday, when it moves with Easter
    since: int | None = None
    until: int | None = None
    status: str = LEGAL
    # A customary day minors are kept off as a public holiday all the same (rules.md).
    off_for_minors: bool = False


def _fixed(where: str | None, fr: str, en: str, month: int, day: int, **more: object) -> Holiday:
    return Holiday(frozenset(where.split()) if where else None, fr, en, month_day=(month, day), **more)  # type: ignore[arg-type]


def _easter(where: str | None, fr: str, en: str, days: int, **more: object) -> Holiday:
    return Holiday(frozenset(where.split()) if where else None, fr, en, after_easter=days, **more)  # type: ignore[arg-type]


# Saint-Martin was a commune of Guadeloupe until 2007: it keeps Guadeloupe's days, and its
# own 28 May since 2012.
ANTILLES = "971 972 MF"

HOLIDAYS = (
    # Code du travail, L3133-1: the eleven national public holidays.
    _fixed(None, "Jour de l'an", "New Year's Day", 1, 1),
    _easter(None, "Lundi de Pâques", "Easter Monday", 1),
    _fixed(None, "Fête du Travail", "Labor Day", 5, 1),
    _fixed(None, "Fête de la Victoire", "Victory Day", 5, 8),
    _easter(None, "Ascension", "Ascension Day", 39),
    # Worked as the "journée de solidarité" from 2005 to 2007 (loi n° 2004-626), a holiday again since 2008.
    _easter(None, "Lundi de Pentecôte", "Pentecost Monday", 50, until=2004),
    _easter(None, "Lundi de Pentecôte", "Pentecost Monday", 50, since=2008),
    _fixed(None, "Fête nationale", "National Day", 7, 14),
    _fixed(None, "Assomption", "Assumption Day", 8, 15),
    _fixed(None, "Toussaint", "All Saints' Day", 11, 1),
    _fixed(None, "Armistice", "Armistice Day", 11, 11),
    _fixed(None, "Noël", "Christmas Day", 12, 25),
    # Alsace-Moselle (Code du travail, L3134-13). French Polynesia, outside the Code du
    # travail, keeps Good Friday by its own law.
    _easter("57 6AE PF", "Vendredi saint", "Good Friday", -2),
    _fixed("57 6AE", "Saint-Étienne", "Saint Stephen's Day", 12, 26),
    # The abolition of slavery (Code du travail, L3422-2; dates: décret n° 83-1003 du 23 novembre 1983).
    _fixed("976", "Abolition de l'esclavage", "Abolition of Slavery", 4, 27),
    _fixed("972", "Abolition de l'esclavage", "Abolition of Slavery", 5, 22),
    _fixed("971 MF", "Abolition de l'esclavage", "Abolition of Slavery", 5, 27),
    _fixed("973", "Abolition de l'esclavage", "Abolition of Slavery", 6, 10),
    _fixed("BL", "Abolition de l'esclavage", "Abolition of Slavery", 10, 9, since=2012),
    _fixed("974", "Abolition de l'esclavage", "Abolition of Slavery", 12, 20),
    # Kept off by local custom only in the Antilles: no law makes them public holidays.
    _easter(ANTILLES, "Vendredi saint", "Good Friday", -2, status=CUSTOM),
    _easter(ANTILLES, "Mi-Carême", "Mi-Careme", -24, status=CUSTOM),
    _fixed(ANTILLES, "Fête de Victor Schoelcher", "Victor Schoelcher Day", 7, 21, status=CUSTOM),
    # Saint-Martin's local practice marks the abolition on 28 May, the day after the legal
    # one; rules.md keeps minors off on both.
    _fixed("MF", "Abolition de l'esclavage", "Abolition of Slavery", 5, 28, since=2012, status=CUSTOM, off_for_minors=True),
    # The territories outside the Code du travail (HOST_OUTSIDE_SCOPE), by their own law.
    _fixed("PF", "Arrivée de l'Évangile", "Missionary Day", 3, 5),
    _fixed("PF", "Fête de l'autonomie", "Internal Autonomy Day", 6, 29, until=2024),
    _fixed("PF", "Matāri'i", "Matāri'i", 11, 20, since=2025),
    _fixed("NC", "Fête de la prise de possession", "Annexation Day", 9, 24, until=2003),
    _fixed("NC", "Fête de la Citoyenneté", "Citizenship Day", 9, 24, since=2004),
    _fixed("WF", "Saint Pierre Chanel", "Feast of Saint Peter Chanel", 4, 28),
    _fixed("WF", "Saints Pierre et Paul", "Saints Peter and Paul Day", 6, 29),
    _fixed("WF", "Fête du Territoire", "Territory Day", 7, 29),
)
"""Public holidays and customary days off, with where and since when each applies
(held against the `holidays` package in tests)."""


def easter(year: int) -> dt.date:
    """Easter Sunday in the Gregorian calendar (the anonymous algorithm, Meeus/Jones/Butcher)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    g = (8 * b + 13) // 25
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    el = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * el) // 451
    month, day = divmod(h + el - 7 * m + 114, 31)
    return dt.date(year, month, day + 1)


# Which days a reading of the calendar takes.
PUBLIC = "public"  # the legal public holidays
FOR_MINORS = "minors"  # the legal ones, and the customary days minors are kept off all the same
CUSTOMARY = "customary"  # the days kept off by local custom only
EVERY = "every"  # both legal and customary: what the `holidays` package lists

_TAKES = {
    PUBLIC: lambda item: item.status == LEGAL,
    FOR_MINORS: lambda item: item.status == LEGAL or item.off_for_minors,
    CUSTOMARY: lambda item: item.status == CUSTOM,
    EVERY: lambda item: True,
}


@lru_cache(maxsize=512)
def days_of_year(year: int, subdivision: str | None, lang: Lang, which: str = PUBLIC) -> dict[dt.date, str]:
    """The days of a year of one reading (PUBLIC, FOR_MINORS, CUSTOMARY, EVERY), with their names."""
    takes = _TAKES[which]
    names: dict[dt.date, list[str]] = {}
    sunday = easter(year)
    for holiday in HOLIDAYS:
        if not takes(holiday):
            continue
        if holiday.where is not None and subdivision not in holiday.where:
            continue
        if (holiday.since is not None and year < holiday.since) or (holiday.until is not None and year > holiday.until):
            continue
        if holiday.month_day is not None:
            date = dt.date(year, *holiday.month_day)
        else:
            date = sunday + dt.timedelta(days=holiday.after_easter or 0)
        name = holiday.en if lang == "en" else holiday.fr
        if name not in names.setdefault(date, []):
            names[date].append(name)
    # Two holidays on one date (Ascension on 8 May) are named together.
    return {date: "; ".join(sorted(both)) for date, both in sorted(names.items())}


def _between(postal_code: str, start: dt.date, end: dt.date, lang: Lang, which: str) -> dict[dt.date, str]:
    subdivision = holiday_subdivision(postal_code)
    found: dict[dt.date, str] = {}
    for year in range(start.year, end.year + 1):
        for date, name in days_of_year(year, subdivision, lang, which).items():
            if start <= date <= end:
                found[date] = name
    return found


def public_holidays(postal_code: str, start: dt.date, end: dt.date, lang: Lang = "fr", *, minors: bool = False) -> dict[dt.date, str]:
    """Legal public holidays between two dates (inclusive) where the host is, with their names.

    With `minors`, also the customary days a minor is kept off all the same (Saint-Martin's 28 May).
    """
    return _between(postal_code, start, end, lang, FOR_MINORS if minors else PUBLIC)


def customary_days(postal_code: str, start: dt.date, end: dt.date, lang: Lang = "fr") -> dict[dt.date, str]:
    """Days kept off by local custom only (not public holidays in law) between two dates, with their names."""
    return _between(postal_code, start, end, lang, CUSTOMARY)


def school_year(date: dt.date) -> int:
    """The school year a date belongs to, named by the year it starts in (1 September to 31 August)."""
    return date.year if date.month >= SCHOOL_YEAR_START_MONTH else date.year - 1


def school_year_text(year: int) -> str:
    """A school year as the school writes it: 2025 is « 2025-2026 »."""
    return f"{year}-{year + 1}"
