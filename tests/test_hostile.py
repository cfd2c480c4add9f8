"""The hostile corpus (hostile/cases.yaml): every broken or malicious input ends with the
exit code of cli.md, a finding that says what is wrong, no traceback, no file left
behind, and within a few seconds."""

from __future__ import annotations

import json
import time
from pathlib import Path

import docx
import pytest
import yaml

from conftest import example_text

CASES = yaml.safe_load((Path(__file__).parent / "hostile" / "cases.yaml").read_text(encoding="utf-8"))
TIME_BOUND = 5.0  # seconds per command, on a slow shared machine


def build(case: dict) -> bytes:
    if "base" in case:
        text = example_text(case["base"])
        value = case.get("value")
        for old, new in case.get("replace", []):
            assert text.count(old) == 1, f"{case['name']}: {old!r} occurs {text.count(old)} times"
            if value is not None:
                new = new.replace("VALUE", value["repeat"] * value["times"])
            text = text.replace(old, new)
    elif "text" in case:
        text = case["text"]
    else:
        text = "".join("".join(part.format(i=i) for i in range(times)) if "{i}" in part else part * times for part, times in case["parts"])
    if case.get("crlf"):
        text = text.replace("\n", "\r\n")
    text = case.get("prefix", "") + text
    return text.encode(case.get("encoding", "utf-8"), "surrogatepass")


def document_text(path: Path) -> str:
    document = docx.Document(path)
    texts = [paragraph.text for paragraph in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            texts.extend(cell.text for cell in row.cells)
    return "\n".join(texts)


def timed(cli, *args: str):
    started = time.perf_counter()
    result = cli(*args)
    elapsed = time.perf_counter() - started
    assert elapsed < TIME_BOUND, f"convgen {' '.join(args)} took {elapsed:.1f} s"
    assert "Traceback" not in result.output and "erreur interne" not in result.output, result.output
    return result


def test_every_case_is_well_formed() -> None:
    names = [case["name"] for case in CASES]
    assert len(names) == len(set(names)) >= 30
    for case in CASES:
        assert case["exit"] in (0, 1, 2)
        assert ("rule" in case) == (case["exit"] == 1), case["name"]
        assert ("prints" in case) == (case["exit"] == 0), case["name"]


@pytest.mark.parametrize("case", CASES, ids=[case["name"] for case in CASES])
def test_hostile_input(cli, workdir: Path, case: dict) -> None:
    source = workdir / f"{case['name']}.yaml"
    source.write_bytes(build(case))

    checked = timed(cli, "validate", source.name, "--format", "json")
    assert checked.exit_code == case["exit"], checked.output
    report = json.loads(checked.stdout)
    findings = report["files"][0]["findings"]
    if case["exit"] == 1:
        assert report["files"][0]["valid"] is False
        matching = [f for f in findings if f["rule"] == case["rule"] and case.get("says", "") in f["message"]]
        assert matching, json.dumps(findings, ensure_ascii=False, indent=1)[:3000]
        for finding in findings:
            assert len(finding["message"]) < 600  # a value is quoted, never reproduced whole
            assert finding["line"] is None or finding["line"] >= 1

    rendered = timed(cli, "render", source.name, "--out", "out", "--jobs", "1")
    assert rendered.exit_code == case["exit"], rendered.output
    written = sorted((workdir / "out").rglob("*")) if (workdir / "out").exists() else []
    if case["exit"] != 0:
        assert written == []
    else:
        assert len(written) == 3
        for path in written:
            assert case["prints"] in document_text(path)


@pytest.mark.parametrize(
    "stem",
    ["-rf", "..", "...", "CON", "a:b*c?", "classe 2\nB", "é" * 120, "x" * 250, " espace ", ".cache"],
)
def test_hostile_input_names_write_inside_out(cli, workdir: Path, stem: str) -> None:
    folder = workdir / "in"
    folder.mkdir()
    try:
        (folder / f"{stem}.yaml").write_text(example_text("immersion"), encoding="utf-8")
    except OSError:
        pytest.skip("this file system refuses the name itself")
    result = timed(cli, "render", f"in/{stem}.yaml", "--out", "out")
    assert result.exit_code == 0, result.output
    written = [path for path in (workdir / "out").rglob("*") if path.is_file()]
    assert len(written) == 3
    for path in written:
        assert path.resolve().is_relative_to((workdir / "out").resolve())
        assert len(path.name.encode()) <= 255 and "\n" not in path.name and not path.name.startswith(".")
    assert sorted(path.name for path in workdir.iterdir()) == ["in", "out"]


def test_a_link_out_of_a_scanned_folder_is_reported_not_read(cli, workdir: Path) -> None:
    secret = workdir.parent / f"{workdir.name}-secret.yaml"
    secret.write_text("token: s3cr3t-value\n  broken: [\n", encoding="utf-8")
    folder = workdir / "classe"
    (folder / "sub").mkdir(parents=True)
    (folder / "ok.yaml").write_text(example_text("immersion"), encoding="utf-8")
    (folder / "sub" / "inside.yaml").symlink_to(workdir / "other.yaml")
    (workdir / "other.yaml").write_text(example_text("immersion"), encoding="utf-8")
    (folder / "leak.yaml").symlink_to(secret)
    (folder / "sub" / "fine.yaml").symlink_to(folder / "ok.yaml")  # a link within the folder is read (once)
    for args in (["validate", "classe"], ["validate", "classe/**/*.yaml"], ["render", "classe"]):
        result = timed(cli, *args)
        assert result.exit_code == 1, result.output
        assert "s3cr3t" not in result.output
        assert "classe/leak.yaml" in result.output and "classe/sub/inside.yaml" in result.output
        assert result.output.count("hors du dossier parcouru") == 2
    assert sorted(path.name for path in (workdir / "out").rglob("*.docx")) == ["ok.envoi.docx", "ok.hote.docx", "ok.travailleur.docx"]
    named = timed(cli, "validate", str(secret))  # named on the command line: the user's choice, read
    assert named.exit_code == 1 and "YAML_SYNTAX" in named.output


def test_every_test_that_docs_security_names_exists() -> None:
    """docs/SECURITY.md gives each guarantee with the test that holds it: a renamed or removed
    test must not leave a guarantee that nothing holds any more."""
    import re

    root = Path(__file__).resolve().parents[1]
    text = (root / "docs" / "SECURITY.md").read_text(encoding="utf-8")
    named = set(re.findall(r"`(?:tests/[\w/]+\.py::)?(test_\w+)", text))
    sources = "\n".join(path.read_text(encoding="utf-8") for path in (root / "tests").glob("test_*.py"))
    assert len(named) >= 50
    assert [name for name in sorted(named) if not re.search(rf"def {name}\w*\(", sources)] == []
