"""Where outputs go, and how they are written: inside OUT only, whole or not at all."""

from __future__ import annotations

import errno
import functools
import hashlib
import itertools
import os
import re
import shutil
import tempfile
import time
from multiprocessing.util import Finalize
from pathlib import Path, PurePosixPath

from convgen.errors import UsageError

_UNSAFE = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*]')
_RESERVED = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(1, 10)), *(f"lpt{i}" for i in range(1, 10))}


def safe_component(name: str) -> str:
    """One path component that every file system accepts and that cannot climb out."""
    name = _UNSAFE.sub("_", name).strip().rstrip(". ")
    if not name or set(name) == {"."}:
        return "_"
    if name.split(".")[0].lower() in _RESERVED:
        name = "_" + name
    return name.lstrip(".") or "_"


MAX_NAME_BYTES = 160
"""Longest name part kept whole. File systems take 255 bytes per name: the rest is for
the suffix (.etablissement.docx) and the temporary name made while writing."""


def _fitted(name: str) -> str:
    """The name, or its start and a hash of the whole: every copy of an agreement keeps the same stem, and two long names stay distinct."""
    if len(name.encode("utf-8")) <= MAX_NAME_BYTES:
        return name
    digest = hashlib.sha256(name.encode("utf-8")).hexdigest()[:10]
    head = name.encode("utf-8")[: MAX_NAME_BYTES - len(digest) - 1].decode("utf-8", "ignore")
    return f"{head}~{digest}"


def output_path(out: Path, rel: PurePosixPath, suffix: str) -> Path:
    """OUT/<relative dirs>/<stem><suffix>, each component made safe, never outside OUT."""
    parts = [_fitted(safe_component(part)) for part in rel.parts if part not in ("", "/")]
    if not parts:
        parts = ["_"]
    target = out.joinpath(*parts[:-1], parts[-1] + suffix)
    if not _inside(out, target.parent):  # a symbolic link inside OUT pointing away
        raise UsageError(
            f"« {target.parent} » mène hors du dossier de sortie « {out} » (lien symbolique) : convgen n'y écrit rien.",
            hint="supprimez ce lien, ou choisissez un autre dossier avec --out.",
        )
    return target


def new_run(out: Path) -> None:
    """Before a run writes into OUT: forget what an earlier run in this process learnt
    (folders and links may have changed), and make the scratch place now, so that
    worker processes share it rather than each making (and leaving) its own. OUT itself
    is made only when a document is written."""
    _inside.cache_clear()
    _made.clear()
    _scratch_of.clear()
    sweep(out)
    anchor = out.absolute()
    while not anchor.exists() and anchor.parent != anchor:
        anchor = anchor.parent
    try:
        _scratch_dir(anchor)
    except OSError:
        pass  # said when the first document is written, with its name


def end_run() -> None:
    """After a run: its scratch folders go now rather than when the process ends."""
    for place in _scratch.values():
        shutil.rmtree(place, ignore_errors=True)
    _scratch.clear()
    _scratch_of.clear()


@functools.lru_cache(maxsize=1024)
def _inside(out: Path, folder: Path) -> bool:
    # Asked once per folder and run, not per document: resolving walks every component.
    # The file itself may be a link: writing replaces the link, never what it points to.
    return folder.resolve().is_relative_to(out.resolve())


_TMPFILE = getattr(os, "O_TMPFILE", None)
_unnamed_works = _TMPFILE is not None
_scratch: dict[int, Path] = {}
# Per process: folders known to exist, and each folder's scratch place. A batch writes
# thousands of files into a few folders; each system call saved is saved thousands of times.
_made: set[Path] = set()
_scratch_of: dict[Path, Path] = {}
_serial = itertools.count()


def write_atomic(path: Path, data: bytes, durable: bool = False) -> None:
    """Write `path` whole or not at all; a system refusal is a usage error naming `path`."""
    try:
        _write_atomic(path, data, durable)
    except OSError as error:
        raise UsageError(
            f"impossible d'écrire « {path} » : {error.strerror or error}.",
            hint="vérifiez que ce dossier existe ou peut être créé, et qu'il est accessible en écriture.",
        ) from None


def _write_atomic(path: Path, data: bytes, durable: bool = False) -> None:
    """Write through a file renamed into place: `path` is the whole new file or absent.

    The data goes first where a killed process leaves nothing in the target folder:
    an unnamed file (Linux O_TMPFILE), else a private folder in the system's temporary
    directory when it is on the same file system, else a hidden name beside `path`.
    `durable` also syncs to disk, for the few small files where a power cut matters
    more than speed.
    """
    global _unnamed_works
    folder = path.parent
    if folder not in _made:
        folder.mkdir(parents=True, exist_ok=True)
        _made.add(folder)
    if _unnamed_works:
        done = _write_unnamed(path, data, durable)
        if done is not None:
            return
        _unnamed_works = False
    tmp = _write_new(_scratch_for(folder), path.name, data, durable)
    try:
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def stage(target: Path, data: bytes) -> Path:
    """Write `data` where `place` can later move it to `target` in one rename, leaving OUT
    untouched meanwhile: a run writes every document first, and puts them in place only
    once the rules across its agreements have passed."""
    return _write_new(_scratch_for(target.parent), target.name, data)


def _scratch_for(folder: Path) -> Path:
    """The scratch place of a folder of OUT, which may not exist yet (made when a document is placed)."""
    scratch = _scratch_of.get(folder)
    if scratch is None:
        anchor = folder
        while not anchor.exists() and anchor.parent != anchor:
            anchor = anchor.parent  # a new folder is on its parent's file system
        scratch = _scratch_of[folder] = _scratch_dir(anchor)
    return scratch


def _write_new(scratch: Path, name: str, data: bytes, durable: bool = False) -> Path:
    """A new file in the scratch place holding `data`, under a name no other process or
    write uses (pid, serial), created exclusively; the mode is the one any new file gets
    (the umask applies), as after a plain write."""
    tmp = scratch / f".{name}.{os.getpid()}.{next(_serial)}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            if durable:
                handle.flush()
                os.fsync(handle.fileno())
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return tmp


def place(staged: Path, target: Path) -> None:
    """Move a staged document into place: `target` is the whole new file or what it was."""
    folder = target.parent
    if folder not in _made:
        folder.mkdir(parents=True, exist_ok=True)
        _made.add(folder)
    try:
        os.replace(staged, target)
    except OSError as error:
        if error.errno != errno.EXDEV:  # a file system mounted inside OUT: copy, still atomically
            raise
        _write_atomic(target, staged.read_bytes())
        staged.unlink(missing_ok=True)


def discard(staged: Path) -> None:
    staged.unlink(missing_ok=True)


def _scratch_dir(folder: Path) -> Path:
    """A private temporary folder on the same file system as `folder` (a rename cannot cross devices)."""
    device = os.stat(folder).st_dev
    if device not in _scratch:
        place = _system_scratch(device)
        if place is None:
            # Hidden in the output folder, named after this process so that a later run
            # can tell it from a live run's and remove it if this one was killed.
            place = Path(tempfile.mkdtemp(prefix=f"{SCRATCH_PREFIX}{os.getpid()}-", dir=folder))
        # Removed when this process ends, worker processes included (atexit does not
        # run in them; multiprocessing runs these finalizers).
        Finalize(None, shutil.rmtree, args=(place, True), exitpriority=10)
        _scratch[device] = place
    return _scratch[device]


SCRATCH_PREFIX = ".convgen-"


def _system_scratch(device: int) -> Path | None:
    """A folder in the system's temporary directory, when it is on that device."""
    try:
        candidate = Path(tempfile.mkdtemp(prefix="convgen-"))
    except OSError:
        return None
    if os.stat(candidate).st_dev == device:
        return candidate
    candidate.rmdir()
    return None


def sweep(out: Path) -> None:
    """Remove the scratch folders a killed run left in OUT (their process is gone)."""
    try:
        entries = list(os.scandir(out))
    except OSError:
        return
    for entry in entries:
        if not entry.name.startswith(SCRATCH_PREFIX) or not entry.is_dir(follow_symlinks=False):
            continue
        pid = entry.name[len(SCRATCH_PREFIX) :].split("-", 1)[0]
        try:
            # An hour untouched too: OUT may be shared with runs on other machines, whose pids mean nothing here.
            idle = time.time() - entry.stat(follow_symlinks=False).st_mtime > 3600
        except OSError:
            continue
        if pid.isdigit() and idle and not _alive(int(pid)):
            shutil.rmtree(entry.path, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # someone else's process: alive
    return True


def _write_unnamed(path: Path, data: bytes, durable: bool) -> bool | None:
    """True once written; None where this system cannot link an unnamed file into place."""
    try:
        fd = os.open(path.parent, _TMPFILE | os.O_WRONLY, 0o666 & ~_UMASK)
    except OSError:
        return None
    tmp = path.parent / f".{path.name}.{os.getpid()}.tmp"
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            if durable:
                os.fsync(handle.fileno())
            try:
                os.link(f"/proc/self/fd/{handle.fileno()}", tmp, follow_symlinks=True)
            except OSError:
                return None
        os.replace(tmp, path)
        return True
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


_UMASK = _umask()
