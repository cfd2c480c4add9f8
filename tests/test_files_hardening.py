"""Writes that stay whole and inside their place: an agreement's copies all old or all new,
OUT's folders never left through a link, no personal data left in the temporary folder,
and the files a user names (--report, -o) written as what they are."""

from __future__ import annotations

import errno
import json
import os
import signal
import stat
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest

from conftest import EXAMPLES, example_text, other_pupil
from convgen.errors import UsageError
from convgen.output import files

COPIES = ("etablissement", "entreprise", "eleve")
TEMP_PREFIX = "convgen-"  # the system temporary folder's scratch folders: convgen-<pid>-…
LONG_AGO = time.time() - 2 * 3600  # untouched for longer than the hour a dead run's folders are kept


def write_class(folder: Path, count: int, first: int = 0) -> None:
    """eleve-0.yaml…: one pupil each; `first` gives other pupils, hence other documents, under the same names."""
    folder.mkdir(parents=True, exist_ok=True)
    text = (EXAMPLES / "pfmp.yaml").read_text(encoding="utf-8")
    for number in range(count):
        (folder / f"eleve-{number}.yaml").write_text(other_pupil(text, first + number), encoding="utf-8")


def documents(out: Path) -> dict[str, bytes]:
    return {path.relative_to(out).as_posix(): path.read_bytes() for path in sorted(out.rglob("*.docx"))}


def render(folder: str | Path, out: Path, **options):
    from convgen.pipeline.batch import Options, render_all
    from convgen.source.inputs import collect

    return render_all(collect([str(folder)], "fr"), Options(out=out, jobs=1, **options))


def fail_on(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    """os.replace fails when a new document is put in place as `name`; putting an old one back still works."""
    real = os.replace

    def replace(src, dst, *args, **kwargs):
        if str(dst).endswith(name) and not str(src).endswith(".old"):
            raise OSError(errno.EIO, os.strerror(errno.EIO), str(dst))
        return real(src, dst, *args, **kwargs)

    monkeypatch.setattr(os, "replace", replace)


# An agreement's copies: all old or all new.


@pytest.mark.parametrize("by_descriptor", [True, False], ids=["dir-fd", "by-path"])
def test_a_write_error_inside_an_agreement_leaves_its_copies_as_they_were(
    cli, workdir: Path, monkeypatch: pytest.MonkeyPatch, by_descriptor: bool
) -> None:
    """by-path: where folders cannot be opened by descriptor (Windows), the same, by path."""
    monkeypatch.setattr(files, "_BY_FD", files._BY_FD and by_descriptor)
    write_class(workdir / "classe", 3)
    assert cli("render", "classe").exit_code == 0
    old = documents(workdir / "out")
    write_class(workdir / "classe", 3, first=100)  # the same agreements, another version
    fail_on(monkeypatch, "eleve-1.entreprise.docx")  # the second copy of the second agreement
    result = cli("render", "classe", "--jobs", "1")
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    new = documents(workdir / "out")
    assert sorted(new) == sorted(old)
    for copy in COPIES:
        assert new[f"eleve-0.{copy}.docx"] != old[f"eleve-0.{copy}.docx"]  # written before the error
        assert new[f"eleve-1.{copy}.docx"] == old[f"eleve-1.{copy}.docx"]  # all three as they were
        assert new[f"eleve-2.{copy}.docx"] == old[f"eleve-2.{copy}.docx"]  # never reached
    said = " ".join(result.output.split())
    assert "impossible d'écrire « out/eleve-1.entreprise.docx »" in said
    assert "Les exemplaires de classe/eleve-1.yaml sont restés comme avant." in said
    assert "3 documents de 1 convention(s) précédente(s) ont été écrits" in said
    # What the run says it wrote is what it wrote.
    assert [line.split(" → ")[0] for line in result.stdout.splitlines() if line.startswith("✓")] == ["✓ classe/eleve-0.yaml"]
    assert not [path for path in (workdir / "out").rglob("*") if path.name.startswith(".")]


def test_a_new_agreement_whose_copy_fails_leaves_none_of_its_copies(workdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_class(workdir / "classe", 2)
    fail_on(monkeypatch, "eleve-0.eleve.docx")  # its last copy
    with pytest.raises(UsageError) as failed:
        render("classe", workdir / "out")
    assert not (workdir / "out").exists() or documents(workdir / "out") == {}
    assert "Aucun document n'a été écrit." in failed.value.message


@pytest.mark.parametrize("by_descriptor", [True, False], ids=["dir-fd", "by-path"])
def test_copies_are_put_back_where_hard_links_are_refused(workdir: Path, monkeypatch: pytest.MonkeyPatch, by_descriptor: bool) -> None:
    """Some file systems (FAT, some network shares) have no hard links: the old version is copied aside instead."""
    monkeypatch.setattr(files, "_BY_FD", files._BY_FD and by_descriptor)
    write_class(workdir / "classe", 1)
    render("classe", workdir / "out")
    old = documents(workdir / "out")
    (workdir / "out" / "eleve-0.etablissement.docx").unlink()
    (workdir / "out" / "eleve-0.etablissement.docx").symlink_to("eleve-0.entreprise.docx")  # a link in OUT is put back as a link
    write_class(workdir / "classe", 1, first=100)

    def no_link(*args, **kwargs):
        raise OSError(errno.EPERM, os.strerror(errno.EPERM))

    monkeypatch.setattr(os, "link", no_link)
    fail_on(monkeypatch, "eleve-0.eleve.docx")
    with pytest.raises(UsageError):
        render("classe", workdir / "out")
    assert os.readlink(workdir / "out" / "eleve-0.etablissement.docx") == "eleve-0.entreprise.docx"
    for copy in ("entreprise", "eleve"):
        assert (workdir / "out" / f"eleve-0.{copy}.docx").read_bytes() == old[f"eleve-0.{copy}.docx"]
    assert not [path for path in (workdir / "out").rglob("*") if path.name.startswith(".")]


# OUT's folders: never left through a link, even one swapped in during the run.


def test_a_folder_that_becomes_a_link_during_the_run_is_refused(workdir: Path) -> None:
    elsewhere = workdir / "elsewhere"
    elsewhere.mkdir()
    write_class(workdir / "ecole" / "classe", 2)
    (workdir / "out" / "classe").mkdir(parents=True)  # checked: a plain folder in OUT
    swapped = []

    def swap(outcome) -> None:
        # After output_path's check, before anything is put in place.
        if not swapped:
            (workdir / "out" / "classe").rename(workdir / "moved")
            (workdir / "out" / "classe").symlink_to(elsewhere, target_is_directory=True)
            swapped.append(True)

    from convgen.pipeline.batch import Options, render_all
    from convgen.source.inputs import collect

    with pytest.raises(UsageError) as refused:
        render_all(collect(["ecole"], "fr"), Options(out=workdir / "out", jobs=1), checked=swap)
    assert "hors du dossier de sortie" in refused.value.message
    assert list(elsewhere.iterdir()) == []
    assert list((workdir / "moved").iterdir()) == []


def test_a_document_written_whole_into_out_does_not_follow_a_folder_link(workdir: Path) -> None:
    """PDFs are written with write_atomic: within a run, through OUT's folders too."""
    elsewhere = workdir / "elsewhere"
    elsewhere.mkdir()
    out = workdir / "out"
    files.new_run(out)
    try:
        files.write_atomic(out / "classe" / "a.pdf", b"%PDF-1.7")
        (out / "classe").rename(workdir / "moved")
        (out / "autre").symlink_to(elsewhere, target_is_directory=True)
        with pytest.raises(UsageError, match="hors du dossier de sortie"):
            files.write_atomic(out / "autre" / "b.pdf", b"%PDF-1.7")
    finally:
        files.end_run()
    assert list(elsewhere.iterdir()) == []
    assert (workdir / "moved" / "a.pdf").read_bytes() == b"%PDF-1.7"


def test_links_the_user_made_inside_out_and_to_out_are_followed(workdir: Path) -> None:
    real_out = workdir / "real-out"
    (real_out / "2026").mkdir(parents=True)
    (workdir / "out").symlink_to(real_out, target_is_directory=True)  # --out itself: the user's choice
    (real_out / "classe").symlink_to(real_out / "2026", target_is_directory=True)  # a folder of OUT to another
    write_class(workdir / "ecole" / "classe", 1)
    outcomes = render("ecole", workdir / "out")
    assert [len(outcome.outputs) for outcome in outcomes] == [3]
    assert sorted(path.name for path in (real_out / "2026").iterdir()) == [f"eleve-0.{copy}.docx" for copy in sorted(COPIES)]


# The system's temporary folder: nothing left by a killed run.


def test_temporary_folders_of_dead_runs_are_removed_at_the_next_run(cli, workdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    temporary = workdir / "tmp"
    temporary.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temporary))
    dead = temporary / f"{TEMP_PREFIX}999999999-abcd1234"
    live = temporary / f"{TEMP_PREFIX}{os.getpid()}-abcd1234"
    recent = temporary / f"{TEMP_PREFIX}999999998-abcd1234"  # a run in another container, perhaps
    unnamed = temporary / f"{TEMP_PREFIX}abcd1234"  # not ours to judge: no pid
    for folder in (dead, live, recent, unnamed):
        folder.mkdir()
        (folder / ".eleve-0.eleve.docx.1.tmp").write_bytes(b"personal data")
    for folder in (dead, live, unnamed):
        os.utime(folder, (LONG_AGO, LONG_AGO))
    write_class(workdir / "classe", 1)
    assert cli("render", "classe").exit_code == 0
    assert sorted(path.name for path in temporary.iterdir()) == sorted(folder.name for folder in (live, recent, unnamed))


def test_temporary_folders_are_named_after_their_run(workdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import convgen.documents.pdf as pdf
    import convgen.pipeline.batch as batch

    seen: list[str] = []
    monkeypatch.setattr(pdf, "find_soffice", lambda *args, **kwargs: "soffice")
    monkeypatch.setattr(
        batch, "_convert", lambda outcomes, staging, *rest: seen.extend([staging.name, *(p.name for p in files._scratch.values())])
    )
    write_class(workdir / "classe", 1)
    render("classe", workdir / "out", format="pdf")
    assert seen and all(name.startswith(f"{TEMP_PREFIX}{os.getpid()}-") for name in seen), seen


def test_a_run_killed_with_sigkill_leaves_its_temporary_folder_to_the_next_run(cli, workdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    temporary = workdir / "tmp"
    temporary.mkdir()
    write_class(workdir / "classe", 300)
    env = {**os.environ, "TMPDIR": str(temporary)}
    process = subprocess.Popen(
        [sys.executable, "-m", "convgen", "render", "classe", "-j", "1"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 30
    while not any(folder.is_dir() and any(folder.iterdir()) for folder in temporary.glob(f"{TEMP_PREFIX}*")):
        assert process.poll() is None and time.monotonic() < deadline, "the run ended before it staged a document"
        time.sleep(0.02)
    process.send_signal(signal.SIGKILL)  # documents staged: personal data in the temporary folder
    process.wait(timeout=30)
    (left,) = temporary.iterdir()
    assert left.name.startswith(f"{TEMP_PREFIX}{process.pid}-") and any(left.iterdir())
    monkeypatch.setattr(tempfile, "tempdir", str(temporary))
    for path in sorted((workdir / "classe").iterdir())[1:]:
        path.unlink()  # the next run: one agreement, soon done
    assert cli("render", "classe").exit_code == 0
    assert left.exists()  # left for an hour: the pid of a run in another container means nothing here
    os.utime(left, (LONG_AGO, LONG_AGO))
    assert cli("render", "classe").exit_code == 0
    assert list(temporary.iterdir()) == []


# Files the user names: written as what they are, never replaced by another kind.


def _node(path: Path, kind: int, device: tuple[int, int]) -> None:
    try:
        os.mknod(path, kind | 0o666, os.makedev(*device))
    except (PermissionError, AttributeError):
        pytest.skip("making device nodes needs root (and a system that has them)")


@pytest.mark.parametrize(
    "command",
    [
        ("schema", "pfmp", "-o"),
        ("new", "pfmp", "-o"),
        ("template", "export", "pfmp", "-o"),
        ("render", "seul.yaml", "--out", "out", "--report"),
    ],
    ids=["schema", "new", "template-export", "render-report"],
)
def test_a_character_device_is_written_through_not_replaced(cli, workdir: Path, command: tuple[str, ...]) -> None:
    """/dev/null as root: replacing it would break the whole system. A node of the same
    device (1, 3: null) made here stands for it, so that no test can ever replace the real one."""
    (workdir / "seul.yaml").write_text(example_text("immersion"), encoding="utf-8")
    null = workdir / "null"
    _node(null, stat.S_IFCHR, (1, 3))
    before = os.stat(null, follow_symlinks=False)
    result = cli(*command, str(null))
    assert result.exit_code == 0, result.output
    after = os.stat(null, follow_symlinks=False)
    assert stat.S_ISCHR(after.st_mode) and after.st_rdev == before.st_rdev and after.st_ino == before.st_ino


def test_a_fifo_is_written_through_as_a_shell_redirection_does(cli, workdir: Path) -> None:
    fifo = workdir / "pipe"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()), daemon=True)
    reader.start()
    result = cli("schema", "pfmp", "-o", str(fifo))
    reader.join(timeout=10)
    assert result.exit_code == 0, result.output
    assert stat.S_ISFIFO(os.stat(fifo, follow_symlinks=False).st_mode)
    assert json.loads(received[0])["$schema"]


def test_a_link_stays_and_what_it_leads_to_is_written(cli, workdir: Path) -> None:
    (workdir / "schemas").mkdir()
    (workdir / "schemas" / "pfmp.json").write_text("old")
    (workdir / "current.json").symlink_to("schemas/pfmp.json")
    (workdir / "new.json").symlink_to("schemas/new.json")  # dangling, into a folder that exists
    for link in ("current.json", "new.json"):
        result = cli("schema", "pfmp", "-o", link)
        assert result.exit_code == 0, result.output
        assert (workdir / link).is_symlink()
        assert json.loads((workdir / link).read_text())["$schema"]
    assert cli("new", "pfmp", "-o", "current.json", "--force").exit_code == 0
    assert (workdir / "current.json").is_symlink() and "pupil" in (workdir / "schemas" / "pfmp.json").read_text()


def test_a_link_into_a_missing_folder_is_refused(cli, workdir: Path) -> None:
    (workdir / "report.json").symlink_to(workdir / "gone" / "report.json")
    result = cli("schema", "pfmp", "-o", "report.json")
    assert result.exit_code == 2, result.output
    assert "est un lien symbolique vers" in result.output and "dont le dossier n'existe pas" in result.output
    assert (workdir / "report.json").is_symlink() and not (workdir / "gone").exists()


def test_a_block_device_a_socket_or_a_link_loop_is_refused(cli, workdir: Path) -> None:
    import socket

    (workdir / "loop").symlink_to("loop")
    with socket.socket(socket.AF_UNIX) as server:
        server.bind(str(workdir / "sock"))
        for name, said in (("loop", "ne mène à aucun fichier"), ("sock", "est une socket")):
            result = cli("schema", "pfmp", "-o", name)
            assert result.exit_code == 2 and said in result.output, result.output
        assert stat.S_ISSOCK(os.stat(workdir / "sock").st_mode)
    assert (workdir / "loop").is_symlink()
    _node(workdir / "disk", stat.S_IFBLK, (7, 0))
    result = cli("schema", "pfmp", "-o", "disk")
    assert result.exit_code == 2 and "périphérique de stockage" in result.output, result.output
    assert stat.S_ISBLK(os.stat(workdir / "disk").st_mode)


def test_a_campaign_is_not_written_to_a_stream(cli, workdir: Path) -> None:
    fifo = workdir / "pipe"
    os.mkfifo(fifo)
    result = cli("new", "campaign", "-o", str(fifo))
    assert result.exit_code == 2 and "deux fichiers" in result.output
    assert sorted(path.name for path in workdir.iterdir()) == ["pipe"]


def test_folders_opened_for_a_run_are_few_and_closed_after_it(workdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(files, "MAX_OPEN_FOLDERS", 2)  # five folders (OUT, four classes): the cache starts again
    for number, name in enumerate(("a", "b", "c", "d")):
        write_class(workdir / "ecole" / name, 2, first=10 * number)
    opened = len(os.listdir("/proc/self/fd")) if Path("/proc/self/fd").is_dir() else None
    outcomes = render("ecole", workdir / "out")
    assert sum(len(outcome.outputs) for outcome in outcomes) == 24
    assert len(documents(workdir / "out")) == 24
    if opened is not None:
        assert len(os.listdir("/proc/self/fd")) == opened
