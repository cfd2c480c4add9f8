"""The rules layer: every check an agreement must pass, declared once, run in order."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from convgen.findings import Finding, Location, Severity, located
from convgen.i18n import Lang, Msg
from convgen.law.allowance import Allowance
from convgen.law.facts import Facts
from convgen.law.rules import across, adults, attendance, consistency, formalities, immersion, minors, pfmp  # noqa: F401  (they register their rules)
from convgen.law.rules.across import Footprint, Peers
from convgen.law.rules.base import REGISTRY, Hit, Rule, format_message, group_hits
from convgen.schema.models import Agreement
from convgen.source.reader import FieldPath
from convgen.text import dotted

Locate = Callable[[FieldPath], Location | None]

M_CRASH = Msg(
    "vérification impossible (erreur interne de convgen : {error}) ; merci de la signaler.",
    "check could not run (convgen internal error: {error}); please report it.",
)


def rules_for(kind: str, scope: str = "agreement") -> list[Rule]:
    return [item for item in REGISTRY.values() if kind in item.kinds and item.check is not None and item.scope == scope]


def _finding(item: Rule, hit: Hit, count: int, lang: Lang, locate: Locate) -> Finding:
    message = format_message(item, hit, count, lang)
    return located(
        item.id,
        hit.severity or item.severity,
        message,
        locate(hit.path),
        article=hit.article or item.article,
        field=dotted(hit.path) or None,
        date=hit.date,
        related=hit.related,
    )


def _run_one(item: Rule, subject: Any, lang: Lang, locate: Locate) -> list[Finding]:
    """One rule's findings on its subject: an agreement's Facts, or the Peers of one across a run."""
    try:
        hits = list(item.check(subject))  # type: ignore[misc]
    except Exception as error:  # a check never takes the whole run down with it
        return [Finding(item.id, Severity.ERROR, M_CRASH.get(lang).format(error=type(error).__name__), article=item.article)]
    return [_finding(item, hit, count, lang, locate) for hit, count in group_hits(hits)]


def run_rules(agreement: Agreement | Facts, lang: Lang, locate: Locate) -> list[Finding]:
    """Consistency rules first; the legal rules only on an agreement that passes them.

    Given a Facts, the rules fill it (dated schedule, holidays) for whoever reads it next.
    """
    ctx = agreement if isinstance(agreement, Facts) else Facts(agreement)
    selected = rules_for(ctx.kind)
    findings: list[Finding] = []
    for item in selected:
        if not item.needs_consistency:
            findings.extend(_run_one(item, ctx, lang, locate))
    # Only a broken calendar stops the rest; a legal error (say, the pupil's age) does not hide the others.
    if any(f.is_error and REGISTRY[f.rule].group == "consistency" for f in findings):
        return findings
    for item in selected:
        if item.needs_consistency:
            findings.extend(_run_one(item, ctx, lang, locate))
    return findings


MAX_PEERS = 100
"""Other agreements of one pupil read with each: a year holds a handful; a file copied ten
thousand times (or a hostile campaign) must not make the run quadratic."""


def run_rules_across(footprints: Sequence[Footprint | None], lang: Lang) -> list[tuple[list[Finding], Allowance | None]]:
    """The findings of the rules across agreements, for each footprint in order (none for None),
    and its State allowance, counted with the pupil's other agreements of the year.

    A pupil's other agreements are found through two indexes (INE; names and birth date),
    so the work grows with the run, not with its pairs.
    """
    by_ine: dict[str, list[int]] = {}
    by_pupil: dict[str, list[int]] = {}
    for index, item in enumerate(footprints):
        if item is not None:
            by_pupil.setdefault(item.pupil, []).append(index)
            if item.ine is not None:
                by_ine.setdefault(item.ine, []).append(index)
    selected = rules_for("pfmp", scope="run")
    found: list[tuple[list[Finding], Allowance | None]] = []
    for index, own in enumerate(footprints):
        if own is None:
            found.append(([], None))
            continue
        candidates = set(by_pupil[own.pupil]).union(by_ine.get(own.ine, ()) if own.ine is not None else ())
        candidates.discard(index)
        others = [footprints[other] for other in sorted(candidates) if own.same_pupil(footprints[other])]
        peers = Peers(own, others[:MAX_PEERS])
        found.append(([finding for item in selected for finding in _run_one(item, peers, lang, own.place)], peers.allowance))
    return found


GROUPS = {
    "consistency": Msg("Cohérence du fichier (toute convention)", "File consistency (every agreement)"),
    "common": Msg("Toute convention", "Every agreement"),
    "pfmp": Msg("Conventions de PFMP", "PFMP agreements"),
    "immersion": Msg("Conventions d'immersion", "Immersion agreements"),
    "attendance": Msg(
        "Après la période : l'attestation (section attendance des conventions de PFMP)",
        "After the period: the attestation (the attendance section of PFMP agreements)",
    ),
    "across": Msg(
        "Entre conventions (même élève, même année scolaire : toutes les conventions d'une exécution)",
        "Across agreements (same pupil, same school year: every agreement of a run)",
    ),
}


# The order `convgen rules` lists the rule modules in, as rules.md does.
_MODULES = ("consistency", "minors", "pfmp", "adults", "immersion", "formalities", "attendance", "across")


def _listing_order(item: Rule) -> int:
    module = item.check.__module__.rsplit(".", 1)[-1] if item.check is not None else "consistency"
    return _MODULES.index(module)


def catalogue(lang: Lang = "fr") -> list[dict[str, object]]:
    """Every rule as `convgen rules` shows it, straight from the declarations."""
    return [
        {
            "id": item.id,
            "severity": item.severity.value,
            "kinds": sorted(item.kinds),
            "group": item.group,
            "applies_to": item.applies_to.get(lang),
            "limit": item.limit.get(lang),
            "article": item.article,
        }
        for item in sorted(REGISTRY.values(), key=_listing_order)
    ]
