"""LibreOffice trusted less: what it leaves on disk must be a whole PDF, and it must leave
no process behind, whatever the way its run ends."""

from __future__ import annotations

import os
import re
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import example_text, other_pupil
from convgen.documents import pdf
from convgen.errors import ExternalToolError
from test_pdf import ID_A, STEMS, alive, fake_soffice, make_docx, tiny_pdf

posix_only = pytest.mark.skipif(os.name != "posix", reason="the fake soffice is a shell script")
pytestmark = posix_only

GOOD = tiny_pdf(b"D:20261125022018Z'", ID_A)
BAD_STEM = STEMS[-1]
M_UNUSABLE = "a produit un PDF inutilisable"
LIMIT = 200 << 20  # the size docs/SECURITY.md gives

# The --outdir argument, then one PDF per .docx argument: a copy of "$dir/<stem>.src" when
# the test put one there, else of "$dir/good.src".
CONVERTER = (
    'for a in "$@"; do case "$a" in --outdir) next=1;; *) [ -n "$next" ] && out="$a"; next=;; esac; done\n'
    'for a in "$@"; do case "$a" in *.docx) b=$(basename "$a" .docx)\n'
    '  if [ -e "{dir}/$b.src" ]; then src="{dir}/$b.src"; else src="{dir}/good.src"; fi\n'
    '  ln "$src" "$out/$b.pdf" 2>/dev/null || cp "$src" "$out/$b.pdf";; esac; done\n'
)


def converter(folder: Path, special: dict[str, bytes] | None = None, before: str = "", after: str = "") -> Path:
    sources = folder / "sources"
    sources.mkdir(exist_ok=True)
    (sources / "good.src").write_bytes(GOOD)
    for stem, data in (special or {}).items():
        (sources / f"{stem}.src").write_bytes(data)
    return fake_soffice(folder, before + CONVERTER.replace("{dir}", str(sources)) + after)


@pytest.fixture
def children(tmp_path: Path) -> Iterator[Path]:
    """A file the fake soffice appends the pids it leaves behind to; they are killed after the test
    whatever its outcome, so that a failing test does not leave them running for minutes."""
    pids = tmp_path / "children"
    yield pids
    for pid in _pids(pids):
        try:
            os.kill(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


def _pids(path: Path) -> list[int]:
    return [int(word) for word in path.read_text().split()] if path.exists() else []


def leave_child(pids: Path) -> str:
    # In the background, as oosplash leaves soffice.bin; its output away from the pipes convgen reads.
    return f'sleep 300 >/dev/null 2>&1 &\necho $! >> "{pids}"\n'


# --- the check itself, through convert() and a fake soffice


def _xref_start(data: bytes) -> int:
    return int(re.findall(rb"startxref\s+(\d+)", data)[-1])


def _with_startxref(data: bytes, offset: int) -> bytes:
    start = data.rindex(b"startxref")
    return data[:start] + b"startxref\n%d\n%%%%EOF\n" % offset


def _xref_stream_pdf() -> bytes:
    """A PDF 1.5 whose cross-reference is a stream object, as other producers write."""
    out = bytearray(b"%PDF-1.5\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate((b"<</Type/Catalog/Pages 2 0 R>>", b"<</Type/Pages/Kids[]/Count 0>>"), 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    start = len(out)
    rows = b"\x00\x00\x00\x00\xff\xff" + b"".join(b"\x01" + offset.to_bytes(4, "big") + b"\x00" for offset in offsets)
    rows += b"\x01" + start.to_bytes(4, "big") + b"\x00"
    out += b"3 0 obj\n<</Type /XRef /Size 4 /W [1 4 1] /Root 1 0 R /Length %d>>\nstream\n" % len(rows)
    out += rows + b"\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\r\n" % start
    return bytes(out)


def _incremental_update(data: bytes) -> bytes:
    """`data` with an update appended (a signature, a form filled): a second xref and trailer."""
    previous = _xref_start(data)
    out = bytearray(data)
    offset = len(out)
    out += b"6 0 obj\n(ajout)\nendobj\n"
    start = len(out)
    out += b"xref\n0 1\n0000000000 65535 f \n6 1\n%010d 00000 n \n" % offset
    out += b"trailer\n<</Size 7/Root 1 0 R/Prev %d>>\nstartxref\n%d\n%%%%EOF" % (previous, start)
    return bytes(out)


def _without_entries(data: bytes, count: int) -> bytes:
    """The xref table announces all its entries but `count` of them are gone."""
    start = _xref_start(data)
    header = re.match(rb"xref\n\d+ \d+\n", data[start:]).end()
    cut = start + header + 20  # keep the free entry of object 0
    shortened = data[:cut] + data[cut + 20 * count :]
    return _with_startxref(shortened, start)


WHOLE = {
    "classic xref": GOOD,
    "no end of line after %%EOF": GOOD.rstrip(b"\n"),
    "CRLF": GOOD.replace(b"%%EOF\n", b"%%EOF\r\n"),
    "xref stream": _xref_stream_pdf(),
    "incremental update": _incremental_update(GOOD),
    "PDF 2.0": GOOD.replace(b"%PDF-1.6", b"%PDF-2.0"),
}

BROKEN = {
    "empty": b"",
    "HTML error page": b"<!DOCTYPE html>\n<html><body><h1>500 Internal Server Error</h1></body></html>\n",
    "no header": GOOD[len(b"%PDF-1.6\n") :],
    "not a version": GOOD.replace(b"%PDF-1.6", b"%PDF-x.y"),
    "truncated in the middle": GOOD[: len(GOOD) // 2],
    "truncated in %%EOF": GOOD[:-3],
    "%%EOF without xref or trailer": b"%PDF-1.4\n1 0 obj\n<</Type/Catalog>>\nendobj\n%%EOF\n",
    "startxref outside the file": _with_startxref(GOOD, len(GOOD) + 1000),
    "startxref on another object": _with_startxref(GOOD, GOOD.index(b"1 0 obj")),
    "startxref inside the xref table": _with_startxref(GOOD, _xref_start(GOOD) + 7),
    "no trailer": GOOD.replace(b"trailer", b"tra1ler"),
    "trailer without /Root": GOOD.replace(b"/Root 1 0 R", b"/Rxxx 1 0 R"),
    "xref table cut short": _without_entries(GOOD, 3),
    "xref stream without /Type /XRef": _xref_stream_pdf().replace(b"/Type /XRef", b"/Type /Page"),
    "garbage after %%EOF": GOOD + b"<html>oops</html>\n",
}


@pytest.mark.parametrize("kind", list(WHOLE))
def test_whole_pdfs_are_accepted(kind: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(pdf.ENV_VAR, str(converter(tmp_path, {stem: WHOLE[kind] for stem in STEMS})))
    result = pdf.convert(make_docx(tmp_path / "docx"), tmp_path / "out")
    assert [path.name for path in result] == [f"{stem}.pdf" for stem in STEMS]
    assert all(len(path.read_bytes()) == len(WHOLE[kind]) for path in result)


@pytest.mark.parametrize("kind", list(BROKEN))
def test_a_pdf_that_is_not_whole_is_exit_3_and_nothing_is_written(kind: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # The broken one is the last: the two whole PDFs before it must not be written either.
    monkeypatch.setenv(pdf.ENV_VAR, str(converter(tmp_path, {BAD_STEM: BROKEN[kind]})))
    written: list[int] = []
    with pytest.raises(ExternalToolError) as caught:
        pdf.convert(make_docx(tmp_path / "docx"), tmp_path / "out", written=written.append)
    assert caught.value.exit_code == 3
    assert M_UNUSABLE in caught.value.message
    assert f"{BAD_STEM}.pdf »" in caught.value.message
    assert "rien n'a été écrit" in caught.value.message
    assert written == []
    assert not (tmp_path / "out").exists()


def test_a_pdf_over_the_size_limit_is_not_read(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # Sparse: a whole-looking PDF just over the limit costs no disk and no time to make.
    padding = LIMIT + 1 - len(GOOD)
    start = _xref_start(GOOD)
    huge = tmp_path / "huge.src"
    with open(huge, "wb") as handle:
        handle.write(GOOD[:start])
        handle.seek(start + padding)
        handle.write(_with_startxref(GOOD, start + padding)[start:])
    assert huge.stat().st_size > LIMIT
    (tmp_path / "sources").mkdir()
    os.link(huge, tmp_path / "sources" / f"{BAD_STEM}.src")
    monkeypatch.setenv(pdf.ENV_VAR, str(converter(tmp_path)))
    normalise = pdf.deterministic
    sizes: list[int] = []

    def spy(data: bytes) -> bytes:
        sizes.append(len(data))
        return normalise(data)

    monkeypatch.setattr(pdf, "deterministic", spy)
    started = time.monotonic()
    with pytest.raises(ExternalToolError) as caught:
        pdf.convert(make_docx(tmp_path / "docx"), tmp_path / "out")
    assert time.monotonic() - started < 5
    assert M_UNUSABLE in caught.value.message and "200 Mo" in caught.value.message
    assert all(size <= LIMIT for size in sizes)
    assert not (tmp_path / "out").exists()
    assert pdf.MAX_PDF_BYTES == LIMIT


# --- no process left behind


def _assert_gone(pids: Path) -> None:
    found = _pids(pids)
    assert found, "the fake soffice did not start its child"
    # No grace period: convert() returns only once its processes have ended.
    assert [pid for pid in found if alive(pid)] == []


def test_a_child_left_by_a_successful_soffice_is_killed(children: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(pdf.ENV_VAR, str(converter(tmp_path, before=leave_child(children))))
    result = pdf.convert(make_docx(tmp_path / "docx"), tmp_path / "out", jobs=2)
    assert len(result) == len(STEMS)
    assert len(_pids(children)) == 2  # one per batch
    _assert_gone(children)


def test_a_child_left_by_a_failing_soffice_is_killed(children: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(pdf.ENV_VAR, str(fake_soffice(tmp_path, leave_child(children) + "exit 81\n")))
    with pytest.raises(ExternalToolError, match="code de sortie 81"):
        pdf.convert(make_docx(tmp_path / "docx"), tmp_path / "out")
    _assert_gone(children)


def test_a_child_left_by_a_soffice_writing_a_truncated_pdf_is_killed(
    children: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv(pdf.ENV_VAR, str(converter(tmp_path, {BAD_STEM: GOOD[:-40]}, before=leave_child(children))))
    with pytest.raises(ExternalToolError, match=M_UNUSABLE):
        pdf.convert(make_docx(tmp_path / "docx"), tmp_path / "out")
    _assert_gone(children)


def test_the_other_batches_are_killed_when_one_fails(children: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # One batch fails as soon as the other is converting (and has a child of its own): it
    # waits for the other's child to be written down, so that a slow start changes nothing.
    wait_other = f'i=0; while [ "$(wc -l < "{children}")" -lt 2 ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i+1)); done'
    body = leave_child(children) + f'case "$*" in *alpha.docx*) {wait_other}; exit 81;; esac\nsleep 30\n'
    monkeypatch.setenv(pdf.ENV_VAR, str(fake_soffice(tmp_path, body)))
    started = time.monotonic()
    with pytest.raises(ExternalToolError, match="code de sortie 81"):
        pdf.convert(make_docx(tmp_path / "docx"), tmp_path / "out", jobs=2)
    assert time.monotonic() - started < 10
    assert len(_pids(children)) == 2
    _assert_gone(children)


def test_ctrl_c_kills_soffice_and_its_children(children: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    ready = tmp_path / "ready"
    monkeypatch.setenv(
        pdf.ENV_VAR, str(fake_soffice(tmp_path, leave_child(children) + f'echo $$ >> "{children}"\n: > "{ready}"\nsleep 30\n'))
    )

    def interrupt() -> None:
        deadline = time.monotonic() + 10
        while not ready.exists() and time.monotonic() < deadline:
            time.sleep(0.02)
        os.kill(os.getpid(), signal.SIGINT)

    thread = threading.Thread(target=interrupt)
    thread.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            pdf.convert(make_docx(tmp_path / "docx"), tmp_path / "out")
    finally:
        thread.join()
    _assert_gone(children)
    assert not (tmp_path / "out").exists()


def _group_running(group: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_bytes().rsplit(b")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[2]) == group and fields[0] != b"Z":
            found.append(int(stat.parent.name))
    return found


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
def test_ctrl_c_while_soffice_is_being_started_kills_it(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # The interrupt lands once the process exists but before Popen() has returned it, a
    # window a loaded machine makes wide.
    monkeypatch.setenv(pdf.ENV_VAR, str(fake_soffice(tmp_path, "sleep 300 >/dev/null 2>&1 &\nsleep 30\n")))
    real = pdf.subprocess.Popen
    started: list[int] = []

    def popen(*args: object, **kwargs: object) -> object:
        process = real(*args, **kwargs)
        started.append(process.pid)
        signal.raise_signal(signal.SIGINT)
        return process

    monkeypatch.setattr(pdf.subprocess, "Popen", popen)
    try:
        with pytest.raises(KeyboardInterrupt):
            pdf.convert(make_docx(tmp_path / "docx"), tmp_path / "out")
        assert len(started) == 1
        assert _group_running(started[0]) == []
    finally:
        for pid in started:
            try:
                os.killpg(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass


# --- through the command line


def _agreements(folder: Path, count: int) -> None:
    text = example_text("pfmp")
    for number in range(count):
        (folder / f"eleve-{number}.yaml").write_text(other_pupil(text, number), encoding="utf-8")


def test_render_pdf_leaves_no_process_behind(cli, workdir: Path, children: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(pdf.ENV_VAR, str(converter(workdir, before=leave_child(children))))
    _agreements(workdir, 1)
    result = cli("render", "eleve-0.yaml", "--format", "pdf", "--copies", "eleve")
    assert result.exit_code == 0, result.output
    assert (workdir / "out" / "eleve-0.eleve.pdf").read_bytes().startswith(b"%PDF-1.6")
    _assert_gone(children)


def test_render_pdf_with_a_truncated_pdf_is_exit_3_and_writes_no_pdf(
    cli, workdir: Path, children: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The staged DOCX of the second agreement's copy is 000001.eleve.docx.
    script = converter(workdir, {"000001.eleve": GOOD[: len(GOOD) - 100]}, before=leave_child(children))
    monkeypatch.setenv(pdf.ENV_VAR, str(script))
    _agreements(workdir, 2)
    result = cli("render", "eleve-0.yaml", "eleve-1.yaml", "--format", "pdf", "--copies", "eleve", "-j", "1")
    assert result.exit_code == 3, result.output
    assert M_UNUSABLE in result.output and "eleve-1.eleve.pdf" in result.output
    assert sorted((workdir / "out").rglob("*.pdf")) == []
    _assert_gone(children)


def test_a_truncated_pdf_does_not_replace_the_pdfs_of_an_earlier_run(cli, workdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _agreements(workdir, 2)
    command = ("render", "eleve-0.yaml", "eleve-1.yaml", "--format", "pdf", "--copies", "eleve", "-j", "1")
    monkeypatch.setenv(pdf.ENV_VAR, str(converter(workdir)))
    assert cli(*command).exit_code == 0
    before = {path.name: path.read_bytes() for path in (workdir / "out").glob("*.pdf")}
    assert sorted(before) == ["eleve-0.eleve.pdf", "eleve-1.eleve.pdf"]
    monkeypatch.setenv(pdf.ENV_VAR, str(converter(workdir, {"000001.eleve": GOOD[: len(GOOD) - 100]})))
    result = cli(*command)
    assert result.exit_code == 3, result.output
    assert {path.name: path.read_bytes() for path in (workdir / "out").glob("*.pdf")} == before


def test_a_write_error_amid_the_pdfs_leaves_every_pdf_as_it_was(cli, workdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The PDFs of a run are placed together: one that cannot be written puts back those
    placed before it, so that no agreement is left with copies of two versions."""
    import errno

    _agreements(workdir, 2)
    command = ("render", "eleve-0.yaml", "eleve-1.yaml", "--format", "pdf", "-j", "1")
    monkeypatch.setenv(pdf.ENV_VAR, str(converter(workdir)))
    assert cli(*command).exit_code == 0
    before = {path.name: path.read_bytes() for path in (workdir / "out").glob("*.pdf")}
    assert len(before) == 6
    changed = _incremental_update(GOOD)  # whole, and other bytes than the first run's
    monkeypatch.setenv(
        pdf.ENV_VAR,
        str(converter(workdir, {f"00000{n}.{copy}": changed for n in (0, 1) for copy in ("eleve", "entreprise", "etablissement")})),
    )
    placed = []
    original = pdf.place

    def failing(staged: Path, target: Path) -> None:
        if len(placed) == 4:  # amid the second agreement's copies
            raise OSError(errno.ENOSPC, "No space left on device")
        placed.append(target)
        original(staged, target)

    monkeypatch.setattr(pdf, "place", failing)
    result = cli(*command)
    assert result.exit_code == 2, result.output
    assert "No space left on device" in result.output
    assert {path.name: path.read_bytes() for path in (workdir / "out").glob("*.pdf")} == before
    monkeypatch.setattr(pdf, "place", original)
    assert cli(*command).exit_code == 0  # and without the error, every PDF is new
    after = {path.name: path.read_bytes() for path in (workdir / "out").glob("*.pdf")}
    assert after.keys() == before.keys() and all(after[name] != before[name] for name in before)
    assert [path for path in (workdir / "out").rglob("*") if path.name.startswith(".")] == []
