"""How results are shown: compiler-like text, the JSON report of cli.md, GitHub annotations."""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from convgen.cli.line import Line, Output, PlainOutput
from convgen.cli.terminal import json_visible, visible
from convgen.findings import Finding, Severity
from convgen.i18n import Lang, Msg, plural
from convgen.pipeline.checking import FileResult
from convgen.pipeline.report import summary

if TYPE_CHECKING:
    from rich.console import Console

SEVERITY_WORD = {
    Severity.ERROR: Msg("erreur", "error"),
    Severity.WARNING: Msg("avertissement", "warning"),
}
SEVERITY_STYLE = {Severity.ERROR: "bold red", Severity.WARNING: "bold yellow"}
MAX_QUOTE = 160


def dumps(report: dict[str, Any]) -> str:
    # A file name that is not UTF-8 holds lone surrogates, which stdout cannot encode as
    # they are; they, C1 controls and bidi overrides are written as JSON escapes.
    return json_visible(json.dumps(report, ensure_ascii=False, indent=2))


def _escape_data(text: str) -> str:
    # visible() first: a CR or LF from input is shown as "\r", "\n" rather than made a
    # line break of the annotation; then GitHub's own escaping, as @actions/core does it.
    return visible(text).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def github_line(result: FileResult, finding: Finding) -> str:
    """One GitHub Actions workflow command, shown inline on the pull request."""
    level = "error" if finding.severity is Severity.ERROR else "warning"
    props = [f"file={_escape_property(result.file_of(finding))}"]
    if finding.line:
        props.append(f"line={finding.line}")
        if finding.column:
            props.append(f"col={finding.column}")
    props.append(f"title={_escape_property(finding.rule)}")
    message = f"{finding.field} : {finding.message}" if finding.field else finding.message
    if result.label:
        message = f"{result.label} › {message}"
    if finding.article:
        message += f" ({finding.article})"
    return f"::{level} {','.join(props)}::{_escape_data(message)}"


def github_lines(results: Sequence[FileResult]) -> list[str]:
    return [github_line(result, finding) for result in results for finding in result.findings]


M_VALID = Msg("valide", "valid")
M_SUMMARY = Msg(
    "{files} {files_word} : {valid} {valid_word}, {invalid} {invalid_word} ; {errors} {errors_word}, {warnings} {warnings_word}.",
    "{files} {files_word}: {valid} {valid_word}, {invalid} {invalid_word}; {errors} {errors_word}, {warnings} {warnings_word}.",
)
# Singular and plural of each counted word; French keeps the singular for 0.
_WORDS = {
    "files": (Msg("convention vérifiée", "agreement checked"), Msg("conventions vérifiées", "agreements checked")),
    "valid": (Msg("valide", "valid"), Msg("valides", "valid")),
    "invalid": (Msg("invalide", "invalid"), Msg("invalides", "invalid")),
    "errors": (Msg("erreur", "error"), Msg("erreurs", "errors")),
    "warnings": (Msg("avertissement", "warning"), Msg("avertissements", "warnings")),
}


def summary_line(results: Sequence[FileResult], strict: bool, lang: Lang) -> str:
    counts = summary(results, strict)
    counts["invalid"] = counts["files"] - counts["valid"]
    words = {f"{name}_word": plural(counts[name], one.get(lang), many.get(lang), lang) for name, (one, many) in _WORDS.items()}
    return M_SUMMARY.get(lang).format(**counts, **words)


def finding_text(result: FileResult, finding: Finding, lang: Lang) -> Line:
    """A finding as a compiler prints it: position, severity, rule, message, then the line with a caret."""
    text = Line()
    where = visible(result.file_of(finding))
    if finding.line:
        where += f":{finding.line}"
        if finding.column:
            where += f":{finding.column}"
    text.append(where + ": ", style="bold")
    text.append(SEVERITY_WORD[finding.severity].get(lang), style=SEVERITY_STYLE[finding.severity])
    text.append(f" [{finding.rule}] ", style="cyan")
    if result.label:
        text.append(f"{visible(result.label)} › ", style="magenta")
    if finding.field:
        text.append(visible(finding.field), style="bold")
        text.append(" : " if lang == "fr" else ": ")
    text.append(visible(finding.message))
    quoted = result.line_text(finding)
    if quoted is not None:
        quoted = quoted.rstrip().replace("\t", " ")
        number = str(finding.line)
        pad = " " * len(number)
        column = max((finding.column or 1) - 1, 0)
        # A long line (a CSV row) is shown around the column rather than cut before it.
        start = column - 40 if column > MAX_QUOTE - 40 else 0
        lead = "…" if start else ""
        shown = quoted[start : start + MAX_QUOTE]
        text.append(f"\n  {number} | ", style="blue")
        text.append(lead + visible(shown) + ("…" if start + MAX_QUOTE < len(quoted) else ""))
        if column < len(quoted) + 1:
            width = max((finding.end_column or 0) - (finding.column or 0), 1)
            width = min(width, max(len(shown) - (column - start), 1))
            # The caret counts what is shown: an escaped character takes two to six columns.
            before = len(visible(quoted[start:column]))
            span = quoted[column : column + width]
            width = len(visible(span)) if span else width
            text.append(f"\n  {pad} | ", style="blue")
            text.append(" " * (len(lead) + before) + "^" * width, style=SEVERITY_STYLE[finding.severity])
    if finding.article:
        text.append(f"\n  {' ' * len(str(finding.line or ''))} = ", style="blue")
        text.append(visible(finding.article), style="italic")
    return text


def emit(console: Output, line: Line) -> None:
    """One line of a batch's output. Without colours (CI logs, pipes) it is written as is:
    the same characters as rich would print, at a twentieth of the cost of laying it out,
    which shows on a thousand agreements."""
    if isinstance(console, PlainOutput) or (console.color_system is None and not console.is_terminal):
        console.file.write(line.plain + "\n")
    else:
        console.print(line.rich())


def print_text(console: Output, results: Sequence[FileResult], strict: bool, lang: Lang) -> None:
    for result in results:
        if not result.findings:
            path = visible(result.path)
            line = Line(f"{path} : " if lang == "fr" else f"{path}: ")
            line.append(M_VALID.get(lang), style="bold green")
            emit(console, line)
            continue
        for finding in result.findings:
            emit(console, finding_text(result, finding, lang))
    if len(results) != 1 or results[0].findings:
        emit(console, Line(summary_line(results, strict, lang), style="bold"))


RULE_HEADERS = {
    "fr": ("règle", "gravité", "s'applique à", "limite", "source"),
    "en": ("rule", "severity", "applies to", "limit", "source"),
}
M_RULES_TITLE = Msg("Règles vérifiées par convgen", "Rules checked by convgen")
M_RULES_INTRO = Msg(
    "Page produite par `convgen rules --format markdown` à partir des déclarations des règles : ne pas la modifier à la main.",
    "Page produced by `convgen rules --format markdown --lang en` from the rule declarations: do not edit it by hand.",
)


def rules_markdown(rows: list[dict[str, Any]], groups: dict[str, Msg], lang: Lang) -> str:
    """The catalogue as a Markdown page (docs/RULES.md), one table per group."""

    def cell(value: object) -> str:
        return str(value or "—").replace("|", "\\|")

    lines = [f"# {M_RULES_TITLE.get(lang)}", "", M_RULES_INTRO.get(lang), ""]
    for group, title in groups.items():
        members = [row for row in rows if row["group"] == group]
        if not members:
            continue
        lines += [f"## {title.get(lang)}", "", "| " + " | ".join(RULE_HEADERS[lang]) + " |", "|---|---|---|---|---|"]
        for row in members:
            severity = SEVERITY_WORD[Severity(row["severity"])].get(lang)
            values = (f"`{row['id']}`", severity, row["applies_to"], row["limit"], row["article"])
            lines.append("| " + " | ".join(cell(value) for value in values) + " |")
        lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"


def print_rules(console: Console, rows: list[dict[str, Any]], groups: dict[str, Msg], lang: Lang) -> None:
    from rich.table import Table

    headers = RULE_HEADERS[lang]
    for group, title in groups.items():
        members = [row for row in rows if row["group"] == group]
        if not members:
            continue
        table = Table(title=title.get(lang), title_justify="left", show_lines=False, expand=False)
        for index, header in enumerate(headers):
            table.add_column(header, overflow="fold", no_wrap=index < 2)
        for row in members:
            severity = SEVERITY_WORD[Severity(row["severity"])].get(lang)
            table.add_row(str(row["id"]), severity, str(row["applies_to"]), str(row["limit"]), str(row["article"] or "—"))
        console.print(table)


M_NOT_RENDERED = Msg("{path} : non rendu (corrigez les erreurs ci-dessus).", "{path}: not rendered (fix the errors above).")
M_STALE = Msg(
    "  attention : des documents d'une version précédente de cette convention sont toujours dans le dossier de sortie "
    "et ne correspondent plus au fichier ; ne les faites pas signer : {files}",
    "  beware: documents from an earlier version of this agreement are still in the output folder "
    "and no longer match the file; do not have them signed: {files}",
)
M_WRITTEN = Msg(
    "{documents} {documents_word} {written_word} dans {out}.",
    "{documents} {documents_word} written to {out}.",
)
M_NOTHING = Msg("aucune convention dans cette part (--shard) : rien à faire.", "no agreement in this shard (--shard): nothing to do.")
M_PROGRESS = Msg("Conventions", "Agreements")
M_IN_ERROR = Msg("en erreur", "with errors")
SUMMARY_ROWS = {
    "files": Msg("Conventions vérifiées", "Agreements checked"),
    "valid": Msg("Valides", "Valid"),
    "invalid": Msg("Invalides (non rendues)", "Invalid (not rendered)"),
    "warnings": Msg("Avertissements", "Warnings"),
    "documents": Msg("Documents écrits", "Documents written"),
    "elapsed": Msg("Durée", "Time"),
}


def _documents_line(documents: int, out: Path, lang: Lang) -> str:
    words = {
        "documents_word": plural(documents, "document", "documents", lang),
        "written_word": plural(documents, "écrit", "écrits", lang),
    }
    return M_WRITTEN.get(lang).format(documents=documents, out=visible(str(out)), **words)


M_INTERRUPTED = Msg(
    "Interrompu ({signal}) : {done} conventions sur {total} traitées, {left} non traitées ; "
    "{documents} documents écrits, tous complets. Relancez la même commande pour le reste.",
    "Interrupted ({signal}): {done} of {total} agreements done, {left} not done; "
    "{documents} documents written, all complete. Run the same command again for the rest.",
)


M_INTERRUPTED_CHECKING = Msg(
    "Interrompu ({signal}) pendant la vérification : {done} conventions sur {total} vérifiées ; aucun document écrit "
    "(les documents ne sont mis dans le dossier de sortie qu'une fois toutes les conventions vérifiées ensemble : "
    "même élève, même année scolaire). Relancez la même commande.",
    "Interrupted ({signal}) while checking: {done} of {total} agreements checked; no document written "
    "(documents go into the output folder only once every agreement has been checked together: "
    "same pupil, same school year). Run the same command again.",
)


M_UNATTESTED = Msg(
    "– {path} : pas encore de section attendance (absences, date de l'attestation) : pas d'attestation.",
    "– {path}: no attendance section yet (absences, the attestation's date): no attestation.",
)
M_NO_ATTESTATION = Msg("– {path} : une immersion n'a pas d'attestation de PFMP.", "– {path}: an immersion has no PFMP attestation.")
M_UNATTESTED_COUNT = Msg(
    "{count} conventions sans attestation (pas encore de section attendance, ou immersion).",
    "{count} agreements without an attestation (no attendance section yet, or an immersion).",
)
MAX_UNATTESTED_SHOWN = 10
"""Agreements without attendance named one by one; past it, counted: before the period, that is all of them."""


class RenderReporter:
    """What `convgen render` shows while it works and when it is done.

    On a terminal: a progress bar (done, errors, time left), the findings as they come,
    then a summary table. Without one (CI logs, pipes): one plain line per agreement and
    a summary, never an escape sequence. `github` prints findings as workflow commands;
    `json` prints only the report, at the end.
    """

    def __init__(self, console: Console, out: Path, strict: bool, lang: Lang, mode: str = "text") -> None:
        self.console, self.out, self.strict, self.lang, self.mode = console, out, strict, lang, mode
        self.live = mode == "text" and console.is_terminal
        self.progress: Any = None
        self.errors = 0
        self.unattested = 0  # `attest`: valid agreements without an attestation
        self.started_at = time.monotonic()

    def started(self, total: int) -> None:
        if not self.live or total == 0:
            return
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

        self.progress = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("[red]{task.fields[errors]} " + M_IN_ERROR.get(self.lang)),
            TimeElapsedColumn(),
            TextColumn("/"),
            TimeRemainingColumn(),
            console=self.console,
            transient=True,
        )
        self.task = self.progress.add_task(M_PROGRESS.get(self.lang), total=total, errors=0)
        self.progress.start()

    def checked(self, outcome: Any) -> None:
        """An agreement checked and rendered aside: the bar moves on."""
        if not outcome.result.valid(self.strict):
            self.errors += 1
        if self.progress is not None:
            self.progress.update(self.task, advance=1, errors=self.errors)

    def done(self, outcome: Any) -> None:
        """An agreement's findings and documents, once every agreement of the run is checked."""
        result = outcome.result
        if self.mode == "json":
            return
        if self.mode == "github":
            for line in github_lines([result]):
                self.console.out(line, highlight=False)
        else:
            for finding in result.findings:
                emit(self.console, finding_text(result, finding, self.lang))
        if outcome.outputs and not self.live:
            line = Line("✓ ", style="bold green")
            line.append(f"{visible(result.path)} → ")
            line.append(visible(", ".join(str(path) for path in outcome.outputs)))
            emit(self.console, line)
        elif not result.valid(self.strict):
            emit(self.console, Line(M_NOT_RENDERED.get(self.lang).format(path=visible(result.path)), style="bold red"))
            if outcome.stale:
                files = visible(", ".join(str(path) for path in outcome.stale))
                emit(self.console, Line(M_STALE.get(self.lang).format(files=files), style="bold yellow"))
        elif outcome.unattested:
            self.unattested += 1
            if self.unattested <= MAX_UNATTESTED_SHOWN:
                said = M_UNATTESTED if result.kind == "pfmp" else M_NO_ATTESTATION
                emit(self.console, Line(said.get(self.lang).format(path=visible(result.path)), style="yellow"))

    def stop(self) -> None:
        if self.progress is not None:
            self.progress.stop()
            self.progress = None

    def finished(self, outcomes: Sequence[Any], report: dict[str, Any] | None = None) -> None:
        self.stop()
        if self.mode == "json":
            self.console.out(dumps(report or {}), highlight=False)
            return
        results = [outcome.result for outcome in outcomes]
        documents = sum(len(outcome.outputs) for outcome in outcomes)
        if not results:
            self.console.print(M_NOTHING.get(self.lang))
            return
        if self.live:
            self._unattested()
            self._table(results, documents)
            return
        if len(results) != 1 or results[0].findings:
            self.console.print(Line(summary_line(results, self.strict, self.lang), style="bold").rich())
        self._unattested()
        self.console.print(Line(_documents_line(documents, self.out, self.lang), style="bold").rich())

    def _unattested(self) -> None:
        if self.unattested > MAX_UNATTESTED_SHOWN or (self.unattested and self.live):
            self.console.print(Line(M_UNATTESTED_COUNT.get(self.lang).format(count=self.unattested), style="yellow").rich())

    def interrupted(self, signum: int, outcomes: Sequence[Any], total: int, checking: bool = False) -> None:
        """Said on stderr, even with --output-format json: stdout holds the report alone."""
        import signal

        name = "Ctrl-C" if signum == signal.SIGINT else signal.Signals(signum).name
        done, documents = len(outcomes), sum(len(outcome.outputs) for outcome in outcomes)
        said = M_INTERRUPTED_CHECKING if checking else M_INTERRUPTED
        message = said.get(self.lang).format(signal=name, done=done, total=total, left=total - done, documents=documents)
        from rich.console import Console

        Console(stderr=True, highlight=False, soft_wrap=True, no_color=not self.console.is_terminal).print(
            Line(message, style="bold red").rich()
        )

    def _table(self, results: Sequence[FileResult], documents: int) -> None:
        from rich.table import Table

        counts = summary(results, self.strict)
        elapsed = time.monotonic() - self.started_at
        values = {
            "files": str(counts["files"]),
            "valid": str(counts["valid"]),
            "invalid": str(counts["files"] - counts["valid"]),
            "warnings": str(counts["warnings"]),
            "documents": f"{documents}  → {visible(str(self.out))}",
            "elapsed": f"{elapsed:.1f} s".replace(".", "," if self.lang == "fr" else "."),
        }
        table = Table(show_header=False, box=None, padding=(0, 2))
        table.add_column(style="bold")
        table.add_column()
        for key, label in SUMMARY_ROWS.items():
            style = "red" if key == "invalid" and values[key] != "0" else ("green" if key == "valid" else "")
            table.add_row(label.get(self.lang), Line(values[key], style=style).rich())
        self.console.print(table)
