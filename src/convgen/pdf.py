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

import hashlib
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from convgen.errors import ExternalToolError
from convgen.files import write_atomic

ENV_VAR = "CONVGEN_SOFFICE"
EXECUTABLE_NAMES = ("soffice", "libreoffice")
FILTER = "pdf:writer_pdf_Export"
BASE_TIMEOUT = 60.0
TIMEOUT_PER_FILE = 2.0
STDERR_LINES = 10
_POLL_SECONDS = 0.05

M_MISSING = "LibreOffice (soffice) est introuvable : il le faut pour --format pdf."
M_BAD_ENV = "LibreOffice (soffice) est introuvable : {var} vaut « {value} », qui n'est pas un programme exécutable."
H_INSTALL = (
    "Installez LibreOffice, puis relancez : "
    "Debian/Ubuntu « sudo apt-get install -y --no-install-recommends libreoffice-writer-nogui » ; "
    "macOS « brew install --cask libreoffice » ; "
    "Windows « winget install TheDocumentFoundation.LibreOffice » (ou https://www.libreoffice.org/download/). "
    f"Ou indiquez où il est : {ENV_VAR}=/chemin/vers/soffice."
)
H_TRY_BY_HAND = "Pour voir l'erreur de LibreOffice lui-même : soffice --headless --convert-to pdf « {file} »."

T = TypeVar("T")


def find_soffice() -> str:
    """The LibreOffice executable: $CONVGEN_SOFFICE, else PATH, else the usual install places."""
    configured = os.environ.get(ENV_VAR, "").strip()
    if configured:
        # The user named one: falling back to another LibreOffice would hide their mistake.
        found = _configured_executable(configured)
        if found is None:
            raise ExternalToolError(M_BAD_ENV.format(var=ENV_VAR, value=configured), H_INSTALL)
        return found
    for name in EXECUTABLE_NAMES:
        found = shutil.which(name)
        if found:
            return found
    for place in _install_places():
        if _is_executable(place):
            return str(place)
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
    `written(i)` hears of each PDF once in place; `guard` surrounds the writing (the
    caller may hold signals there).
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
            runs.append(_Run.start(soffice, batch, timeout))
        _wait(runs)
        produced = [_produced(run, source) for run in runs for source in run.files]
        with guard():  # once converted, the PDFs are written all together
            for index, (pdf, target) in enumerate(zip(produced, targets, strict=True)):
                write_atomic(target, deterministic(pdf.read_bytes()))
                if written is not None:
                    written(index)
        return list(targets)
    finally:
        for run in runs:
            run.stop()
            shutil.rmtree(run.workdir, ignore_errors=True)


@dataclass
class _Run:
    """One soffice process converting one batch, in its own temporary directory."""

    files: list[Path]
    workdir: Path
    process: subprocess.Popen[bytes]
    timeout: float
    deadline: float

    @property
    def out_dir(self) -> Path:
        return self.workdir / "out"

    @classmethod
    def start(cls, soffice: str, files: list[Path], timeout: float | None) -> _Run:
        workdir = Path(tempfile.mkdtemp(prefix="convgen-soffice-"))
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
            # Files rather than pipes: a long batch prints a line per file, and a full pipe
            # nobody reads while we wait on another batch would block soffice.
            with open(workdir / "stdout.txt", "wb") as stdout, open(workdir / "stderr.txt", "wb") as stderr:
                process = subprocess.Popen(
                    command,
                    stdin=subprocess.DEVNULL,
                    stdout=stdout,
                    stderr=stderr,
                    cwd=workdir,
                    env=_environment(workdir),
                    **_own_process_group(),
                )
        except OSError as error:
            shutil.rmtree(workdir, ignore_errors=True)
            raise ExternalToolError(f"impossible de lancer LibreOffice ({soffice}) : {error.strerror or error}.", H_INSTALL) from None
        except BaseException:
            shutil.rmtree(workdir, ignore_errors=True)
            raise
        limit = timeout if timeout is not None else BASE_TIMEOUT + TIMEOUT_PER_FILE * len(files)
        return cls(files, workdir, process, limit, time.monotonic() + limit)

    def stop(self) -> None:
        """Kill soffice and everything it started, unless it has ended; then reap it."""
        if self.process.poll() is None:
            _kill_tree(self.process)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass

    def stderr_tail(self) -> list[str]:
        try:
            text = (self.workdir / "stderr.txt").read_bytes().decode("utf-8", "replace")
        except OSError:
            return []
        # LibreOffice always complains that Java is missing; that is never the cause.
        lines = [line.rstrip() for line in text.splitlines() if line.strip() and "javaldx" not in line]
        return lines[-STDERR_LINES:]

    def finished_pdfs(self) -> int:
        return sum(1 for pdf in self.out_dir.glob("*.pdf") if _ends_like_pdf(pdf))


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
    return env


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
        except (ProcessLookupError, PermissionError):
            process.kill()
    else:
        subprocess.run(["taskkill", "/F", "/T", "/PID", str(process.pid)], capture_output=True, check=False)
        if process.poll() is None:
            process.kill()


def _wait(runs: list[_Run]) -> None:
    """Wait for every batch; the first failure or timeout stops the wait (the caller kills the rest)."""
    pending = list(runs)
    while pending:
        for run in list(pending):
            code = run.process.poll()
            if code is None:
                if time.monotonic() > run.deadline:
                    raise _timeout_error(run, runs)
                continue
            pending.remove(run)
            if code != 0:
                raise _failure(run, f"LibreOffice (soffice) a échoué ({_exit_status(code)}) pendant la conversion en PDF")
        if pending:
            time.sleep(_POLL_SECONDS)


def _exit_status(code: int) -> str:
    if code < 0:
        return f"arrêté par le signal {-code}"
    return f"code de sortie {code}"


def _timeout_error(run: _Run, runs: list[_Run]) -> ExternalToolError:
    done = sum(other.finished_pdfs() for other in runs)
    total = sum(len(other.files) for other in runs)
    return ExternalToolError(
        f"LibreOffice (soffice) n'a pas fini la conversion en PDF en {run.timeout:g} s : "
        f"{done} fichier(s) converti(s) sur {total} ; rien n'a été écrit.",
        "Un document très lourd, ou un LibreOffice bloqué, en est souvent la cause. " + H_TRY_BY_HAND.format(file=run.files[0]),
    )


def _failure(run: _Run, what: str, file: Path | None = None) -> ExternalToolError:
    tail = run.stderr_tail()
    message = what + (" :\n" + "\n".join(f"  {line}" for line in tail) if tail else ".")
    return ExternalToolError(message, H_TRY_BY_HAND.format(file=file or run.files[0]))


def _produced(run: _Run, source: Path) -> Path:
    pdf = run.out_dir / f"{source.stem}.pdf"
    if not pdf.is_file():
        # soffice exits 0 even when it cannot open a file; it only says so on stderr.
        raise _failure(run, f"LibreOffice (soffice) n'a pas produit le PDF de « {source.name} »", source)
    return pdf


def _ends_like_pdf(path: Path) -> bool:
    """Whether a PDF is complete, not the one soffice was writing when it was killed."""
    try:
        with open(path, "rb") as handle:
            handle.seek(max(0, path.stat().st_size - 1024))
            return b"%%EOF" in handle.read()
    except OSError:
        return False


# ---------------------------------------------------------------------------
# Deterministic bytes
#
# Every edit keeps the file's length, and every byte's position: the cross-reference
# table gives objects by byte offset, so one byte more would break the file.

FIXED_PDF_DATES = (b"D:19800101000000Z", b"D:19800101000000", b"D:198001010000", b"D:1980010100", b"D:19800101", b"D:198001", b"D:1980")
FIXED_XMP_DATES = (b"1980-01-01T00:00:00Z", b"1980-01-01T00:00Z", b"1980-01-01", b"1980-01", b"1980")

_PDF_DATE = re.compile(rb"(/(?:CreationDate|ModDate)\s*)\((D:[^()\\]*)\)")
_TRAILER_ID = re.compile(rb"/ID\s*\[\s*<([0-9A-Fa-f\s]*)>\s*<([0-9A-Fa-f\s]*)>\s*\]")
_DOC_CHECKSUM = re.compile(rb"/DocChecksum\s*/([0-9A-Fa-f]+)")
# Only XMP stored as plain text is seen here; a compressed metadata stream would need
# re-compressing to another length. LibreOffice writes XMP (uncompressed) for PDF/A only.
_XMP = re.compile(rb"<(\w+):xmpmeta\b.*?</\1:xmpmeta>", re.S)
_XMP_DATE_NAMES = rb"(?:\w+:)?(?:CreateDate|ModifyDate|MetadataDate)"
_XMP_ID_NAMES = rb"(?:\w+:)?(?:DocumentID|InstanceID|OriginalDocumentID)"
_XMP_DATE_ELEMENT = re.compile(rb"(<(" + _XMP_DATE_NAMES + rb")>)([^<]*)(</\2>)")
_XMP_DATE_ATTRIBUTE = re.compile(rb"(" + _XMP_DATE_NAMES + rb"\s*=\s*)(\"[^\"]*\"|'[^']*')")
_XMP_ID_ELEMENT = re.compile(rb"<(?P<name>" + _XMP_ID_NAMES + rb")>(?P<value>[^<]*)</(?P=name)>")
_XMP_ID_ATTRIBUTE = re.compile(rb"(?P<name>" + _XMP_ID_NAMES + rb")\s*=\s*[\"'](?P<value>[^\"']*)[\"']")
_HEX = frozenset(b"0123456789abcdefABCDEF")


def deterministic(pdf: bytes) -> bytes:
    """The same PDF without what changes at each conversion, at the same length.

    Dates (Info dictionary, XMP) become 1980-01-01 UTC, in the longest fixed form that
    fits, the rest of the room filled with spaces outside the string. The file
    identifier, LibreOffice's /DocChecksum and XMP document ids become a hash of the
    rest of the file: the same document keeps the same id, another one gets another.
    """
    data = _PDF_DATE.sub(_fixed_pdf_date, pdf)
    data = _XMP.sub(_fixed_xmp_dates, data)
    holes = _identifier_holes(data)
    buffer = bytearray(data)
    for start, end, _ in holes:
        buffer[start:end] = bytes(ord("0") if byte in _HEX else byte for byte in buffer[start:end])
    digest = hashlib.sha256(buffer).digest()
    for start, end, label in holes:
        buffer[start:end] = _hashed_hex(data[start:end], digest + label)
    result = bytes(buffer)
    assert len(result) == len(pdf), "deterministic() must keep every byte offset"
    return result


def _fit(fixed_forms: tuple[bytes, ...], room: int) -> bytes | None:
    return next((form for form in fixed_forms if len(form) <= room), None)


def _fixed_pdf_date(match: re.Match[bytes]) -> bytes:
    key, value = match.group(1), match.group(2)
    fixed = _fit(FIXED_PDF_DATES, len(value))
    if fixed is None:
        return match.group(0)
    # Padding after ")" is whitespace between dictionary tokens; inside, it would change the date.
    return key + b"(" + fixed + b")" + b" " * (len(value) - len(fixed))


def _fixed_xmp_dates(match: re.Match[bytes]) -> bytes:
    def element(found: re.Match[bytes]) -> bytes:
        opening, value, closing = found.group(1), found.group(3), found.group(4)
        fixed = _fit(FIXED_XMP_DATES, len(value))
        if fixed is None:
            return found.group(0)
        # Spaces between two XML elements are insignificant, inside one they are part of the value.
        return opening + fixed + closing + b" " * (len(value) - len(fixed))

    def attribute(found: re.Match[bytes]) -> bytes:
        name, quoted = found.group(1), found.group(2)
        fixed = _fit(FIXED_XMP_DATES, len(quoted) - 2)
        if fixed is None:
            return found.group(0)
        quote = quoted[:1]
        return name + quote + fixed + quote + b" " * (len(quoted) - 2 - len(fixed))

    packet = _XMP_DATE_ELEMENT.sub(element, match.group(0))
    return _XMP_DATE_ATTRIBUTE.sub(attribute, packet)


def _identifier_holes(data: bytes) -> list[tuple[int, int, bytes]]:
    """Spans holding identifiers, with the label their hash is derived under."""
    holes = []
    for match in _TRAILER_ID.finditer(data):
        # Both halves get the same value, as LibreOffice writes them for a new document.
        holes += [(match.start(1), match.end(1), b"ID"), (match.start(2), match.end(2), b"ID")]
    holes += [(match.start(1), match.end(1), b"DocChecksum") for match in _DOC_CHECKSUM.finditer(data)]
    for packet in _XMP.finditer(data):
        for pattern in (_XMP_ID_ELEMENT, _XMP_ID_ATTRIBUTE):
            for match in pattern.finditer(data, packet.start(), packet.end()):
                value_start, value_end = match.span("value")
                # Keep the scheme ("uuid:", "xmp.did:"): its letters may be hex digits too.
                scheme = data.rfind(b":", value_start, value_end) + 1
                holes.append((max(scheme, value_start), value_end, match.group("name")))
    return holes


def _hashed_hex(original: bytes, seed: bytes) -> bytes:
    """`original` with each hex digit replaced by one of the hash, keeping case and layout."""
    count = sum(byte in _HEX for byte in original)
    digits = iter(hashlib.shake_256(seed).hexdigest((count + 1) // 2).encode())
    upper = original == original.upper()
    out = bytearray()
    for byte in original:
        if byte in _HEX:
            digit = next(digits)
            out.append(ord(chr(digit).upper()) if upper else digit)
        else:
            out.append(byte)
    return bytes(out)
