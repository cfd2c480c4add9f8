"""PDF: convgen's batched conversion against one `soffice` start per document, like with like.

    python benchmarks/pdf.py [--count 10] [--runs 3]

convgen renders COUNT agreements to PDF (3 × COUNT documents, a class), whole commands:
the DOCX are converted by as many LibreOffice starts as --jobs, each on a fresh profile.
The naive way converts the same documents, rendered to DOCX beforehand (untimed, which
favours it), with one `soffice --headless --convert-to pdf` per document, on a profile
kept between runs (warm, as on a user's machine; made by the run not counted):
sequentially, against `--jobs 1`, and two at a time, each of the two with its own
profile (-env:UserInstallation; a second soffice on a profile in use hands its file
over to the first instead of converting it), against `--jobs 2`.
"""

from __future__ import annotations

import argparse
import functools
import queue
import shutil
import threading
import time
from pathlib import Path

from common import CONVGEN, figure, header, median_of, median_time, run, workspace


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        raise SystemExit("LibreOffice (soffice) est introuvable : benchmark PDF impossible.")
    with workspace(args.count) as (work, source):
        documents = 3 * args.count
        header(f"PDF : {args.count} conventions, {documents} documents")
        run([*CONVGEN, "render", str(source), "--out", str(work / "docx"), "--jobs", "1"])
        sources = sorted((work / "docx").glob("*.docx"))
        assert len(sources) == documents, len(sources)
        out = work / "out"
        naive_out = work / "naive"

        def empty() -> None:
            shutil.rmtree(out, ignore_errors=True)
            shutil.rmtree(naive_out, ignore_errors=True)

        for jobs in (1, 2):
            batched = median_time(
                [*CONVGEN, "render", str(source), "--format", "pdf", "--out", str(out), "--jobs", str(jobs)],
                args.runs,
                before=empty,
            )
            profiles = [(work / f"profile-{slot}").as_uri() for slot in range(jobs)]
            naive = median_of(functools.partial(_naive, soffice, sources, naive_out, profiles), args.runs, before=empty)
            at_once = "un à la fois" if jobs == 1 else f"{jobs} à la fois"
            figure(f"convgen render --format pdf --jobs {jobs}", f"{batched:6.2f} s   {documents / batched:5.1f} documents/s")
            figure(f"un soffice par document, {at_once}", f"{naive:6.2f} s   {documents / naive:5.1f} documents/s")
            figure(f"convgen --jobs {jobs} / soffice {at_once}", f"{naive / batched:6.1f} ×")


def _naive(soffice: str, sources: list[Path], out: Path, profiles: list[str]) -> float:
    """Wall seconds to convert `sources`, one soffice each, as many at a time as `profiles`."""
    pending: queue.SimpleQueue[Path] = queue.SimpleQueue()
    for path in sources:
        pending.put(path)
    failures: list[BaseException] = []

    def convert(profile: str) -> None:
        try:
            while True:
                try:
                    path = pending.get_nowait()
                except queue.Empty:
                    return
                run([soffice, "--headless", f"-env:UserInstallation={profile}", "--convert-to", "pdf", "--outdir", str(out), str(path)])
        except BaseException as error:  # run() exits on a failed conversion: carried over to the main thread
            failures.append(error)

    start = time.perf_counter()
    threads = [threading.Thread(target=convert, args=(profile,)) for profile in profiles]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - start
    if failures:
        raise failures[0]
    made = len(list(out.glob("*.pdf")))
    if made != len(sources):
        raise SystemExit(f"soffice n'a écrit que {made} PDF sur {len(sources)}")
    return elapsed


if __name__ == "__main__":
    main()
