"""Whatever the input, checking ends with findings, never with an exception."""

from __future__ import annotations

import os

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import example_text
from convgen.checking import check_bytes

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
