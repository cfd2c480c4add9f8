"""The dated schedule: every date of the period with its working time slots."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from convgen.loading import FieldPath
from convgen.models import WEEKDAYS, Period, Schedule
from convgen.values import Slot


@dataclass(frozen=True, slots=True)
class Day:
    """One date of the period, and the schedule entry (weekday or exception) it comes from."""

    date: dt.date
    slots: tuple[Slot, ...]
    source: FieldPath

    @property
    def minutes(self) -> int:
        return sum(slot.minutes for slot in self.slots)

    @property
    def worked(self) -> bool:
        return bool(self.slots)


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
