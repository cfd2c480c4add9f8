"""Validation throughput: `convgen validate` on N and 2N generated agreements.

    python benchmarks/validate.py [--count 1000] [--runs 5]

Whole commands, start-up included, as measured. The rate per agreement is taken from
the difference between the two batches, N agreements in the time 2N take beyond N:
start-up, the same in both, cancels out, whatever --jobs does with it (with --jobs 2
every worker starts too, so one process's start-up would be the wrong thing to subtract).
"""

from __future__ import annotations

import argparse

from agreements import write
from common import CONVGEN, figure, header, median_time, workspace


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    count = args.count
    with workspace(count) as (work, single):
        double = work / "in-double"
        write(2 * count, double)
        header(f"validation : {count} et {2 * count} conventions")
        for jobs in (1, 2):
            times = [median_time([*CONVGEN, "validate", str(folder), "--jobs", str(jobs)], args.runs) for folder in (single, double)]
            for size, seconds in zip((count, 2 * count), times, strict=True):
                figure(f"convgen validate --jobs {jobs}, {size} conventions", f"{seconds:6.2f} s   {size / seconds:6.0f} conventions/s")
            extra = times[1] - times[0]
            figure(f"écart {2 * count} − {count} (--jobs {jobs})", f"{extra:6.2f} s   {count / extra:6.0f} conventions/s")


if __name__ == "__main__":
    main()
