"""Invariants of the legal rules on random schedules, checked against a plain reading of rules.md."""

from __future__ import annotations

import datetime as dt
import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import build_case, check_text
from convgen.calendar import age_on, public_holidays
from convgen.limits import band
from convgen.models import WEEKDAYS

SETTINGS = settings(max_examples=int(os.environ.get("FUZZ_EXAMPLES", "150")), deadline=3000, suppress_health_check=[HealthCheck.too_slow])

PERIOD_START = dt.date(2026, 3, 30)  # two weeks holding Good Friday and Easter Monday
PERIOD_END = dt.date(2026, 4, 12)
POSTAL_CODES = ("69007", "67000", "57000", "97400")


@st.composite
def day_slots(draw) -> list[str]:
    """0 to 3 well-formed slots in a day, to the minute, so that limits are hit exactly and beyond."""
    count = draw(st.integers(0, 3))
    points = sorted(draw(st.sets(st.integers(4 * 60, 23 * 60), min_size=2 * count, max_size=2 * count)))
    return [f"{a // 60:02d}:{a % 60:02d}-{b // 60:02d}:{b % 60:02d}" for a, b in zip(points[::2], points[1::2])]


@st.composite
def agreements(draw) -> tuple[str, dict]:
    weekly = {name: draw(day_slots()) for name in WEEKDAYS}
    exceptions = {}
    for date in draw(st.sets(st.dates(PERIOD_START, PERIOD_END), max_size=3)):
        exceptions[date.isoformat()] = draw(day_slots())
    birth = draw(st.dates(dt.date(2006, 6, 1), dt.date(2012, 6, 1)))
    patch = {
        "period": {"start": PERIOD_START.isoformat(), "end": PERIOD_END.isoformat()},
        "pupil": {"birth_date": birth.isoformat()},
        "host": {"address": {"postal_code": draw(st.sampled_from(POSTAL_CODES))}},
        "schedule": {"weekly": weekly, "exceptions": exceptions},
        "finance": {"gratification": {"hourly_amount": "4.50"}},
    }
    text = build_case("pfmp", patch, remove=["schedule.exceptions.2026-01-23"])
    return text, {"weekly": weekly, "exceptions": exceptions, "birth": birth, "postal_code": patch["host"]["address"]["postal_code"]}


def minutes(slot: str) -> tuple[int, int]:
    start, end = slot.split("-")
    return int(start[:2]) * 60 + int(start[3:]), int(end[:2]) * 60 + int(end[3:])


def dated(spec: dict) -> dict[dt.date, list[tuple[int, int]]]:
    days = {}
    date = PERIOD_START
    while date <= PERIOD_END:
        slots = spec["exceptions"].get(date.isoformat(), spec["weekly"][WEEKDAYS[date.weekday()]])
        days[date] = [minutes(slot) for slot in slots]
        date += dt.timedelta(days=1)
    return days


@SETTINGS
@given(agreements())
def test_an_accepted_minor_schedule_keeps_every_limit(case) -> None:
    text, spec = case
    result = check_text(text)
    assert not [f for f in result.findings if f.rule == "INTERNAL_ERROR" or "erreur interne" in f.message]
    if result.errors:
        return
    holidays = public_holidays(spec["postal_code"], PERIOD_START, PERIOD_END)
    weekly_minutes: dict[tuple[int, int], int] = {}
    for date, slots in dated(spec).items():
        limits = band(age_on(spec["birth"], date))
        worked = sum(end - start for start, end in slots)
        if limits is None:
            assert worked <= 10 * 60
            continue
        assert worked <= limits.daily_max, date
        assert all(limits.window[0] <= start and end <= limits.window[1] for start, end in slots), date
        if date.weekday() == 6:
            assert not slots, date
        if date in holidays:
            assert not slots, date
        year, week, _ = date.isocalendar()
        weekly_minutes[(year, week)] = weekly_minutes.get((year, week), 0) + worked
    if age_on(spec["birth"], PERIOD_END) < 18:
        assert all(total <= 35 * 60 for total in weekly_minutes.values())


@SETTINGS
@given(agreements())
def test_a_daily_finding_exactly_when_a_day_is_over_its_limit(case) -> None:
    """MINOR_DAILY_MAX and ADULT_DAILY_MAX fire if and only if some worked date is over its age's maximum."""
    text, spec = case
    result = check_text(text)
    consistency = {"SLOT_INVALID", "NO_WORKING_DAY", "EXCEPTION_OUTSIDE_PERIOD", "PERIOD_ORDER"}
    if any(f.rule in consistency for f in result.findings):
        return
    over_minor = over_adult = False
    for date, slots in dated(spec).items():
        worked = sum(end - start for start, end in slots)
        limits = band(age_on(spec["birth"], date))
        if limits is not None and worked > limits.daily_max:
            over_minor = True
        if limits is None and worked > 10 * 60:
            over_adult = True
    fired = {f.rule for f in result.findings}
    assert ("MINOR_DAILY_MAX" in fired) == over_minor
    assert ("ADULT_DAILY_MAX" in fired) == over_adult


@SETTINGS
@given(agreements())
def test_findings_point_at_a_schedule_line_on_a_date_of_the_period(case) -> None:
    text, _ = case
    result = check_text(text)
    for finding in result.findings:
        if finding.date is not None:
            assert PERIOD_START <= finding.date <= PERIOD_END
        if finding.field and finding.field.startswith("schedule"):
            assert finding.line is not None and finding.line >= 1
