"""What a template sees (input.md, docs/TEMPLATES.md): the agreement and its computed values.

Built once per agreement; each copy only adds `copy`.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from convgen.documents.filters import Record
from convgen.findings import Finding, Severity
from convgen.i18n import WEEKDAYS_FR
from convgen.law import limits
from convgen.law.attendance import HALF_LABELS, half_slots, hours
from convgen.law.calendar import Day, school_year
from convgen.schema.fields import Slot
from convgen.schema.models import Agreement, Signature

if TYPE_CHECKING:
    from convgen.law.allowance import Allowance
    from convgen.law.attendance import Presence
    from convgen.law.facts import Facts


@dataclass(frozen=True)
class Copy:
    id: str
    label: str

    @property
    def heading(self) -> str:
        return f"Exemplaire destiné {_to(self.label)}"

    def record(self) -> Record:
        return Record(id=self.id, label=self.label, heading=self.heading)


def _to(label: str) -> str:
    """« à » before a French noun phrase, contracted as French requires."""
    if label.startswith("le "):
        return "au " + label[3:]
    if label.startswith("les "):
        return "aux " + label[4:]
    return "à " + label


COPY_IDS = {"pfmp": ("etablissement", "entreprise", "eleve"), "immersion": ("hote", "envoi", "travailleur")}
ATTESTATION_COPIES = ("eleve", "etablissement")
"""The attestation de fin de PFMP (cli.md, `attest`): the pupil's copy, and the school's."""
_LABELS = {
    "etablissement": "l'établissement de formation",
    "entreprise": "l'entreprise ou l'organisme d'accueil",
    "hote": "la structure hôte",
    "envoi": "la structure qui envoie en immersion",
    "travailleur": "le travailleur stagiaire",
}


def attestation_copies() -> list[Copy]:
    """The attestation is the pupil's own record, minor or not: its copy is for the pupil."""
    labels = {"eleve": "l'élève", "etablissement": _LABELS["etablissement"]}
    return [Copy(copy_id, labels[copy_id]) for copy_id in ATTESTATION_COPIES]


def copies(agreement: Agreement, minor: bool) -> list[Copy]:
    """The copies of an agreement, in order; the pupil's goes to the legal guardian while a minor."""
    found = []
    for copy_id in COPY_IDS[agreement.kind]:
        if copy_id == "eleve":
            label = "le représentant légal de l'élève" if minor else "l'élève"
        else:
            label = _LABELS[copy_id]
        found.append(Copy(copy_id, label))
    return found


def _time(minutes: int) -> dt.time:
    """A time of day; 24:00, the end of a slot running to midnight, is time.max (time_fr prints it 24 h 00)."""
    return dt.time.max if minutes >= 24 * 60 else dt.time(minutes // 60, minutes % 60)


@functools.lru_cache(maxsize=1024)
def slot_record(slot: Slot) -> Record:
    # Shared by every day and document with that slot: templates can read a Record, not change it.
    return Record(start=_time(slot.start), end=_time(slot.end), hours=hours(slot.minutes), text=str(slot))


def _slots(slots: Iterable[Slot]) -> list[Record]:
    return [slot_record(slot) for slot in slots]


def _value(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return model_record(value)
    if isinstance(value, Slot):
        return slot_record(value)
    if isinstance(value, (list, tuple)):
        return [_value(item) for item in value]
    if isinstance(value, dict):
        return {key: _value(item) for key, item in value.items()}
    return value


def model_record(model: BaseModel) -> Record:
    """A validated model under its YAML names (`pupil.class`), optional keys present as None."""
    fields = {}
    for name, info in type(model).model_fields.items():
        fields[info.alias or name] = _value(getattr(model, name))
    return Record(**fields)


def _week_pattern(agreement: Agreement) -> list[Record]:
    schedule = agreement.schedule
    if schedule is None:
        return []
    rows = []
    previous: tuple[Slot, ...] | None = None
    for weekday in range(7):
        slots = tuple(schedule.weekly.slots(weekday))
        if weekday == 6 and not slots:
            break
        name = WEEKDAYS_FR[weekday]
        morning, afternoon = half_slots(slots, "matin"), half_slots(slots, "apres-midi")
        rows.append(
            Record(
                day=name.capitalize(),
                weekday=name,
                slots=_slots(slots),
                morning=_slots(morning),
                afternoon=_slots(afternoon),
                hours=hours(sum(slot.minutes for slot in slots)),
                worked=bool(slots),
                same_as_previous=previous is not None and bool(slots) and slots == previous,
                # the model has one « idem au jour précédent » box per half-day
                same_morning_as_previous=previous is not None and bool(morning) and morning == half_slots(previous, "matin"),
                same_afternoon_as_previous=previous is not None and bool(afternoon) and afternoon == half_slots(previous, "apres-midi"),
            )
        )
        previous = slots
    return rows


def _limits(agreement: Agreement, band: limits.MinorBand | None) -> Record:
    if band is not None:
        return Record(
            minor=True,
            daily_max=hours(band.daily_max),
            weekly_max=hours(band.weekly_max),
            daily_rest=hours(band.daily_rest),
            window=Record(start=hours(band.window[0]), end=hours(band.window[1])),
            break_after=hours(limits.MINOR_MAX_CONTINUOUS),
            break_minutes=limits.MINOR_MIN_BREAK,
        )
    weekly = limits.PFMP_ADULT_WEEKLY_MAX if agreement.kind == "pfmp" else limits.IMMERSION_WEEKLY_MAX
    return Record(
        minor=False,
        daily_max=hours(limits.ADULT_DAILY_MAX),
        weekly_max=hours(weekly),
        daily_rest=hours(limits.ADULT_DAILY_REST),
        window=None,
        break_after=hours(limits.ADULT_MAX_CONTINUOUS),
        break_minutes=limits.ADULT_MIN_BREAK,
    )


def gratification(agreement: Agreement, days: Sequence[Day], total_minutes: int) -> Record | None:
    """What the annexe financière prints. `required` is this agreement's own (its hours in a
    school year); the rules also add the pupil's other agreements at the host in the run."""
    if agreement.kind != "pfmp":
        return None
    threshold = limits.GRATIFICATION_THRESHOLD_AGRICULTURAL if agreement.school.agricultural else limits.GRATIFICATION_THRESHOLD
    period = agreement.period
    # Paid monthly: each calendar year of the period at its own rate; the highest binds.
    minimum = max(limits.ceiling(year)[0].minimum_gratification for year in range(period.start.year, period.end.year + 1))
    by_year: dict[int, int] = {}
    for day in days:
        by_year[school_year(day.date)] = by_year.get(school_year(day.date), 0) + day.minutes
    given = agreement.finance.gratification
    amount = given.hourly_amount if given is not None else None
    total = (amount * Decimal(total_minutes) / 60).quantize(Decimal("0.01")) if amount is not None else None
    required = any(minutes > threshold for minutes in by_year.values())
    return Record(required=required, minimum_hourly=minimum, hourly_amount=amount, estimated_total=total)


def allowance_record(allowance: Allowance | None) -> Record | None:
    """The State allowance as templates see it (input.md): the figures, and the level and ministry named in French."""
    if allowance is None:
        return None
    from convgen.law.allowance import LEVELS, MINISTRIES

    values = allowance.to_json()
    return Record(**values, label=LEVELS[allowance.level].fr, ministry_label=MINISTRIES[allowance.ministry].fr)


def attendance_record(agreement: Agreement, presence: Presence | None) -> Record | None:
    """What the attestation prints of `attendance`: days and hours done, each absence as written."""
    attendance = getattr(agreement, "attendance", None)
    if attendance is None or presence is None:
        return None
    absences = [
        Record(
            date=entry.first,
            to=entry.last,
            half=entry.half,
            half_label=HALF_LABELS.get(entry.half) if entry.half else None,
            reason=entry.reason,
            days=entry.days,
            hours=hours(entry.minutes),
        )
        for entry in presence.entries
    ]
    return Record(
        days_done=presence.days_done,
        hours_done=hours(presence.minutes_done),
        days_planned=presence.days_planned,
        hours_planned=hours(presence.minutes_planned),
        absent_days=presence.absent_days,
        absent_half_days=presence.absent_half_days,
        absences=absences,
        gratification_paid=attendance.gratification_paid,
        activities_done=list(attendance.activities_done or agreement.pedagogy.activities),
        issued=model_record(attendance.issued),
    )


def _finding(finding: Finding) -> Record:
    return Record(rule=finding.rule, message=finding.message, field=finding.field, date=finding.date)


def build(
    agreement: Agreement, findings: Sequence[Finding] = (), ctx: Facts | None = None, allowance: Allowance | None = None
) -> dict[str, Any]:
    """Everything but `copy`: the agreement under its YAML names, and the computed values.

    `ctx`, the rules' context of this agreement, spares computing its schedule again;
    `allowance` is the State allowance the rules counted (pipeline.checking.FileResult).
    """
    from convgen.law.facts import Facts

    if ctx is None or ctx.agreement is not agreement:
        ctx = Facts(agreement)
    context = model_record(agreement).__dict__
    if context.get("signature") is None:
        context["signature"] = model_record(Signature.model_construct(place=None, date=None))
    days = ctx.days or []
    holidays = ctx.holidays
    total = sum(day.minutes for day in days)
    start = agreement.period.start
    # Ages only grow: a pupil under 18 on some day of the period is under 18 on the first.
    minor = ctx.birth_date is not None and not ctx.is_adult(start)
    exceptions = agreement.schedule.exceptions if agreement.schedule is not None else {}
    weekly = sum(slot.minutes for day in range(7) for slot in agreement.schedule.weekly.slots(day)) if agreement.schedule else 0
    context.update(
        kind=agreement.kind,
        days=[
            Record(
                date=day.date,
                weekday=WEEKDAYS_FR[day.date.weekday()],
                slots=_slots(day.slots),
                hours=hours(day.minutes),
                worked=day.worked,
                holiday=holidays[day.date].fr if day.date in holidays else None,
            )
            for day in days
        ],
        week_pattern=_week_pattern(agreement),
        exceptions=[
            Record(
                date=date,
                weekday=WEEKDAYS_FR[date.weekday()],
                slots=_slots(slots),
                hours=hours(sum(slot.minutes for slot in slots)),
                worked=bool(slots),
            )
            for date, slots in sorted(exceptions.items())
        ],
        holidays=[Record(date=date, name=name.fr) for date, name in sorted(holidays.items())],
        weekly_hours=hours(weekly),
        weeks=math.ceil(len(agreement.period.dates()) / 7),
        total_hours=hours(total),
        presence_days=sum(1 for day in days if day.worked),
        minor=minor,
        age=ctx.age(start),
        limits=_limits(agreement, ctx.band(start)),
        gratification=gratification(agreement, days, total),
        findings=[_finding(f) for f in findings if f.severity is Severity.WARNING],
        allowance=allowance_record(allowance),
        attendance=attendance_record(agreement, ctx.presence),
    )
    context["copies"] = [copy.record() for copy in copies(agreement, minor)]
    return context
