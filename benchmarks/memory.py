"""Peak memory of `convgen render` as the batch grows: it should stay flat. Linux only.

    python benchmarks/memory.py [--counts 100,1000] [--runs 3]

For each count of generated agreements (3 documents each), with --jobs 1 and 2:
the peak of the whole process tree's PSS (the parent and its workers read together
from /proc/<pid>/smaps_rollup while the run goes, summed; a page shared by several
processes counts once in all), and the peak resident size of the largest single
process; each the median over RUNS runs. Pages the run shares with processes outside it
(say, another program on the same Python) are divided with those too, so the PSS moves
by a few MB with what else runs on the machine. Each count gets a folder of its own
files: convgen refuses symbolic links. Elsewhere than on Linux the script says so and exits.
"""

from __future__ import annotations

import argparse
import shutil
import statistics

from agreements import write
from common import CONVGEN, can_sample_memory, figure, header, peak_memory_mb, run, workspace


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--counts", default="100,1000")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    counts = [int(count) for count in args.counts.split(",")]
    if not can_sample_memory():
        print("== mémoire : il faut Linux (/proc/<pid>/smaps_rollup), omis")
        return
    with workspace(0) as (work, _):
        header("mémoire de pointe : PSS de l'arbre de processus, RSS du plus gros processus")
        for count in counts:
            folder = work / f"in-{count}"
            write(count, folder)
            # Not counted: the first run after a change of convgen compiles its modules.
            run([*CONVGEN, "render", str(folder), "--out", str(work / "out"), "--jobs", "2"])
            for jobs in (1, 2):
                out = work / "out"
                peaks = []
                for _ in range(args.runs):
                    shutil.rmtree(out, ignore_errors=True)
                    peaks.append(peak_memory_mb([*CONVGEN, "render", str(folder), "--out", str(out), "--jobs", str(jobs)]))
                pss, rss = (statistics.median(values) for values in zip(*peaks, strict=True))
                figure(f"{3 * count} documents, --jobs {jobs}", f"PSS total {pss:5.0f} Mo   plus gros RSS {rss:5.0f} Mo")
            shutil.rmtree(folder)


if __name__ == "__main__":
    main()
