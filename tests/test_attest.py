"""`convgen attest`: the attestation de fin de PFMP of each agreement whose attendance is given
(cli.md, "attest"; input.md, "Presence, days done"), read back from the built-in template.

The base agreement runs 2026-01-12 .. 2026-02-06, Monday to Thursday 08:30-12:00 + 13:30-17:00
(7 h) and Friday 08:30-12:00 + 13:30-16:30 (6 h 30), with 2026-01-23 (a Friday) off: 15
Monday-to-Thursday days (105 h) and 4 Fridays (26 h), so 19 days and 131 h 30 planned.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import build_case, docx_text, other_pupil

ISSUED = {"place": "Lyon", "date": "2026-02-06"}
COPIES = ("eleve", "etablissement")
HEADINGS = {"eleve": "Exemplaire destiné à l'élève", "etablissement": "Exemplaire destiné à l'établissement de formation"}


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def attended(attendance: dict | None = None, patch: dict | None = None, remove: list[str] | None = None) -> str:
    """The base agreement with an attendance section (issued on the last worked date by default)."""
    section = {"issued": ISSUED, **(attendance or {})}
    return build_case("pfmp", {**(patch or {}), "attendance": section}, remove)


def attest(cli, workdir: Path, text: str, *options: str) -> dict[str, str]:
    """Attests agreement.yaml: each copy's text, read back."""
    write(workdir / "agreement.yaml", text)
    result = cli("attest", "agreement.yaml", *options)
    assert result.exit_code == 0, result.output
    return {copy: docx_text(workdir / "out" / f"agreement.attestation.{copy}.docx") for copy in COPIES}


def presence(text: str) -> str:
    [line] = [line for line in text.splitlines() if " de présence, soit " in line]
    return line


def between(text: str, first: str, last: str) -> list[str]:
    """The lines strictly between the line `first` and the next line starting with `last`."""
    lines = text.splitlines()
    start = lines.index(first) + 1
    end = next(index for index in range(start, len(lines)) if lines[index].startswith(last))
    return lines[start:end]


def names(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.iterdir()) if folder.exists() else []


# --- what each copy says


def test_without_absence_every_planned_day_and_hour_is_done(cli, workdir: Path) -> None:
    texts = attest(cli, workdir, attended())
    for copy, text in texts.items():
        assert HEADINGS[copy] in text
        assert "ATTESTATION DE FIN DE PÉRIODE DE FORMATION EN MILIEU PROFESSIONNEL" in text
        # 15 × 7 h + 4 × 6 h 30 = 131 h 30, all done
        assert presence(text) == "19 jours de présence, soit 131 h 30, sur 19 jours (131 h 30) prévus par la convention."
        assert between(text, "Absences", "Activités") == ["Aucune absence."]
        assert "du 12 janvier 2026 au 6 février 2026" in text


def test_the_parties_are_the_host_the_pupil_and_the_school(cli, workdir: Path) -> None:
    for text in attest(cli, workdir, attended()).values():
        assert "Garage Martin SARL" in text
        assert "12 rue des Tanneurs, 69007 Lyon" in text
        assert "SIRET : 41234567000019" in text
        assert "Paul Martin, Gérant" in text
        assert "Léa Dupont, né(e) le 14 mai 2009" in text
        assert "1re MV A" in text
        assert "Baccalauréat professionnel Maintenance des véhicules, option voitures particulières" in text
        assert "Lycée professionnel Marcel Sembat, 69200 Vénissieux (UAI 0690128P)" in text
        assert "Karim Benali" in text


def test_a_whole_day_a_half_day_and_a_range_of_absence(cli, workdir: Path) -> None:
    absences = [
        {"date": "2026-01-14", "reason": "Maladie"},  # Wednesday: −1 day, −7 h
        {"date": "2026-01-16", "half": "après-midi"},  # Friday 13:30-16:30: the day is kept, −3 h
        {"from": "2026-01-26", "to": "2026-01-27", "reason": "Rendez-vous"},  # Monday, Tuesday: −2 days, −14 h
    ]
    texts = attest(cli, workdir, attended({"absences": absences}))
    for text in texts.values():
        # 19 − 1 − 2 = 16 days; 131 h 30 − 7 h − 3 h − 14 h = 107 h 30
        assert presence(text) == "16 jours de présence, soit 107 h 30, sur 19 jours (131 h 30) prévus par la convention."
        assert between(text, "Absences", "Activités") == [
            "le 14 janvier 2026 : Maladie — 1 jour, 7 h",
            "le 16 janvier 2026 (après-midi) — 3 h",
            "du 26 janvier 2026 au 27 janvier 2026 : Rendez-vous — 2 jours, 14 h",
            "Total des absences : 3 journées et 1 demi-journée.",
        ]


def test_a_morning_and_a_two_day_range_as_the_contract_words_them(cli, workdir: Path) -> None:
    absences = [
        {"date": "2026-01-14", "half": "matin", "reason": "Rendez-vous médical"},  # 08:30-12:00: −3 h 30
        {"from": "2026-01-19", "to": "2026-01-20", "reason": "Maladie"},  # −2 days, −14 h
    ]
    text = attest(cli, workdir, attended({"absences": absences}))["etablissement"]
    # 19 − 2 = 17 days; 131 h 30 − 3 h 30 − 14 h = 114 h
    assert presence(text) == "17 jours de présence, soit 114 h, sur 19 jours (131 h 30) prévus par la convention."
    assert "le 14 janvier 2026 (matin) : Rendez-vous médical — 3 h 30" in text
    assert "du 19 janvier 2026 au 20 janvier 2026 : Maladie — 2 jours, 14 h" in text
    assert "Total des absences : 2 journées et 1 demi-journée." in text


MAY = {"period": {"start": "2026-05-04", "end": "2026-05-15"}}
MAY_ISSUED = {"place": "Lyon", "date": "2026-05-15"}


def test_public_holidays_are_left_off_a_minor_s_schedule(cli, workdir: Path) -> None:
    # 2026-05-04 .. 2026-05-15 holds two public holidays: Friday 8 May and Thursday 14 May (Ascension).
    # A minor may not work them: written in the weekly pattern only, they are errors.
    write(workdir / "worked.yaml", attended({"issued": MAY_ISSUED}, MAY, remove=["schedule.exceptions"]))
    refused = cli("attest", "worked.yaml")
    assert refused.exit_code == 1
    assert refused.output.count("MINOR_PUBLIC_HOLIDAY") == 2
    assert "« 2026-05-08: [] »" in refused.output and "« 2026-05-14: [] »" in refused.output
    assert names(workdir / "out") == []
    # Left off: Mon-Thu of the first week (4 × 7 h = 28 h), then Mon-Wed (21 h) and Friday 15 (6 h 30)
    # of the second: 8 days, 55 h 30.
    off = {**MAY, "schedule": {"exceptions": {"2026-05-08": [], "2026-05-14": []}}}
    text = attest(cli, workdir, attended({"issued": MAY_ISSUED}, off, remove=["schedule.exceptions.2026-01-23"]))["eleve"]
    assert presence(text) == "8 jours de présence, soit 55 h 30, sur 8 jours (55 h 30) prévus par la convention."
    # and a holiday is no day to be absent on
    absent = attended({"issued": MAY_ISSUED, "absences": [{"date": "2026-05-14"}]}, off, remove=["schedule.exceptions.2026-01-23"])
    write(workdir / "absent.yaml", absent)
    result = cli("attest", "absent.yaml")
    assert result.exit_code == 1 and "ABSENCE_NOT_WORKED" in result.output and "Jeudi 14 mai 2026" in result.output


def test_an_adult_s_holidays_kept_in_the_schedule_are_days_done(cli, workdir: Path) -> None:
    adult = attended(
        {"issued": MAY_ISSUED}, {**MAY, "pupil": {"birth_date": "2000-01-01"}}, ["schedule.exceptions", "pupil.legal_guardian"]
    )
    write(workdir / "agreement.yaml", adult)
    result = cli("attest", "agreement.yaml", "--copies", "etablissement")
    assert result.exit_code == 0, result.output
    assert result.output.count("ADULT_PUBLIC_HOLIDAY") == 2  # warnings: the host decides
    text = docx_text(workdir / "out" / "agreement.attestation.etablissement.docx")
    # 2 × (4 × 7 h + 6 h 30) = 69 h over the 10 weekdays
    assert presence(text) == "10 jours de présence, soit 69 h, sur 10 jours (69 h) prévus par la convention."


SHORT_DAY = {"schedule": {"exceptions": {"2026-01-21": ["08:30-12:00"]}}}  # Wednesday: 3 h 30 instead of 7 h


def test_an_exception_day_of_one_morning_absent_that_morning_is_not_done(cli, workdir: Path) -> None:
    absences = [{"date": "2026-01-21", "half": "matin"}]
    text = attest(cli, workdir, attended({"absences": absences}, SHORT_DAY))["etablissement"]
    # planned: 131 h 30 − 3 h 30 = 128 h over 19 days; nothing is left of the 21st: 18 days, 124 h 30
    assert presence(text) == "18 jours de présence, soit 124 h 30, sur 19 jours (128 h) prévus par la convention."
    assert "le 21 janvier 2026 (matin) — 3 h 30" in text
    assert "Total des absences : 1 journée." in text


def test_an_afternoon_off_on_a_morning_only_day_is_refused(cli, workdir: Path) -> None:
    write(workdir / "agreement.yaml", attended({"absences": [{"date": "2026-01-21", "half": "apres-midi"}]}, SHORT_DAY))
    result = cli("attest", "agreement.yaml")
    assert result.exit_code == 1
    assert "ABSENCE_NOT_WORKED" in result.output and "aucun créneau cet après-midi-là" in result.output
    assert names(workdir / "out") == []


def test_activities_done_default_to_the_pedagogy_activities(cli, workdir: Path) -> None:
    default = attest(cli, workdir, attended())["eleve"]
    assert between(default, "Activités réalisées", "Gratification") == [
        "Vidanges, remplacement des filtres et des plaquettes de frein",
        "Contrôle des niveaux et de la géométrie",
        "Accueil du client et restitution du véhicule",
    ]
    given = attest(cli, workdir, attended({"activities_done": ["Vidanges", "Montage de pneumatiques"]}))["eleve"]
    assert between(given, "Activités réalisées", "Gratification") == ["Vidanges", "Montage de pneumatiques"]
    assert "Contrôle des niveaux" not in given


@pytest.mark.parametrize(
    ("paid", "printed"),
    [
        (120.50, "Montant total de la gratification versée à l'élève : 120,50 €."),
        (None, "Montant total de la gratification versée : néant."),
        (0, "Montant total de la gratification versée : néant."),  # nothing paid is « néant » too (D124-9)
    ],
)
def test_the_total_gratification_paid(cli, workdir: Path, paid: float | None, printed: str) -> None:
    attendance = {} if paid is None else {"gratification_paid": paid}
    text = attest(cli, workdir, attended(attendance))["etablissement"]
    assert between(text, "Gratification", "Fait à") == [printed]


def test_made_at_the_issued_place_and_date_not_the_signature_s(cli, workdir: Path) -> None:
    text = attest(cli, workdir, attended({"issued": {"place": "Villeurbanne", "date": "2026-02-09"}}))["eleve"]
    assert "Fait à Villeurbanne, le 9 février 2026" in text
    assert "Vénissieux, le" not in text  # signature.place of the agreement


def test_the_guardian_is_never_on_the_attestation(cli, workdir: Path) -> None:
    # A minor's agreement goes to the legal guardian, who signs it; the attestation is the host's
    # word to the pupil and the school: the pupil's copy, one signature (the host's).
    texts = attest(cli, workdir, attended())
    for text in texts.values():
        assert "Sophie Dupont" not in text and "représentant légal" not in text
        assert text.splitlines().count("Signature") == 1
        assert "Cachet de l'organisme d'accueil" in text
    assert cli("render", "agreement.yaml", "--copies", "eleve").exit_code == 0
    assert "Exemplaire destiné au représentant légal de l'élève" in docx_text(workdir / "out" / "agreement.eleve.docx")


# --- the command


def test_two_copies_and_nothing_else(cli, workdir: Path) -> None:
    write(workdir / "agreement.yaml", attended())
    result = cli("attest")
    assert result.exit_code == 0, result.output
    assert names(workdir / "out") == ["agreement.attestation.eleve.docx", "agreement.attestation.etablissement.docx"]
    assert "2 documents écrits dans out." in result.output


def test_copies_eleve_only(cli, workdir: Path) -> None:
    write(workdir / "agreement.yaml", attended())
    result = cli("attest", "--copies", "eleve", "--out", "docs")
    assert result.exit_code == 0, result.output
    assert names(workdir / "docs") == ["agreement.attestation.eleve.docx"]


def test_without_attendance_nothing_is_written_and_it_is_said(cli, workdir: Path) -> None:
    write(workdir / "agreement.yaml", build_case("pfmp"))
    result = cli("attest", "agreement.yaml")
    assert result.exit_code == 0, result.output
    assert "agreement.yaml : pas encore de section attendance" in result.output
    assert names(workdir / "out") == []


def test_a_folder_with_and_without_attendance(cli, workdir: Path) -> None:
    write(workdir / "classe" / "done.yaml", attended())
    write(workdir / "classe" / "later.yaml", other_pupil(build_case("pfmp"), 1))
    result = cli("attest", "classe")
    assert result.exit_code == 0, result.output
    assert names(workdir / "out") == ["done.attestation.eleve.docx", "done.attestation.etablissement.docx"]
    assert "classe/later.yaml : pas encore de section attendance" in result.output
    assert "classe/done.yaml : pas encore" not in result.output


def test_an_attestation_issued_too_early_is_refused_and_the_others_written(cli, workdir: Path) -> None:
    write(workdir / "classe" / "good.yaml", attended())
    early = attended({"issued": {"place": "Lyon", "date": "2026-02-05"}})  # the day before the last worked date
    write(workdir / "classe" / "early.yaml", other_pupil(early, 1))
    result = cli("attest", "classe")
    assert result.exit_code == 1
    assert "ATTESTATION_TOO_EARLY" in result.output and "classe/early.yaml" in result.output
    assert names(workdir / "out") == ["good.attestation.eleve.docx", "good.attestation.etablissement.docx"]


def test_the_json_report_lists_the_outputs_and_the_figures(cli, workdir: Path) -> None:
    absences = [{"date": "2026-01-14", "half": "matin"}, {"from": "2026-01-19", "to": "2026-01-20"}]
    write(workdir / "classe" / "done.yaml", attended({"absences": absences}))
    write(workdir / "classe" / "later.yaml", other_pupil(build_case("pfmp"), 1))
    result = cli("attest", "classe", "--output-format", "json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    done, later = report["files"]
    assert done["path"] == "classe/done.yaml" and done["valid"] is True
    assert done["outputs"] == ["out/done.attestation.eleve.docx", "out/done.attestation.etablissement.docx"]
    assert done["attendance"] == {
        "days_planned": 19,
        "days_done": 17,
        "hours_planned": 131.5,
        "hours_done": 114,  # 131 h 30 − 3 h 30 − 2 × 7 h
        "absent_days": 2,
        "absent_half_days": 1,
        "issued": "2026-02-06",
    }
    assert later["path"] == "classe/later.yaml" and later["outputs"] == [] and "attendance" not in later
    assert report["summary"]["documents"] == 2


def test_two_runs_write_the_same_bytes(cli, workdir: Path) -> None:
    write(workdir / "agreement.yaml", attended({"absences": [{"date": "2026-01-14", "half": "matin"}]}))
    assert cli("attest", "--out", "a").exit_code == 0
    assert cli("attest", "--out", "b").exit_code == 0
    for copy in COPIES:
        name = f"agreement.attestation.{copy}.docx"
        assert (workdir / "a" / name).read_bytes() == (workdir / "b" / name).read_bytes()


def test_render_of_an_attended_agreement_writes_the_agreement_only(cli, workdir: Path) -> None:
    write(workdir / "agreement.yaml", attended())
    result = cli("render", "agreement.yaml")
    assert result.exit_code == 0, result.output
    assert names(workdir / "out") == ["agreement.eleve.docx", "agreement.entreprise.docx", "agreement.etablissement.docx"]


def test_the_exported_template_checks_and_renders_as_the_built_in(cli, workdir: Path) -> None:
    exported = cli("template", "export", "attestation", "-o", "x.docx")
    assert exported.exit_code == 0, exported.output
    checked = cli("template", "check", "x.docx", "--kind", "attestation")
    assert checked.exit_code == 0, checked.output
    write(workdir / "agreement.yaml", attended({"absences": [{"date": "2026-01-14", "half": "matin", "reason": "Rendez-vous"}]}))
    assert cli("attest", "--out", "built-in").exit_code == 0
    result = cli("attest", "--out", "own", "--template", "x.docx")
    assert result.exit_code == 0, result.output
    for copy in COPIES:
        name = f"agreement.attestation.{copy}.docx"
        assert docx_text(workdir / "own" / name) == docx_text(workdir / "built-in" / name)


def _pages(path: Path) -> int | None:
    if shutil.which("pdfinfo"):
        info = subprocess.run(["pdfinfo", str(path)], capture_output=True, check=True, text=True).stdout
        return int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))
    try:
        import pypdf
    except ImportError:
        return None
    return len(pypdf.PdfReader(path).pages)


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed")
def test_pdf_attestations_of_one_page(cli, workdir: Path) -> None:
    absences = [{"date": "2026-01-14", "half": "matin", "reason": "Rendez-vous médical"}, {"from": "2026-01-19", "to": "2026-01-20"}]
    write(workdir / "agreement.yaml", attended({"absences": absences, "gratification_paid": 120.5}))
    result = cli("attest", "--format", "pdf")
    assert result.exit_code == 0, result.output
    assert names(workdir / "out") == ["agreement.attestation.eleve.pdf", "agreement.attestation.etablissement.pdf"]
    for path in (workdir / "out").iterdir():
        assert path.read_bytes().startswith(b"%PDF-")
        pages = _pages(path)
        if pages is not None:
            assert pages == 1, path.name
