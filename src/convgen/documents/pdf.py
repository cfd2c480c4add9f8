"""DOCX to PDF with LibreOffice in headless mode, in as few `soffice` starts as possible.

A start costs seconds while a conversion costs a fraction of one, so the files of a run
go to a few `soffice` processes that each convert a whole batch. Each process gets a
private profile: an instance started on a profile already in use hands its work over
to the running one instead of converting in parallel, and the user's own profile could
hold options that change the output.

The PDFs are made deterministic afterwards (`deterministic`): the same DOCX gives the
same bytes, as cli.md promises for every output.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import signal
import stat
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, TypeVar

from convgen.documents.deterministic import deterministic
from convgen.errors import Bilingual, ExternalToolError
from convgen.i18n import Msg
from convgen.output.files import place, stage, temporary_folder, together

ENV_VAR = "CONVGEN_SOFFICE"
EXECUTABLE_NAMES = ("soffice", "libreoffice")
FILTER = "pdf:writer_pdf_Export"
BASE_TIMEOUT = 60.0
TIMEOUT_PER_FILE = 2.0
STDERR_LINES = 10
_POLL_SECONDS = 0.05
# After SIGKILL, how long the processes of a run may take to be gone; they take milliseconds.
_GROUP_GONE_SECONDS = 5.0
# A PDF of an agreement is well under 1 MB, even with images; anything larger is not one
# of ours, and reading it to make it deterministic would hold it all in memory.
MAX_PDF_BYTES = 200 << 20

M_MISSING = Msg(
    "LibreOffice (soffice) est introuvable : il le faut pour --format pdf.", "LibreOffice (soffice) was not found: --format pdf needs it."
)
M_BAD_ENV = Msg(
    "LibreOffice (soffice) est introuvable : {var} vaut « {value} », qui n'est pas un programme exécutable.",
    "LibreOffice (soffice) was not found: {var} is '{value}', which is not an executable program.",
)
H_INSTALL = Msg(
    "Installez LibreOffice, puis relancez : "
    "Debian/Ubuntu « sudo apt-get install -y --no-install-recommends libreoffice-writer-nogui » ; "
    "macOS « brew install --cask libreoffice » ; "
    "Windows « winget install TheDocumentFoundation.LibreOffice » (ou https://www.libreoffice.org/download/). "
    f"Ou indiquez où il est : {ENV_VAR}=/chemin/vers/soffice.",
    "Install LibreOffice, then run again: "
    "Debian/Ubuntu 'sudo apt-get install -y --no-install-recommends libreoffice-writer-nogui'; "
    "macOS 'brew install --cask libreoffice'; "
    "Windows 'winget install TheDocumentFoundation.LibreOffice' (or https://www.libreoffice.org/download/). "
    f"Or say where it is: {ENV_VAR}=/path/to/soffice.",
)
H_TRY_BY_HAND = Msg(
    "Pour voir l'erreur de LibreOffice lui-même : soffice --headless --convert-to pdf « {file} ».",
    "To see the error of LibreOffice itself: soffice --headless --convert-to pdf '{file}'.",
)
M_CANNOT_START = Msg("impossible de lancer LibreOffice ({soffice}) : {why}.", "cannot start LibreOffice ({soffice}): {why}.")
M_FAILED = Msg(
    "LibreOffice (soffice) a échoué ({status}) pendant la conversion en PDF",
    "LibreOffice (soffice) failed ({status}) while converting to PDF",
)
M_SIGNAL = Msg("arrêté par le signal {signal}", "stopped by signal {signal}")
M_EXIT_CODE = Msg("code de sortie {code}", "exit code {code}")
M_TIMEOUT = Msg(
    "LibreOffice (soffice) n'a pas fini la conversion en PDF en {seconds} s : {done} fichier(s) converti(s) sur {total} ; rien n'a été écrit.",
    "LibreOffice (soffice) did not finish converting to PDF within {seconds} s: {done} of {total} file(s) converted; nothing was written.",
)
H_TIMEOUT = Msg(
    "Un document très lourd, ou un LibreOffice bloqué, en est souvent la cause. {by_hand}",
    "A very heavy document, or a stuck LibreOffice, is often the cause. {by_hand}",
)
M_STDERR = Msg("{what} :\n{lines}", "{what}:\n{lines}")
M_END = Msg("{what}.", "{what}.")
M_NOT_PRODUCED = Msg(
    "LibreOffice (soffice) n'a pas produit le PDF de « {name} »", "LibreOffice (soffice) did not produce the PDF of '{name}'"
)
M_UNUSABLE = Msg(
    "LibreOffice (soffice) a produit un PDF inutilisable pour « {target} » : {problem}{nothing}",
    "LibreOffice (soffice) produced an unusable PDF for '{target}': {problem}{nothing}",
)
M_NOTHING_WRITTEN = Msg(" ; rien n'a été écrit", "; nothing was written")
M_UNREADABLE = Msg("il est illisible ({why})", "it is unreadable ({why})")
M_NOT_REGULAR = Msg("« {name} » n'est pas un fichier ordinaire", "'{name}' is not a regular file")
# Why a PDF is not whole (_pdf_problem).
M_EMPTY = Msg("le fichier est vide", "the file is empty")
M_TOO_BIG = Msg("il fait plus de {limit} Mo", "it is larger than {limit} MB")
M_NO_HEADER = Msg(
    "il ne commence pas par « %PDF- » suivi d'une version : ce n'est pas un PDF",
    "it does not start with '%PDF-' and a version: it is not a PDF",
)
M_NO_END = Msg(
    "il est tronqué ou suivi d'autre chose : il ne se termine pas par « startxref », un nombre et « %%EOF »",
    "it is cut short or followed by something else: it does not end with 'startxref', a number and '%%EOF'",
)
M_XREF_OUTSIDE = Msg("son « startxref » désigne un endroit hors du fichier", "its 'startxref' points outside the file")
M_XREF_INCOMPLETE = Msg("sa table des références (xref) est incomplète", "its cross-reference table (xref) is incomplete")
M_NO_TRAILER = Msg(
    "il n'a pas de « trailer » après sa table des références (xref)", "it has no 'trailer' after its cross-reference table (xref)"
)
M_NO_ROOT = Msg("son « trailer » ne désigne pas la racine du document (/Root)", "its 'trailer' does not name the document's root (/Root)")
M_NO_XREF = Msg(
    "son « startxref » ne désigne pas une table des références (xref)", "its 'startxref' does not point to a cross-reference table (xref)"
)


class NotRegularError(Bilingual, OSError):
    """What soffice left is not a regular file: refused before it is read. `said` in both languages."""


T = TypeVar("T")


def find_soffice() -> str:
    """The LibreOffice executable: $CONVGEN_SOFFICE, else PATH, else the usual install places."""
    configured = os.environ.get(ENV_VAR, "").strip()
    if configured:
        # The user named one: falling back to another LibreOffice would hide their mistake.
        found = _configured_executable(configured)
        if found is None:
            raise ExternalToolError(M_BAD_ENV.fill(var=ENV_VAR, value=configured), H_INSTALL)
        return found
    for name in EXECUTABLE_NAMES:
        found = shutil.which(name)
        if found:
            return found
    for candidate in _install_places():
        if _is_executable(candidate):
            return str(candidate)
    raise ExternalToolError(M_MISSING, H_INSTALL)


def _configured_executable(value: str) -> str | None:
    if not any(sep and sep in value for sep in (os.sep, os.altsep)):
        return shutil.which(value)
    path = Path(value).expanduser()
    if path.is_dir():  # the program/ directory of an install, a common thing to point at
        path = path / ("soffice.exe" if sys.platform == "win32" else "soffice")
    return str(path) if _is_executable(path) else None


def _is_executable(path: Path) -> bool:
    return path.is_file() and os.access(path, os.X_OK)


def _install_places() -> list[Path]:
    """Where installers put LibreOffice when its directory is not on PATH (macOS, Windows, /opt tarballs)."""
    if sys.platform == "win32":
        roots = (os.environ.get(name) for name in ("ProgramFiles", "ProgramW6432", "ProgramFiles(x86)"))
        return [Path(root, "LibreOffice", "program", "soffice.exe") for root in dict.fromkeys(roots) if root]
    places = [
        Path("/usr/bin/soffice"),
        Path("/usr/bin/libreoffice"),
        Path("/usr/local/bin/soffice"),
        Path("/usr/lib/libreoffice/program/soffice"),
        Path("/usr/lib64/libreoffice/program/soffice"),
        # The newest of the versions side by side from the libreoffice.org packages.
        *sorted(Path("/opt").glob("libreoffice*/program/soffice"), key=_version_key, reverse=True),
        Path("/Applications/LibreOffice.app/Contents/MacOS/soffice"),
    ]
    try:
        places.append(Path.home() / "Applications/LibreOffice.app/Contents/MacOS/soffice")
    except RuntimeError:  # no HOME and no passwd entry, as in some containers
        pass
    return places


def _version_key(path: Path) -> list[int | str]:
    # "libreoffice24.2" must sort after "libreoffice7.6"; split() alternates text and digits.
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", path.parent.parent.name)]


def batches(items: Sequence[T], jobs: int) -> list[list[T]]:
    """At most `jobs` contiguous batches, sizes differing by one at most, none empty."""
    if jobs < 1:
        raise ValueError(f"jobs must be at least 1, not {jobs}")
    count = min(jobs, len(items))
    if count == 0:
        return []
    size, extra = divmod(len(items), count)
    result, start = [], 0
    for index in range(count):
        end = start + size + (index < extra)
        result.append(list(items[start:end]))
        start = end
    return result


def convert(
    docx_files: Sequence[Path],
    out_dir: Path | None,
    *,
    targets: Sequence[Path] | None = None,
    jobs: int = 1,
    timeout: float | None = None,
    written: Callable[[int], None] | None = None,
    guard: Callable[[], AbstractContextManager[Any]] = nullcontext,
) -> list[Path]:
    """Convert the DOCX files to `out_dir/<stem>.pdf`, or to `targets` (one per file),
    returned in the input order.

    The files are split into at most `jobs` batches, converted at the same time, one
    `soffice` start each. `timeout` applies to each batch; by default a batch gets
    60 s plus 2 s per file. On any failure every `soffice` is stopped, nothing is
    written to `out_dir` and ExternalToolError is raised: a run is converted whole.
    A PDF that is not whole (`_pdf_problem`) is such a failure. `written(i)` hears of
    each PDF once in place; `guard` surrounds the writing (the caller may hold signals
    there). No process of a batch is left once its `soffice` has ended, whatever the
    way convert() returns.
    """
    # Absolute, so that soffice's working directory does not matter; not resolved, because
    # soffice names the PDF after the path it is given, even when that is a symbolic link.
    sources = [Path(os.path.abspath(path)) for path in docx_files]
    duplicates = sorted(stem for stem, count in Counter(path.stem for path in sources).items() if count > 1)
    if duplicates:
        raise ValueError(f"several inputs would give the same PDF name: {', '.join(duplicates)}")
    for source in sources:
        if not source.is_file():
            raise FileNotFoundError(f"no such DOCX file: {source}")
    if targets is None:
        assert out_dir is not None, "out_dir or targets"
        targets = [out_dir / f"{source.stem}.pdf" for source in sources]
    if len(targets) != len(sources):
        raise ValueError(f"{len(sources)} DOCX files but {len(targets)} targets")
    if not sources:
        return []
    soffice = find_soffice()
    runs: list[_Run] = []
    try:
        for batch in batches(sources, jobs):
            _Run.start(soffice, batch, timeout, runs)
        _wait(runs)
        made = [(run, source, _produced(run, source)) for run in runs for source in run.files]
        # All checked before the first is written: one PDF that is not whole stops the run
        # with OUT as it was, as any other failure does.
        for (run, source, pdf), target in zip(made, targets, strict=True):
            problem = _file_problem(pdf)
            if problem is not None:
                raise _unusable(run, source, target, problem, nothing_written=True)
        # Once converted, the PDFs are written all together: should one fail, those already
        # placed are put back as they were, so that no agreement mixes two versions.
        with guard(), together():
            for index, ((run, source, pdf), target) in enumerate(zip(made, targets, strict=True)):
                data = _read_pdf(pdf)
                # Checked again as read: what is written is what was checked.
                problem = _pdf_problem(io.BytesIO(data), len(data))
                if problem is not None:
                    raise _unusable(run, source, target, problem, nothing_written=index == 0)
                place(stage(target, deterministic(data)), target)
                if written is not None:
                    written(index)
        return list(targets)
    finally:
        # Every group killed before any is waited for: a second Ctrl-C during the waits
        # leaves none running.
        for run in runs:
            run.kill()
        for run in runs:
            run.reap()
            shutil.rmtree(run.workdir, ignore_errors=True)


@dataclass
class _Run:
    """One soffice process converting one batch, in its own temporary directory."""

    files: list[Path]
    workdir: Path
    process: subprocess.Popen[bytes]
    timeout: float
    deadline: float
    # Set once every process of the batch is gone and soffice is reaped.
    over: bool = False

    @property
    def out_dir(self) -> Path:
        return self.workdir / "out"

    @classmethod
    def start(cls, soffice: str, files: list[Path], timeout: float | None, runs: list[_Run]) -> None:
        """Start soffice on `files` and add the batch to `runs`, which the caller stops: a
        Ctrl-C before start() returns must not leave soffice behind either."""
        workdir = temporary_folder()  # named after this run: swept by a later one if it is killed
        process: subprocess.Popen[bytes] | None = None
        try:
            (workdir / "out").mkdir()
            command = [
                soffice,
                "--headless",
                "--norestore",
                "--nolockcheck",
                f"-env:UserInstallation={(workdir / 'profile').as_uri()}",
                "--convert-to",
                FILTER,
                "--outdir",
                str(workdir / "out"),
                *map(str, files),
            ]
            limit = timeout if timeout is not None else BASE_TIMEOUT + TIMEOUT_PER_FILE * len(files)
            # Files rather than pipes: a long batch prints a line per file, and a full pipe
            # nobody reads while we wait on another batch would block soffice.
            with _signals_deferred(), open(workdir / "stdout.txt", "wb") as stdout, open(workdir / "stderr.txt", "wb") as stderr:
                process = subprocess.Popen(
                    command,
                    stdin=subprocess.DEVNULL,
                    stdout=stdout,
                    stderr=stderr,
                    cwd=workdir,
                    env=_environment(workdir),
                    **_own_process_group(),
                )
                runs.append(cls(files, workdir, process, limit, time.monotonic() + limit))
        except BaseException as error:
            if runs and runs[-1].process is process:
                raise  # the caller stops it, and removes its folder
            if process is not None:
                # Started, but failed before the caller could know of it.
                orphan = cls(files, workdir, process, 0, 0)
                orphan.kill()
                orphan.reap()
            shutil.rmtree(workdir, ignore_errors=True)
            if isinstance(error, OSError) and process is None:
                raise ExternalToolError(M_CANNOT_START.fill(soffice=soffice, why=error.strerror or error), H_INSTALL) from None
            raise

    def finish(self) -> int | None:
        """soffice's exit code once it has ended and what it left running is gone; None while it runs."""
        if not self.over:
            if not _has_ended(self.process):
                return None
            # Exiting is not the end of the batch: a launcher can exit before soffice.bin, and
            # anything soffice forked may still hold the files or the CPU.
            self.kill()
            self.reap()
        return self.process.returncode

    def kill(self) -> None:
        """SIGKILL to soffice and everything it started, running or ended, unless already over."""
        if not self.over:
            _kill_tree(self.process)

    def reap(self) -> None:
        """Wait for soffice (reaped) and the rest of its process group (gone), once killed."""
        if self.over:
            return
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass
        if os.name == "posix":
            _wait_group_gone(self.process.pid)
        self.over = True

    def stderr_tail(self) -> list[str]:
        try:
            text = (self.workdir / "stderr.txt").read_bytes().decode("utf-8", "replace")
        except OSError:
            return []
        # LibreOffice always complains that Java is missing; that is never the cause.
        lines = [line.rstrip() for line in text.splitlines() if line.strip() and "javaldx" not in line]
        return lines[-STDERR_LINES:]

    def finished_pdfs(self) -> int:
        return sum(1 for pdf in self.out_dir.glob("*.pdf") if _file_problem(pdf) is None)


def _environment(workdir: Path) -> dict[str, str]:
    env = dict(os.environ)
    if not env.get("HOME"):
        # Font caches and LibreOffice's own helpers still write under $HOME, profile or not.
        home = workdir / "home"
        home.mkdir(exist_ok=True)
        env["HOME"] = str(home)
    # --headless draws nothing: offering no display keeps a stale one (ssh -X) out of the way.
    env.pop("DISPLAY", None)
    env.pop("WAYLAND_DISPLAY", None)
    # The PDF creation date carries the time-zone offset, which changes its length and with it
    # every offset after it: in UTC the bytes are the same on every machine.
    env["TZ"] = "UTC"
    # LibreOffice numbers the fonts and orders the drawing of a page otherwise in about one
    # conversion of the example in seven; with one worker thread, in one of fifty, at no
    # measurable cost (1.13 s a conversion either way).
    env["MAX_CONCURRENCY"] = "1"
    return env


@contextmanager
def _signals_deferred() -> Iterator[None]:
    """Ctrl-C and SIGTERM take effect when the block ends, through the handlers in place.

    Raised between the fork and the end of Popen(), KeyboardInterrupt would lose the pid
    of a soffice that runs, and nothing could stop it. Only the main thread has handlers.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    noted: list[int] = []
    previous: dict[int, Any] = {}
    for signum in (signal.SIGINT, signal.SIGTERM):
        if signal.getsignal(signum) is not None:  # None: set outside Python, could not be put back
            previous[signum] = signal.signal(signum, lambda signum, frame: noted.append(signum))
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        for signum in dict.fromkeys(noted):
            signal.raise_signal(signum)


def _own_process_group() -> dict[str, object]:
    # soffice is a launcher (shell script, oosplash) around soffice.bin: killing only the
    # child we started would leave the converter running.
    if os.name == "posix":
        return {"start_new_session": True}
    return {"creationflags": getattr(subprocess, "CREATE_NEW_PROCESS_GROUP", 0)}


def _kill_tree(process: subprocess.Popen[bytes]) -> None:
    if os.name == "posix":
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass  # nothing left in the group
        except PermissionError:  # a member that may not be signalled; macOS says so of a zombie group
            process.kill()
    else:
        subprocess.run(["taskkill", "/F", "/T", "/PID", str(process.pid)], capture_output=True, check=False)
        if process.poll() is None:
            process.kill()


def _has_ended(process: subprocess.Popen[bytes]) -> bool:
    """Whether soffice has exited, leaving it unreaped where the system allows: until it is
    reaped its pid, which is its group's id, cannot go to another process, so that killing
    the group afterwards cannot hit a stranger."""
    if process.returncode is not None:
        return True
    waitid = getattr(os, "waitid", None)
    if os.name == "posix" and waitid is not None:
        try:
            return waitid(os.P_PID, process.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None
        except ChildProcessError:
            pass  # already reaped: poll() records its exit code
    return process.poll() is not None


def _wait_group_gone(group: int) -> None:
    # SIGKILL is delivered, not awaited: the group's processes take a moment to end.
    deadline = time.monotonic() + _GROUP_GONE_SECONDS
    while _group_alive(group) and time.monotonic() < deadline:
        time.sleep(0.01)


def _group_alive(group: int) -> bool:
    try:
        os.killpg(group, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    return _running_member(group)


def _running_member(group: int) -> bool:
    """Whether a process of the group still runs. One that has ended but that its new parent
    (init, once soffice is gone) has not yet reaped holds nothing, and some containers' init
    never reaps: such zombies count as gone."""
    try:
        entries = os.scandir("/proc")
    except OSError:
        return True  # no /proc (macOS): a zombie cannot be told from a running process
    with entries:
        for entry in entries:
            if not entry.name.isdigit():
                continue
            try:
                with open(f"/proc/{entry.name}/stat", "rb") as handle:
                    # The command name, in parentheses, may hold spaces and parentheses itself.
                    fields = handle.read().rsplit(b")", 1)[1].split()
            except (OSError, IndexError):
                continue
            if len(fields) > 2 and fields[2] == str(group).encode() and fields[0] not in (b"Z", b"X"):
                return True
    return False


def _wait(runs: list[_Run]) -> None:
    """Wait for every batch; the first failure or timeout stops the wait (the caller kills the rest)."""
    pending = list(runs)
    while pending:
        for run in list(pending):
            code = run.finish()
            if code is None:
                if time.monotonic() > run.deadline:
                    raise _timeout_error(run, runs)
                continue
            pending.remove(run)
            if code != 0:
                raise _failure(run, M_FAILED.fill(status=_exit_status(code)))
        if pending:
            time.sleep(_POLL_SECONDS)


def _exit_status(code: int) -> Msg:
    if code < 0:
        return M_SIGNAL.fill(signal=-code)
    return M_EXIT_CODE.fill(code=code)


def _timeout_error(run: _Run, runs: list[_Run]) -> ExternalToolError:
    done = sum(other.finished_pdfs() for other in runs)
    total = sum(len(other.files) for other in runs)
    return ExternalToolError(
        M_TIMEOUT.fill(seconds=f"{run.timeout:g}", done=done, total=total),
        H_TIMEOUT.fill(by_hand=H_TRY_BY_HAND.fill(file=run.files[0])),
    )


def _failure(run: _Run, what: Msg, file: Path | None = None) -> ExternalToolError:
    tail = run.stderr_tail()
    message = M_STDERR.fill(what=what, lines="\n".join(f"  {line}" for line in tail)) if tail else M_END.fill(what=what)
    return ExternalToolError(message, H_TRY_BY_HAND.fill(file=file or run.files[0]))


def _produced(run: _Run, source: Path) -> Path:
    pdf = run.out_dir / f"{source.stem}.pdf"
    if not pdf.is_file():
        # soffice exits 0 even when it cannot open a file; it only says so on stderr.
        raise _failure(run, M_NOT_PRODUCED.fill(name=source.name), source)
    return pdf


def _unusable(run: _Run, source: Path, target: Path, problem: Msg, nothing_written: bool) -> ExternalToolError:
    what = M_UNUSABLE.fill(target=target, problem=problem, nothing=M_NOTHING_WRITTEN if nothing_written else "")
    return _failure(run, what, source)


# ---------------------------------------------------------------------------
# Whole PDFs
#
# A PDF is read from its end: "startxref", the offset of its cross-reference section (a
# table, or a stream object since PDF 1.5), then "%%EOF". A file cut short, another kind of
# file renamed, or one whose offset leads nowhere would be refused by a PDF reader, or be
# read as another document than the one soffice meant to write. Checking the few places
# that prove the file whole costs a few kilobytes of reading; the objects are not parsed.

_WS = rb"[\x00\t\n\x0c\r ]"  # white space as PDF defines it
_HEADER = re.compile(rb"%PDF-[12]\.\d")
# The specification puts %%EOF in the last 1024 bytes; LibreOffice's trailer before it is a
# few hundred bytes. Nothing but white space may follow %%EOF.
_TAIL_BYTES = 4096
_END = re.compile(rb"startxref" + _WS + rb"+(\d{1,15})" + _WS + rb"+%%EOF" + _WS + rb"*\Z")
# A table: "xref", the first subsection's header ("0 14"), its first 20-byte entry.
_XREF_TABLE = re.compile(rb"xref" + _WS + rb"+(\d{1,10}) +(\d{1,10})" + _WS + rb"+(?=\d{10} \d{5} [fn])")
_XREF_ENTRY_BYTES = 20
_OBJECT = re.compile(rb"\d{1,10}" + _WS + rb"+\d{1,5}" + _WS + rb"+obj\b")
_TYPE_XREF = re.compile(rb"/Type" + _WS + rb"*/XRef\b")
# Room for an xref stream's dictionary, which comes before its data.
_SECTION_BYTES = 4096


def _file_problem(path: Path) -> Msg | None:
    """What makes the PDF at `path` unusable (`_pdf_problem`), or None."""
    try:
        with _open_regular(path) as handle:
            return _pdf_problem(handle, os.fstat(handle.fileno()).st_size)
    except NotRegularError as error:
        return M_UNREADABLE.fill(why=error.said)
    except OSError as error:
        return M_UNREADABLE.fill(why=error.strerror or error)


def _read_pdf(path: Path) -> bytes:
    # Bounded: a file that grew since it was checked is caught by the second check.
    with _open_regular(path) as handle:
        return handle.read(MAX_PDF_BYTES + 1)


def _open_regular(path: Path) -> BinaryIO:
    # Not a link out of soffice's folder, nor a pipe that would block the open or the read.
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    fd = os.open(path, flags)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise NotRegularError(M_NOT_REGULAR.fill(name=path.name))
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def _pdf_problem(handle: BinaryIO, size: int) -> Msg | None:
    """Why the PDF `handle` holds (`size` bytes) is not whole, or None if it is.

    Whole means: it starts with "%PDF-1.x" (or 2.x), it ends with "startxref", an offset
    and "%%EOF", and that offset is an xref table whose entries end before its trailer, the
    trailer naming the document's root, or an xref stream object naming it.
    """
    if size == 0:
        return M_EMPTY
    if size > MAX_PDF_BYTES:
        return M_TOO_BIG.fill(limit=MAX_PDF_BYTES >> 20)
    handle.seek(0)
    if not _HEADER.match(handle.read(8)):
        return M_NO_HEADER
    tail_start = max(0, size - _TAIL_BYTES)
    handle.seek(tail_start)
    tail = handle.read(_TAIL_BYTES)
    end = _END.search(tail)
    if end is None:
        return M_NO_END
    offset = int(end.group(1))
    if offset >= size:
        return M_XREF_OUTSIDE
    handle.seek(offset)
    section = handle.read(_SECTION_BYTES)
    table = _XREF_TABLE.match(section)
    if table is not None:
        entries_end = offset + table.end() + _XREF_ENTRY_BYTES * int(table.group(2))
        trailer = tail.rfind(b"trailer", max(0, entries_end - tail_start), end.start())
        if trailer < 0:
            if tail.rfind(b"trailer", 0, end.start()) >= 0 or entries_end > tail_start + end.start():
                return M_XREF_INCOMPLETE
            return M_NO_TRAILER
        if b"/Root" not in tail[trailer : end.start()]:
            return M_NO_ROOT
        return None
    heading = _OBJECT.match(section)
    if heading is not None:
        body = section.find(b"stream", heading.end())
        dictionary = section[heading.end() : body] if body >= 0 else b""
        if _TYPE_XREF.search(dictionary) and b"/Root" in dictionary:
            return None
    return M_NO_XREF
