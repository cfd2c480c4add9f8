"""The facts of an agreement that the rules read and the documents print: its dated
schedule, the person's age on each day and the limits that follow, the public holidays.

Computed once per agreement; the rules and the template context share them.
"""

from __future__ import annotations

import datetime as dt
from functools import cached_property

from convgen.i18n import Msg
from convgen.law import limits
from convgen.law.attendance import Presence, presence
from convgen.law.calendar import Day, age_on, dated_schedule, public_holidays, weeks
from convgen.schema.models import Agreement


class Facts:
    """What checks read: the validated agreement and what is derived from it, computed once."""

    def __init__(self, agreement: Agreement) -> None:
        self.agreement = agreement
        self.kind = agreement.kind
        self._bands: dict[dt.date, limits.MinorBand | None] = {}

    @cached_property
    def days(self) -> list[Day] | None:
        """The dated schedule, or None for an immersion given without one."""
        schedule = self.agreement.schedule
        if schedule is None:
            return None
        return dated_schedule(self.agreement.period, schedule)

    @cached_property
    def weeks(self) -> list[list[Day]]:
        return weeks(self.days or [])

    @cached_property
    def birth_date(self) -> dt.date | None:
        """The pupil's birth date; None for an immersion, whose worker is an adult."""
        pupil = getattr(self.agreement, "pupil", None)
        return pupil.birth_date if pupil is not None else None

    def age(self, date: dt.date) -> int | None:
        return age_on(self.birth_date, date) if self.birth_date is not None else None

    def band(self, date: dt.date) -> limits.MinorBand | None:
        """The minor's limits that apply on that date, or None when the person is an adult."""
        try:
            return self._bands[date]
        except KeyError:
            age = self.age(date)
            found = self._bands[date] = limits.band(age) if age is not None else None
            return found

    def is_adult(self, date: dt.date) -> bool:
        return self.band(date) is None

    @cached_property
    def holidays(self) -> dict[dt.date, Msg]:
        """Public holidays of the period where the host is, named in both languages."""
        period = self.agreement.period
        if period.end < period.start:
            return {}
        postal_code = self.agreement.host.address.postal_code
        french = public_holidays(postal_code, period.start, period.end, "fr")
        english = public_holidays(postal_code, period.start, period.end, "en")
        return {date: Msg(name, english.get(date, name)) for date, name in french.items()}

    @cached_property
    def presence(self) -> Presence | None:
        """Days and hours done, for a PFMP whose `attendance` is given (law/attendance.py)."""
        attendance = getattr(self.agreement, "attendance", None)
        if attendance is None or not self.days:
            return None
        return presence(self.days, attendance)
