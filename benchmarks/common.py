"""What the benchmark scripts share: the machine, timing whole commands, printing figures.

Every figure is the median of several runs of a whole process (start-up included,
as a user or a CI job would see it), after one run that is not counted.
"""

from __future__ import annotations

import contextlib
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CONVGEN = [sys.executable, "-m", "convgen"]


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} cœurs ({cpu}), Python {platform.python_version()}, {platform.system()} {platform.release()}"


def header(title: str) -> None:
    print(f"== {title}")
    print(f"   machine : {machine()}")


def run(command: Sequence[str], cwd: Path | None = None, ok: Sequence[int] = (0,)) -> float:
    """Wall seconds of one run; a failing command stops the benchmark with its output."""
    start = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    elapsed = time.perf_counter() - start
    if done.returncode not in ok:
        sys.exit(f"échec ({done.returncode}) : {' '.join(map(str, command))}\n{done.stderr[-2000:]}")
    return elapsed


def median_time(command: Sequence[str], runs: int = 5, cwd: Path | None = None, before=None) -> float:
    """Median wall seconds over `runs` runs after a warm-up; `before` runs ahead of each (say, emptying --out)."""
    times = []
    for index in range(runs + 1):
        if before is not None:
            before()
        elapsed = run(command, cwd)
        if index:
            times.append(elapsed)
    return statistics.median(times)


def peak_rss_mb(command: Sequence[str], cwd: Path | None = None) -> float:
    """The largest resident size reached by one process of the command (it and its workers), in MB."""
    script = (
        "import resource, subprocess, sys\n"
        "subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, check=True)\n"
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
    )
    done = subprocess.run([sys.executable, "-c", script, *command], cwd=cwd, capture_output=True, text=True, check=True)
    kilobytes = int(done.stdout.strip().splitlines()[-1])
    return kilobytes / 1024 if sys.platform != "darwin" else kilobytes / 1024 / 1024


@contextlib.contextmanager
def workspace(count: int) -> Iterator[tuple[Path, Path]]:
    """A temporary folder holding `count` generated agreements in `in/`, removed afterwards."""
    from agreements import write

    work = Path(tempfile.mkdtemp(prefix="convgen-bench-"))
    try:
        write(count, work / "in")
        yield work, work / "in"
    finally:
        shutil.rmtree(work, ignore_errors=True)


def figure(label: str, value: str) -> None:
    print(f"   {label:<46} {value}")
