"""What was actually done (input.md, « Presence, days done »): days and hours done, absences.

A date absent all day is not done; a date with one half absent is done, its hours being those
of the other half. Halves are the model agreement's: a slot starting before noon is the
morning's. A date whose every worked half is absent (both halves given, or the one half its
slots fill) is not done either: a day of no hours is not a day done.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from convgen.law.calendar import Day
from convgen.schema.fields import Slot
from convgen.schema.models import Attendance

NOON = 12 * 60
HALVES = ("matin", "apres-midi")
HALF_LABELS = {"matin": "matin", "apres-midi": "après-midi"}


def half_of(slot: Slot) -> str:
    return "matin" if slot.start < NOON else "apres-midi"


def half_slots(slots: Sequence[Slot], half: str) -> tuple[Slot, ...]:
    return tuple(slot for slot in slots if half_of(slot) == half)


def hours(minutes: int) -> int | float:
    """Minutes as a number of hours: 420 → 7, 450 → 7.5."""
    whole, rest = divmod(minutes, 60)
    return whole if not rest else minutes / 60


@dataclass(frozen=True, slots=True)
class Entry:
    """One absence as written, and what it takes from the schedule."""

    index: int  # its place in attendance.absences
    first: dt.date
    last: dt.date | None  # None: a single date
    half: str | None
    reason: str | None
    days: int  # worked dates it concerns
    minutes: int  # minutes of work it takes


@dataclass(frozen=True, slots=True)
class Misplaced:
    """An absence that lies on no worked date, or a half with no slot: ABSENCE_NOT_WORKED."""

    index: int
    key: str  # the absence's key pointed at: date, from or to
    date: dt.date
    why: str  # rest (a rest day), outside (not in the period), half (no slot in that half), empty (a range of rest days)


@dataclass(frozen=True, slots=True)
class Presence:
    days_planned: int
    minutes_planned: int
    days_done: int
    minutes_done: int
    absent_days: int  # dates absent all day
    absent_half_days: int  # dates with one half absent, still done
    entries: tuple[Entry, ...]
    misplaced: tuple[Misplaced, ...]
    last_worked: dt.date | None

    def to_json(self) -> dict[str, object]:
        """What the JSON report and `status` say of it: hours as numbers of hours (7.5)."""
        return {
            "days_planned": self.days_planned,
            "days_done": self.days_done,
            "hours_planned": hours(self.minutes_planned),
            "hours_done": hours(self.minutes_done),
            "absent_days": self.absent_days,
            "absent_half_days": self.absent_half_days,
        }


def presence(days: Sequence[Day], attendance: Attendance) -> Presence:
    """Days and hours done, given the dated schedule (every date of the period) and the absences."""
    by_date = {day.date: day for day in days}
    absent: dict[dt.date, set[str]] = {}  # date → halves absent ("matin", "apres-midi"; both: all day)
    entries: list[Entry] = []
    misplaced: list[Misplaced] = []
    for index, absence in enumerate(attendance.absences):
        if absence.date is not None:
            day = by_date.get(absence.date)
            if day is None or not day.worked:
                misplaced.append(Misplaced(index, "date", absence.date, "outside" if day is None else "rest"))
                continue
            if absence.half is None:
                absent[day.date] = set(HALVES)
                entries.append(Entry(index, day.date, None, None, absence.reason, 1, day.minutes))
                continue
            taken = half_slots(day.slots, absence.half)
            if not taken:
                misplaced.append(Misplaced(index, "date", day.date, "half"))
                continue
            absent.setdefault(day.date, set()).add(absence.half)
            entries.append(Entry(index, day.date, None, absence.half, absence.reason, 1, sum(slot.minutes for slot in taken)))
            continue
        first, last = absence.first, absence.last
        for key, bound in (("from", first), ("to", last)):
            if bound not in by_date:
                misplaced.append(Misplaced(index, key, bound, "outside"))
        worked = [day for day in days if first <= day.date <= last and day.worked]
        if not worked:
            if first in by_date and last in by_date:
                misplaced.append(Misplaced(index, "from", first, "empty"))
            continue
        for day in worked:
            absent[day.date] = set(HALVES)
        entries.append(Entry(index, first, last, None, absence.reason, len(worked), sum(day.minutes for day in worked)))
    days_done = minutes_done = absent_days = absent_half_days = 0
    planned = [day for day in days if day.worked]
    for day in planned:
        halves = absent.get(day.date, set())
        minutes = sum(slot.minutes for slot in day.slots if half_of(slot) not in halves)
        if minutes:
            days_done += 1
            minutes_done += minutes
            if halves:
                absent_half_days += 1
        elif halves:
            absent_days += 1
    return Presence(
        days_planned=len(planned),
        minutes_planned=sum(day.minutes for day in planned),
        days_done=days_done,
        minutes_done=minutes_done,
        absent_days=absent_days,
        absent_half_days=absent_half_days,
        entries=tuple(entries),
        misplaced=tuple(misplaced),
        last_worked=planned[-1].date if planned else None,
    )
