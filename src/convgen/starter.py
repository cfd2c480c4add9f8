"""Starter agreements written by `convgen new`, and atomic writing of small files."""

from __future__ import annotations

import os
import tempfile
from importlib import resources
from pathlib import Path

from convgen.errors import UsageError
from convgen.inputs import DEFAULT_PATH

STARTERS = ("pfmp", "immersion")


def starter_text(kind: str) -> str:
    return resources.files("convgen").joinpath("starters", f"{kind}.yaml").read_text(encoding="utf-8")


def write_atomic(path: Path, data: bytes) -> None:
    """Write through a temporary file renamed into place: the file is whole or absent."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_starter(kind: str, output: Path | None, force: bool = False) -> Path:
    """Write the starter of KIND; an existing file is kept unless force."""
    target = Path(output) if output is not None else Path(DEFAULT_PATH)
    if target.is_dir():
        target = target / DEFAULT_PATH
    if target.exists() and not force:
        raise UsageError(
            f"« {target} » existe déjà : rien n'a été écrit.",
            hint="ajoutez --force pour le remplacer, ou choisissez un autre nom avec -o.",
        )
    write_atomic(target, starter_text(kind).encode("utf-8"))
    return target
