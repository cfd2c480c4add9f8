"""Rules of a PFMP agreement beyond hours: age, guardian, gratification, length, dangerous work."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from convgen.findings import Severity
from convgen.i18n import Msg, date_text
from convgen.law import limits
from convgen.law.calendar import birthday, shift_years
from convgen.law.facts import Facts
from convgen.law.rules.base import Hit, rule

PFMP = frozenset({"pfmp"})
GROUP = "pfmp"


def _age_at_start(ctx: Facts) -> int:
    return ctx.age(ctx.agreement.period.start)


def _minor_at_start(ctx: Facts) -> bool:
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
def pupil_min_age(ctx: Facts) -> Iterator[Hit]:
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
def guardian_required(ctx: Facts) -> Iterator[Hit]:
    pupil, period = ctx.agreement.pupil, ctx.agreement.period
    if pupil.legal_guardian is None and _minor_at_start(ctx):
        adult = birthday(pupil.birth_date, limits.ADULT_AGE)
        yield Hit(("pupil", "legal_guardian"), {"start": date_text(period.start), "adult": date_text(adult)})


def outside_scope_limit(places: tuple[tuple[str, Msg], ...]) -> Msg:
    named = [Msg(f"{name.fr} ({prefix}xx)", f"{name.en} ({prefix}xx)") for prefix, name in places]
    fr = ", ".join(item.fr for item in named[:-1]) + " ni " + named[-1].fr if len(named) > 1 else named[0].fr
    en = ", ".join(item.en for item in named[:-1]) + " or " + named[-1].en if len(named) > 1 else named[0].en
    return Msg(
        f"host.address.postal_code relève du Code du travail : pas {fr}, qui ont leur propre droit du travail (procédure de la PFMP à l'étranger, avec sa propre convention type)",
        f"host.address.postal_code is under the Code du travail: not {en}, which have their own labour law (PFMP-abroad procedure, with its own model agreement)",
    )


def outside_labour_code(postal_code: str) -> Msg | None:
    """Where a postal code lies when the Code du travail does not apply there, or None."""
    return next((name for prefix, name in limits.OUTSIDE_LABOUR_CODE if postal_code.startswith(prefix)), None)


@rule(
    id="HOST_OUTSIDE_SCOPE",
    severity=Severity.ERROR,
    kinds=PFMP,
    group=GROUP,
    applies_to=Msg("convention de PFMP", "PFMP agreement"),
    limit=outside_scope_limit(limits.OUTSIDE_LABOUR_CODE),
    message=Msg(
        "l'organisme d'accueil est {place} (code postal {postal_code}), qui a son propre droit du travail : le Code du travail ne s'y applique pas, et cette convention type, qui l'applique, ne peut servir. Suivez la procédure de la PFMP à l'étranger, qui a sa propre convention type.",
        "the host is {place} (postal code {postal_code}), which has its own labour law: the Code du travail does not apply there, and this model agreement, which applies it, cannot be used. Follow the PFMP-abroad procedure, which has its own model agreement.",
    ),
    needs_consistency=False,
)
def host_outside_scope(ctx: Facts) -> Iterator[Hit]:
    postal_code = ctx.agreement.host.address.postal_code
    place = outside_labour_code(postal_code)
    if place is not None:
        yield Hit(("host", "address", "postal_code"), {"place": place, "postal_code": postal_code})


REGULATED = Msg(
    "élève mineur affecté à des travaux réglementés (safety.regulated_work)", "minor pupil on regulated work (safety.regulated_work)"
)


def _regulated_minor(ctx: Facts) -> bool:
    return ctx.agreement.safety.regulated_work is not None and _minor_at_start(ctx)


def regulated_min_age_limit(minimum: int) -> Msg:
    return Msg(f"au moins {minimum} ans le premier jour", f"at least {minimum} years old on the first day")


@rule(
    id="REGULATED_WORK_MIN_AGE",
    severity=Severity.ERROR,
    kinds=PFMP,
    group=GROUP,
    applies_to=REGULATED,
    limit=regulated_min_age_limit(limits.REGULATED_WORK_MIN_AGE),
    article=limits.D4153_15,
    message=Msg(
        "l'élève aura {age} ans le {start} : les travaux réglementés ne sont permis qu'à partir de {minimum} ans ({ref}).",
        "the pupil will be {age} on {start}: regulated work is allowed from age {minimum} only ({ref}).",
    ),
    needs_consistency=False,
)
def regulated_work_min_age(ctx: Facts) -> Iterator[Hit]:
    if _regulated_minor(ctx):
        age = _age_at_start(ctx)
        if age < limits.REGULATED_WORK_MIN_AGE:
            yield Hit(
                ("safety", "regulated_work"),
                {"age": age, "start": date_text(ctx.agreement.period.start), "minimum": limits.REGULATED_WORK_MIN_AGE},
            )


def _years(count: int) -> Msg:
    if count == 1:
        return Msg("un an", "one year")
    return Msg(f"{count} ans", f"{count} years")


M_MISSING = Msg("n'est pas indiquée", "is not given")
M_LATE = Msg("est le {date}, après le premier jour ({start})", "is {date}, after the first day ({start})")
M_TOO_OLD = Msg(
    "est le {date}, plus {of_years} avant le premier jour ({start}) ; la date limite est le {earliest}",
    "is {date}, more than {years} before the first day ({start}); the limit date is {earliest}",
)


def _dated_within(value: dt.date | None, start: dt.date, years: int) -> Msg | None:
    """What is wrong with a date that must fall in the `years` before the first day, or None."""
    if value is None:
        return M_MISSING
    if value > start:
        return M_LATE.fill(date=date_text(value), start=date_text(start))
    # One year before 29 February is 1 March: the term is never a day longer than it says.
    earliest = shift_years(start, -years)
    if value < earliest:
        # « plus d'un an », « plus de 3 ans »
        of_years = Msg(("d'" if years == 1 else "de ") + _years(years).fr, "")
        return M_TOO_OLD.fill(
            date=date_text(value), of_years=of_years, years=_years(years), start=date_text(start), earliest=date_text(earliest)
        )
    return None


def dated_limit(field: str, years: int, why: Msg) -> Msg:
    return Msg(
        f"{field} au plus tard le premier jour, et au plus {_years(years).fr} avant lui ({why.fr})",
        f"{field} on or before the first day, and at most {_years(years).en} before it ({why.en})",
    )


@rule(
    id="REGULATED_WORK_DEROGATION",
    severity=Severity.ERROR,
    kinds=PFMP,
    group=GROUP,
    applies_to=REGULATED,
    limit=dated_limit(
        "safety.regulated_work.derogation_date",
        limits.DEROGATION_YEARS,
        Msg(
            f"déclaration renouvelée tous les {limits.DEROGATION_YEARS} ans",
            f"the declaration is renewed every {limits.DEROGATION_YEARS} years",
        ),
    ),
    article=limits.R4153_40,
    message=Msg(
        "la date de la déclaration de dérogation aux travaux réglementés (safety.regulated_work.derogation_date) {problem} : elle doit précéder le début de la période de {years} au plus, car la déclaration se renouvelle ({ref}).",
        "the date of the regulated-work derogation declaration (safety.regulated_work.derogation_date) {problem}: it must come before the period starts, by {years} at most, as the declaration is renewed ({ref}).",
    ),
    needs_consistency=False,
)
def regulated_work_derogation(ctx: Facts) -> Iterator[Hit]:
    if _regulated_minor(ctx):
        years = limits.DEROGATION_YEARS
        problem = _dated_within(ctx.agreement.safety.regulated_work.derogation_date, ctx.agreement.period.start, years)
        if problem:
            yield Hit(("safety", "regulated_work", "derogation_date"), {"problem": problem, "years": _years(years)})


@rule(
    id="REGULATED_WORK_MEDICAL",
    severity=Severity.ERROR,
    kinds=PFMP,
    group=GROUP,
    applies_to=REGULATED,
    limit=dated_limit(
        "pupil.medical_visit_date",
        limits.MEDICAL_OPINION_YEARS,
        Msg("l'avis médical d'aptitude est annuel", "the medical fitness opinion is yearly")
        if limits.MEDICAL_OPINION_YEARS == 1
        else Msg(
            f"avis médical renouvelé tous les {limits.MEDICAL_OPINION_YEARS} ans",
            f"the medical opinion is renewed every {limits.MEDICAL_OPINION_YEARS} years",
        ),
    ),
    article=limits.R4153_40_MEDICAL,
    message=Msg(
        "la date de l'avis médical d'aptitude (pupil.medical_visit_date) {problem} : un élève mineur affecté à des travaux réglementés doit l'avoir reçu avant le début, et {years} au plus avant lui ({ref}).",
        "the date of the medical fitness opinion (pupil.medical_visit_date) {problem}: a minor on regulated work must have it before the start, and {years} at most before it ({ref}).",
    ),
    needs_consistency=False,
)
def regulated_work_medical(ctx: Facts) -> Iterator[Hit]:
    if _regulated_minor(ctx):
        years = limits.MEDICAL_OPINION_YEARS
        problem = _dated_within(ctx.agreement.pupil.medical_visit_date, ctx.agreement.period.start, years)
        if problem:
            yield Hit(("pupil", "medical_visit_date"), {"problem": problem, "years": _years(years)})


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
def electrical_clearance(ctx: Facts) -> Iterator[Hit]:
    clearance = ctx.agreement.safety.electrical_clearance
    if clearance is not None and clearance.training_certificate is None:
        yield Hit(("safety", "electrical_clearance", "training_certificate"), {"level": clearance.level})
