"""Peak memory of `convgen render` as the batch grows: it should stay flat.

    python benchmarks/memory.py [--counts 100,1000]

For each count of generated agreements (3 documents each), the largest resident size
reached by any one process of the run (the parent or a worker), with --jobs 1 and 2.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
from pathlib import Path

from agreements import write
from common import CONVGEN, figure, header, peak_rss_mb


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--counts", default="100,1000")
    args = parser.parse_args()
    counts = [int(count) for count in args.counts.split(",")]
    work = Path(tempfile.mkdtemp(prefix="convgen-bench-"))
    try:
        write(max(counts), work / "all")
        header("mémoire de pointe (le plus gros processus)")
        for count in counts:
            folder = work / f"in-{count}"
            folder.mkdir()
            for path in sorted((work / "all").glob("*.yaml"))[:count]:
                (folder / path.name).symlink_to(path)
            for jobs in (1, 2):
                out = work / "out"
                shutil.rmtree(out, ignore_errors=True)
                peak = peak_rss_mb([*CONVGEN, "render", str(folder), "--out", str(out), "--jobs", str(jobs)])
                figure(f"{3 * count} documents, --jobs {jobs}", f"{peak:6.0f} Mo")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
