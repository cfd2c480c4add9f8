"""The class list against the agreements: who has one, who has none, who has several.

A pupil is the same on both sides when the INE says so (both given), or else when last
name, first name and birth date are the same (case and spaces aside). Anything less is
never merged: the same names with another birth date, or the same birth date with names
that differ only by an accent, a hyphen or a space, are near-homonyms, shown side by side
for someone who knows the pupils to decide. Each side is indexed once: a look-up per
agreement, never a comparison of every pair.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from convgen.law.rules.across import name_key


class Person(Protocol):
    """What both sides tell of a pupil (summary.Summary, roster.RosterPupil)."""

    last_name: str | None
    first_name: str | None
    birth_date: dt.date | None
    ine: str | None


def exact_key(person: Person) -> tuple[str, str, dt.date | None]:
    """Names as written, but for case and spaces: "DUPONT  Hélène" is "Dupont Hélène", not "Dupont Helene"."""
    return (
        " ".join((person.last_name or "").casefold().split()),
        " ".join((person.first_name or "").casefold().split()),
        person.birth_date,
    )


def loose_key(person: Person) -> str:
    """Names without case, accents, hyphens or extra spaces: where near-homonyms meet."""
    return f"{name_key(person.last_name or '')}|{name_key(person.first_name or '')}"


def pupil_key(person: Person) -> str:
    """The pupil across agreements, as the rules across agreements count them."""
    if person.ine:
        return f"ine:{person.ine}"
    return f"{loose_key(person)}|{person.birth_date.isoformat() if person.birth_date else ''}"


@dataclass
class Match:
    """The reconciliation of a run's agreements (by index) with one class list's pupils (by index)."""

    listed: dict[int, int] = field(default_factory=dict)  # agreement → its pupil on the list
    homonyms: dict[int, list[int]] = field(default_factory=dict)  # agreement → near-homonyms on the list
    unlisted: list[int] = field(default_factory=list)  # agreements whose pupil is not on the list
    missing: list[int] = field(default_factory=list)  # pupils of the list without any agreement
    missing_homonyms: dict[int, list[int]] = field(default_factory=dict)  # such a pupil → near-homonym agreements
    twice: dict[int, int] = field(default_factory=dict)  # a pupil listed again → its first line's index
    other_name: dict[int, int] = field(default_factory=dict)  # agreement matched by INE whose names differ


def reconcile(agreements: Sequence[Person | None], pupils: Sequence[Person]) -> Match:
    """`agreements` holds None for an agreement without a pupil to match (an immersion, or a
    file too broken to name one): it is left out of every list."""
    match = Match()
    by_ine: dict[str, int] = {}
    by_exact: dict[tuple, int] = {}
    by_loose: dict[str, list[int]] = defaultdict(list)
    for index, pupil in enumerate(pupils):
        key = exact_key(pupil)
        first = by_ine.get(pupil.ine) if pupil.ine else None
        if first is None:
            first = by_exact.get(key)
        if first is not None:
            match.twice[index] = first
            continue
        if pupil.ine:
            by_ine[pupil.ine] = index
        by_exact[key] = index
        by_loose[loose_key(pupil)].append(index)
    matched: set[int] = set()
    for index, person in enumerate(agreements):
        if person is None:
            continue
        found = by_ine.get(person.ine) if person.ine else None
        rejected = None
        if found is not None:
            if exact_key(pupils[found])[:2] != exact_key(person)[:2] or pupils[found].birth_date != person.birth_date:
                match.other_name[index] = found
        else:
            found = by_exact.get(exact_key(person))
            # Both INE given and different: two pupils, whatever their names say.
            if found is not None and person.ine and pupils[found].ine and pupils[found].ine != person.ine:
                found, rejected = None, found
        if found is not None:
            match.listed[index] = found
            matched.add(found)
            continue
        near = [
            candidate
            for candidate in by_loose.get(loose_key(person), ())
            if candidate == rejected or exact_key(pupils[candidate]) != exact_key(person)
        ]
        if near:
            match.homonyms[index] = near
        else:
            match.unlisted.append(index)
    near_agreements: dict[int, list[int]] = defaultdict(list)
    for index, candidates in match.homonyms.items():
        for candidate in candidates:
            near_agreements[candidate].append(index)
    for index in range(len(pupils)):
        if index in match.twice or index in matched:
            continue
        match.missing.append(index)
        if index in near_agreements:
            match.missing_homonyms[index] = near_agreements[index]
    return match


def overlaps(people: Sequence[Person | None], periods: Sequence[tuple[dt.date, dt.date] | None]) -> dict[int, list[int]]:
    """Each agreement whose dates overlap another agreement of the same pupil → those others."""
    groups: dict[str, list[int]] = defaultdict(list)
    for index, (person, period) in enumerate(zip(people, periods, strict=True)):
        if person is not None and period is not None and person.birth_date is not None:
            groups[pupil_key(person)].append(index)
    found: dict[int, list[int]] = defaultdict(list)
    for members in groups.values():
        if len(members) < 2:
            continue
        # Sorted by start: each period meets only those starting before it ends.
        ordered = sorted(members, key=lambda index: periods[index])  # type: ignore[arg-type,return-value]
        for position, index in enumerate(ordered):
            start, end = periods[index]  # type: ignore[misc]
            for other in ordered[position + 1 :]:
                other_start, other_end = periods[other]  # type: ignore[misc]
                if other_start > end:
                    break
                if other_end >= start:
                    found[index].append(other)
                    found[other].append(index)
    return {index: sorted(others) for index, others in found.items()}
