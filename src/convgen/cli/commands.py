"""The command line (cli.md): a thin layer over checking, reporting and writing."""

from __future__ import annotations

import contextlib
import functools
import gc
import json
import os
import sys
from collections.abc import Callable
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal, Optional

import typer
import typer.core

from convgen import __version__
from convgen.cli.terminal import QuietStream, visible
from convgen.cli.usage import Command, Group, english_asked
from convgen.errors import INTERNAL_EXIT, M_INTERRUPTED, ConvgenError
from convgen.i18n import Msg

if TYPE_CHECKING:
    from rich.console import Console

LANG_HELP = "Langue des messages : fr (défaut) ou en."


class Lang(str, Enum):
    fr = "fr"
    en = "en"


class NewKind(str, Enum):
    pfmp = "pfmp"
    immersion = "immersion"
    campaign = "campaign"


class ReportFormat(str, Enum):
    text = "text"
    json = "json"
    github = "github"


class MessageFormat(str, Enum):
    text = "text"
    github = "github"
    json = "json"


class CatalogueFormat(str, Enum):
    text = "text"
    json = "json"
    markdown = "markdown"


class OutputFormat(str, Enum):
    docx = "docx"
    pdf = "pdf"


class StatusFormat(str, Enum):
    text = "text"
    json = "json"
    csv = "csv"
    xlsx = "xlsx"


class Kind(str, Enum):
    pfmp = "pfmp"
    immersion = "immersion"


class TemplateKind(str, Enum):
    pfmp = "pfmp"
    immersion = "immersion"
    attestation = "attestation"


# Arguments and options several commands share, declared once.
PathsArgument = Annotated[
    Optional[list[str]],
    typer.Argument(help="Fichiers, dossiers (tous les .yaml/.yml dessous) ou motifs ; défaut : agreement.yaml.", show_default=False),
]
LangOption = Annotated[Lang, typer.Option("--lang", envvar="CONVGEN_LANG", help=LANG_HELP)]
MaxSizeOption = Annotated[int, typer.Option("--max-size", min=1, help="Taille maximale d'un fichier, en octets.", show_default=True)]
JobsOption = Annotated[
    Optional[int],
    typer.Option("--jobs", "-j", min=1, help="Processus en parallèle (défaut : nombre de processeurs).", show_default=False),
]
KindArgument = Annotated[Kind, typer.Argument(help="Type de convention : pfmp ou immersion.", case_sensitive=False)]
ShardOption = Annotated[
    Optional[str],
    typer.Option(
        "--shard", metavar="K/N", help="Seulement la K-ième de N parts égales des fichiers triés (matrice de CI).", show_default=False
    ),
]
# `render` and `attest`: the same run, of the agreements or of their attestations.
DocumentFormatOption = Annotated[OutputFormat, typer.Option("--format", help="docx (défaut) ou pdf (avec LibreOffice).")]
RenderStrictOption = Annotated[bool, typer.Option("--strict", help="Les avertissements empêchent aussi le rendu (code 1).")]
ReportOption = Annotated[
    Optional[Path], typer.Option("--report", help="Écrit le rapport JSON (celui de validate --format json, plus les fichiers écrits).")
]
MessageFormatOption = Annotated[
    MessageFormat,
    typer.Option(
        "--output-format", help="Messages : text (défaut), github (annotations de CI) ou json (le rapport, sur la sortie standard)."
    ),
]
MAX_BYTES = 1 << 20  # loading.MAX_BYTES, repeated so that --help does not import the loader


def _stdout() -> Console:
    from rich.console import Console

    return Console(highlight=False, soft_wrap=True)


def _stderr() -> Console:
    from rich.console import Console

    return Console(stderr=True, highlight=False, soft_wrap=True)


def handled(command: Callable[..., None]) -> Callable[..., None]:
    """The one place where convgen's errors become messages and exit codes (cli.md).

    Typer reports its own usage errors (exit 2) before a command runs; everything a
    command raises is mapped here, so the user never sees a traceback.
    """

    @functools.wraps(command)
    def run(*args: Any, **kwargs: Any) -> None:
        try:
            command(*args, **kwargs)
        except (typer.Exit, typer.Abort):
            raise
        except ConvgenError as error:
            lang = _lang(kwargs)
            console = _stderr()
            console.print(f"[bold red]convgen:[/] {_escape(error.text(lang))}")
            for problem in error.problem_texts(lang):
                console.print(f"  • {_escape(problem)}")
            hint = error.hint_text(lang)
            if hint:
                console.print(f"[dim]→ {_escape(hint)}[/]")
            raise typer.Exit(error.exit_code) from None
        except KeyboardInterrupt:
            _stderr().print(f"[bold red]convgen :[/] {M_INTERRUPTED.get(_lang(kwargs))}")
            raise typer.Exit(130) from None
        except Exception as error:
            if os.environ.get("CONVGEN_DEBUG"):
                raise
            _internal_error(error, _lang(kwargs))
            raise typer.Exit(INTERNAL_EXIT) from None

    return run


def _lang(options: dict[str, Any]) -> Literal["fr", "en"]:
    """The language of the command's messages: its --lang, else what the command line says."""
    lang = getattr(options.get("lang"), "value", options.get("lang"))
    if lang == "en" or (lang is None and english_asked()):
        return "en"
    return "fr"


M_INTERNAL = Msg(
    "erreur interne ({kind}). Relancez avec CONVGEN_DEBUG=1 pour le détail, et signalez-la.",
    "internal error ({kind}). Run again with CONVGEN_DEBUG=1 for the details, and report it.",
)


def _internal_error(error: BaseException, lang: Literal["fr", "en"] | None = None) -> None:
    # An error raised in a worker process (--jobs) comes back as itself: its kind is named
    # the same, whichever process it happened in.
    kind = _escape(getattr(error, "kind", type(error).__name__))
    said = M_INTERNAL.get(lang or _lang({})).format(kind=kind)
    _stderr().print(f"[bold red]convgen : {said}[/]")


def _escape(text: str) -> str:
    """Text from input or the command line, made safe to print through rich: its markup is
    not read, and what a terminal would act upon is shown escaped (terminal.visible)."""
    from rich.markup import escape

    return escape(visible(text))


app = typer.Typer(
    name="convgen",
    cls=Group,
    pretty_exceptions_show_locals=False,
    help="Conventions de PFMP et d'immersion professionnelle : du fichier YAML vérifié aux documents à signer.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"convgen {__version__}")
        raise typer.Exit()


@app.callback()
def main_callback(
    version: Annotated[
        Optional[bool],
        typer.Option("--version", callback=_version, is_eager=True, help="Affiche la version et quitte."),
    ] = None,
) -> None:
    """Conventions de PFMP et d'immersion professionnelle : du fichier YAML vérifié aux documents à signer."""


@app.command(cls=Command)
@handled
def new(
    kind: Annotated[
        NewKind, typer.Argument(help="pfmp, immersion, ou campaign (une classe : fichier commun + liste CSV).", case_sensitive=False)
    ],
    output: Annotated[
        Optional[Path], typer.Option("-o", "--output", help="Fichier à écrire (défaut : agreement.yaml ; campagne.yaml pour campaign).")
    ] = None,
    force: Annotated[bool, typer.Option("--force", "-f", help="Remplace le fichier s'il existe.")] = False,
    lang: LangOption = Lang.fr,
) -> None:
    """Écrit un modèle de convention commenté, complet et valide, à adapter."""
    console = _stderr()
    if kind is NewKind.campaign:
        from convgen.source.starter import write_campaign

        target, table = write_campaign(output, force)
        console.print(f"[green]✓[/] {M_CAMPAIGN_WRITTEN.get(lang.value).format(target=_escape(str(target)), table=_escape(str(table)))}")
        console.print(f"[dim]→ {M_CAMPAIGN_NEXT.get(lang.value).format(target=_escape(str(target)))}[/]")
        return
    from convgen.source.starter import write_starter

    target = write_starter(kind.value, output, force)
    console.print(f"[green]✓[/] {M_STARTER_WRITTEN.get(lang.value).format(target=_escape(str(target)), kind=kind.value)}")
    shown = "" if target == Path("agreement.yaml") else " " + _escape(str(target))
    console.print(f"[dim]→ {M_STARTER_NEXT.get(lang.value).format(target=shown)}[/]")


M_CAMPAIGN_WRITTEN = Msg(
    "{target} et {table} écrits (campagne de PFMP : commun + liste de classe).",
    "{target} and {table} written (PFMP campaign: shared part + class list).",
)
M_CAMPAIGN_NEXT = Msg(
    "remplissez la liste de classe, puis : convgen validate {target}", "fill in the class list, then: convgen validate {target}"
)
M_STARTER_WRITTEN = Msg("{target} écrit (convention {kind}).", "{target} written ({kind} agreement).")
M_STARTER_NEXT = Msg("adaptez-le, puis : convgen validate{target}", "adapt it, then: convgen validate{target}")
M_WRITTEN = Msg("{target} écrit.", "{target} written.")
M_TEMPLATE_WRITTEN = Msg("{target} écrit (modèle {kind}).", "{target} written ({kind} template).")
M_TEMPLATE_NEXT = Msg(
    "adaptez-le, puis : convgen template check {target} --kind {kind}", "adapt it, then: convgen template check {target} --kind {kind}"
)
H_TEMPLATE_EXISTS = Msg("ajoutez --force pour le remplacer.", "add --force to replace it.")
M_TEMPLATE_VALID = Msg("modèle valide", "valid template")
M_TEMPLATE_PROBLEMS = Msg("{count} problème(s)", "{count} problem(s)")


@app.command(cls=Command)
@handled
def validate(
    paths: PathsArgument = None,
    format: Annotated[
        ReportFormat, typer.Option("--format", help="text (défaut), json (rapport) ou github (annotations).")
    ] = ReportFormat.text,
    lang: LangOption = Lang.fr,
    strict: Annotated[bool, typer.Option("--strict", help="Les avertissements font aussi échouer (code 1).")] = False,
    max_size: MaxSizeOption = MAX_BYTES,
    shard_text: ShardOption = None,
    jobs: JobsOption = None,
) -> None:
    """Vérifie le format, la cohérence et les règles légales de conventions."""
    from convgen.cli.line import output
    from convgen.cli.report import M_NOTHING, dumps, github_lines, print_text, summary_line
    from convgen.pipeline.batch import Options
    from convgen.pipeline.report import json_report
    from convgen.pipeline.run import check_run

    options = Options(lang=lang.value, strict=strict, max_size=max_size, jobs=jobs or 0)
    results, code = check_run(paths, options, shard_text=shard_text)
    if format is ReportFormat.json:
        sys.stdout.write(dumps(json_report(results, strict)) + "\n")
    elif format is ReportFormat.github:
        for line in github_lines(results):
            sys.stdout.write(line + "\n")
        output(stderr=True).print(summary_line(results, strict, lang.value))
    elif results:
        print_text(output(), results, strict, lang.value)
    else:
        _stdout().print(M_NOTHING.get(lang.value))
    if code:
        raise typer.Exit(code)


@app.command(cls=Command)
@handled
def schema(
    kind: KindArgument,
    output: Annotated[Optional[Path], typer.Option("-o", "--output", help="Écrit le schéma dans ce fichier plutôt qu'à l'écran.")] = None,
    lang: LangOption = Lang.fr,
) -> None:
    """Affiche le schéma JSON d'un type de convention (autocomplétion dans l'éditeur)."""
    from convgen.schema.models import json_schema

    text = json.dumps(json_schema(kind.value), ensure_ascii=False, indent=2) + "\n"
    if output is None:
        sys.stdout.write(text)
        return
    from convgen.output.files import write_user_file

    write_user_file(output, text.encode("utf-8"))
    _stderr().print(f"[green]✓[/] {M_WRITTEN.get(lang.value).format(target=_escape(str(output)))}")


@app.command(cls=Command)
@handled
def rules(
    format: Annotated[
        CatalogueFormat, typer.Option("--format", help="text (défaut), json ou markdown (la page docs/RULES.md).")
    ] = CatalogueFormat.text,
    lang: LangOption = Lang.fr,
) -> None:
    """Liste les règles vérifiées : identifiant, gravité, à qui elle s'applique, limite, article."""
    from convgen.law.rules import GROUPS, catalogue

    rows = catalogue(lang.value)
    if format is CatalogueFormat.json:
        sys.stdout.write(json.dumps({"convgen": __version__, "rules": rows}, ensure_ascii=False, indent=2) + "\n")
        return
    from convgen.cli.report import print_rules, rules_markdown

    if format is CatalogueFormat.markdown:
        sys.stdout.write(rules_markdown(rows, GROUPS, lang.value))
        return

    print_rules(_stdout(), rows, GROUPS, lang.value)


@app.command(cls=Command)
@handled
def render(
    paths: PathsArgument = None,
    format: DocumentFormatOption = OutputFormat.docx,
    out: Annotated[Path, typer.Option("--out", "-o", help="Dossier où écrire les documents.")] = Path("out"),
    template: Annotated[
        Optional[Path], typer.Option("--template", help="Votre propre modèle DOCX (voir « convgen template export »).")
    ] = None,
    copies: Annotated[
        Optional[str],
        typer.Option(
            "--copies", help="Exemplaires à produire, séparés par des virgules (défaut : les trois), par exemple etablissement,eleve."
        ),
    ] = None,
    jobs: JobsOption = None,
    lang: LangOption = Lang.fr,
    strict: RenderStrictOption = False,
    max_size: MaxSizeOption = MAX_BYTES,
    shard_text: ShardOption = None,
    report: ReportOption = None,
    output_format: MessageFormatOption = MessageFormat.text,
) -> None:
    """Vérifie, puis remplit le modèle en trois exemplaires pour chaque convention valide."""
    _render_documents(paths, format, out, template, copies, jobs, lang, strict, max_size, shard_text, report, output_format)


def _render_documents(
    paths: list[str] | None,
    format: OutputFormat,
    out: Path,
    template: Path | None,
    copies: str | None,
    jobs: int | None,
    lang: Lang,
    strict: bool,
    max_size: int,
    shard_text: str | None,
    report: Path | None,
    output_format: MessageFormat,
    document: str = "agreement",
) -> None:
    """`render` and `attest`: the same run, of the agreements or of their attestations."""
    from convgen.cli.report import RenderReporter, dumps
    from convgen.pipeline.batch import Options, parse_copies
    from convgen.pipeline.run import Listeners, render_run

    options = Options(
        out=out,
        format=format.value,
        template=template,
        copies=parse_copies(copies),
        lang=lang.value,
        strict=strict,
        max_size=max_size,
        jobs=jobs or 0,
        report=report,
        document=document,
    )
    reporter = RenderReporter(_stdout(), out, strict, lang.value, output_format.value)
    try:
        run = render_run(
            paths,
            options,
            shard_text=shard_text,
            want_report=output_format is MessageFormat.json,
            listeners=Listeners(started=reporter.started, checked=reporter.checked, done=reporter.done),
        )
    finally:
        reporter.stop()
    if report is not None:
        from convgen.output.files import write_user_file

        write_user_file(report, (dumps(run.report or {}) + "\n").encode("utf-8"))
    reporter.finished(run.outcomes, run.report)
    if run.interrupted is not None:
        stop = run.interrupted
        reporter.interrupted(stop.signum, run.outcomes, stop.total, stop.checking)
    if run.exit_code:
        raise typer.Exit(run.exit_code)


@app.command(cls=Command)
@handled
def attest(
    paths: PathsArgument = None,
    format: DocumentFormatOption = OutputFormat.docx,
    out: Annotated[Path, typer.Option("--out", "-o", help="Dossier où écrire les attestations.")] = Path("out"),
    template: Annotated[
        Optional[Path],
        typer.Option("--template", help="Votre propre modèle d'attestation (voir « convgen template export attestation »)."),
    ] = None,
    copies: Annotated[
        Optional[str],
        typer.Option("--copies", help="Exemplaires à produire, séparés par des virgules (défaut : eleve,etablissement)."),
    ] = None,
    jobs: JobsOption = None,
    lang: LangOption = Lang.fr,
    strict: RenderStrictOption = False,
    max_size: MaxSizeOption = MAX_BYTES,
    shard_text: ShardOption = None,
    report: ReportOption = None,
    output_format: MessageFormatOption = MessageFormat.text,
) -> None:
    """Après la période : l'attestation de fin de PFMP de chaque convention dont la section attendance est remplie."""
    _render_documents(
        paths, format, out, template, copies, jobs, lang, strict, max_size, shard_text, report, output_format, document="attestation"
    )


def _status_bytes(result: Any, format: StatusFormat, lang: Literal["fr", "en"]) -> bytes:
    """The status as the file `--format` asks for; text as it reads without a terminal."""
    if format is StatusFormat.json:
        from convgen.cli.report import dumps
        from convgen.pipeline.status_output import json_status

        return (dumps(json_status(result, lang)) + "\n").encode("utf-8")
    if format is StatusFormat.text:
        import io

        from convgen.cli.line import PlainOutput
        from convgen.cli.status_view import print_status

        buffer = io.StringIO()
        print_status(PlainOutput(buffer), result, lang, boxed=False)
        return buffer.getvalue().encode("utf-8")
    from convgen.pipeline.status_output import spreadsheet

    return spreadsheet(result, format.value, lang)


M_XLSX_TERMINAL = Msg(
    "un classeur XLSX ne s'affiche pas dans un terminal : donnez le fichier à écrire avec -o, par exemple -o suivi.xlsx.",
    "an XLSX workbook cannot be shown in a terminal: name the file to write with -o, for example -o status.xlsx.",
)


@app.command(cls=Command)
@handled
def status(
    paths: PathsArgument = None,
    roster: Annotated[
        Optional[list[Path]],
        typer.Option("--roster", help="Liste de classe (CSV ou XLSX exporté de l'établissement) ; l'option se répète.", show_default=False),
    ] = None,
    format: Annotated[
        StatusFormat, typer.Option("--format", help="text (défaut), json, csv (tableur français) ou xlsx (un onglet par classe).")
    ] = StatusFormat.text,
    output: Annotated[Optional[Path], typer.Option("-o", "--output", help="Fichier à écrire plutôt que la sortie standard.")] = None,
    year: Annotated[
        Optional[str],
        typer.Option("--year", metavar="AAAA-AAAA", help="Une seule année scolaire, par exemple 2025-2026.", show_default=False),
    ] = None,
    out: Annotated[Path, typer.Option("--out", help="Dossier des documents produits par render, dont l'état est donné.")] = Path("out"),
    lang: LangOption = Lang.fr,
    max_size: MaxSizeOption = MAX_BYTES,
    jobs: JobsOption = None,
) -> None:
    """Le suivi de l'année : une ligne par élève et convention, rapprochée des listes de classe."""
    from convgen.errors import UsageError
    from convgen.pipeline.batch import Options
    from convgen.pipeline.status import parse_year, status_run

    chosen = parse_year(year)
    if format is StatusFormat.xlsx and output is None and sys.stdout.isatty():
        raise UsageError(M_XLSX_TERMINAL)
    options = Options(out=out, lang=lang.value, max_size=max_size, jobs=jobs or 0)
    result = status_run(paths, options, roster or [], chosen)
    if format is StatusFormat.text and output is None:
        from convgen.cli.line import output as standard
        from convgen.cli.status_view import print_status

        print_status(standard(), result, lang.value, boxed=True)
    else:
        data = _status_bytes(result, format, lang.value)
        if output is not None:
            from convgen.output.files import write_user_file

            write_user_file(output, data)
            _stderr().print(f"[green]✓[/] {M_WRITTEN.get(lang.value).format(target=_escape(str(output)))}")
        elif format is StatusFormat.xlsx:
            sys.stdout.flush()
            with contextlib.suppress(BrokenPipeError):  # as QuietStream does for text
                sys.stdout.buffer.write(data)
                sys.stdout.flush()
        else:
            sys.stdout.write(data.decode("utf-8"))
        # Written elsewhere: what the run comes to, counts only, where a person or CI reads it.
        from convgen.cli.line import output as standard
        from convgen.cli.status_view import print_rosters, print_totals

        said = standard(stderr=True)
        print_rosters(said, result, lang.value)
        print_totals(said, result, lang.value)
    if result.exit_code:
        raise typer.Exit(result.exit_code)


template_app = typer.Typer(
    cls=Group,
    help="Modèles DOCX : exporter le modèle intégré pour l'adapter, vérifier un modèle.",
    no_args_is_help=True,
    rich_markup_mode=None,
)
app.add_typer(template_app, name="template")


@template_app.command("export", cls=Command)
@handled
def template_export(
    kind: Annotated[TemplateKind, typer.Argument(help="Modèle : pfmp, immersion ou attestation (de fin de PFMP).", case_sensitive=False)],
    output: Annotated[Optional[Path], typer.Option("-o", "--output", help="Fichier à écrire (défaut : modele-KIND.docx).")] = None,
    force: Annotated[bool, typer.Option("--force", "-f", help="Remplace le fichier s'il existe.")] = False,
    lang: LangOption = Lang.fr,
) -> None:
    """Copie le modèle intégré, à ouvrir et adapter dans Word ou LibreOffice."""
    from convgen.documents.template import template_bytes
    from convgen.errors import UsageError
    from convgen.output.files import is_stream, write_user_file
    from convgen.source.starter import M_EXISTS

    target = output if output is not None else Path(f"modele-{kind.value}.docx")
    if target.exists() and not force and not is_stream(target):
        raise UsageError(M_EXISTS.fill(target=target), hint=H_TEMPLATE_EXISTS)
    write_user_file(target, template_bytes(kind.value))
    console = _stderr()
    console.print(f"[green]✓[/] {M_TEMPLATE_WRITTEN.get(lang.value).format(target=_escape(str(target)), kind=kind.value)}")
    console.print(f"[dim]→ {M_TEMPLATE_NEXT.get(lang.value).format(target=_escape(str(target)), kind=kind.value)}[/]")


@template_app.command("check", cls=Command)
@handled
def template_check(
    file: Annotated[Path, typer.Argument(help="Le modèle DOCX à vérifier.")],
    kind: Annotated[
        TemplateKind, typer.Option("--kind", help="Ce que le modèle remplit : pfmp, immersion ou attestation.", case_sensitive=False)
    ] = TemplateKind.pfmp,
    lang: LangOption = Lang.fr,
) -> None:
    """Vérifie un modèle : syntaxe des balises, noms inconnus, document Word valide."""
    from convgen.pipeline.template_check import check_template

    problems = check_template(file, kind.value, lang.value)
    console = _stdout()
    if not problems:
        console.print(f"{_escape(str(file))} : [bold green]{M_TEMPLATE_VALID.get(lang.value)}[/] ({kind.value}).")
        return
    console.print(f"{_escape(str(file))} : [bold red]{M_TEMPLATE_PROBLEMS.get(lang.value).format(count=len(problems))}[/]")
    for problem in problems:
        console.print(f"  • {_escape(problem)}")
    raise typer.Exit(1)


def main() -> None:
    # Pydantic looks for plugins in every installed package's metadata when the first
    # model is built (~10 ms); convgen uses none.
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    # A batch keeps thousands of small objects alive (results, source maps); collecting
    # cycles every 700 allocations would re-scan them all, for garbage made mostly
    # without cycles. Objects alive after start-up are never scanned again.
    gc.freeze()
    gc.set_threshold(50_000, 20, 20)
    if sys.stdout is not None:
        sys.stdout = QuietStream(sys.stdout)
    if sys.stderr is not None:
        sys.stderr = QuietStream(sys.stderr)
    try:
        app()
    except Exception as error:
        # Raised outside a command, where handled() does not reach (the option parser,
        # a callback): typer would print a traceback and exit with 1.
        if os.environ.get("CONVGEN_DEBUG"):
            raise
        _internal_error(error)
        sys.exit(INTERNAL_EXIT)
