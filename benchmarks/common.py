"""What the benchmark scripts share: the machine, timing whole commands, memory, printing figures.

Every time is the median of several runs of a whole process (start-up included,
as a user or a CI job would see it), after one run that is not counted. The commands
run with Python's bytecode cached (in a folder of the system's temporary directory,
even under PYTHONDONTWRITEBYTECODE), as an installed convgen has it.
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
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CONVGEN = [sys.executable, "-m", "convgen"]
# Without a bytecode cache every start would compile convgen's modules again, which no
# installed copy does; kept out of the project's tree, which the benchmarks leave as it is.
ENV = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"} | {
    "PYTHONPYCACHEPREFIX": str(Path(tempfile.gettempdir()) / "convgen-bench-pycache")
}


def convgen_script() -> list[str]:
    """The installed console script `convgen` beside this Python, as a user types it; else `python -m convgen`."""
    script = Path(sys.executable).with_name("convgen.exe" if os.name == "nt" else "convgen")
    return [str(script)] if script.is_file() else CONVGEN


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
    done = subprocess.run(command, cwd=cwd, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    elapsed = time.perf_counter() - start
    if done.returncode not in ok:
        sys.exit(f"échec ({done.returncode}) : {' '.join(map(str, command))}\n{done.stderr[-2000:]}")
    return elapsed


def median_of(action: Callable[[], float], runs: int = 5, before: Callable[[], object] | None = None) -> float:
    """Median of the seconds `action` returns over `runs` calls after a warm-up; `before` runs ahead of each, untimed."""
    times = []
    for index in range(runs + 1):
        if before is not None:
            before()
        elapsed = action()
        if index:
            times.append(elapsed)
    return statistics.median(times)


def median_time(command: Sequence[str], runs: int = 5, cwd: Path | None = None, before=None) -> float:
    """Median wall seconds over `runs` runs after a warm-up; `before` runs ahead of each (say, emptying --out)."""
    return median_of(lambda: run(command, cwd), runs, before)


def interleaved_medians(commands: Sequence[Sequence[str]], runs: int = 5, cwd: Path | None = None, ok: Sequence[int] = (0,)) -> list[float]:
    """Median wall seconds of each command, run in turn (A B C A B C …) after one round not counted.

    Taking turns spreads a change of the machine's load over every command alike, where
    timing them one after the other would pin it on whichever ran at the time.
    """
    times: list[list[float]] = [[] for _ in commands]
    for index in range(runs + 1):
        for command, kept in zip(commands, times, strict=True):
            elapsed = run(command, cwd, ok)
            if index:
                kept.append(elapsed)
    return [statistics.median(kept) for kept in times]


def can_sample_memory() -> bool:
    """Whether `peak_memory_mb` works here: Linux with /proc/<pid>/smaps_rollup (kernel 4.14 or later)."""
    return sys.platform.startswith("linux") and Path("/proc/self/smaps_rollup").is_file()


def peak_memory_mb(command: Sequence[str], cwd: Path | None = None, interval: float = 0.01) -> tuple[float, float]:
    """(peak PSS of the command's whole process tree, peak RSS of its largest process), in MB. Linux only.

    PSS counts a page shared by k processes as 1/k in each, so the sum over the parent and
    its workers is the memory the run takes from the machine; summed RSS would count the
    pages forked workers share with the parent once per process. Every `interval` seconds
    all the processes of the tree are read in one pass and their PSS summed; the figure is
    the largest sum, so a peak shorter than `interval` can be missed. The largest process's
    RSS is the kernel's own peak (wait4's ru_maxrss, over the command and the descendants
    it waited for), not a sample.
    """
    with tempfile.TemporaryFile() as errors:
        process = subprocess.Popen(command, cwd=cwd, env=ENV, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=errors)
        peak_pss_kb = 0
        while True:
            # wait4 rather than poll(): it also gives the exact peak RSS once the command ends.
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            peak_pss_kb = max(peak_pss_kb, sum(_pss_kb(member) for member in _tree(process.pid)))
            time.sleep(interval)
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode != 0:
            errors.seek(0)
            tail = errors.read().decode("utf-8", "replace")[-2000:]
            sys.exit(f"échec ({process.returncode}) : {' '.join(map(str, command))}\n{tail}")
    return peak_pss_kb / 1024, usage.ru_maxrss / 1024


def _tree(root: int) -> list[int]:
    """`root` and its descendants alive now, from the parent pids in /proc/<pid>/stat."""
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_bytes()
        except OSError:
            continue  # ended meanwhile
        # The name, between parentheses, may itself hold spaces or parentheses.
        parent = int(stat[stat.rindex(b")") + 2 :].split()[1])
        children.setdefault(parent, []).append(int(entry.name))
    members, pending = [], [root]
    while pending:
        pid = pending.pop()
        members.append(pid)
        pending.extend(children.get(pid, ()))
    return members


def _pss_kb(pid: int) -> int:
    try:
        text = Path(f"/proc/{pid}/smaps_rollup").read_text()
    except OSError:
        return 0  # ended meanwhile
    for line in text.splitlines():
        if line.startswith("Pss:"):
            return int(line.split()[1])
    return 0  # a zombie has no memory left to show


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
