"""No two inputs of a run write one path; the report overwrites nothing the run reads or
writes; a file name that is not UTF-8 is that file's finding; workers die with their run."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
import unicodedata
from pathlib import Path

import pytest

from conftest import EXAMPLES, example_text, other_pupil


def _documents(out: Path) -> list[str]:
    return sorted(path.relative_to(out).as_posix() for path in out.rglob("*.docx")) if out.exists() else []


@pytest.mark.parametrize(
    ("names", "kept", "renamed"),
    [
        (["a:b", "a_b"], "a_b", "a_b-2"),
        (["CON", "_CON"], "_CON", "CON-2"),
        (["x.", "x"], "x", "x.-2"),
        (["Dupont", "dupont"], "Dupont", "dupont-2"),
        (["Dupont.yml", "dupont"], "dupont", "Dupont-2"),  # .yaml before .yml, whatever the case
        ([unicodedata.normalize("NFD", "été"), unicodedata.normalize("NFC", "été")], None, None),
    ],
)
def test_inputs_named_alike_write_apart_and_every_document_is_counted(cli, workdir: Path, names, kept, renamed) -> None:
    folder = workdir / "in"
    folder.mkdir()
    for number, name in enumerate(names):
        try:
            file = name if name.endswith(".yml") else f"{name}.yaml"
            (folder / file).write_text(other_pupil(example_text("pfmp"), number), encoding="utf-8")
        except OSError:
            pytest.skip("this file system refuses the name itself")
    if len(list(folder.iterdir())) < 2:
        pytest.skip("this file system folds these names into one")
    result = cli("render", "in", "--out", "out", "--jobs", "1", "--report", "r.json")
    assert result.exit_code == 0, result.output
    written = _documents(workdir / "out")
    assert len(written) == 6  # three copies each, none replacing another
    report = json.loads((workdir / "r.json").read_text(encoding="utf-8"))
    assert report["summary"]["documents"] == 6
    outputs = [output for entry in report["files"] for output in entry["outputs"]]
    assert len(set(outputs)) == 6 and all((workdir / output).is_file() for output in outputs)
    if kept is not None:
        assert {f"{kept}.eleve.docx", f"{renamed}.eleve.docx"} <= set(written)
    # The same names whatever the order on the command line.
    again = cli("render", *(f"in/{path.name}" for path in sorted(folder.iterdir(), reverse=True)), "--out", "out2", "--jobs", "1")
    assert again.exit_code == 0, again.output
    assert _documents(workdir / "out2") == written


def _campaign_beside_a_file(workdir: Path) -> None:
    from typer.testing import CliRunner

    from convgen.cli import app

    assert CliRunner().invoke(app, ["new", "campaign"]).exit_code == 0
    (workdir / "campagne").mkdir()
    # The campaign's first row is Camille Martin: its documents go to out/campagne/martin-camille.*
    (workdir / "campagne" / "martin-camille.yaml").write_text(example_text("pfmp"), encoding="utf-8")


def test_a_campaign_row_and_a_file_of_the_same_name_are_a_usage_error_naming_both(cli, workdir: Path) -> None:
    _campaign_beside_a_file(workdir)
    result = cli("render", ".", "--out", "out", "--report", "r.json")
    assert result.exit_code == 2, result.output
    assert "campagne.yaml#martin-camille" in result.output and "campagne/martin-camille.yaml" in result.output
    assert "rien n'a été écrit" in result.output
    assert not (workdir / "out").exists() and not (workdir / "r.json").exists()
    # Shards are cut from the same sorted list: the clash is found whichever shard runs.
    for shard in ("1/2", "2/2"):
        sharded = cli("render", ".", "--out", "out", "--shard", shard)
        assert sharded.exit_code == 2, sharded.output
        assert "martin-camille" in sharded.output
    english = cli("render", ".", "--out", "out", "--lang", "en")
    assert english.exit_code == 2 and "would write the same documents" in english.output
    # validate writes nothing: names are no concern of it.
    assert cli("validate", ".").exit_code == 0


def test_the_report_may_not_overwrite_a_file_the_run_reads(cli, workdir: Path) -> None:
    _campaign_beside_a_file(workdir)
    (workdir / "campagne" / "martin-camille.yaml").unlink()
    (workdir / "campagne").rmdir()
    (workdir / "seul.yaml").write_text(example_text("immersion"), encoding="utf-8")
    (workdir / "lien.json").symlink_to(workdir / "seul.yaml")
    (workdir / "dur.json").hardlink_to(workdir / "seul.yaml")
    (workdir / "modele.docx").write_bytes((Path(__file__).parents[1] / "templates" / "pfmp.docx").read_bytes())
    before = {path.name: path.read_bytes() for path in workdir.iterdir() if path.is_file()}
    cases = [
        ("seul.yaml", ["seul.yaml"]),
        ("lien.json", ["seul.yaml"]),  # through a link
        ("dur.json", ["seul.yaml"]),  # a hard link
        ("eleves.csv", ["campagne.yaml"]),  # a campaign's class list
        ("campagne.yaml", ["campagne.yaml"]),
        ("modele.docx", ["campagne.yaml", "--template", "modele.docx"]),
    ]
    for report, args in cases:
        result = cli("render", *args, "--out", "out", "--report", report)
        assert result.exit_code == 2, (report, result.output)
        assert "le rapport l'écraserait" in result.output, result.output
        assert not (workdir / "out").exists()
    assert {path.name: path.read_bytes() for path in workdir.iterdir() if path.is_file() and path.name in before} == before


def test_the_report_may_not_be_a_document_of_the_run(cli, workdir: Path) -> None:
    (workdir / "seul.yaml").write_text(example_text("immersion"), encoding="utf-8")
    for report in ("out/seul.hote.docx", "out/SEUL.Hote.docx"):
        result = cli("render", "seul.yaml", "--out", "out", "--report", report)
        assert result.exit_code == 2, result.output
        assert "un des documents que ce rendu écrit" in result.output
        assert not (workdir / "out").exists()
    fine = cli("render", "seul.yaml", "--out", "out", "--report", "out/rapport.json")
    assert fine.exit_code == 0, fine.output
    assert json.loads((workdir / "out" / "rapport.json").read_text())["summary"]["documents"] == 3


def test_a_file_name_that_is_not_utf8_is_that_files_finding(workdir: Path) -> None:
    """Run as a process: names reach convgen as bytes, and the output is bytes too."""
    folder = workdir / "classe"
    folder.mkdir()
    try:
        (folder / os.fsdecode(b"caf\xe9.yaml")).write_text(example_text("immersion"), encoding="utf-8")
    except (OSError, UnicodeError):
        pytest.skip("this file system takes only UTF-8 names")
    (folder / "ok.yaml").write_text(example_text("pfmp"), encoding="utf-8")
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "200", "PYTHONIOENCODING": "utf-8"}
    base = [sys.executable, "-m", "convgen"]
    for args in (
        ["validate", "classe"],
        ["validate", "classe", "--format", "json"],
        ["render", "classe", "--out", "out", "--report", "r.json"],
    ):
        done = subprocess.run([*base, *args], cwd=workdir, capture_output=True, env=env, timeout=60)
        output = (done.stdout + done.stderr).decode("utf-8")
        assert done.returncode == 1, output
        assert "erreur interne" not in output and "Traceback" not in output
        if "json" not in args:
            assert "classe/caf\\xe9.yaml" in output
        else:
            entry = next(file for file in json.loads(done.stdout)["files"] if "caf" in file["path"])
            assert entry["path"] == "classe/caf\\xe9.yaml" and entry["valid"] is False
            assert "UTF-8" in entry["findings"][0]["message"]
    assert _documents(workdir / "out") == ["ok.eleve.docx", "ok.entreprise.docx", "ok.etablissement.docx"]
    report = json.loads((workdir / "r.json").read_text(encoding="utf-8"))
    assert report["summary"]["documents"] == 3


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="parent-death signal: Linux")
def test_a_worker_dies_with_its_run(tmp_path: Path) -> None:
    """A worker busy with a long agreement when its run is killed stops at once, not when done."""
    script = textwrap.dedent(
        """
        import os, sys, time
        from convgen.pipeline import batch
        parent = os.getpid()
        child = os.fork()
        if child == 0:
            getattr(batch, "_die_with_parent", lambda parent: None)(parent)
            time.sleep(60)  # a long agreement
            os._exit(0)
        print(child, flush=True)
        time.sleep(60)
        """
    )
    process = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True, cwd=tmp_path)
    worker = int(process.stdout.readline())
    time.sleep(0.3)
    process.kill()
    process.wait()
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and _alive(worker):
        time.sleep(0.05)
    assert not _alive(worker)


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state not in ("Z", "X")  # a zombie is dead, waiting for init to reap it


def test_a_run_in_processes_leaves_no_worker(tmp_path: Path) -> None:
    folder = tmp_path / "classe"
    folder.mkdir()
    text = (EXAMPLES / "pfmp.yaml").read_text(encoding="utf-8")
    for number in range(400):
        (folder / f"eleve-{number:03d}.yaml").write_text(other_pupil(text, number), encoding="utf-8")
    command = [sys.executable, "-m", "convgen", "validate", str(folder), "-j", "2"]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(0.8)
    children = [int(pid) for pid in _children(process.pid)]
    process.send_signal(signal.SIGKILL)
    process.wait()
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and any(_alive(pid) for pid in children):
        time.sleep(0.05)
    assert not any(_alive(pid) for pid in children)


def _children(pid: int) -> list[str]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found.extend((task / "children").read_text().split())
        except OSError:
            pass
    return found
