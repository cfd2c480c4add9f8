"""The scalar types: what each accepts, how it normalises, what it refuses."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError

from convgen.schema.fields import Amount, Email, Ine, IsoDate, Phone, PostalCode, SlotList, SlotValue, Text
from convgen.schema.models import Address


def ok(tp, value):
    return TypeAdapter(tp).validate_python(value)


def error_type(tp, value) -> str:
    with pytest.raises(ValidationError) as info:
        TypeAdapter(tp).validate_python(value)
    return info.value.errors()[0]["type"]


@pytest.mark.parametrize(
    ("given", "printed"),
    [
        ("04 78 70 00 00", "04 78 70 00 00"),
        ("0478700000", "04 78 70 00 00"),
        ("04.78.70.00.00", "04 78 70 00 00"),
        ("04-78-70-00-00", "04 78 70 00 00"),
        ("+33 4 78 70 00 00", "04 78 70 00 00"),
        ("+33 (0)4 78 70 00 00", "04 78 70 00 00"),
        ("0033478700000", "04 78 70 00 00"),
        ("06 12 34 56 78", "06 12 34 56 78"),
        ("+262 262 12 34 56", "02 62 12 34 56"),
        ("+41 22 123 45 67", "+41 22 123 45 67"),
    ],
)
def test_phone_numbers_print_in_french_grouping(given: str, printed: str) -> None:
    assert ok(Phone, given) == printed


@pytest.mark.parametrize("given", ["04 78 70 00", "00 78 70 00 00", "4787000001", "téléphone", "+33 0"])
def test_bad_phone_numbers(given: str) -> None:
    assert error_type(Phone, given) == "phone"


def test_phone_given_as_a_number_must_be_quoted() -> None:
    assert error_type(Phone, 478700000) == "text_type"


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("1234567890A", "1234567890A"),
        ("123456789AB", "123456789AB"),
        ("1234A12345B", "1234A12345B"),
        ("1234567890a", "1234567890A"),
        ("1234a12345b", "1234A12345B"),
        ("  123456789ab\t", "123456789AB"),
        ("1234A12345A", "1234A12345A"),
    ],
)
def test_ines_keep_their_shape_in_upper_case(given: str, kept: str) -> None:
    assert ok(Ine, given) == kept


@pytest.mark.parametrize(
    "given",
    [
        "123456789A",  # 10 characters
        "12345678901A",  # 12 characters
        "1234567890AB",  # 12 characters, 10 digits and 2 letters
        "12345O7890A",  # a letter O among the digits
        "1234B12345C",  # 4 digits, then a letter other than A
        "1234A1234BC",  # 4 digits, A, then only 4 digits
        "12345 67890A",  # a space inside
        "12345678901",  # digits only
        "ABCDEFGHIJK",
        "1234567890-",
        "",
        "\u0661\u0662\u0663\u0664\u0665\u0666\u0667\u0668\u0669\u0660A",  # Arabic-Indic digits are digits to Python, not to an INE
        "1234567890\u017f",  # long s: upper-cases to S
        "1234567890\u00e9",
    ],
)
def test_bad_ines(given: str) -> None:
    assert error_type(Ine, given) == "ine"


def test_an_ine_read_by_yaml_as_a_number_gets_the_ine_message() -> None:
    assert error_type(Ine, 1234567890) == "ine"
    assert error_type(Ine, True) == "text_type"


@pytest.mark.parametrize(("given", "kept"), [("69007", "69007"), ("69 007", "69007"), ("97400", "97400")])
def test_postal_codes(given: str, kept: str) -> None:
    assert ok(PostalCode, given) == kept


@pytest.mark.parametrize("given", ["6900", "690077", "69OO7", ""])
def test_bad_postal_codes(given: str) -> None:
    assert error_type(PostalCode, given) == "postal_code"


@pytest.mark.parametrize(
    ("postal_code", "department"),
    [
        ("69007", "69"),
        ("57000", "57"),
        ("67000", "67"),
        ("68100", "68"),
        ("97400", "974"),
        ("97600", "976"),
        ("20000", "2A"),
        ("20200", "2B"),
        ("01000", "01"),
    ],
)
def test_department_from_postal_code(postal_code: str, department: str) -> None:
    assert Address(street="1 rue", postal_code=postal_code, city="X").department == department


def test_emails() -> None:
    assert ok(Email, " ce.0690128p@ac-lyon.fr ") == "ce.0690128p@ac-lyon.fr"
    assert ok(Email, "contact@garage-martin.example") == "contact@garage-martin.example"
    assert ok(Email, "Jean.Dupont@AC-Lyon.FR") == "Jean.Dupont@ac-lyon.fr"
    assert ok(Email, "élodie@mairie-évry.fr") == "élodie@mairie-évry.fr"
    for bad in ("contact", "a@b", "a@@b.fr", "a b@c.fr", "a,b@c.fr", "a..b@c.fr", ".a@c.fr", "a@-c.fr", "a@c_d.fr", "a@c.fr.", "a@c.123"):
        assert error_type(Email, bad) == "email", bad


def test_an_email_error_says_why_in_the_users_language(cli, workdir) -> None:
    from conftest import example_text, replace_once

    text = replace_once(example_text("pfmp"), "email: sophie.dupont@example.fr", "email: sophie.dupont@example,fr")
    (workdir / "a.yaml").write_text(text, encoding="utf-8")
    french = cli("validate", "a.yaml")
    assert french.exit_code == 1
    assert "sophie.dupont@example,fr" in french.output and "le domaine après « @ »" in french.output
    english = cli("validate", "a.yaml", "--lang", "en")
    assert "the domain after '@'" in english.output


@pytest.mark.parametrize(
    ("given", "start", "end"),
    [
        ("08:30-12:00", 510, 720),
        ("8:30-12:00", 510, 720),
        ("08h30-12h00", 510, 720),
        ("08:30 - 12:00", 510, 720),
        ("20:00-24:00", 1200, 1440),
        ("00:00-06:00", 0, 360),
    ],
)
def test_slots(given: str, start: int, end: int) -> None:
    slot = ok(SlotValue, given)
    assert (slot.start, slot.end) == (start, end)


@pytest.mark.parametrize(
    ("given", "kind"),
    [
        ("8-12", "slot_format"),
        ("08:30", "slot_format"),
        ("25:00-26:00", "slot_time"),
        ("08:60-09:00", "slot_time"),
        ("24:00-24:30", "slot_time"),
        (830, "slot_format"),
    ],
)
def test_bad_slots(given, kind: str) -> None:
    assert error_type(SlotValue, given) == kind


def test_slot_lists() -> None:
    assert [str(s) for s in ok(SlotList, "08:30-12:00, 13:30-17:00")] == ["08:30-12:00", "13:30-17:00"]
    assert ok(SlotList, None) == []
    assert ok(SlotList, []) == []
    assert error_type(SlotList, {"am": "08:00-12:00"}) == "slots_type"


def test_dates() -> None:
    assert ok(IsoDate, dt.date(2026, 1, 12)) == dt.date(2026, 1, 12)
    assert ok(IsoDate, "2026-01-12") == dt.date(2026, 1, 12)
    assert ok(IsoDate, dt.datetime(2026, 1, 12)) == dt.date(2026, 1, 12)
    assert error_type(IsoDate, "2026-02-29") == "date_bad_day"
    assert ok(IsoDate, "2028-02-29") == dt.date(2028, 2, 29)
    assert error_type(IsoDate, "2026-00-10") == "date_bad_month"
    assert error_type(IsoDate, 20260112) == "date_type"
    assert error_type(IsoDate, "1850-01-01") == "date_range"


@pytest.mark.parametrize(
    ("given", "value"),
    [(4.5, Decimal("4.50")), (4, Decimal("4.00")), ("4,35", Decimal("4.35")), ("4.35 €", Decimal("4.35")), (0, Decimal("0.00"))],
)
def test_amounts(given, value: Decimal) -> None:
    assert ok(Amount, given) == value


@pytest.mark.parametrize(
    ("given", "kind"),
    [
        (-0.01, "amount_negative"),
        (float("nan"), "amount"),
        (float("inf"), "amount"),
        ("abc", "amount"),
        (True, "amount"),
        (4.355, "amount_precision"),
        (10**7, "amount_too_large"),
    ],
)
def test_bad_amounts(given, kind: str) -> None:
    assert error_type(Amount, given) == kind


def test_texts_are_stripped_and_checked() -> None:
    assert ok(Text, "  Léa  ") == "Léa"
    assert ok(Text, "ligne 1\nligne 2") == "ligne 1\nligne 2"
    assert error_type(Text, "   ") == "text_empty"
    assert error_type(Text, "a\x0bb") == "text_control"
    assert error_type(Text, "a\ufffeb") == "text_control"
    assert error_type(Text, 12) == "text_type"
    assert error_type(Text, "x" * 5000) == "text_too_long"


@settings(max_examples=2000, deadline=None)
@given(
    st.one_of(
        st.text("0123456789", min_size=14, max_size=14), st.text("0123456789", min_size=5, max_size=5).map(lambda tail: "356000000" + tail)
    )
)
def test_siret_check_digits_agree_with_python_stdnum(number: str) -> None:
    from stdnum.fr import siret

    from convgen.law.rules.consistency import siret_valid

    assert siret_valid(number) == siret.is_valid(number)


def test_known_sirets() -> None:
    from convgen.law.rules.consistency import siret_valid

    assert siret_valid("41234567000019") and siret_valid("35600000000048") and siret_valid("73282932000074")
    assert not siret_valid("41234567000018")


def test_an_overlong_email_is_refused_without_being_cached() -> None:
    from convgen.schema.fields import _normalized_email

    before = _normalized_email.cache_info().currsize
    assert error_type(Email, "a" * 300 + "@example.fr") == "email"
    assert _normalized_email.cache_info().currsize == before


@pytest.mark.parametrize("char", ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069"])
def test_bidirectional_controls_are_refused(char: str) -> None:
    assert error_type(Text, f"Lyon {char}7e") == "text_bidi"


def test_right_to_left_letters_and_marks_are_kept() -> None:
    assert ok(Text, "مريم بن علي") == "مريم بن علي"
    assert ok(Text, "Lyon\u200f") == "Lyon\u200f"  # a right-to-left mark changes no order


@pytest.mark.parametrize(("days", "refused"), [(731, False), (732, True)])
def test_a_period_is_two_years_long_at_most(days: int, refused: bool) -> None:
    from conftest import build_case, check_text

    start = dt.date(2026, 1, 12)
    end = start + dt.timedelta(days=days - 1)
    findings = check_text(build_case("immersion", {"period": {"start": start.isoformat(), "end": end.isoformat()}})).findings
    schema = [f for f in findings if f.rule == "SCHEMA"]
    if refused:
        assert [f.field for f in schema] == ["period.end"]
        assert "732 jours" in schema[0].message
    else:
        assert schema == []
        assert any(f.rule == "IMMERSION_MAX_DAYS" for f in findings)
