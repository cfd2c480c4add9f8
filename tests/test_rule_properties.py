"""Invariants of the legal rules on random schedules, checked against a plain reading of rules.md."""

from __future__ import annotations

import datetime as dt
import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import build_case, check_text
from convgen.law.calendar import age_on, public_holidays
from convgen.law.limits import band
from convgen.schema.models import WEEKDAYS

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


# Births whose 18th birthday falls in or just around the period: weeks that turn from a minor's to an adult's.
TURNING_18 = (dt.date(2008, 3, 23), dt.date(2008, 4, 19))


@st.composite
def agreements(draw, births: tuple[dt.date, dt.date] = (dt.date(2006, 6, 1), dt.date(2012, 6, 1))) -> tuple[str, dict]:
    weekly = {name: draw(day_slots()) for name in WEEKDAYS}
    exceptions = {}
    for date in draw(st.sets(st.dates(PERIOD_START, PERIOD_END), max_size=3)):
        exceptions[date.isoformat()] = draw(day_slots())
    birth = draw(st.dates(*births))
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
    holidays = public_holidays(spec["postal_code"], PERIOD_START, PERIOD_END, minors=True)
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


CONSISTENCY = {"SLOT_INVALID", "NO_WORKING_DAY", "EXCEPTION_OUTSIDE_PERIOD", "PERIOD_ORDER"}


def calendar_weeks(days: dict[dt.date, list[tuple[int, int]]]) -> dict[tuple[int, int], list[dt.date]]:
    grouped: dict[tuple[int, int], list[dt.date]] = {}
    for date in days:
        grouped.setdefault(date.isocalendar()[:2], []).append(date)
    return grouped


@SETTINGS
@given(agreements(births=TURNING_18))
def test_no_week_with_a_worked_date_escapes_both_weekly_rests(case) -> None:
    """A week with a minor's date is a minor's week; any other is an adult's (rules.md): a seven-day
    worked week always fails one of the two rules, a worked Sunday of a minor's week always fails MINOR_WEEKLY_REST."""
    text, spec = case
    result = check_text(text)
    if any(f.rule in CONSISTENCY for f in result.findings):
        return
    fired = {f.rule for f in result.findings}
    days = dated(spec)
    one_day = dt.timedelta(days=1)
    minor_rest_broken = False
    for dates in calendar_weeks(days).values():
        minor = any(age_on(spec["birth"], date) < 18 for date in dates)
        sunday = next((date for date in dates if date.weekday() == 6), None)
        if minor and sunday is not None:
            # Dates outside the period are rest days.
            around = days.get(sunday - one_day) and days.get(sunday + one_day)
            minor_rest_broken |= bool(days[sunday] or around)
        if len(dates) == 7 and all(days[date] for date in dates):
            assert ("MINOR_WEEKLY_REST" if minor else "ADULT_WEEKLY_REST") in fired, dates
    assert ("MINOR_WEEKLY_REST" in fired) == minor_rest_broken


def continuous(slots: list[tuple[int, int]], min_break: int) -> list[int]:
    """Minutes worked in each run of slots whose gaps are shorter than the break (a plain re-reading of rules.md)."""
    runs: list[int] = []
    previous_end = None
    for start, end in slots:
        if previous_end is not None and start - previous_end < min_break:
            runs[-1] += end - start
        else:
            runs.append(end - start)
        previous_end = end
    return runs


@SETTINGS
@given(agreements(births=TURNING_18))
def test_a_break_finding_exactly_when_a_run_is_too_long(case) -> None:
    """ADULT_BREAK fires iff an adult's run of continuous work reaches 6 h; MINOR_BREAK iff a minor's exceeds 4 h 30."""
    text, spec = case
    result = check_text(text)
    if any(f.rule in CONSISTENCY for f in result.findings):
        return
    adult_due = minor_due = False
    for date, slots in dated(spec).items():
        if age_on(spec["birth"], date) >= 18:
            adult_due |= any(run >= 6 * 60 for run in continuous(slots, 20))
        else:
            minor_due |= any(run > 4 * 60 + 30 for run in continuous(slots, 30))
    fired = {f.rule for f in result.findings}
    assert ("ADULT_BREAK" in fired) == adult_due
    assert ("MINOR_BREAK" in fired) == minor_due


@SETTINGS
@given(agreements(births=TURNING_18))
def test_an_adult_sunday_warns_exactly_when_a_sunday_is_worked_at_18(case) -> None:
    text, spec = case
    result = check_text(text)
    if any(f.rule in CONSISTENCY for f in result.findings):
        return
    worked = any(slots and date.weekday() == 6 and age_on(spec["birth"], date) >= 18 for date, slots in dated(spec).items())
    assert ("ADULT_SUNDAY_WORK" in {f.rule for f in result.findings}) == worked


def test_saint_martin_28_may_is_one_finding_for_a_minor_and_a_warning_for_an_adult() -> None:
    """A minor's 28 May in Saint-Martin is MINOR_PUBLIC_HOLIDAY alone (not also LOCAL_CUSTOM_HOLIDAY)."""
    patch = {
        "host": {"address": {"postal_code": "97150", "city": "Marigot"}},
        "period": {"start": "2026-05-26", "end": "2026-05-29"},
    }
    minor = check_text(build_case("pfmp", patch, remove=["schedule.exceptions.2026-01-23"]))
    by_rule = {f.rule: f for f in minor.findings}
    assert [f.date for f in minor.findings if f.rule == "MINOR_PUBLIC_HOLIDAY"] == [dt.date(2026, 5, 27), dt.date(2026, 5, 28)]
    assert "LOCAL_CUSTOM_HOLIDAY" not in by_rule
    adult = check_text(build_case("pfmp", {**patch, "pupil": {"birth_date": "2007-01-01"}}, remove=["schedule.exceptions.2026-01-23"]))
    assert [(f.rule, f.date) for f in adult.findings if f.date is not None] == [
        ("ADULT_PUBLIC_HOLIDAY", dt.date(2026, 5, 27)),
        ("LOCAL_CUSTOM_HOLIDAY", dt.date(2026, 5, 28)),
    ]
    assert adult.errors == 0
