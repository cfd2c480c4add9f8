"""An interrupted batch (Ctrl-C, SIGTERM) leaves only whole agreements and says what was done."""

from __future__ import annotations

import json
import os
import pty
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from conftest import EXAMPLES, other_pupil
from convgen.output import files

AGREEMENTS = 2000


@pytest.fixture(scope="module")
def batch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("batch") / "agreements"
    folder.mkdir()
    text = (EXAMPLES / "pfmp.yaml").read_text(encoding="utf-8")
    for number in range(AGREEMENTS):
        (folder / f"eleve-{number:04d}.yaml").write_text(other_pupil(text, number), encoding="utf-8")
    return folder


def _interrupt(batch: Path, tmp_path: Path, jobs: str, signum: int) -> tuple[subprocess.CompletedProcess, Path]:
    """Runs a batch on a terminal and signals it once its progress bar has counted an
    agreement: well under way, whatever the machine's speed (2,000 take seconds)."""
    out = tmp_path / "out"
    command = [sys.executable, "-m", "convgen", "render", str(batch), "--out", str(out), "-j", jobs, "--report", str(tmp_path / "r.json")]
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "200", "TERM": "xterm"}
    env.pop("CI", None)  # rich shows no live bar on CI
    env.pop("GITHUB_ACTIONS", None)
    master, slave = pty.openpty()
    process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=slave, stderr=subprocess.PIPE, env=env, start_new_session=True)
    os.close(slave)
    shown = bytearray()
    counted = threading.Event()

    def drain() -> None:  # a terminal reads what is written to it: the run never blocks on it
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:
                return
            if not chunk:
                return
            shown.extend(chunk)
            if any(int(done) > 0 for done in re.findall(rb"(\d+)/" + str(AGREEMENTS).encode(), shown[-4096:])):
                counted.set()

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    deadline = time.monotonic() + 120
    while not counted.wait(0.05):
        assert process.poll() is None and time.monotonic() < deadline, (process.poll(), bytes(shown[-2000:]))
    # As a terminal does for Ctrl-C: the whole process group (worker processes too).
    os.killpg(process.pid, signum) if signum == signal.SIGINT else process.send_signal(signum)
    _, stderr = process.communicate(timeout=60)
    reader.join(timeout=10)
    os.close(master)
    return subprocess.CompletedProcess(command, process.returncode, bytes(shown).decode(errors="replace"), stderr.decode()), out


@pytest.mark.parametrize(("jobs", "signum", "code"), [("1", signal.SIGINT, 130), ("2", signal.SIGINT, 130), ("2", signal.SIGTERM, 143)])
def test_a_run_interrupted_while_checking_writes_nothing_and_says_so(
    batch: Path, tmp_path: Path, jobs: str, signum: int, code: int
) -> None:
    """Documents go into OUT once every agreement is checked together (rules across
    agreements): stopped before, a run leaves OUT as it was and says how far it got."""
    result, out = _interrupt(batch, tmp_path, jobs, signum)
    assert result.returncode == code, result.stderr
    assert "Traceback" not in result.stderr
    assert not out.exists() or [path for path in out.rglob("*") if not path.name.startswith(".convgen-")] == []
    report = json.loads((tmp_path / "r.json").read_text())
    done = report["render"]["interrupted"]["done"]
    assert 0 < done < AGREEMENTS
    assert report["render"]["interrupted"] == {"signal": signum, "agreements": AGREEMENTS, "done": done, "checking": True}
    assert report["summary"]["documents"] == 0
    assert all(entry["outputs"] == [] for entry in report["files"])
    said = f"pendant la vérification : {done} conventions sur {AGREEMENTS} vérifiées ; aucun document écrit"
    assert said in result.stderr, result.stderr
    assert [line for line in result.stdout.splitlines() if line.startswith("✓")] == []


def test_a_signal_while_documents_are_put_in_place_waits_for_the_agreement(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Once checked, an agreement's copies go into OUT together: a signal noted meanwhile
    stops the run after the last of them, and the others stay out."""
    from convgen.errors import Interrupted
    from convgen.pipeline import batch as batch_module
    from convgen.pipeline.batch import Options, render_all
    from convgen.source.inputs import collect

    folder = tmp_path / "in"
    folder.mkdir()
    text = (EXAMPLES / "pfmp.yaml").read_text(encoding="utf-8")
    for number in range(3):
        (folder / f"eleve-{number}.yaml").write_text(other_pupil(text, number), encoding="utf-8")
    placed: list[str] = []
    real_place = batch_module.place

    def place_then_signal(staged: Path, target: Path) -> None:
        real_place(staged, target)
        placed.append(target.name)
        if len(placed) == 1:
            os.kill(os.getpid(), signal.SIGINT)  # in the middle of the first agreement's copies

    monkeypatch.setattr(batch_module, "place", place_then_signal)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(Interrupted) as stopped:
        render_all(collect([str(folder)], "fr"), Options(out=tmp_path / "out", jobs=1))
    assert not stopped.value.checking
    assert len(placed) == 3 and {name.split(".")[0] for name in placed} == {"eleve-0"}
    assert sorted(path.name for path in (tmp_path / "out").iterdir()) == sorted(placed)
    assert [len(outcome.outputs) for outcome in stopped.value.done] == [3, 0, 0]


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
