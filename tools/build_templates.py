"""Build the built-in Word templates of convgen: templates/pfmp.docx, templates/immersion.docx and
templates/attestation.docx (the attestation de fin de PFMP).

Run from the repository root:

    python tools/build_templates.py

Each document is its model text, tools/templates/<name>.md (the words: articles, labels,
checkboxes, with the Jinja tags inline; the format is in tools/templates/README.md), laid out
by tools/docxbuilder/<name>.py. A change to the model agreement is an edit of the text file,
then this command. The output is deterministic: the same texts give the same bytes.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from docxbuilder import attestation, immersion, pfmp
from docxbuilder.source import SourceError, Texts

ROOT = Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "templates"
TEXTS = Path(__file__).resolve().parent / "templates"

# Each template: its name (of the text file and of the .docx) and the layout that builds it.
DOCUMENTS = {"pfmp": pfmp.build, "immersion": immersion.build, "attestation": attestation.build}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Write the built-in templates (templates/pfmp.docx, templates/immersion.docx, templates/attestation.docx)."
    )
    parser.add_argument("--out", type=Path, default=OUTPUT, help="folder to write them to (default: templates/)")
    parser.add_argument("--texts", type=Path, default=TEXTS, help="folder of the model texts, NAME.md (default: tools/templates/)")
    parser.add_argument(
        "names", nargs="*", choices=[[], *DOCUMENTS], metavar="NAME", help=f"only these ({', '.join(DOCUMENTS)}; default: all)"
    )
    options = parser.parse_args(argv)
    options.out.mkdir(parents=True, exist_ok=True)
    for name in options.names or DOCUMENTS:
        try:
            texts = Texts.load(options.texts / f"{name}.md")
            DOCUMENTS[name](texts, options.out / f"{name}.docx")
        except (OSError, SourceError) as error:
            parser.exit(1, f"build_templates: {error}\n")
        print(f"wrote {options.out / f'{name}.docx'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
