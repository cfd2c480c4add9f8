"""What templates are given: named values (Record) and the filters that print them the
French way (dates, hours, phones, euros, boxes), every text made safe for Word XML."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

from jinja2 import Undefined
from jinja2.exceptions import TemplateRuntimeError
from markupsafe import Markup, escape

from convgen import i18n
from convgen.schema.fields import format_phone
from convgen.text import XML_FORBIDDEN


class Record:
    """Named values for templates, with no method that a key could shadow."""

    def __init__(self, **fields: Any) -> None:
        self.__dict__.update(fields)

    def __getitem__(self, key: str) -> Any:
        return self.__dict__[key]

    def __contains__(self, key: str) -> bool:
        return key in self.__dict__

    def __repr__(self) -> str:
        return f"Record({', '.join(self.__dict__)})"

    def __str__(self) -> str:
        # Python's text for it would name this class: a template that prints `{{ pupil }}` is told what to write instead.
        raise RecordPrinted(self)


_BREAK = Markup('</w:t><w:br/><w:t xml:space="preserve">')


def _blank(value: Any) -> bool:
    """Nothing to print: null or empty. A name the template does not have stops a render there,
    by its name; `template check` notes it and goes on, never reading it as a number or date."""
    if isinstance(value, Undefined):
        str(value)
        return True
    return value is None or value == ""


def f_date_fr(value: Any) -> str:
    if _blank(value):
        return ""
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, str):
        value = dt.date.fromisoformat(value)
    return i18n.date_fr(value)


def _minutes(hours: Any) -> int:
    return round(Decimal(str(hours)) * 60)


def f_hours_fr(value: Any) -> str:
    return "" if _blank(value) else i18n.hours_fr(_minutes(value))


def f_time_fr(value: Any) -> str:
    if _blank(value):
        return ""
    if value == dt.time.max:  # how a slot ending at midnight, 24:00, is held
        hours, minutes = 24, 0
    elif isinstance(value, dt.time):
        hours, minutes = value.hour, value.minute
    else:
        hours, minutes = divmod(int(value), 60)
    return f"{hours} h {minutes:02d}"


def f_slots_fr(slots: Any) -> str:
    if not slots:
        return ""
    parts = [f"de {f_time_fr(slot.start)} à {f_time_fr(slot.end)}" for slot in slots]
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " et " + parts[-1]


def f_phone_fr(value: Any) -> str:
    if not value:
        return ""
    digits = re.sub(r"\D", "", str(value))
    return format_phone(digits) if len(digits) == 10 and digits.startswith("0") else str(value)


def f_euros(value: Any) -> str:
    if _blank(value):
        return ""
    amount = Decimal(str(value)).quantize(Decimal("0.01"))
    units, cents = f"{amount:.2f}".split(".")
    negative = units.startswith("-")
    units = units.lstrip("-")
    groups = []
    while len(units) > 3:
        groups.insert(0, units[-3:])
        units = units[:-3]
    groups.insert(0, units)
    return ("-" if negative else "") + "\u202f".join(groups) + f",{cents}\u00a0€"


def f_box(value: Any) -> str:
    return "☒" if value else "☐"


def f_multiline(value: Any) -> Markup:
    if value is None:
        return Markup("")
    lines = str(value).replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return _BREAK.join(escape(XML_FORBIDDEN.sub("", line)) for line in lines)


def f_weekday_fr(value: Any) -> str:
    return "" if value is None else i18n.weekday_fr(value)


FILTERS = {
    "date_fr": f_date_fr,
    "hours_fr": f_hours_fr,
    "phone_fr": f_phone_fr,
    "time_fr": f_time_fr,
    "slots_fr": f_slots_fr,
    "euros": f_euros,
    "box": f_box,
    "multiline": f_multiline,
    "weekday_fr": f_weekday_fr,
}


def finalize(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, str) and not isinstance(value, Markup):
        return XML_FORBIDDEN.sub("", value)
    return value


class RecordPrinted(TemplateRuntimeError):
    """A group of values (`pupil`, `host.address`) printed, or turned into text, as if it were one value."""

    def __init__(self, record: Record) -> None:
        super().__init__("groupe de valeurs imprimé")
        self.record = record
