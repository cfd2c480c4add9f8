"""Rules every agreement passes before the legal rules read it (rules.md, consistency)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from convgen.findings import Severity
from convgen.i18n import WEEKDAYS_EN, WEEKDAYS_FR, Msg, date_long, date_text
from convgen.law.facts import Facts
from convgen.law.rules.base import ALL_KINDS, Hit, declare, rule
from convgen.schema.fields import Slot
from convgen.schema.models import WEEKDAYS

GROUP = "consistency"
ANY = Msg("toute convention", "any agreement")

declare(
    id="YAML_SYNTAX",
    severity=Severity.ERROR,
    kinds=ALL_KINDS,
    group=GROUP,
    applies_to=ANY,
    limit=Msg(
        "le fichier se lit comme du YAML (UTF-8, une seule convention, pas de clé en double)",
        "the file parses as YAML (UTF-8, one agreement, no duplicate key)",
    ),
)
declare(
    id="SCHEMA",
    severity=Severity.ERROR,
    kinds=ALL_KINDS,
    group=GROUP,
    applies_to=ANY,
    limit=Msg(
        "les données suivent le format (input.md) : types, champs obligatoires, aucun champ inconnu",
        "the data fits the format (input.md): types, required keys, no unknown key",
    ),
)

declare(
    id="CAMPAIGN",
    severity=Severity.ERROR,
    kinds=ALL_KINDS,
    group=GROUP,
    applies_to=Msg("campagne (campaign, liste de classe CSV ou XLSX)", "campaign (campaign, CSV or XLSX class list)"),
    limit=Msg(
        "la liste de classe existe et se lit (CSV en UTF-8 ou Windows-1252, XLSX), ses en-têtes sont des chemins de champs uniques ou des en-têtes d'export (NOM, PRENOM, DATE NAISS…) ; pas plus de cellules que d'en-têtes",
        "the class list exists and can be read (CSV in UTF-8 or Windows-1252, XLSX), its headers are unique field paths or export headers (NOM, PRENOM, DATE NAISS…); no more cells than headers",
    ),
)

declare(
    id="ROSTER",
    severity=Severity.ERROR,
    kinds=ALL_KINDS,
    group=GROUP,
    applies_to=Msg("liste de classe de `convgen status --roster`", "class list of `convgen status --roster`"),
    limit=Msg(
        "chaque élève de la liste a un nom, un prénom et une date de naissance qui existe (JJ/MM/AAAA, AAAA-MM-JJ ou date du tableur)",
        "each pupil of the list has a last name, a first name and a birth date that exists (DD/MM/YYYY, YYYY-MM-DD or a spreadsheet date)",
    ),
)


@rule(
    id="PERIOD_ORDER",
    severity=Severity.ERROR,
    kinds=ALL_KINDS,
    group=GROUP,
    applies_to=ANY,
    limit=Msg("period.end n'est pas avant period.start", "period.end is not before period.start"),
    message=Msg(
        "la période finit le {end} avant de commencer le {start} : vérifiez period.start et period.end.",
        "the period ends on {end} before it starts on {start}: check period.start and period.end.",
    ),
    needs_consistency=False,
)
def period_order(ctx: Facts) -> Iterator[Hit]:
    period = ctx.agreement.period
    if period.end < period.start:
        yield Hit(("period", "end"), {"start": date_text(period.start), "end": date_text(period.end)})


@rule(
    id="EXCEPTION_OUTSIDE_PERIOD",
    severity=Severity.ERROR,
    kinds=ALL_KINDS,
    group=GROUP,
    applies_to=ANY,
    limit=Msg("chaque date de schedule.exceptions est dans la période", "every schedule.exceptions date is inside the period"),
    message=Msg(
        "{day} : cette exception est hors de la période (du {start} au {end}) et ne s'appliquerait à aucun jour.",
        "{day}: this exception lies outside the period ({start} to {end}) and would apply to no day.",
    ),
    needs_consistency=False,
)
def exception_outside_period(ctx: Facts) -> Iterator[Hit]:
    schedule, period = ctx.agreement.schedule, ctx.agreement.period
    if schedule is None or period.end < period.start:  # PERIOD_ORDER says it already
        return
    for date in schedule.exceptions:
        if not period.start <= date <= period.end:
            yield Hit(
                ("schedule", "exceptions", date.isoformat()),
                {"start": date_text(period.start), "end": date_text(period.end)},
                date,
            )


M_WEEKDAY = Msg("{day} (semaine type)", "{day} (weekly pattern)")
DAY_NAMES = {name: Msg(WEEKDAYS_FR[index].capitalize(), WEEKDAYS_EN[index]) for index, name in enumerate(WEEKDAYS)}
M_BACKWARDS = Msg(
    "le créneau {slot} finit avant de commencer (pas de créneau à cheval sur minuit)",
    "the slot {slot} ends before it starts (no slot across midnight)",
)
M_EMPTY_SLOT = Msg("le créneau {slot} a une durée nulle", "the slot {slot} lasts no time")
M_OVERLAP = Msg("les créneaux {first} et {second} se chevauchent", "the slots {first} and {second} overlap")
M_ORDER = Msg(
    "les créneaux {first} et {second} sont dans le désordre : écrivez-les dans l'ordre de la journée",
    "the slots {first} and {second} are out of order: write them in the order of the day",
)


def slot_problem(slots: list[Slot]) -> Msg | None:
    """Why a day's slots cannot be read as a working day, or None."""
    for slot in slots:
        if slot.end < slot.start:
            return M_BACKWARDS.fill(slot=slot)
        if slot.end == slot.start:
            return M_EMPTY_SLOT.fill(slot=slot)
    for first, second in zip(slots, slots[1:]):
        if second.start < first.end:
            return (M_ORDER if second.end <= first.start else M_OVERLAP).fill(first=first, second=second)
    return None


@rule(
    id="SLOT_INVALID",
    severity=Severity.ERROR,
    kinds=ALL_KINDS,
    group=GROUP,
    applies_to=ANY,
    limit=Msg(
        "dans une journée, chaque créneau finit après son début ; les créneaux ne se chevauchent pas et se suivent dans l'ordre",
        "in a day, each slot ends after it starts and slots neither overlap nor go backwards",
    ),
    message=Msg("{where} : {reason}.", "{where}: {reason}."),
    needs_consistency=False,
)
def slot_invalid(ctx: Facts) -> Iterator[Hit]:
    schedule = ctx.agreement.schedule
    if schedule is None:
        return
    for name in WEEKDAYS:
        problem = slot_problem(getattr(schedule.weekly, name))
        if problem:
            yield Hit(("schedule", "weekly", name), {"where": M_WEEKDAY.fill(day=DAY_NAMES[name]), "reason": problem})
    for date, slots in schedule.exceptions.items():
        problem = slot_problem(slots)
        if problem:
            where = Msg(date_long(date, "fr"), date_long(date, "en"))
            yield Hit(("schedule", "exceptions", date.isoformat()), {"where": where, "reason": problem}, date)


@rule(
    id="NO_WORKING_DAY",
    severity=Severity.ERROR,
    kinds=ALL_KINDS,
    group=GROUP,
    applies_to=ANY,
    limit=Msg("au moins une date travaillée dans la période", "at least one worked date in the period"),
    message=Msg(
        "aucun jour travaillé du {start} au {end} : la semaine type et les exceptions ne prévoient aucun créneau sur la période.",
        "no worked day from {start} to {end}: the weekly pattern and the exceptions give no slot in the period.",
    ),
)
def no_working_day(ctx: Facts) -> Iterator[Hit]:
    period = ctx.agreement.period
    days = ctx.days
    if days is None:
        worked = any(date.weekday() < 5 for date in period.dates())
    else:
        worked = any(day.worked for day in days)
    if not worked:
        path = ("schedule",) if ctx.agreement.schedule is not None else ("period",)
        yield Hit(path, {"start": date_text(period.start), "end": date_text(period.end)})


UAI_LETTERS = "ABCDEFGHJKLMNPRSTUVWXYZ"


def uai_problem(uai: str) -> Msg | None:
    compact = re.sub(r"\s", "", uai).upper()
    if not re.fullmatch(r"\d{7}[A-Z]", compact):
        return Msg(
            "7 chiffres suivis d'une lettre sont attendus, par exemple 0690128P",
            "7 digits followed by a letter are expected, for example 0690128P",
        )
    expected = UAI_LETTERS[int(compact[:7]) % 23]
    if compact[7] != expected:
        return Msg(
            "la lettre de contrôle de {digits} est {expected}, pas {letter} ; vérifiez le code dans l'annuaire de l'éducation",
            "the check letter of {digits} is {expected}, not {letter}; check the code in the education directory",
        ).fill(digits=compact[:7], expected=expected, letter=compact[7])
    return None


@rule(
    id="UAI_INVALID",
    severity=Severity.ERROR,
    kinds=frozenset({"pfmp"}),
    group=GROUP,
    applies_to=Msg("établissement (school.uai)", "school (school.uai)"),
    limit=Msg(
        "7 chiffres et la lettre de contrôle : reste de la division par 23, dans ABCDEFGHJKLMNPRSTUVWXYZ",
        "7 digits and the check letter: remainder of the division by 23, in ABCDEFGHJKLMNPRSTUVWXYZ",
    ),
    message=Msg("code UAI « {uai} » invalide : {reason}.", "invalid UAI code '{uai}': {reason}."),
    needs_consistency=False,
)
def uai_invalid(ctx: Facts) -> Iterator[Hit]:
    uai = ctx.agreement.school.uai
    problem = uai_problem(uai)
    if problem:
        yield Hit(("school", "uai"), {"uai": uai, "reason": problem})


def _luhn(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        digit = int(char) * (2 if index % 2 else 1)
        total += digit - 9 if digit > 9 else digit
    return total % 10 == 0


def siret_valid(siret: str) -> bool:
    """The check digits of 14 digits: the SIREN (first 9) and the SIRET pass the Luhn test;
    La Poste's establishments (SIREN 356000000, but for its head office) have a sum of
    digits that is a multiple of 5 instead (INSEE)."""
    if siret.startswith("356000000") and siret != "35600000000048":
        return sum(map(int, siret)) % 5 == 0 and _luhn(siret[:9])
    return _luhn(siret) and _luhn(siret[:9])


def siret_problem(siret: str) -> Msg | None:
    compact = re.sub(r"[\s.\-]", "", siret)
    if not compact.isascii() or not compact.isdigit() or len(compact) != 14:
        return Msg("14 chiffres sont attendus", "14 digits are expected")
    if not siret_valid(compact):
        return Msg(
            "la clé de contrôle ne correspond pas ; vérifiez les 14 chiffres (avis de situation SIRENE)",
            "the checksum does not match; check the 14 digits (SIRENE registration notice)",
        )
    return None


@rule(
    id="SIRET_INVALID",
    severity=Severity.ERROR,
    kinds=frozenset({"pfmp"}),
    group=GROUP,
    applies_to=Msg("organisme d'accueil (host.siret, s'il est donné)", "host (host.siret, when given)"),
    limit=Msg(
        "14 chiffres et clé de Luhn (somme des chiffres multiple de 5 pour La Poste, SIRET 356000000…)",
        "14 digits and Luhn checksum (digit sum a multiple of 5 for La Poste, SIRET 356000000…)",
    ),
    message=Msg("SIRET « {siret} » invalide : {reason}.", "invalid SIRET '{siret}': {reason}."),
    needs_consistency=False,
)
def siret_invalid(ctx: Facts) -> Iterator[Hit]:
    siret = ctx.agreement.host.siret
    if siret is None:
        return
    problem = siret_problem(siret)
    if problem:
        yield Hit(("host", "siret"), {"siret": siret, "reason": problem})
