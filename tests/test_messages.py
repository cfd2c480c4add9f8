"""Messages a new user meets: each names the line to fix and says what to write there."""

from __future__ import annotations

import re

import pytest
from pydantic import TypeAdapter, ValidationError

from conftest import check_text, example_text, line_of, replace_once
from convgen.schema.fields import SlotValue
from convgen.schema.models import json_schema
from convgen.source.reader import load_text


def errors(text: str, lang: str = "fr"):
    return [finding for finding in check_text(text, lang).findings if finding.is_error]


def only_error(text: str, lang: str = "fr"):
    found = errors(text, lang)
    assert len(found) == 1, found
    return found[0]


# --- A text with " : " in a list: YAML reads a key ---------------------------------------------


@pytest.mark.parametrize(
    ("old", "field"),
    [
        ('    - "C1.2 : Préparer son intervention"', "pedagogy.skills.0"),
        ("    - Contrôle des niveaux et de la géométrie", "pedagogy.activities.1"),
        ("    - Réaliser l'entretien périodique d'un véhicule léger", "pedagogy.objectives.0"),
        ("    - Transports en commun (abonnement TCL)", "finance.transport.0"),
    ],
    ids=["skills", "activities", "objectives", "transport"],
)
def test_a_list_item_with_a_colon_is_told_to_be_quoted(old: str, field: str) -> None:
    text = replace_once(example_text("pfmp"), old, "    - C1 : Analyser une situation")
    finding = only_error(text)
    assert finding.rule == "SCHEMA"
    assert finding.field == field
    assert (finding.line, finding.column) == (line_of(text, "C1 : Analyser"), 7)
    assert finding.end_column == 7 + len("C1 : Analyser une situation")
    assert "un texte est attendu" in finding.message
    assert "« : » suivi d'une espace sépare une clé de sa valeur" in finding.message
    assert '- "C1 : Analyser une situation"' in finding.message
    assert "« C1 - Analyser une situation »" in finding.message


def test_a_list_item_with_a_colon_in_english() -> None:
    text = replace_once(example_text("pfmp"), '    - "C1.2 : Préparer son intervention"', "    - C1: Analyser une situation")
    finding = only_error(text, "en")
    assert "YAML reads 'C1: Analyser une situation' as a 'key: value' mapping (key 'C1')" in finding.message
    assert 'Put the text in quotes: - "C1: Analyser une situation"' in finding.message


def test_a_text_alone_on_its_line_with_a_colon_is_told_to_be_quoted() -> None:
    old = "  coordination: Visite du professeur référent en deuxième semaine, échanges par courriel avec le tuteur."
    text = replace_once(example_text("pfmp"), old, "  coordination:\n    Visite : professeur référent  # semaine 2")
    finding = only_error(text)
    assert finding.field == "pedagogy.coordination"
    assert finding.line == line_of(text, "Visite : professeur")
    assert 'entre guillemets : "Visite : professeur référent" (ou écrivez « Visite - professeur référent »)' in finding.message


def test_a_list_item_ending_with_a_colon() -> None:
    text = replace_once(example_text("pfmp"), '    - "C1.2 : Préparer son intervention"', "    - Remarque :")
    finding = only_error(text)
    assert '- "Remarque :"' in finding.message
    assert "ou écrivez" not in finding.message


def test_the_quoted_fix_keeps_double_quotes_of_the_text() -> None:
    text = replace_once(example_text("pfmp"), '    - "C1.2 : Préparer son intervention"', '    - C1 : Analyser "la" situation')
    finding = only_error(text)
    assert "- 'C1 : Analyser \"la\" situation'" in finding.message
    assert load_text("a: 'C1 : Analyser \"la\" situation'\n").data == {"a": 'C1 : Analyser "la" situation'}


def test_a_long_item_is_quoted_shortened() -> None:
    long = "C1 : " + "Analyser une situation de travail " * 10
    text = replace_once(example_text("pfmp"), '    - "C1.2 : Préparer son intervention"', f"    - {long}")
    finding = only_error(text)
    assert long not in finding.message and len(finding.message) < 600


def test_a_mapping_in_braces_keeps_the_plain_message() -> None:
    text = replace_once(example_text("pfmp"), '    - "C1.2 : Préparer son intervention"', "    - {C1: Analyser}")
    finding = only_error(text)
    assert finding.message == "un texte est attendu"


# --- Hours written the French way ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "start", "end"),
    [
        ("8h-12h", 480, 720),
        ("13h30-17h", 810, 1020),
        ("8h - 12h", 480, 720),
        ("8H-12H", 480, 720),
        ("8h30-12h00", 510, 720),
        ("08:00-12:00", 480, 720),
        ("8h–12h", 480, 720),
        ("20h-24h", 1200, 1440),
    ],
)
def test_french_hours_are_accepted(given: str, start: int, end: int) -> None:
    slot = TypeAdapter(SlotValue).validate_python(given)
    assert (slot.start, slot.end) == (start, end)


def test_an_agreement_with_french_hours_is_valid_and_counts_the_same() -> None:
    base = example_text("pfmp")
    text = replace_once(base, "monday:    [08:30-12:00, 13:30-17:00]", "monday:    [8h30-12h, 13h30-17h]")
    text = replace_once(text, "friday:    [08:30-12:00, 13:30-16:30]", "friday:    8h30 - 12h, 13h30-16h30")
    checked, reference = check_text(text), check_text(base)
    assert checked.valid, checked.findings
    assert checked.agreement.schedule == reference.agreement.schedule


@pytest.mark.parametrize(
    ("given", "kind", "shown"),
    [
        ("25h-12h", "slot_time", "25:00"),
        ("8h60-12h", "slot_time", "08:60"),
        ("24h30-24h", "slot_time", "24:30"),
        ("8h60", "slot_format", None),
        ("8-12h", "slot_format", None),
        ("h-12h", "slot_format", None),
    ],
)
def test_impossible_french_hours_are_refused(given: str, kind: str, shown: str | None) -> None:
    with pytest.raises(ValidationError) as info:
        TypeAdapter(SlotValue).validate_python(given)
    error = info.value.errors()[0]
    assert error["type"] == kind
    if shown:
        assert error["ctx"]["value"] == shown


def test_a_french_slot_that_goes_backwards_gets_the_slot_rule() -> None:
    text = replace_once(example_text("pfmp"), "monday:    [08:30-12:00, 13:30-17:00]", "monday:    [8h-7h]")
    finding = only_error(text)
    assert finding.rule == "SLOT_INVALID"
    assert "le créneau 08:00-07:00 finit avant de commencer" in finding.message


def test_a_french_slot_of_25_hours_says_so() -> None:
    text = replace_once(example_text("pfmp"), "monday:    [08:30-12:00, 13:30-17:00]", "monday:    [25h-12h, 13h30-17h]")
    finding = only_error(text)
    assert finding.field == "schedule.weekly.monday.0"
    assert "heure impossible « 25:00 »" in finding.message


def _slot_pattern(node) -> str | None:
    if isinstance(node, dict):
        if node.get("examples") == ["08:30-12:00"]:
            return node["pattern"]
        node = list(node.values())
    if isinstance(node, list):
        for item in node:
            found = _slot_pattern(item)
            if found:
                return found
    return None


@pytest.mark.parametrize("given", ["8h-12h", "13h30-17h", "8h - 12h", "08:00-12:00", "8h30-12h00"])
def test_the_json_schema_takes_french_hours_too(given: str) -> None:
    pattern = _slot_pattern(json_schema("pfmp"))
    assert pattern and re.search(pattern, given)
    assert not re.search(pattern, "8-12")


# --- Dates written day first --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "meant", "long"),
    [
        ("12/01/2026", "2026-01-12", "12 janvier 2026"),
        ("12/01/26", "2026-01-12", "12 janvier 2026"),
        ("1/2/2026", "2026-02-01", "1er février 2026"),
        ("12.01.2026", "2026-01-12", "12 janvier 2026"),
    ],
)
def test_a_day_first_date_is_given_in_iso(given: str, meant: str, long: str) -> None:
    text = replace_once(example_text("pfmp"), "start: 2026-01-12", f"start: {given}")
    finding = only_error(text)
    assert finding.field == "period.start"
    assert finding.line == line_of(text, f"start: {given}")
    assert f"date « {given} » écrite jour/mois/année" in finding.message
    assert "les dates s'écrivent année-mois-jour (AAAA-MM-JJ)" in finding.message
    assert f"écrivez {meant} ({long})" in finding.message


def test_a_day_first_birth_date_of_last_century() -> None:
    text = replace_once(example_text("pfmp"), "birth_date: 2009-05-14", "birth_date: 14/05/89")
    assert "écrivez 1989-05-14" in only_error(text).message


def test_a_day_first_date_in_english() -> None:
    text = replace_once(example_text("pfmp"), "start: 2026-01-12", "start: 12/01/2026")
    message = only_error(text, "en").message
    assert "dates are written year-month-day (YYYY-MM-DD); write 2026-01-12 (12 January 2026)" in message


@pytest.mark.parametrize("given", ["31/02/2026", "12/13/2026", "12/01/1850"])
def test_an_impossible_day_first_date_is_explained_without_a_suggestion(given: str) -> None:
    text = replace_once(example_text("pfmp"), "start: 2026-01-12", f"start: {given}")
    message = only_error(text).message
    assert "les dates s'écrivent année-mois-jour (AAAA-MM-JJ), par exemple 2026-01-12" in message
    assert "cette date n'existe pas" in message and "écrivez" not in message


def test_a_day_first_date_as_a_key_is_pointed_at_itself() -> None:
    text = replace_once(example_text("pfmp"), "    2026-01-23: []", "    23/01/2026: []")
    finding = only_error(text)
    assert finding.field == "schedule.exceptions.23/01/2026"
    assert (finding.line, finding.column) == (line_of(text, "23/01/2026"), 5)
    assert "écrivez 2026-01-23 (23 janvier 2026)" in finding.message


# --- A key without its colon --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "key", "fixed"),
    [
        # last key of a nested mapping (host.address)
        ("    city: Lyon\n", "    city Lyon\n", "city", "city: Lyon"),
        # a key in the middle of a mapping
        ("  last_name: Dupont", "  last_name Dupont", "last_name", "last_name: Dupont"),
        # the first key of a mapping, which YAML reads as one text with the next key
        (
            "  name: Lycée professionnel Marcel Sembat",
            "  name Lycée professionnel Marcel Sembat",
            "name",
            "name: Lycée professionnel Marcel Sembat",
        ),
        # the first key of a list item, then its second key
        ("  - name: Julien Moreau", "  - name Julien Moreau", "name", "name: Julien Moreau"),
        ("    email: julien.moreau@ac-lyon.fr", "    email julien.moreau@ac-lyon.fr", "email", "email: julien.moreau@ac-lyon.fr"),
        # the document's own keys, first and second
        ("kind: pfmp", "kind pfmp", "kind", "kind: pfmp"),
        ("version: 1", "version 1", "version", "version: 1"),
        # a key whose value is the block below
        (
            "  legal_guardian:                        # required",
            "  legal_guardian                         # required",
            "legal_guardian",
            "legal_guardian:",
        ),
    ],
    ids=["last key", "middle key", "first key", "list item first key", "list item second key", "kind", "version", "block key"],
)
def test_a_missing_colon_is_reported_on_its_own_line(old: str, new: str, key: str, fixed: str) -> None:
    text = replace_once(example_text("pfmp"), old, new)
    finding = only_error(text)
    assert finding.rule == "YAML_SYNTAX"
    line = line_of(text, new.strip().split("#")[0].strip())
    column = len(new) - len(new.lstrip(" -")) + 1
    assert (finding.line, finding.column, finding.end_column) == (line, column, column + len(key))
    assert f"il manque sans doute « : » après « {key} » ; écrivez « {fixed} »" in finding.message


def test_a_missing_colon_in_english() -> None:
    text = replace_once(example_text("pfmp"), "    city: Lyon\n", "    city Lyon\n")
    finding = only_error(text, "en")
    assert finding.line == line_of(text, "city Lyon")
    assert finding.message == "invalid YAML syntax: a ':' is probably missing after 'city'; write 'city: Lyon'."


def test_a_block_of_one_key_without_its_colon() -> None:
    # Alone in its block, the line is a valid text: the schema, expecting the block, says what is missing.
    text = replace_once(example_text("pfmp"), "  place: Vénissieux", "  place Vénissieux")
    finding = only_error(text)
    assert (finding.rule, finding.field, finding.line) == ("SCHEMA", "signature", line_of(text, "place Vénissieux"))
    assert "il manque sans doute « : » après « place » ; écrivez « place: Vénissieux »" in finding.message


def test_a_colon_without_its_space() -> None:
    text = replace_once(example_text("pfmp"), "  last_name: Dupont", "  last_name:Dupont")
    finding = only_error(text)
    assert finding.line == line_of(text, "last_name:Dupont")
    assert "« : » doit être suivi d'une espace ; écrivez « last_name: Dupont »" in finding.message


def test_a_list_item_without_its_dash() -> None:
    text = replace_once(example_text("pfmp"), "    - Contrôle des niveaux", "    Contrôle des niveaux")
    finding = only_error(text)
    assert finding.line == line_of(text, "Contrôle des niveaux")
    assert "il manque sans doute « - » devant « Contrôle des niveaux et de la géométrie »" in finding.message


def test_a_text_carried_on_too_little_indented() -> None:
    old = "  coordination: Visite du professeur référent en deuxième semaine, échanges par courriel avec le tuteur."
    text = replace_once(example_text("pfmp"), old, "  coordination: Visite du professeur référent\n  en deuxième semaine")
    finding = only_error(text)
    assert finding.line == line_of(text, "en deuxième semaine")
    assert "si cette ligne continue le texte de « coordination », indentez-la davantage" in finding.message


@pytest.mark.parametrize(
    ("text", "line", "column"),
    [
        # a value holding ": ", the slip the parser explains itself
        ("kind: pfmp\nname: Lycée: Jean\n", 2, 12),
        # a text on several lines whose last line holds ": "
        ("a:\n  coordination:\n    Visite du professeur\n    en deuxième semaine: échanges\n", 4, 24),
        # a key indented too far
        ("a:\n  b: 1\n   c: 2\n", 3, 5),
        # a text carried on, then a key indented as the text
        ("a:\n  x: foo\n    bar\n    b: 1\n", 4, 6),
    ],
    ids=["colon in a value", "colon in a text on several lines", "key indented too far", "text carried on"],
)
def test_other_colon_errors_keep_their_place(text: str, line: int, column: int) -> None:
    finding = only_error(text)
    assert (finding.rule, finding.line, finding.column) == ("YAML_SYNTAX", line, column)
    assert "il manque sans doute" not in finding.message


@pytest.mark.parametrize(
    "text",
    [
        "a:\n  b: 1\n  city Lyon\n\n  # la ville\n  c: 2\n",  # blank and comment lines before the next key
        "a:\n  b: 1\n  city Lyon   # la ville\n  c: 2\n",
        "a:\r\n  b: 1\r\n  city Lyon\r\n  c: 2\r\n",
        "a:\n  b: 1\n  city Lyon",  # the end of the file
    ],
    ids=["blank and comment", "comment", "crlf", "end of file"],
)
def test_a_missing_colon_whatever_follows(text: str) -> None:
    finding = only_error(text)
    assert (finding.line, finding.column) == (3, 3)
    assert "après « city » ; écrivez « city: Lyon »" in finding.message


def test_a_control_character_after_accents_is_placed_by_characters_not_bytes() -> None:
    # libyaml gives the place of a forbidden character in bytes of UTF-8: each accent above
    # would move it one column on, and enough of them onto another line.
    text = "kind: pfmp\nnote: " + "é" * 40 + "\ncity: Ly\x1bon\n"
    finding = next(f for f in check_text(text).findings if f.rule == "YAML_SYNTAX")
    assert (finding.line, finding.column) == (3, 9)
    assert "U+001B" in finding.message
