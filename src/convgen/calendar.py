"""Dates as the rules read them: the dated schedule, calendar weeks, ages and public holidays."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

from convgen.i18n import Lang
from convgen.loading import FieldPath
from convgen.models import WEEKDAYS, Period, Schedule
from convgen.values import Slot


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


def birthday(birth: dt.date, age: int) -> dt.date:
    """The date a person born on `birth` reaches `age` (29 February: 1 March in other years)."""
    try:
        return birth.replace(year=birth.year + age)
    except ValueError:
        return dt.date(birth.year + age, 3, 1)


# Postal codes whose public holidays differ from the national ones, as the `holidays` package names them.
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


def holiday_subdivision(postal_code: str) -> str | None:
    """The `holidays` subdivision of a French postal code; None where only the national days apply."""
    for prefix, subdivision in _SUBDIVISIONS:
        if postal_code.startswith(prefix):
            return subdivision
    return None


@lru_cache(maxsize=256)
def _holidays_of_year(year: int, subdivision: str | None, lang: Lang) -> dict[dt.date, str]:
    # Imported here: the package costs ~40 ms and only the legal rules need it.
    from holidays.countries.france import France

    language = "en_US" if lang == "en" else "fr"
    return dict(France(years=year, subdiv=subdivision, language=language))


def public_holidays(postal_code: str, start: dt.date, end: dt.date, lang: Lang = "fr") -> dict[dt.date, str]:
    """Public holidays between two dates (inclusive) where the host is, with their names."""
    subdivision = holiday_subdivision(postal_code)
    found: dict[dt.date, str] = {}
    for year in range(start.year, end.year + 1):
        for date, name in _holidays_of_year(year, subdivision, lang).items():
            if start <= date <= end:
                found[date] = name
    return dict(sorted(found.items()))
