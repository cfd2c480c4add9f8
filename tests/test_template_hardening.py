"""A hostile or mistaken DOCX template is judged quickly, in bounded memory, with a French template error.

The tag clean-up takes linear time; rendering is held to MAX_* budgets (convgen.documents.sandbox)
and stops with an error naming the part and the Word text around the tag; Ctrl-C is
honoured at every stage; `--template` on a device or a FIFO is refused before it is read;
`template check` reports every problem together, in words a template's author knows.
"""

from __future__ import annotations

import _thread
import gc
import io
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path
from xml.sax.saxutils import escape

import pytest

from conftest import ROOT, example_text
from convgen.documents import budget, filters, sandbox, tags
from convgen.errors import TemplateError

W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
CONTENT_TYPES = '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>'
RELS = '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"/>'


def paragraph(*runs: str) -> str:
    """A Word paragraph of these runs, their text escaped as Word writes it."""
    return "<w:p>" + "".join(f'<w:r><w:t xml:space="preserve">{escape(run)}</w:t></w:r>' for run in runs) + "</w:p>"


def document(body: str) -> bytes:
    return f"<w:document {W}><w:body>{body}</w:body></w:document>".encode()


def package(members: dict[str, bytes | str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(zipfile.ZipInfo(name), data)
    return buffer.getvalue()


def template(path: Path, body: str, members: dict[str, bytes | str | None] | None = None) -> Path:
    """A small DOCX whose body is `body` (Word XML); `members` adds or replaces parts (None drops one)."""
    parts: dict[str, bytes | str] = {"[Content_Types].xml": CONTENT_TYPES, "_rels/.rels": RELS, "word/document.xml": document(body)}
    for name, data in (members or {}).items():
        if data is None:
            parts.pop(name, None)
        else:
            parts[name] = data
    path.write_bytes(package(parts))
    return path


def agreement(workdir: Path) -> Path:
    path = workdir / "agreement.yaml"
    path.write_text(example_text("pfmp"), encoding="utf-8")
    return path


# ---------------------------------------------------------------- the tag clean-up


SHAPES = {
    "open print tags": "<w:p><w:r><w:t>" + "{{" * 100_000 + "</w:t></w:r></w:p>",
    "open statement tags": "<w:p><w:r><w:t>" + "{%" * 100_000 + "</w:t></w:r></w:p>",
    "paragraph tags without a closer": "<w:p><w:r><w:t>" + "{{p x " * 40_000 + "</w:t></w:r>",
    "paragraph tags in paragraphs never closed": "<w:p><w:r><w:t>{%p if x %}</w:t></w:r>" * 5_000,
    "row tags in rows never closed": "<w:tr><w:tc><w:p><w:r><w:t>{%tr x %}</w:t></w:r></w:p></w:tc>" * 3_000,
    "run breaks without a run after them": "<w:p><w:r><w:t>{{" + "</w:t>" * 40_000,
    "run breaks across a paragraph": "<w:p><w:r><w:t>{{" + "</w:t></w:r>" * 20_000 + "</w:p><w:p><w:r><w:t>}}</w:t></w:r></w:p>",
    "braces before bare angle brackets": "{<" * 100_000,
    "paragraph tags unclosed in runs": "<w:p>" + "<w:r><w:t>{%p x" * 15_000,
}


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_the_tag_clean_up_takes_linear_time(shape: str) -> None:
    # About 200 kB each: a quadratic clean-up takes minutes on any of them; a linear one, milliseconds.
    xml = SHAPES[shape]
    started = time.perf_counter()
    tags.clean_tags(xml)
    assert time.perf_counter() - started < 0.5, shape


def test_the_clean_up_still_joins_and_replaces_as_before() -> None:
    split = '<w:p><w:r><w:t>{{ pupil.fir</w:t></w:r><w:r><w:rPr><w:b/></w:rPr><w:t xml:space="preserve">st_name }}</w:t></w:r></w:p>'
    assert "{{ pupil.first_name }}" in tags.clean_tags(split)
    row = "<w:tbl><w:tr><w:tc><w:p><w:r><w:t>{%tr for row in rows %}</w:t></w:r></w:p></w:tc></w:tr><w:tr>x</w:tr></w:tbl>"
    assert tags.clean_tags(row) == "<w:tbl>{% for row in rows %}\n<w:tr>x</w:tr>\n</w:tbl>"
    quoted = "<w:p><w:r><w:t>{% if a &gt; 1 and b == \u201cx\u201d %}</w:t></w:r></w:p>"
    assert '{% if a > 1 and b == "x" %}' in tags.clean_tags(quoted)


def test_a_template_of_10_kb_of_braces_is_judged_at_once(cli, workdir: Path) -> None:
    braces = template(workdir / "braces.docx", paragraph("{{" * 5_000))
    started = time.perf_counter()
    result = cli("render", str(agreement(workdir)), "--template", str(braces), "--out", "OUT")
    assert time.perf_counter() - started < 1, "render"
    assert result.exit_code == 2, result.output
    assert "erreur de syntaxe Jinja" in result.output and "trop imbriquée" in result.output
    started = time.perf_counter()
    checked = cli("template", "check", str(braces))
    assert time.perf_counter() - started < 1, "check"
    assert checked.exit_code == 1 and "trop imbriquée" in checked.output, checked.output
    assert "erreur interne" not in result.output + checked.output


@pytest.mark.parametrize(
    ("body", "said"),
    [
        ("{{ " + "a." * 300 + "b }}", "trop imbriquées"),
        ("{% if " + "not " * 300 + "x %}{% endif %}", "trop imbriquées"),
        ("{% for a in b %}" * 25 + "{% endfor %}" * 25, "trop imbriquées"),
        ("{{ " + "(" * 2000 + "1" + ")" * 2000 + " }}", "trop imbriquée"),
    ],
    ids=["attributes", "not", "loops", "parentheses"],
)
def test_a_deeply_nested_tag_is_refused_before_jinja_spends_seconds_on_it(cli, workdir: Path, body: str, said: str) -> None:
    deep = template(workdir / "deep.docx", paragraph(body))
    started = time.perf_counter()
    result = cli("render", str(agreement(workdir)), "--template", str(deep), "--out", "OUT")
    assert time.perf_counter() - started < 1
    assert result.exit_code == 2, result.output
    assert said in result.output and "erreur interne" not in result.output


def test_a_template_with_too_many_tags_is_refused_before_it_is_compiled(cli, workdir: Path) -> None:
    from convgen.documents.template import MAX_TAGS

    many = template(workdir / "many.docx", paragraph("{{ pupil.first_name }}" * (MAX_TAGS + 1)))
    started = time.perf_counter()
    result = cli("render", str(agreement(workdir)), "--template", str(many), "--out", "OUT")
    assert time.perf_counter() - started < 2
    assert result.exit_code == 2 and "plus de 10 000 balises" in result.output, result.output


# ---------------------------------------------------------------- rendering within bounds

# Each runs in one child process held to 1.5 GB of address space, a few seconds each: a
# template that escaped its bounds would fail there, not take this machine's memory.
HOSTILE = {
    "center": ("{{ 'x' * 99999 | center(10**9) }}", "texte de 1 000 000 000 caractères"),
    "center of a long text": ("{{ ('x' * 99999) | center(10**9) }}", "texte de 1 000 000 000 caractères"),
    "ljust": ("{{ ('x' * 99999).ljust(10**9) }}", "texte de 1 000 000 000 caractères"),
    "replace chained": ("{{ 'ab'.replace('a', 'a' * 99999).replace('a', 'a' * 99999) }}", "texte de 9 999 800 002 caractères"),
    "replace filter": ("{{ ('a' * 99999)|replace('a', 'a' * 99999) }}", "caractères ou éléments"),
    "expandtabs": ("{{ ('\\t' * 99999).expandtabs(99999) }}", "caractères ou éléments"),
    "translate": ("{{ ('x' * 99999).translate({120: 'y' * 99999}) }}", "caractères ou éléments"),
    "to_bytes": ("{{ (1).to_bytes(10**9, 'big') }}", "suite d'octets"),
    "lipsum paragraphs": ("{{ lipsum(10**6) }}", "lipsum : au plus 100 paragraphes"),
    "lipsum words": ("{{ lipsum(1, max=10**9) }}", "lipsum : au plus 100 paragraphes"),
    "nested loops": ("{% for a in range(10**5) %}{% for b in range(10**5) %}x{% endfor %}{% endfor %}", "plus de 200 000 étapes"),
    "empty nested loops": ("{% for a in range(10**5) %}{% for b in range(10**5) %}{% endfor %}{% endfor %}", "plus de 200 000 étapes"),
    "loops filtered out": ("{% for a in range(10**5) %}{% for b in range(10**5) if false %}{% endfor %}{% endfor %}", "étapes"),
    "loop of long text": ("{% for a in range(10**5) %}" + "x" * 1000 + "{% endfor %}", "plus de 20 000 000 caractères"),
    "big integers": ("{{ (((10**100)**100)**100)**100 }}", "nombre trop grand"),
    "big product": (
        "{% set ns = namespace(n=10**100) %}{% for i in range(20) %}{% set ns.n = ns.n * ns.n %}{% endfor %}",
        "nombre trop grand",
    ),
    "power": ("{{ 9 ** 999999999 }}", "puissance trop grande"),
    "printed big integer": ("{{ (10 ** 100) ** 100 }}", "nombre de plus de 4300 chiffres"),
    "concatenation doubled": (
        "{% set ns = namespace(s='x') %}{% for i in range(60) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}{{ ns.s|length }}",
        "texte joint avec ~",
    ),
    "sum doubled": ("{% set ns = namespace(s='x') %}{% for i in range(60) %}{% set ns.s = ns.s + ns.s %}{% endfor %}", "texte ou liste"),
    "list extended": ("{% set l = [1] %}{% for i in range(60) %}{% if l.extend(l) %}{% endif %}{% endfor %}", "liste ou table"),
    "join": ("{{ (['x' * 99999] * 100000)|join }}", "texte joint"),
    "join method": ("{{ ''.join(['x' * 99999] * 100000) }}", "texte joint"),
    "sum of lists": ("{{ ([['x'] * 100000] * 100000)|sum(start=[]) }}", "liste de 10 000 000 000"),
    "percent width": ("{{ '%099999999d' % 1 }}", "texte formaté avec %"),
    "percent star": ("{{ '%*d' % (10**9, 1) }}", "texte formaté avec %"),
    "percent fields": ("{{ ('%s' * 50000) % ((('x' * 99999),) * 50000) }}", "texte formaté avec %"),
    "format filter": ("{{ '%0999999999d'|format(1) }}", "texte formaté avec %"),
    "format method": ("{{ '{:>999999999}'.format(1) }}", "texte formaté"),
    "format fields": ("{{ ('{0}' * 30000).format('x' * 99999) }}", "texte formaté"),
    "indent": ("{{ ('\\n' * 99999)|indent(99999) }}", "caractères ou éléments"),
    "wordwrap": ("{{ ('x ' * 50000)|wordwrap(1, wrapstring='y' * 99999) }}", "caractères ou éléments"),
    "batch": ("{{ [1]|batch(10**9, 0)|list }}", "« linecount » vaut 1 000 000 000"),
    "slice": ("{{ [1]|slice(10**9)|list }}", "« slices » vaut 1 000 000 000"),
    "tojson indent": ("{{ (range(1000)|list)|tojson(indent=10**6) }}", "tojson : un retrait de 16 au plus"),
    "striptags": ("{{ ('<a>' * 33333)|striptags }}", "striptags sur un texte"),
    "printed list": ("{{ [['x' * 99999] * 100000] }}", "valeur imprimée"),
    "long text to a filter": (
        "{% set t = 'x' * 99999 %}{% set big %}{% for i in range(30) %}{{ t }}{% endfor %}{% endset %}{{ big|upper }}",
        "texte donné à « upper » de 2 999 970 caractères",
    ),
    "method as a key": ("{% set l = [10**9, 1] %}{{ l.sort(key=' '.center) }}", "une méthode ne peut pas être donnée à une autre"),
    "exponential macro": ("{% macro f(n) %}{% if n %}{{ f(n-1) }}{{ f(n-1) }}{% endif %}{% endmacro %}{{ f(40) }}", "étapes"),
    "endless macro": ("{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}", "trop d'appels imbriqués"),
    "endless recursive loop": ("{% for i in range(3) recursive %}{{ loop(range(3)) }}{% endfor %}", "trop d'appels imbriqués"),
    "range": ("{{ range(10**6)|list }}", "range() de plus de 100 000 éléments"),
}

CHILD = r"""
import json, resource, signal, sys, time
from pathlib import Path
resource.setrlimit(resource.RLIMIT_AS, (1536 << 20, 1536 << 20))

def alarm(signum, frame):
    raise TimeoutError("too long")

signal.signal(signal.SIGALRM, alarm)
from convgen.pipeline.checking import check_bytes
from convgen.documents.context import build, copies
from convgen.errors import TemplateError
from convgen.documents import rendering, template
checked = check_bytes(Path(sys.argv[1]).read_bytes(), "pfmp.yaml")
context = build(checked.agreement, checked.findings)
selected = copies(checked.agreement, context["minor"])
for line in sys.stdin:
    case = json.loads(line)
    started = time.perf_counter()
    signal.alarm(10)
    try:
        members = template.open_package(bytes.fromhex(case["docx"]), "t.docx")
        compiled = template.CompiledTemplate("t.docx", members, template.compile_parts(members, "t.docx"))
        rendering.render_copies(compiled, context, selected)
        outcome = {"rendered": True}
    except TemplateError as error:
        outcome = {"message": error.message, "problems": error.problem_texts()}
    except BaseException as error:
        outcome = {"crash": f"{type(error).__name__}: {str(error)[:300]}"}
    finally:
        signal.alarm(0)
    outcome["seconds"] = time.perf_counter() - started
    outcome["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss >> 10
    print(json.dumps(outcome), flush=True)
"""


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict]:
    folder = tmp_path_factory.mktemp("hostile")
    (folder / "pfmp.yaml").write_text(example_text("pfmp"), encoding="utf-8")
    names = sorted(HOSTILE)
    lines = "".join(
        json.dumps(
            {
                "docx": package(
                    {"[Content_Types].xml": CONTENT_TYPES, "word/document.xml": document(paragraph(f"Avant {HOSTILE[name][0]} après"))}
                ).hex()
            }
        )
        + "\n"
        for name in names
    )
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(folder / "pfmp.yaml")], input=lines, capture_output=True, text=True, timeout=300, cwd=ROOT
    )
    outcomes = [json.loads(line) for line in done.stdout.splitlines()]
    assert len(outcomes) == len(names), done.stderr[-2000:]
    return dict(zip(names, outcomes, strict=True))


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_a_template_asking_for_too_much_gets_a_template_error_at_once(hostile: dict[str, dict], name: str) -> None:
    tag, said = HOSTILE[name]
    outcome = hostile[name]
    assert "crash" not in outcome, outcome["crash"]
    assert outcome.get("message", "").endswith("n'a pas pu être rempli."), outcome
    (problem,) = outcome["problems"]
    # The Word text around the tag: all of it, or its start when it is long.
    around = f"Avant {tag} après » : " if len(tag) < 140 else f"Avant {tag[:100]}"
    assert problem.startswith(f"corps du document dans « {around}"), problem
    assert said in problem, problem
    assert outcome["seconds"] < 3, outcome["seconds"]


def test_the_hostile_templates_never_took_more_than_a_few_hundred_megabytes(hostile: dict[str, dict]) -> None:
    assert max(outcome["peak_mb"] for outcome in hostile.values()) < 400


def test_a_template_that_computes_too_long_is_stopped_by_the_clock(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from convgen.documents import rendering

    monkeypatch.setattr(budget, "MAX_RENDER_SECONDS", 0.3)
    # A few steps, each a scan of a million characters: neither steps nor characters run out first.
    compiled, context, selected = _compiled(tmp_path, paragraph(SLOW))
    started = time.perf_counter()
    with pytest.raises(TemplateError) as raised:
        rendering.render_copies(compiled, context, selected)
    assert time.perf_counter() - started < 3
    assert "plus de 0,3 s de calcul" in raised.value.problem_texts()[0]


def test_the_budgets_leave_the_built_in_templates_a_thousandfold_room() -> None:
    from convgen.documents.context import build, copies
    from convgen.documents.rendering import render_copies
    from convgen.documents.template import load_template
    from convgen.pipeline.checking import check_bytes

    for kind in ("pfmp", "immersion"):
        checked = check_bytes(example_text(kind).encode(), f"{kind}.yaml")
        compiled = load_template(kind)
        context = build(checked.agreement, checked.findings)
        render_copies(compiled, context, copies(checked.agreement, context["minor"]))
        assert budget.MAX_RENDER_STEPS - compiled.budget.steps < budget.MAX_RENDER_STEPS // 1000, kind
        assert budget.MAX_RENDER_CHARS - compiled.budget.chars < budget.MAX_RENDER_CHARS // 1000, kind


ORDINARY = [
    "{{ 'a' ~ 1 ~ none ~ '<b>' }}",
    "{{ '%s et %05.1f' % ('a', 2.25) }} {{ '{} {:>4}'.format('a', 'b') }} {{ '%(x)s'|format(x='y') }}",
    "{% for x in [3, 1, 2]|sort %}{{ loop.index }}/{{ loop.length }}{% if loop.last %}.{% endif %}{% else %}vide{% endfor %}",
    "{% for x in [] %}{{ x }}{% else %}vide{% endfor %}{% for x in range(5) if x is odd %}{{ x }}{% endfor %}",
    "{% for x in [1, [2, [3]]] recursive %}{% if x is number %}{{ x }}{% else %}({{ loop(x) }}){% endif %}{% endfor %}",
    "{% macro n(a, b=2) %}{{ a }}-{{ b }}{% endmacro %}{{ n(1) }}{% macro m(a) %}{{ a }}-{{ caller() }}{% endmacro %}{% call m(3) %}c{% endcall %}",
    "{% filter upper %}abc {{ 'd' }}{% endfilter %}{% set s %}x{{ 1 }}{% endset %}{{ s }}",
    "{% set ns = namespace(n=0) %}{% for i in range(4) %}{% set ns.n = ns.n + i %}{% endfor %}{{ ns.n }} {{ [1, 2] + [3] }}",
    "{{ 'ab'.center(6, '*') }} {{ 'a,b'.split(',')|join('|') }} {{ 'x'|indent(2, true) }} {{ 'aaa'.replace('a', 'bb', 2) }}",
    "{{ [1, 2, 3]|batch(2)|list }} {{ [1, 2, 3]|slice(2)|list }} {{ [[1], [2]]|sum(start=[]) }} {{ 'a b c'|wordwrap(3) }}",
    "{{ 2 ** 10 }} {{ 7 * 6 }} {{ 'ab' * 3 }} {{ (1, 2) * 2 }} {{ 10 % 3 }} {{ -3 }} {{ {'a': 1}|tojson }}",
    "{% autoescape false %}{{ '<x>' }}{{ '<' ~ 'y>' }}{% endautoescape %}{{ '<' ~ 'z>' }}",
]


@pytest.mark.parametrize("source", ORDINARY)
def test_ordinary_jinja_renders_as_it_did(source: str) -> None:
    from jinja2 import StrictUndefined
    from jinja2.sandbox import SandboxedEnvironment

    plain = SandboxedEnvironment(autoescape=True, undefined=StrictUndefined, finalize=filters.finalize, keep_trailing_newline=True)
    plain.filters.update(filters.FILTERS)
    ours = sandbox.environment()
    template = sandbox.compile_part(ours, source, "t")[0]
    assert template.render() == plain.from_string(source).render()


def _compiled(folder: Path, body: str):
    from convgen.documents.context import build, copies
    from convgen.documents.template import CompiledTemplate, compile_parts, open_package
    from convgen.pipeline.checking import check_bytes

    members = open_package(package({"[Content_Types].xml": CONTENT_TYPES, "word/document.xml": document(body)}), "t.docx")
    compiled = CompiledTemplate("t.docx", members, compile_parts(members, "t.docx"))
    checked = check_bytes(example_text("pfmp").encode(), "pfmp.yaml")
    context = build(checked.agreement, checked.findings)
    return compiled, context, copies(checked.agreement, context["minor"])


# ---------------------------------------------------------------- Ctrl-C


def _interrupted(seconds: float, run) -> tuple[str, float]:
    """What `run()` did when Ctrl-C came `seconds` after it started (as _thread.interrupt_main
    delivers it: the next time Python code runs), and how long it took in all."""
    # Garbage left by earlier tests, collected amid the run, could run a finalizer just when
    # the interrupt arrives: an exception raised in a finalizer is ignored, Ctrl-C with it.
    gc.collect()
    timer = threading.Timer(seconds, _thread.interrupt_main)
    started = time.perf_counter()
    try:
        try:
            timer.start()
            run()
            outcome = "finished"
        except TemplateError:
            outcome = "refused"
        finally:
            timer.cancel()
            timer.join()
    except KeyboardInterrupt:
        outcome = "interrupted"
    return outcome, time.perf_counter() - started


# Seconds of work within every budget: each turn counts a million characters, in C, and prints a number.
SLOW = (
    "{% set t = 'x' * 99999 %}{% set t = t ~ t ~ t ~ t ~ t ~ t ~ t ~ t ~ t ~ t %}{% for i in range(50000) %}{{ t.count('y') }}{% endfor %}"
)


def test_ctrl_c_stops_the_loading_of_a_template(tmp_path: Path) -> None:
    from convgen.documents.template import load_template

    tags = paragraph("{% if minor %}{{ pupil.first_name|upper }}{% endif %}" * 3_300)  # about a second and a half to compile
    big = template(tmp_path / "big.docx", tags)
    started = time.perf_counter()
    load_template("pfmp", template(tmp_path / "same.docx", tags))
    whole = time.perf_counter() - started
    # Measured against the same load left to finish, and tried twice: on a busy machine
    # a thread may wait its turn for longer than a template takes to answer Ctrl-C.
    tries = [_interrupted(0.1, lambda: load_template("pfmp", big)) for _ in range(2)]
    assert any(outcome == "interrupted" and seconds < max(0.6, whole / 2) for outcome, seconds in tries), (tries, whole)


def test_ctrl_c_stops_a_template_check(tmp_path: Path) -> None:
    from convgen.pipeline.template_check import check_template

    slow = template(tmp_path / "slow.docx", paragraph(SLOW))
    outcome, seconds = _interrupted(0.5, lambda: check_template(slow, "pfmp"))
    assert outcome == "interrupted" and seconds < 1


def test_ctrl_c_stops_a_render(tmp_path: Path) -> None:
    from convgen.documents.rendering import render_copies

    compiled, context, selected = _compiled(tmp_path, paragraph(SLOW))
    outcome, seconds = _interrupted(0.5, lambda: render_copies(compiled, context, selected))
    assert outcome == "interrupted" and seconds < 1


@pytest.mark.parametrize("tag", ["{{ 'ab'.replace('a', 'a' * 99999).replace('a', 'a' * 99999) }}", "{{ ('x' * 99999).ljust(10**9) }}"])
def test_a_render_never_sits_in_one_long_call_deaf_to_ctrl_c(tmp_path: Path, tag: str) -> None:
    # Python answers Ctrl-C between two steps of a template: no one step may be a long call into C.
    import signal

    agreement(tmp_path)
    hostile = template(tmp_path / "hostile.docx", paragraph(tag))
    process = subprocess.Popen(
        [*_limited(), "render", "agreement.yaml", "--template", str(hostile), "--out", "OUT", "--jobs", "1"],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        process.wait(timeout=2)
    except subprocess.TimeoutExpired:
        process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=3)
    assert process.returncode in (2, 130), err
    assert "erreur interne" not in err and "Traceback" not in err


def test_ctrl_c_during_template_check_on_the_command_line_says_interrupted(tmp_path: Path) -> None:
    import signal

    slow = template(tmp_path / "slow.docx", paragraph(SLOW))
    process = subprocess.Popen(
        [sys.executable, "-m", "convgen", "template", "check", str(slow)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    time.sleep(1.5)
    process.send_signal(signal.SIGINT)
    started = time.perf_counter()
    _, err = process.communicate(timeout=30)
    assert time.perf_counter() - started < 2
    assert process.returncode == 130 and "interrompu" in err and "Traceback" not in err, err


# ---------------------------------------------------------------- --template on what is no file


def _limited() -> list[str]:
    """The command line of convgen in a child held to 1.5 GB: what escaped its bounds fails there, not here."""
    limit = "import resource; resource.setrlimit(resource.RLIMIT_AS, (1536 << 20, 1536 << 20)); "
    return [sys.executable, "-c", limit + "from convgen.cli import main; main()"]


def _convgen(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    # A few seconds at most: reading /dev/zero to its end, or waiting on a FIFO, fails there.
    return subprocess.run(
        [*_limited(), *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=20,
        env={**os.environ, "COLUMNS": "200", "NO_COLOR": "1"},
    )


@pytest.fixture
def not_files(tmp_path: Path) -> Iterator[dict[str, str]]:
    fifo = tmp_path / "fifo.docx"
    os.mkfifo(fifo)
    short = Path(tempfile.mkdtemp(prefix="sock"))  # a socket's path holds at most 107 bytes
    listening = socket.socket(socket.AF_UNIX)
    listening.bind(str(short / "socket.docx"))
    yield {"device": "/dev/zero", "fifo": str(fifo), "socket": str(short / "socket.docx")}
    listening.close()
    shutil.rmtree(short)


KINDS = {"device": "un périphérique", "fifo": "un tube (FIFO)", "socket": "un socket"}


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_render_refuses_a_template_that_is_no_file_before_reading_it(tmp_path: Path, not_files: dict[str, str], kind: str) -> None:
    agreement(tmp_path)
    started = time.perf_counter()
    done = _convgen("render", "agreement.yaml", "--template", not_files[kind], "--out", "OUT", cwd=tmp_path)
    assert time.perf_counter() - started < 10
    assert done.returncode == 2, done.stderr
    assert f"« {not_files[kind]} » est {KINDS[kind]}, pas un fichier" in done.stderr
    assert not (tmp_path / "OUT").exists()


@pytest.mark.parametrize("kind", ["device", "fifo"])
def test_template_check_refuses_a_template_that_is_no_file(tmp_path: Path, not_files: dict[str, str], kind: str) -> None:
    done = _convgen("template", "check", not_files[kind], cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert f"est {KINDS[kind]}, pas un fichier" in done.stderr


# ---------------------------------------------------------------- template check: what else it reports


def test_template_check_reports_every_problem_of_the_package_together(cli, workdir: Path) -> None:
    doctype = '<?xml version="1.0"?><!DOCTYPE w:styles [<!ENTITY x SYSTEM "file:///etc/passwd">]><w:styles ' + W + ">&x;</w:styles>"
    body = paragraph("Élève : {{ pupil.last_name|safe }}") + paragraph("{% autoescape false %}{{ pupil.first_name }}{% endautoescape %}")
    path = template(
        workdir / "hostile.docx",
        body + paragraph("{{ pupil.frist_name }}"),
        {
            "[Content_Types].xml": None,
            "word/styles.xml": doctype,
            "word/settings.xml": "<w:settings " + W + "><w:zoom>",
            "word/header1.xml": f"<w:hdr {W}><w:p><w:r><w:t>{{{{ pupil.last_name }}}} é</w:t></w:r></w:p></w:hdr>".encode("latin-1"),
            "../evil.xml": "<a/>",
            "/etc/cron.d/x": "<a/>",
            "word\\evil.xml": "<a/>",
            "C:evil.xml": "<a/>",
        },
    )
    result = cli("template", "check", str(path), "--kind", "pfmp")
    assert result.exit_code == 1, result.output
    out = result.output
    for said in (
        "il manque [Content_Types].xml",
        "word/styles.xml : déclaration <!DOCTYPE …>",
        "word/settings.xml : XML invalide",
        "en-tête : texte qui n'est pas en UTF-8",
        "« |safe » insérerait la valeur telle quelle",
        "« {% autoescape %} »",
        "nom inconnu « pupil.frist_name » ; vouliez-vous dire « pupil.first_name » ?",
    ):
        assert said in out, said
    for name in ("../evil.xml", "/etc/cron.d/x", "word\\evil.xml", "C:evil.xml"):
        assert f"partie « {name} » nommée hors du document" in out, name
    assert "/etc/passwd" not in out.replace('"file:///etc/passwd"', "")


def test_template_check_of_a_package_without_a_body_still_reports_the_rest(cli, workdir: Path) -> None:
    path = template(
        workdir / "empty.docx", "", {"word/document.xml": None, "word/header1.xml": f"<w:hdr {W}>{paragraph('{{ pupil.nom }}')}</w:hdr>"}
    )
    result = cli("template", "check", str(path))
    assert result.exit_code == 1, result.output
    assert "il manque word/document.xml" in result.output
    assert "en-tête dans « {{ pupil.nom }} » : nom inconnu « pupil.nom »" in result.output


def test_render_refuses_part_names_outside_the_package_and_a_doctype(cli, workdir: Path) -> None:
    agreement(workdir)
    outside = template(workdir / "outside.docx", paragraph("{{ pupil.first_name }}"), {"../../evil.xml": "<a/>"})
    result = cli("render", "agreement.yaml", "--template", str(outside), "--out", "OUT")
    assert result.exit_code == 2 and "partie « ../../evil.xml » nommée hors du document" in result.output, result.output
    entity = f'<?xml version="1.0"?><!DOCTYPE w:document [<!ENTITY x SYSTEM "file:///etc/hostname">]><w:document {W}><w:body>'
    doctype = template(
        workdir / "doctype.docx", "", {"word/document.xml": entity + paragraph("{{ pupil.first_name }}") + "&x;</w:body></w:document>"}
    )
    result = cli("render", "agreement.yaml", "--template", str(doctype), "--out", "OUT")
    assert result.exit_code == 2 and "déclaration <!DOCTYPE …>" in result.output, result.output
    assert not (workdir / "OUT").exists()


# ---------------------------------------------------------------- template errors in the user's words


def test_an_unknown_attribute_is_named_by_its_path_with_a_suggestion_and_no_python_name(cli, workdir: Path) -> None:
    agreement(workdir)
    typo = template(workdir / "typo.docx", paragraph("Adresse : {{ pupil.adress.city }}"))
    result = cli("render", "agreement.yaml", "--template", str(typo), "--out", "OUT")
    assert result.exit_code == 2, result.output
    assert "nom inconnu « pupil.adress » ; vouliez-vous dire « pupil.address » ?" in result.output
    assert "Adresse : {{ pupil.adress.city }}" in result.output
    for python in ("convgen.", "Record", " object", "has no attribute"):
        assert python not in result.output, python


def test_every_unknown_name_is_reported_at_once_at_render(cli, workdir: Path) -> None:
    agreement(workdir)
    typos = template(
        workdir / "typos.docx",
        paragraph("{{ pupil.frist_name }} {{ host.nmae }}") + paragraph("{% for t in teachers %}{{ t.nme }}{% endfor %}{{ nothing }}"),
    )
    result = cli("render", "agreement.yaml", "--template", str(typos), "--out", "OUT")
    assert result.exit_code == 2, result.output
    for said in (
        "« pupil.frist_name » ; vouliez-vous dire « pupil.first_name » ?",
        "« host.nmae » ; vouliez-vous dire « host.name » ?",
        "« t.nme » ; vouliez-vous dire « t.name » ?",
        "nom inconnu « nothing »",
    ):
        assert said in result.output, said


@pytest.mark.parametrize(
    ("tag", "said"),
    [
        ("{{ pupil }}", "« pupil » est un groupe de valeurs (first_name, last_name"),
        ("{{ host.address }}", "« host.address » est un groupe de valeurs (street, postal_code, city), pas un texte"),
        ("{{ days }}", "« days » est une liste de groupes de valeurs (date, weekday"),
        ("{{ 'Élève : ' ~ pupil }}", "est un groupe de valeurs (first_name"),
        ("{{ copies|join(', ') }}", "est un groupe de valeurs (id, label, heading)"),
    ],
)
def test_printing_a_group_of_values_is_a_template_error_that_says_what_to_write(cli, workdir: Path, tag: str, said: str) -> None:
    agreement(workdir)
    printed = template(workdir / "printed.docx", paragraph(tag))
    result = cli("render", "agreement.yaml", "--template", str(printed), "--out", "OUT")
    assert result.exit_code == 2, result.output
    assert said in result.output and "Record" not in result.output
    checked = cli("template", "check", str(printed))
    assert checked.exit_code == 1 and said in checked.output and "Record" not in checked.output


def test_an_unknown_filter_is_one_problem_among_the_others(cli, workdir: Path) -> None:
    mistakes = template(
        workdir / "filters.docx",
        paragraph("{{ pupil.last_name|upper2 }}")
        + paragraph("{% if weeks is odd2 %}impair{% endif %}")
        + paragraph("{{ pupil.frist_name }}"),
    )
    result = cli("template", "check", str(mistakes))
    assert result.exit_code == 1, result.output
    for said in (
        "corps du document dans « {{ pupil.last_name|upper2 }} » : filtre inconnu « upper2 » ; vouliez-vous dire « upper » ?",
        "test inconnu « odd2 » ; vouliez-vous dire « odd » ?",
        "nom inconnu « pupil.frist_name »",
    ):
        assert said in result.output, said
    assert "No filter" not in result.output
    agreement(workdir)
    rendered = cli("render", "agreement.yaml", "--template", str(mistakes), "--out", "OUT")
    assert rendered.exit_code == 2 and "filtre inconnu « upper2 »" in rendered.output and "test inconnu « odd2 »" in rendered.output


def test_a_syntax_error_shows_the_word_text_with_its_spaces(cli, workdir: Path) -> None:
    body = (
        '<w:p><w:r><w:t xml:space="preserve">Élève\u00a0:</w:t></w:r><w:r><w:tab/></w:r>'
        '<w:r><w:t xml:space="preserve">{{ pupil.first_name</w:t></w:r><w:r><w:rPr><w:b/></w:rPr><w:t xml:space="preserve"> }}  et {{ x }</w:t></w:r></w:p>'
        + paragraph("Suite du texte")
    )
    broken = template(workdir / "broken.docx", body)
    result = cli("template", "check", str(broken))
    assert result.exit_code == 1
    assert (
        "corps du document : erreur de syntaxe Jinja dans « Élève\u00a0: {{ pupil.first_name }}  et {{ x } » : « } » inattendu"
        in result.output
    )
    assert "Suite" not in result.output


@pytest.mark.parametrize(
    ("tag", "said"),
    [
        ("{{ pupil + 1 }}", "opération « + » impossible entre un groupe de valeurs et un nombre"),
        ("{{ pupil.first_name + 1 }}", "« + » n'ajoute pas un nombre à un texte : « ~ » met des textes bout à bout"),
        ("{{ pupil() }}", "un groupe de valeurs ne s'appelle pas comme une fonction"),
        ("{{ 1 / 0 }}", "division par zéro"),
        ("{{ pupil.__dict__ }}", "opération interdite par le bac à sable (accès à « __dict__ »)"),
        ("{% if weeks %}semaines", "fin du modèle avant {% endif %} : le bloc « if » n'est pas fermé"),
    ],
)
def test_errors_read_in_french_without_python_names(cli, workdir: Path, tag: str, said: str) -> None:
    agreement(workdir)
    wrong = template(workdir / "wrong.docx", paragraph(tag))
    result = cli("render", "agreement.yaml", "--template", str(wrong), "--out", "OUT")
    assert result.exit_code == 2, result.output
    assert said in result.output, result.output
    for python in ("Error", "Record", "'int'", "'str'", "NoneType", "convgen."):
        assert python not in result.output, python
