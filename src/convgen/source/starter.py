"""Starter agreements written by `convgen new`."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from convgen.errors import UsageError
from convgen.i18n import Msg
from convgen.output.files import is_stream, write_user_file
from convgen.source.inputs import DEFAULT_PATH

STARTERS = ("pfmp", "immersion")
CAMPAIGN = "campaign"
CAMPAIGN_PATH = "campagne.yaml"
CAMPAIGN_CSV = "eleves.csv"

M_EXISTS = Msg("« {target} » existe déjà : rien n'a été écrit.", "'{target}' already exists: nothing was written.")
H_EXISTS = Msg(
    "ajoutez --force pour le remplacer, ou choisissez un autre nom avec -o.", "add --force to replace it, or choose another name with -o."
)
M_CAMPAIGN_NOT_FILE = Msg(
    "« {target} » n'est pas un fichier : une campagne s'écrit en deux fichiers côte à côte ; rien n'a été écrit.",
    "'{target}' is not a file: a campaign is written as two files side by side; nothing was written.",
)
H_CAMPAIGN_NOT_FILE = Msg(
    "choisissez un nom de fichier avec -o, par exemple campagne.yaml.", "choose a file name with -o, for example campagne.yaml."
)


def starter_text(kind: str) -> str:
    name = "campagne.yaml" if kind == CAMPAIGN else f"{kind}.yaml"
    return resources.files("convgen").joinpath("starters", name).read_text(encoding="utf-8")


def _refuse_existing(target: Path) -> None:
    raise UsageError(M_EXISTS.fill(target=target), hint=H_EXISTS)


def write_campaign(output: Path | None, force: bool = False) -> list[Path]:
    """A campaign starter and its sample class list, side by side; both or neither."""
    target = Path(output) if output is not None else Path(CAMPAIGN_PATH)
    if target.is_dir():
        target = target / CAMPAIGN_PATH
    csv_name = CAMPAIGN_CSV if target.name == CAMPAIGN_PATH else f"{target.stem}.csv"
    table = target.with_name(csv_name)
    if is_stream(target):
        # Its class list would go beside it: /dev/stdout.csv, say.
        raise UsageError(M_CAMPAIGN_NOT_FILE.fill(target=target), hint=H_CAMPAIGN_NOT_FILE)
    for path in (target, table):
        if path.exists() and not force and not is_stream(path):
            _refuse_existing(path)
    sample = resources.files("convgen").joinpath("starters", CAMPAIGN_CSV).read_bytes()
    write_user_file(table, sample, durable=True)
    write_user_file(target, starter_text(CAMPAIGN).replace(CAMPAIGN_CSV, csv_name).encode("utf-8"), durable=True)
    return [target, table]


def write_starter(kind: str, output: Path | None, force: bool = False) -> Path:
    """Write the starter of KIND; an existing file is kept unless force."""
    target = Path(output) if output is not None else Path(DEFAULT_PATH)
    if target.is_dir():
        target = target / DEFAULT_PATH
    if target.exists() and not force and not is_stream(target):  # /dev/stdout is no file to keep
        _refuse_existing(target)
    write_user_file(target, starter_text(kind).encode("utf-8"), durable=True)
    return target
