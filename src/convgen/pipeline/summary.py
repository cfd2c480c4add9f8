"""What `convgen status` keeps of one checked agreement: who, where, when, and its figures.

Made in the worker that checked the agreement, where its model and dated schedule are,
so that only these few values travel back. An agreement the schema refused still has
a pupil and a period, read leniently from its YAML: the PFMP office must see that the
pupil has an agreement (an invalid one), not that the pupil has none.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from convgen.law.calendar import school_year
from convgen.pipeline.checking import FileResult


@dataclass(frozen=True, slots=True)
class Summary:
    kind: str | None
    last_name: str | None
    first_name: str | None
    birth_date: dt.date | None
    class_name: str | None
    ine: str | None
    host: str | None
    siret: str | None
    start: dt.date | None
    end: dt.date | None
    minor: bool | None = None
    days_planned: int | None = None
    minutes_planned: int | None = None
    gratification_required: bool | None = None
    gratification_hourly: Decimal | None = None
    gratification_total: Decimal | None = None

    @property
    def school_year(self) -> int | None:
        return school_year(self.start) if self.start is not None else None

    @property
    def is_pupil(self) -> bool:
        """A PFMP pupil the office can find on its class list (named, with a birth date)."""
        return self.kind == "pfmp" and bool(self.last_name) and bool(self.first_name) and self.birth_date is not None


def summarize(result: FileResult) -> Summary | None:
    """The summary of a checked agreement, or None when its YAML holds no agreement at all."""
    agreement = result.agreement
    if agreement is not None and result.context is not None:
        return _of_agreement(result)
    data = result.data
    if not isinstance(data, dict):
        return None
    return _of_data(data)


def _of_agreement(result: FileResult) -> Summary:
    from convgen.documents.context import gratification

    agreement, facts = result.agreement, result.context
    assert agreement is not None and facts is not None
    days = facts.days or []
    minutes = sum(day.minutes for day in days)
    worked = sum(1 for day in days if day.worked)
    start, end = agreement.period.start, agreement.period.end
    if agreement.kind == "immersion":
        worker = agreement.worker
        return Summary(
            "immersion", worker.last_name, worker.first_name, None, None, None, agreement.host.name, None, start, end,
            minor=False, days_planned=worked if facts.days is not None else None, minutes_planned=minutes if facts.days is not None else None,
        )  # fmt: skip
    pupil, host = agreement.pupil, agreement.host
    money = gratification(agreement, days, minutes)
    return Summary(
        "pfmp", pupil.last_name, pupil.first_name, pupil.birth_date, pupil.class_, pupil.ine, host.name, host.siret, start, end,
        minor=not facts.is_adult(start), days_planned=worked, minutes_planned=minutes,
        gratification_required=money.required if money else None,
        gratification_hourly=money.hourly_amount if money else None,
        gratification_total=money.estimated_total if money else None,
    )  # fmt: skip


def _text(value: Any) -> str | None:
    if isinstance(value, str | int) and not isinstance(value, bool):
        text = " ".join(str(value).split())
        return text or None
    return None


def _date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


def _block(data: dict, key: str) -> dict:
    value = data.get(key)
    return value if isinstance(value, dict) else {}


def _of_data(data: dict) -> Summary:
    """What can be read of an agreement that the schema refused: every value is checked for
    its type, since nothing about it is known to be right."""
    kind = data.get("kind") if data.get("kind") in ("pfmp", "immersion") else None
    person = _block(data, "worker" if kind == "immersion" else "pupil")
    host, period = _block(data, "host"), _block(data, "period")
    ine = _text(person.get("ine"))
    return Summary(
        kind,
        _text(person.get("last_name")),
        _text(person.get("first_name")),
        _date(person.get("birth_date")) if kind != "immersion" else None,
        _text(person.get("class")) if kind != "immersion" else None,
        ine.upper() if ine else None,
        _text(host.get("name")),
        _text(host.get("siret")),
        _date(period.get("start")),
        _date(period.get("end")),
    )
