"""A whole `convgen validate` or `convgen render`: the inputs of its shard checked (and rendered), and what it reports."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from convgen.errors import Interrupted
from convgen.pipeline.batch import Options, Outcome, check_all, render_all
from convgen.pipeline.checking import FileResult
from convgen.pipeline.report import exit_code, render_json
from convgen.source.inputs import collect, parse_shard, shard


@dataclass
class Listeners:
    """What the command line shows while a run goes on (all optional)."""

    started: Callable[[int], None] | None = None
    checked: Callable[[Outcome], None] | None = None
    done: Callable[[Outcome], None] | None = None


@dataclass
class Run:
    """What a render did: each agreement's outcome, the JSON report when asked for, the
    signal that stopped it if one did, and the exit code it ends with (cli.md)."""

    outcomes: list[Outcome]
    report: dict[str, Any] | None
    interrupted: Interrupted | None
    exit_code: int


def render_run(
    paths: Sequence[str] | None,
    options: Options,
    *,
    shard_text: str | None = None,
    want_report: bool = False,
    listeners: Listeners | None = None,
) -> Run:
    """Checks then renders every agreement of the run's shard; `options.jobs` 0 is one
    process per processor. The report is built when asked for or when `options.report`
    names its file.

    A signal stops it between two agreements: what was done is complete, and the run
    returns it with the signal rather than raising, so that it is reported like the rest.
    """
    listeners = listeners or Listeners()
    selected = parse_shard(shard_text, options.lang)
    everything = collect(paths, options.lang)
    inputs = shard(everything, selected)
    options = with_jobs(options)
    interrupted: Interrupted | None = None
    try:
        outcomes = render_all(
            inputs, options, progress=listeners.done, started=listeners.started, checked=listeners.checked, every=everything
        )
    except Interrupted as stop:
        interrupted, outcomes = stop, stop.done
    report = None
    if want_report or options.report is not None:
        report = render_json(outcomes, options.strict, options.out, options.format, selected)
        if interrupted is not None:
            report["render"]["interrupted"] = {
                "signal": interrupted.signum,
                "agreements": interrupted.total,
                "done": len(outcomes),
                "checking": interrupted.checking,
            }
    if interrupted is not None:
        code = interrupted.exit_code
    else:
        code = exit_code([outcome.result for outcome in outcomes], options.strict)
    return Run(outcomes, report, interrupted, code)


def check_run(paths: Sequence[str] | None, options: Options, *, shard_text: str | None = None) -> tuple[list[FileResult], int]:
    """`convgen validate`: every agreement of the run's shard checked, and the exit code."""
    inputs = shard(collect(paths, options.lang), parse_shard(shard_text, options.lang))
    results = check_all(inputs, with_jobs(options))
    return results, exit_code(results, options.strict)


def with_jobs(options: Options) -> Options:
    """`options.jobs` 0 made one process per processor."""
    return options if options.jobs else replace(options, jobs=os.cpu_count() or 1)
