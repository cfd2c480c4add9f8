"""Peak memory of `convgen render` as the batch grows: it should stay flat.

    python benchmarks/memory.py [--counts 100,1000]

For each count of generated agreements (3 documents each), the largest resident size
reached by any one process of the run (the parent or a worker), with --jobs 1 and 2.
"""

from __future__ import annotations

import argparse
import shutil

from common import CONVGEN, figure, header, peak_rss_mb, workspace


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--counts", default="100,1000")
    args = parser.parse_args()
    counts = [int(count) for count in args.counts.split(",")]
    with workspace(max(counts)) as (work, everything):
        header("mémoire de pointe (le plus gros processus)")
        for count in counts:
            folder = work / f"in-{count}"
            folder.mkdir()
            for path in sorted(everything.glob("*.yaml"))[:count]:
                (folder / path.name).symlink_to(path)
            for jobs in (1, 2):
                out = work / "out"
                shutil.rmtree(out, ignore_errors=True)
                peak = peak_rss_mb([*CONVGEN, "render", str(folder), "--out", str(out), "--jobs", str(jobs)])
                figure(f"{3 * count} documents, --jobs {jobs}", f"{peak:6.0f} Mo")


if __name__ == "__main__":
    main()
