"""French (default) and English wording shared by messages and documents."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Literal, NamedTuple

Lang = Literal["fr", "en"]


class Msg(NamedTuple):
    """One text in both languages."""

    fr: str
    en: str

    def get(self, lang: Lang) -> str:
        return self.en if lang == "en" else self.fr

    def join(self, pieces: Iterable[Msg]) -> Msg:
        """The pieces with this text between them, in each language (as str.join)."""
        pieces = list(pieces)
        return Msg(self.fr.join(piece.fr for piece in pieces), self.en.join(piece.en for piece in pieces))

    def fill(self, *args: object, **values: object) -> Msg:
        """Both texts with their {placeholders} filled (values may be Msg themselves)."""
        return Msg(
            self.fr.format(
                *(v.fr if isinstance(v, Msg) else v for v in args), **{k: v.fr if isinstance(v, Msg) else v for k, v in values.items()}
            ),
            self.en.format(
                *(v.en if isinstance(v, Msg) else v for v in args), **{k: v.en if isinstance(v, Msg) else v for k, v in values.items()}
            ),
        )


MONTHS_FR = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)
WEEKDAYS_FR = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
MONTHS_EN = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
WEEKDAYS_EN = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def date_fr(value: dt.date) -> str:
    """12 janvier 2026; 1er mai 2026."""
    day = "1er" if value.day == 1 else str(value.day)
    return f"{day} {MONTHS_FR[value.month - 1]} {value.year}"


def weekday_fr(value: dt.date) -> str:
    return WEEKDAYS_FR[value.weekday()]


def weekday_date(value: dt.date) -> Msg:
    """« mardi 13 janvier 2026 » / « Tuesday 13 January 2026 », as a date reads inside a sentence."""
    return Msg(f"{weekday_fr(value)} {date_fr(value)}", f"{WEEKDAYS_EN[value.weekday()]} {date_text(value).en}")


def date_long(value: dt.date, lang: Lang) -> str:
    """« Mardi 13 janvier 2026 » / « Tuesday 13 January 2026 », as messages start."""
    text = weekday_date(value).get(lang)
    return text[0].upper() + text[1:]


def hours_fr(minutes: int) -> str:
    """7 h 30, 8 h, 0 h 45: the way French documents write durations."""
    hours, rest = divmod(int(minutes), 60)
    return f"{hours} h {rest:02d}" if rest else f"{hours} h"


def hours_text(minutes: int) -> Msg:
    """A duration as a message reads it: « 8 h 01 » / « 8h01 »."""
    hours, rest = divmod(int(minutes), 60)
    return Msg(hours_fr(minutes), f"{hours}h{rest:02d}" if rest else f"{hours}h")


def euros(amount: Decimal) -> Msg:
    """An amount as a message reads it: « 4,50 € » / « €4.50 »."""
    return Msg(f"{amount:.2f} €".replace(".", ","), f"€{amount:.2f}")


def number(value: int) -> Msg:
    """« 10 000 » / "10,000"."""
    return Msg(f"{value:,}".replace(",", " "), f"{value:,}")


def plural(count: int, one: str, many: str, lang: Lang = "fr") -> str:
    """French keeps the singular for 0 and 1; English only for 1."""
    return one if (count < 2 if lang == "fr" else count == 1) else many


def date_text(value: dt.date) -> Msg:
    """A date as a message reads it: « 12 janvier 2026 » / « 12 January 2026 »."""
    return Msg(date_fr(value), f"{value.day} {MONTHS_EN[value.month - 1]} {value.year}")
