"""Formal rules of the model agreements: dates of signature and of the board's approval."""

from __future__ import annotations

from collections.abc import Iterator

from convgen.findings import Severity
from convgen.i18n import Msg, date_text
from convgen.law.facts import Facts
from convgen.law.rules.base import ALL_KINDS, Hit, rule


@rule(
    id="SIGNED_AFTER_START",
    severity=Severity.WARNING,
    kinds=ALL_KINDS,
    group="common",
    applies_to=Msg("toute convention datée (signature.date)", "any dated agreement (signature.date)"),
    limit=Msg(
        "signature.date, si elle est donnée, n'est pas après le premier jour", "signature.date, when given, is not after the first day"
    ),
    article="Convention type",
    message=Msg(
        "la convention est datée du {signed}, après le premier jour de la période ({start}) : elle doit être signée avant le début.",
        "the agreement is dated {signed}, after the first day of the period ({start}): it must be signed before the start.",
    ),
)
def signed_after_start(ctx: Facts) -> Iterator[Hit]:
    signature, period = ctx.agreement.signature, ctx.agreement.period
    if signature is not None and signature.date is not None and signature.date > period.start:
        yield Hit(("signature", "date"), {"signed": date_text(signature.date), "start": date_text(period.start)})


@rule(
    id="BOARD_APPROVAL_MISSING",
    severity=Severity.WARNING,
    kinds=frozenset({"pfmp"}),
    group="pfmp",
    applies_to=Msg("convention de PFMP", "PFMP agreement"),
    limit=Msg(
        "school.board_approval_date est donnée (le préambule la cite)", "school.board_approval_date is given (the preamble cites it)"
    ),
    article="Convention type, préambule",
    message=Msg(
        "date de la délibération du conseil d'administration absente (school.board_approval_date) : le préambule la cite, elle resterait en blanc.",
        "date of the board's approval missing (school.board_approval_date): the preamble cites it, it would stay blank.",
    ),
)
def board_approval_missing(ctx: Facts) -> Iterator[Hit]:
    if ctx.agreement.school.board_approval_date is None:
        yield Hit(("school",))
