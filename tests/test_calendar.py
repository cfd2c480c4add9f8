"""Ages, weeks, public holidays and the dated tables the rules read."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest

from conftest import ROOT
from convgen.law import limits
from convgen.law.calendar import (
    Day,
    age_on,
    birthday,
    continuous_runs,
    customary_days,
    holiday_subdivision,
    public_holidays,
    rests,
    shift_years,
    weeks,
)
from convgen.law.rules import REGISTRY, catalogue
from convgen.schema.fields import Slot

D = dt.date


@pytest.mark.parametrize(
    ("birth", "date", "age"),
    [
        (D(2010, 1, 14), D(2026, 1, 13), 15),
        (D(2010, 1, 14), D(2026, 1, 14), 16),  # a birthday counts from that day on
        (D(2008, 2, 29), D(2026, 2, 28), 17),
        (D(2008, 2, 29), D(2026, 3, 1), 18),  # born on 29 February: 1 March in other years
        (D(2008, 2, 29), D(2024, 2, 29), 16),
    ],
)
def test_age_on_a_date(birth: dt.date, date: dt.date, age: int) -> None:
    assert age_on(birth, date) == age


def test_birthday_of_a_leap_day() -> None:
    assert birthday(D(2008, 2, 29), 18) == D(2026, 3, 1)
    assert birthday(D(2008, 5, 14), 18) == D(2026, 5, 14)


@pytest.mark.parametrize(
    ("date", "years", "expected"),
    [
        (D(2026, 1, 12), -1, D(2025, 1, 12)),
        (D(2026, 1, 12), -3, D(2023, 1, 12)),
        (D(2028, 2, 29), -1, D(2027, 3, 1)),  # no 29 February in 2027: never more than a year back
        (D(2028, 2, 29), -4, D(2024, 2, 29)),
        (D(2024, 2, 29), 1, D(2025, 3, 1)),
        (D(2025, 2, 28), -1, D(2024, 2, 28)),
    ],
)
def test_shift_years(date: dt.date, years: int, expected: dt.date) -> None:
    assert shift_years(date, years) == expected


@pytest.mark.parametrize(
    ("postal_code", "subdivision"),
    [
        ("69007", None),
        ("57000", "57"),
        ("67000", "6AE"),
        ("68100", "6AE"),
        ("97110", "971"),
        ("97200", "972"),
        ("97300", "973"),
        ("97400", "974"),
        ("97600", "976"),
        ("97133", "BL"),
        ("97150", "MF"),
        ("20000", None),
    ],
)
def test_holiday_subdivision_from_the_postal_code(postal_code: str, subdivision: str | None) -> None:
    assert holiday_subdivision(postal_code) == subdivision


def test_good_friday_and_saint_stephen_only_in_alsace_moselle() -> None:
    year = (D(2026, 1, 1), D(2026, 12, 31))
    lyon, strasbourg, metz = (public_holidays(code, *year) for code in ("69007", "67000", "57000"))
    assert len(lyon) == 11
    assert D(2026, 4, 3) not in lyon and D(2026, 12, 26) not in lyon
    for local in (strasbourg, metz):
        assert local[D(2026, 4, 3)] == "Vendredi saint"
        assert D(2026, 12, 26) in local
        assert len(local) == 13


def test_national_days_everywhere() -> None:
    lyon = public_holidays("69007", D(2026, 1, 1), D(2026, 12, 31))
    assert lyon[D(2026, 4, 6)] == "Lundi de Pâques"
    assert lyon[D(2026, 5, 14)] == "Ascension"
    assert lyon[D(2026, 5, 25)] == "Lundi de Pentecôte"
    assert D(2026, 5, 1) in lyon and D(2026, 7, 14) in lyon and D(2026, 11, 11) in lyon


def test_overseas_days() -> None:
    reunion = public_holidays("97400", D(2026, 1, 1), D(2026, 12, 31))
    assert reunion[D(2026, 12, 20)] == "Abolition de l'esclavage"
    assert D(2026, 12, 20) not in public_holidays("69007", D(2026, 1, 1), D(2026, 12, 31))
    assert D(2026, 5, 27) in public_holidays("97110", D(2026, 5, 1), D(2026, 5, 31))


def test_customary_days_are_not_public_holidays() -> None:
    year = (D(2026, 1, 1), D(2026, 12, 31))
    for code in ("97110", "97200", "97150"):
        legal, custom = public_holidays(code, *year), customary_days(code, *year)
        assert {D(2026, 4, 3), D(2026, 3, 12), D(2026, 7, 21)} <= set(custom), code  # Good Friday, Mi-Carême, 21 July
        assert not set(legal) & set(custom), code
    assert customary_days("97110", *year)[D(2026, 3, 12)] == "Mi-Carême"
    for code in ("69007", "67000", "97300", "97400", "97600", "97133"):
        assert customary_days(code, *year) == {}, code
    assert public_holidays("67000", *year)[D(2026, 4, 3)] == "Vendredi saint"


def test_saint_martin_keeps_27_may_and_28_may_for_minors() -> None:
    may = (D(2026, 5, 1), D(2026, 5, 31))
    assert D(2026, 5, 27) in public_holidays("97150", *may)
    assert D(2026, 5, 28) not in public_holidays("97150", *may)
    assert D(2026, 5, 28) in customary_days("97150", *may)
    minors = public_holidays("97150", *may, minors=True)
    assert {D(2026, 5, 27), D(2026, 5, 28)} <= set(minors)
    assert public_holidays("97110", *may, minors=True) == public_holidays("97110", *may)


def test_holidays_across_years_and_in_english() -> None:
    found = public_holidays("69007", D(2026, 12, 20), D(2027, 1, 5), "en")
    assert list(found) == [D(2026, 12, 25), D(2027, 1, 1)]
    assert found[D(2027, 1, 1)] == "New Year's Day"


def _day(date: dt.date, *slots: tuple[int, int]) -> Day:
    return Day(date, tuple(Slot(a, b) for a, b in slots), ("schedule", "weekly", "monday"))


def test_weeks_are_calendar_weeks_cut_by_the_period() -> None:
    days = [_day(D(2026, 1, 14) + dt.timedelta(days=n)) for n in range(10)]  # Wednesday 14 to Friday 23
    grouped = weeks(days)
    assert [[d.date.day for d in week] for week in grouped] == [[14, 15, 16, 17, 18], [19, 20, 21, 22, 23]]


def test_continuous_runs_join_short_pauses_and_count_worked_time() -> None:
    slots = [Slot(480, 600), Slot(610, 750), Slot(780, 900)]  # 08:00-10:00, 10:10-12:30, 13:00-15:00
    runs = continuous_runs(slots, 30)
    assert [(r.start, r.end, r.worked) for r in runs] == [(480, 750, 260), (780, 900, 120)]
    assert len(continuous_runs(slots, 31)) == 1


def test_rests_between_worked_days_skip_rest_days() -> None:
    days = [_day(D(2026, 1, 12), (480, 1200)), _day(D(2026, 1, 13)), _day(D(2026, 1, 14), (420, 600))]
    [(before, after, rest)] = rests(days)
    assert (before.date.day, after.date.day, rest) == (12, 14, 24 * 60 + 4 * 60 + 7 * 60)


def test_minor_bands_follow_the_table_of_rules_md() -> None:
    table = {age: limits.band(age) for age in range(13, 19)}
    assert table[18] is None
    assert [(b.daily_max, b.weekly_max, b.window, b.daily_rest) for b in (table[14], table[15], table[16], table[17])] == [
        (420, 1800, (360, 1200), 840),
        (420, 2100, (360, 1200), 840),
        (480, 2100, (360, 1320), 720),
        (480, 2100, (360, 1320), 720),
    ]


@pytest.mark.parametrize(
    ("year", "minimum"),
    [(2022, "3.90"), (2023, "4.05"), (2024, "4.35"), (2025, "4.35"), (2026, "4.50")],
)
def test_gratification_minimum_of_the_dated_table(year: int, minimum: str) -> None:
    ceiling, known = limits.ceiling(year)
    assert known and ceiling.minimum_gratification == Decimal(minimum)


def test_a_year_beyond_the_table_takes_the_latest_value() -> None:
    ceiling, known = limits.ceiling(limits.CEILINGS[-1].year + 1)
    assert not known and ceiling is limits.CEILINGS[-1]
    years = [item.year for item in limits.CEILINGS]
    assert years == sorted(years) == list(range(years[0], years[-1] + 1))


def test_every_rule_of_the_contract_is_declared() -> None:
    contract = ROOT.parent / "shared" / "contract" / "rules.md"
    if not contract.exists():
        pytest.skip("the contract is not beside this checkout")
    text = contract.read_text(encoding="utf-8")
    ids = set(re.findall(r"^\| `([A-Z0-9_]+)`", text, flags=re.M))
    assert ids - set(REGISTRY) == set()
    assert {"MINOR_DAILY_MAX", "GRATIFICATION_MINIMUM", "IMMERSION_MAX_DAYS", "YAML_SYNTAX"} <= ids


def test_the_catalogue_comes_from_the_declarations() -> None:
    entries = {entry["id"]: entry for entry in catalogue("fr")}
    assert set(entries) == set(REGISTRY)
    assert entries["MINOR_DAILY_MAX"]["article"] == limits.MINOR_DAILY_SOURCES
    assert "L3162-1" in entries["MINOR_DAILY_MAX"]["article"] and "guide national des PFMP" in entries["MINOR_DAILY_MAX"]["article"]
    assert entries["ADULT_PUBLIC_HOLIDAY"]["severity"] == "warning"
    assert entries["IMMERSION_MAX_DAYS"]["kinds"] == ["immersion"]
    english = {entry["id"]: entry for entry in catalogue("en")}
    assert english["MINOR_BREAK"]["limit"] != entries["MINOR_BREAK"]["limit"]


# Where convgen's table departs from the `holidays` package, as rules.md asks: Saint-Martin keeps
# Guadeloupe's legal 27 May (it was a commune of Guadeloupe) and the Antilles' customary days in every
# year; Martinique keeps Good Friday and Mi-Carême by custom as Guadeloupe does.
def _additions(year: int, subdivision: str | None, lang: str) -> dict[dt.date, str]:
    from convgen.law.calendar import easter

    en = lang == "en"
    good_friday = (easter(year) - dt.timedelta(days=2), "Good Friday" if en else "Vendredi saint")
    mi_careme = (easter(year) - dt.timedelta(days=24), "Mi-Careme" if en else "Mi-Carême")
    added = []
    if subdivision == "MF":
        added += [(D(year, 5, 27), "Abolition of Slavery" if en else "Abolition de l'esclavage"), good_friday, mi_careme]
        if year < 2012:
            added.append((D(year, 7, 21), "Victor Schoelcher Day" if en else "Fête de Victor Schoelcher"))
    if subdivision == "972":
        added += [good_friday, mi_careme]
    return dict(added)


def _names(days: dict[dt.date, str]) -> dict[dt.date, set[str]]:
    return {date: set(name.split("; ")) for date, name in days.items()}


def _union(*readings: dict[dt.date, str]) -> dict[dt.date, set[str]]:
    merged: dict[dt.date, set[str]] = {}
    for reading in readings:
        for date, names in _names(reading).items():
            merged.setdefault(date, set()).update(names)
    return merged


@pytest.mark.parametrize("subdivision", [None, "57", "6AE", "971", "972", "973", "974", "976", "BL", "MF", "PM", "PF", "NC", "WF"])
def test_public_holidays_match_the_holidays_package(subdivision: str | None) -> None:
    """The table is convgen's own (no import cost at start-up); the `holidays` package is the reference:
    the legal days and the customary ones together are the package's days, but for the additions above."""
    from holidays.countries.france import France

    from convgen.law.calendar import CUSTOMARY, EVERY, PUBLIC, days_of_year

    for year in range(1995, 2071):
        for lang, language in (("fr", "fr"), ("en", "en_US")):
            expected = _union(dict(France(years=year, subdiv=subdivision, language=language)), _additions(year, subdivision, lang))
            legal = days_of_year(year, subdivision, lang, PUBLIC)
            customary = days_of_year(year, subdivision, lang, CUSTOMARY)
            assert _union(legal, customary) == expected, (year, lang)
            assert _names(days_of_year(year, subdivision, lang, EVERY)) == expected, (year, lang)


def test_the_legal_days_are_those_of_rules_md() -> None:
    """Legal: the 11 national days, Good Friday and 26 December in 57/67/68, each place's abolition day."""
    from convgen.law.calendar import PUBLIC, days_of_year

    national = days_of_year(2026, None, "fr", PUBLIC)
    assert len(national) == 11
    abolition = {
        "971": D(2026, 5, 27),
        "MF": D(2026, 5, 27),
        "972": D(2026, 5, 22),
        "973": D(2026, 6, 10),
        "974": D(2026, 12, 20),
        "976": D(2026, 4, 27),
        "BL": D(2026, 10, 9),
    }
    for subdivision, date in abolition.items():
        assert set(days_of_year(2026, subdivision, "fr", PUBLIC)) - set(national) == {date}, subdivision
    for subdivision in ("57", "6AE"):
        assert set(days_of_year(2026, subdivision, "fr", PUBLIC)) - set(national) == {D(2026, 4, 3), D(2026, 12, 26)}


@pytest.mark.parametrize(
    ("year", "sunday"),
    [
        (2024, D(2024, 3, 31)),
        (2025, D(2025, 4, 20)),
        (2026, D(2026, 4, 5)),
        (2027, D(2027, 3, 28)),
        (2038, D(2038, 4, 25)),
        (2285, D(2285, 3, 22)),
    ],
)
def test_easter_sunday(year: int, sunday: dt.date) -> None:
    from convgen.law.calendar import easter

    assert easter(year) == sunday


def test_the_catalogue_limits_are_written_from_the_figures() -> None:
    """Each limit text is a function of the figures of convgen.law.limits: other figures, another text."""
    from dataclasses import replace

    from convgen.i18n import hours_fr
    from convgen.law.rules import adults, minors, pfmp, reading

    fr = {entry["id"]: entry["limit"] for entry in catalogue("fr")}
    en = {entry["id"]: entry["limit"] for entry in catalogue("en")}

    bands = limits.MINOR_BANDS
    assert fr["MINOR_DAILY_MAX"] == minors.daily_max_limit(bands).fr
    for item in bands:
        assert hours_fr(item.daily_max) in fr["MINOR_DAILY_MAX"]
        assert hours_fr(item.daily_rest) in fr["MINOR_DAILY_REST"]
    longer = tuple(replace(item, daily_max=item.daily_max + 61) for item in bands)
    assert minors.daily_max_limit(longer).fr != fr["MINOR_DAILY_MAX"]
    assert hours_fr(bands[-1].daily_max + 61) in minors.daily_max_limit(longer).fr

    assert fr["MINOR_BREAK"] == minors.break_limit(limits.MINOR_MAX_CONTINUOUS, limits.MINOR_MIN_BREAK).fr
    assert hours_fr(limits.MINOR_MAX_CONTINUOUS) in fr["MINOR_BREAK"] and f"{limits.MINOR_MIN_BREAK} minutes" in fr["MINOR_BREAK"]
    assert fr["ADULT_DAILY_MAX"] == adults.daily_max_limit(limits.ADULT_DAILY_MAX).fr
    assert adults.daily_max_limit(limits.ADULT_DAILY_MAX + 30).fr.startswith(hours_fr(limits.ADULT_DAILY_MAX + 30))
    assert hours_fr(limits.ADULT_DAILY_MAX) in en["ADULT_DAILY_MAX"]
    assert fr["ADULT_BREAK"] == adults.break_limit(limits.ADULT_MAX_CONTINUOUS, limits.ADULT_MIN_BREAK).fr
    assert hours_fr(limits.ADULT_MAX_CONTINUOUS - 1) in fr["ADULT_BREAK"]  # 5 h 59 passes
    assert fr["ADULT_WEEKLY_MAX"] == adults.weekly_max_limit(limits.PFMP_ADULT_WEEKLY_MAX, limits.IMMERSION_WEEKLY_MAX).fr
    assert (
        hours_fr(limits.IMMERSION_WEEKLY_MAX) in fr["ADULT_WEEKLY_MAX"] and hours_fr(limits.PFMP_ADULT_WEEKLY_MAX) in fr["ADULT_WEEKLY_MAX"]
    )
    assert hours_fr(limits.ADULT_DAILY_REST) in fr["ADULT_DAILY_REST"]
    assert fr["ADULT_NIGHT_WORK"] == adults.night_limit(limits.ADULT_NIGHT).fr
    assert adults.night_limit((22 * 60, 5 * 60)).fr != fr["ADULT_NIGHT_WORK"]
    from convgen.law.rules import immersion

    assert fr["IMMERSION_MAX_DAYS"] == immersion.max_days_limit(limits.IMMERSION_MAX_DAYS).fr
    assert immersion.max_days_limit(limits.IMMERSION_MAX_DAYS + 2).fr.startswith(f"{limits.IMMERSION_MAX_DAYS + 2} jours")
    assert fr["REGULATED_WORK_MIN_AGE"] == pfmp.regulated_min_age_limit(limits.REGULATED_WORK_MIN_AGE).fr
    assert f"{limits.REGULATED_WORK_MIN_AGE} ans" in fr["REGULATED_WORK_MIN_AGE"]
    assert f"au plus {limits.DEROGATION_YEARS} ans avant" in fr["REGULATED_WORK_DEROGATION"]
    assert "au plus un an avant" in fr["REGULATED_WORK_MEDICAL"] and limits.MEDICAL_OPINION_YEARS == 1
    assert fr["MINOR_WORK_WINDOW"] == minors.work_window_limit(bands).fr
    assert all(f"et {hours_fr(item.window[1])}" in fr["MINOR_WORK_WINDOW"] for item in bands)
    assert fr["MINOR_WEEKLY_MAX"].startswith(hours_fr(bands[-1].weekly_max))
    assert fr["UNDER15_WEEKLY_MAX"].startswith(hours_fr(bands[0].weekly_max))
    assert fr["HOST_OUTSIDE_SCOPE"] == pfmp.outside_scope_limit(limits.OUTSIDE_LABOUR_CODE).fr
    assert all(f"{prefix}xx" in fr["HOST_OUTSIDE_SCOPE"] for prefix, _ in limits.OUTSIDE_LABOUR_CODE)
    assert fr["LOCAL_CUSTOM_HOLIDAY"] == reading.customary_limit().fr and "Mi-Carême" in fr["LOCAL_CUSTOM_HOLIDAY"]
