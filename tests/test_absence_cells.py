"""A class list's ABSENCES cell, read as a PFMP office types it (source/absences.py)."""

from __future__ import annotations

import pytest

from convgen.source.absences import MAX_ITEMS, AbsenceCellError, parse_absences


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("14/01/2026", [{"date": "2026-01-14"}]),
        ("2026-01-14", [{"date": "2026-01-14"}]),
        ("le 4/1/2026 matin", [{"date": "2026-01-04", "half": "matin"}]),
        ("14/01/2026 Après-midi", [{"date": "2026-01-14", "half": "apres-midi"}]),
        ("14/01/2026 apres midi", [{"date": "2026-01-14", "half": "apres-midi"}]),
        ("19/01/2026 au 21/01/2026", [{"from": "2026-01-19", "to": "2026-01-21"}]),
        ("du 19/01/2026 au 21/01/2026 (maladie)", [{"from": "2026-01-19", "to": "2026-01-21", "reason": "maladie"}]),
        ("2026-01-19..2026-01-21", [{"from": "2026-01-19", "to": "2026-01-21"}]),
        ("2026-01-19 - 2026-01-21", [{"from": "2026-01-19", "to": "2026-01-21"}]),
        (
            "14/01/2026 matin (rendez-vous médical, hôpital) ; 19/01/2026 au 20/01/2026 (grève des transports)",
            [
                {"date": "2026-01-14", "half": "matin", "reason": "rendez-vous médical, hôpital"},
                {"from": "2026-01-19", "to": "2026-01-20", "reason": "grève des transports"},
            ],
        ),
        ("14/01/2026, 15/01/2026\n16/01/2026", [{"date": "2026-01-14"}, {"date": "2026-01-15"}, {"date": "2026-01-16"}]),
        (" ; ", []),
    ],
)
def test_a_cell_reads_as_the_absences_it_lists(text: str, expected: list[dict]) -> None:
    assert parse_absences(text) == expected


@pytest.mark.parametrize(
    ("text", "part"), [("demain", "demain"), ("14/01/2026 ; lundi matin", "lundi matin"), ("14/01/2026 soir", "14/01/2026 soir")]
)
def test_a_part_that_is_no_absence_is_named(text: str, part: str) -> None:
    with pytest.raises(AbsenceCellError) as raised:
        parse_absences(text)
    assert raised.value.part == part


def test_a_cell_of_more_absences_than_a_period_can_hold_is_refused() -> None:
    parse_absences(" ; ".join(["14/01/2026"] * MAX_ITEMS))
    with pytest.raises(AbsenceCellError):
        parse_absences(" ; ".join(["14/01/2026"] * (MAX_ITEMS + 1)))
