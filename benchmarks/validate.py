"""Validation throughput: `convgen validate` on COUNT generated agreements.

    python benchmarks/validate.py [--count 1000] [--runs 5]

Whole commands, start-up included; the rate without start-up subtracts the time of
validating one agreement.
"""

from __future__ import annotations

import argparse

from common import CONVGEN, ROOT, figure, header, median_time, workspace


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with workspace(args.count) as (_, source):
        header(f"validation : {args.count} conventions")
        one = median_time([*CONVGEN, "validate", str(ROOT / "examples" / "pfmp.yaml")], args.runs)
        for jobs in (1, 2):
            seconds = median_time([*CONVGEN, "validate", str(source), "--jobs", str(jobs)], args.runs)
            figure(
                f"convgen validate --jobs {jobs}",
                f"{seconds:6.2f} s   {args.count / seconds:6.0f} conventions/s   "
                f"({(args.count - 1) / (seconds - one):6.0f}/s sans le démarrage)",
            )


if __name__ == "__main__":
    main()
