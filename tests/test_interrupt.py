"""An interrupted batch (Ctrl-C, SIGTERM) leaves only whole agreements and says what was done."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from collections import Counter
from pathlib import Path

import pytest

from conftest import EXAMPLES
from convgen import files

AGREEMENTS = 400


@pytest.fixture(scope="module")
def batch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("batch") / "agreements"
    folder.mkdir()
    text = (EXAMPLES / "pfmp.yaml").read_bytes()
    for number in range(AGREEMENTS):
        (folder / f"eleve-{number:03d}.yaml").write_bytes(text)
    return folder


def _interrupt(batch: Path, tmp_path: Path, jobs: str, signum: int) -> tuple[subprocess.CompletedProcess, Path]:
    out = tmp_path / "out"
    command = [sys.executable, "-m", "convgen", "render", str(batch), "--out", str(out), "-j", jobs, "--report", str(tmp_path / "r.json")]
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "200"}
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, start_new_session=True)
    deadline = time.monotonic() + 60
    while not (out.exists() and len(list(out.iterdir())) >= 30):  # well under way
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline
        time.sleep(0.01)
    # As a terminal does for Ctrl-C: the whole process group (worker processes too).
    os.killpg(process.pid, signum) if signum == signal.SIGINT else process.send_signal(signum)
    stdout, stderr = process.communicate(timeout=60)
    return subprocess.CompletedProcess(command, process.returncode, stdout.decode(), stderr.decode()), out


@pytest.mark.parametrize(("jobs", "signum", "code"), [("1", signal.SIGINT, 130), ("2", signal.SIGINT, 130), ("2", signal.SIGTERM, 143)])
def test_an_interrupted_run_leaves_whole_agreements_and_says_so(batch: Path, tmp_path: Path, jobs: str, signum: int, code: int) -> None:
    result, out = _interrupt(batch, tmp_path, jobs, signum)
    assert result.returncode == code, result.stderr
    assert "Traceback" not in result.stderr
    written = sorted(out.rglob("*"))
    per_agreement = Counter(path.name.split(".")[0] for path in written)
    assert per_agreement and set(per_agreement.values()) == {3}, per_agreement
    for path in written:
        assert zipfile.ZipFile(path).testzip() is None
    done = len(per_agreement)
    assert done < AGREEMENTS
    said = (
        f"{done} conventions sur {AGREEMENTS} traitées, {AGREEMENTS - done} non traitées ; {len(written)} documents écrits, tous complets"
    )
    assert said in result.stderr, result.stderr
    listed = [line for line in result.stdout.splitlines() if line.startswith("✓")]
    assert len(listed) == done
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["render"]["interrupted"] == {"signal": signum, "agreements": AGREEMENTS, "done": done}
    assert report["summary"]["documents"] == len(written)
    assert sorted(Path(p).name for f in report["files"] for p in f["outputs"]) == [path.name for path in written]


def test_scratch_folders_of_killed_runs_are_removed(cli, workdir: Path) -> None:
    shutil.copy(EXAMPLES / "pfmp.yaml", workdir / "agreement.yaml")
    out = workdir / "out"
    dead = out / f"{files.SCRATCH_PREFIX}999999999-abc"
    live = out / f"{files.SCRATCH_PREFIX}{os.getpid()}-abc"
    recent = out / f"{files.SCRATCH_PREFIX}999999998-abc"
    for folder in (dead, live, recent):
        folder.mkdir(parents=True)
        (folder / ".agreement.eleve.docx.1.tmp").write_bytes(b"half")
    for folder in (dead, live):
        os.utime(folder, (time.time() - 7200, time.time() - 7200))
    result = cli("render")
    assert result.exit_code == 0, result.output
    assert not dead.exists()
    assert live.exists()  # a run still going on (here, this very process) keeps its own
    assert recent.exists()  # touched within the hour: perhaps a run on another machine sharing OUT


def test_when_the_temporary_folder_is_elsewhere_the_scratch_folder_is_hidden_in_out_and_removed(
    cli, workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(files, "_system_scratch", lambda device: None)
    monkeypatch.setattr(files, "_unnamed_works", False)
    shutil.copy(EXAMPLES / "pfmp.yaml", workdir / "agreement.yaml")
    result = cli("render")
    assert result.exit_code == 0, result.output
    assert sorted(path.name for path in (workdir / "out").iterdir()) == [
        "agreement.eleve.docx",
        "agreement.entreprise.docx",
        "agreement.etablissement.docx",
    ]


def _soffice_running(marker: str) -> bool:
    for stat in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            if marker in stat.read_bytes().decode(errors="replace") and b"soffice" in stat.read_bytes():
                return True
        except OSError:
            continue
    return False


@pytest.mark.skipif(shutil.which("soffice") is None or not Path("/proc").is_dir(), reason="needs LibreOffice and /proc")
def test_an_interrupted_pdf_run_stops_libreoffice_and_says_what_was_written(batch: Path, tmp_path: Path) -> None:
    folder = tmp_path / "few"
    folder.mkdir()
    for path in sorted(batch.iterdir())[:12]:
        shutil.copy(path, folder / path.name)
    out = tmp_path / "out"
    command = [sys.executable, "-m", "convgen", "render", str(folder), "--format", "pdf", "--out", str(out), "-j", "1"]
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    env = {**os.environ, "TMPDIR": str(scratch)}  # LibreOffice's profile and files go there: it can be told apart
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True, env=env)
    deadline = time.monotonic() + 60
    while not _soffice_running(str(scratch)):
        if process.poll() is not None or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    os.killpg(process.pid, signal.SIGINT)
    stdout, stderr = process.communicate(timeout=60)
    text = stderr.decode()
    assert process.returncode == 130, text
    assert "Traceback" not in text
    written = sorted(out.rglob("*.pdf")) if out.exists() else []
    for path in written:
        data = path.read_bytes()
        assert data.startswith(b"%PDF") and data.rstrip().endswith(b"%%EOF")
    assert f"{len(written)} documents écrits, tous complets" in text
    time.sleep(0.5)
    assert not _soffice_running(str(scratch)), "LibreOffice left running"
    assert list(scratch.iterdir()) == []  # staging and profiles removed
