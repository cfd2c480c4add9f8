"""Which files a command works on: files, directories and unexpanded globs (cli.md)."""

from __future__ import annotations

import glob
import os
import unicodedata
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath

from convgen.errors import UsageError
from convgen.i18n import Lang, Msg

DEFAULT_PATH = "agreement.yaml"
SUFFIXES = (".yaml", ".yml")
_MAGIC = set("*?[")


@dataclass(frozen=True, slots=True)
class Input:
    path: Path
    display: str
    # Where its outputs go under OUT, without suffix: keeps sub-directories apart.
    rel: PurePosixPath
    # Found in a folder, but a symbolic link to a file outside it: reported, never read.
    # A folder of agreement files comes from many hands; such a link could make convgen
    # quote the lines of any file it can read (a key, .git/config) in its findings.
    elsewhere: bool = False
    # Its name is not UTF-8 (bytes from another system's encoding): reported, never read,
    # since no output name or message could say it faithfully.
    undecodable: bool = False


def _leads_out(path: Path, root: Path) -> bool:
    if not path.is_symlink() and not any(parent.is_symlink() for parent in path.parents if parent.is_relative_to(root)):
        return False
    try:
        return not path.resolve().is_relative_to(root.resolve())
    except (OSError, RuntimeError):
        return True


def _undecodable(text: str) -> bool:
    # Python hands a name's undecodable bytes over as lone surrogates (surrogateescape).
    return any("\udc80" <= char <= "\udcff" for char in text)


def shown(text: str) -> str:
    """A path as it can be printed: undecodable bytes written \\xNN."""
    if not _undecodable(text):
        return text
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def _input(path: Path, display: str, rel: PurePosixPath, elsewhere: bool = False) -> Input:
    if _undecodable(display) or _undecodable(str(path)):
        return Input(path, shown(display), PurePosixPath(shown(rel.as_posix())), elsewhere, undecodable=True)
    return Input(path, display, rel, elsewhere)


def name_key(rel: PurePosixPath) -> str:
    """What two output names must not share: the name as written in OUT (each component
    made safe, long ones shortened), compared as Windows and macOS file systems do,
    without regard to case or Unicode normalisation (é typed as one or two characters)."""
    from convgen.output.files import fitted_component

    parts = [fitted_component(part) for part in rel.parts if part not in ("", "/")] or ["_"]
    return unicodedata.normalize("NFC", "/".join(parts)).casefold()


def _path_order(path: Path) -> tuple[str, str]:
    text = path.as_posix()
    return text.casefold(), text


def _as_typed(rel: PurePosixPath) -> bool:
    from convgen.output.files import fitted_component

    return all(fitted_component(part) == part for part in rel.parts)


def _is_yaml(path: Path) -> bool:
    return path.suffix.lower() in SUFFIXES


def _stem(relative: PurePosixPath) -> PurePosixPath:
    return relative.with_suffix("") if relative.suffix.lower() in SUFFIXES else relative


def _from_directory(root: Path, display_root: str) -> list[Input]:
    found = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in filenames:
            path = Path(dirpath) / name
            if name.startswith(".") or not _is_yaml(path) or not path.is_file():
                continue
            relative = PurePosixPath(path.relative_to(root).as_posix())
            display = (PurePosixPath(display_root) / relative).as_posix() if display_root not in ("", ".") else relative.as_posix()
            found.append(_input(path, display, _stem(relative), _leads_out(path, root)))
    return sorted(found, key=lambda item: item.rel.as_posix())


def _glob_base(pattern: str) -> Path:
    """The directory part of a pattern before its first wildcard."""
    parts = PurePosixPath(pattern.replace(os.sep, "/")).parts
    base = []
    for part in parts[:-1]:
        if _MAGIC & set(part):
            break
        base.append(part)
    return Path(*base) if base else Path(".")


def _from_glob(pattern: str) -> list[Input]:
    base = _glob_base(pattern)
    found = []
    for match in sorted(glob.glob(pattern, recursive=True)):
        path = Path(match)
        if path.is_dir():
            found.extend(_from_directory(path, match))
        elif path.is_file():
            try:
                relative = PurePosixPath(path.relative_to(base).as_posix())
            except ValueError:
                relative = PurePosixPath(path.name)
            found.append(_input(path, match, _stem(relative), _leads_out(path, base)))
    return found


M_NO_DEFAULT = Msg(
    "aucun fichier indiqué et pas de {name} dans ce dossier.",
    "no file given and no {name} in this directory.",
)
M_NO_DEFAULT_HINT = Msg(
    "créez-en un avec « convgen new pfmp », ou indiquez des fichiers ou des dossiers.",
    "create one with 'convgen new pfmp', or name files or directories.",
)
M_EMPTY_DIR = Msg("aucun fichier .yaml ou .yml dans le dossier « {raw} ».", "no .yaml or .yml file in the directory '{raw}'.")
M_NO_MATCH = Msg("aucun fichier ne correspond au motif « {raw} ».", "no file matches the pattern '{raw}'.")
M_NOT_FILE = Msg("« {raw} » n'est ni un fichier ni un dossier.", "'{raw}' is neither a file nor a directory.")
M_MISSING = Msg("fichier introuvable : « {raw} ».", "file not found: '{raw}'.")


def collect(paths: list[str] | None, lang: Lang = "fr") -> list[Input]:
    """The inputs named on the command line, in order, each once; a name matching nothing is a usage error."""
    if not paths:
        if not Path(DEFAULT_PATH).is_file():
            raise UsageError(M_NO_DEFAULT.get(lang).format(name=DEFAULT_PATH), hint=M_NO_DEFAULT_HINT.get(lang))
        paths = [DEFAULT_PATH]
    inputs: list[Input] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found = _from_directory(path, raw.rstrip("/\\") or raw)
            if not found:
                raise UsageError(M_EMPTY_DIR.get(lang).format(raw=raw))
        elif path.is_file():
            found = [_input(path, raw, _stem(PurePosixPath(path.name)))]
        elif _MAGIC & set(raw):
            found = _from_glob(raw)
            if not found:
                raise UsageError(M_NO_MATCH.get(lang).format(raw=raw))
        elif path.exists():
            raise UsageError(M_NOT_FILE.get(lang).format(raw=raw))
        else:
            raise UsageError(M_MISSING.get(lang).format(raw=raw))
        inputs.extend(found)
    seen: set[Path] = set()
    unique = []
    for item in inputs:
        key = item.path.resolve()
        if key not in seen:
            seen.add(key)
            unique.append(item)
    return _apart(unique)


def _apart(inputs: list[Input]) -> list[Input]:
    """Inputs whose outputs would share a name keep the folders that tell them apart.

    `a/dupont.yaml b/dupont.yaml` write OUT/a/dupont.* and OUT/b/dupont.*. Names are
    compared as written in OUT (`name_key`): `a:b.yaml` and `a_b.yaml`, `CON.yaml` and
    `_CON.yaml`, `Dupont.yaml` and `dupont.yaml` would write the same files; the later
    one gets `-2` (then `-3`, …): a name that OUT keeps as typed comes first, then path
    order (regardless of case first), whatever the order on the command line.
    """
    groups: dict[str, list[int]] = {}
    for index, item in enumerate(inputs):
        groups.setdefault(name_key(item.rel), []).append(index)
    result = list(inputs)
    taken = {key for key, indexes in groups.items() if len(indexes) == 1}
    for indexes in (indexes for indexes in groups.values() if len(indexes) > 1):
        resolved = {index: inputs[index].path.resolve() for index in indexes}
        common = Path(os.path.commonpath([path.parent for path in resolved.values()]))
        # A name written in OUT as it is typed keeps it (`a_b.yaml` is a_b, `a:b.yaml` a_b-2).
        order = sorted(resolved, key=lambda index: (not _as_typed(inputs[index].rel), *_path_order(resolved[index])))
        for index in order:
            path = resolved[index]
            rel = _stem(PurePosixPath(path.relative_to(common).as_posix()))
            candidate, number = rel, 2
            while name_key(candidate) in taken:
                candidate = rel.with_name(f"{rel.name}-{number}")
                number += 1
            taken.add(name_key(candidate))
            result[index] = replace(inputs[index], rel=candidate)
    return result


M_BAD_SHARD = Msg(
    "--shard « {raw} » : attendu K/N avec 1 ≤ K ≤ N, par exemple 2/4.",
    "--shard '{raw}': expected K/N with 1 ≤ K ≤ N, such as 2/4.",
)


def parse_shard(raw: str | None, lang: Lang = "fr") -> tuple[int, int] | None:
    """`--shard K/N`, 1-based; None when not given."""
    if raw is None:
        return None
    parts = raw.strip().split("/")
    if len(parts) == 2 and all(part.strip().isdigit() for part in parts):
        k, n = (int(part) for part in parts)
        if 1 <= k <= n <= 100_000:
            return k, n
    raise UsageError(M_BAD_SHARD.get(lang).format(raw=raw))


def shard(inputs: list[Input], selected: tuple[int, int] | None) -> list[Input]:
    """The K-th of N contiguous, near-equal slices of the inputs sorted by name.

    Every matrix job sees the same sorted list, so the slices are disjoint and together
    hold every input once; sizes differ by one at most. Output names are decided
    before slicing, so a sharded run writes exactly what the whole run would.
    """
    if selected is None:
        return inputs
    k, n = selected
    ordered = sorted(inputs, key=lambda item: (item.rel.as_posix(), item.display))
    return ordered[(k - 1) * len(ordered) // n : k * len(ordered) // n]
