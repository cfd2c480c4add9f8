"""Where outputs go, and how they are written: inside OUT only, whole or not at all."""

from __future__ import annotations

import contextlib
import errno
import functools
import itertools
import os
import re
import shutil
import stat
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path, PurePosixPath

from convgen.errors import UsageError
from convgen.i18n import Msg

M_OUTSIDE = Msg(
    "« {folder} » mène hors du dossier de sortie « {out} » (lien symbolique) : convgen n'y écrit rien.",
    "'{folder}' leads out of the output folder '{out}' (symbolic link): convgen writes nothing there.",
)
H_OUTSIDE = Msg("supprimez ce lien, ou choisissez un autre dossier avec --out.", "remove this link, or choose another folder with --out.")
M_UNWRITABLE = Msg("impossible d'écrire « {path} » : {why}.", "cannot write '{path}': {why}.")
H_UNWRITABLE = Msg(
    "vérifiez que ce dossier existe ou peut être créé, et qu'il est accessible en écriture.",
    "check that this folder exists or can be created, and that it is writable.",
)
M_REFUSED = Msg("« {path} » {why} : rien n'a été écrit.", "'{path}' {why}: nothing was written.")
H_REFUSED = Msg(
    "choisissez un fichier ordinaire, ou un nom de fichier dans un dossier existant.",
    "choose a regular file, or a file name in an existing folder.",
)
# Why a file the user named is refused: the end of M_REFUSED's sentence.
M_LINK_NOWHERE = Msg("est un lien symbolique qui ne mène à aucun fichier ({why})", "is a symbolic link that leads to no file ({why})")
M_LINK_NO_FOLDER = Msg(
    "est un lien symbolique vers « {real} », dont le dossier n'existe pas", "is a symbolic link to '{real}', whose folder does not exist"
)
M_NOT_WRITTEN = Msg("ne peut pas être écrit : {why}", "cannot be written: {why}")
M_NOT_A_FILE = Msg("est {kind}, pas un fichier", "is {kind}, not a file")
M_BLOCK_DEVICE = Msg("un périphérique de stockage", "a storage device")
M_SOCKET = Msg("une socket", "a socket")

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
    import hashlib  # here: `validate` writes nothing and need not pay for it at start-up

    digest = hashlib.sha256(name.encode("utf-8")).hexdigest()[:10]
    head = name.encode("utf-8")[: MAX_NAME_BYTES - len(digest) - 1].decode("utf-8", "ignore")
    return f"{head}~{digest}"


def fitted_component(name: str) -> str:
    """One component of an output name as it is written in OUT."""
    return _fitted(safe_component(name))


def output_path(out: Path, rel: PurePosixPath, suffix: str) -> Path:
    """OUT/<relative dirs>/<stem><suffix>, each component made safe, never outside OUT."""
    parts = [_fitted(safe_component(part)) for part in rel.parts if part not in ("", "/")]
    if not parts:
        parts = ["_"]
    target = out.joinpath(*parts[:-1], parts[-1] + suffix)
    # Said before anything is written; writing checks again (_open_folder), since a link
    # may be swapped in meanwhile.
    if not _inside(out, target.parent):  # a symbolic link inside OUT pointing away
        raise _outside(target.parent, out)
    return target


def _outside(folder: Path, out: Path) -> UsageError:
    return UsageError(M_OUTSIDE.fill(folder=folder, out=out), hint=H_OUTSIDE)


def new_run(out: Path) -> None:
    """Before a run writes into OUT: forget what an earlier run in this process learnt
    (folders and links may have changed), and make the scratch place now, so that
    worker processes share it rather than each making (and leaving) its own. OUT itself
    is made only when a document is written."""
    global _out
    _inside.cache_clear()
    _made.clear()
    _scratch_of.clear()
    _close_folders()
    _out = Path(os.path.abspath(out))
    sweep(out)
    _sweep(Path(tempfile.gettempdir()), TEMP_PREFIX, own_only=True)
    anchor = out.absolute()
    while not anchor.exists() and anchor.parent != anchor:
        anchor = anchor.parent
    try:
        _scratch_dir(anchor)
    except OSError:
        pass  # said when the first document is written, with its name


def end_run() -> None:
    """After a run: its scratch folders go now rather than when the process ends."""
    global _out
    for place in _scratch.values():
        shutil.rmtree(place, ignore_errors=True)
    _scratch.clear()
    _scratch_of.clear()
    _close_folders()
    _out = None


# Where the system can (Linux, macOS, the BSDs), OUT's folders are opened one component
# at a time without following links, and written through those descriptors: a link
# swapped in after output_path's check cannot lead a write out of OUT. Elsewhere
# (Windows) writes go by path, after that check, made once per folder and run.
_BY_FD = (
    all(call in os.supports_dir_fd for call in (os.open, os.mkdir, os.rename, os.link, os.unlink, os.stat, os.readlink))
    and hasattr(os, "O_NOFOLLOW")
    and hasattr(os, "O_DIRECTORY")
)
_FOLDER = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_CLOEXEC", 0)
_out: Path | None = None  # this run's OUT, absolute but not resolved: None between runs
_out_real = Path()  # where OUT led when it was opened
# Each folder of OUT opened this run, by the path written to: a batch writes thousands
# of files into a few folders, and each is opened once.
_folders: dict[Path, int] = {}
MAX_OPEN_FOLDERS = 256
"""More folders than this, and the cache starts again: a process may have 1,024 files open."""


def _close_folders() -> None:
    for fd in set(_folders.values()):
        with contextlib.suppress(OSError):
            os.close(fd)
    _folders.clear()


def _locate(path: Path) -> tuple[int | None, str]:
    """Where to write `path`: its folder's descriptor and its name when it is in this
    run's OUT (folders made as needed), else (None, the path itself) once its folder
    exists. Either way, what the os functions take as `dir_fd` and name."""
    folder = path.parent
    fd = _folders.get(folder)
    if fd is not None:
        return fd, path.name
    if _BY_FD and _out is not None:
        absolute = Path(os.path.abspath(folder))
        if absolute.is_relative_to(_out):
            if len(_folders) >= MAX_OPEN_FOLDERS and (_together is None or not _together.placed):
                _close_folders()  # reopened as needed; never while placed documents may have to be put back through them
            fd = _folders[folder] = _open_folder(absolute)
            return fd, path.name
    if folder not in _made:
        folder.mkdir(parents=True, exist_ok=True)
        _made.add(folder)
    return None, str(path)


def _open_folder(folder: Path, links: bool = True) -> int:
    """A descriptor of `folder`, in OUT, reached from OUT without following a link, made if absent."""
    global _out_real
    assert _out is not None
    fd = _folders.get(folder)
    if fd is not None:
        return fd
    if folder == _out:
        # OUT itself may be a link: the user's choice, followed once.
        folder.mkdir(parents=True, exist_ok=True)
        fd = os.open(folder, _FOLDER)
        _out_real = Path(os.path.realpath(folder))
    else:
        fd = _open_child(_open_folder(folder.parent, links), folder, links)
    _folders[folder] = fd
    return fd


def _open_child(parent: int, folder: Path, links: bool) -> int:
    name = folder.name
    for attempt in (1, 2):
        try:
            return os.open(name, _FOLDER | os.O_NOFOLLOW, dir_fd=parent)
        except FileNotFoundError:
            if attempt == 2:
                raise
            with contextlib.suppress(FileExistsError):  # made meanwhile: opened as any other
                os.mkdir(name, dir_fd=parent)
        except OSError:  # ENOTDIR, ELOOP or EMLINK, depending on the system, for a link
            if not stat.S_ISLNK(os.stat(name, dir_fd=parent, follow_symlinks=False).st_mode):
                raise
            break
    assert _out is not None
    real = Path(os.path.realpath(folder))
    if links and real.is_relative_to(_out_real):
        # A link to another folder of OUT: that folder, reached again without links.
        return _open_folder(_out.joinpath(*real.relative_to(_out_real).parts), links=False)
    raise _outside(folder, _out)


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
        raise UsageError(M_UNWRITABLE.fill(path=path, why=error.strerror or error), hint=H_UNWRITABLE) from None


def write_user_file(path: Path, data: bytes, durable: bool = False) -> None:
    """Write a file the user named (--report, -o): whatever it is, never replaced by another kind.

    A character device or a FIFO (/dev/null, /dev/stdout, a pipe) is written through, as
    a shell redirection does; a symbolic link stays, and what it leads to is written
    atomically; a regular file, or none yet, is written atomically (`write_atomic`).
    A block device or a socket, a link leading nowhere, or into a missing folder, is
    refused: a usage error naming `path`.
    """
    mode = _mode(path, follow=False)
    if mode is not None and stat.S_ISLNK(mode):
        try:
            mode = os.stat(path).st_mode
        except FileNotFoundError:
            mode = None
        except OSError as error:  # a loop of links
            raise _refused(path, M_LINK_NOWHERE.fill(why=error.strerror or error)) from None
        if mode is None or stat.S_ISREG(mode) or stat.S_ISDIR(mode):  # a folder: the write says it is one
            real = Path(os.path.realpath(path))
            if not real.parent.is_dir():
                raise _refused(path, M_LINK_NO_FOLDER.fill(real=real))
            path = real  # the link stays, leading to the new file
    if mode is not None and (stat.S_ISCHR(mode) or stat.S_ISFIFO(mode)):
        try:
            # No O_CREAT: a device or a FIFO removed meanwhile is an error, not a new regular file.
            with open(os.open(path, os.O_WRONLY | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_BINARY", 0)), "wb") as handle:
                handle.write(data)
        except OSError as error:
            raise _refused(path, M_NOT_WRITTEN.fill(why=error.strerror or error)) from None
        return
    if mode is not None and (stat.S_ISBLK(mode) or stat.S_ISSOCK(mode)):
        raise _refused(path, M_NOT_A_FILE.fill(kind=M_BLOCK_DEVICE if stat.S_ISBLK(mode) else M_SOCKET))
    write_atomic(path, data, durable)


def is_stream(path: Path) -> bool:
    """A character device or a FIFO (links followed): written through, never "already there"."""
    mode = _mode(path, follow=True)
    return mode is not None and (stat.S_ISCHR(mode) or stat.S_ISFIFO(mode))


def _mode(path: Path, follow: bool) -> int | None:
    try:
        return os.stat(path, follow_symlinks=follow).st_mode
    except (OSError, ValueError):
        return None  # absent or unreadable: writing says why, if it fails


def _refused(path: Path, why: Msg) -> UsageError:
    return UsageError(M_REFUSED.fill(path=path, why=why), hint=H_REFUSED)


def _write_atomic(path: Path, data: bytes, durable: bool = False) -> None:
    """Write through a file renamed into place: `path` is the whole new file or absent.

    The data goes first where a killed process leaves nothing in the target folder:
    an unnamed file (Linux O_TMPFILE), else a private folder in the system's temporary
    directory when it is on the same file system, else a hidden name beside `path`.
    `durable` also syncs to disk, for the few small files where a power cut matters
    more than speed.
    """
    global _unnamed_works
    fd, name = _locate(path)
    if _unnamed_works:
        done = _write_unnamed(fd, name, path, data, durable)
        if done is not None:
            return
        _unnamed_works = False
    tmp = _write_new(_scratch_for(path.parent), path.name, data, durable)
    try:
        os.replace(tmp, name, dst_dir_fd=fd)
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
    """Move a staged document into place: `target` is the whole new file or what it was.

    Within `together()`, what `target` was is kept until the others are in place too.
    """
    fd, name = _locate(target)
    kept = _keep(fd, name, staged.parent) if _together is not None else None
    try:
        try:
            os.replace(staged, name, dst_dir_fd=fd)
        except OSError as error:
            if error.errno != errno.EXDEV:  # a file system mounted inside OUT: copy, still atomically
                raise
            _write_atomic(target, staged.read_bytes())
            staged.unlink(missing_ok=True)
    except BaseException:
        if kept is not None:
            kept.unlink(missing_ok=True)
        raise
    if _together is not None:
        _together.placed.append((fd, name, target, kept))


class Together:
    """The documents `place` put in place within one `together()`, and what each replaced."""

    def __init__(self) -> None:
        self.placed: list[tuple[int | None, str, Path, Path | None]] = []
        self.unrestored: list[Path] = []  # those that could not be put back as they were, after an error


_together: Together | None = None
# A link in OUT is kept as that link, not as what it leads to; where os.link has no such
# option (Windows), its default is taken: links in OUT are rare there.
_LINK_ITSELF = {"follow_symlinks": False} if os.link in os.supports_follow_symlinks else {}


@contextlib.contextmanager
def together() -> Iterator[Together]:
    """The documents placed within are all new, or — when one of them fails — all as they
    were: those already placed are put back (a new one removed), and the error goes on.

    What a target was is kept as a hard link in the scratch folder: no copy, and nothing
    visible in OUT. One agreement's copies are placed so, never mixing two versions.
    """
    global _together
    assert _together is None, "together() does not nest"
    transaction = _together = Together()
    try:
        yield transaction
    except BaseException:
        for fd, name, target, kept in reversed(transaction.placed):
            try:
                if kept is None:
                    os.unlink(name, dir_fd=fd)
                else:
                    os.replace(kept, name, dst_dir_fd=fd)
            except OSError:
                transaction.unrestored.insert(0, target)
        raise
    else:
        for *_, kept in transaction.placed:
            if kept is not None:
                kept.unlink(missing_ok=True)
    finally:
        _together = None


def _keep(fd: int | None, name: str, scratch: Path) -> Path | None:
    """What `name` is now, linked (else copied) into the scratch folder; None if it does not exist."""
    base = os.path.basename(name)  # `name` is the whole path where folders are not opened (_locate)
    kept = scratch / f".{base}.{os.getpid()}.{next(_serial)}.old"
    try:
        os.link(name, kept, src_dir_fd=fd, **_LINK_ITSELF)
        return kept
    except (OSError, NotImplementedError):
        pass  # nothing there yet; or no hard links on this file system, or not to the scratch folder
    try:
        mode = os.stat(name, dir_fd=fd, follow_symlinks=False).st_mode
    except FileNotFoundError:
        return None  # said only when `name` is absent: a failed link must never read as "nothing to put back"
    if stat.S_ISLNK(mode):  # a link in OUT is replaced, never written through: kept as a link
        os.symlink(os.readlink(name, dir_fd=fd), kept)
        return kept
    if not stat.S_ISREG(mode):
        return None  # a folder: the rename fails and says so
    with os.fdopen(os.open(name, os.O_RDONLY | getattr(os, "O_BINARY", 0), dir_fd=fd), "rb") as handle:
        return _write_new(scratch, base, handle.read())


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
        from multiprocessing.util import Finalize

        Finalize(None, shutil.rmtree, args=(place, True), exitpriority=10)
        _scratch[device] = place
    return _scratch[device]


SCRATCH_PREFIX = ".convgen-"


TEMP_PREFIX = "convgen-"
IDLE_SECONDS = 3600
"""How long a dead run's scratch folder stays untouched before a later run removes it."""


def temporary_folder() -> Path:
    """A private folder in the system's temporary directory, named after this process:
    should it be killed, a later run removes the folder and the personal data staged in it."""
    return Path(tempfile.mkdtemp(prefix=f"{TEMP_PREFIX}{os.getpid()}-"))


def _system_scratch(device: int) -> Path | None:
    """A folder in the system's temporary directory, when it is on that device."""
    try:
        candidate = temporary_folder()
    except OSError:
        return None
    if os.stat(candidate).st_dev == device:
        return candidate
    candidate.rmdir()
    return None


def sweep(out: Path) -> None:
    """Remove the scratch folders a killed run left in OUT (their process is gone)."""
    _sweep(out, SCRATCH_PREFIX)


def _sweep(folder: Path, prefix: str, own_only: bool = False) -> None:
    """Remove the folders `<prefix><pid>-…` of processes gone, untouched for IDLE_SECONDS.

    The pid alone is not enough: OUT may be shared with runs on other machines, and the
    system's temporary directory with containers, whose pids mean nothing here.
    `own_only`: only this user's (the system's temporary directory is everyone's).
    """
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return
    for entry in entries:
        if not entry.name.startswith(prefix):
            continue
        pid, dash, _ = entry.name[len(prefix) :].partition("-")
        if not (pid.isdigit() and dash):  # not one of ours (tempfile's names hold no "-")
            continue
        try:
            status = entry.stat(follow_symlinks=False)
        except OSError:
            continue
        if not stat.S_ISDIR(status.st_mode) or own_only and hasattr(os, "getuid") and status.st_uid != os.getuid():
            continue
        if time.time() - status.st_mtime > IDLE_SECONDS and not _alive(int(pid)):
            shutil.rmtree(entry.path, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # someone else's process: alive
    return True


def _write_unnamed(folder: int | None, name: str, path: Path, data: bytes, durable: bool) -> bool | None:
    """True once written; None where this system cannot link an unnamed file into place.
    `folder` and `name` are where `path` is, as `_locate` gives them."""
    try:
        fd = os.open("." if folder is not None else path.parent, _TMPFILE | os.O_WRONLY, 0o666 & ~_UMASK, dir_fd=folder)
    except OSError:
        return None
    tmp = f".{path.name}.{os.getpid()}.tmp"
    if folder is None:
        tmp = str(path.parent / tmp)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            if durable:
                os.fsync(handle.fileno())
            try:
                os.link(f"/proc/self/fd/{handle.fileno()}", tmp, dst_dir_fd=folder, follow_symlinks=True)
            except OSError:
                return None
        os.replace(tmp, name, src_dir_fd=folder, dst_dir_fd=folder)
        return True
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp, dir_fd=folder)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


_UMASK = _umask()
