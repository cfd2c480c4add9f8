"""The package's layout: the stages the data goes through, and imports that flow one way.

Every import is counted, at the top of a module, inside a function or under TYPE_CHECKING:
a lazy import is still an arrow between two modules, and a cycle hidden in a function is
still a cycle.
"""

from __future__ import annotations

import ast
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

import pytest

SOURCE = Path(__file__).resolve().parents[1] / "src"
PACKAGE = SOURCE / "convgen"

# From the earliest stage to the latest: a module may import its own stage and earlier ones.
# The shared vocabulary (errors, messages, findings, text helpers) comes first.
STAGES = ("convgen", "output", "source", "schema", "law", "documents", "pipeline", "cli")
TOP_MODULES = {"convgen", "convgen.__main__", "convgen.errors", "convgen.i18n", "convgen.findings", "convgen.text"}
MAX_LINES = 700
# Libraries only the command line may import: the rest is usable without a terminal.
COMMAND_LINE_ONLY = {"typer", "click", "rich"}


def _modules() -> dict[str, Path]:
    modules = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(SOURCE).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        modules[".".join(parts)] = path
    return modules


MODULES = _modules()


def _imports(name: str, path: Path) -> tuple[set[str], set[str]]:
    """The convgen modules and the outside libraries `name` imports."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    ours, theirs = set(), set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            # `from convgen.law import limits` imports the module convgen.law.limits
            targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base for alias in node.names]
        else:
            continue
        for target in targets:
            if target.split(".")[0] == "convgen":
                while target not in MODULES:
                    target = target.rpartition(".")[0]
                if target != name:
                    ours.add(target)
            else:
                theirs.add(target.split(".")[0])
    return ours, theirs


GRAPH = {name: _imports(name, path) for name, path in MODULES.items()}


def _stage(name: str) -> str:
    if name == "convgen.__main__":  # `python -m convgen` is the command line
        return "cli"
    parts = name.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in STAGES else "convgen"


def test_every_module_belongs_to_a_stage() -> None:
    strays = [name for name in MODULES if _stage(name) == "convgen" and name not in TOP_MODULES]
    assert not strays, f"modules at the top of the package, outside any stage: {strays}"


def test_the_import_graph_has_no_cycle() -> None:
    # a package's __init__ importing its own modules is how a package shows its names, not a cycle
    graph = {name: {target for target in ours if not name.startswith(target + ".")} for name, (ours, _) in GRAPH.items()}
    try:
        tuple(TopologicalSorter(graph).static_order())
    except CycleError as error:
        pytest.fail(f"import cycle: {' -> '.join(error.args[1])}")


def test_imports_flow_from_later_stages_to_earlier_ones() -> None:
    back = []
    for name, (ours, _) in GRAPH.items():
        for target in ours:
            if STAGES.index(_stage(target)) > STAGES.index(_stage(name)):
                back.append(f"{name} -> {target}")
    assert not back, "imports from an earlier stage to a later one:\n" + "\n".join(sorted(back))


def test_documents_receive_the_checked_facts_and_never_run_the_rules() -> None:
    wrong = [
        f"{name} -> {target}"
        for name, (ours, _) in GRAPH.items()
        for target in ours
        if _stage(name) == "documents" and target.startswith("convgen.law.rules")
    ]
    assert not wrong, wrong


def test_only_the_command_line_knows_typer_and_rich() -> None:
    wrong = [
        f"{name} imports {sorted(theirs & COMMAND_LINE_ONLY)}"
        for name, (_, theirs) in GRAPH.items()
        if _stage(name) != "cli" and theirs & COMMAND_LINE_ONLY
    ]
    assert not wrong, wrong


def test_no_module_is_over_the_line_limit() -> None:
    long = {name: n for name, path in MODULES.items() if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert not long, f"modules over {MAX_LINES} lines: {long}"


def test_the_checker_sees_a_back_arrow(tmp_path: Path) -> None:
    # the checks above are only as good as the import reading they rest on
    module = tmp_path / "m.py"
    module.write_text("from convgen.pipeline.batch import render_all\nfrom ..cli import report\nimport rich.console\n")
    ours, theirs = _imports("convgen.law.calendar", module)
    assert ours == {"convgen.pipeline.batch", "convgen.cli.report"}
    assert theirs == {"rich"}
    assert _stage("convgen.pipeline.batch") == "pipeline" and _stage("convgen.text") == "convgen"
