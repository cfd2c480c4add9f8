"""The rendering engine on small templates made here: tags, escaping, copies, files, errors."""

from __future__ import annotations

import zipfile
from pathlib import Path

import docx
import pytest

from conftest import build_case, example_text, other_pupil, replace_once
from convgen.documents.package import read_members


def make_template(path: Path, paragraphs: list[list[str] | str], table: list[list[str]] | None = None) -> Path:
    """A DOCX whose paragraphs are given as runs (a list splits a tag across runs, as Word does)."""
    document = docx.Document()
    for paragraph in paragraphs:
        runs = [paragraph] if isinstance(paragraph, str) else paragraph
        p = document.add_paragraph()
        for index, text in enumerate(runs):
            run = p.add_run(text)
            run.bold = index % 2 == 1  # a change of formatting inside a tag, as after an edit in Word
    if table:
        grid = document.add_table(rows=len(table), cols=len(table[0]))
        for r, row in enumerate(table):
            for c, text in enumerate(row):
                grid.cell(r, c).text = text
    document.save(path)
    return path


def texts(path: Path) -> list[str]:
    return [p.text for p in docx.Document(path).paragraphs]


def rows(path: Path) -> list[list[str]]:
    return [[cell.text for cell in row.cells] for row in docx.Document(path).tables[0].rows]


@pytest.fixture
def simple(workdir: Path) -> Path:
    return make_template(
        workdir / "simple.docx",
        [
            "{{ copy.heading }}",
            ["Élève : {{ pupil.fir", "st_name }} {{ pupil.last_name }}"],
            "Né(e) le {{ pupil.birth_date|date_fr }} ; période du {{ period.start|date_fr }} au {{ period.end|date_fr }}",
            "{%p if minor %}",
            "Limite : {{ limits.daily_max|hours_fr }} par jour, de {{ limits.window.start }} h à {{ limits.window.end }} h",
            "{%p endif %}",
            "Total : {{ total_hours|hours_fr }} sur {{ presence_days }} jours, {{ weeks }} semaines",
            "Coordination : {{ pedagogy.coordination|multiline }}",
            "Repas payants : {{ (finance.meals.mode == \u201cpaid_on_site\u201d)|box }} {{ finance.meals.price|euros }}",
        ],
        table=[
            ["Jour", "Matin", "Après-midi", "Total"],
            ["{%tr for row in week_pattern %}", "", "", ""],
            ["{{ row.day }}", "{{ row.morning|slots_fr }}", "{{ row.afternoon|slots_fr }}", "{{ row.hours|hours_fr }}"],
            ["{%tr endfor %}", "", "", ""],
        ],
    )


def write_example(path: Path, text: str | None = None) -> Path:
    path.write_text(text if text is not None else example_text("pfmp"), encoding="utf-8")
    return path


def test_render_fills_every_copy(cli, workdir: Path, simple: Path) -> None:
    write_example(workdir / "agreement.yaml")
    result = cli("render", "--template", str(simple))
    assert result.exit_code == 0, result.output
    names = sorted(path.name for path in (workdir / "out").iterdir())
    assert names == ["agreement.eleve.docx", "agreement.entreprise.docx", "agreement.etablissement.docx"]
    school = texts(workdir / "out" / "agreement.etablissement.docx")
    assert school[0] == "Exemplaire destiné à l'établissement de formation"
    assert texts(workdir / "out" / "agreement.entreprise.docx")[0] == "Exemplaire destiné à l'entreprise ou l'organisme d'accueil"
    assert texts(workdir / "out" / "agreement.eleve.docx")[0] == "Exemplaire destiné au représentant légal de l'élève"
    assert school[1] == "Élève : Léa Dupont"
    assert school[2] == "Né(e) le 14 mai 2009 ; période du 12 janvier 2026 au 6 février 2026"
    assert school[3] == "Limite : 8 h par jour, de 6 h à 22 h"
    assert school[4] == "Total : 131 h 30 sur 19 jours, 4 semaines"
    assert school[6] == "Repas payants : ☒ 3,80\u00a0€"
    table = rows(workdir / "out" / "agreement.etablissement.docx")
    assert table[0] == ["Jour", "Matin", "Après-midi", "Total"]
    assert table[1] == ["Lundi", "de 8 h 30 à 12 h 00", "de 13 h 30 à 17 h 00", "7 h"]
    assert table[5] == ["Vendredi", "de 8 h 30 à 12 h 00", "de 13 h 30 à 16 h 30", "6 h 30"]
    assert [row[0] for row in table[1:]] == ["Lundi", "Mardi", "Mercredi", "Jeudi", "Vendredi", "Samedi"]


def test_adult_pupil_copy_goes_to_the_pupil_and_minor_paragraphs_go(cli, workdir: Path, simple: Path) -> None:
    write_example(workdir / "adult.yaml", build_case("pfmp", {"pupil": {"birth_date": "2000-01-01"}}, remove=["pupil.legal_guardian"]))
    result = cli("render", "adult.yaml", "--template", str(simple))
    assert result.exit_code == 0, result.output
    pupil = texts(workdir / "out" / "adult.eleve.docx")
    assert pupil[0] == "Exemplaire destiné à l'élève"
    assert not any(line.startswith("Limite") for line in pupil)


def test_values_come_out_literally(cli, workdir: Path, simple: Path) -> None:
    text = replace_once(example_text("pfmp"), "first_name: Léa", 'first_name: "A&B <C> \\"D\\" {{ 7*7 }} {% if x %}É"')
    text = replace_once(
        text,
        "coordination: Visite du professeur référent en deuxième semaine, échanges par courriel avec le tuteur.",
        'coordination: "ligne 1\\nligne 2 & <3>"',
    )
    write_example(workdir / "agreement.yaml", text)
    result = cli("render", "--template", str(simple), "--copies", "etablissement")
    assert result.exit_code == 0, result.output
    document = workdir / "out" / "agreement.etablissement.docx"
    lines = texts(document)
    assert lines[1] == 'Élève : A&B <C> "D" {{ 7*7 }} {% if x %}É Dupont'
    assert lines[5] == "Coordination : ligne 1\nligne 2 & <3>"
    xml = zipfile.ZipFile(document).read("word/document.xml").decode()
    assert "A&amp;B &lt;C&gt;" in xml and "49" not in lines[1]


def test_forbidden_xml_character_is_refused_and_nothing_written(cli, workdir: Path, simple: Path) -> None:
    write_example(workdir / "agreement.yaml", replace_once(example_text("pfmp"), "first_name: Léa", 'first_name: "L\\u0001a"'))
    result = cli("render", "--template", str(simple))
    assert result.exit_code == 1
    assert "pupil.first_name" in result.output and "U+0001" in result.output
    assert not (workdir / "out").exists() or not list((workdir / "out").iterdir())


def test_renders_are_byte_identical_with_fixed_timestamps_and_member_order(cli, workdir: Path, simple: Path) -> None:
    write_example(workdir / "agreement.yaml")
    assert cli("render", "--template", str(simple), "--out", "a").exit_code == 0
    assert cli("render", "--template", str(simple), "--out", "b").exit_code == 0
    for copy in ("etablissement", "entreprise", "eleve"):
        first = (workdir / "a" / f"agreement.{copy}.docx").read_bytes()
        assert first == (workdir / "b" / f"agreement.{copy}.docx").read_bytes()
        with zipfile.ZipFile(workdir / "a" / f"agreement.{copy}.docx") as archive:
            assert archive.testzip() is None
            assert {info.date_time for info in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}
            assert [info.filename for info in archive.infolist()] == zipfile.ZipFile(simple).namelist()


def test_unchanged_members_are_copied_compressed_as_they_were(cli, workdir: Path, simple: Path) -> None:
    write_example(workdir / "agreement.yaml")
    assert cli("render", "--template", str(simple), "--copies", "eleve").exit_code == 0
    template = {member.name: member.raw for member in read_members(simple.read_bytes())}
    output = {member.name: member.raw for member in read_members((workdir / "out" / "agreement.eleve.docx").read_bytes())}
    changed = [name for name in template if template[name] != output[name]]
    assert changed == ["word/document.xml"]


def test_copies_option(cli, workdir: Path, simple: Path) -> None:
    write_example(workdir / "agreement.yaml")
    result = cli("render", "--template", str(simple), "--copies", "etablissement,eleve")
    assert result.exit_code == 0, result.output
    assert sorted(path.name for path in (workdir / "out").iterdir()) == ["agreement.eleve.docx", "agreement.etablissement.docx"]
    bad = cli("render", "--template", str(simple), "--copies", "mairie")
    assert bad.exit_code == 2 and "mairie" in bad.output and "etablissement" in bad.output


def test_invalid_input_is_not_rendered_but_the_others_are(cli, workdir: Path, simple: Path) -> None:
    (workdir / "in").mkdir()
    write_example(workdir / "in" / "good.yaml")
    write_example(
        workdir / "in" / "bad.yaml",
        build_case("pfmp", {"pupil": {"last_name": "Autre"}, "schedule": {"weekly": {"tuesday": ["08:00-12:00", "13:00-17:01"]}}}),
    )
    result = cli("render", "in", "--template", str(simple), "--out", "docs")
    assert result.exit_code == 1
    assert "MINOR_DAILY_MAX" in result.output and "bad.yaml" in result.output
    assert sorted(path.name for path in (workdir / "docs").iterdir()) == [
        "good.eleve.docx",
        "good.entreprise.docx",
        "good.etablissement.docx",
    ]


def test_sub_directories_are_kept_under_out(cli, workdir: Path, simple: Path) -> None:
    (workdir / "classes" / "1A").mkdir(parents=True)
    (workdir / "classes" / "1B").mkdir()
    write_example(workdir / "classes" / "1A" / "dupont.yaml")
    write_example(workdir / "classes" / "1B" / "dupont.yaml", other_pupil(example_text("pfmp"), 1))
    result = cli("render", "classes", "--template", str(simple), "--copies", "eleve")
    assert result.exit_code == 0, result.output
    assert (workdir / "out" / "1A" / "dupont.eleve.docx").is_file()
    assert (workdir / "out" / "1B" / "dupont.eleve.docx").is_file()


def test_built_in_template_is_used_by_default(cli, workdir: Path) -> None:
    write_example(workdir / "agreement.yaml")
    result = cli("render")
    assert result.exit_code == 0, result.output
    assert texts(workdir / "out" / "agreement.etablissement.docx")


def test_missing_input_and_missing_template_are_usage_errors(cli, workdir: Path) -> None:
    assert cli("render").exit_code == 2
    write_example(workdir / "agreement.yaml")
    result = cli("render", "--template", "nowhere.docx")
    assert result.exit_code == 2 and "nowhere.docx" in result.output
    (workdir / "not.docx").write_text("hello")
    result = cli("render", "--template", "not.docx")
    assert result.exit_code == 2 and "docx" in result.output.lower()
    assert not (workdir / "out").exists()


@pytest.mark.parametrize(
    ("tag", "said"),
    [
        ("{{ cycler.__init__.__globals__.os }}", "bac à sable"),
        ("{{ ''.__class__.__mro__[1].__subclasses__() }}", "bac à sable"),
        ("{{ pupil.__dict__ }}", "bac à sable"),
        ("{{ range.__self__ }}", "nom inconnu"),
        ("{{ 'x' * 1000000000 }}", "trop long"),
        ("{{ [0] * 1000000000 }}", "trop long"),
        ("{{ 9 ** 999999999 }}", "puissance trop grande"),
    ],
)
def test_sandbox_blocks_attribute_tricks(cli, workdir: Path, tag: str, said: str) -> None:
    template = make_template(workdir / "evil.docx", ["Bonjour {{ pupil.first_name }}", tag])
    write_example(workdir / "agreement.yaml")
    result = cli("render", "--template", str(template))
    assert result.exit_code == 2, result.output
    assert said in result.output and tag in result.output
    assert "Traceback" not in result.output
    assert not (workdir / "out").exists() or not list((workdir / "out").iterdir())


def test_syntax_error_shows_the_word_text_not_xml(cli, workdir: Path) -> None:
    template = make_template(workdir / "broken.docx", ["Titre", ["Élève : {{ pupil.first_name ", "}} né le {{ pupil.birth_date|date_fr }"]])
    write_example(workdir / "agreement.yaml")
    result = cli("render", "--template", str(template))
    assert result.exit_code == 2
    assert "Élève : {{ pupil.first_name }} né le" in result.output
    assert "<w:" not in result.output


def test_unknown_name_at_render_names_it_with_the_word_text(cli, workdir: Path) -> None:
    template = make_template(workdir / "typo.docx", ["Titre", "Élève : {{ pupil.frist_name }}"])
    write_example(workdir / "agreement.yaml")
    result = cli("render", "--template", str(template))
    assert result.exit_code == 2
    assert "frist_name" in result.output and "Élève : {{ pupil.frist_name }}" in result.output
    assert not (workdir / "out").exists() or not list((workdir / "out").iterdir())


def test_template_check_lists_every_problem(cli, workdir: Path) -> None:
    template = make_template(
        workdir / "typos.docx",
        [
            "Élève : {{ pupil.frist_name }}",
            "Tuteur : {{ tutor.nom }}",
            "{% for t in teachers %}{{ t.nme }}{% endfor %}",
            "{{ unknown_top }}",
        ],
    )
    result = cli("template", "check", str(template), "--kind", "pfmp")
    assert result.exit_code == 1
    for name in ("pupil.frist_name", "tutor.nom", "t.nme", "unknown_top"):
        assert f"« {name} »" in result.output
    assert "Tuteur : {{ tutor.nom }}" in result.output


def test_template_check_reports_syntax_errors(cli, workdir: Path) -> None:
    template = make_template(workdir / "syntax.docx", ["{% if minor %}mineur", "fin"])
    result = cli("template", "check", str(template))
    assert result.exit_code == 1 and "syntaxe" in result.output


def test_template_check_passes_a_good_template(cli, workdir: Path, simple: Path) -> None:
    result = cli("template", "check", str(simple), "--kind", "pfmp")
    assert result.exit_code == 0, result.output
    assert "modèle valide" in result.output


def test_paragraph_tag_that_breaks_the_document_is_caught(cli, workdir: Path) -> None:
    template = make_template(
        workdir / "half.docx",
        ["Début", "{%p if minor %}"],
        table=[["{%p endif %}", "cellule"]],
    )
    write_example(workdir / "agreement.yaml", build_case("pfmp", {"pupil": {"birth_date": "2000-01-01"}}, remove=["pupil.legal_guardian"]))
    result = cli("render", "--template", str(template))
    assert result.exit_code == 2, result.output
    assert "invalide" in result.output
    assert not (workdir / "out").exists() or not list((workdir / "out").iterdir())
    check = cli("template", "check", str(template))
    assert check.exit_code == 1 and "invalide" in check.output


def test_template_export_then_check_the_copy(cli, workdir: Path) -> None:
    result = cli("template", "export", "pfmp", "-o", "mine.docx")
    assert result.exit_code == 0, result.output
    assert zipfile.is_zipfile(workdir / "mine.docx")
    assert cli("template", "export", "pfmp", "-o", "mine.docx").exit_code == 2
    assert cli("template", "export", "pfmp", "-o", "mine.docx", "--force").exit_code == 0
    assert cli("template", "check", "mine.docx", "--kind", "pfmp").exit_code == 0


def test_a_render_killed_midway_leaves_only_whole_documents(workdir: Path, simple: Path) -> None:
    import os
    import signal
    import subprocess
    import sys
    import time

    inputs = workdir / "class"
    inputs.mkdir()
    text = example_text("pfmp")
    for number in range(400):
        (inputs / f"pupil{number:03d}.yaml").write_text(other_pupil(text, number), encoding="utf-8")
    out = workdir / "out"
    process = subprocess.Popen(
        [sys.executable, "-m", "convgen", "render", str(inputs), "--template", str(simple), "--out", str(out)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    # Documents reach OUT only once every agreement is checked: kill as soon as they do.
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        if out.is_dir() and os.listdir(out):
            break
        time.sleep(0.001)
    assert process.poll() is None, "the batch ended before it could be killed: make it bigger"
    process.send_signal(signal.SIGKILL)
    process.wait()
    written = sorted(out.iterdir())
    assert 1 <= len(written) < 1200
    for path in written:
        assert path.name.endswith(".docx") and not path.name.startswith("."), path.name
        with zipfile.ZipFile(path) as archive:
            assert archive.testzip() is None


def test_a_render_killed_while_checking_writes_nothing(workdir: Path) -> None:
    import signal
    import subprocess
    import sys
    import time

    inputs = workdir / "class"
    inputs.mkdir()
    for number in range(400):
        (inputs / f"pupil{number:03d}.yaml").write_text(other_pupil(example_text("pfmp"), number), encoding="utf-8")
    out = workdir / "out"
    process = subprocess.Popen(
        [sys.executable, "-m", "convgen", "render", str(inputs), "--out", str(out), "-j", "1"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    time.sleep(1.0)  # started, checking: 400 agreements in the built-in template take seconds
    assert process.poll() is None, "the batch ended before it could be killed: make it bigger"
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert not out.exists() or [path.name for path in out.iterdir() if not path.name.startswith(".convgen-")] == []


def test_same_names_in_different_folders_never_share_an_output(cli, workdir: Path, simple: Path) -> None:
    for number, folder in enumerate(("a", "b")):
        (workdir / folder).mkdir()
        write_example(workdir / folder / "dupont.yaml", other_pupil(example_text("pfmp"), number))
    write_example(workdir / "b" / "Dupont.yml", other_pupil(example_text("pfmp"), 2))
    result = cli("render", "a/dupont.yaml", "b/dupont.yaml", "b/Dupont.yml", "--template", str(simple), "--copies", "eleve")
    assert result.exit_code == 0, result.output
    written = sorted(path.relative_to(workdir / "out").as_posix() for path in (workdir / "out").rglob("*.docx"))
    assert len(written) == 3 and len({name.casefold() for name in written}) == 3
    assert "a/dupont.eleve.docx" in written and "b/dupont.eleve.docx" in written


def test_out_that_is_a_file_or_not_writable_is_a_usage_error(cli, workdir: Path, simple: Path) -> None:
    write_example(workdir / "agreement.yaml")
    (workdir / "taken").write_text("")
    result = cli("render", "--template", str(simple), "--out", "taken")
    assert result.exit_code == 2 and "taken" in result.output
    assert "Traceback" not in result.output


def test_output_names_are_sanitised_and_stay_inside_out(workdir: Path) -> None:
    from pathlib import PurePosixPath

    from convgen.output.files import output_path, safe_component

    assert safe_component("..") == "_" and safe_component("a:b*?") == "a_b__" and safe_component("CON") == "_CON"
    out = workdir / "out"
    target = output_path(out, PurePosixPath("../../etc/passwd"), ".eleve.docx")
    assert target.resolve().is_relative_to(out.resolve())
    assert output_path(out, PurePosixPath("classe 1/élève"), ".eleve.docx") == out / "classe 1" / "élève.eleve.docx"


def test_a_folder_linked_out_of_out_is_refused(cli, workdir: Path, simple: Path) -> None:
    elsewhere = workdir / "elsewhere"
    elsewhere.mkdir()
    (workdir / "out").mkdir()
    (workdir / "out" / "classe").symlink_to(elsewhere, target_is_directory=True)
    (workdir / "ecole" / "classe").mkdir(parents=True)
    write_example(workdir / "ecole" / "classe" / "agreement.yaml")
    result = cli("render", "ecole", "--template", str(simple))
    assert "Traceback" not in result.output
    assert result.exit_code == 2, result.output
    assert "hors du dossier de sortie" in result.output
    assert list(elsewhere.iterdir()) == []


def test_a_slot_ending_at_midnight_prints_24_h_00() -> None:
    import datetime as dt

    from convgen.documents.context import slot_record
    from convgen.documents.filters import f_slots_fr
    from convgen.schema.fields import Slot

    assert f_slots_fr([slot_record(Slot(20 * 60, 24 * 60))]) == "de 20 h 00 à 24 h 00"
    assert slot_record(Slot(8 * 60 + 30, 12 * 60)).start == dt.time(8, 30)


@pytest.mark.parametrize(
    ("source", "fields"),
    [
        ("A {{ copy.heading }} B", {"heading"}),
        ("{{ copy.heading }} et {{ copy.id }}", {"heading", "id"}),
        ("{% for other in copies %}{{ other.heading }}{% endfor %}{{ copy.label }}", {"label"}),
        ("{% if copy.id == 'eleve' %}x{% endif %}{{ copy.heading }}", None),
        ("{{ copy.heading|upper }}", None),
        ("{{ copy }}", None),
        ("{% for c in [copy] %}{{ c.heading }}{% endfor %}", None),
        ("{% autoescape false %}{{ copy.heading }}{% endautoescape %}", None),
        ("{{ copy['heading'] }}", None),
    ],
)
def test_a_part_is_rendered_once_for_all_copies_only_when_it_just_prints_copy_values(source: str, fields: set[str] | None) -> None:
    from convgen.documents.sandbox import copy_fields, environment

    expected = frozenset(fields) if fields is not None else None
    assert copy_fields(environment().parse(source)) == expected


def _built_in_documents(spliced: bool) -> dict[str, dict[str, bytes]]:
    from convgen.documents.context import build, copies
    from convgen.documents.rendering import render_copies
    from convgen.documents.template import load_template
    from convgen.pipeline.checking import check_bytes

    compiled = load_template("pfmp")
    if not spliced:
        for part in compiled.parts.values():
            part.copy_fields = None
    result = check_bytes(example_text("pfmp").encode("utf-8"))
    assert result.agreement is not None
    context = build(result.agreement, result.findings, result.context)
    documents = render_copies(compiled, context, copies(result.agreement, context["minor"]))
    return {copy: {m.name: m.data() for m in read_members(data)} for copy, data in documents.items()}


def test_copies_spliced_into_one_render_equal_a_render_per_copy() -> None:
    spliced, per_copy = _built_in_documents(True), _built_in_documents(False)
    assert list(spliced) == ["etablissement", "entreprise", "eleve"]
    assert spliced == per_copy
    headings = {copy: members["word/document.xml"].decode("utf-8") for copy, members in spliced.items()}
    assert "Exemplaire destiné à l&#39;établissement de formation" in headings["etablissement"]
    assert "Exemplaire destiné au représentant légal de l&#39;élève" in headings["eleve"]
    assert "Exemplaire destiné à l&#39;entreprise ou l&#39;organisme d&#39;accueil" in headings["entreprise"]
    assert "Exemplaire destiné au représentant" not in headings["entreprise"]


def test_a_template_that_tests_the_copy_renders_each_copy_apart(cli, workdir: Path) -> None:
    template = make_template(
        workdir / "tests-copy.docx",
        ["{{ copy.heading }}", "{%p if copy.id == 'eleve' %}", "Partie réservée à la famille", "{%p endif %}", "Fin"],
    )
    write_example(workdir / "agreement.yaml")
    result = cli("render", "--template", str(template))
    assert result.exit_code == 0, result.output
    for copy in ("etablissement", "entreprise", "eleve"):
        lines = texts(workdir / "out" / f"agreement.{copy}.docx")
        assert ("Partie réservée à la famille" in lines) == (copy == "eleve"), copy
        assert lines[-1] == "Fin"
        with zipfile.ZipFile(workdir / "out" / f"agreement.{copy}.docx") as archive:
            assert archive.testzip() is None


def test_a_very_long_input_name_gets_a_shortened_distinct_output_name(workdir: Path) -> None:
    from pathlib import PurePosixPath

    from convgen.output.files import output_path

    out = workdir / "out"
    long = "é" * 120
    names = {
        output_path(out, PurePosixPath(stem), suffix).name
        for stem in (long, long + "x")
        for suffix in (".etablissement.docx", ".eleve.docx")
    }
    assert len(names) == 4
    assert all(len(name.encode()) <= 200 for name in names)
    stems = {name.split(".")[0] for name in names}
    assert len(stems) == 2  # each agreement's copies share one stem
    assert output_path(out, PurePosixPath("court"), ".eleve.docx").name == "court.eleve.docx"
