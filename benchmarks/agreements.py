"""Writes N distinct PFMP agreements into a folder, for the benchmarks.

    python benchmarks/agreements.py 300 /tmp/convgen-bench/in

Each agreement is the bundled example with its own pupil (name, birth date, class),
so that every document differs, a third of the pupils being adults.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FIRST = ["Léa", "Hugo", "Inès", "Noah", "Jade", "Adam", "Lina", "Yanis", "Chloé", "Moussa", "Camille", "Théo"]
LAST = ["Dupont", "Martin", "N'Diaye", "Lefèvre", "Benali", "Nguyen", "Moreau", "Garcia", "Petit", "Roux"]


def agreement(number: int, base: str) -> str:
    first = FIRST[number % len(FIRST)]
    last = f"{LAST[number % len(LAST)]}-{number:04d}"
    year = 2007 if number % 3 == 0 else 2009
    birth = f"{year}-{1 + number % 12:02d}-{1 + number % 28:02d}"
    text = base.replace("first_name: Léa", f"first_name: {first}", 1)
    text = text.replace("last_name: Dupont", f'last_name: "{last}"', 1)
    text = text.replace("birth_date: 2009-05-14", f"birth_date: {birth}", 1)
    return text.replace("class: 1re MV A", f"class: 1re MV {'ABC'[number % 3]}", 1)


def write(count: int, folder: Path) -> list[Path]:
    base = (ROOT / "examples" / "pfmp.yaml").read_text(encoding="utf-8")
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for number in range(count):
        path = folder / f"eleve{number:05d}.yaml"
        path.write_text(agreement(number, base), encoding="utf-8")
        paths.append(path)
    return paths


if __name__ == "__main__":
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 300
    target = Path(sys.argv[2]) if len(sys.argv) > 2 else Path("/tmp/convgen-bench/in")
    write(count, target)
    print(f"{count} conventions écrites dans {target}")
