"""What `convgen status` gives: its JSON (stable keys, values as they are), and its rows as
spreadsheet columns (titles and states in the user's language), for CSV, XLSX and the text view."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from convgen import __version__
from convgen.findings import Finding
from convgen.i18n import Lang, Msg
from convgen.pipeline.status import Row, Status, Year, year_text

if TYPE_CHECKING:
    from convgen.documents.sheets import Column, Sheet


def _number(value: Decimal | None) -> float | int | None:
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def row_json(row: Row) -> dict[str, Any]:
    return {
        "school_year": year_text(row.school_year),
        "class": row.class_name,
        "last_name": row.last_name,
        "first_name": row.first_name,
        "birth_date": row.birth_date.isoformat() if row.birth_date else None,
        "ine": row.ine,
        "kind": row.kind,
        "file": row.file,
        "host": row.host,
        "siret": row.siret,
        "start": row.start.isoformat() if row.start else None,
        "end": row.end.isoformat() if row.end else None,
        "valid": row.valid,
        "errors": row.errors,
        "warnings": row.warnings,
        "documents": row.documents,
        "stale_documents": row.stale_documents,
        "amendments": row.amendments,
        "attested": row.attested,
        "days_planned": row.days_planned,
        "days_done": row.days_done,
        "hours_planned": _number(row.hours_planned),
        "gratification": {
            "required": row.gratification_required,
            "hourly_amount": _number(row.gratification_hourly),
            "estimated_total": _number(row.gratification_total),
        },
        "allowance": None
        if row.allowance is None
        else {"amount": _number(row.allowance), "capped": row.allowance_capped, "estimate": row.allowance_estimate},
        "roster": None if row.roster is None else {"state": row.roster, "file": row.roster_file, "line": row.roster_line},
        "overlaps": row.overlaps,
        "homonyms": row.homonyms,
        "notes": row.notes,
    }


def _finding_json(finding: Finding) -> dict[str, Any]:
    return {
        "rule": finding.rule,
        "severity": finding.severity.value,
        "message": finding.message,
        "file": finding.file,
        "line": finding.line,
        "column": finding.column,
        "field": finding.field,
    }


def year_summary(year: Year) -> dict[str, int]:
    agreements = [row for row in year.rows if row.file is not None]
    return {
        "agreements": len(agreements),
        "valid": sum(1 for row in agreements if row.valid),
        "invalid": sum(1 for row in agreements if row.valid is False),
        "rendered": sum(1 for row in agreements if row.documents == "rendered"),
        "stale": sum(1 for row in agreements if row.documents == "stale"),
        "listed": year.count(roster="listed"),
        "without_agreement": year.count(roster="no_agreement"),
        "not_listed": year.count(roster="not_listed"),
        "homonyms": year.count(roster="homonym"),
        "overlapping": sum(1 for row in agreements if row.overlaps),
    }


def json_status(status: Status, lang: Lang = "fr") -> dict[str, Any]:
    years = [
        {
            "school_year": year_text(year.school_year),
            "summary": year_summary(year),
            "rows": [row_json(row) for row in year.rows],
            "listed_twice": [{"line": again, "first": first} for again, first in year.listed_twice],
        }
        for year in status.years
    ]
    totals: dict[str, int] = {}
    for entry in years:
        for key, value in entry["summary"].items():
            totals[key] = totals.get(key, 0) + value
    totals["unplaced"] = len(status.unplaced)
    return {
        "convgen": __version__,
        "out": str(status.out),
        "rosters": [
            {
                "path": roster.file,
                "encoding": roster.encoding,
                "guessed": roster.encoding == "windows-1252",  # no BOM or mark says so: read as French spreadsheets write
                "pupils": len(roster.pupils),
                "notes": [note.get(lang) for note in roster.notes],
                "findings": [_finding_json(finding) for finding in roster.findings],
            }
            for roster in status.rosters
        ],
        "years": years,
        "unplaced": [row_json(row) for row in status.unplaced],
        "summary": totals,
    }


YES, NO = Msg("oui", "yes"), Msg("non", "no")

STATES = {
    "rendered": Msg("à jour", "up to date"),
    "stale": Msg("périmés", "stale"),
    "partial": Msg("incomplets", "partial"),
    "missing": Msg("absents", "missing"),
    "listed": Msg("sur la liste", "listed"),
    "not_listed": Msg("absent de la liste", "not on the list"),
    "homonym": Msg("homonyme ?", "homonym?"),
    "no_agreement": Msg("sans convention", "no agreement"),
    "other_class": Msg("autre classe dans la convention", "another class in the agreement"),
    "other_name": Msg("même INE, autre nom ou date de naissance", "same INE, other name or birth date"),
}

NO_CLASS = Msg("(sans classe)", "(no class)")
NO_YEAR = Msg("(année inconnue)", "(unknown year)")

# key, French title, English title, kind
_COLUMNS = (
    ("school_year", "Année scolaire", "School year", "text"),
    ("class", "Classe", "Class", "text"),
    ("last_name", "Nom", "Last name", "text"),
    ("first_name", "Prénom", "First name", "text"),
    ("birth_date", "Né(e) le", "Born", "date"),
    ("ine", "INE", "INE", "text"),
    ("file", "Convention", "Agreement", "text"),
    ("host", "Accueil", "Host", "text"),
    ("start", "Début", "Start", "date"),
    ("end", "Fin", "End", "date"),
    ("valid", "Valide", "Valid", "text"),
    ("errors", "Erreurs", "Errors", "text"),
    ("warnings", "Avertissements", "Warnings", "text"),
    ("documents", "Documents", "Documents", "text"),
    ("amendments", "Avenants", "Amendments", "integer"),
    ("attested", "Attestée", "Attested", "text"),
    ("days_planned", "Jours prévus", "Days planned", "integer"),
    ("days_done", "Jours faits", "Days done", "integer"),
    ("hours_planned", "Heures prévues", "Hours planned", "decimal"),
    ("gratification_required", "Gratification due", "Gratification due", "text"),
    ("gratification_hourly", "Gratification horaire", "Hourly gratification", "money"),
    ("gratification_total", "Gratification estimée", "Estimated gratification", "money"),
    ("allowance", "Allocation PFMP", "PFMP allowance", "money"),
    ("allowance_capped", "Plafond atteint", "Cap reached", "text"),
    ("allowance_estimate", "Allocation estimée", "Allowance estimated", "text"),
    ("roster", "Liste de classe", "Class list", "text"),
    ("remarks", "Remarques", "Remarks", "text"),
)


def columns(lang: Lang) -> list[Column]:
    from convgen.documents.sheets import Column

    return [Column(key, french if lang == "fr" else english, kind) for key, french, english, kind in _COLUMNS]  # type: ignore[arg-type]


def _yes_no(value: bool | None, lang: Lang) -> str | None:
    return None if value is None else (YES if value else NO).get(lang)


M_OVERLAP = Msg("mêmes dates que {files}", "same dates as {files}")
M_HOMONYM = Msg("homonyme possible : {places}", "possible homonym: {places}")
M_STALE = Msg("documents plus anciens que la convention : {files}", "documents older than the agreement: {files}")


def remarks(row: Row, lang: Lang) -> list[str]:
    said = [STATES[note].get(lang) for note in row.notes]
    if row.overlaps:
        said.append(M_OVERLAP.get(lang).format(files=", ".join(row.overlaps)))
    if row.homonyms:
        said.append(M_HOMONYM.get(lang).format(places=", ".join(row.homonyms)))
    return said


def cells(row: Row, lang: Lang) -> dict[str, Any]:
    """A row as a spreadsheet shows it: states in words, lists joined, numbers as numbers."""
    return {
        "school_year": year_text(row.school_year),
        "class": row.class_name,
        "last_name": row.last_name,
        "first_name": row.first_name,
        "birth_date": row.birth_date,
        "ine": row.ine,
        "file": row.file,
        "host": row.host,
        "start": row.start,
        "end": row.end,
        "valid": _yes_no(row.valid, lang),
        "errors": ", ".join(row.errors) or None,
        "warnings": ", ".join(row.warnings) or None,
        "documents": STATES[row.documents].get(lang) if row.documents else None,
        "amendments": row.amendments,
        "attested": _yes_no(row.attested, lang),
        "days_planned": row.days_planned,
        "days_done": row.days_done,
        "hours_planned": row.hours_planned,
        "gratification_required": _yes_no(row.gratification_required, lang),
        "gratification_hourly": row.gratification_hourly,
        "gratification_total": row.gratification_total,
        "allowance": row.allowance,
        "allowance_capped": _yes_no(row.allowance_capped, lang),
        "allowance_estimate": _yes_no(row.allowance_estimate, lang),
        "roster": STATES[row.roster].get(lang) if row.roster else None,
        "remarks": " ; ".join(remarks(row, lang)) or None,
    }


def sheets(status: Status, lang: Lang) -> list[Sheet]:
    """One sheet per class of each school year (the year in its name when there are
    several), then the agreements of no known year."""
    from convgen.documents.sheets import Sheet

    wanted = columns(lang)
    several = len(status.years) > 1
    found: list[Sheet] = []
    for year in status.years:
        by_class: dict[str | None, list[Row]] = {}
        for row in year.rows:
            by_class.setdefault(row.class_name, []).append(row)
        for name, rows in by_class.items():
            title = name or NO_CLASS.get(lang)
            if several:
                title = f"{year_text(year.school_year)} {title}"
            found.append(Sheet(title, wanted, [cells(row, lang) for row in rows]))
    if status.unplaced:
        found.append(Sheet(NO_YEAR.get(lang), wanted, [cells(row, lang) for row in status.unplaced]))
    if not found:
        found.append(Sheet(NO_CLASS.get(lang), wanted, []))
    return found


def spreadsheet(status: Status, form: str, lang: Lang) -> bytes:
    """The status as a `csv` or an `xlsx` file."""
    from convgen.documents.sheets import csv_bytes, xlsx_bytes

    tables = sheets(status, lang)
    return csv_bytes(tables, lang=lang) if form == "csv" else xlsx_bytes(tables, title="convgen status", lang=lang)
