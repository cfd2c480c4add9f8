from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from docx import Document

from convgen.documents import pdf
from convgen.errors import ExternalToolError

SOFFICE = shutil.which("soffice")
needs_soffice = pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed")
posix_only = pytest.mark.skipif(os.name != "posix", reason="the fake soffice is a shell script")

# One name with a space and accents: soffice gets it as a single argument and names the PDF after it.
STEMS = ["alpha", "Convention élève 2", "gamma.etablissement"]


def text_of(stem: str) -> str:
    return f"Document numéro {STEMS.index(stem) + 1} : {stem}"


def make_docx(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for stem in STEMS:
        document = Document()
        document.add_heading("Convention de stage", level=1)
        document.add_paragraph(text_of(stem))
        path = folder / f"{stem}.docx"
        document.save(str(path))
        paths.append(path)
    return paths


def fake_soffice(folder: Path, body: str) -> Path:
    script = folder / "fake-soffice"
    script.write_text('#!/bin/sh\nPATH="$PATH:/usr/bin:/bin"\n' + body, encoding="utf-8")
    script.chmod(0o755)
    return script


@dataclass
class Conversions:
    inputs: list[Path]
    first: list[Path]  # jobs=1, the real soffice
    second: list[Path]  # jobs=2, through a spy that logs each start
    raw: list[tuple[bytes, bytes]]  # per input, both PDFs as soffice wrote them, before deterministic()
    starts: list[list[str]]  # the file arguments of each soffice start of the second run


@pytest.fixture(scope="module")
def conversions(tmp_path_factory: pytest.TempPathFactory) -> Conversions:
    if SOFFICE is None:
        pytest.skip("LibreOffice (soffice) is not installed")
    root = tmp_path_factory.mktemp("pdf")
    inputs = make_docx(root / "docx")
    log = root / "starts.log"
    # One write per start: the two batches run at the same time and share the log.
    spy = fake_soffice(
        root,
        'line=""\nfor a in "$@"; do case "$a" in *.docx) line="$line$a\t";; esac; done\n'
        f'printf "%s\\n" "$line" >> "{log}"\nexec "{SOFFICE}" "$@"\n',
    )
    raw: list[bytes] = []
    normalise = pdf.deterministic

    def keep_raw(data: bytes) -> bytes:
        raw.append(data)  # convert() normalises in the input order
        return normalise(data)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(pdf, "deterministic", keep_raw)
        first = pdf.convert(inputs, root / "first", jobs=1)
        # Creation dates have one-second precision: the second run must get another one.
        time.sleep(1.05)
        patch.setenv(pdf.ENV_VAR, str(spy))
        second = pdf.convert(inputs, root / "second", jobs=2)
    starts = [line.rstrip("\t").split("\t") for line in log.read_text(encoding="utf-8").splitlines()]
    return Conversions(inputs, first, second, list(zip(raw[: len(inputs)], raw[len(inputs) :], strict=True)), starts)


def pdftotext(path: Path) -> str:
    return subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True).stdout.decode("utf-8")


def page_count(path: Path) -> int:
    if shutil.which("pdfinfo"):
        info = subprocess.run(["pdfinfo", str(path)], capture_output=True, check=True, text=True).stdout
        return int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))
    return len(re.findall(rb"/Type\s*/Page\b(?!s)", path.read_bytes()))


def xref_offsets_valid(data: bytes) -> bool:
    """Every in-use entry of the classic xref table points at its own 'N G obj'."""
    start = int(re.findall(rb"startxref\s+(\d+)", data)[-1])
    table = re.match(rb"xref\s+(\d+)\s+(\d+)\s+", data[start:])
    first, count = int(table.group(1)), int(table.group(2))
    entries = re.findall(rb"(\d{10}) (\d{5}) ([nf])", data[start + table.end() :])[:count]
    for number, (offset, generation, kind) in enumerate(entries, first):
        if kind == b"n" and not data[int(offset) :].startswith(b"%d %d obj" % (number, int(generation))):
            return False
    return True


# --- batches, a pure function


@pytest.mark.parametrize("count", range(0, 12))
@pytest.mark.parametrize("jobs", [1, 2, 3, 4, 7, 16])
def test_batches_are_contiguous_balanced_and_never_empty(count: int, jobs: int) -> None:
    items = list(range(count))
    result = pdf.batches(items, jobs)
    assert [item for batch in result for item in batch] == items
    assert len(result) == min(jobs, count)
    assert all(result)
    if result:
        sizes = [len(batch) for batch in result]
        assert max(sizes) - min(sizes) <= 1
        assert sizes == sorted(sizes, reverse=True)


def test_batches_three_files_two_jobs() -> None:
    assert pdf.batches(["a", "b", "c"], 2) == [["a", "b"], ["c"]]


def test_batches_refuse_zero_jobs() -> None:
    with pytest.raises(ValueError):
        pdf.batches([1], 0)


# --- converting with the real LibreOffice


@needs_soffice
def test_one_pdf_per_input_in_order(conversions: Conversions) -> None:
    for source, target in zip(conversions.inputs, conversions.first, strict=True):
        assert target.name == f"{source.stem}.pdf"
        assert target.parent.name == "first"
        data = target.read_bytes()
        assert data.startswith(b"%PDF-")
        assert page_count(target) >= 1
        if shutil.which("pdftotext"):
            assert text_of(source.stem) in pdftotext(target)


@needs_soffice
def test_nothing_else_left_in_out_dir(conversions: Conversions) -> None:
    assert sorted(path.name for path in conversions.first[0].parent.iterdir()) == sorted(f"{stem}.pdf" for stem in STEMS)


@needs_soffice
def test_two_conversions_give_the_same_bytes(conversions: Conversions) -> None:
    for first, second in zip(conversions.first, conversions.second, strict=True):
        assert first.read_bytes() == second.read_bytes()
    # Without deterministic() the runs did differ: the test above proves something.
    assert all(one != two for one, two in conversions.raw)


@needs_soffice
def test_deterministic_keeps_length_and_xref(conversions: Conversions) -> None:
    for versions in conversions.raw:
        for raw in versions:
            assert xref_offsets_valid(raw)
            fixed = pdf.deterministic(raw)
            assert len(fixed) == len(raw)
            assert xref_offsets_valid(fixed)
            assert b"D:19800101000000Z" in fixed
            assert pdf.deterministic(fixed) == fixed


@needs_soffice
def test_real_output_is_a_whole_pdf(conversions: Conversions) -> None:
    # The check that refuses a broken PDF must accept what this LibreOffice writes, before
    # and after deterministic(), and cut anywhere it must refuse it.
    for versions in conversions.raw:
        for raw in versions:
            for data in (raw, pdf.deterministic(raw)):
                assert pdf._pdf_problem(io.BytesIO(data), len(data)) is None
            for cut in (8, len(raw) // 2, len(raw) - 6):
                assert pdf._pdf_problem(io.BytesIO(raw[:cut]), cut) is not None
    for path in conversions.first + conversions.second:
        assert pdf._file_problem(path) is None


@needs_soffice
@pytest.mark.skipif(shutil.which("pdfinfo") is None, reason="poppler-utils is not installed")
def test_normalised_pdf_reads_cleanly(conversions: Conversions) -> None:
    for path in conversions.second:
        result = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True)
        assert result.returncode == 0
        assert result.stderr == ""
        assert re.search(r"^CreationDate:.*1980", result.stdout, re.M)


@needs_soffice
def test_jobs_2_with_3_files_starts_soffice_twice(conversions: Conversions) -> None:
    names = sorted([Path(argument).name for argument in start] for start in conversions.starts)
    assert names == [["alpha.docx", "Convention élève 2.docx"], ["gamma.etablissement.docx"]]


# --- deterministic(), on a hand-made PDF


def tiny_pdf(created: bytes, file_id: bytes, xmp_date: bytes = b"2026-11-25T02:20:56Z", body: bytes = b"BT ET") -> bytes:
    objects = [
        b"<</Type/Catalog/Pages 2 0 R/Metadata 4 0 R>>",
        b"<</Type/Pages/Kids[]/Count 0>>",
        b"<</Producer(LibreOffice)/CreationDate(" + created + b")/ModDate(" + created + b")>>",
        b"<</Type/Metadata/Subtype/XML>>stream\n"
        b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:Description xmp:ModifyDate="' + xmp_date + b'" '
        b"xmpMM:DocumentID='uuid:" + file_id[:8].lower() + b"-0000-0000-0000-000000000000'>"
        b"<xmp:CreateDate>" + xmp_date + b"</xmp:CreateDate></rdf:Description></x:xmpmeta>\nendstream",
        b"<</Length " + str(len(body)).encode() + b">>stream\n" + body + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.6\n")
    offsets = []
    for number, obj in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, obj)
    start = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<</Size %d/Root 1 0 R/Info 3 0 R\n/ID [ <%s>\n<%s> ]\n/DocChecksum /%s\n>>\n" % (
        len(objects) + 1,
        file_id,
        file_id,
        file_id[::-1],
    )
    out += b"startxref\n%d\n%%%%EOF\n" % start
    return bytes(out)


ID_A = b"D47288D2303CDD3C92B16BF54DDAF170"
ID_B = b"CB58989DE3A5FDD30879D05A91383ED1"


def test_deterministic_ignores_time_and_id() -> None:
    a = tiny_pdf(b"D:20261125022018Z'", ID_A)
    b = tiny_pdf(b"D:20270101235959Z'", ID_B, xmp_date=b"2027-01-01T23:59:59Z")
    assert a != b
    assert pdf.deterministic(a) == pdf.deterministic(b)


def test_deterministic_keeps_every_offset() -> None:
    for created in (b"D:20261125032048+01'00'", b"D:20261125022018Z'", b"D:20261125022018", b"D:2026", b"D:2"):
        for xmp_date in (b"2026-11-25T03:20:56+01:00", b"2026-11-25T02:20:56.123Z", b"2026-11-25", b"x"):
            original = tiny_pdf(created, ID_A, xmp_date)
            fixed = pdf.deterministic(original)
            assert len(fixed) == len(original)
            assert xref_offsets_valid(fixed)


def test_deterministic_output() -> None:
    fixed = pdf.deterministic(tiny_pdf(b"D:20261125032048+01'00'", ID_A, b"2026-11-25T03:20:56+01:00"))
    assert b"/CreationDate(D:19800101000000Z)      /ModDate(D:19800101000000Z)      >>" in fixed
    assert b'xmp:ModifyDate="1980-01-01T00:00:00Z"      xmpMM' in fixed
    assert b"<xmp:CreateDate>1980-01-01T00:00:00Z</xmp:CreateDate>     </rdf" in fixed
    assert b"xmpMM:DocumentID='uuid:" in fixed
    assert b"uuid:" + ID_A[:8].lower() not in fixed
    assert ID_A not in fixed
    ids = re.search(rb"/ID \[ <([0-9A-F]{32})>\n<([0-9A-F]{32})> \]", fixed)
    assert ids and ids.group(1) == ids.group(2)


def test_deterministic_id_depends_on_content() -> None:
    one = pdf.deterministic(tiny_pdf(b"D:20261125022018Z'", ID_A, body=b"BT (u1) ET"))
    two = pdf.deterministic(tiny_pdf(b"D:20261125022018Z'", ID_A, body=b"BT (u2) ET"))
    trailer = re.compile(rb"/ID \[ <([0-9A-F]+)>")
    assert trailer.search(one).group(1) != trailer.search(two).group(1)


def test_deterministic_leaves_other_pdfs_alone() -> None:
    plain = b"%PDF-1.4\n1 0 obj\n<</Type/Catalog>>\nendobj\n%%EOF\n"
    assert pdf.deterministic(plain) == plain


# --- finding soffice


def test_missing_soffice_named_by_env_var(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(pdf.ENV_VAR, str(tmp_path / "no-such-soffice"))
    monkeypatch.setenv("PATH", "")
    with pytest.raises(ExternalToolError) as caught:
        pdf.find_soffice()
    assert caught.value.exit_code == 3
    assert "no-such-soffice" in caught.value.message
    assert "apt-get" in caught.value.hint


def test_missing_soffice_everywhere(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv(pdf.ENV_VAR, raising=False)
    monkeypatch.setenv("PATH", "")
    monkeypatch.setattr(pdf, "_install_places", lambda: [tmp_path / "soffice"])
    docx = make_docx(tmp_path / "docx")
    with pytest.raises(ExternalToolError) as caught:
        pdf.convert(docx, tmp_path / "out")
    assert caught.value.exit_code == 3
    assert caught.value.message == pdf.M_MISSING.fr
    assert "apt-get install -y --no-install-recommends libreoffice-writer-nogui" in caught.value.hint
    assert "brew install --cask libreoffice" in caught.value.hint
    assert not (tmp_path / "out").exists()


@posix_only
def test_env_var_wins_over_path(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    script = fake_soffice(tmp_path, "exit 0\n")
    monkeypatch.setenv(pdf.ENV_VAR, str(script))
    assert pdf.find_soffice() == str(script)
    monkeypatch.setenv(pdf.ENV_VAR, str(tmp_path))  # the program/ directory of an install
    (tmp_path / "soffice").symlink_to(script)
    assert pdf.find_soffice() == str(tmp_path / "soffice")


# --- failures, with a fake soffice


def test_no_input_starts_nothing(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(pdf.ENV_VAR, str(tmp_path / "no-such-soffice"))
    assert pdf.convert([], tmp_path / "out") == []


def test_duplicate_stems_are_refused(tmp_path: Path) -> None:
    docx = make_docx(tmp_path / "one") + make_docx(tmp_path / "two")[:1]
    with pytest.raises(ValueError, match="alpha"):
        pdf.convert(docx, tmp_path / "out")


def alive(pid: int) -> bool:
    stat = Path(f"/proc/{pid}/stat")
    if stat.parent.parent.is_dir() and Path("/proc/self").exists():
        try:
            return stat.read_text().rsplit(")", 1)[1].split()[0] != "Z"  # a zombie has ended
        except (FileNotFoundError, ProcessLookupError):
            return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@posix_only
def test_timeout_kills_every_process(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    pids = tmp_path / "pids"
    # The launcher starts a child that does the work, as soffice does with soffice.bin.
    script = fake_soffice(tmp_path, f'pwd > "{tmp_path}/workdir"\nsleep 30 &\necho $$ $! > "{pids}"\nwait\n')
    monkeypatch.setenv(pdf.ENV_VAR, str(script))
    docx = make_docx(tmp_path / "docx")
    started = time.monotonic()
    with pytest.raises(ExternalToolError) as caught:
        pdf.convert(docx, tmp_path / "out", timeout=1)
    assert time.monotonic() - started < 10
    assert caught.value.exit_code == 3
    assert "0 fichier(s) converti(s) sur 3" in caught.value.message
    deadline = time.monotonic() + 5
    while any(alive(int(pid)) for pid in pids.read_text().split()) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(alive(int(pid)) for pid in pids.read_text().split())
    assert not Path((tmp_path / "workdir").read_text().strip()).exists()
    assert not (tmp_path / "out").exists()


@posix_only
def test_soffice_exit_code_reported_with_stderr(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    script = fake_soffice(tmp_path, 'echo "Warning: failed to launch javaldx" >&2\necho "Error: profile broken" >&2\nexit 81\n')
    monkeypatch.setenv(pdf.ENV_VAR, str(script))
    with pytest.raises(ExternalToolError) as caught:
        pdf.convert(make_docx(tmp_path / "docx"), tmp_path / "out", jobs=2)
    assert "code de sortie 81" in caught.value.message
    assert "Error: profile broken" in caught.value.message
    assert "javaldx" not in caught.value.message


@posix_only
def test_missing_pdf_reported(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # What soffice does with a file it cannot open: a line on stderr, and exit code 0.
    script = fake_soffice(tmp_path, 'echo "Error: source file could not be loaded" >&2\nexit 0\n')
    monkeypatch.setenv(pdf.ENV_VAR, str(script))
    with pytest.raises(ExternalToolError) as caught:
        pdf.convert(make_docx(tmp_path / "docx"), tmp_path / "out")
    assert "alpha.docx" in caught.value.message
    assert "source file could not be loaded" in caught.value.message
    assert not (tmp_path / "out").exists()


@posix_only
def test_private_profile_and_headless_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    seen = tmp_path / "seen"
    whole = tmp_path / "whole.pdf"
    whole.write_bytes(tiny_pdf(b"D:20261125022018Z'", ID_A))  # a PDF that is not whole is refused
    script = fake_soffice(
        tmp_path,
        f'printf "%s\\n" "$@" > "{seen}"\necho "DISPLAY=$DISPLAY HOME=$HOME TZ=$TZ MAX_CONCURRENCY=$MAX_CONCURRENCY" >> "{seen}"\n'
        'for a in "$@"; do case "$a" in --outdir) next=1;; *) [ -n "$next" ] && out="$a"; next=;; esac; done\n'
        f'for a in "$@"; do case "$a" in *.docx) b=$(basename "$a" .docx); cp "{whole}" "$out/$b.pdf";; esac; done\n',
    )
    monkeypatch.setenv(pdf.ENV_VAR, str(script))
    monkeypatch.setenv("DISPLAY", ":99")
    monkeypatch.delenv("HOME")
    result = pdf.convert(make_docx(tmp_path / "docx"), tmp_path / "out")
    assert [path.name for path in result] == [f"{stem}.pdf" for stem in STEMS]
    lines = seen.read_text(encoding="utf-8").splitlines()
    assert lines[:3] == ["--headless", "--norestore", "--nolockcheck"]
    profile = lines[3].removeprefix("-env:UserInstallation=")
    assert profile.startswith("file:///") and f"/convgen-{os.getpid()}-" in profile  # named after the run: swept if it is killed
    assert lines[-1].startswith("DISPLAY= HOME=/") and lines[-1].endswith("TZ=UTC MAX_CONCURRENCY=1")
    assert [Path(line).name for line in lines if line.endswith(".docx")] == [f"{stem}.docx" for stem in STEMS]


def test_import_is_light() -> None:
    code = "import sys, convgen.documents.pdf; print(' '.join(sorted(m for m in ('typer', 'rich', 'docx', 'jinja2', 'pydantic') if m in sys.modules)))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == ""


@posix_only
def test_soffice_that_cannot_start(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    script = tmp_path / "soffice"
    script.write_bytes(b"\x7fELF not really")
    script.chmod(0o755)
    monkeypatch.setenv(pdf.ENV_VAR, str(script))
    with pytest.raises(ExternalToolError) as caught:
        pdf.convert(make_docx(tmp_path / "docx"), tmp_path / "out")
    assert caught.value.exit_code == 3
    assert "impossible de lancer LibreOffice" in caught.value.message
