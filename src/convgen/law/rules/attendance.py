"""Rules of the attestation: what `attendance` says must fit the agreement it closes."""

from __future__ import annotations

from collections.abc import Iterator

from convgen.findings import Severity
from convgen.i18n import Msg, date_text
from convgen.law import limits
from convgen.law.facts import Facts
from convgen.law.rules.base import Hit, rule

PFMP = frozenset({"pfmp"})
WITH_ATTENDANCE = Msg("convention de PFMP dont la section attendance est remplie", "PFMP agreement whose attendance section is filled in")
M_FIX = Msg(
    " ; une absence se déclare sur un jour travaillé de la convention : corrigez la date ou retirez l'absence.",
    "; an absence is declared on a worked date of the agreement: correct the date or remove the absence.",
)
WHY = {
    "rest": Msg(
        "{day} : absence un jour où la convention ne prévoit pas de travail (jour de repos, férié ou exception){fix}",
        "{day}: absence on a date the agreement plans no work (a rest day, holiday or exception){fix}",
    ),
    "outside": Msg(
        "{day} : absence en dehors de la période ({start} – {end}){fix}",
        "{day}: absence outside the period ({start} – {end}){fix}",
    ),
    "half": Msg(
        "{day} : absence {half}, mais la convention ne prévoit aucun créneau {that_half}{fix}",
        "{day}: absence in the {half_en}, but the agreement plans no slot that {half_en}{fix}",
    ),
    "empty": Msg(
        "absence du {first} au {last} : aucun jour travaillé dans cet intervalle{fix}",
        "absence from {first} to {last}: no worked date in that range{fix}",
    ),
}
HALF_EN = {"matin": "morning", "apres-midi": "afternoon"}
HALF_FR = {"matin": ("le matin", "ce matin-là"), "apres-midi": ("l'après-midi", "cet après-midi-là")}


@rule(
    id="ABSENCE_NOT_WORKED",
    severity=Severity.ERROR,
    kinds=PFMP,
    group="attendance",
    applies_to=WITH_ATTENDANCE,
    limit=Msg(
        "chaque absence (date, ou from et to) est sur des jours travaillés de la période, selon les horaires (avec leurs exceptions) ; "
        "une demi-journée (half) sur une demi-journée qui a des créneaux",
        "each absence (date, or from and to) lies on worked dates of the period, per the schedule (and its exceptions); "
        "a half day (half) on a half that has slots",
    ),
    article=limits.D124_9,
    message=WHY["rest"],
)
def absence_not_worked(ctx: Facts) -> Iterator[Hit]:
    presence = ctx.presence
    if presence is None:
        return
    period = ctx.agreement.period
    absences = ctx.agreement.attendance.absences  # type: ignore[union-attr]
    for item in presence.misplaced:
        absence = absences[item.index]
        half, that_half = HALF_FR.get(absence.half or "", ("", ""))
        params = {
            "start": date_text(period.start),
            "end": date_text(period.end),
            "half": half,
            "that_half": that_half,
            "half_en": HALF_EN.get(absence.half or "", ""),
            "first": date_text(absence.first),
            "last": date_text(absence.last),
            "fix": M_FIX,
        }
        yield Hit(("attendance", "absences", item.index, item.key), params, date=item.date, message=WHY[item.why])


@rule(
    id="ATTESTATION_TOO_EARLY",
    severity=Severity.ERROR,
    kinds=PFMP,
    group="attendance",
    applies_to=WITH_ATTENDANCE,
    limit=Msg(
        "attendance.issued.date n'est pas avant le dernier jour travaillé de la période : l'attestation est délivrée à son issue",
        "attendance.issued.date is not before the last worked date of the period: the attestation is issued at its end",
    ),
    article=limits.D124_9,
    message=Msg(
        "attestation datée du {issued}, avant le dernier jour travaillé de la période ({last}) : l'organisme d'accueil la délivre "
        "à l'issue de la période ({ref}) ; datez-la au plus tôt du {last}.",
        "attestation dated {issued}, before the last worked date of the period ({last}): the host issues it at the end "
        "of the period ({ref}); date it {last} at the earliest.",
    ),
)
def attestation_too_early(ctx: Facts) -> Iterator[Hit]:
    presence = ctx.presence
    if presence is None or presence.last_worked is None:
        return
    issued = ctx.agreement.attendance.issued.date  # type: ignore[union-attr]
    if issued < presence.last_worked:
        yield Hit(("attendance", "issued", "date"), {"issued": date_text(issued), "last": date_text(presence.last_worked)})
