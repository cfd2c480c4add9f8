"""Start-up: `convgen validate` on one agreement against importing typer, pydantic and yaml.

    python benchmarks/startup.py [--runs 20]

The import command is the floor of any tool built on these libraries: what is left
above it is convgen's own modules and work. convgen runs as a user starts it, through
the installed console script beside this Python (else `python -m convgen`). The three
commands take turns (A B C A B C …), so that a change of the machine's load falls on
all three alike. Target: validate within 1.6 × the imports. The script prints figures
and exits with 0 whether the target is reached or not.
"""

from __future__ import annotations

import argparse
import sys

from common import ROOT, convgen_script, figure, header, interleaved_medians

TARGET = 1.6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    convgen = convgen_script()
    header(f"démarrage ({' '.join(convgen)})")
    floor, version, validate = interleaved_medians(
        [
            [sys.executable, "-c", "import typer, pydantic, yaml"],
            [*convgen, "--version"],
            [*convgen, "validate", "examples/pfmp.yaml"],
        ],
        args.runs,
        cwd=ROOT,
    )
    figure('python -c "import typer, pydantic, yaml"', f"{floor * 1000:6.0f} ms")
    figure("convgen --version", f"{version * 1000:6.0f} ms")
    figure("convgen validate examples/pfmp.yaml", f"{validate * 1000:6.0f} ms")
    ratio = validate / floor
    verdict = "atteint" if ratio <= TARGET else "non atteint"
    figure("validate / imports", f"{ratio:6.2f} ×   (objectif ≤ {TARGET} × : {verdict})")


if __name__ == "__main__":
    main()
