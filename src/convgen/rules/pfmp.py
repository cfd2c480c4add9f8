"""Rules of a PFMP agreement beyond hours: age, guardian, gratification, length, dangerous work."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from convgen import limits
from convgen.calendar import birthday
from convgen.findings import Severity
from convgen.i18n import Msg, date_text, euros, hours_text
from convgen.rules.base import Context, Hit, rule

PFMP = frozenset({"pfmp"})
GROUP = "pfmp"


def _age_at_start(ctx: Context) -> int:
    return ctx.age(ctx.agreement.period.start)


def _minor_at_start(ctx: Context) -> bool:
    return _age_at_start(ctx) < limits.ADULT_AGE


M_BORN_AFTER_START = Msg(
    "la date de naissance ({birth}) est après le premier jour de la période ({start}) : vérifiez pupil.birth_date et period.start.",
    "the birth date ({birth}) is after the first day of the period ({start}): check pupil.birth_date and period.start.",
)


@rule(
    id="PUPIL_MIN_AGE",
    severity=Severity.ERROR,
    kinds=PFMP,
    group=GROUP,
    applies_to=Msg("élève", "pupil"),
    limit=Msg("au moins 14 ans le premier jour", "at least 14 years old on the first day"),
    article=limits.L4153_1,
    message=Msg(
        "l'élève aura {age} ans le {start}, premier jour de la période ; il faut avoir au moins {minimum} ans ({ref}).",
        "the pupil will be {age} on {start}, the first day of the period; the minimum age is {minimum} ({ref}).",
    ),
    needs_consistency=False,
)
def pupil_min_age(ctx: Context) -> Iterator[Hit]:
    age = _age_at_start(ctx)
    start, birth = ctx.agreement.period.start, ctx.agreement.pupil.birth_date
    if birth > start:
        yield Hit(("pupil", "birth_date"), {"birth": date_text(birth), "start": date_text(start)}, message=M_BORN_AFTER_START)
    elif age < limits.PUPIL_MIN_AGE:
        yield Hit(("pupil", "birth_date"), {"age": age, "start": date_text(start), "minimum": limits.PUPIL_MIN_AGE})


@rule(
    id="GUARDIAN_REQUIRED",
    severity=Severity.ERROR,
    kinds=PFMP,
    group=GROUP,
    applies_to=Msg("élève de moins de 18 ans à une date de la période", "pupil under 18 on any date of the period"),
    limit=Msg("pupil.legal_guardian est renseigné", "pupil.legal_guardian is given"),
    article=limits.ART_3,
    message=Msg(
        "l'élève n'a pas 18 ans le {start} (majeur le {adult}) : indiquez son représentant légal sous pupil.legal_guardian ; il signe la convention ({ref}).",
        "the pupil is not 18 on {start} (adult on {adult}): give the legal guardian under pupil.legal_guardian; they sign the agreement ({ref}).",
    ),
    needs_consistency=False,
)
def guardian_required(ctx: Context) -> Iterator[Hit]:
    pupil, period = ctx.agreement.pupil, ctx.agreement.period
    if pupil.legal_guardian is None and _minor_at_start(ctx):
        adult = birthday(pupil.birth_date, limits.ADULT_AGE)
        yield Hit(("pupil", "legal_guardian"), {"start": date_text(period.start), "adult": date_text(adult)})


REGULATED = Msg(
    "élève mineur affecté à des travaux réglementés (safety.regulated_work)", "minor pupil on regulated work (safety.regulated_work)"
)


def _regulated_minor(ctx: Context) -> bool:
    return ctx.agreement.safety.regulated_work is not None and _minor_at_start(ctx)


@rule(
    id="REGULATED_WORK_MIN_AGE",
    severity=Severity.ERROR,
    kinds=PFMP,
    group=GROUP,
    applies_to=REGULATED,
    limit=Msg("au moins 15 ans le premier jour", "at least 15 years old on the first day"),
    article=limits.D4153_15,
    message=Msg(
        "l'élève aura {age} ans le {start} : les travaux réglementés ne sont permis qu'à partir de {minimum} ans ({ref}).",
        "the pupil will be {age} on {start}: regulated work is allowed from age {minimum} only ({ref}).",
    ),
    needs_consistency=False,
)
def regulated_work_min_age(ctx: Context) -> Iterator[Hit]:
    if _regulated_minor(ctx):
        age = _age_at_start(ctx)
        if age < limits.REGULATED_WORK_MIN_AGE:
            yield Hit(
                ("safety", "regulated_work"),
                {"age": age, "start": date_text(ctx.agreement.period.start), "minimum": limits.REGULATED_WORK_MIN_AGE},
            )


M_MISSING = Msg("n'est pas indiquée", "is not given")
M_LATE = Msg("est le {date}, après le premier jour ({start})", "is {date}, after the first day ({start})")


def _dated_before_start(value: dt.date | None, start: dt.date) -> Msg | None:
    if value is None:
        return M_MISSING
    if value > start:
        return M_LATE.fill(date=date_text(value), start=date_text(start))
    return None


@rule(
    id="REGULATED_WORK_DEROGATION",
    severity=Severity.ERROR,
    kinds=PFMP,
    group=GROUP,
    applies_to=REGULATED,
    limit=Msg(
        "safety.regulated_work.derogation_date au plus tard le premier jour",
        "safety.regulated_work.derogation_date on or before the first day",
    ),
    article=limits.R4153_40,
    message=Msg(
        "la date de la décision de dérogation aux travaux réglementés (safety.regulated_work.derogation_date) {problem} : elle doit précéder le début de la période ({ref}).",
        "the date of the regulated-work derogation (safety.regulated_work.derogation_date) {problem}: it must come before the period starts ({ref}).",
    ),
    needs_consistency=False,
)
def regulated_work_derogation(ctx: Context) -> Iterator[Hit]:
    if _regulated_minor(ctx):
        problem = _dated_before_start(ctx.agreement.safety.regulated_work.derogation_date, ctx.agreement.period.start)
        if problem:
            yield Hit(("safety", "regulated_work", "derogation_date"), {"problem": problem})


@rule(
    id="REGULATED_WORK_MEDICAL",
    severity=Severity.ERROR,
    kinds=PFMP,
    group=GROUP,
    applies_to=REGULATED,
    limit=Msg("pupil.medical_visit_date au plus tard le premier jour", "pupil.medical_visit_date on or before the first day"),
    article=limits.R4153_40_MEDICAL,
    message=Msg(
        "la date de l'avis médical d'aptitude (pupil.medical_visit_date) {problem} : un élève mineur affecté à des travaux réglementés doit l'avoir reçu avant le début ({ref}).",
        "the date of the medical fitness opinion (pupil.medical_visit_date) {problem}: a minor on regulated work must have it before the start ({ref}).",
    ),
    needs_consistency=False,
)
def regulated_work_medical(ctx: Context) -> Iterator[Hit]:
    if _regulated_minor(ctx):
        problem = _dated_before_start(ctx.agreement.pupil.medical_visit_date, ctx.agreement.period.start)
        if problem:
            yield Hit(("pupil", "medical_visit_date"), {"problem": problem})


@rule(
    id="ELECTRICAL_CLEARANCE",
    severity=Severity.ERROR,
    kinds=PFMP,
    group=GROUP,
    applies_to=Msg("élève habilité (safety.electrical_clearance)", "pupil with an electrical clearance (safety.electrical_clearance)"),
    limit=Msg("training_certificate est renseigné", "training_certificate is given"),
    article=limits.ART_11,
    message=Msg(
        "habilitation électrique {level} sans référence de formation : indiquez safety.electrical_clearance.training_certificate ({ref}).",
        "electrical clearance {level} without a training reference: give safety.electrical_clearance.training_certificate ({ref}).",
    ),
    needs_consistency=False,
)
def electrical_clearance(ctx: Context) -> Iterator[Hit]:
    clearance = ctx.agreement.safety.electrical_clearance
    if clearance is not None and clearance.training_certificate is None:
        yield Hit(("safety", "electrical_clearance", "training_certificate"), {"level": clearance.level})
