"""The rules layer: every check an agreement must pass, declared once, run in order."""

from __future__ import annotations

from collections.abc import Callable

from convgen.findings import Finding, Location, Severity, located
from convgen.i18n import Lang, Msg
from convgen.loading import FieldPath, dotted
from convgen.models import Agreement
from convgen.rules import adults, consistency, formalities, immersion, minors, pfmp  # noqa: F401  (they register their rules)
from convgen.rules.base import REGISTRY, Context, Hit, Rule, format_message, group_hits

Locate = Callable[[FieldPath], Location | None]

M_CRASH = Msg(
    "vérification impossible (erreur interne de convgen : {error}) ; merci de la signaler.",
    "check could not run (convgen internal error: {error}); please report it.",
)


def rules_for(kind: str) -> list[Rule]:
    return [item for item in REGISTRY.values() if kind in item.kinds and item.check is not None]


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
    )


def _run_one(item: Rule, ctx: Context, lang: Lang, locate: Locate) -> list[Finding]:
    try:
        hits = list(item.check(ctx))  # type: ignore[misc]
    except Exception as error:  # a check never takes the whole run down with it
        return [Finding(item.id, Severity.ERROR, M_CRASH.get(lang).format(error=type(error).__name__), article=item.article)]
    return [_finding(item, hit, count, lang, locate) for hit, count in group_hits(hits)]


def run_rules(agreement: Agreement | Context, lang: Lang, locate: Locate) -> list[Finding]:
    """Consistency rules first; the legal rules only on an agreement that passes them.

    Given a Context, the rules fill it (dated schedule, holidays) for whoever reads it next.
    """
    ctx = agreement if isinstance(agreement, Context) else Context(agreement)
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


GROUPS = {
    "consistency": Msg("Cohérence du fichier (toute convention)", "File consistency (every agreement)"),
    "common": Msg("Toute convention", "Every agreement"),
    "pfmp": Msg("Conventions de PFMP", "PFMP agreements"),
    "immersion": Msg("Conventions d'immersion", "Immersion agreements"),
}


# The order `convgen rules` lists the rule modules in, as rules.md does.
_MODULES = ("consistency", "minors", "pfmp", "adults", "immersion", "formalities")


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
