"""Loading YAML safely: syntax errors with positions, traps of YAML 1.1, hostile files."""

from __future__ import annotations

import time

import pytest

from conftest import check_text, example_text, replace_once
from convgen.pipeline.checking import check_bytes
from convgen.source.reader import MAX_BYTES, load_bytes, load_text


def only(findings):
    assert len(findings) == 1, findings
    return findings[0]


def test_positions_of_keys_and_values_are_recorded() -> None:
    doc = load_text("a:\n  b: [x, y]\n  c: 3\n")
    assert doc.source.keys[("a", "b")].line == 2
    assert doc.source.keys[("a", "b")].column == 3
    assert doc.source.values[("a", "b", 1)].line == 2
    assert doc.source.values[("a", "b", 1)].column == 10
    assert doc.source.keys[("a", "c")].line == 3


@pytest.mark.parametrize(
    ("text", "line", "column", "fragment"),
    [
        ("kind: pfmp\nschool: [a, b\n", 2, 9, "liste entre crochets non refermée"),
        ("kind: pfmp\nschool: {name: a\n", 2, 9, "accolades non refermé"),
        ("kind: pfmp\nschool:\n  name: a\n uai: b\n", 4, 2, "indentation"),
        ("kind: pfmp\nhost: *lycee\n", 2, 7, "ancre"),
        ("kind: pfmp\nname: @lycee\n", 2, 7, "« @ »"),
        ("kind: pfmp\nschool:\n\tname: x\n", 3, 1, "tabulation"),
        ("kind: pfmp\nname: Lycée: Jean\n", 2, 12, "« : » inattendu"),
        ("kind: pfmp\n---\nkind: immersion\n", 2, 1, "plusieurs documents"),
        ('kind: pfmp\nname: "Lycée\nuai: x\n', 2, 7, "guillemet ouvert"),
    ],
)
def test_syntax_errors_have_line_and_column(text: str, line: int, column: int, fragment: str) -> None:
    finding = only(check_text(text).findings)
    assert finding.rule == "YAML_SYNTAX"
    assert (finding.line, finding.column) == (line, column)
    assert fragment in finding.message


def test_duplicate_key_is_an_error_naming_both_lines() -> None:
    finding = only(load_text("kind: pfmp\nkind: immersion\n").findings)
    assert finding.rule == "YAML_SYNTAX"
    assert finding.line == 2
    assert "ligne 1" in finding.message


def test_duplicate_key_in_a_nested_mapping() -> None:
    text = example_text("pfmp").replace("    city: Lyon\n", "    city: Lyon\n    city: Lyon 7e\n", 1)
    finding = next(f for f in check_text(text).findings if f.rule == "YAML_SYNTAX")
    assert finding.field == "host.address.city"


@pytest.mark.parametrize(
    "text",
    [
        "a: !!python/object/apply:os.system [echo hi]\n",
        "a: !!python/name:os.system\n",
        "a: !custom x\n",
        "a: !!binary aGVsbG8=\n",
        "a: !!set {x, y}\n",
    ],
)
def test_tags_that_build_objects_are_refused(text: str) -> None:
    finding = only(check_text(text).findings)
    assert finding.rule == "YAML_SYNTAX"
    assert "balise" in finding.message


def test_alias_bomb_is_refused_quickly() -> None:
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for level in range(1, 10):
        refs = ", ".join([f"*a{level - 1}"] * 9)
        lines.append(f"a{level}: &a{level} [{refs}]")
    started = time.perf_counter()
    finding = only(check_text("\n".join(lines) + "\n").findings)
    assert time.perf_counter() - started < 5
    assert finding.rule == "YAML_SYNTAX"
    assert "trop grand" in finding.message


def test_recursive_alias_is_refused() -> None:
    finding = only(check_text("a: &x [1, *x]\n").findings)
    assert finding.rule == "YAML_SYNTAX"


def test_deep_nesting_is_refused() -> None:
    finding = only(check_text("a: " + "[" * 200 + "]" * 200 + "\n").findings)
    assert finding.rule == "YAML_SYNTAX"


@pytest.mark.parametrize(("text", "fragment"), [("", "vide"), ("# only a comment\n", "vide"), ("- a\n- b\n", "liste"), ("pfmp\n", "texte")])
def test_documents_that_are_not_agreements(text: str, fragment: str) -> None:
    finding = only(check_text(text).findings)
    assert finding.rule == "SCHEMA"
    assert fragment in finding.message


def test_anchors_and_merge_keys_work_as_in_yaml() -> None:
    text = example_text("pfmp").replace(
        "    monday:    [08:30-12:00, 13:30-17:00]\n    tuesday:   [08:30-12:00, 13:30-17:00]\n",
        "    monday:    &day [08:30-12:00, 13:30-17:00]\n    tuesday:   *day\n",
    )
    assert "&day" in text
    result = check_text(text)
    assert result.findings == []
    assert [str(s) for s in result.agreement.schedule.weekly.tuesday] == ["08:30-12:00", "13:30-17:00"]
    merged = load_text("base: &b {x: 1, y: 2}\nz:\n  <<: *b\n  y: 3\n").data
    assert merged["z"] == {"x": 1, "y": 3}


def test_bom_and_crlf_are_accepted() -> None:
    raw = b"\xef\xbb\xbf" + example_text("immersion").replace("\n", "\r\n").encode("utf-8")
    assert check_bytes(raw).findings == []


def test_invalid_utf8_names_the_line() -> None:
    raw = b"kind: pfmp\nschool:\n  name: Lyc" + b"\xe9e\n"
    finding = only(check_bytes(raw).findings)
    assert finding.rule == "YAML_SYNTAX"
    assert finding.line == 3
    assert "UTF-8" in finding.message


def test_utf16_is_explained() -> None:
    finding = only(check_bytes("kind: pfmp\n".encode("utf-16")).findings)
    assert "UTF-16" in finding.message


def test_nul_byte_is_refused() -> None:
    finding = only(check_bytes(b"kind: pfmp\nname: a\x00b\n").findings)
    assert finding.line == 2
    assert "octet nul" in finding.message


def test_size_limit() -> None:
    doc = load_bytes(b"a: " + b"x" * (MAX_BYTES + 1) + b"\n")
    finding = only(doc.findings)
    assert doc.data is None
    assert "trop volumineux" in finding.message
    assert only(load_bytes(b"a: xxxx\n", max_bytes=4).findings).rule == "YAML_SYNTAX"


def test_plain_scalars_keep_their_source_text() -> None:
    doc = load_text("a: 01000\nb: no\nc: '01000'\nd: 8:30\n")
    assert doc.data == {"a": 512, "b": False, "c": "01000", "d": 510}
    assert doc.source.scalars[("a",)] == "01000"
    assert doc.source.scalars[("b",)] == "no"
    assert ("c",) not in doc.source.scalars


def test_english_messages() -> None:
    finding = only(load_text("kind: pfmp\nkind: pfmp\n", lang="en").findings)
    assert "written twice" in finding.message


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("* star", "alias YAML"),
        ("& and", "ancre YAML"),
        ("- item", "élément de liste"),
        ("| text", "plusieurs lignes"),
        ("!bang", "balise YAML"),
        ('"a\\x4"', "incomplète"),
        ('"a\\ud800"', "aucun caractère"),
        ("? what", "« ? »"),
    ],
)
def test_yaml_reader_complaints_are_explained_in_french(value: str, fragment: str) -> None:
    finding = only(check_text(f"kind: pfmp\nname: {value}\n").findings)
    assert finding.rule == "YAML_SYNTAX"
    assert finding.line == 2
    assert fragment in finding.message, finding.message
    assert "while " not in finding.message and "did not" not in finding.message


def test_an_unforeseen_reader_complaint_is_said_in_french_with_its_place() -> None:
    finding = only(check_text("%YAML 1.1\n%YAML 1.1\n---\na: 1\n").findings)
    assert finding.rule == "YAML_SYNTAX"
    assert finding.line == 2
    assert finding.message.startswith("syntaxe YAML invalide à cet endroit : vérifiez l'indentation")
    assert "found" not in finding.message and "directive" not in finding.message
    english = only(check_text("%YAML 1.1\n%YAML 1.1\n---\na: 1\n", "en").findings)
    assert english.message == "invalid YAML syntax: found duplicate %YAML directive."


@pytest.mark.parametrize("opening", ["[", "{", "- "])
def test_nesting_past_the_yaml_readers_own_limit_is_said_in_french(opening: str) -> None:
    """libyaml (PyYAML 6.0.4 on) stops at 1,000 levels with English words of its own."""
    if opening == "- ":
        text = "kind: pfmp\nnote:\n" + "- " * 1500 + "x\n"  # block lists nested on one line
    elif opening == "[":
        text = "kind: pfmp\nnote: " + "[" * 5000 + "]" * 5000 + "\n"
    else:
        text = "kind: pfmp\nnote: " + "{a: " * 5000 + "}" * 5000 + "\n"
    finding = only(check_text(text).findings)
    assert finding.rule == "YAML_SYNTAX"
    assert "imbrication trop profonde (plus de 40 niveaux)" in finding.message, finding.message
    assert "while" not in finding.message and "exceeded" not in finding.message


def test_thousands_of_unknown_keys_are_summed_up_quickly() -> None:
    text = "kind: pfmp\nversion: 1\n" + "".join(f"key{i}: {i}\n" for i in range(20_000))
    started = time.perf_counter()
    findings = check_text(text).findings
    assert time.perf_counter() - started < 3
    assert len(findings) <= 101
    more = [f for f in findings if "autres erreurs de format" in f.message]
    assert len(more) == 1 and f"{20_000 + 9 - 100}" in more[0].message
    assert more[0].line is not None and more[0].line > 2


def test_duplicate_keys_are_reported_a_screenful_at_most() -> None:
    text = "kind: pfmp\n" + "kind: pfmp\n" * 5000
    findings = load_text(text).findings
    assert len(findings) == 100
    assert all("écrite deux fois" in f.message for f in findings)


def test_a_huge_value_is_quoted_shortened() -> None:
    text = replace_once(example_text("pfmp"), "price: 3.80", "price: " + "9" * 5000)
    finding = only(check_text(text).findings)
    assert finding.field == "finance.meals.price"
    assert len(finding.message) < 300
    key = "k" * 1000
    finding = only(check_text(replace_once(example_text("pfmp"), "version: 1\n", f"version: 1\n{key}: 1\n")).findings)
    assert "champ inconnu" in finding.message and len(finding.message) < 300
