"""The checking pipeline of one file: load, validate the schema, run the rules."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from convgen.findings import Finding, Severity
from convgen.i18n import Lang, Msg
from convgen.loading import MAX_BYTES, Document, SourceMap, load_bytes, load_path
from convgen.models import KINDS, Agreement
from convgen.rules import run_rules
from convgen.validation import validate


@dataclass
class FileResult:
    """Everything known about one input file after checking."""

    path: str
    findings: list[Finding] = field(default_factory=list)
    kind: str | None = None
    agreement: Agreement | None = None
    source: SourceMap | None = None

    @property
    def errors(self) -> int:
        return sum(1 for f in self.findings if f.severity is Severity.ERROR)

    @property
    def warnings(self) -> int:
        return sum(1 for f in self.findings if f.severity is Severity.WARNING)

    def valid(self, strict: bool = False) -> bool:
        """No error; with strict, no warning either."""
        return self.errors == 0 and (not strict or self.warnings == 0)


M_INTERNAL = Msg(
    "erreur interne de convgen ({error}) en lisant ce fichier ; merci de la signaler.",
    "convgen internal error ({error}) while reading this file; please report it.",
)


M_UNREADABLE = Msg("fichier illisible : {reason}.", "unreadable file: {reason}.")


def check_document(doc: Document, path: str, lang: Lang = "fr") -> FileResult:
    result = FileResult(path=path, findings=list(doc.findings), source=doc.source)
    if not doc.usable:
        return result
    kind = doc.data.get("kind")
    result.kind = kind if isinstance(kind, str) and kind in KINDS else None
    agreement, schema_findings = validate(doc, lang)
    result.findings.extend(schema_findings)
    if agreement is not None:
        result.agreement = agreement
        result.findings.extend(run_rules(agreement, lang, doc.source.locate))
    result.findings.sort(key=Finding.sort_key)
    return result


def _guarded(path: str, lang: Lang, load) -> FileResult:
    try:
        return check_document(load(), path, lang)
    except RecursionError:
        return FileResult(path, [Finding("YAML_SYNTAX", Severity.ERROR, M_INTERNAL.get(lang).format(error="RecursionError"))])
    except OSError as error:
        message = M_UNREADABLE.get(lang).format(reason=error.strerror or type(error).__name__)
        return FileResult(path, [Finding("YAML_SYNTAX", Severity.ERROR, message)])
    except Exception as error:  # one broken file must not stop a batch
        return FileResult(path, [Finding("INTERNAL_ERROR", Severity.ERROR, M_INTERNAL.get(lang).format(error=type(error).__name__))])


def check_path(path: Path, display: str | None = None, lang: Lang = "fr", max_bytes: int = MAX_BYTES) -> FileResult:
    """Check one file; an unreadable one gets a finding like any other broken input."""
    return _guarded(display or str(path), lang, lambda: load_path(path, lang, max_bytes))


def check_bytes(raw: bytes, display: str = "<stdin>", lang: Lang = "fr", max_bytes: int = MAX_BYTES) -> FileResult:
    return _guarded(display, lang, lambda: load_bytes(raw, lang, max_bytes))
