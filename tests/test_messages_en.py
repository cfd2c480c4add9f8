"""Every message convgen raises, in English with --lang en and unchanged in French without it;
errors that keep both languages across processes; and no new message in French only."""

from __future__ import annotations

import ast
import importlib
import inspect
import io
import os
import pickle
import re
import shutil
import zipfile
from pathlib import Path
from types import SimpleNamespace

import pytest

from conftest import ROOT, example_text, other_pupil
from convgen import errors
from convgen.i18n import Msg

W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
CONTENT_TYPES = '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>'


def said(result) -> str:
    """What the CLI printed, on one line: a long message may be laid out on several."""
    return " ".join(result.output.split())


def english(result, *expected: str, absent: tuple[str, ...] = ()) -> None:
    text = said(result)
    for fragment in expected:
        assert fragment in text, text
    for fragment in absent:
        assert fragment not in text, text


def template(path: Path, text: str) -> Path:
    """A one-paragraph DOCX whose text is `text` (tags included)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("word/document.xml", f"<w:document {W}><w:body><w:p><w:r><w:t>{text}</w:t></w:r></w:p></w:body></w:document>")
    path.write_bytes(buffer.getvalue())
    return path


@pytest.fixture
def agreement(workdir: Path) -> Path:
    path = workdir / "agreement.yaml"
    path.write_text(example_text("pfmp"), encoding="utf-8")
    return path


# ---------------------------------------------------------------- through the CLI


@pytest.mark.parametrize("jobs", ["1", "2"], ids=["in-process", "from-a-worker"])
def test_an_output_folder_leading_out_of_out(cli, workdir: Path, jobs: str) -> None:
    (workdir / "ecole" / "classe").mkdir(parents=True)
    for number in range(8):  # enough for worker processes (batch.MIN_PER_PROCESS)
        text = other_pupil(example_text("pfmp"), number)
        (workdir / "ecole" / "classe" / f"eleve-{number}.yaml").write_text(text, encoding="utf-8")
    (workdir / "elsewhere").mkdir()
    (workdir / "out").mkdir()
    (workdir / "out" / "classe").symlink_to(workdir / "elsewhere", target_is_directory=True)
    result = cli("render", "ecole", "--out", "out", "--jobs", jobs, "--lang", "en")
    assert result.exit_code == 2, result.output
    english(
        result,
        "convgen: 'out/classe' leads out of the output folder 'out' (symbolic link): convgen writes nothing there.",
        "→ remove this link, or choose another folder with --out.",
        absent=("mène", "hors du dossier", "supprimez", "«"),
    )
    french = cli("render", "ecole", "--out", "out")
    assert "convgen: « out/classe » mène hors du dossier de sortie « out » (lien symbolique) : convgen n'y écrit rien." in said(french)
    assert "→ supprimez ce lien, ou choisissez un autre dossier avec --out." in said(french)
    assert list((workdir / "elsewhere").iterdir()) == []


def test_an_unwritable_place(cli, workdir: Path) -> None:
    (workdir / "a-file").write_text("", encoding="utf-8")
    result = cli("new", "pfmp", "-o", "a-file/agreement.yaml", "--lang", "en")
    assert result.exit_code == 2, result.output
    english(
        result,
        "convgen: cannot write 'a-file/agreement.yaml': ",
        "→ check that this folder exists or can be created, and that it is writable.",
        absent=("impossible", "vérifiez", "«"),
    )
    french = cli("new", "pfmp", "-o", "a-file/agreement.yaml")
    assert "convgen: impossible d'écrire « a-file/agreement.yaml » : " in said(french)
    assert "→ vérifiez que ce dossier existe ou peut être créé, et qu'il est accessible en écriture." in said(french)


def test_a_file_the_user_names_that_is_no_file(cli, workdir: Path) -> None:
    (workdir / "loop").symlink_to("loop")
    result = cli("new", "pfmp", "-o", "loop", "--force", "--lang", "en")
    assert result.exit_code == 2, result.output
    english(
        result,
        "convgen: 'loop' is a symbolic link that leads to no file (",
        ": nothing was written.",
        "→ choose a regular file, or a file name in an existing folder.",
        absent=("lien symbolique", "rien n'a été écrit", "choisissez"),
    )
    french = cli("new", "pfmp", "-o", "loop", "--force")
    assert "convgen: « loop » est un lien symbolique qui ne mène à aucun fichier (" in said(french)
    assert "→ choisissez un fichier ordinaire, ou un nom de fichier dans un dossier existant." in said(french)


def test_a_starter_onto_an_existing_file(cli, agreement: Path) -> None:
    result = cli("new", "pfmp", "--lang", "en")
    assert result.exit_code == 2, result.output
    english(
        result,
        "convgen: 'agreement.yaml' already exists: nothing was written.",
        "→ add --force to replace it, or choose another name with -o.",
        absent=("existe déjà", "rien n'a été écrit", "ajoutez"),
    )
    french = cli("new", "pfmp")
    assert "convgen: « agreement.yaml » existe déjà : rien n'a été écrit." in said(french)
    assert "→ ajoutez --force pour le remplacer, ou choisissez un autre nom avec -o." in said(french)


def test_an_unknown_copy(cli, agreement: Path) -> None:
    result = cli("render", "--copies", "nope", "--lang", "en")
    assert result.exit_code == 2, result.output
    english(
        result,
        "convgen: unknown copy: nope.",
        "→ possible copies: pfmp: etablissement, entreprise, eleve; immersion: hote, envoi, travailleur",
        absent=("exemplaire", "inconnu", " ; "),
    )
    french = cli("render", "--copies", "nope")
    assert "convgen: exemplaire inconnu : nope." in said(french)
    assert "→ exemplaires possibles : pfmp : etablissement, entreprise, eleve ; immersion : hote, envoi, travailleur" in said(french)


def test_a_template_that_is_no_docx(cli, agreement: Path, workdir: Path) -> None:
    (workdir / "bad.docx").write_text("not a zip", encoding="utf-8")
    result = cli("render", "--template", "bad.docx", "--lang", "en")
    assert result.exit_code == 2, result.output
    english(
        result,
        "convgen: 'bad.docx' is not a readable Word document (.docx): it is not a zip file (",
        absent=("n'est pas", "lisible", "fichier zip"),
    )
    french = cli("render", "--template", "bad.docx")
    assert "convgen: « bad.docx » n'est pas un document Word (.docx) lisible : ce n'est pas un fichier zip (" in said(french)


def test_a_jinja_syntax_error(cli, agreement: Path, workdir: Path) -> None:
    template(workdir / "syntax.docx", "Avant {% for x in y %}{% endif %} après")
    result = cli("render", "--template", "syntax.docx", "--lang", "en")
    assert result.exit_code == 2, result.output
    english(
        result,
        "convgen: the template 'syntax.docx' has errors.",
        "• document body: Jinja syntax error in 'Avant {% for x in y %}{% endif %} après': "
        "unexpected tag 'endif': the block 'for' expects 'endfor' or 'else'",
        absent=("modèle", "corps du document", "erreur de syntaxe", "balise", "inattendue", "attend "),
    )
    french = cli("render", "--template", "syntax.docx")
    assert "convgen: le modèle « syntax.docx » contient des erreurs." in said(french)
    assert (
        "• corps du document : erreur de syntaxe Jinja dans « Avant {% for x in y %}{% endif %} après » : "
        "balise « endif » inattendue : le bloc « for » attend endfor », « else"
    ) in said(french)


def test_an_unknown_name(cli, agreement: Path, workdir: Path) -> None:
    template(workdir / "name.docx", "Avant {{ pupil.last_nmae }} après")
    result = cli("render", "--template", "name.docx", "--lang", "en")
    assert result.exit_code == 2, result.output
    english(
        result,
        "convgen: the template 'name.docx' could not be filled.",
        "• document body in 'Avant {{ pupil.last_nmae }} après': unknown name 'pupil.last_nmae'; did you mean 'pupil.last_name'?",
        "→ check the template with 'convgen template check'.",
        absent=("rempli", "corps du document", "nom inconnu", "vouliez-vous", "vérifiez"),
    )
    french = cli("render", "--template", "name.docx")
    assert "convgen: le modèle « name.docx » n'a pas pu être rempli." in said(french)
    assert (
        "• corps du document dans « Avant {{ pupil.last_nmae }} après » : nom inconnu « pupil.last_nmae » ; "
        "vouliez-vous dire « pupil.last_name » ?"
    ) in said(french)
    assert "→ vérifiez le modèle avec « convgen template check »." in said(french)


def test_a_budget_limit(cli, agreement: Path, workdir: Path) -> None:
    template(workdir / "limit.docx", "Avant {{ 'x' * 1000000 }} après")
    result = cli("render", "--template", "limit.docx", "--lang", "en")
    assert result.exit_code == 2, result.output
    english(
        result,
        "• document body in 'Avant {{ 'x' * 1000000 }} après': limit exceeded: text or list too long (1 × 1000000): "
        "at most 100,000 items; no document needs that much",
        absent=("limite dépassée", "texte ou liste", "au plus", "éléments", "aucun document"),
    )
    french = cli("render", "--template", "limit.docx")
    assert (
        "• corps du document dans « Avant {{ 'x' * 1000000 }} après » : limite dépassée : texte ou liste trop long (1 × 1000000) : "
        "au plus 100 000 éléments ; aucun document n'en a besoin"
    ) in said(french)


def test_libreoffice_missing(cli, agreement: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from convgen.documents import pdf

    monkeypatch.delenv(pdf.ENV_VAR, raising=False)
    monkeypatch.setattr(shutil, "which", lambda *args, **kwargs: None)
    monkeypatch.setattr(pdf, "_install_places", lambda: [])
    result = cli("render", "--format", "pdf", "--lang", "en")
    assert result.exit_code == 3, result.output
    english(
        result,
        "convgen: LibreOffice (soffice) was not found: --format pdf needs it.",
        "→ Install LibreOffice, then run again: Debian/Ubuntu 'sudo apt-get install -y --no-install-recommends libreoffice-writer-nogui';",
        "Or say where it is: CONVGEN_SOFFICE=/path/to/soffice.",
        absent=("introuvable", "Installez", "relancez", "indiquez", "«"),
    )
    french = cli("render", "--format", "pdf")
    assert "convgen: LibreOffice (soffice) est introuvable : il le faut pour --format pdf." in said(french)
    assert "→ Installez LibreOffice, puis relancez : Debian/Ubuntu « sudo apt-get install" in said(french)


def test_a_write_error_amid_an_agreement_says_what_was_left(cli, workdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (workdir / "classe").mkdir()
    for number in range(2):
        text = other_pupil(example_text("pfmp"), number)
        (workdir / "classe" / f"eleve-{number}.yaml").write_text(text, encoding="utf-8")
    real = os.replace

    def replace(src, dst, *args, **kwargs):
        if str(dst).endswith("eleve-1.entreprise.docx") and not str(src).endswith(".old"):
            raise OSError(5, os.strerror(5), str(dst))
        return real(src, dst, *args, **kwargs)

    monkeypatch.setattr(os, "replace", replace)
    result = cli("render", "classe", "--lang", "en")
    assert result.exit_code == 2, result.output
    english(
        result,
        "convgen: cannot write 'out/eleve-1.entreprise.docx': ",
        " The copies of classe/eleve-1.yaml were left as before.",
        " 3 documents of 1 earlier agreement(s) were written, whole (from 'out/eleve-0.etablissement.docx' to 'out/eleve-0.eleve.docx').",
        "; then run the same command again: it finishes the work.",
        absent=("impossible", "exemplaires", "restés", "convention", "relancez"),
    )


def test_copies_not_put_back_are_named_in_both_languages() -> None:
    from convgen.errors import UsageError
    from convgen.pipeline.batch import _unwritable

    outcome = SimpleNamespace(result=SimpleNamespace(path="classe/a.yaml"), outputs=[])
    cause = UsageError(Msg("impossible d'écrire « x ».", "cannot write 'x'."), hint=Msg("vérifiez --out.", "check --out."))
    for unrestored, verb in (([Path("out/a.eleve.docx")], "n'a"), ([Path("out/a.eleve.docx"), Path("out/a.hote.docx")], "n'ont")):
        error = _unwritable(Path("out"), cause, outcome, [outcome], unrestored)
        names = ", ".join(f"« {target} »" for target in unrestored)
        assert error.message == (
            f"impossible d'écrire « x ». ATTENTION : {names} {verb} pas pu être remis comme avant : "
            "ne faites pas signer les exemplaires de classe/a.yaml avant d'avoir relancé convgen. Aucun document n'a été écrit."
        )
        assert error.hint == "vérifiez --out ; relancez ensuite la même commande : elle termine le travail."
        quoted = ", ".join(f"'{target}'" for target in unrestored)
        assert error.text("en") == (
            f"cannot write 'x'. WARNING: {quoted} could not be put back as before: "
            "do not have the copies of classe/a.yaml signed before running convgen again. No document was written."
        )
        assert error.hint_text("en") == "check --out; then run the same command again: it finishes the work."


def test_template_check_says_every_problem_in_the_language_asked(workdir: Path) -> None:
    from convgen.pipeline.template_check import check_template

    path = template(workdir / "t.docx", "{{ pupil.last_nmae }} {{ pupil|nofilter }} {{ host.name|safe }}")
    problems = check_template(path, "pfmp", lang="en")
    assert problems and all(not re.search(r"[«»éèà]| : |\b(dans|inconnu|filtre)\b", problem) for problem in problems), problems
    assert "_rels/.rels is missing: Word could not open the document" in problems
    assert any("unknown filter 'nofilter'" in problem for problem in problems), problems
    assert any("'|safe' would insert the value as is into Word's XML" in problem for problem in problems), problems
    assert any("unknown name 'pupil.last_nmae'; did you mean 'pupil.last_name'?" in problem for problem in problems), problems
    french = check_template(path, "pfmp")
    assert len(french) == len(problems)
    assert "il manque _rels/.rels : Word ne saurait pas ouvrir le document" in french
    assert any("filtre inconnu « nofilter »" in problem for problem in french), french


# ---------------------------------------------------------------- across processes


def _exceptions() -> dict[type, BaseException]:
    """An instance of each exception class of errors.py and of the modules whose messages are bilingual."""
    from convgen.documents import budget, package, pdf, sandbox

    message, hint = Msg("message français", "English message"), Msg("indice", "hint")
    return {
        errors.ConvgenError: errors.ConvgenError(message, hint),
        errors.UsageError: errors.UsageError(message, hint),
        errors.ExternalToolError: errors.ExternalToolError(message, hint),
        errors.ClashError: errors.ClashError(message, hint, problems=[Msg("problème", "problem"), "same in both"]),
        errors.TemplateError: errors.TemplateError(message, hint, problems=[Msg("problème", "problem")]),
        errors.Interrupted: errors.Interrupted(2, [], 3, checking=True),
        errors.InternalError: errors.InternalError("KeyError"),
        package.PackageError: package.PackageError(package.M_DAMAGED.fill(name="word/document.xml")),
        budget.LimitError: budget.too_long(budget.M_TEXT, 3_000_000),
        sandbox.SandboxError: sandbox.SandboxError(sandbox.M_METHOD_GIVEN),
        sandbox.NestingError: sandbox.NestingError(sandbox.M_DEPTH.fill(depth=50, limit=40), 3, "word/document.xml"),
        pdf.NotRegularError: pdf.NotRegularError(pdf.M_NOT_REGULAR.fill(name="a.pdf")),
    }


MODULES = (
    "convgen.errors",
    "convgen.output.files",
    "convgen.source.starter",
    "convgen.pipeline.batch",
    "convgen.pipeline.template_check",
    "convgen.documents.template",
    "convgen.documents.package",
    "convgen.documents.budget",
    "convgen.documents.sandbox",
    "convgen.documents.problems",
    "convgen.documents.rendering",
    "convgen.documents.pdf",
    "convgen.law.limits",
)


def test_every_exception_class_is_covered() -> None:
    defined = {
        value
        for name in MODULES
        for value in vars(importlib.import_module(name)).values()
        if inspect.isclass(value) and issubclass(value, BaseException) and value.__module__ == name
    }
    assert defined == set(_exceptions())


@pytest.mark.parametrize("kind", list(_exceptions()), ids=lambda kind: kind.__name__)
def test_an_exception_pickles_with_both_languages(kind: type) -> None:
    error = _exceptions()[kind]
    back = pickle.loads(pickle.dumps(error))
    assert type(back) is kind
    assert str(back) == str(error)
    if isinstance(error, errors.ConvgenError):
        assert (back.message, back.hint) == (error.message, error.hint)
        assert back.text("en") == error.text("en") and back.hint_text("en") == error.hint_text("en")
        assert back.problem_texts("en") == error.problem_texts("en")
    if hasattr(error, "said"):
        assert back.said == error.said and back.said.en != back.said.fr
    if kind.__name__ == "NestingError":
        assert (back.lineno, back.name) == (error.lineno, error.name)
    if kind is errors.Interrupted:
        assert (back.signum, back.total, back.checking, back.exit_code) == (2, 3, True, 130)


def test_a_limit_met_in_a_worker_keeps_its_english() -> None:
    from convgen.documents import budget

    error = pickle.loads(pickle.dumps(budget.too_long(budget.M_JOINED, 3_000_000)))
    assert str(error) == "texte joint de 3 000 000 caractères ou éléments (au plus 2 000 000)"
    assert error.said.en == "joined text of 3,000,000 characters or items (at most 2,000,000)"


# ---------------------------------------------------------------- no message in French only

FRENCH = re.compile(r"[àâçéèêëîïôûùüœ«]| d'| l'| n'| qu'|\b(le|la|les|une|des|est|pas)\b")

# (file, start of the text) -> why it cannot be said in both languages.
ALLOWED: dict[tuple[str, str], str] = {}


def _literal(node: ast.AST) -> str | None:
    """The text a string literal, an f-string or a sum of them holds, placeholders left out."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(part.value for part in node.values if isinstance(part, ast.Constant))
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        parts = [_literal(node.left), _literal(node.right)]
        return None if parts == [None, None] else "".join(part or "" for part in parts)
    return None


def _callee(node: ast.Call) -> str:
    func = node.func
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""


def french_only(source: str) -> list[tuple[int, str]]:
    """Each `raise X(…)`, and each call of a class named …Error, given a French text as is."""
    tree = ast.parse(source)
    raised = {id(node.exc) for node in ast.walk(tree) if isinstance(node, ast.Raise) and node.exc is not None}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and (id(node) in raised or _callee(node).endswith("Error")):
            for argument in (*node.args, *(keyword.value for keyword in node.keywords)):
                text = _literal(argument)
                if text is not None and FRENCH.search(text):
                    found.append((node.lineno, text))
    return found


def test_the_scan_finds_a_message_in_french_only() -> None:
    source = (
        'raise UsageError(f"modèle introuvable : « {path} ».")\n'
        'error = ExternalToolError("message", hint="réessayez " + "plus tard")\n'
        'raise _refused(path, f"est {kind}, pas un fichier")\n'
        'raise ValueError(f"jobs must be at least 1, not {jobs}")\n'
        "raise UsageError(M_NOT_FOUND.fill(path=path))\n"
    )
    assert [line for line, _ in french_only(source)] == [1, 2, 3]


def test_no_message_is_raised_in_french_only() -> None:
    source = ROOT / "src" / "convgen"
    found = []
    for path in sorted(source.rglob("*.py")):
        name = path.relative_to(source).as_posix()
        for line, text in french_only(path.read_text(encoding="utf-8")):
            if not any(name == file and text.startswith(start) for file, start in ALLOWED):
                found.append(f"src/convgen/{name}:{line}: {text[:80]!r}")
    assert not found, "messages in French only (say them with an i18n.Msg):\n" + "\n".join(found)
