"""The built-in templates, rendered and read back as a person would read the documents."""

from __future__ import annotations

import shutil
import subprocess
import warnings
from pathlib import Path

import pytest

from conftest import ROOT, build_case, docx_text, example_text, schedule_table


def schedule_rows(path: Path) -> dict[str, list[str]]:
    """The schedule table's rows by day name."""
    return {row[0]: row for row in schedule_table(path)}


def render(cli, workdir: Path, name: str, text: str, *extra: str) -> dict[str, Path]:
    (workdir / f"{name}.yaml").write_text(text, encoding="utf-8")
    result = cli("render", f"{name}.yaml", *extra)
    assert result.exit_code == 0, result.output
    return {path.name.split(".")[1]: path for path in (workdir / "out").glob(f"{name}.*.docx")}


@pytest.fixture
def pfmp(cli, workdir: Path) -> dict[str, Path]:
    return render(cli, workdir, "dupont", example_text("pfmp"))


def test_pfmp_copies_say_whom_they_are_for(pfmp: dict[str, Path]) -> None:
    assert sorted(pfmp) == ["eleve", "entreprise", "etablissement"]
    expected = {
        "etablissement": "Exemplaire destiné à l'établissement de formation",
        "entreprise": "Exemplaire destiné à l'entreprise ou l'organisme d'accueil",
        "eleve": "Exemplaire destiné au représentant légal de l'élève",
    }
    for copy, heading in expected.items():
        text = docx_text(pfmp[copy])
        first_page = text[: text.index("CONVENTION DE PÉRIODE")]
        assert heading in first_page
        others = [other for name, other in expected.items() if name != copy]
        assert not any(other in text for other in others)


def test_pfmp_carries_the_parties_and_french_dates(pfmp: dict[str, Path]) -> None:
    text = docx_text(pfmp["etablissement"])
    for value in (
        "Léa Dupont",
        "1re MV A",
        "Garage Martin SARL",
        "12 rue des Tanneurs, 69007 Lyon",
        "41234567000019",
        "Paul Martin",
        "Gérant",
        "Lycée professionnel Marcel Sembat",
        "0690128P",
        "Claire Dubois",
        "Proviseure",
        "Karim Benali",
        "Julien Moreau",
        "Sophie Dupont",
        "Baccalauréat professionnel Maintenance des véhicules, option voitures particulières",
        "du 12 janvier 2026 au 6 février 2026",
        "14 mai 2009",
        "2 octobre 2025",
        "en date du 18 septembre 2025",
        "04 72 00 00 00",
        "Réaliser l'entretien périodique d'un véhicule léger",
        "C3.1 : Réaliser une intervention de maintenance périodique",
        "Transports en commun (abonnement TCL)",
        "AXA France IARD",
        "RC-2025-00042",
        "MAIF",
        "Fait à Vénissieux",
    ):
        assert value in text, value
    assert "2026-01-12" not in text
    assert "{{" not in text and "{%" not in text and "}}" not in text


def test_pfmp_has_every_article_and_the_seed_slips_fixed(pfmp: dict[str, Path]) -> None:
    text = docx_text(pfmp["entreprise"])
    for number in range(1, 19):
        assert f"Article {number} " in text or f"Article {number}\u00a0" in text, number
    article_8 = next(line for line in text.splitlines() if line.startswith("Article 8"))
    assert "mineur" in article_8 and "majeur" not in article_8
    assert "27 juin 2010" not in text
    assert text.count("décret n° 2010-676 du 21 juin 2010") == 2
    assert "DISPOSITIONS PARTICULI" in text.upper()


def test_pfmp_schedule_table_values_totals_and_limits(pfmp: dict[str, Path]) -> None:
    rows = schedule_rows(pfmp["etablissement"])
    assert list(rows) == ["Lundi", "Mardi", "Mercredi", "Jeudi", "Vendredi", "Samedi"]
    assert "de 8 h 30 à 12 h 00" in rows["Lundi"][1] and "de 13 h 30 à 17 h 00" in rows["Lundi"][2]
    assert rows["Lundi"][3] == "7 h (8 h maxi)"
    assert rows["Vendredi"][3] == "6 h 30 (8 h maxi)" and "16 h 30" in rows["Vendredi"][2]
    assert "☒ idem au jour précédent" in rows["Mardi"][1]
    assert "☒ idem au jour précédent" in rows["Vendredi"][1] and "☐ idem au jour précédent" in rows["Vendredi"][2]
    assert "repos" in rows["Samedi"][1]
    text = docx_text(pfmp["etablissement"])
    assert "Nombre de semaines : 4" in text
    assert "Durée totale hebdomadaire : 34 h 30 (35 h maxi)" in text
    assert "131 h 30 sur 19 jours" in text
    assert "Vendredi 23 janvier 2026 : non travaillé" in text
    assert "8 h maximum par jour, entre 6 h et 22 h" in text
    assert "12 h consécutives de repos" in text


def test_pfmp_limits_follow_the_pupils_age(cli, workdir: Path) -> None:
    text = build_case("pfmp", {"pupil": {"birth_date": "2010-09-01"}})  # 15 on the first day
    copies = render(cli, workdir, "jeune", text, "--copies", "etablissement")
    rows = schedule_rows(copies["etablissement"])
    assert rows["Lundi"][3] == "7 h (7 h maxi)"
    body = docx_text(copies["etablissement"])
    assert "7 h maximum par jour, entre 6 h et 20 h" in body
    assert "14 h consécutives de repos" in body


def test_pfmp_financial_boxes_follow_the_data(pfmp: dict[str, Path], cli, workdir: Path) -> None:
    lines = docx_text(pfmp["etablissement"]).splitlines()

    def box(fragment: str) -> str:
        line = next(line for line in lines if fragment in line)
        return "☒" if "☒" in line else "☐" if "☐" in line else "?"

    assert box("repas payants") == "☒" and "3,80" in next(line for line in lines if "repas payants" in line)
    assert box("pris au domicile") == "☐"
    assert box("établissement de formation.") == "☐"
    assert box("hébergement est différent") == "☐"
    assert box("un avenant relatif au stagiaire") == "☒"
    assert box("assurance particulière") == "☐"

    other = build_case(
        "pfmp",
        {
            "finance": {
                "accommodation": {"address": {"street": "1 rue Neuve", "postal_code": "69001", "city": "Lyon"}, "cost": 120},
                "meals": {"mode": "home", "price": None},
            },
            "host": {"insurance": {"kind": "specific"}},
        },
    )
    copies = render(cli, workdir, "autre", other, "--copies", "entreprise")
    lines = docx_text(copies["entreprise"]).splitlines()
    assert box("hébergement est différent") == "☒"
    text = "\n".join(lines)
    assert "1 rue Neuve" in text and "120,00" in text
    assert box("pris au domicile") == "☒" and box("repas payants") == "☐"
    assert box("assurance particulière") == "☒" and box("un avenant relatif au stagiaire") == "☐"


def test_guardian_signs_only_for_a_minor(pfmp: dict[str, Path], cli, workdir: Path) -> None:
    assert "Le responsable légal de l'élève" in docx_text(pfmp["eleve"])
    adult = build_case("pfmp", {"pupil": {"birth_date": "2006-01-01"}}, remove=["pupil.legal_guardian"])
    copies = render(cli, workdir, "majeur", adult)
    text = docx_text(copies["eleve"])
    assert "Exemplaire destiné à l'élève" in text
    assert "Le responsable légal de l'élève" not in text and "Sophie Dupont" not in text
    assert "L'élève" in text
    assert "10 h" in text  # an adult's daily maximum replaces the minor's


def pupil_block(path: Path) -> list[str]:
    """The annexe pédagogique's lines about the pupil and the guardian: from « Élève : » to « Stage : »."""
    lines = docx_text(path).splitlines()
    start = next(number for number, line in enumerate(lines) if line.startswith("Élève : "))
    end = next(number for number, line in enumerate(lines) if number > start and line.startswith("Stage : du "))
    return lines[start:end]


PUPIL_CONTACT = {
    "ine": "1234a12345b",
    "address": {"street": "3 place Bellecour", "postal_code": "69002", "city": "Lyon"},
    "phone": "+33 6 11 22 33 44",
    "email": "lea.dupont@example.fr",
}
PUPIL_LINES = ["INE : 1234A12345B", "Adresse : 3 place Bellecour, 69002 Lyon", "Tél. : 06 11 22 33 44", "Courriel : lea.dupont@example.fr"]
GUARDIAN_LINES = ["Responsable légal : Sophie Dupont", "Adresse (Tél.) : 5 rue Jules Guesde, 69200 Vénissieux (Tél. 06 12 34 56 78)"]


def test_an_adult_pupils_ine_and_contact_are_printed_in_every_copy(cli, workdir: Path) -> None:
    adult = build_case("pfmp", {"pupil": {"birth_date": "2006-01-01", **PUPIL_CONTACT}}, remove=["pupil.legal_guardian"])
    copies = render(cli, workdir, "majeure", adult)
    assert sorted(copies) == ["eleve", "entreprise", "etablissement"]
    for copy, path in copies.items():
        block = pupil_block(path)
        assert block[1:5] == PUPIL_LINES, copy  # right under « Élève : », before the diploma
        assert not any(line.startswith("Responsable légal") for line in block), copy


def test_a_pupil_without_ine_or_contact_gets_no_empty_line(pfmp: dict[str, Path]) -> None:
    for copy, path in pfmp.items():
        block = pupil_block(path)
        assert [line.split(" : ")[0] for line in block] == [
            "Élève",
            "Diplôme préparé",
            "Date de la visite médicale d'aptitude",
            "Responsable légal",
            "Adresse (Tél.)",
        ], copy
        assert block[-2:] == GUARDIAN_LINES, copy
        assert not any(line.startswith(("INE", "Adresse :", "Tél.", "Courriel")) or not line.strip() for line in block), copy


def test_a_minors_own_contact_is_printed_and_the_guardians_block_kept(cli, workdir: Path) -> None:
    minor = build_case("pfmp", {"pupil": PUPIL_CONTACT})
    copies = render(cli, workdir, "mineure", minor)
    for copy, path in copies.items():
        block = pupil_block(path)
        assert block[1:5] == PUPIL_LINES, copy
        assert block[-2:] == GUARDIAN_LINES, copy


def test_a_pupils_contact_lines_are_each_printed_alone(cli, workdir: Path) -> None:
    text = build_case("pfmp", {"pupil": {"email": "lea.dupont@example.fr"}})
    block = pupil_block(render(cli, workdir, "courriel", text, "--copies", "eleve")["eleve"])
    assert block[1] == "Courriel : lea.dupont@example.fr"
    assert not any(line.startswith(("INE", "Adresse :", "Tél.")) for line in block)


def test_gratification_is_printed_when_given(cli, workdir: Path) -> None:
    text = build_case(
        "pfmp",
        {"period": {"start": "2026-01-05", "end": "2026-03-20"}, "finance": {"gratification": {"hourly_amount": 4.5}}},
    )
    copies = render(cli, workdir, "long", text, "--copies", "etablissement")
    body = docx_text(copies["etablissement"])
    assert "4,50" in body
    assert "Pas de gratification" not in body


@pytest.fixture
def immersion(cli, workdir: Path) -> dict[str, Path]:
    return render(cli, workdir, "rousseau", example_text("immersion"))


def test_immersion_copies_and_content(immersion: dict[str, Path]) -> None:
    assert sorted(immersion) == ["envoi", "hote", "travailleur"]
    headings = {
        "hote": "Exemplaire destiné à la structure hôte",
        "envoi": "Exemplaire destiné à la structure qui envoie en immersion",
        "travailleur": "Exemplaire destiné au travailleur stagiaire",
    }
    for copy, heading in headings.items():
        assert heading in docx_text(immersion[copy])
    text = docx_text(immersion["hote"])
    for value in (
        "Centre communal d'action sociale de Villeurbanne",
        "Maison de la Métropole de Bron",
        "Rousseau Amandine",
        "Assistante de service social",
        "Nadia Haddad",
        "Olivier Lambert",
        "Thomas Girard",
        "thomas.girard@ccas-villeurbanne.example",
        "04 78 03 00 12",
        "9 mars 2026",
        "13 mars 2026",
        "20 février 2026",
        "Comprendre le fonctionnement et la philosophie du service",
    ):
        assert value in text, value
    for number in range(1, 10):
        assert f"{number}. " in text or f"Article {number}" in text, number
    assert "{{" not in text and "{%" not in text


def test_templates_are_up_to_date_with_their_build_script(tmp_path: Path) -> None:
    import sys
    import zipfile

    subprocess.run([sys.executable, str(ROOT / "tools" / "build_templates.py"), "--out", str(tmp_path)], check=True)
    for kind in ("pfmp", "immersion"):
        built = zipfile.ZipFile(tmp_path / f"{kind}.docx")
        shipped = zipfile.ZipFile(ROOT / "templates" / f"{kind}.docx")
        for name in ("word/document.xml", "word/styles.xml", "word/footer1.xml"):
            if name in shipped.namelist():
                assert built.read(name) == shipped.read(name), f"{kind}: {name} differs: run python tools/build_templates.py"


@pytest.mark.skipif(shutil.which("soffice") is None or shutil.which("pdftotext") is None, reason="LibreOffice or poppler absent")
def test_pdf_of_the_examples(cli, workdir: Path) -> None:
    (workdir / "pfmp.yaml").write_text(example_text("pfmp"), encoding="utf-8")
    (workdir / "immersion.yaml").write_text(example_text("immersion"), encoding="utf-8")
    result = cli("render", "pfmp.yaml", "immersion.yaml", "--format", "pdf")
    assert result.exit_code == 0, result.output
    pdfs = sorted(path.name for path in (workdir / "out").iterdir())
    assert pdfs == [
        "immersion.envoi.pdf",
        "immersion.hote.pdf",
        "immersion.travailleur.pdf",
        "pfmp.eleve.pdf",
        "pfmp.entreprise.pdf",
        "pfmp.etablissement.pdf",
    ]
    info = subprocess.run(["pdfinfo", str(workdir / "out" / "pfmp.eleve.pdf")], capture_output=True, text=True, check=True).stdout
    pages = int(next(line for line in info.splitlines() if line.startswith("Pages:")).split()[1])
    assert pages >= 4
    text = subprocess.run(["pdftotext", "-layout", str(workdir / "out" / "pfmp.eleve.pdf"), "-"], capture_output=True, text=True).stdout
    assert "Exemplaire destiné au représentant légal de l'élève" in " ".join(text.split())
    assert "Léa Dupont" in text and "12 janvier 2026" in text
    # The same PDF from a run of six documents in two soffice starts and from a run of
    # one. LibreOffice itself numbers the fonts and orders a page's drawing otherwise in
    # about one conversion in fifty (README): three tries tell that from a PDF that
    # changes at each run, and what differed is said.
    differences = []
    for attempt in range(3):
        if attempt:
            assert cli("render", "pfmp.yaml", "immersion.yaml", "--format", "pdf").exit_code == 0
        first = (workdir / "out" / "pfmp.eleve.pdf").read_bytes()
        assert cli("render", "pfmp.yaml", "--format", "pdf", "--copies", "eleve").exit_code == 0
        again = (workdir / "out" / "pfmp.eleve.pdf").read_bytes()
        if again == first:
            break
        differences.append(_first_difference(first, again))
    else:
        raise AssertionError("\n".join(differences))
    if differences:
        warnings.warn(f"LibreOffice gave another PDF once: {differences[0]}", stacklevel=1)


def _first_difference(one: bytes, other: bytes) -> str:
    at = next((index for index, (a, b) in enumerate(zip(one, other)) if a != b), min(len(one), len(other)))
    return f"{len(one)} and {len(other)} bytes, first difference at {at}: {one[at - 120 : at + 40]!r} / {other[at - 120 : at + 40]!r}"


def test_safety_is_printed_only_when_given(pfmp: dict[str, Path], cli, workdir: Path) -> None:
    assert "Travaux réglementés" not in docx_text(pfmp["etablissement"])
    text = build_case(
        "pfmp",
        {
            "safety": {
                "regulated_work": {
                    "derogation_date": "2025-11-03",
                    "tasks": ["Utilisation d'un pont élévateur"],
                    "equipment": ["Pont élévateur 2 colonnes"],
                    "supervisors": ["Karim Benali, chef d'atelier"],
                },
                "electrical_clearance": {"level": "BL", "training_certificate": "CF-2025-17"},
            }
        },
    )
    body = docx_text(render(cli, workdir, "securite", text, "--copies", "entreprise")["entreprise"])
    assert "Travaux réglementés (article 10) : dérogation de l'inspection du travail du 3 novembre 2025." in body
    for value in ("Utilisation d'un pont élévateur", "Pont élévateur 2 colonnes", "Karim Benali, chef d'atelier"):
        assert value in body
    assert "Habilitation électrique (article 11) : niveau BL (carnet de formation : CF-2025-17)." in body


def test_pdf_without_libreoffice_is_exit_3_with_an_install_hint(cli, workdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CONVGEN_SOFFICE", str(workdir / "no-soffice"))
    (workdir / "agreement.yaml").write_text(example_text("pfmp"), encoding="utf-8")
    result = cli("render", "--format", "pdf")
    assert result.exit_code == 3
    assert "LibreOffice" in result.output and "apt-get install" in result.output
    assert not (workdir / "out").exists()
