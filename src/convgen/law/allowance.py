"""The State PFMP allowance: a daily amount per day of PFMP done, up to a yearly cap.

The figures are the dated table allowance.csv beside this module (school year × ministry ×
level), taken from the data the State's allowance service publishes; tools/allowance_table.py
writes it. The amounts depend on the pupil's level and on the ministry the school answers to:
an agricultural school takes the ministère de l'agriculture's rows.
"""

from __future__ import annotations

import csv
import functools
from dataclasses import dataclass
from importlib.resources import files

from convgen.i18n import Msg
from convgen.law.calendar import school_year_text

ARTICLE = "Décret n° 2023-765 du 11 août 2023 ; arrêté du 11 août 2023, annexes 1 et 2"
SOURCE = (
    "Barème publié par le service de l'allocation PFMP de l'État (https://github.com/betagouv/aplypro, data/wages, "
    "mis à jour le 23 septembre 2025), relevé le 4 décembre 2026"
)

LEVELS: dict[str, Msg] = {
    "cap1": Msg("CAP en un an", "one-year CAP"),
    "cap2-1": Msg("1re année de CAP en deux ans", "1st year of a two-year CAP"),
    "cap2-2": Msg("2e année de CAP en deux ans", "2nd year of a two-year CAP"),
    "cap3-1": Msg("1re année de CAP en trois ans", "1st year of a three-year CAP"),
    "cap3-2": Msg("2e année de CAP en trois ans", "2nd year of a three-year CAP"),
    "cap3-3": Msg("3e année de CAP en trois ans", "3rd year of a three-year CAP"),
    "seconde-pro": Msg(
        "seconde professionnelle (baccalauréat professionnel)", "seconde professionnelle (1st year of the baccalauréat professionnel)"
    ),
    "premiere-pro": Msg(
        "première professionnelle (baccalauréat professionnel)", "première professionnelle (2nd year of the baccalauréat professionnel)"
    ),
    "terminale-pro": Msg(
        "terminale professionnelle (baccalauréat professionnel)",
        "terminale professionnelle (final year of the baccalauréat professionnel)",
    ),
    "mc3": Msg(
        "mention complémentaire ou certificat de spécialisation de niveau 3",
        "mention complémentaire or certificat de spécialisation, level 3",
    ),
    "mc4": Msg(
        "mention complémentaire ou certificat de spécialisation de niveau 4",
        "mention complémentaire or certificat de spécialisation, level 4",
    ),
    "bma-1": Msg("1re année de brevet des métiers d'art en deux ans", "1st year of a two-year brevet des métiers d'art"),
    "bma-2": Msg("2e année de brevet des métiers d'art en deux ans", "2nd year of a two-year brevet des métiers d'art"),
    "bp-1": Msg("1re année de brevet professionnel", "1st year of a brevet professionnel"),
    "bp-2": Msg("2e année de brevet professionnel", "2nd year of a brevet professionnel"),
    "bma1": Msg("brevet des métiers d'art en un an", "one-year brevet des métiers d'art"),
    "bt-1": Msg(
        "1re année de brevet de technicien (métiers du spectacle, arts du cirque)",
        "1st year of a brevet de technicien (performing arts, circus arts)",
    ),
    "bt-2": Msg(
        "2e année de brevet de technicien (métiers du spectacle, arts du cirque)",
        "2nd year of a brevet de technicien (performing arts, circus arts)",
    ),
    "pae3": Msg("parcours Ambition emploi de niveau 3", "Ambition emploi pathway, level 3"),
    "pae4": Msg("parcours Ambition emploi de niveau 4", "Ambition emploi pathway, level 4"),
    "fcil3": Msg(
        "formation complémentaire d'initiative locale après un diplôme de niveau 3",
        "formation complémentaire d'initiative locale (local further training) after a level-3 diploma",
    ),
    "fcil4": Msg(
        "formation complémentaire d'initiative locale après un diplôme de niveau 4",
        "formation complémentaire d'initiative locale (local further training) after a level-4 diploma",
    ),
    "capa": Msg("CAP agricole (dispositif de formation 280)", "CAP agricole (training scheme 280)"),
}

MINISTRIES: dict[str, Msg] = {
    "menj": Msg("ministère de l'éducation nationale", "Ministry of National Education"),
    "masa": Msg("ministère de l'agriculture", "Ministry of Agriculture"),
    "mer": Msg("ministère de la mer", "Ministry of the Sea"),
}

HEADER = ["school_year", "ministry", "level", "mef_stat_4", "daily_amount", "yearly_cap", "mefs"]


@dataclass(frozen=True, slots=True)
class Rate:
    school_year: int  # its first calendar year: 2025 for 2025-2026
    ministry: str
    level: str
    daily_amount: int  # €
    yearly_cap: int  # €


@dataclass(frozen=True, slots=True)
class Lookup:
    """The rate for a school year, and whether it had to come from an earlier year's row."""

    rate: Rate | None
    year: int
    table_year: int | None
    outdated: bool


@dataclass(frozen=True, slots=True)
class Share:
    """What one agreement's days earn once the pupil's earlier agreements of the year are counted."""

    gross: int
    earlier: int
    amount: int
    capped: bool
    unpaid_days: int


def _school_year(text: str) -> int:
    first, _, second = text.partition("-")
    if not (first.isdigit() and second.isdigit() and int(second) == int(first) + 1):
        raise ValueError(f"allowance.csv: {text!r} is not a school year")
    return int(first)


@functools.cache
def table() -> tuple[Rate, ...]:
    """Every row of allowance.csv that names a level, the ministère de la mer's included."""
    text = files("convgen.law").joinpath("allowance.csv").read_text(encoding="utf-8")
    reader = csv.reader(line for line in text.splitlines() if line and not line.startswith("#"))
    if next(reader, None) != HEADER:
        raise ValueError("allowance.csv: unexpected header")
    rates = []
    for row in reader:
        school_year, ministry, level, _, daily, cap, _ = row
        # a row without a level is kept in the file for the record (tools/allowance_table.py says why)
        if not level:
            continue
        if level not in LEVELS or ministry not in MINISTRIES:
            raise ValueError(f"allowance.csv: unknown level or ministry in {row}")
        rates.append(Rate(_school_year(school_year), ministry, level, int(daily), int(cap)))
    return tuple(rates)


@functools.cache
def _index() -> dict[tuple[int, str, str], Rate]:
    index: dict[tuple[int, str, str], Rate] = {}
    for rate in table():
        # a ministère de la mer level may have one cap per diploma, and no agreement selects that ministry
        if rate.ministry == "mer":
            continue
        key = (rate.school_year, rate.ministry, rate.level)
        if key in index:
            raise ValueError(f"allowance.csv: two rows for {key}")
        index[key] = rate
    return index


FIRST_YEAR: int = min(rate.school_year for rate in table())
LAST_YEAR: int = max(rate.school_year for rate in table())


def lookup(level: str, school_year: int, agricultural: bool) -> Lookup:
    """The rate of `level` for the school year starting in `school_year`.

    Past the table, the last year's rows stand in (outdated). Before the allowance existed, or
    for a level with no row for that ministry and year, there is no rate.
    """
    if level not in LEVELS:
        raise KeyError(level)
    if school_year < FIRST_YEAR:
        return Lookup(None, school_year, None, False)
    table_year = min(school_year, LAST_YEAR)
    rate = _index().get((table_year, "masa" if agricultural else "menj", level))
    return Lookup(rate, school_year, table_year, school_year > LAST_YEAR)


def share(days: int, daily_amount: int, cap: int, earlier: int) -> Share:
    """The amount `days` earn at `daily_amount`, within what `earlier` left of the yearly `cap`.

    Reaching the cap exactly leaves no day unpaid, so it is not capped.
    """
    if days < 0 or daily_amount < 0 or cap < 0 or earlier < 0:
        raise ValueError("allowance share: negative figure")
    gross = days * daily_amount
    amount = min(gross, max(0, cap - earlier))
    unpaid_days = -(-(gross - amount) // daily_amount) if daily_amount > 0 else 0
    return Share(gross, earlier, amount, gross > amount, unpaid_days)


@dataclass(frozen=True, slots=True)
class Allowance:
    """The State allowance of one agreement (input.md): its days at the level's daily amount,
    within what the yearly cap leaves after the pupil's earlier agreements of that year
    (counted by the rules across agreements, rules/across.allowance_of)."""

    level: str
    ministry: str
    school_year: int
    daily_amount: int
    days: int
    gross: int
    earlier: int
    cap: int
    amount: int
    capped: bool
    unpaid_days: int
    estimate: bool  # planned days (before the attestation), not days done
    paid: bool  # False: no allowance is published for this level and ministry that year
    outdated: bool  # a year past the table: its last year's figures
    table_year: int | None
    earlier_paths: tuple[str, ...] = ()

    def to_json(self) -> dict[str, object]:
        return {
            "level": self.level,
            "ministry": self.ministry,
            "school_year": school_year_text(self.school_year),
            "daily_amount": self.daily_amount,
            "days": self.days,
            "gross": self.gross,
            "earlier": self.earlier,
            "cap": self.cap,
            "amount": self.amount,
            "capped": self.capped,
            "unpaid_days": self.unpaid_days,
            "estimate": self.estimate,
            "paid": self.paid,
            "outdated": self.outdated,
            "table_year": school_year_text(self.table_year) if self.table_year is not None else None,
        }
