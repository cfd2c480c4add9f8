"""The built-in templates and their model texts (tools/templates/*.md).

The texts parse and hold every piece their layout places; the committed DOCX are exactly what
the texts build; a word changed in a text reaches the document; and the rendered documents read
as the model has them: one « idem au jour précédent » box per half-day, the immersion worker's
last name before the first name.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

from conftest import ROOT, build_case, docx_text, example_text, schedule_table

TOOLS = ROOT / "tools"
if str(TOOLS) not in sys.path:
    sys.path.insert(0, str(TOOLS))

import build_templates  # noqa: E402  (tools/ is not a package)
from docxbuilder.source import SourceError, Texts, parse  # noqa: E402

NAMES = tuple(build_templates.DOCUMENTS)
SAME = "idem au jour précédent"


def boxes(rows: list[list[str]]) -> dict[str, tuple[str, ...]]:
    """For each day, the box of each half-day cell that has one (« ☒ » or « ☐ »), morning first."""
    found = {}
    for day, morning, afternoon, _total in rows:
        marks = []
        for cell in (morning, afternoon):
            assert cell.count(SAME) <= 1, (day, cell)
            if SAME in cell:
                assert cell.startswith(("☒ ", "☐ ")), (day, cell)  # the box first, as in the model
                marks.append(cell[0])
        found[day] = tuple(marks)
    return found


def render(cli, workdir: Path, name: str, text: str, copy: str) -> Path:
    (workdir / f"{name}.yaml").write_text(text, encoding="utf-8")
    result = cli("render", f"{name}.yaml", "--copies", copy)
    assert result.exit_code == 0, result.output
    return workdir / "out" / f"{name}.{copy}.docx"


# The texts and the build


@pytest.mark.parametrize("name", NAMES)
def test_each_text_parses_and_has_every_piece_its_layout_places(name: str, tmp_path: Path) -> None:
    path = build_templates.TEXTS / f"{name}.md"
    pieces = parse(path.read_text(encoding="utf-8"), path.name)
    # The agreements have a schedule table; the attestation reports what was done instead.
    scheduled = ("schedule.columns", "schedule.rest", "schedule.none", "schedule.same") if name != "attestation" else ("stamp.host",)
    for key in ("document.title", "footer", "footer.page", *scheduled, "signature.caption"):
        assert key in pieces, key
    texts = Texts(pieces, path.name)
    build_templates.DOCUMENTS[name](texts, tmp_path / f"{name}.docx")  # a missing piece raises SourceError
    assert texts.used == set(pieces)


@pytest.mark.parametrize("name", NAMES)
def test_a_text_without_a_piece_its_layout_needs_is_an_error_naming_it(name: str, tmp_path: Path) -> None:
    source = (build_templates.TEXTS / f"{name}.md").read_text(encoding="utf-8")
    line, key = ("@schedule.same idem au jour précédent\n", "@schedule.same")
    if name == "attestation":
        line, key = ("@stamp.host Cachet de l'organisme d'accueil\n", "@stamp.host")
    assert source.count(line) == 1
    texts = Texts(parse(source.replace(line, ""), f"{name}.md"), f"{name}.md")
    with pytest.raises(SourceError, match=key):
        build_templates.DOCUMENTS[name](texts, tmp_path / f"{name}.docx")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("built")
    assert build_templates.main(["--out", str(out)]) == 0
    return out


@pytest.mark.parametrize("name", NAMES)
def test_the_committed_templates_are_exactly_what_their_texts_build(built: Path, name: str) -> None:
    shipped = (ROOT / "templates" / f"{name}.docx").read_bytes()
    assert (built / f"{name}.docx").read_bytes() == shipped, (
        f"templates/{name}.docx is not its text's build: run python tools/build_templates.py"
    )


def test_building_twice_gives_the_same_bytes(built: Path, tmp_path: Path) -> None:
    assert build_templates.main(["--out", str(tmp_path)]) == 0
    for name in NAMES:
        assert (tmp_path / f"{name}.docx").read_bytes() == (built / f"{name}.docx").read_bytes(), name


def test_a_word_changed_in_a_text_reaches_the_built_document(tmp_path: Path) -> None:
    texts, out = tmp_path / "texts", tmp_path / "out"
    texts.mkdir()
    for name in NAMES:
        shutil.copy(build_templates.TEXTS / f"{name}.md", texts)
    edits = {
        # a legal article, a label the layout places in the schedule table, the footer's word
        "pfmp": [
            ("seul l'élève majeur nommément désigné", "seul l'élève majeur expressément désigné"),
            ("@schedule.same idem au jour précédent", "@schedule.same comme la veille"),
        ],
        "immersion": [("@footer.page Page", "@footer.page Feuille"), ("Nom, Prénom : **{{ worker.", "Nom et prénom : **{{ worker.")],
        "attestation": [("@stamp.host Cachet de l'organisme d'accueil", "@stamp.host Tampon de l'organisme d'accueil")],
    }
    for name, changes in edits.items():
        path = texts / f"{name}.md"
        source = path.read_text(encoding="utf-8")
        for old, new in changes:
            assert source.count(old) == 1, old
            source = source.replace(old, new)
        path.write_text(source, encoding="utf-8")
    assert build_templates.main(["--out", str(out), "--texts", str(texts)]) == 0

    pfmp = docx_text(out / "pfmp.docx")
    assert "seul l'élève majeur expressément désigné" in pfmp and "seul l'élève majeur nommément" not in pfmp
    morning, afternoon = schedule_table(out / "pfmp.docx")[1][1:3]  # under the row of « {%tr for row in week_pattern %} »
    assert "{{ row.same_morning_as_previous|box }} comme la veille" in morning
    assert "{{ row.same_afternoon_as_previous|box }} comme la veille" in afternoon
    assert SAME not in pfmp

    immersion = docx_text(out / "immersion.docx")
    assert "\tFeuille " in immersion and "\tPage " not in immersion
    assert "Nom et prénom :\t{{ worker.last_name }} {{ worker.first_name }}" in immersion

    attestation = docx_text(out / "attestation.docx")
    assert "Tampon de l'organisme d'accueil" in attestation and "Cachet de" not in attestation


# The rendered documents


def test_the_pfmp_example_has_one_box_per_worked_half_day_after_the_first_row(cli, workdir: Path) -> None:
    rows = schedule_table(render(cli, workdir, "exemple", example_text("pfmp"), "etablissement"))
    worked = [row for row in rows if row[1] != "repos"]
    assert [row[0] for row in worked] == ["Lundi", "Mardi", "Mercredi", "Jeudi", "Vendredi"]
    first, *others = worked
    assert not any(SAME in cell for cell in first)
    for day, morning, afternoon, total in others:
        assert morning.count(SAME) == 1 and afternoon.count(SAME) == 1, day
        assert SAME not in day + total
    assert not any(SAME in cell for row in rows if row[1] == "repos" for cell in row)
    # Friday's morning is Thursday's, its afternoon ends at 16 h 30 instead of 17 h 00
    assert boxes(rows) == {
        "Lundi": (),
        "Mardi": ("☒", "☒"),
        "Mercredi": ("☒", "☒"),
        "Jeudi": ("☒", "☒"),
        "Vendredi": ("☒", "☐"),
        "Samedi": (),
    }
    assert rows[1][1].endswith("de 8 h 30 à 12 h 00")  # the slots under the box


def test_each_half_day_is_compared_with_the_same_half_of_the_day_before(cli, workdir: Path) -> None:
    text = build_case(
        "pfmp",
        {
            "schedule": {
                "weekly": {
                    "tuesday": ["08:30-12:00", "14:00-17:00"],  # Monday's morning, another afternoon
                    "wednesday": ["08:30-12:00"],  # no afternoon
                }
            }
        },
    )
    rows = schedule_table(render(cli, workdir, "demi", text, "etablissement"))
    by_day = {row[0]: row for row in rows}
    assert by_day["Mardi"][1].startswith(f"☒ {SAME}") and by_day["Mardi"][2].startswith(f"☐ {SAME}")
    assert by_day["Mercredi"][2] == "—"  # a half-day not worked gets no box
    assert boxes(rows) == {"Lundi": (), "Mardi": ("☒", "☐"), "Mercredi": ("☒",), "Jeudi": ("☒", "☐"), "Vendredi": ("☒", "☐"), "Samedi": ()}


def test_the_immersion_schedule_has_the_same_boxes(cli, workdir: Path) -> None:
    rows = schedule_table(render(cli, workdir, "immersion", example_text("immersion"), "hote"))
    assert boxes(rows) == {
        "Lundi": (),
        "Mardi": ("☒", "☒"),
        "Mercredi": ("☒", "☒"),
        "Jeudi": ("☒", "☒"),
        "Vendredi": ("☒", "☐"),
        "Samedi": (),
    }


def test_the_immersion_worker_is_named_last_name_first(cli, workdir: Path) -> None:
    for copy in ("hote", "envoi", "travailleur"):
        text = docx_text(render(cli, workdir, "immersion", example_text("immersion"), copy))
        assert "Nom, Prénom :\tRousseau Amandine\n" in text, copy
        assert "Le travailleur stagiaire :\nRousseau Amandine\nAssistante de service social" in text, copy
        assert "Amandine Rousseau" not in text, copy
