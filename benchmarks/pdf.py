"""PDF: convgen's batched conversion against one `soffice` start per document.

    python benchmarks/pdf.py [--count 30] [--runs 3] [--naive-sample 10]

convgen renders COUNT agreements to PDF (3 × COUNT documents, a class): the DOCX are
converted by as few LibreOffice starts as there are processes (--jobs 2 here). The
naive way converts DOCX files with one `soffice --headless --convert-to pdf` each, with
one user profile kept between them (a warm profile, as on a user's machine); each
start costs the same, so its rate is taken on the first NAIVE_SAMPLE documents.
"""

from __future__ import annotations

import argparse
import shutil

from common import CONVGEN, figure, header, median_time, run, workspace


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=30)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--naive-sample", type=int, default=10)
    args = parser.parse_args()
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        raise SystemExit("LibreOffice (soffice) est introuvable : benchmark PDF impossible.")
    with workspace(args.count) as (work, source):
        documents = 3 * args.count
        header(f"PDF : {args.count} conventions, {documents} documents")
        out = work / "out"
        batched = median_time(
            [*CONVGEN, "render", str(source), "--format", "pdf", "--out", str(out), "--jobs", "2"],
            args.runs,
            before=lambda: shutil.rmtree(out, ignore_errors=True),
        )
        run([*CONVGEN, "render", str(source), "--out", str(work / "docx"), "--jobs", "1"])
        sources = sorted((work / "docx").glob("*.docx"))[: args.naive_sample]
        profile = (work / "profile").as_uri()

        def naive() -> float:
            seconds = 0.0
            for source in sources:
                seconds += run(
                    [
                        soffice,
                        "--headless",
                        f"-env:UserInstallation={profile}",
                        "--convert-to",
                        "pdf",
                        "--outdir",
                        str(work / "naive"),
                        str(source),
                    ]
                )
            return seconds

        naive()  # makes the profile, as a first start on a user's machine does once
        one_by_one = len(sources) / sorted(naive() for _ in range(args.runs))[args.runs // 2]
        figure("convgen render --format pdf --jobs 2", f"{batched:6.2f} s   {documents / batched:5.1f} documents/s")
        figure(f"un soffice par document ({len(sources)} documents)", f"{'':8} {one_by_one:5.1f} documents/s")
        figure("convgen / un soffice par document", f"{documents / batched / one_by_one:6.1f} ×")


if __name__ == "__main__":
    main()
