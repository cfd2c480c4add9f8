"""Render throughput: `convgen render` against docxtpl used naively, on the same documents.

    python benchmarks/render.py [--count 300] [--runs 5] [--docxtpl-sample 20]

convgen renders COUNT generated agreements (3 × COUNT documents) with --jobs 1 and
--jobs 2, as whole commands (start-up, reading, checking the rules, writing included).
docxtpl (pip install docxtpl) renders the three copies of the first SAMPLE agreements,
one DocxTemplate(...).render(...).save(...) per document, timed inside its process
(start-up and building the values left out, which favours it); its rate is taken on that
sample because it is about fifty times slower (0: no docxtpl). Every figure is a median
over RUNS runs.

The floor: writing the very bytes of convgen's 3 × COUNT documents into as many new
files of the output folder, nothing else. Where that is close to convgen's own time,
the output disk's cost of creating files dominates, and no faster rendering would show.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import time
from pathlib import Path

from common import CONVGEN, ENV, ROOT, figure, header, median_of, median_time, workspace


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=300)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--docxtpl-sample", type=int, default=20)
    args = parser.parse_args()
    with workspace(args.count) as (work, source):
        documents = 3 * args.count
        header(f"rendu : {args.count} conventions, {documents} documents DOCX")
        out = work / "out"
        rates = {}
        times = {}
        for jobs in (1, 2):
            times[jobs] = median_time(
                [*CONVGEN, "render", str(source), "--out", str(out), "--jobs", str(jobs)],
                args.runs,
                before=lambda: shutil.rmtree(out, ignore_errors=True),
            )
            rates[jobs] = documents / times[jobs]
            figure(f"convgen render --jobs {jobs}", f"{times[jobs]:6.2f} s   {rates[jobs]:7.0f} documents/s")
        figure("accélération --jobs 2 / --jobs 1", f"{rates[2] / rates[1]:6.2f} ×")
        floor = _floor(out, args.runs)
        figure(f"plancher : mêmes octets dans {documents} fichiers", f"{floor:6.2f} s   {documents / floor:7.0f} documents/s")
        figure("part du plancher dans --jobs 1, --jobs 2", f"{floor / times[1]:6.0%}   {floor / times[2]:7.0%}")
        docxtpl = _docxtpl(source, work, args.docxtpl_sample, args.runs)
        if docxtpl is not None:
            figure(
                f"docxtpl naïf ({3 * args.docxtpl_sample} documents)",
                f"{3 * args.docxtpl_sample / docxtpl:6.2f} s   {docxtpl:7.1f} documents/s",
            )
            figure("convgen --jobs 1 / docxtpl", f"{rates[1] / docxtpl:6.0f} ×")
            figure("convgen --jobs 2 / docxtpl", f"{rates[2] / docxtpl:6.0f} ×")


def _floor(out: Path, runs: int) -> float:
    """Median seconds to write the bytes of the documents in `out` to as many new files there."""
    contents = [(path.relative_to(out), path.read_bytes()) for path in sorted(out.rglob("*.docx"))]
    folders = sorted({name.parent for name, _ in contents})

    def empty() -> None:
        shutil.rmtree(out, ignore_errors=True)
        for folder in folders:
            (out / folder).mkdir(parents=True, exist_ok=True)

    def write() -> float:
        start = time.perf_counter()
        for name, data in contents:
            with open(out / name, "wb") as handle:
                handle.write(data)
        return time.perf_counter() - start

    return median_of(write, runs, before=empty)


def _docxtpl(source: Path, work: Path, sample: int, runs: int) -> float | None:
    """docxtpl's documents per second on the first `sample` agreements (median over `runs`), or None without docxtpl."""
    if sample <= 0:
        return None
    try:
        import docxtpl  # noqa: F401
    except ImportError:
        figure("docxtpl", "absent (pip install docxtpl) : comparaison omise")
        return None
    subset = work / "docxtpl-in"
    subset.mkdir()
    for path in sorted(source.glob("*.yaml"))[:sample]:
        shutil.copy(path, subset / path.name)
    script = Path(__file__).with_name("docxtpl_naive.py")
    out = work / "docxtpl-out"
    made = []

    def once() -> float:
        done = subprocess.run(
            [sys.executable, str(script), str(subset), str(out)], capture_output=True, text=True, check=True, cwd=ROOT, env=ENV
        )
        count, seconds = done.stdout.split()
        made.append(int(count))
        return float(seconds)

    seconds = median_of(once, runs, before=lambda: shutil.rmtree(out, ignore_errors=True))
    return made[-1] / seconds


if __name__ == "__main__":
    main()
