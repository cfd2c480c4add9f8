"""Where outputs go, and how they are written: inside OUT only, whole or not at all."""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path, PurePosixPath

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


def output_path(out: Path, rel: PurePosixPath, suffix: str) -> Path:
    """OUT/<relative dirs>/<stem><suffix>, each component made safe, never outside OUT."""
    parts = [safe_component(part) for part in rel.parts if part not in ("", "/")]
    if not parts:
        parts = ["_"]
    target = out.joinpath(*parts[:-1], parts[-1] + suffix)
    root = out.resolve()
    if not target.resolve().is_relative_to(root):  # a symbolic link inside OUT pointing away
        raise ValueError(f"{target} is outside {out}")
    return target


_TMPFILE = getattr(os, "O_TMPFILE", None)


def write_atomic(path: Path, data: bytes, durable: bool = False) -> None:
    """Write through a file renamed into place: `path` is the whole new file or absent.

    On Linux the data first goes to an unnamed file (O_TMPFILE), so that a process
    killed while writing leaves nothing behind, not even a temporary name. `durable`
    also syncs to disk, for the few small files where a power cut matters more than speed.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    if _TMPFILE is not None and _write_unnamed(path, data, durable):
        return
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            if durable:
                handle.flush()
                os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _write_unnamed(path: Path, data: bytes, durable: bool) -> bool:
    try:
        fd = os.open(path.parent, _TMPFILE | os.O_WRONLY, 0o644)
    except OSError:
        return False  # file system without O_TMPFILE: fall back to a named temporary file
    tmp = path.parent / f".{path.name}.{os.getpid()}.tmp"
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            if durable:
                os.fsync(handle.fileno())
            os.fchmod(handle.fileno(), 0o666 & ~_umask())
            try:
                os.link(f"/proc/self/fd/{handle.fileno()}", tmp, follow_symlinks=True)
            except OSError:
                return False
        os.replace(tmp, path)
        return True
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
