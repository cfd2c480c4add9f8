"""Schema findings: the right field, the right YAML line, a message that helps."""

from __future__ import annotations

import datetime as dt

import jsonschema
import pytest
import yaml

from conftest import CONTRACT_EXAMPLES, FIXTURES, check_text, example_text, line_of, replace_once
from convgen.schema.models import json_schema
from convgen.source.starter import starter_text

CASES = yaml.safe_load((FIXTURES / "schema" / "cases.yaml").read_text(encoding="utf-8"))


def _edited(case: dict) -> str:
    old, new = case["replace"]
    return replace_once(example_text(case["base"]), old, new)


@pytest.mark.parametrize("case", CASES, ids=[case["name"] for case in CASES])
def test_schema_case(case: dict) -> None:
    text = _edited(case)
    result = check_text(text)
    described = "\n".join(f"{f.rule} {f.field}:{f.line} {f.message}" for f in result.findings)
    if case.get("valid"):
        assert result.errors == 0, described
        for dotted, expected in case.get("stored", {}).items():
            value = result.agreement
            for name in dotted.split("."):
                value = getattr(value, name)
            assert value == expected, dotted
        return
    rule = case.get("rule", "SCHEMA")
    matching = [f for f in result.findings if f.rule == rule and f.field == case["field"]]
    assert matching, described
    finding = matching[0]
    assert finding.severity.value == "error"
    expected_line = case["line"] if "line" in case else line_of(text, case["line_of"]) if "line_of" in case else None
    if expected_line is not None:
        assert finding.line == expected_line, described
    assert finding.column is not None and finding.column >= 1
    for fragment in case.get("message", []):
        assert fragment in finding.message, finding.message
    if case.get("only"):
        assert len(result.findings) == 1, described
    if "message_en" in case:
        english = [f for f in check_text(text, lang="en").findings if f.rule == rule and f.field == case["field"]]
        for fragment in case["message_en"]:
            assert fragment in english[0].message, english[0].message


def test_schema_errors_are_sorted_by_line() -> None:
    text = replace_once(example_text("pfmp"), "kind: rider", "kind: ridr")
    text = replace_once(text, 'uai: "0690128P"', "uai: 690128")
    lines = [f.line for f in check_text(text).findings]
    assert len(lines) == 2 and lines == sorted(lines)


def test_schema_error_on_a_list_item_names_its_index() -> None:
    text = replace_once(example_text("pfmp"), "  - name: Julien Moreau\n", "  - name: Julien Moreau\n    mail: x\n")
    finding = next(f for f in check_text(text).findings if f.rule == "SCHEMA")
    assert finding.field == "teachers.0.mail"
    assert "email" in finding.message


@pytest.mark.parametrize("kind", ["pfmp", "immersion"])
def test_examples_are_valid(kind: str) -> None:
    result = check_text(example_text(kind))
    assert result.findings == []
    assert result.kind == kind
    assert result.agreement is not None


def _as_json(value):
    """YAML values as an editor's YAML language server sees them (dates are strings)."""
    if isinstance(value, dict):
        return {str(key): _as_json(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_as_json(item) for item in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


@pytest.mark.parametrize("kind", ["pfmp", "immersion"])
def test_json_schema_accepts_the_examples_and_starters(kind: str) -> None:
    validator = jsonschema.Draft202012Validator(json_schema(kind))
    for text in (example_text(kind), starter_text(kind)):
        assert list(validator.iter_errors(_as_json(yaml.safe_load(text)))) == []
    misspelt = _as_json(yaml.safe_load(example_text(kind)))
    misspelt["peroid"] = misspelt.pop("period")
    assert not validator.is_valid(misspelt)


@pytest.mark.parametrize("kind", ["pfmp", "immersion"])
def test_contract_examples_are_valid(kind: str) -> None:
    path = CONTRACT_EXAMPLES / f"{kind}.yaml"
    if not path.exists():
        pytest.skip("the contract is not beside this checkout")
    assert check_text(path.read_text(encoding="utf-8")).findings == []
