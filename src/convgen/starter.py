"""Starter agreements written by `convgen new`."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from convgen.errors import UsageError
from convgen.files import write_atomic
from convgen.inputs import DEFAULT_PATH

STARTERS = ("pfmp", "immersion")


def starter_text(kind: str) -> str:
    return resources.files("convgen").joinpath("starters", f"{kind}.yaml").read_text(encoding="utf-8")


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
    write_atomic(target, starter_text(kind).encode("utf-8"), durable=True)
    return target
