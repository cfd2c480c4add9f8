"""Start-up: `convgen validate` on one agreement against importing typer, pydantic and yaml.

    python benchmarks/startup.py [--runs 20]

The second command is the floor of any tool built on these libraries: what is left
above it is convgen's own modules and work.
"""

from __future__ import annotations

import argparse
import sys

from common import CONVGEN, ROOT, figure, header, median_time


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    header("démarrage")
    example = str(ROOT / "examples" / "pfmp.yaml")
    floor = median_time([sys.executable, "-c", "import typer, pydantic, yaml"], args.runs)
    validate = median_time([*CONVGEN, "validate", example], args.runs)
    version = median_time([*CONVGEN, "--version"], args.runs)
    figure('python -c "import typer, pydantic, yaml"', f"{floor * 1000:6.0f} ms")
    figure("convgen --version", f"{version * 1000:6.0f} ms")
    figure("convgen validate examples/pfmp.yaml", f"{validate * 1000:6.0f} ms")
    figure("validate / imports", f"{validate / floor:6.2f} ×")


if __name__ == "__main__":
    main()
