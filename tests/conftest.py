from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from convgen.cli import app
from convgen.pipeline.checking import FileResult, check_bytes

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
CONTRACT_EXAMPLES = ROOT.parent / "shared" / "contract" / "examples"


def docx_text(path: Path) -> str:
    """Every paragraph and table cell (nested too) of a DOCX in reading order, then headers and
    footers, as a person reads the document: no-break spaces (before « : ») as plain spaces."""
    import docx
    from docx.table import Table

    document = docx.Document(path)
    lines: list[str] = []

    def walk(container: Any) -> None:
        for block in container.iter_inner_content():
            if isinstance(block, Table):
                for row in block.rows:
                    for cell in row.cells:
                        walk(cell)
            else:
                lines.append(block.text)

    walk(document)
    for section in document.sections:
        walk(section.header)
        walk(section.footer)
    return "\n".join(lines).replace("\u00a0", " ").replace("\u202f", " ")


def schedule_table(path: Path) -> list[list[str]]:
    """The rows of a rendered agreement's schedule table under its header: day, morning, afternoon, total."""
    import docx

    for table in docx.Document(path).tables:
        rows = [[cell.text for cell in row.cells] for row in table.rows]
        if rows and rows[0][0].strip() == "Jour":
            return rows[1:]
    raise AssertionError("no schedule table")


def example_text(kind: str) -> str:
    return (EXAMPLES / f"{kind}.yaml").read_text(encoding="utf-8")


def replace_once(text: str, old: str, new: str) -> str:
    """Edit a YAML text in place, failing loudly if the edit no longer applies."""
    assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times"
    return text.replace(old, new)


def other_pupil(text: str, number: int) -> str:
    """The example agreement for another pupil: a class of copies of one file would be the
    same agreement many times (DUPLICATE_AGREEMENT), not a class."""
    return replace_once(text, "last_name: Dupont", f'last_name: "Dupont-{number:04d}"')


def check_text(text: str, lang: str = "fr") -> FileResult:
    return check_bytes(text.encode("utf-8"), "test.yaml", lang)


def line_of(text: str, fragment: str) -> int:
    """1-based line number of the only line containing fragment."""
    lines = [number for number, line in enumerate(text.splitlines(), 1) if fragment in line]
    assert len(lines) == 1, f"{fragment!r} on lines {lines}"
    return lines[0]


def deep_merge(base: Any, patch: Any) -> Any:
    if isinstance(base, dict) and isinstance(patch, dict):
        merged = dict(base)
        for key, value in patch.items():
            merged[key] = deep_merge(base[key], value) if key in base else value
        return merged
    return copy.deepcopy(patch)


def _child_key(data: dict, name: str) -> object:
    """Keys as YAML read them: 2026-01-23 is a date key, named here by its text."""
    return next(key for key in data if str(key) == name)


def remove_path(data: dict, dotted: str) -> None:
    *parents, last = dotted.split(".")
    for part in parents:
        data = data[int(part)] if isinstance(data, list) else data[_child_key(data, part)]
    del data[_child_key(data, last)]


def build_case(base: str, patch: dict | None = None, remove: list[str] | None = None) -> str:
    """An example agreement with a patch merged over it, as YAML text."""
    data = yaml.load(example_text(base), Loader=yaml.CSafeLoader)
    if patch:
        data = deep_merge(data, patch)
    for dotted in remove or []:
        remove_path(data, dotted)
    return yaml.dump(data, Dumper=yaml.CSafeDumper, allow_unicode=True, sort_keys=False)


class Cli:
    """Runs the CLI in-process with a wide console and no colours."""

    def __init__(self) -> None:
        self.runner = CliRunner()

    def __call__(self, *args: str, input: str | None = None):
        return self.runner.invoke(app, list(args), input=input, env={"COLUMNS": "200", "NO_COLOR": "1", "CONVGEN_LANG": None})


@pytest.fixture
def cli() -> Cli:
    return Cli()


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path
