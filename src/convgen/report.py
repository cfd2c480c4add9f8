"""How results are shown: compiler-like text, the JSON report of cli.md, GitHub annotations."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from rich.console import Console
from rich.text import Text

from convgen import __version__
from convgen.checking import FileResult
from convgen.findings import Finding, Severity
from convgen.i18n import Lang, Msg, plural

SEVERITY_WORD = {
    Severity.ERROR: Msg("erreur", "error"),
    Severity.WARNING: Msg("avertissement", "warning"),
}
SEVERITY_STYLE = {Severity.ERROR: "bold red", Severity.WARNING: "bold yellow"}
MAX_QUOTE = 160


def summary(results: Sequence[FileResult], strict: bool = False) -> dict[str, int]:
    return {
        "files": len(results),
        "valid": sum(1 for r in results if r.valid(strict)),
        "errors": sum(r.errors for r in results),
        "warnings": sum(r.warnings for r in results),
    }


def file_json(result: FileResult, strict: bool = False) -> dict[str, Any]:
    return {
        "path": result.path,
        "kind": result.kind,
        "valid": result.valid(strict),
        "findings": [f.to_json() for f in result.findings],
    }


def json_report(results: Sequence[FileResult], strict: bool = False, extra: dict[str, dict[str, Any]] | None = None) -> dict[str, Any]:
    """The report of cli.md; `extra` adds keys to each file's entry (a render's outputs)."""
    files = []
    for result in results:
        entry = file_json(result, strict)
        if extra and result.path in extra:
            entry.update(extra[result.path])
        files.append(entry)
    return {"convgen": __version__, "files": files, "summary": summary(results, strict)}


def dumps(report: dict[str, Any]) -> str:
    return json.dumps(report, ensure_ascii=False, indent=2)


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def github_line(path: str, finding: Finding) -> str:
    """One GitHub Actions workflow command, shown inline on the pull request."""
    level = "error" if finding.severity is Severity.ERROR else "warning"
    props = [f"file={_escape_property(path)}"]
    if finding.line:
        props.append(f"line={finding.line}")
        if finding.column:
            props.append(f"col={finding.column}")
    props.append(f"title={_escape_property(finding.rule)}")
    message = f"{finding.field} : {finding.message}" if finding.field else finding.message
    if finding.article:
        message += f" ({finding.article})"
    return f"::{level} {','.join(props)}::{_escape_data(message)}"


def github_lines(results: Sequence[FileResult]) -> list[str]:
    return [github_line(result.path, finding) for result in results for finding in result.findings]


M_VALID = Msg("valide", "valid")
M_SUMMARY = Msg(
    "{files} {files_word} : {valid} {valid_word}, {invalid} {invalid_word} ; {errors} {errors_word}, {warnings} {warnings_word}.",
    "{files} {files_word}: {valid} {valid_word}, {invalid} {invalid_word}; {errors} {errors_word}, {warnings} {warnings_word}.",
)
# Singular and plural of each counted word; French keeps the singular for 0.
_WORDS = {
    "files": (Msg("fichier vérifié", "file checked"), Msg("fichiers vérifiés", "files checked")),
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


def finding_text(result: FileResult, finding: Finding, lang: Lang) -> Text:
    """A finding as a compiler prints it: position, severity, rule, message, then the line with a caret."""
    text = Text()
    where = result.path
    if finding.line:
        where += f":{finding.line}"
        if finding.column:
            where += f":{finding.column}"
    text.append(where + ": ", style="bold")
    text.append(SEVERITY_WORD[finding.severity].get(lang), style=SEVERITY_STYLE[finding.severity])
    text.append(f" [{finding.rule}] ", style="cyan")
    if finding.field:
        text.append(finding.field, style="bold")
        text.append(" : " if lang == "fr" else ": ")
    text.append(finding.message)
    quoted = result.source.line_text(finding.line) if result.source else None
    if quoted is not None:
        quoted = quoted.rstrip().replace("\t", " ")
        number = str(finding.line)
        pad = " " * len(number)
        text.append(f"\n  {number} | ", style="blue")
        text.append(quoted[:MAX_QUOTE] + ("…" if len(quoted) > MAX_QUOTE else ""))
        column = max((finding.column or 1) - 1, 0)
        if column < MAX_QUOTE:
            width = max((finding.end_column or 0) - (finding.column or 0), 1)
            width = min(width, max(len(quoted) - column, 1))
            text.append(f"\n  {pad} | ", style="blue")
            text.append(" " * column + "^" * width, style=SEVERITY_STYLE[finding.severity])
    if finding.article:
        text.append(f"\n  {' ' * len(str(finding.line or ''))} = ", style="blue")
        text.append(finding.article, style="italic")
    return text


def print_text(console: Console, results: Sequence[FileResult], strict: bool, lang: Lang) -> None:
    for result in results:
        if not result.findings:
            line = Text(f"{result.path} : " if lang == "fr" else f"{result.path}: ")
            line.append(M_VALID.get(lang), style="bold green")
            console.print(line)
            continue
        for finding in result.findings:
            console.print(finding_text(result, finding, lang))
    if len(results) != 1 or results[0].findings:
        console.print(Text(summary_line(results, strict, lang), style="bold"))


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
M_WRITTEN = Msg(
    "{documents} {documents_word} {written_word} dans {out}.",
    "{documents} {documents_word} written to {out}.",
)


def print_render(console: Console, outcomes: Sequence[Any], out: object, strict: bool, lang: Lang) -> None:
    """Per input, its findings and the files written; then what the run produced."""
    documents = 0
    for outcome in outcomes:
        result = outcome.result
        for finding in result.findings:
            console.print(finding_text(result, finding, lang))
        if outcome.outputs:
            documents += len(outcome.outputs)
            line = Text("✓ ", style="bold green")
            line.append(f"{result.path} → ")
            line.append(", ".join(str(path) for path in outcome.outputs))
            console.print(line)
        elif not result.valid(strict):
            console.print(Text(M_NOT_RENDERED.get(lang).format(path=result.path), style="bold red"))
    results = [outcome.result for outcome in outcomes]
    if len(results) != 1 or results[0].findings:
        console.print(Text(summary_line(results, strict, lang), style="bold"))
    words = {
        "documents_word": plural(documents, "document", "documents", lang),
        "written_word": plural(documents, "écrit", "écrits", lang),
    }
    console.print(Text(M_WRITTEN.get(lang).format(documents=documents, out=out, **words), style="bold"))
