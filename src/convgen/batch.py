"""Rendering many agreements: check each, fill the valid ones into their copies, write.

One bad input never stops the others: it gets its findings and no document. A broken
template or a missing LibreOffice stops the run, since no input could be rendered.
"""

from __future__ import annotations

import multiprocessing
import os
import shutil
import signal
import tempfile
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from convgen.checking import FileResult, Unit, check_unit, expand
from convgen.errors import ConvgenError, UsageError
from convgen.files import new_run, output_path, write_atomic
from convgen.i18n import Lang
from convgen.inputs import Input
from convgen.loading import MAX_BYTES

if TYPE_CHECKING:  # the DOCX stack is imported when rendering only: `validate` starts faster without it
    from convgen.rendering import CompiledTemplate


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
    render: bool = True  # False: check only (validate)


@dataclass
class Outcome:
    """One agreement: its findings, and the files written for it."""

    unit: Unit
    result: FileResult
    outputs: list[Path] = field(default_factory=list)
    # PDF: each copy rendered to DOCX in the staging folder, and the PDF it becomes.
    staged: list[tuple[Path, Path]] = field(default_factory=list)


def parse_copies(text: str | None) -> tuple[str, ...] | None:
    """`--copies etablissement,eleve`: every name must be a copy of some kind."""
    if text is None:
        return None
    from convgen.document import COPY_IDS

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
            from convgen.rendering import load_template

            self._compiled[key] = load_template(kind, self.override)
        return self._compiled[key]


def _documents(templates: Templates, result: FileResult, wanted: tuple[str, ...] | None) -> dict[str, bytes]:
    from convgen.document import build, copies
    from convgen.rendering import render_copies

    agreement = result.agreement
    assert agreement is not None
    context = build(agreement, result.findings, result.context)
    selected = [copy for copy in copies(agreement, context["minor"]) if wanted is None or copy.id in wanted]
    if not selected:
        return {}
    return render_copies(templates.get(agreement.kind), context, selected)


class _Worker:
    """Checks and renders agreements; one per process, holding its compiled templates."""

    def __init__(self, options: Options, staging: Path | None, templates: Templates | None = None) -> None:
        self.options = options
        self.staging = staging
        self.templates = templates or Templates(options.template)

    def __call__(self, job: tuple[int, Unit]) -> Outcome:
        index, unit = job
        options = self.options
        result, stem = check_unit(unit, options.lang, options.max_size)
        outcome = Outcome(unit, result)
        if options.render and result.agreement is not None and result.valid(options.strict):
            for copy_id, data in _documents(self.templates, result, options.copies).items():
                target = output_path(options.out, stem, f".{copy_id}.{options.format}")
                if self.staging is None:
                    _write(target, data)
                    outcome.outputs.append(target)
                else:
                    docx = self.staging / f"{index:06d}.{copy_id}.docx"
                    docx.write_bytes(data)
                    outcome.staged.append((docx, target))
        # Only what the report needs goes back to the parent process, and is kept.
        outcome.result = result.slim()
        return outcome


MIN_PER_PROCESS = 4
"""Below this many agreements per extra process, starting processes costs more than it saves."""
# In a worker process: its worker, and the pid of the run that started it.
_worker: _Worker | None = None
_parent = 0


def _start_worker(options: Options, staging: Path | None) -> None:
    global _worker, _parent
    _parent = os.getppid()
    # Ctrl-C is the parent's to handle: it lets running work finish and says what was done.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if _worker is None or _worker.options is not options:
        _worker = _Worker(options, staging)


def _run_job(job: tuple[int, Unit]) -> Outcome:
    assert _worker is not None
    if os.getppid() != _parent:
        os._exit(1)  # the run was killed: finish no more than the document in hand
    return _worker(job)


def _pool_context() -> multiprocessing.context.BaseContext | None:
    # fork shares the compiled templates and loaded campaigns with the workers;
    # elsewhere each worker compiles what it needs once.
    return multiprocessing.get_context("fork") if "fork" in multiprocessing.get_all_start_methods() else None


def _run(worker: _Worker, units: Sequence[Unit], jobs: int, started: Callable[[int], None] | None) -> Iterator[Outcome]:
    """Every unit's outcome, in input order whatever the order in which they finish."""
    processes = min(jobs, len(units) // MIN_PER_PROCESS)
    if processes <= 1:
        if started is not None:
            started(len(units))
        for job in enumerate(units):
            yield worker(job)
        return
    global _worker
    _worker = worker  # inherited by forked workers, compiled templates included
    pool = ProcessPoolExecutor(processes, mp_context=_pool_context(), initializer=_start_worker, initargs=(worker.options, worker.staging))
    try:
        chunk = max(1, min(32, len(units) // (processes * 8)))
        results = pool.map(_run_job, enumerate(units), chunksize=chunk)
        if started is not None:
            started(len(units))  # after the fork: the progress display may start a thread
        yield from results
    except BrokenProcessPool:
        raise ConvgenError(
            "un processus de rendu s'est arrêté brutalement (mémoire insuffisante ?) : les documents déjà écrits sont complets.",
            hint="relancez avec moins de processus, par exemple --jobs 1.",
        ) from None
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def check_all(inputs: Sequence[Input], options: Options) -> list[FileResult]:
    """Check every agreement the inputs hold, in processes as for rendering; results in input order."""
    checking = replace(options, render=False)
    units = expand(list(inputs), options.lang, options.max_size)
    return [outcome.result for outcome in _run(_Worker(checking, None), units, options.jobs, None)]


def render_all(
    inputs: Sequence[Input],
    options: Options,
    progress: Callable[[Outcome], None] | None = None,
    started: Callable[[int], None] | None = None,
) -> list[Outcome]:
    """Check and render every agreement the inputs hold; `progress` hears of each, in order."""
    if options.format == "pdf":
        from convgen.pdf import find_soffice

        find_soffice()  # before any work: without LibreOffice nothing could be delivered
    if options.out.exists() and not options.out.is_dir():
        raise UsageError(f"--out « {options.out} » est un fichier, pas un dossier.")
    new_run(options.out)
    templates = Templates(options.template)
    if options.template is not None:
        templates.get("pfmp")  # a broken --template is reported before any input is read
    units = expand(list(inputs), options.lang, options.max_size)
    staging = Path(tempfile.mkdtemp(prefix="convgen-")) if options.format == "pdf" else None
    outcomes: list[Outcome] = []
    try:
        for outcome in _run(_Worker(options, staging, templates), units, options.jobs, started):
            outcomes.append(outcome)
            if staging is None and progress is not None:
                progress(outcome)
        if staging is not None:
            _convert(outcomes, staging, options)
            if progress is not None:
                for outcome in outcomes:
                    progress(outcome)
    finally:
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)
    return outcomes


def _convert(outcomes: list[Outcome], staging: Path, options: Options) -> None:
    from convgen.pdf import convert

    staged = [(docx, target, outcome) for outcome in outcomes for docx, target in outcome.staged]
    if not staged:
        return
    try:
        # Straight to OUT: each PDF is made deterministic and written once, atomically.
        convert([docx for docx, _, _ in staged], None, targets=[target for _, target, _ in staged], jobs=options.jobs)
    except OSError as error:
        raise _unwritable(options.out, error) from None
    for _, target, outcome in staged:
        outcome.outputs.append(target)
    for outcome in outcomes:
        outcome.staged.clear()


def _write(target: Path, data: bytes) -> None:
    try:
        write_atomic(target, data)
    except OSError as error:
        raise _unwritable(target, error) from None


def _unwritable(place: Path, error: OSError) -> UsageError:
    return UsageError(
        f"impossible d'écrire « {place} » : {error.strerror or error}.",
        hint="vérifiez --out : le dossier doit être accessible en écriture.",
    )
