"""Documents hold minors' personal data: what convgen prints says what is wrong, and no more."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import example_text, replace_once
from convgen.errors import INTERNAL_EXIT

LONG_MONDAY = ("    monday:    [08:30-12:00, 13:30-17:00]", "    monday:    [08:00-12:00, 13:00-17:01]")
# What the example says about the pupil and her family, none of which a schedule error needs.
PERSONAL = ["Léa", "Dupont", "2009-05-14", "14 mai 2009", "06 12 34 56 78", "sophie.dupont", "Jules Guesde", "Vénissieux"]


def outputs(cli, workdir: Path) -> dict[str, str]:
    said = {}
    for name, args in {
        "validate text": ["validate"],
        "validate json": ["validate", "--format", "json"],
        "validate github": ["validate", "--format", "github"],
        "render text": ["render", "--out", "out"],
        "render github": ["render", "--out", "out", "--output-format", "github"],
        "render json": ["render", "--out", "out", "--output-format", "json", "--report", "report.json"],
    }.items():
        result = cli(*args)
        assert result.exit_code == 1, result.output
        said[name] = result.output
    said["report file"] = (workdir / "report.json").read_text(encoding="utf-8")
    return said


def test_a_schedule_error_shows_no_personal_data(cli, workdir: Path) -> None:
    (workdir / "agreement.yaml").write_text(replace_once(example_text("pfmp"), *LONG_MONDAY), encoding="utf-8")
    for name, text in outputs(cli, workdir).items():
        assert "MINOR_DAILY_MAX" in text, name
        leaked = [value for value in PERSONAL if value in text]
        assert leaked == [], f"{name} shows {leaked}"


def test_an_error_about_a_personal_field_quotes_that_field_only(cli, workdir: Path) -> None:
    text = replace_once(example_text("pfmp"), 'phone: "06 12 34 56 78"', 'phone: "06 12 34 56"')
    (workdir / "agreement.yaml").write_text(text, encoding="utf-8")
    result = cli("validate", "--format", "json")
    assert result.exit_code == 1
    findings = json.loads(result.stdout)["files"][0]["findings"]
    assert [f["field"] for f in findings] == ["pupil.legal_guardian.phone"]
    message = findings[0]["message"]
    assert "06 12 34 56" in message  # the user must see what to correct
    assert not any(value in message for value in PERSONAL if value != "06 12 34 56 78")


def test_an_internal_error_names_its_kind_not_the_data(cli, workdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import convgen.pipeline.checking

    def broken(*args, **kwargs):
        raise ValueError("Léa Dupont, née le 2009-05-14")

    monkeypatch.setattr(convgen.pipeline.checking, "run_rules", broken)
    (workdir / "agreement.yaml").write_text(example_text("pfmp"), encoding="utf-8")
    for args in (["validate"], ["validate", "--format", "json"], ["render", "--out", "out"]):
        result = cli(*args)
        assert result.exit_code == INTERNAL_EXIT  # a bug of convgen, not an invalid agreement (1)
        assert "ValueError" in result.output
        assert not any(value in result.output for value in PERSONAL), result.output
    assert not (workdir / "out").exists()
