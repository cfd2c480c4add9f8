"""The JSON report of cli.md: what each file holds, whether it is valid, and what a render wrote."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from convgen import __version__
from convgen.errors import INTERNAL_EXIT
from convgen.pipeline.checking import FileResult


def summary(results: Sequence[FileResult], strict: bool = False) -> dict[str, int]:
    return {
        "files": len(results),
        "valid": sum(1 for r in results if r.valid(strict)),
        "errors": sum(r.errors for r in results),
        "warnings": sum(r.warnings for r in results),
    }


def exit_code(results: Sequence[FileResult], strict: bool = False) -> int:
    """A run's exit code (cli.md) from its results. convgen failing on one input is said as
    that input's INTERNAL_ERROR finding, so that the batch goes on; the run still ends with
    the code of an internal error, which a script must not take for an invalid agreement."""
    if any(finding.rule == "INTERNAL_ERROR" for result in results for finding in result.findings):
        return INTERNAL_EXIT
    return 0 if all(result.valid(strict) for result in results) else 1


def file_json(result: FileResult, strict: bool = False) -> dict[str, Any]:
    entry = {
        "path": result.path,
        "kind": result.kind,
        "valid": result.valid(strict),
        "findings": [f.to_json() for f in result.findings],
    }
    if result.origin is not None:
        entry["row"] = result.origin
    if result.presence is not None:
        entry["attendance"] = result.presence
    if result.allowance is not None:
        entry["allowance"] = result.allowance.to_json()
    return entry


def json_report(results: Sequence[FileResult], strict: bool = False, extras: Sequence[dict[str, Any]] | None = None) -> dict[str, Any]:
    """The report of cli.md; `extras` adds keys to each file's entry, in order (a render's outputs)."""
    files = []
    for index, result in enumerate(results):
        entry = file_json(result, strict)
        if extras is not None:
            entry.update(extras[index])
        files.append(entry)
    return {"convgen": __version__, "files": files, "summary": summary(results, strict)}


def render_json(outcomes: Sequence[Any], strict: bool, out: Path, format: str, shard: tuple[int, int] | None) -> dict[str, Any]:
    """The report of cli.md plus, per agreement, the files written; and what the run was."""
    results = [outcome.result for outcome in outcomes]
    extras = [
        {
            "outputs": [path.as_posix() for path in outcome.outputs],
            **({"stale": [path.as_posix() for path in outcome.stale]} if outcome.stale else {}),
        }
        for outcome in outcomes
    ]
    report = json_report(results, strict, extras)
    report["summary"]["documents"] = sum(len(outcome.outputs) for outcome in outcomes)
    report["render"] = {"format": format, "out": out.as_posix(), "shard": f"{shard[0]}/{shard[1]}" if shard else None}
    return report
