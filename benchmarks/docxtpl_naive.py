"""The same documents as `convgen render`, made the way a user of docxtpl alone would.

    python benchmarks/docxtpl_naive.py FOLDER OUT

For each agreement of FOLDER and each of its copies: `DocxTemplate(templates/pfmp.docx)`,
`render()` with the very values convgen gives the template (its filters registered in
docxtpl's Jinja environment), `save()`. Only that loop is timed: the values are built
beforehand, which favours docxtpl. Prints the documents and the seconds.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import jinja2
from docxtpl import DocxTemplate

from convgen.documents.context import build, copies
from convgen.documents.filters import FILTERS
from convgen.pipeline.checking import check_path

ROOT = Path(__file__).resolve().parents[1]


def main(folder: Path, out: Path) -> None:
    jobs = []
    for path in sorted(folder.glob("*.yaml")):
        result = check_path(path)
        assert result.agreement is not None and result.valid(), path
        context = build(result.agreement, result.findings, result.context)
        for copy in copies(result.agreement, context["minor"]):
            jobs.append((f"{path.stem}.{copy.id}.docx", {**context, "copy": copy.record()}))
    env = jinja2.Environment(autoescape=True)
    env.filters.update(FILTERS)
    out.mkdir(parents=True, exist_ok=True)
    template = ROOT / "templates" / "pfmp.docx"
    start = time.perf_counter()
    for name, values in jobs:
        document = DocxTemplate(template)
        document.render(values, env, autoescape=True)
        document.save(out / name)
    print(len(jobs), time.perf_counter() - start)


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
