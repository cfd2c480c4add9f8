"""Rendering many agreements: check each, fill the valid ones into their copies, write.

One bad input never stops the others: it gets its findings and no document. A broken
template or a missing LibreOffice stops the run, since no input could be rendered.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from convgen.errors import INTERNAL_EXIT, ClashError, ConvgenError, InternalError, Interrupted, UsageError
from convgen.i18n import Lang, Msg
from convgen.law.allowance import Allowance
from convgen.output.files import M_UNWRITABLE, discard, end_run, new_run, output_path, place, stage, temporary_folder, together
from convgen.pipeline.checking import FileResult, Unit, check_across, check_unit, expand, files_read
from convgen.source.inputs import Input, name_key
from convgen.source.reader import MAX_BYTES

if TYPE_CHECKING:  # the DOCX stack is imported when rendering only: `validate` starts faster without it
    import multiprocessing.context

    from convgen.documents.template import CompiledTemplate


@dataclass
class Options:
    out: Path = Path("out")
    format: str = "docx"
    template: Path | None = None
    copies: tuple[str, ...] | None = None
    lang: Lang = "fr"
    strict: bool = False
    max_size: int = MAX_BYTES
    jobs: int = 1  # 0 in pipeline.run: one per processor
    render: bool = True  # False: check only (validate)
    summarize: bool = False  # keep each agreement's summary.Summary (status)
    document: str = "agreement"  # or "attestation" (`convgen attest`): what is rendered of each agreement
    report: Path | None = None  # --report: may be neither read nor written by the run


@dataclass
class Outcome:
    """One agreement: its findings, and the files written for it."""

    unit: Unit
    result: FileResult
    stem: PurePosixPath = PurePosixPath("_")
    outputs: list[Path] = field(default_factory=list)
    # Each copy rendered but not yet in OUT, and its place there (PDF: the DOCX to convert).
    staged: list[tuple[Path, Path]] = field(default_factory=list)
    # An invalid agreement's documents from an earlier run, still in OUT: said, not removed.
    stale: list[Path] = field(default_factory=list)
    # The State allowance the documents print, counted before the rest of the run was known.
    printed: Allowance | None = None
    # `attest`: a valid agreement without attendance, which has no attestation yet.
    unattested: bool = False


def suffix(options: Options, copy_id: str) -> str:
    """`.eleve.docx`, or `.attestation.eleve.docx` for `attest` (cli.md)."""
    middle = ".attestation" if options.document == "attestation" else ""
    return f"{middle}.{copy_id}.{options.format}"


def _stale(options: Options, stem: PurePosixPath) -> list[Path]:
    from convgen.documents.context import ATTESTATION_COPIES, COPY_IDS

    names = ATTESTATION_COPIES if options.document == "attestation" else [copy_id for ids in COPY_IDS.values() for copy_id in ids]
    try:
        candidates = [output_path(options.out, stem, suffix(options, copy_id)) for copy_id in names]
    except UsageError:
        return []
    return [path for path in candidates if path.is_file()]


M_UNKNOWN_COPY = Msg("exemplaire inconnu : {names}.", "unknown copy: {names}.")
M_NO_COPY = Msg("(aucun)", "(none)")
H_COPIES = Msg("exemplaires possibles : {copies}", "possible copies: {copies}")
M_KIND_COPIES = Msg("{kind} : {ids}", "{kind}: {ids}")
M_SEPARATOR = Msg(" ; ", "; ")


def parse_copies(text: str | None) -> tuple[str, ...] | None:
    """`--copies etablissement,eleve`: every name must be a copy of some kind."""
    if text is None:
        return None
    from convgen.documents.context import COPY_IDS

    names = tuple(dict.fromkeys(part.strip().lower() for part in text.split(",") if part.strip()))
    known = [copy_id for ids in COPY_IDS.values() for copy_id in ids]
    unknown = [name for name in names if name not in known]
    if unknown or not names:
        listed = [M_KIND_COPIES.fill(kind=kind, ids=", ".join(ids)) for kind, ids in COPY_IDS.items()]
        raise UsageError(M_UNKNOWN_COPY.fill(names=", ".join(unknown) or M_NO_COPY), hint=H_COPIES.fill(copies=M_SEPARATOR.join(listed)))
    return names


class Templates:
    """Each kind's template, opened and compiled once per run, when first needed."""

    def __init__(self, override: Path | None) -> None:
        self.override = override
        self._compiled: dict[str, CompiledTemplate] = {}

    def get(self, kind: str) -> CompiledTemplate:
        """`kind` is an agreement's kind, or "attestation"."""
        key = "custom" if self.override is not None else kind
        if key not in self._compiled:
            from convgen.documents.template import load_template

            self._compiled[key] = load_template(kind, self.override)
        return self._compiled[key]


def _documents(templates: Templates, result: FileResult, options: Options) -> dict[str, bytes]:
    from convgen.documents.context import attestation_copies, build, copies
    from convgen.documents.rendering import render_copies

    agreement = result.agreement
    assert agreement is not None
    context = build(agreement, result.findings, result.context, result.allowance)
    if options.document == "attestation":
        kind, offered = "attestation", attestation_copies()
    else:
        kind, offered = agreement.kind, copies(agreement, context["minor"])
    selected = [copy for copy in offered if options.copies is None or copy.id in options.copies]
    if not selected:
        return {}
    return render_copies(templates.get(kind), context, selected)


def _stage(outcome: Outcome, documents: dict[str, bytes], options: Options, staging: Path | None, index: int) -> None:
    for copy_id, data in documents.items():
        target = output_path(options.out, outcome.stem, suffix(options, copy_id))
        if staging is None:
            outcome.staged.append((stage(target, data), target))
        else:
            docx = staging / f"{index:06d}.{copy_id}.docx"
            docx.write_bytes(data)
            outcome.staged.append((docx, target))


class _Stop:
    """Ctrl-C and SIGTERM during a run: stop between agreements, never amid one's copies.

    While held (an agreement's files being written) a signal is only noted; the run
    stops once they are all written. Elsewhere it stops the run at once, as Ctrl-C does.
    """

    def __init__(self) -> None:
        self.signum: int | None = None
        self.holding = False
        self._previous: dict[int, Any] = {}

    def __enter__(self) -> _Stop:
        if threading.current_thread() is threading.main_thread():
            for signum in (signal.SIGINT, signal.SIGTERM):
                self._previous[signum] = signal.signal(signum, self._handle)
        return self

    def __exit__(self, *exc: object) -> None:
        for signum, previous in self._previous.items():
            signal.signal(signum, previous)

    def _handle(self, signum: int, frame: object) -> None:
        self.signum = signum
        if not self.holding:
            raise KeyboardInterrupt

    @contextlib.contextmanager
    def hold(self) -> Iterator[None]:
        self.holding = True
        try:
            yield
        finally:
            self.holding = False


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
        outcome = Outcome(unit, result, stem=stem)
        if options.render and result.agreement is not None and result.valid(options.strict):
            if options.document == "attestation" and getattr(result.agreement, "attendance", None) is None:
                outcome.unattested = True
            else:
                # Staged, not yet in OUT: the rules across agreements may still find an error.
                _stage(outcome, _documents(self.templates, result, options), options, self.staging, index)
                outcome.printed = result.allowance
        if options.summarize:
            from convgen.pipeline.summary import summarize

            result.summary = summarize(result)
        # Only what the report needs goes back to the parent process, and is kept.
        outcome.result = result.slim()
        return outcome


M_WORKER_DIED = Msg(
    "un processus de rendu s'est arrêté brutalement (mémoire insuffisante ?) : les documents déjà écrits sont complets.",
    "a rendering process stopped abruptly (out of memory?): the documents already written are whole.",
)
H_WORKER_DIED = Msg("relancez avec moins de processus, par exemple --jobs 1.", "run again with fewer processes, for example --jobs 1.")


MIN_PER_PROCESS = 4
"""Below this many agreements per extra process, starting processes costs more than it saves."""
# In a worker process: its worker, and the pid of the run that started it.
_worker: _Worker | None = None
_parent = 0


def _die_with_parent(parent: int) -> None:
    """A worker must not outlive its run (kill -9, a CI job cancelled): Linux kills it
    when its parent dies; elsewhere it stops before its next agreement (_run_chunk)."""
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
        except (OSError, AttributeError):
            pass
    if os.getppid() != parent:  # died between the fork and the line above
        os._exit(1)


_PR_SET_PDEATHSIG = 1  # linux/prctl.h


def _start_worker(options: Options, staging: Path | None, parent: int) -> None:
    global _worker, _parent
    _parent = parent
    _die_with_parent(parent)
    # Ctrl-C is the parent's to handle: it lets running work finish and says what was done.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # the parent's handler, inherited by fork, is the parent's
    if _worker is None or _worker.options is not options:
        _worker = _Worker(options, staging)


def _run_chunk(jobs: list[tuple[int, Unit]]) -> list[Outcome]:
    assert _worker is not None
    outcomes = []
    for job in jobs:
        if os.getppid() != _parent:
            os._exit(1)  # the run was killed: finish no more than the document in hand
        try:
            outcomes.append(_worker(job))
        except ConvgenError:
            raise  # pickles itself (errors.py)
        except Exception as error:
            if os.environ.get("CONVGEN_DEBUG"):
                raise
            raise InternalError(type(error).__name__) from None
    return outcomes


def _pool_context() -> multiprocessing.context.BaseContext | None:
    import multiprocessing

    # fork shares the compiled templates and loaded campaigns with the workers;
    # elsewhere each worker compiles what it needs once.
    return multiprocessing.get_context("fork") if "fork" in multiprocessing.get_all_start_methods() else None


def _run(
    worker: _Worker,
    units: Sequence[Unit],
    jobs: int,
    started: Callable[[int], None] | None,
    each: Callable[[Outcome], None],
    stopped: Callable[[], bool] = lambda: False,
) -> None:
    """Hand every unit's outcome to `each`, in input order whatever the order in which they finish.

    On KeyboardInterrupt, work in hand is finished and handed over too (its files are
    written by then), the rest is dropped, and the interrupt goes on to the caller.
    """
    processes = min(jobs, len(units) // MIN_PER_PROCESS)
    if processes <= 1:
        if started is not None:
            started(len(units))
        for job in enumerate(units):
            each(worker(job))
            if stopped():  # a signal noted while the agreement's copies were written
                raise KeyboardInterrupt
        return
    # Imported here: `validate` of one file, run from an editor or a pre-commit hook, never needs them.
    from concurrent.futures import CancelledError, ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    global _worker
    _worker = worker  # inherited by forked workers, compiled templates included
    pool = ProcessPoolExecutor(
        processes, mp_context=_pool_context(), initializer=_start_worker, initargs=(worker.options, worker.staging, os.getpid())
    )
    try:
        size = max(1, min(32, len(units) // (processes * 8)))
        numbered = list(enumerate(units))
        futures = [pool.submit(_run_chunk, numbered[start : start + size]) for start in range(0, len(numbered), size)]
        if started is not None:
            started(len(units))  # after the fork: the progress display may start a thread
        current = handed = 0  # the chunk being handed over, and how much of it has been
        try:
            while current < len(futures):
                outcomes = futures[current].result()
                while handed < len(outcomes):
                    handed += 1
                    each(outcomes[handed - 1])
                current, handed = current + 1, 0
        except KeyboardInterrupt:
            for future in futures[current:]:
                future.cancel()
            for position in range(current, len(futures)):
                future = futures[position]
                if future.cancelled():
                    continue
                try:
                    outcomes = future.result()
                except (BrokenProcessPool, CancelledError):
                    continue
                for outcome in outcomes[handed if position == current else 0 :]:
                    each(outcome)
            raise
    except BrokenProcessPool:
        died = ConvgenError(M_WORKER_DIED, hint=H_WORKER_DIED)
        died.exit_code = INTERNAL_EXIT  # the run failed, which says nothing of its agreements (1)
        raise died from None
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def check_all(inputs: Sequence[Input], options: Options) -> list[FileResult]:
    """Check every agreement the inputs hold, in processes as for rendering; results in input order."""
    return [outcome.result for outcome in check_outcomes(inputs, options)]


def check_outcomes(inputs: Sequence[Input], options: Options) -> list[Outcome]:
    """check_all(), each result with its unit and the stem of its outputs."""
    checking = replace(options, render=False)
    units = expand(list(inputs), options.lang, options.max_size)
    outcomes: list[Outcome] = []
    _run(_Worker(checking, None), units, options.jobs, None, outcomes.append)
    check_across([outcome.result for outcome in outcomes], options.lang)
    return outcomes


M_OUT_IS_FILE = Msg("--out « {out} » est un fichier, pas un dossier.", "--out '{out}' is a file, not a folder.")


def render_all(
    inputs: Sequence[Input],
    options: Options,
    progress: Callable[[Outcome], None] | None = None,
    started: Callable[[int], None] | None = None,
    checked: Callable[[Outcome], None] | None = None,
    every: Sequence[Input] | None = None,
) -> list[Outcome]:
    """Check and render every agreement the inputs hold; `progress` hears of each, in order.

    `every` is the whole run when `inputs` is one shard of it: output names are told
    apart, and the report kept apart from them, across every shard.

    Three steps: every agreement is checked and its documents rendered aside (`checked`
    hears of each); the rules across agreements run on them all; then the documents of
    the agreements still valid are put in place, one agreement at a time, and `progress`
    hears of each agreement, valid or not.
    """
    if options.format == "pdf":
        from convgen.documents.pdf import find_soffice

        find_soffice()  # before any work: without LibreOffice nothing could be delivered
    if options.out.exists() and not options.out.is_dir():
        raise UsageError(M_OUT_IS_FILE.fill(out=options.out))
    new_run(options.out)
    templates = Templates(options.template)
    if options.template is not None:
        templates.get("pfmp")  # a broken --template is reported before any input is read
    everything = expand(list(every if every is not None else inputs), options.lang, options.max_size)
    chosen = set(inputs) if every is not None else None
    units = everything if chosen is None else [unit for unit in everything if unit.input in chosen]
    _outputs_apart(everything, options)
    if options.report is not None:
        _report_apart(options.report, everything, options)
    # Named after this process: should it be killed, a later run removes the staged documents.
    staging = temporary_folder() if options.format == "pdf" else None
    outcomes: list[Outcome] = []
    stop = _Stop()

    def each(outcome: Outcome) -> None:
        outcomes.append(outcome)
        if checked is not None:
            checked(outcome)

    worker = _Worker(options, staging, templates)
    checking = True
    try:
        with stop:
            try:
                _run(worker, units, options.jobs, started, each, stopped=lambda: stop.signum is not None)
                check_across([outcome.result for outcome in outcomes], options.lang)
                checking = False
                for index, outcome in enumerate(outcomes):
                    if not outcome.result.valid(options.strict):
                        _drop(outcome)
                        if options.render:
                            outcome.stale = _stale(options, outcome.stem)
                    elif outcome.staged and outcome.printed != outcome.result.allowance:
                        _render_again(worker, outcome, index)
                if staging is None:
                    _place_all(outcomes, stop, progress)
                else:
                    _convert(outcomes, staging, options, stop.hold)
                    if stop.signum is not None:  # noted while the PDFs were written
                        raise KeyboardInterrupt
                    if progress is not None:
                        for outcome in outcomes:
                            progress(outcome)
            except KeyboardInterrupt:
                for outcome in outcomes:
                    _drop(outcome)
                raise Interrupted(stop.signum or signal.SIGINT, outcomes, len(units), checking) from None
    finally:
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)
        end_run()
    return outcomes


M_CLASH = Msg(
    "« {first} » et « {second} » écriraient les mêmes documents ({target}.*) : rien n'a été écrit.",
    "'{first}' and '{second}' would write the same documents ({target}.*): nothing was written.",
)
M_CLASHES = Msg(
    "{count} paires de conventions écriraient les mêmes documents : rien n'a été écrit.",
    "{count} pairs of agreements would write the same documents: nothing was written.",
)
M_CLASH_HINT = Msg(
    "renommez le fichier (une ligne de campagne est nommée d'après l'élève), ou rendez-les dans des dossiers --out différents.",
    "rename the file (a campaign row is named after its pupil), or render them into different --out folders.",
)
M_REPORT_READ = Msg(
    "--report « {report} » est un fichier que ce rendu lit ({path}) : le rapport l'écraserait ; rien n'a été écrit.",
    "--report '{report}' is a file this run reads ({path}): the report would overwrite it; nothing was written.",
)
M_REPORT_WRITTEN = Msg(
    "--report « {report} » est un des documents que ce rendu écrit : rien n'a été écrit.",
    "--report '{report}' is one of the documents this run writes: nothing was written.",
)
M_REPORT_HINT = Msg(
    "choisissez un autre nom, hors de --out, par exemple rapport.json.", "choose another name, outside --out, such as report.json."
)
MAX_CLASHES_SHOWN = 20


def _outputs_apart(units: Sequence[Unit], options: Options) -> None:
    """No two agreements of a run write the same path: said before anything is written.

    Inputs named alike are already told apart (inputs.collect); what remains is a campaign
    row named like a file of the folder that bears the campaign's name (`classe.yaml`'s
    row dupont-lea and `classe/dupont-lea.yaml`). Guessing which one the school meant
    would print one pupil's agreement under another's name.
    """
    seen: dict[str, Unit] = {}
    clashes: list[tuple[Unit, Unit, PurePosixPath]] = []
    for unit in units:
        if unit.input.elsewhere or unit.input.undecodable or (unit.campaign and unit.row is None):
            continue  # writes nothing
        first = seen.setdefault(name_key(unit.stem), unit)
        if first is not unit:
            clashes.append((first, unit, unit.stem))
    if not clashes:
        return
    lang = options.lang
    lines = [
        M_CLASH.get(lang).format(first=first.name, second=second.name, target=(options.out / stem.as_posix()).as_posix())
        for first, second, stem in clashes
    ]
    message = lines[0] if len(lines) == 1 else M_CLASHES.get(lang).format(count=len(lines))
    shown = lines[:MAX_CLASHES_SHOWN] if len(lines) > 1 else []
    if len(lines) > MAX_CLASHES_SHOWN:
        shown.append(f"… (+{len(lines) - MAX_CLASHES_SHOWN})")
    raise ClashError(message, hint=M_CLASH_HINT.get(lang), problems=shown)


def _identity(path: Path) -> tuple[int, int] | None:
    # Links followed, and hard links alike: a report named through either would still overwrite the file.
    try:
        found = os.stat(path)
    except (OSError, ValueError):
        return None
    return found.st_dev, found.st_ino


def _report_apart(report: Path, units: Sequence[Unit], options: Options) -> None:
    """`--report` names neither a file the run reads (inputs, class lists, template) nor one it writes."""
    lang = options.lang
    existing = _identity(report)
    if existing is not None:  # else it overwrites nothing that is there
        read = files_read(list(units)) + ([options.template] if options.template is not None else [])
        for path in read:
            if _identity(path) == existing:
                raise UsageError(M_REPORT_READ.get(lang).format(report=report, path=path), hint=M_REPORT_HINT.get(lang))
    # Links followed: a report named through a link into OUT lands there.
    target, out = Path(os.path.realpath(report)), Path(os.path.realpath(options.out))
    if not target.is_relative_to(out):
        return
    from convgen.documents.context import COPY_IDS

    wanted = name_key(PurePosixPath(target.relative_to(out).as_posix()))
    suffixes = [f".{copy_id}.{options.format}" for ids in COPY_IDS.values() for copy_id in ids]
    for unit in units:
        stem = name_key(unit.stem)
        if wanted.startswith(stem) and wanted[len(stem) :] in suffixes:
            raise UsageError(M_REPORT_WRITTEN.get(lang).format(report=report), hint=M_REPORT_HINT.get(lang))


def _render_again(worker: _Worker, outcome: Outcome, index: int) -> None:
    """Documents rendered before the run's other agreements were known print the allowance of
    their agreement alone; where the pupil's earlier agreements of the year take some of the
    cap, they are rendered again with the run's figure. Rare: a cap met within a year."""
    options = worker.options
    fresh, _ = check_unit(outcome.unit, options.lang, options.max_size)
    if fresh.agreement is None:
        return
    fresh.findings, fresh.allowance = outcome.result.findings, outcome.result.allowance
    _drop(outcome)
    _stage(outcome, _documents(worker.templates, fresh, options), options, worker.staging, index)
    outcome.printed = fresh.allowance


def _drop(outcome: Outcome) -> None:
    for staged, _ in outcome.staged:
        discard(staged)
    outcome.staged.clear()


def _place_all(outcomes: list[Outcome], stop: _Stop, progress: Callable[[Outcome], None] | None) -> None:
    """Each valid agreement's copies into OUT, all of them or none (a signal waits for the
    last; a write error puts back those already placed, so that no two versions of one
    agreement are ever signed together)."""
    for outcome in outcomes:
        if outcome.staged:
            with stop.hold():
                target = outcome.staged[0][1]
                try:
                    with together() as placing:
                        for staged, target in outcome.staged:
                            place(staged, target)
                except (OSError, UsageError) as error:
                    raise _unwritable(target, error, outcome, outcomes, placing.unrestored) from None
                outcome.outputs.extend(target for _, target in outcome.staged)
                outcome.staged.clear()
        if progress is not None:
            progress(outcome)
        if stop.signum is not None:
            raise KeyboardInterrupt


def _convert(outcomes: list[Outcome], staging: Path, options: Options, hold: Callable[[], Any]) -> None:
    from convgen.documents.pdf import convert

    staged = [(docx, target, outcome) for outcome in outcomes for docx, target in outcome.staged]
    if not staged:
        return

    def written(index: int) -> None:
        _, target, outcome = staged[index]
        outcome.outputs.append(target)

    try:
        # Straight to OUT: each PDF is made deterministic and written once, atomically.
        targets = [target for _, target, _ in staged]
        convert([docx for docx, _, _ in staged], None, targets=targets, jobs=options.jobs, written=written, guard=hold)
    except OSError as error:
        raise _unwritable(options.out, error) from None
    finally:
        for outcome in outcomes:
            outcome.staged.clear()


H_UNWRITABLE = Msg("vérifiez --out : le dossier doit être accessible en écriture.", "check --out: the folder must be writable.")
M_QUOTED = Msg("« {path} »", "'{path}'")
M_UNRESTORED = Msg(
    " ATTENTION : {targets} {verb} comme avant : ne faites pas signer les exemplaires de {path} avant d'avoir relancé convgen.",
    " WARNING: {targets} {verb} as before: do not have the copies of {path} signed before running convgen again.",
)
M_NOT_PUT_BACK_ONE = Msg("n'a pas pu être remis", "could not be put back")
M_NOT_PUT_BACK_MANY = Msg("n'ont pas pu être remis", "could not be put back")
M_KEPT = Msg(" Les exemplaires de {path} sont restés comme avant.", " The copies of {path} were left as before.")
M_NONE_BEFORE = Msg(" Aucun document n'a été écrit.", " No document was written.")
M_ONE_BEFORE = Msg(
    " 1 document d'une convention précédente a été écrit, complet : « {first} ».",
    " 1 document of an earlier agreement was written, whole: '{first}'.",
)
M_MANY_BEFORE = Msg(
    " {count} documents de {agreements} convention(s) précédente(s) ont été écrits, complets (de « {first} » à « {last} »).",
    " {count} documents of {agreements} earlier agreement(s) were written, whole (from '{first}' to '{last}').",
)
M_STOPPED = Msg("{message}{kept}{before}", "{message}{kept}{before}")
H_AGAIN = Msg("relancez ensuite la même commande : elle termine le travail.", "then run the same command again: it finishes the work.")
H_THEN_AGAIN = Msg("{hint} ; {again}", "{hint}; {again}")


def _unwritable(
    place: Path,
    error: OSError | UsageError,
    outcome: Outcome | None = None,
    outcomes: Sequence[Outcome] = (),
    unrestored: Sequence[Path] = (),
) -> UsageError:
    """The error that stops a run; for an agreement's copies, what it left as it was and what was written before."""
    if isinstance(error, UsageError):
        message, hint = error.said, error.hinted
    else:
        # An OSError convgen raised itself carries its text in both languages; the system's reads the same in both.
        said = getattr(error, "said", None)
        message = M_UNWRITABLE.fill(path=place, why=said if isinstance(said, Msg) else error.strerror or error)
        hint = H_UNWRITABLE
    if outcome is None:
        return UsageError(message, hint=hint)
    path = outcome.result.path
    if unrestored:
        targets = Msg(", ", ", ").join(M_QUOTED.fill(path=target) for target in unrestored)
        verb = M_NOT_PUT_BACK_ONE if len(unrestored) == 1 else M_NOT_PUT_BACK_MANY
        kept = M_UNRESTORED.fill(targets=targets, verb=verb, path=path)
    else:
        kept = M_KEPT.fill(path=path)
    written = [target for done in outcomes for target in done.outputs]
    agreements = sum(1 for done in outcomes if done.outputs)
    if not written:
        before = M_NONE_BEFORE
    elif len(written) == 1:
        before = M_ONE_BEFORE.fill(first=written[0])
    else:
        before = M_MANY_BEFORE.fill(count=len(written), agreements=agreements, first=written[0], last=written[-1])
    again = (
        H_THEN_AGAIN.fill(hint=Msg(hint.fr.rstrip("."), hint.en.rstrip(".")), again=H_AGAIN) if hint is not None and hint.fr else H_AGAIN
    )
    return UsageError(M_STOPPED.fill(message=message, kept=kept, before=before), hint=again)
