"""What reaches a terminal: text from input shown escaped, never obeyed; a reader that goes
away (`| head`) silences the output, not the work; an internal error has an exit code of its own."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from conftest import example_text, other_pupil, replace_once
from convgen.cli.report import dumps, finding_text, github_line
from convgen.cli.terminal import visible
from convgen.errors import INTERNAL_EXIT
from convgen.findings import Finding, Severity
from convgen.pipeline.checking import FileResult
from convgen.source.reader import SourceMap

# What a terminal acts upon: ESC (clear screen, retitle the window), BEL, a lone CR (the
# cursor back over the line), DEL, C1 controls (CSI in one character), line separators,
# bidirectional overrides and isolates. (A newline from input, which would forge a line of
# output, is checked where output is one line.)
OBEYED = ["\x1b", "\x07", "\r", "\x00", "\x7f", "\x85", "\x9b", "\u2028", "\u202e", "\u2066"]


def obeys(text: str) -> list[str]:
    return [char for char in OBEYED if char in text]


@pytest.mark.parametrize(
    ("given", "shown"),
    [
        ("\x1b[2J", "\\x1b[2J"),
        ("a\rb", "a\\rb"),
        ("a\nb\tc", "a\\nb\\tc"),
        ("\x07\x00\x7f", "\\x07\\x00\\x7f"),
        ("\x9b2J \x85", "\\x9b2J \\x85"),
        ("Lyon \u202e7e \u2066x\u2069", "Lyon \\u202e7e \\u2066x\\u2069"),
        ("a\u2028b", "a\\u2028b"),
        ("caf\udce9.yaml", "caf\\xe9.yaml"),  # a file name that is not UTF-8: its byte
    ],
)
def test_visible_escapes_what_a_terminal_acts_upon(given: str, shown: str) -> None:
    assert visible(given) == shown
    assert not obeys(visible(given)) and "\n" not in visible(given)


def test_visible_keeps_letters_of_every_script() -> None:
    for text in ("Lycée Marcel Sembat", "مريم بن علي\u200f", "名前", "« 8 h 00 »", "C:\\x1b as typed"):
        assert visible(text) is text


def _result(path: str, line: str, column: int, end: int, message: str, label: str | None = None) -> tuple[FileResult, Finding]:
    finding = Finding("SCHEMA", Severity.ERROR, message, field="host.address.city", line=1, column=column, end_column=end)
    return FileResult(path=path, findings=[finding], source=SourceMap(lines=[line]), label=label), finding


def test_a_finding_quotes_its_line_escaped_and_the_caret_follows() -> None:
    line = '  city: "\x1b]0;x\x07Ly\u202eon"  # \x1b[2J'
    column = line.index("L") + 1
    result, finding = _result("a\x1b[31m.yaml", line, column, column + 5, "« Ly\u202eon » refusé", label="row\x9b")
    text = finding_text(result, finding, "fr").plain
    assert not obeys(text), repr(text)
    assert "a\\x1b[31m.yaml:1:" in text and "row\\x9b › " in text and "« Ly\\u202eon »" in text
    quoted, caret = text.splitlines()[1:3]
    assert quoted.endswith('  city: "\\x1b]0;x\\x07Ly\\u202eon"  # \\x1b[2J')
    start = caret.index("^")
    assert quoted[start:].startswith("Ly\\u202eon") and caret[start:] == "^" * len("Ly\\u202eon")


def test_github_annotations_escape_controls_and_then_as_github_does() -> None:
    result, finding = _result("dir,x:y\x1b[2J\n.yaml", "city: x", 7, 8, "100 % refusé\r\n::error::forged \u202e")
    line = github_line(result, finding)
    # One line: a newline in a message would start a workflow command of its own.
    assert not obeys(line) and "\n" not in line, repr(line)
    assert line.startswith("::error file=dir%2Cx%3Ay\\x1b[2J\\n.yaml,line=1,col=7,title=SCHEMA::")
    assert line.endswith("100 %25 refusé\\r\\n::error::forged \\u202e")


def test_the_json_report_escapes_what_json_dumps_leaves_and_reads_back_the_same() -> None:
    report = {"path": "caf\udce9.yaml", "message": "\x1b[2J \x9b \u202e \u2028 Lycée"}
    text = dumps(report)
    assert not obeys(text) and "Lycée" in text
    text.encode("utf-8")  # a lone surrogate could not be written to stdout
    assert json.loads(text) == report


def _refused(text: str, old: str, new: str) -> str:
    return replace_once(text, old, new)


def test_validate_shows_quoted_lines_values_and_names_escaped(cli, workdir: Path) -> None:
    text = example_text("pfmp")
    # A comment line a finding quotes (a raw ESC is itself refused by YAML, on line 1).
    (workdir / "comment.yaml").write_text("# \x1b[2J\x1b]0;owned\x07\n" + text, encoding="utf-8")
    # A bidi override in a value and its comment, refused, on the quoted line.
    (workdir / "bidi.yaml").write_text(_refused(text, "    city: Lyon\n", "    city: Lyon \u202e7e  # \u202e\n"), encoding="utf-8")
    # A value YAML decodes to controls (double-quoted escapes), quoted in the message.
    (workdir / "value.yaml").write_text(_refused(text, "start: 2026-01-12", 'start: "\\e[2J\\x9b\\r"'), encoding="utf-8")
    # A file name holding ESC and a newline.
    (workdir / "x\x1b[31m\nname.yaml").write_text(_refused(text, "    city: Lyon\n", '    city: ""\n'), encoding="utf-8")
    for format in ("text", "github", "json"):
        result = cli("validate", ".", "--format", format)
        assert result.exit_code == 1, result.output
        assert not obeys(result.stdout) and not obeys(result.stderr), (format, result.stdout)
        assert "Traceback" not in result.output and "erreur interne" not in result.output
        if format == "json":
            files = json.loads(result.stdout)["files"]
            assert {entry["path"] for entry in files} == {"bidi.yaml", "comment.yaml", "value.yaml", "x\x1b[31m\nname.yaml"}
            continue
        assert ("x\\x1b[31m\\nname.yaml:" if format == "text" else "file=x\\x1b[31m\\nname.yaml,") in result.stdout
        if format == "text":
            assert "| # \\x1b[2J\\x1b]0;owned\\x07" in result.stdout
            assert "|     city: Lyon \\u202e7e  # \\u202e" in result.stdout
        assert "\\x1b[2J\\x9b\\r" in result.stdout  # the value, in the message


def test_a_campaign_cell_and_its_csv_line_are_shown_escaped(cli, workdir: Path) -> None:
    assert cli("new", "campaign").exit_code == 0
    table = workdir / "eleves.csv"
    data = table.read_bytes()
    assert data.count(b"14/09/2010") == 1
    table.write_bytes(data.replace(b"14/09/2010", b"\x1b[2J14/09/2010\xc2\x9b"))
    for format in ("text", "github"):
        result = cli("validate", "campagne.yaml", "--format", format)
        assert result.exit_code == 1, result.output
        assert not obeys(result.stdout), repr(result.stdout)
        assert "\\x1b[2J14/09/2010\\x9b" in result.stdout


def test_render_lines_and_error_messages_are_shown_escaped(cli, workdir: Path) -> None:
    name = "élève\x1b[2J\r.yaml"
    (workdir / name).write_text(example_text("pfmp"), encoding="utf-8")
    result = cli("render", name, "--out", "out")
    assert result.exit_code == 0, result.output
    assert not obeys(result.stdout) and "✓ élève\\x1b[2J\\r.yaml → out/élève" in result.stdout
    assert len(list((workdir / "out").iterdir())) == 3
    bad = replace_once(example_text("pfmp"), "    city: Lyon\n", '    city: ""\n')
    (workdir / name).write_text(bad, encoding="utf-8")
    result = cli("render", name, "--out", "out")
    assert result.exit_code == 1
    assert not obeys(result.stdout) and "élève\\x1b[2J\\r.yaml : non rendu" in result.stdout
    # What convgen says of the command line: a missing file, a wrong option value.
    missing = cli("validate", "missing\x1b]0;x\x07.yaml")
    assert missing.exit_code == 2 and not obeys(missing.stderr) and "missing\\x1b]0;x\\x07.yaml" in missing.stderr
    option = cli("validate", name, "--format", "\x1b[2J")
    assert option.exit_code == 2 and not obeys(option.stderr) and "\\x1b[2J" in option.stderr, option.stderr


# A closed stdout: the run goes on, silently, to its end and its own exit code.


def _environment() -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key not in ("FORCE_COLOR", "NO_COLOR", "TTY_COMPATIBLE", "CONVGEN_LANG")}
    env["COLUMNS"] = "120"
    return env


def _class(folder: Path, count: int, invalid: int | None = None) -> None:
    folder.mkdir()
    text = example_text("pfmp")
    for number in range(count):
        agreement = other_pupil(text, number)
        if number == invalid:
            agreement = replace_once(agreement, "    city: Lyon\n", '    city: ""\n')
        (folder / f"pupil{number:03d}.yaml").write_text(agreement, encoding="utf-8")


def _closed_early(args: list[str], cwd: Path, read: int = 0) -> tuple[int, bytes]:
    """Runs convgen with a stdout whose reader reads `read` bytes and goes (`| head -c`)."""
    process = subprocess.Popen(
        [sys.executable, "-m", "convgen", *args], cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=_environment()
    )
    assert process.stdout is not None and process.stderr is not None
    if read:
        process.stdout.read(read)
    process.stdout.close()
    stderr = process.stderr.read()
    return process.wait(timeout=120), stderr


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_render_into_a_closed_pipe_writes_everything_and_exits_quietly(workdir: Path, jobs: str) -> None:
    _class(workdir / "class", 12, invalid=5)
    code, stderr = _closed_early(["render", "class", "--out", "out", "--jobs", jobs, "--report", "report.json"], workdir)
    assert stderr == b"" and code == 1  # the run's own code: one agreement has an error
    assert len(list((workdir / "out").glob("pupil*.docx"))) == 11 * 3
    report = json.loads((workdir / "report.json").read_text(encoding="utf-8"))
    assert report["summary"] == {"files": 12, "valid": 11, "errors": 1, "warnings": 0, "documents": 33}


def test_validate_into_a_pipe_closed_mid_output_exits_with_the_run_code(workdir: Path) -> None:
    # More findings than a pipe holds (64 KiB): the reader goes while convgen still writes.
    folder = workdir / "class"
    folder.mkdir()
    bad = replace_once(example_text("pfmp"), "    city: Lyon\n", '    city: ""\n')
    for number in range(400):
        (folder / f"pupil{number:03d}.yaml").write_text(other_pupil(bad, number), encoding="utf-8")
    code, stderr = _closed_early(["validate", "class", "--jobs", "1"], workdir, read=1)
    assert stderr == b"" and code == 1
    valid = workdir / "valid.yaml"
    valid.write_text(example_text("pfmp"), encoding="utf-8")
    for format in ("text", "json"):
        code, stderr = _closed_early(["validate", "valid.yaml", "--format", format], workdir)
        assert stderr == b"" and code == 0, format


# Internal errors: exit 70, the kind of error named, no traceback.


def test_an_internal_error_exits_70_with_its_kind(cli, workdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import convgen.pipeline.run

    def broken(*args: object, **kwargs: object) -> None:
        raise LookupError("a bug")

    (workdir / "agreement.yaml").write_text(example_text("pfmp"), encoding="utf-8")
    monkeypatch.setattr(convgen.pipeline.run, "check_all", broken)
    monkeypatch.setattr(convgen.pipeline.run, "render_all", broken)
    for command in ("validate", "render"):
        result = cli(command)
        assert result.exit_code == INTERNAL_EXIT == 70, result.output
        assert "erreur interne (LookupError)" in result.stderr and "CONVGEN_DEBUG=1" in result.stderr
        assert "Traceback" not in result.output


def test_a_run_where_convgen_failed_on_one_input_ends_with_70() -> None:
    from convgen.pipeline.report import exit_code

    valid = FileResult("a.yaml")
    invalid = FileResult("b.yaml", [Finding("SCHEMA", Severity.ERROR, "texte vide")])
    failed = FileResult("c.yaml", [Finding("INTERNAL_ERROR", Severity.ERROR, "erreur interne de convgen (KeyError)")])
    warned = FileResult("d.yaml", [Finding("SCHEMA", Severity.WARNING, "…")])
    assert exit_code([valid, warned]) == 0 and exit_code([valid, warned], strict=True) == 1
    assert exit_code([valid, invalid]) == 1
    assert exit_code([valid, invalid, failed]) == exit_code([failed]) == INTERNAL_EXIT


_INJECTED = textwrap.dedent(
    """
    import os, sys
    import convgen.pipeline.batch as batch
    import convgen.cli as cli
    import convgen.cli.usage as usage

    parent = os.getpid()
    where = sys.argv.pop(1)
    original = batch._Worker.__call__

    def in_worker(self, job):
        if os.getpid() != parent:
            raise LookupError("a bug in a worker")
        return original(self, job)

    def in_parser(*args):
        raise LookupError("a bug in the option parser")

    class Unpicklable(Exception):
        def __init__(self, first, second):  # pickle calls it with one argument: it cannot come back
            super().__init__(first)

    def unpicklable(self, job):
        if os.getpid() != parent:
            raise Unpicklable("a bug", "in a worker")
        return original(self, job)

    if where == "worker":
        batch._Worker.__call__ = in_worker
    elif where == "unpicklable":
        batch._Worker.__call__ = unpicklable
    else:
        usage._in_french = in_parser
    sys.argv[0] = "convgen"
    cli.main()
    """
)


@pytest.mark.parametrize(
    ("where", "args"),
    [
        ("worker", ["render", "class", "--jobs", "2"]),
        ("worker", ["validate", "class", "--jobs", "2"]),
        ("unpicklable", ["render", "class", "--jobs", "2"]),
        ("parser", ["validate", "--nope"]),
    ],
)
def test_an_internal_error_in_a_worker_or_outside_a_command_exits_70(workdir: Path, where: str, args: list[str]) -> None:
    import multiprocessing

    if where == "worker" and "fork" not in multiprocessing.get_all_start_methods():
        pytest.skip("the fault is injected in the parent and inherited by forked workers")
    _class(workdir / "class", 12)
    done = subprocess.run(
        [sys.executable, "-c", _INJECTED, where, *args], cwd=workdir, capture_output=True, env=_environment(), timeout=120
    )
    stderr = done.stderr.decode()
    assert done.returncode == INTERNAL_EXIT, (done.returncode, stderr)
    kind = "Unpicklable" if where == "unpicklable" else "LookupError"
    assert f"erreur interne ({kind})" in stderr and "Traceback" not in stderr, stderr


def test_convgen_failing_on_one_input_says_so_checks_the_others_and_exits_70(cli, workdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import convgen.pipeline.checking as checking

    original = checking.check_document

    def failing(document, *args, **kwargs):
        if document.data.get("kind") == "immersion":
            raise KeyError("a bug")
        return original(document, *args, **kwargs)

    monkeypatch.setattr(checking, "check_document", failing)
    (workdir / "a.yaml").write_text(example_text("pfmp"), encoding="utf-8")
    (workdir / "b.yaml").write_text(example_text("immersion"), encoding="utf-8")
    checked = cli("validate", "a.yaml", "b.yaml", "--format", "json", "--jobs", "1")
    assert checked.exit_code == INTERNAL_EXIT, checked.output
    files = json.loads(checked.stdout)["files"]
    assert files[0]["valid"] is True and files[1]["findings"][0]["rule"] == "INTERNAL_ERROR"
    rendered = cli("render", "a.yaml", "b.yaml", "--out", "out", "--jobs", "1")
    assert rendered.exit_code == INTERNAL_EXIT, rendered.output
    assert len(list((workdir / "out").glob("a.*.docx"))) == 3
