"""The command line as users and CI jobs drive it: commands, exit codes, reports."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import EXAMPLES, ROOT, example_text, replace_once
from convgen import __version__
from convgen.law.rules import REGISTRY

FINDING_KEYS = {"rule", "severity", "message", "article", "field", "line", "column", "date"}


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def invalid_pfmp() -> str:
    return replace_once(example_text("pfmp"), "birth_date: 2009-05-14", "birth_date: 2009-02-30")


def warning_pfmp() -> str:
    return replace_once(example_text("pfmp"), "  board_approval_date: 2025-09-18        # Délibération du conseil d'administration\n", "")


def test_version(cli) -> None:
    result = cli("--version")
    assert result.exit_code == 0
    assert result.stdout.strip() == f"convgen {__version__}"


def test_help_is_french(cli) -> None:
    result = cli("--help")
    assert result.exit_code == 0
    assert "Vérifie" in result.stdout and "validate" in result.stdout


@pytest.mark.parametrize("kind", ["pfmp", "immersion"])
def test_new_then_validate_in_an_empty_directory(cli, workdir: Path, kind: str) -> None:
    created = cli("new", kind)
    assert created.exit_code == 0, created.output
    text = (workdir / "agreement.yaml").read_text(encoding="utf-8")
    assert text.startswith(f"# yaml-language-server: $schema={kind}.schema.json\n")
    assert f"kind: {kind}" in text
    checked = cli("validate")
    assert checked.exit_code == 0, checked.output
    assert "agreement.yaml : valide" in checked.stdout


def test_new_refuses_to_overwrite_without_force(cli, workdir: Path) -> None:
    write(workdir / "agreement.yaml", "mine\n")
    refused = cli("new", "pfmp")
    assert refused.exit_code == 2
    assert "existe déjà" in refused.stderr
    assert (workdir / "agreement.yaml").read_text() == "mine\n"
    forced = cli("new", "pfmp", "--force")
    assert forced.exit_code == 0
    assert "kind: pfmp" in (workdir / "agreement.yaml").read_text(encoding="utf-8")


def test_new_with_output_path_and_directory(cli, workdir: Path) -> None:
    assert cli("new", "immersion", "-o", "classes/2nde/echange.yaml").exit_code == 0
    assert (workdir / "classes/2nde/echange.yaml").is_file()
    (workdir / "dossier").mkdir()
    assert cli("new", "pfmp", "-o", "dossier").exit_code == 0
    assert (workdir / "dossier/agreement.yaml").is_file()
    assert not list(workdir.rglob("*.tmp"))


def test_new_unknown_kind_is_a_usage_error(cli, workdir: Path) -> None:
    result = cli("new", "stage")
    assert result.exit_code == 2
    assert not (workdir / "agreement.yaml").exists()


def test_validate_without_agreement_yaml_is_a_usage_error(cli, workdir: Path) -> None:
    result = cli("validate")
    assert result.exit_code == 2
    assert "convgen new pfmp" in result.stderr


def test_validate_missing_file_and_unmatched_glob(cli, workdir: Path) -> None:
    assert cli("validate", "absent.yaml").exit_code == 2
    assert cli("validate", "*.yaml").exit_code == 2
    (workdir / "vide").mkdir()
    assert cli("validate", "vide").exit_code == 2


def test_unknown_option_is_a_usage_error(cli, workdir: Path) -> None:
    write(workdir / "agreement.yaml", example_text("pfmp"))
    assert cli("validate", "--colour").exit_code == 2
    assert cli("validate", "--format", "xml").exit_code == 2
    assert cli("validate", "--lang", "de").exit_code == 2


def test_contract_examples_validate(cli) -> None:
    result = cli("validate", str(EXAMPLES / "pfmp.yaml"), str(EXAMPLES / "immersion.yaml"))
    assert result.exit_code == 0, result.output


def test_invalid_file_exits_1_and_quotes_the_line(cli, workdir: Path) -> None:
    write(workdir / "dupont.yaml", invalid_pfmp())
    result = cli("validate", "dupont.yaml")
    assert result.exit_code == 1
    out = result.stdout
    assert "dupont.yaml:45:15: erreur [SCHEMA] pupil.birth_date" in out
    assert "  45 |   birth_date: 2009-02-30" in out
    assert "^^^^^^^^^^" in out
    assert "1 convention vérifiée : 0 valide, 1 invalide ; 1 erreur, 0 avertissement." in out


def test_one_bad_file_does_not_stop_the_others(cli, workdir: Path) -> None:
    write(workdir / "lot/a.yaml", example_text("pfmp"))
    write(workdir / "lot/b.yaml", invalid_pfmp())
    write(workdir / "lot/sub/c.yml", example_text("immersion"))
    write(workdir / "lot/notes.txt", "pas une convention")
    write(workdir / "lot/.cache/d.yaml", "broken: [")
    result = cli("validate", "lot", "--format", "json")
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert [f["path"] for f in report["files"]] == ["lot/a.yaml", "lot/b.yaml", "lot/sub/c.yml"]
    assert [f["valid"] for f in report["files"]] == [True, False, True]
    assert report["summary"] == {"files": 3, "valid": 2, "errors": 1, "warnings": 0}


def test_glob_not_expanded_by_the_shell(cli, workdir: Path) -> None:
    write(workdir / "a/x.yaml", example_text("pfmp"))
    write(workdir / "a/b/y.yaml", example_text("immersion"))
    result = cli("validate", "a/**/*.yaml", "--format", "json")
    assert result.exit_code == 0, result.output
    assert sorted(f["path"] for f in json.loads(result.stdout)["files"]) == ["a/b/y.yaml", "a/x.yaml"]


def test_json_report_shape(cli, workdir: Path) -> None:
    write(workdir / "ok.yaml", example_text("immersion"))
    write(workdir / "bad.yaml", invalid_pfmp())
    write(workdir / "broken.yaml", "kind: [pfmp\n")
    result = cli("validate", "ok.yaml", "bad.yaml", "broken.yaml", "--format", "json")
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert set(report) == {"convgen", "files", "summary"}
    assert report["convgen"] == __version__
    assert set(report["summary"]) == {"files", "valid", "errors", "warnings"}
    for entry in report["files"]:
        assert set(entry) == {"path", "kind", "valid", "findings"}
        for finding in entry["findings"]:
            assert set(finding) == FINDING_KEYS
            assert finding["severity"] in ("error", "warning")
    ok, bad, broken = report["files"]
    assert ok == {"path": "ok.yaml", "kind": "immersion", "valid": True, "findings": []}
    assert bad["kind"] == "pfmp" and bad["valid"] is False
    assert bad["findings"] == [
        {
            "rule": "SCHEMA",
            "severity": "error",
            "message": "la date « 2009-02-30 » n'existe pas : février 2009 n'a que 28 jours",
            "article": None,
            "field": "pupil.birth_date",
            "line": 45,
            "column": 15,
            "date": None,
        }
    ]
    assert broken["kind"] is None
    assert broken["findings"][0]["rule"] == "YAML_SYNTAX"
    assert (broken["findings"][0]["line"], broken["findings"][0]["column"]) == (1, 7)


def test_rule_findings_carry_date_and_article(cli, workdir: Path) -> None:
    write(workdir / "a.yaml", replace_once(example_text("pfmp"), "    2026-01-23: []", "    2026-02-09: []"))
    finding = json.loads(cli("validate", "a.yaml", "--format", "json").stdout)["files"][0]["findings"][0]
    assert finding["rule"] == "EXCEPTION_OUTSIDE_PERIOD"
    assert finding["date"] == "2026-02-09"
    assert finding["field"] == "schedule.exceptions.2026-02-09"


def test_github_annotations(cli, workdir: Path) -> None:
    write(workdir / "bad.yaml", invalid_pfmp())
    write(workdir / "warn.yaml", warning_pfmp())
    result = cli("validate", "bad.yaml", "warn.yaml", "--format", "github")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[0].startswith("::error file=bad.yaml,line=45,col=15,title=SCHEMA::pupil.birth_date : la date")
    assert lines[1].startswith("::warning file=warn.yaml,line=")
    assert "title=BOARD_APPROVAL_MISSING::" in lines[1]
    assert len(lines) == 2


def test_english_messages(cli, workdir: Path) -> None:
    write(workdir / "bad.yaml", invalid_pfmp())
    result = cli("validate", "bad.yaml", "--lang", "en")
    assert "error [SCHEMA]" in result.stdout
    assert "February 2009 has only 28 days" in result.stdout
    assert "1 agreement checked: 0 valid, 1 invalid; 1 error, 0 warnings." in result.stdout


def test_warnings_pass_unless_strict(cli, workdir: Path) -> None:
    write(workdir / "agreement.yaml", warning_pfmp())
    relaxed = cli("validate")
    assert relaxed.exit_code == 0
    assert "avertissement [BOARD_APPROVAL_MISSING]" in relaxed.stdout
    strict = cli("validate", "--strict", "--format", "json")
    assert strict.exit_code == 1
    assert json.loads(strict.stdout)["files"][0]["valid"] is False


def test_unreadable_or_binary_input_is_a_finding_not_a_crash(cli, workdir: Path) -> None:
    (workdir / "photo.yaml").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    write(workdir / "ok.yaml", example_text("pfmp"))
    result = cli("validate", "photo.yaml", "ok.yaml")
    assert result.exit_code == 1
    assert "photo.yaml" in result.stdout and "ok.yaml : valide" in result.stdout
    assert "Traceback" not in result.output


@pytest.mark.parametrize("kind", ["pfmp", "immersion"])
def test_schema_command(cli, workdir: Path, kind: str) -> None:
    result = cli("schema", kind)
    assert result.exit_code == 0
    schema = json.loads(result.stdout)
    assert schema["properties"]["kind"]["const"] == kind
    assert schema["additionalProperties"] is False
    assert "description" in schema["properties"]["period"]
    assert cli("schema", kind, "-o", f"{kind}.schema.json").exit_code == 0
    assert json.loads((workdir / f"{kind}.schema.json").read_text(encoding="utf-8")) == schema


def test_schema_unknown_kind(cli) -> None:
    assert cli("schema", "stage").exit_code == 2


def test_rules_catalogue_lists_every_registered_rule(cli) -> None:
    result = cli("rules", "--format", "json")
    assert result.exit_code == 0
    rows = json.loads(result.stdout)["rules"]
    assert sorted(row["id"] for row in rows) == sorted(REGISTRY)
    assert [row["id"] for row in rows][:2] == ["YAML_SYNTAX", "SCHEMA"]
    for row in rows:
        assert set(row) == {"id", "severity", "kinds", "group", "applies_to", "limit", "article"}
    text = cli("rules")
    assert text.exit_code == 0
    for rule_id in REGISTRY:
        assert rule_id in text.stdout
    assert "s'applique à" in text.stdout
    assert "applies to" in cli("rules", "--lang", "en").stdout


def test_no_ansi_escapes_without_a_terminal(cli, workdir: Path) -> None:
    write(workdir / "bad.yaml", invalid_pfmp())
    result = cli("validate", "bad.yaml")
    assert "\x1b[" not in result.output


def test_command_line_kinds_are_the_schema_kinds() -> None:
    from convgen.cli import Kind
    from convgen.schema.models import KINDS
    from convgen.source.starter import STARTERS

    assert tuple(kind.value for kind in Kind) == KINDS == STARTERS


def test_usage_errors_follow_the_language(cli, workdir: Path) -> None:
    french = cli("validate", "absent.yaml")
    assert french.exit_code == 2 and "fichier introuvable" in french.stderr
    english = cli("validate", "absent.yaml", "--lang", "en")
    assert english.exit_code == 2 and "file not found" in english.stderr


def test_the_rules_page_is_generated_from_the_declarations(cli) -> None:
    result = cli("rules", "--format", "markdown")
    assert result.exit_code == 0
    assert "| `MINOR_DAILY_MAX` | erreur |" in result.stdout
    page = (ROOT / "docs" / "RULES.md").read_text(encoding="utf-8")
    assert result.stdout == page, "docs/RULES.md is stale: run `convgen rules --format markdown > docs/RULES.md`"


def test_the_rules_page_in_english(cli) -> None:
    result = cli("rules", "--format", "markdown", "--lang", "en")
    assert result.exit_code == 0
    assert "| `ADULT_PUBLIC_HOLIDAY` | warning |" in result.stdout


def test_validate_imports_neither_the_docx_stack_nor_reference_packages(workdir: Path) -> None:
    """What `validate` does not need, it does not pay for at start-up."""
    import subprocess
    import sys

    from conftest import EXAMPLES

    script = (
        "import sys\n"
        "from convgen.cli import app\n"
        f"sys.argv = ['convgen', 'validate', {str(EXAMPLES / 'pfmp.yaml')!r}]\n"
        "try:\n    app()\nexcept SystemExit as end:\n    code = end.code\n"
        "heavy = {'jinja2', 'docx', 'lxml', 'docxtpl', 'holidays', 'email_validator', 'stdnum', 'convgen.documents.rendering', 'convgen.source.campaign'}\n"
        "print('IMPORTED', sorted(name for name in sys.modules if name in heavy or name.split('.')[0] in heavy), code)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=workdir)
    assert "IMPORTED [] 0" in done.stdout, done.stdout + done.stderr


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["render", "--jobs", "0"], "valeur invalide pour --jobs / -j : un nombre supérieur ou égal à 1 est attendu"),
        (["render", "-j", "x"], "valeur invalide pour --jobs / -j : un nombre entier est attendu"),
        (["validate", "--max-size", "0"], "valeur invalide pour --max-size : un nombre supérieur ou égal à 1 est attendu"),
        (["validate", "--bogus"], "option inconnue : --bogus"),
        (
            ["validate", "--format", "xml"],
            "valeur invalide pour --format : « xml » n'est pas une valeur acceptée ; valeurs acceptées : text, json, github",
        ),
        (["validate", "--lang", "de"], "valeur invalide pour --lang : « de » n'est pas une valeur acceptée ; valeurs acceptées : fr, en"),
        (["new"], "argument manquant : KIND (pfmp, immersion, campaign)"),
        (["frob"], "commande inconnue : « frob »"),
        (["template", "frob"], "commande inconnue : « frob »"),
        (["rules", "extra"], "argument en trop : extra"),
        (["render", "--out"], "l'option --out attend une valeur"),
    ],
)
def test_usage_errors_of_the_option_parser_are_in_french(cli, workdir: Path, args: list[str], said: str) -> None:
    result = cli(*args)
    assert result.exit_code == 2
    assert f"Erreur : {said}" in result.stderr, result.stderr
    assert "Error" not in result.stderr and "Traceback" not in result.stderr


def test_usage_errors_of_the_option_parser_in_english(cli, workdir: Path) -> None:
    result = cli("render", "--jobs", "0", "--lang", "en")
    assert result.exit_code == 2
    assert "Error: Invalid value for '--jobs'" in result.stderr


@pytest.mark.parametrize(
    "args",
    [
        ["schema", "pfmp", "-o", "{missing}/schema.json"],
        ["template", "export", "pfmp", "-o", "{missing}/modele.docx"],
        ["new", "pfmp", "-o", "{missing}/agreement.yaml"],
        ["render", "--report", "{missing}/report.json"],
    ],
)
def test_a_file_that_cannot_be_written_is_a_usage_error_naming_it(cli, workdir: Path, args: list[str]) -> None:
    write(workdir / "agreement.yaml", example_text("pfmp"))
    (workdir / "blocker").write_text("a file, not a folder")
    args = [arg.format(missing="blocker") for arg in args]
    result = cli(*args)
    assert result.exit_code == 2, result.output
    assert "impossible d'écrire « blocker/" in result.stderr
    assert "erreur interne" not in result.stderr


def test_the_help_speaks_french_throughout(cli) -> None:
    result = cli("validate", "-h")
    assert result.exit_code == 0
    assert result.stdout.startswith("Utilisation : ")
    assert "Affiche cette aide et quitte." in result.stdout and "[défaut : text]" in result.stdout
    assert "Show this message" not in result.stdout and "Usage:" not in result.stdout
    assert "Commandes" in cli("-h").stdout


def test_the_report_never_overwrites_an_input(cli, workdir: Path) -> None:
    write(workdir / "agreement.yaml", example_text("pfmp"))
    result = cli("render", "agreement.yaml", "--report", "agreement.yaml")
    assert result.exit_code == 2 and "écraserait" in result.stderr
    assert (workdir / "agreement.yaml").read_text(encoding="utf-8") == example_text("pfmp")
    assert not (workdir / "out").exists()


def test_what_a_command_wrote_is_said_in_english(cli, workdir: Path) -> None:
    result = cli("new", "pfmp", "--lang", "en")
    assert result.exit_code == 0, result.output
    assert "agreement.yaml written (pfmp agreement)" in result.stderr and "adapt it, then: convgen validate" in result.stderr
    assert "écrit" not in result.stderr
    result = cli("template", "export", "pfmp", "--lang", "en")
    assert result.exit_code == 0, result.output
    assert "modele-pfmp.docx written (pfmp template)" in result.stderr
    again = cli("template", "export", "pfmp", "--lang", "en")
    assert again.exit_code == 2
    assert "'modele-pfmp.docx' already exists: nothing was written." in again.stderr and "add --force to replace it." in again.stderr
    assert "existe" not in again.stderr
    french = cli("template", "export", "pfmp")
    assert "« modele-pfmp.docx » existe déjà : rien n'a été écrit." in french.stderr
    assert cli("schema", "pfmp", "-o", "s.json", "--lang", "en").stderr.strip().endswith("s.json written.")


def test_an_error_outside_any_lang_option_follows_the_command_line(cli, workdir: Path) -> None:
    # The option parser fails before the command runs: the language is read from the command line.
    english = cli("render", "--jobs", "x", "--lang", "en")
    assert english.exit_code == 2 and "Erreur" not in english.stderr


def test_template_check_in_english(cli, workdir: Path) -> None:
    assert cli("template", "export", "pfmp").exit_code == 0
    valid = cli("template", "check", "modele-pfmp.docx", "--lang", "en")
    assert valid.exit_code == 0 and "valid template (pfmp)" in valid.stdout
    (workdir / "broken.docx").write_bytes(b"not a zip")
    broken = cli("template", "check", "broken.docx", "--lang", "en")
    assert broken.exit_code != 0 and "modèle" not in broken.output
