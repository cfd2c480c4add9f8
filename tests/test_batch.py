"""Many inputs at once: processes, input order, shards, the report, CI output, terminals."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import example_text, other_pupil, replace_once

LONG_DAY = ("    monday:    [08:30-12:00, 13:30-17:00]", "    monday:    [08:00-12:00, 13:00-17:01]")


def make_class(folder: Path, count: int, invalid: set[int] = frozenset(), first: int = 0) -> list[Path]:
    """`count` PFMP agreements named pupil000.yaml…; those in `invalid` have an 8 h 01 Monday."""
    folder.mkdir(parents=True, exist_ok=True)
    text = example_text("pfmp")
    bad = replace_once(text, *LONG_DAY)
    paths = []
    for number in range(count):
        path = folder / f"pupil{number:03d}.yaml"
        path.write_text(other_pupil(bad if number in invalid else text, first + number), encoding="utf-8")
        paths.append(path)
    return paths


def report_of(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def test_a_hundred_inputs_one_invalid_in_two_processes(cli, workdir: Path) -> None:
    make_class(workdir / "class", 100, invalid={42})
    result = cli("render", "class", "--jobs", "2", "--report", "report.json")
    assert result.exit_code == 1, result.output
    written = sorted(path.name for path in (workdir / "out").iterdir())
    assert len(written) == 99 * 3
    assert not any(name.startswith("pupil042.") for name in written)
    assert {name.split(".")[1] for name in written} == {"etablissement", "entreprise", "eleve"}
    assert "class/pupil042.yaml : non rendu" in result.stdout
    assert "MINOR_DAILY_MAX" in result.stdout
    report = report_of(workdir / "report.json")
    assert report["summary"] == {"files": 100, "valid": 99, "errors": report["summary"]["errors"], "warnings": 0, "documents": 297}
    assert report["summary"]["errors"] >= 1


def test_results_come_in_input_order_and_processes_change_no_byte(cli, workdir: Path) -> None:
    make_class(workdir / "class", 24, invalid={3, 17})
    one = cli("render", "class", "--jobs", "1", "--out", "one", "--report", "one.json")
    two = cli("render", "class", "--jobs", "2", "--out", "two", "--report", "two.json")
    assert one.exit_code == two.exit_code == 1
    paths = [entry["path"] for entry in report_of(workdir / "two.json")["files"]]
    assert paths == [f"class/pupil{number:03d}.yaml" for number in range(24)]
    assert [line for line in two.stdout.splitlines() if line.startswith(("✓", "class/"))] == [
        line.replace("one/", "two/") for line in one.stdout.splitlines() if line.startswith(("✓", "class/"))
    ]
    names = sorted(path.name for path in (workdir / "one").iterdir())
    assert names == sorted(path.name for path in (workdir / "two").iterdir()) and len(names) == 22 * 3
    for name in names:
        assert (workdir / "one" / name).read_bytes() == (workdir / "two" / name).read_bytes(), name


def test_validate_in_two_processes_says_what_one_process_says(cli, workdir: Path) -> None:
    make_class(workdir / "class", 30, invalid={4, 29})
    outputs = {}
    for jobs in ("1", "2"):
        for format in ("text", "json", "github"):
            result = cli("validate", "class", "--jobs", jobs, "--format", format)
            assert result.exit_code == 1, result.output
            outputs[jobs, format] = result.stdout
    for format in ("text", "json", "github"):
        assert outputs["1", format] == outputs["2", format], format
    report = json.loads(outputs["2", "json"])
    assert [entry["path"] for entry in report["files"]] == [f"class/pupil{number:03d}.yaml" for number in range(30)]
    assert [entry["path"] for entry in report["files"] if not entry["valid"]] == ["class/pupil004.yaml", "class/pupil029.yaml"]
    assert not (workdir / "out").exists()


def test_the_report_holds_findings_outputs_and_the_run(cli, workdir: Path) -> None:
    make_class(workdir / "class", 3, invalid={1})
    result = cli("render", "class", "--report", "out/report.json", "--copies", "etablissement,eleve")
    assert result.exit_code == 1
    report = report_of(workdir / "out" / "report.json")
    assert report["convgen"] and report["render"] == {"format": "docx", "out": "out", "shard": None}
    good, bad, last = report["files"]
    assert good["path"] == "class/pupil000.yaml" and good["valid"] is True and good["kind"] == "pfmp"
    assert good["outputs"] == ["out/pupil000.etablissement.docx", "out/pupil000.eleve.docx"]
    assert all((workdir / output).is_file() for output in good["outputs"] + last["outputs"])
    assert bad["valid"] is False and bad["outputs"] == []
    finding = next(f for f in bad["findings"] if f["rule"] == "MINOR_DAILY_MAX")
    assert finding["severity"] == "error" and finding["field"] == "schedule.weekly.monday"
    assert finding["line"] == example_text("pfmp").splitlines().index(LONG_DAY[0]) + 1
    assert finding["article"] and finding["date"]
    assert report["summary"]["documents"] == 4 and report["summary"]["valid"] == 2


def test_the_report_is_the_validate_report_plus_outputs(cli, workdir: Path) -> None:
    make_class(workdir / "class", 3, invalid={2})
    cli("render", "class", "--report", "render.json")
    validated = json.loads(cli("validate", "class", "--format", "json").stdout)
    rendered = report_of(workdir / "render.json")
    for entry in rendered["files"]:
        entry.pop("outputs")
    rendered["summary"].pop("documents")
    rendered.pop("render")
    assert rendered == validated


def test_json_output_is_the_report_alone(cli, workdir: Path) -> None:
    make_class(workdir / "class", 2, invalid={0})
    result = cli("render", "class", "--output-format", "json", "--report", "r.json")
    assert result.exit_code == 1
    assert json.loads(result.stdout) == report_of(workdir / "r.json")


def test_github_output_annotates_the_yaml_lines(cli, workdir: Path) -> None:
    make_class(workdir / "class", 2, invalid={1})
    result = cli("render", "class", "--output-format", "github")
    assert result.exit_code == 1
    line = example_text("pfmp").splitlines().index(LONG_DAY[0]) + 1
    annotations = [text for text in result.stdout.splitlines() if text.startswith("::error ")]
    assert any(f"file=class/pupil001.yaml,line={line}," in text and "title=MINOR_DAILY_MAX" in text for text in annotations)
    assert len(list((workdir / "out").iterdir())) == 3


@pytest.mark.parametrize("total", [1, 2, 3, 7])
def test_shards_are_disjoint_and_complete(cli, workdir: Path, total: int) -> None:
    make_class(workdir / "class", 10)
    seen: list[str] = []
    sizes = []
    for k in range(1, total + 1):
        result = cli("validate", "class", "--format", "json", "--shard", f"{k}/{total}")
        assert result.exit_code == 0
        paths = [entry["path"] for entry in json.loads(result.stdout)["files"]]
        sizes.append(len(paths))
        seen += paths
    assert sorted(seen) == [f"class/pupil{number:03d}.yaml" for number in range(10)]
    assert len(seen) == len(set(seen)) and max(sizes) - min(sizes) <= 1


def test_sharded_renders_write_what_the_whole_run_writes(cli, workdir: Path) -> None:
    make_class(workdir / "a", 3)
    make_class(workdir / "b", 3, first=3)
    assert cli("render", "a", "b", "--out", "whole", "--copies", "eleve").exit_code == 0
    for k in (1, 2):
        result = cli("render", "a", "b", "--out", "parts", "--copies", "eleve", "--shard", f"{k}/2", "--report", f"part{k}.json")
        assert result.exit_code == 0
        assert report_of(workdir / f"part{k}.json")["render"]["shard"] == f"{k}/2"
        assert len(report_of(workdir / f"part{k}.json")["files"]) == 3
    whole = sorted(p.relative_to(workdir / "whole").as_posix() for p in (workdir / "whole").rglob("*.docx"))
    parts = sorted(p.relative_to(workdir / "parts").as_posix() for p in (workdir / "parts").rglob("*.docx"))
    assert whole == parts and len(whole) == 6


def test_an_empty_shard_is_not_an_error(cli, workdir: Path) -> None:
    make_class(workdir / "class", 2)
    result = cli("render", "class", "--shard", "3/4", "--report", "r.json")
    assert result.exit_code == 0, result.output
    assert "rien à faire" in result.stdout
    assert report_of(workdir / "r.json")["files"] == []
    assert not (workdir / "out").exists()


@pytest.mark.parametrize("shard", ["0/3", "4/3", "1/0", "2", "a/b", "-1/2", "1/2/3", ""])
def test_a_bad_shard_is_a_usage_error(cli, workdir: Path, shard: str) -> None:
    make_class(workdir / "class", 2)
    for command in ("render", "validate"):
        result = cli(command, "class", "--shard", shard)
        assert result.exit_code == 2, (command, shard, result.output)
        assert "--shard" in result.stderr
    assert not (workdir / "out").exists()


def _environment(**extra: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key not in ("FORCE_COLOR", "NO_COLOR", "TTY_COMPATIBLE", "CONVGEN_LANG")}
    env.update(COLUMNS="120", TERM="xterm-256color", **extra)
    return env


def test_no_escape_sequences_without_a_terminal(workdir: Path) -> None:
    make_class(workdir / "class", 6, invalid={2})
    done = subprocess.run(
        [sys.executable, "-m", "convgen", "render", "class", "--jobs", "2"], capture_output=True, env=_environment(), timeout=120
    )
    assert done.returncode == 1
    output = done.stdout.decode() + done.stderr.decode()
    assert "\x1b" not in output
    assert sum(line.startswith("✓ class/") for line in output.splitlines()) == 5
    assert "15 documents écrits dans out." in output


@pytest.mark.skipif(sys.platform == "win32", reason="needs a pseudo-terminal")
def test_a_terminal_gets_a_progress_bar_and_a_summary_table(workdir: Path) -> None:
    import pty

    make_class(workdir / "class", 8, invalid={5})
    main, secondary = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "convgen", "render", "class"], stdout=secondary, stderr=secondary, env=_environment(), close_fds=True
    )
    os.close(secondary)
    chunks = []
    while True:
        try:
            chunk = os.read(main, 65536)
        except OSError:
            break
        if not chunk:
            break
        chunks.append(chunk)
    assert process.wait(timeout=120) == 1
    os.close(main)
    output = b"".join(chunks).decode("utf-8", "replace")
    assert "\x1b[" in output  # a terminal gets colours and the live bar
    assert "Conventions vérifiées" in output and "Documents écrits" in output and "21" in output
    assert "MINOR_DAILY_MAX" in output and "pupil005.yaml" in output
    assert "✓ class/pupil000.yaml" not in output  # the bar replaces one line per file


CI_EXAMPLES = [
    Path(__file__).resolve().parents[1] / "examples" / "ci" / name for name in (".github/workflows/convgen.yml", ".gitlab-ci.yml")
]


@pytest.mark.parametrize("path", CI_EXAMPLES, ids=lambda path: path.name)
def test_the_ci_examples_use_only_options_that_exist(cli, path: Path) -> None:
    import re

    import yaml

    text = path.read_text(encoding="utf-8")
    yaml.safe_load(text)
    commands = re.findall(r"convgen (validate|render)\b((?:[^\n]|\n\s+--)*)", text)
    assert {name for name, _ in commands} == {"validate", "render"}
    for name, arguments in commands:
        known = cli(name, "--help").stdout
        for option in re.findall(r"(--[a-z-]+)", arguments):
            assert option in known, (path.name, name, option)
    assert "--shard" in text and "--report" in text and ("--format github" in text or "--format json" in text)


def test_the_examples_folder_renders_with_its_campaign(cli, workdir: Path) -> None:
    import shutil

    shutil.copytree(Path(__file__).resolve().parents[1] / "examples", workdir / "examples")
    result = cli("render", "examples", "--copies", "etablissement", "--report", "r.json")
    assert result.exit_code == 0, result.output
    paths = [entry["path"] for entry in report_of(workdir / "r.json")["files"]]
    assert "examples/campagne/campagne.yaml#martin-camille" in paths and "examples/pfmp.yaml" in paths
    assert not any(path.startswith("examples/ci/") for path in paths)  # the CI files are hidden: never taken for agreements


def test_the_campaign_example_is_the_starter() -> None:
    from importlib import resources

    root = Path(__file__).resolve().parents[1] / "examples" / "campagne"
    for name in ("campagne.yaml", "eleves.csv"):
        assert (root / name).read_bytes() == resources.files("convgen").joinpath("starters", name).read_bytes(), name


def test_worker_processes_leave_no_scratch_folder_behind(workdir: Path) -> None:
    make_class(workdir / "classe", 40)
    scratch = workdir / "tmp"
    scratch.mkdir()
    done = subprocess.run(
        [sys.executable, "-m", "convgen", "render", "classe", "--jobs", "2"],
        cwd=workdir,
        env=_environment(TMPDIR=str(scratch)),
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    assert len(list((workdir / "out").glob("*.docx"))) == 120
    assert list(scratch.iterdir()) == []
    assert not [path for path in (workdir / "out").rglob("*") if path.name.startswith(".")]


def test_documents_of_an_agreement_now_invalid_are_pointed_out(cli, workdir: Path) -> None:
    make_class(workdir / "class", 2)
    assert cli("render", "class").exit_code == 0
    (workdir / "class" / "pupil001.yaml").write_text(replace_once(example_text("pfmp"), *LONG_DAY), encoding="utf-8")
    result = cli("render", "class", "--report", "report.json")
    assert result.exit_code == 1
    stale = ["out/pupil001.etablissement.docx", "out/pupil001.entreprise.docx", "out/pupil001.eleve.docx"]
    assert "ne les faites pas signer : " + ", ".join(stale) in result.stdout
    files = report_of(workdir / "report.json")["files"]
    assert files[1]["stale"] == stale and "stale" not in files[0]
    assert all((workdir / path).exists() for path in stale)  # said, never removed
