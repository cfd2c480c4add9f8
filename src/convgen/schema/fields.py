"""Scalar types of the agreement file: texts, dates, time slots, phones, INEs, amounts.

Each type validates one YAML value and raises a PydanticCustomError whose type
names an entry of MESSAGES, so that schema errors read the same in French and
English whatever validated them.
"""

from __future__ import annotations

import calendar
import datetime as dt
import functools
import math
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from pydantic import BeforeValidator, PlainSerializer, PlainValidator, WithJsonSchema
from pydantic_core import PydanticCustomError

from convgen.i18n import MONTHS_EN, MONTHS_FR, Msg, date_text
from convgen.text import XML_FORBIDDEN, shortened

MESSAGES: dict[str, Msg] = {
    "text_type": Msg("un texte est attendu{found}", "text expected{found}"),
    "text_empty": Msg("texte vide : renseignez ce champ", "empty text: fill in this field"),
    "text_too_long": Msg(
        "texte trop long ({length} caractères, {limit} au plus)",
        "text too long ({length} characters, at most {limit})",
    ),
    "text_control": Msg(
        "caractère de contrôle {char} interdit (les documents Word ne peuvent pas le contenir)",
        "control character {char} is not allowed (Word documents cannot hold it)",
    ),
    "text_bidi": Msg(
        "caractère de contrôle de sens d'écriture {char} interdit : il ferait afficher le texte dans un autre ordre que celui du fichier",
        "bidirectional control character {char} is not allowed: it would make the text display in another order than in the file",
    ),
    "period_too_long": Msg(
        "la période dure {days} jours, plus de deux ans : vérifiez l'année des dates de début et de fin",
        "the period lasts {days} days, more than two years: check the years of the start and end dates",
    ),
    "postal_code": Msg(
        'code postal invalide « {value} » : 5 chiffres attendus, entre guillemets (par exemple "69007")',
        "invalid postal code '{value}': 5 digits expected, in quotes (for example \"69007\")",
    ),
    "phone": Msg(
        "numéro de téléphone invalide « {value} » : 10 chiffres commençant par 0 (04 78 70 00 00) ou au format international (+33 4 78 70 00 00)",
        "invalid phone number '{value}': 10 digits starting with 0 (04 78 70 00 00) or international (+33 4 78 70 00 00)",
    ),
    "ine": Msg(
        "INE invalide « {value} »{count} : 11 caractères attendus, sans espace, sous l'une des formes "
        "10 chiffres et une lettre (par exemple 1234567890A), 9 chiffres et 2 lettres (123456789AB) "
        "ou 4 chiffres, la lettre A, 5 chiffres et une lettre (1234A12345B)",
        "invalid INE '{value}'{count}: 11 characters expected, without spaces, in one of the shapes "
        "10 digits and a letter (for example 1234567890A), 9 digits and 2 letters (123456789AB) "
        "or 4 digits, the letter A, 5 digits and a letter (1234A12345B)",
    ),
    "email": Msg(
        "adresse e-mail invalide « {value} » : {reason} (forme attendue : nom@domaine.fr)",
        "invalid email address '{value}': {reason}",
    ),
    "date_type": Msg(
        "date attendue au format AAAA-MM-JJ (par exemple 2026-01-12){found}",
        "date expected as YYYY-MM-DD (for example 2026-01-12){found}",
    ),
    "date_day_first": Msg(
        "date « {value} » écrite jour/mois/année : les dates s'écrivent année-mois-jour (AAAA-MM-JJ){hint}",
        "date '{value}' written day/month/year: dates are written year-month-day (YYYY-MM-DD){hint}",
    ),
    "date_bad_month": Msg(
        "la date « {value} » n'existe pas : il n'y a pas de mois {month}",
        "the date '{value}' does not exist: there is no month {month}",
    ),
    "date_bad_day": Msg(
        "la date « {value} » n'existe pas : {month_fr} {year} n'a que {days} jours",
        "the date '{value}' does not exist: {month_en} {year} has only {days} days",
    ),
    "date_with_time": Msg(
        "une date seule est attendue (AAAA-MM-JJ), sans heure : « {value} »",
        "a date alone is expected (YYYY-MM-DD), without a time: '{value}'",
    ),
    "date_range": Msg(
        "année {year} hors des limites acceptées ({low}–{high})",
        "year {year} outside the accepted range ({low}–{high})",
    ),
    "slot_format": Msg(
        "créneau horaire invalide « {value} » : écrivez « HH:MM-HH:MM », par exemple « 08:30-12:00 »",
        "invalid time slot '{value}': write 'HH:MM-HH:MM', for example '08:30-12:00'",
    ),
    "slot_time": Msg(
        "heure impossible « {value} » dans le créneau (heures de 00 à 24, minutes de 00 à 59)",
        "impossible time '{value}' in the slot (hours 00 to 24, minutes 00 to 59)",
    ),
    "slots_type": Msg(
        "une liste de créneaux est attendue, par exemple [08:30-12:00, 13:30-17:00], ou [] pour un jour de repos{found}",
        "a list of time slots is expected, for example [08:30-12:00, 13:30-17:00], or [] for a rest day{found}",
    ),
    "amount": Msg(
        "montant invalide{found} : un nombre positif en euros est attendu, par exemple 4.50",
        "invalid amount{found}: a positive number of euros is expected, for example 4.50",
    ),
    "amount_negative": Msg("montant négatif « {value} » : un montant ne peut pas être négatif", "negative amount '{value}' is not allowed"),
    "amount_precision": Msg(
        "montant « {value} » : deux décimales au plus (centimes)",
        "amount '{value}': at most two decimals (cents)",
    ),
    "amount_too_large": Msg(
        "montant « {value} » invraisemblable (plus de {limit} €)", "implausible amount '{value}' (more than {limit} €)"
    ),
    "meal_price": Msg(
        "avec mode: paid_on_site, indiquez le prix d'un repas (price)",
        "with mode: paid_on_site, give the price of a meal (price)",
    ),
    "absence_when": Msg(
        "une absence a soit une date (date), soit des bornes (from et to), pas les deux",
        "an absence has either a date (date) or bounds (from and to), not both",
    ),
    "absence_bounds": Msg(
        "une absence sur plusieurs jours a ses deux bornes, from et to ; pour un seul jour, écrivez date",
        "an absence over several days has both bounds, from and to; for a single day, write date",
    ),
    "absence_order": Msg(
        "absence du {start} au {end} : la fin précède le début",
        "absence from {start} to {end}: the end comes before the start",
    ),
    "absence_half_range": Msg(
        "half (matin ou apres-midi) ne s'écrit qu'avec une date seule, pas avec from et to",
        "half (matin or apres-midi) goes with a single date only, not with from and to",
    ),
    "absence_half": Msg(
        "demi-journée « {value} » non acceptée ; valeurs acceptées : matin, apres-midi",
        "half day '{value}' is not accepted; accepted values: matin, apres-midi",
    ),
    "bool_type": Msg("oui ou non attendu : écrivez true ou false{found}", "yes or no expected: write true or false{found}"),
}

MAX_TEXT = 4000
MIN_YEAR, MAX_YEAR = 1900, 2100
MAX_AMOUNT = Decimal(1_000_000)

# Characters XML 1.0 forbids (and so Word): C0 controls but tab/newline/CR, surrogates, U+FFFE/F.

# Bidirectional embeddings, overrides and isolates: they make Word show a text in another
# order than it is written, so a signed document could read otherwise than its file.
_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")
MAX_PERIOD_DAYS = 731
"""Longer than two years is a mistyped year, not a period: refused before the calendar is laid out."""


def fail(kind: str, **ctx: Any) -> PydanticCustomError:
    ctx.setdefault("found", "")
    return PydanticCustomError(kind, MESSAGES[kind].en, ctx)


def _found(value: Any) -> str | None:
    """What YAML actually read, shown in type errors (the wording is added per language)."""
    if value is None or isinstance(value, (dict, list)):
        return None
    return shortened(str(value))


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise fail("text_type", shown=_found(value))
    value = value.strip()
    if not value:
        raise fail("text_empty")
    if len(value) > MAX_TEXT:
        raise fail("text_too_long", length=len(value), limit=MAX_TEXT)
    bad = XML_FORBIDDEN.search(value)
    if bad:
        raise fail("text_control", char=f"U+{ord(bad.group()):04X}")
    bad = _BIDI.search(value)
    if bad:
        raise fail("text_bidi", char=f"U+{ord(bad.group()):04X}")
    return value


Text = Annotated[str, PlainValidator(_text), WithJsonSchema({"type": "string", "minLength": 1})]


def _postal_code(value: Any) -> str:
    if not isinstance(value, str):
        raise fail("text_type", shown=_found(value))
    compact = value.replace(" ", "")
    if not re.fullmatch(r"\d{5}", compact):
        raise fail("postal_code", value=value)
    return compact


PostalCode = Annotated[str, PlainValidator(_postal_code), WithJsonSchema({"type": "string", "pattern": r"^\s*\d{2}\s?\d{3}\s*$"})]


def format_phone(digits: str) -> str:
    """0478700000 -> 04 78 70 00 00."""
    return " ".join(digits[i : i + 2] for i in range(0, len(digits), 2))


# Overseas départements dial from abroad with their own country code, at home with a 0.
_OVERSEAS_CODES = ("262", "269", "508", "590", "594", "596")


def _phone(value: Any) -> str:
    if not isinstance(value, str):
        raise fail("text_type", shown=_found(value))
    compact = re.sub(r"[\s.\-/]", "", value).replace("(0)", "")
    if compact.startswith("00") and len(compact) > 10:
        compact = "+" + compact[2:]
    if re.fullmatch(r"\+33[1-9]\d{8}", compact):
        return format_phone("0" + compact[3:])
    for code in _OVERSEAS_CODES:
        if re.fullmatch(rf"\+{code}\d{{9}}", compact):
            return format_phone("0" + compact[len(code) + 1 :])
    if re.fullmatch(r"0[1-9]\d{8}", compact):
        return format_phone(compact)
    if re.fullmatch(r"\+(?!33)[1-9]\d{6,14}", compact):
        return " ".join(value.split())
    raise fail("phone", value=value)


Phone = Annotated[str, PlainValidator(_phone), WithJsonSchema({"type": "string", "examples": ["04 78 70 00 00", "+33 4 78 70 00 00"]})]


# The published shapes of the identifiant national élève: 10 digits and a letter, 9 digits
# and 2 letters, or 4 digits, A, 5 digits and a letter. Only the shape is checked: the
# last character(s) are a key, but no algorithm to compute it has been published, so a
# mistyped INE of the right shape cannot be told from a real one. ASCII classes, not \d:
# Python's \d would take other scripts' digits, which no INE holds.
_INE = re.compile(r"[0-9]{10}[A-Z]|[0-9]{9}[A-Z]{2}|[0-9]{4}A[0-9]{5}[A-Z]")


def _ine(value: Any) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        # Digits alone, unquoted, are read by YAML as a number: it can never be an INE
        # (the last character is a letter), so say what an INE looks like.
        value = str(value)
    if not isinstance(value, str):
        raise fail("text_type", shown=_found(value))
    compact = value.strip()
    # Upper-cased only once known to be ASCII: "ſ".upper() is "S", which would let a
    # character that is no letter of an INE pass for one.
    if not compact.isascii() or not _INE.fullmatch(compact.upper()):
        # The length is said only when it is wrong: "11 characters" beside "11 expected" would puzzle.
        count = Msg(f" ({len(compact)} caractères)", f" ({len(compact)} characters)") if len(compact) != 11 else ""
        raise fail("ine", value=_found(value) or "", count=count)
    return compact.upper()


Ine = Annotated[
    str,
    PlainValidator(_ine),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": r"^\s*([0-9]{10}[A-Za-z]|[0-9]{9}[A-Za-z]{2}|[0-9]{4}[Aa][0-9]{5}[A-Za-z])\s*$",
            "examples": ["1234567890A", "123456789AB", "1234A12345B"],
        }
    ),
]


_LOCAL_CHARS = re.compile(r"[\w!#$%&'*+/=?^`{|}~.-]+")
_LABEL = re.compile(r"[^\W_](?:(?:[^\W_]|-){0,61}[^\W_])?")
M_EMAIL_WHY = {
    "long": Msg("une adresse a 254 caractères au plus", "an address has 254 characters at most"),
    "at": Msg("il faut un seul « @ » entre le nom et le domaine", "it needs exactly one '@' between the name and the domain"),
    "local": Msg(
        "la partie avant « @ » est vide, trop longue ou contient un caractère non permis (espace, virgule…)",
        "the part before '@' is empty, too long or holds a character that is not allowed (space, comma…)",
    ),
    "dots": Msg(
        "un point ne peut être ni au début, ni à la fin, ni doublé avant « @ »",
        "a dot cannot start, end or be doubled before '@'",
    ),
    "domain": Msg(
        "le domaine après « @ » doit être un nom comme ac-lyon.fr (lettres, chiffres, tirets, au moins un point)",
        "the domain after '@' must be a name such as ac-lyon.fr (letters, digits, hyphens, at least one dot)",
    ),
}


@functools.lru_cache(maxsize=4096)
def _normalized_email(value: str) -> str | Msg:
    """The address with its domain in lower case, or why it is not one (RFC 5321 dot-atom forms).

    Cached: a batch repeats the same school and company addresses in every file.
    """
    local, at, domain = value.rpartition("@")
    if not at or "@" in local:
        return M_EMAIL_WHY["at"]
    if not 1 <= len(local) <= 64 or not _LOCAL_CHARS.fullmatch(local):
        return M_EMAIL_WHY["local"]
    if local.startswith(".") or local.endswith(".") or ".." in local:
        return M_EMAIL_WHY["dots"]
    labels = domain.lower().split(".")
    if len(domain) > 253 or len(labels) < 2 or not all(_LABEL.fullmatch(label) for label in labels) or labels[-1].isdigit():
        return M_EMAIL_WHY["domain"]
    return f"{local}@{'.'.join(labels)}"


def _email(value: Any) -> str:
    if not isinstance(value, str):
        raise fail("text_type", shown=_found(value))
    value = value.strip()
    # The cache below sees only addresses of a possible length: a hostile file cannot fill it with megabytes.
    checked = _normalized_email(value) if len(value) <= 254 else M_EMAIL_WHY["long"]
    if isinstance(checked, Msg):
        raise fail("email", value=_found(value), reason=checked)
    return checked


Email = Annotated[str, PlainValidator(_email), WithJsonSchema({"type": "string", "format": "email"})]


# A date the French way, day first (12/01/2026, 12.01.26, 1-2-2026): the usual slip of a
# new user, who is then told the ISO form of the very date meant.
_DAY_FIRST = re.compile(r"(\d{1,2})([/.-])(\d{1,2})\2(\d{4}|\d{2})")


def _not_iso(text: str, value: Any) -> PydanticCustomError:
    match = _DAY_FIRST.fullmatch(text)
    if not match:
        return fail("date_type", shown=_found(value))
    day, month, year = int(match[1]), int(match[3]), int(match[4])
    if len(match[4]) == 2:
        year += 2000 if year < 69 else 1900  # the pivot of POSIX strptime's %y
    try:
        meant = dt.date(year, month, day)
    except ValueError:
        meant = None
    if meant is None or not MIN_YEAR <= year <= MAX_YEAR:
        hint = Msg(
            ", par exemple 2026-01-12 ; de plus, cette date n'existe pas", ", for example 2026-01-12; besides, this date does not exist"
        )
    else:
        hint = Msg(" ; écrivez {iso} ({long})", "; write {iso} ({long})").fill(iso=meant.isoformat(), long=date_text(meant))
    return fail("date_day_first", value=_found(text), hint=hint)


def _date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        if value.time() != dt.time(0):
            raise fail("date_with_time", value=value.isoformat(sep=" "))
        value = value.date()
    elif isinstance(value, str):
        text = value.strip()
        match = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", text)
        if not match:
            raise _not_iso(text, value)
        year, month, day = map(int, match.groups())
        if not MIN_YEAR <= year <= MAX_YEAR:
            raise fail("date_range", year=year, low=MIN_YEAR, high=MAX_YEAR)
        if not 1 <= month <= 12:
            raise fail("date_bad_month", value=text, month=month)
        days = calendar.monthrange(year, month)[1]
        if not 1 <= day <= days:
            raise fail("date_bad_day", value=text, year=year, days=days, month_fr=MONTHS_FR[month - 1], month_en=MONTHS_EN[month - 1])
        value = dt.date(year, month, day)
    elif not isinstance(value, dt.date):
        raise fail("date_type", shown=_found(value))
    if not MIN_YEAR <= value.year <= MAX_YEAR:
        raise fail("date_range", year=value.year, low=MIN_YEAR, high=MAX_YEAR)
    return value


IsoDate = Annotated[dt.date, PlainValidator(_date), WithJsonSchema({"type": "string", "format": "date"})]


@dataclass(frozen=True, slots=True, order=True)
class Slot:
    """A working time slot within one day, in minutes since midnight."""

    start: int
    end: int

    @property
    def minutes(self) -> int:
        return self.end - self.start

    def __str__(self) -> str:
        return f"{clock(self.start)}-{clock(self.end)}"


def clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


# A time is 08:30, 8h30 or 8h (French writes a whole hour without its minutes).
_TIME = r"(\d{1,2})(?:[:hH](\d{2})|[hH])"
_SLOT = re.compile(rf"\s*{_TIME}\s*[-–]\s*{_TIME}\s*")


def _slot(value: Any) -> Slot:
    if isinstance(value, Slot):
        return value
    if not isinstance(value, str):
        raise fail("slot_format", value=value)
    match = _SLOT.fullmatch(value)
    if not match:
        raise fail("slot_format", value=value)
    h1, m1, h2, m2 = (int(part or 0) for part in match.groups())
    for hours, minutes in ((h1, m1), (h2, m2)):
        if hours > 24 or minutes > 59 or (hours == 24 and minutes):
            raise fail("slot_time", value=f"{hours:02d}:{minutes:02d}")
    if h1 == 24:
        raise fail("slot_time", value="24:00")
    return Slot(h1 * 60 + m1, h2 * 60 + m2)


_TIME_PATTERN = r"\d{1,2}(?:[:hH]\d{2}|[hH])"
_SLOT_PATTERN = rf"^\s*{_TIME_PATTERN}\s*[-–]\s*{_TIME_PATTERN}\s*$"
SlotValue = Annotated[
    Slot,
    PlainValidator(_slot),
    PlainSerializer(str, return_type=str),
    WithJsonSchema({"type": "string", "pattern": _SLOT_PATTERN, "examples": ["08:30-12:00"]}),
]


def _slot_list(value: Any) -> Any:
    """A day's slots; one slot, or several separated by commas, may be written unbracketed."""
    if value is None:
        return []
    if isinstance(value, str):
        return [part for part in value.split(",") if part.strip()]
    if not isinstance(value, list):
        raise fail("slots_type", shown=_found(value))
    return value


SlotList = Annotated[list[SlotValue], BeforeValidator(_slot_list)]


def _amount(value: Any) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (int, float, str, Decimal)):
        raise fail("amount", shown=_found(value))
    if isinstance(value, float) and not math.isfinite(value):
        raise fail("amount", shown=str(value))
    text = str(value).strip().replace("€", "").replace(" ", "").replace("\u202f", "").replace(",", ".")
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise fail("amount", shown=str(value)) from None
    if not amount.is_finite():
        raise fail("amount", shown=str(value))
    if amount < 0:
        raise fail("amount_negative", value=value)
    if amount > MAX_AMOUNT:
        raise fail("amount_too_large", value=value, limit=MAX_AMOUNT)
    if amount != amount.quantize(Decimal("0.01")):
        raise fail("amount_precision", value=value)
    return amount.quantize(Decimal("0.01"))


Amount = Annotated[
    Decimal,
    PlainValidator(_amount),
    PlainSerializer(float, return_type=float),
    WithJsonSchema({"type": "number", "minimum": 0}),
]


def _bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise fail("bool_type", shown=_found(value))
    return value


Bool = Annotated[bool, PlainValidator(_bool), WithJsonSchema({"type": "boolean"})]
