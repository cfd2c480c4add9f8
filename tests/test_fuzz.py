"""Whatever the input, checking ends with findings, never with an exception."""

from __future__ import annotations

import os

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import example_text
from convgen.pipeline.checking import check_bytes

SETTINGS = settings(max_examples=int(os.environ.get("FUZZ_EXAMPLES", "150")), deadline=2000, suppress_health_check=[HealthCheck.too_slow])

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**6), 10**6),
    st.floats(allow_nan=True),
    st.text(max_size=30),
    st.dates(),
    st.sampled_from(["08:30-12:00", "2026-02-30", "01000", "no", "~", "", "24:00-25:00", "12:00-08:00"]),
)
keys = st.one_of(
    st.text(max_size=12), st.sampled_from(["kind", "version", "school", "pupil", "period", "schedule", "weekly", "monday", "start", "end"])
)
documents = st.recursive(
    scalars, lambda children: st.lists(children, max_size=4) | st.dictionaries(keys, children, max_size=5), max_leaves=25
)


def assert_clean(raw: bytes) -> None:
    result = check_bytes(raw)
    for finding in result.findings:
        assert finding.rule and finding.message
        assert finding.rule != "INTERNAL_ERROR", finding.message
        assert finding.line is None or finding.line >= 1


@SETTINGS
@given(st.binary(max_size=400))
def test_random_bytes(raw: bytes) -> None:
    assert_clean(raw)


@SETTINGS
@given(st.text(max_size=300))
def test_random_text(text: str) -> None:
    assert_clean(text.encode("utf-8", "surrogatepass"))


@SETTINGS
@given(documents)
def test_random_yaml_documents(data) -> None:
    assert_clean(yaml.safe_dump(data, allow_unicode=True).encode("utf-8", "surrogatepass"))


@SETTINGS
@given(st.sampled_from(["pfmp", "immersion"]), st.data())
def test_agreements_with_one_value_replaced(kind: str, data) -> None:
    agreement = yaml.safe_load(example_text(kind))
    node = agreement
    while isinstance(node, dict) and node:
        key = data.draw(st.sampled_from(sorted(node, key=str)))
        if not isinstance(node[key], (dict, list)) or data.draw(st.booleans()):
            node[key] = data.draw(documents)
            break
        node = node[key] if isinstance(node[key], dict) else node
        if not isinstance(node, dict):
            break
    assert_clean(yaml.safe_dump(agreement, allow_unicode=True).encode("utf-8", "surrogatepass"))


@SETTINGS
@given(
    st.lists(st.sampled_from(["08:30-12:00", "12:00-08:30", "13:30-17:00", "00:00-24:00", "09:00-09:00", "23:00-23:59"]), max_size=4),
    st.dates(),
)
def test_schedules_and_dates(slots: list[str], start) -> None:
    agreement = yaml.safe_load(example_text("pfmp"))
    agreement["schedule"]["weekly"]["monday"] = slots
    agreement["period"]["start"] = start
    assert_clean(yaml.safe_dump(agreement, allow_unicode=True).encode())


# --- The command line, end to end --------------------------------------------------------

CLI_BOUND = 5.0  # seconds per command


def _run_cli(*args: str):
    import time

    from conftest import Cli

    started = time.perf_counter()
    result = Cli()(*args)
    assert time.perf_counter() - started < CLI_BOUND, args
    # typer.Exit ends as SystemExit; anything else escaped convgen's error handling.
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output and "erreur interne" not in result.output, result.output
    return result


def assert_cli_clean(raw: bytes) -> None:
    import json
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "agreement.yaml"
        source.write_bytes(raw)
        checked = _run_cli("validate", str(source), "--format", "json")
        assert checked.exit_code in (0, 1), checked.output
        report = json.loads(checked.stdout)
        assert report["files"][0]["valid"] is (checked.exit_code == 0)
        out = Path(folder) / "out"
        rendered = _run_cli("render", str(source), "--out", str(out), "--jobs", "1")
        assert rendered.exit_code == checked.exit_code, rendered.output
        written = sorted(out.rglob("*")) if out.exists() else []
        assert len(written) == (3 if rendered.exit_code == 0 else 0), written


CLI_SETTINGS = settings(
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", "150")) // 3,
    deadline=None,  # each command is held to CLI_BOUND instead
    suppress_health_check=[HealthCheck.too_slow],
)


@CLI_SETTINGS
@given(st.binary(max_size=400))
def test_cli_on_random_bytes(raw: bytes) -> None:
    assert_cli_clean(raw)


@CLI_SETTINGS
@given(documents)
def test_cli_on_random_yaml(data) -> None:
    assert_cli_clean(yaml.safe_dump(data, allow_unicode=True).encode("utf-8", "surrogatepass"))


@CLI_SETTINGS
@given(st.sampled_from(["pfmp", "immersion"]), st.data())
def test_cli_on_agreements_with_one_value_replaced(kind: str, data) -> None:
    agreement = yaml.safe_load(example_text(kind))
    section = data.draw(st.sampled_from(sorted(agreement)))
    agreement[section] = data.draw(documents)
    assert_cli_clean(yaml.safe_dump(agreement, allow_unicode=True).encode("utf-8", "surrogatepass"))


OPTIONS = st.sampled_from(
    [
        "--format", "--lang", "--strict", "--max-size", "--shard", "--jobs", "-j", "--out", "--copies", "--report",
        "--template", "--output-format", "--force", "-o", "--kind", "--version", "-h", "--bogus",
    ]
)  # fmt: skip
VALUES = st.one_of(
    st.sampled_from(["json", "text", "github", "docx", "pdf", "en", "fr", "0", "1", "-1", "2/1", "1/2", "0/0", "x", "", "eleve", "zz"]),
    st.text(alphabet=st.characters(blacklist_categories=["Cs"], blacklist_characters="\x00"), max_size=8),
)
COMMANDS = st.sampled_from(
    [["validate"], ["render"], ["rules"], ["schema"], ["new"], ["template", "check"], ["template", "export"], ["frob"], []]
)


@settings(max_examples=int(os.environ.get("FUZZ_EXAMPLES", "150")) // 2, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(COMMANDS, st.lists(st.one_of(OPTIONS, VALUES), max_size=6))
def test_cli_on_random_command_lines(command: list[str], words: list[str]) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        previous = os.getcwd()
        os.chdir(folder)
        try:
            with open("agreement.yaml", "w", encoding="utf-8") as handle:
                handle.write(example_text("immersion"))
            result = _run_cli(*command, *words)
        finally:
            os.chdir(previous)
    assert result.exit_code in (0, 1, 2, 3), (command, words, result.output)
