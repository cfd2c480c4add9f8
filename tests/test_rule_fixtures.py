"""Every rule, driven by its YAML fixture file: cases on both sides of each limit."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import yaml

from conftest import FIXTURES, build_case, check_text, line_of
from convgen.law.rules import REGISTRY
from convgen.pipeline.checking import check_across, check_bytes

RULE_FILES = sorted((FIXTURES / "rules").glob("*.yaml"))


def _cases():
    for path in RULE_FILES:
        spec = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert path.stem == spec["rule"], f"{path.name} declares {spec['rule']}"
        for case in spec["cases"]:
            yield pytest.param(spec["rule"], case.get("base", spec.get("base", "pfmp")), case, id=f"{spec['rule']}: {case['name']}")


@pytest.mark.parametrize(("rule_id", "base", "case"), list(_cases()))
def test_rule_case(rule_id: str, base: str, case: dict) -> None:
    text = build_case(base, case.get("patch"), case.get("remove"))
    if "others" in case:  # other agreements of the same run (rules across agreements)
        lang = case.get("lang", "fr")
        texts = [text] + [build_case(other.get("base", base), other.get("patch"), other.get("remove")) for other in case["others"]]
        names = ["test.yaml"] + [f"other-{number}.yaml" for number in range(1, len(texts))]
        results = [check_bytes(item.encode("utf-8"), name, lang, alone=False) for item, name in zip(texts, names)]
        check_across(results, lang)
        result = results[0]
    else:
        result = check_text(text, case.get("lang", "fr"))
    hits = [f for f in result.findings if f.rule == rule_id]
    described = "\n".join(f"{f.rule} {f.field} {f.message}" for f in result.findings)
    if case["expect"] == "pass":
        assert not hits, described
        assert result.errors == 0, described
        return
    assert case["expect"] == "fail"
    assert hits, f"{rule_id} not found in:\n{described}"
    rule = REGISTRY[rule_id]
    for hit in hits:
        assert hit.message and "{" not in hit.message, hit.message
    if "field" in case:
        matching = [h for h in hits if h.field == case["field"]]
        assert matching, f"no {rule_id} on {case['field']}: {[h.field for h in hits]}"
        hit = matching[0]
    else:
        hit = hits[0]
    # A case may expect a milder finding (an assumed figure) or one article of several.
    assert hit.severity.value == case.get("severity", rule.severity.value)
    assert hit.article == case.get("article", rule.article)
    if "line_of" in case:
        assert hit.line == line_of(text, case["line_of"])
    if "date" in case:
        assert hit.date == case["date"]
        assert isinstance(hit.date, dt.date)
    if "count" in case:
        shown = re.search(r"\((\d+) (?:dates|weeks|semaines)", hit.message)
        assert (int(shown.group(1)) if shown else 1) == case["count"], hit.message
    if "errors" in case:
        assert result.errors == case["errors"], described
    for fragment in case.get("message", []):
        assert fragment in hit.message, hit.message
    if "related" in case:
        assert list(hit.related) == case["related"]


def test_every_rule_has_fixtures_on_both_sides() -> None:
    covered = {path.stem: yaml.safe_load(path.read_text(encoding="utf-8")) for path in RULE_FILES}
    for rule in REGISTRY.values():
        if rule.check is None:
            continue
        assert rule.id in covered, f"no fixture file for {rule.id}"
        expects = {case["expect"] for case in covered[rule.id]["cases"]}
        assert expects == {"pass", "fail"}, f"{rule.id} needs passing and failing cases"
