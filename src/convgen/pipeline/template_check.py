"""`convgen template check`: every problem of a template, found by rendering the sample
agreements (the starter, and a variant that fills what the starter leaves empty) with a
recording sandbox, all reported together."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from convgen.documents.budget import Budget
from convgen.documents.package import PackageError, read_members
from convgen.documents.problems import distinct, seen_problem
from convgen.documents.rendering import check_xml, render_part
from convgen.documents.sandbox import RecordingUndefined, Seen, environment
from convgen.documents.template import M_NOT_DOCX, CompiledTemplate, compile_parts, package_problems, read_template
from convgen.errors import TemplateError
from convgen.i18n import Lang, Msg


def sample_agreements(kind: str) -> list[Any]:
    """Agreements that take a template through its branches: the starter, an adult, optional keys filled."""
    import datetime as dt
    from decimal import Decimal

    from convgen.pipeline.checking import check_bytes
    from convgen.schema.models import Accommodation, Gratification, Signature
    from convgen.source.starter import starter_text

    base = check_bytes(starter_text(kind).encode("utf-8"), f"{kind}.yaml").agreement
    assert base is not None, "the starter is valid"
    samples = [base]
    signature = Signature(place="Lyon", date=base.period.start - dt.timedelta(days=7))
    if kind == "pfmp":
        adult = base.pupil.model_copy(
            update={
                "birth_date": base.period.start.replace(year=base.period.start.year - 19),
                "ine": "1234567890A",
                "address": base.host.address,
                "phone": "06 00 00 00 01",
                "email": "eleve@example.fr",
            }
        )
        finance = base.finance.model_copy(
            update={
                "accommodation": Accommodation(address=base.host.address, cost=Decimal("120")),
                "gratification": Gratification(hourly_amount=Decimal("4.50")),
            }
        )
        host = base.host.model_copy(update={"fax": "04 72 00 00 01", "email": "accueil@example.fr"})
        samples.append(base.model_copy(update={"pupil": adult, "finance": finance, "host": host, "signature": signature}))
    else:
        samples.append(base.model_copy(update={"schedule": None, "signature": signature}))
    return samples


def sample_attested() -> list[Any]:
    """PFMP agreements closed by an attestation: with absences of each shape, and without any."""
    from decimal import Decimal

    from convgen.law.facts import Facts
    from convgen.schema.models import Absence, Attendance, Issued

    samples = []
    for base in sample_agreements("pfmp"):
        days = [day for day in Facts(base).days or [] if day.worked]
        issued = Issued(place=base.host.address.city, date=days[-1].date)
        absences = [
            Absence(date=days[1].date, half="matin", reason="Rendez-vous médical"),
            Absence(**{"from": days[2].date, "to": days[3].date, "reason": "Maladie"}),
        ]
        samples.append(base.model_copy(update={"attendance": Attendance(issued=issued)}))
        attendance = Attendance(absences=absences, gratification_paid=Decimal("120.50"), activities_done=["Accueil"], issued=issued)
        samples.append(base.model_copy(update={"attendance": attendance}))
    return samples


def check_template(path: Path, kind: str, lang: Lang = "fr") -> list[str]:
    """Every problem of a template, all together, in `lang`: what would make the package unusable
    or unsafe, syntax errors, unknown filters and names (with the Word text around and a
    suggestion), `|safe`, what rendering the sample agreements stops at, broken XML."""
    from convgen.documents.context import build, copies

    label = str(path)
    try:
        members = read_members(read_template(path))
    except PackageError as error:
        raise TemplateError(M_NOT_DOCX.fill(label=label, why=error.said)) from None
    problems = package_problems(members)
    parts = compile_parts(members, label, environment(RecordingUndefined), problems)
    compiled = CompiledTemplate(label, members, parts)
    from convgen.documents.context import attestation_copies

    seen: list[Seen] = []
    attestation = kind == "attestation"
    for agreement in sample_attested() if attestation else sample_agreements(kind):
        context = build(agreement)
        compiled.budget = Budget()
        for copy in attestation_copies() if attestation else copies(agreement, context["minor"]):
            for part in parts.values():
                RecordingUndefined.seen = []
                try:
                    member = render_part(compiled, part, {**context, "copy": copy.record()})
                    check_xml(compiled, part, member.data())
                except TemplateError as error:
                    problems.extend(error.problems)
                finally:
                    seen.extend(RecordingUndefined.seen)
                    RecordingUndefined.seen = []
        trees: dict[str, Any] = {}
        problems.extend(seen_problem(note, parts, context, trees) for note in distinct(seen))
        seen = []
    return list(dict.fromkeys(problem.get(lang) if isinstance(problem, Msg) else problem for problem in problems))
