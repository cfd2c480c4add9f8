"""Render throughput: `convgen render` against docxtpl used naively, on the same documents.

    python benchmarks/render.py [--count 300] [--runs 5] [--docxtpl-sample 20]

convgen renders COUNT generated agreements (3 × COUNT documents) with --jobs 1 and
--jobs 2, as whole commands (start-up, reading, checking the rules, writing included).
docxtpl (pip install docxtpl) renders the three copies of the first SAMPLE agreements,
one DocxTemplate(...).render(...).save(...) per document; its rate is taken on that
sample because it is about fifty times slower (0: no docxtpl).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path

from common import CONVGEN, ROOT, figure, header, median_time, workspace


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
        for jobs in (1, 2):
            seconds = median_time(
                [*CONVGEN, "render", str(source), "--out", str(out), "--jobs", str(jobs)],
                args.runs,
                before=lambda: shutil.rmtree(out, ignore_errors=True),
            )
            rates[jobs] = documents / seconds
            figure(f"convgen render --jobs {jobs}", f"{seconds:6.2f} s   {rates[jobs]:7.0f} documents/s")
        figure("accélération --jobs 2 / --jobs 1", f"{rates[2] / rates[1]:6.2f} ×")
        docxtpl = _docxtpl(source, work, args.docxtpl_sample)
        if docxtpl is not None:
            figure(
                f"docxtpl naïf ({3 * args.docxtpl_sample} documents)",
                f"{3 * args.docxtpl_sample / docxtpl:6.2f} s   {docxtpl:7.1f} documents/s",
            )
            figure("convgen --jobs 1 / docxtpl", f"{rates[1] / docxtpl:6.0f} ×")
            figure("convgen --jobs 2 / docxtpl", f"{rates[2] / docxtpl:6.0f} ×")


def _docxtpl(source: Path, work: Path, sample: int) -> float | None:
    """docxtpl's documents per second on the first `sample` agreements, or None without docxtpl."""
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
    done = subprocess.run(
        [sys.executable, str(script), str(subset), str(work / "docxtpl-out")], capture_output=True, text=True, check=True, cwd=ROOT
    )
    count, seconds = done.stdout.split()
    return int(count) / float(seconds)


if __name__ == "__main__":
    main()
