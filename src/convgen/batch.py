"""Rendering many agreements: check each, fill the valid ones into their copies, write.

One bad input never stops the others: it gets its findings and no document. A broken
template or a missing LibreOffice stops the run, since no input could be rendered.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from convgen.checking import FileResult, check_path
from convgen.document import COPY_IDS, build, copies
from convgen.errors import UsageError
from convgen.files import output_path, write_atomic
from convgen.i18n import Lang
from convgen.inputs import Input
from convgen.loading import MAX_BYTES
from convgen.rendering import CompiledTemplate, load_template, render_copies


@dataclass
class Options:
    out: Path = Path("out")
    format: str = "docx"
    template: Path | None = None
    copies: tuple[str, ...] | None = None
    lang: Lang = "fr"
    strict: bool = False
    max_size: int = MAX_BYTES
    jobs: int = 1


@dataclass
class Outcome:
    """One input: its findings, and the files written for it."""

    input: Input
    result: FileResult
    outputs: list[Path] = field(default_factory=list)


def parse_copies(text: str | None) -> tuple[str, ...] | None:
    """`--copies etablissement,eleve`: every name must be a copy of some kind."""
    if text is None:
        return None
    names = tuple(dict.fromkeys(part.strip().lower() for part in text.split(",") if part.strip()))
    known = [copy_id for ids in COPY_IDS.values() for copy_id in ids]
    unknown = [name for name in names if name not in known]
    if unknown or not names:
        raise UsageError(
            f"exemplaire inconnu : {', '.join(unknown) or '(aucun)'}.",
            hint="exemplaires possibles : " + " ; ".join(f"{kind} : {', '.join(ids)}" for kind, ids in COPY_IDS.items()),
        )
    return names


class Templates:
    """Each kind's template, opened and compiled once per run, when first needed."""

    def __init__(self, override: Path | None) -> None:
        self.override = override
        self._compiled: dict[str, CompiledTemplate] = {}

    def get(self, kind: str) -> CompiledTemplate:
        key = "custom" if self.override is not None else kind
        if key not in self._compiled:
            self._compiled[key] = load_template(kind, self.override)
        return self._compiled[key]


def _documents(templates: Templates, result: FileResult, wanted: tuple[str, ...] | None) -> dict[str, bytes]:
    agreement = result.agreement
    assert agreement is not None
    context = build(agreement, result.findings)
    selected = [copy for copy in copies(agreement, context["minor"]) if wanted is None or copy.id in wanted]
    if not selected:
        return {}
    return render_copies(templates.get(agreement.kind), context, selected)


def render_all(inputs: Sequence[Input], options: Options, progress: Callable[[Outcome], None] | None = None) -> list[Outcome]:
    """Check and render every input, in order; `progress` hears of each as it is done."""
    if options.format == "pdf":
        from convgen.pdf import find_soffice

        find_soffice()  # before any work: without LibreOffice nothing could be delivered
    if options.out.exists() and not options.out.is_dir():
        raise UsageError(f"--out « {options.out} » est un fichier, pas un dossier.")
    templates = Templates(options.template)
    if options.template is not None:
        templates.get("pfmp")  # a broken --template is reported before any input is read
    outcomes: list[Outcome] = []
    staging = Path(tempfile.mkdtemp(prefix="convgen-")) if options.format == "pdf" else None
    staged: list[tuple[Path, Path, Outcome]] = []
    try:
        for index, item in enumerate(inputs):
            result = check_path(item.path, item.display, options.lang, options.max_size)
            outcome = Outcome(item, result)
            outcomes.append(outcome)
            if result.agreement is not None and result.valid(options.strict):
                for copy_id, data in _documents(templates, result, options.copies).items():
                    target = output_path(options.out, item.rel, f".{copy_id}.{options.format}")
                    if staging is None:
                        _write(target, data)
                        outcome.outputs.append(target)
                    else:
                        docx = staging / f"{index:06d}.{copy_id}.docx"
                        docx.write_bytes(data)
                        staged.append((docx, target, outcome))
            if staging is None and progress is not None:
                progress(outcome)
        if staging is not None:
            _convert(staged, staging, options)
            if progress is not None:
                for outcome in outcomes:
                    progress(outcome)
    finally:
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)
    return outcomes


def _convert(staged: list[tuple[Path, Path, Outcome]], staging: Path, options: Options) -> None:
    from convgen.pdf import convert

    if not staged:
        return
    pdfs = convert([docx for docx, _, _ in staged], staging / "pdf", jobs=options.jobs)
    for pdf, (_, target, outcome) in zip(pdfs, staged, strict=True):
        _write(target, pdf.read_bytes())
        outcome.outputs.append(target)


def _write(target: Path, data: bytes) -> None:
    try:
        write_atomic(target, data)
    except OSError as error:
        raise UsageError(
            f"impossible d'écrire « {target} » : {error.strerror or error}.",
            hint="vérifiez --out : le dossier doit être accessible en écriture.",
        ) from None
