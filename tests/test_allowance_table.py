"""The State PFMP allowance table, its lookup, the sharing of the yearly cap, and the script that writes the table."""

from __future__ import annotations

import importlib.util
from collections import Counter
from pathlib import Path

import pytest

from conftest import ROOT
from convgen.law.allowance import ARTICLE, FIRST_YEAR, LAST_YEAR, LEVELS, MINISTRIES, SOURCE, Rate, lookup, share, table
from convgen.schema.models import LEVELS as SCHEMA_LEVELS

TABLE = ROOT / "src" / "convgen" / "law" / "allowance.csv"
PUBLISHED = Path("/tmp/aply")


def _tool():
    spec = importlib.util.spec_from_file_location("allowance_table", ROOT / "tools" / "allowance_table.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


TOOL = _tool()

# (level, daily €, cap € for 2023-2024, 2024-2025, 2025-2026), ministère de l'éducation nationale
KNOWN = [
    ("seconde-pro", 10, (300, 300, 300)),
    ("premiere-pro", 15, (600, 600, 600)),
    ("terminale-pro", 20, (800, 1200, 1000)),
    ("cap2-1", 10, (350, 350, 350)),
    ("cap2-2", 15, (525, 525, 525)),
    ("cap1", 15, (525, 525, 525)),
]
# Levels without a row for the ministère de l'éducation nationale: the arrêté pays only the last
# two years of a three-year CAP, the brevet professionnel is not in the published data, and the
# CAP agricole is the ministère de l'agriculture's.
NO_MENJ_ROW = {"cap3-1", "bp-1", "bp-2", "capa"}


@pytest.mark.parametrize(("level", "daily", "caps"), KNOWN)
def test_known_rates_of_the_education_ministry(level: str, daily: int, caps: tuple[int, ...]) -> None:
    for year, cap in zip(range(2023, 2026), caps, strict=True):
        found = lookup(level, year, agricultural=False)
        assert found.rate == Rate(year, "menj", level, daily, cap)
        assert (found.year, found.table_year, found.outdated) == (year, year, False)


def test_the_table_covers_the_years_the_allowance_has_run() -> None:
    assert (FIRST_YEAR, LAST_YEAR) == (2023, 2025)
    assert {rate.school_year for rate in table()} == {2023, 2024, 2025}


def test_every_level_has_a_row_each_year_or_is_documented_without_one() -> None:
    for level in LEVELS:
        found = [lookup(level, year, agricultural=False).rate for year in range(2023, 2026)]
        if level in NO_MENJ_ROW:
            assert found == [None, None, None], level
        else:
            assert all(found), level
    # the mentions complémentaires of 2023-2024 became the certificats de spécialisation
    assert lookup("mc3", 2023, False).rate == Rate(2023, "menj", "mc3", 15, 1350)
    assert lookup("mc3", 2024, False).rate == Rate(2024, "menj", "mc3", 15, 1350)
    assert lookup("mc4", 2025, False).rate == Rate(2025, "menj", "mc4", 20, 1800)


def test_one_row_per_year_ministry_and_level_where_agreements_look() -> None:
    keys = Counter((rate.school_year, rate.ministry, rate.level) for rate in table() if rate.ministry in ("menj", "masa"))
    assert [key for key, count in keys.items() if count > 1] == []


def test_the_sea_ministry_rows_are_kept() -> None:
    sea = [rate for rate in table() if rate.ministry == "mer"]
    assert {rate.school_year for rate in sea} == {2023, 2024, 2025}
    # from 2024-2025 a level can have one cap per diploma
    assert {rate.yearly_cap for rate in sea if (rate.school_year, rate.level) == (2024, "premiere-pro")} == {450, 600}


def test_the_agriculture_ministry_rows() -> None:
    assert lookup("premiere-pro", 2024, agricultural=True).rate == Rate(2024, "masa", "premiere-pro", 15, 900)
    assert lookup("cap2-1", 2023, agricultural=True).rate == Rate(2023, "masa", "cap2-1", 10, 450)
    assert lookup("terminale-pro", 2024, agricultural=True).rate == Rate(2024, "masa", "terminale-pro", 20, 800)
    assert lookup("capa", 2025, agricultural=True).rate == Rate(2025, "masa", "capa", 15, 675)
    # levels the agricultural schools do not publish
    assert lookup("cap1", 2025, agricultural=True).rate is None
    assert lookup("capa", 2024, agricultural=True).rate is None


def test_a_year_past_the_table_uses_its_last_year() -> None:
    found = lookup("terminale-pro", 2027, agricultural=False)
    assert found.rate == Rate(2025, "menj", "terminale-pro", 20, 1000)
    assert (found.year, found.table_year, found.outdated) == (2027, 2025, True)


def test_no_rate_before_the_allowance() -> None:
    found = lookup("seconde-pro", 2022, agricultural=False)
    assert (found.rate, found.year, found.table_year, found.outdated) == (None, 2022, None, False)


def test_a_level_without_a_row_has_no_rate() -> None:
    for level in ("cap3-1", "bp-1", "bp-2"):
        assert lookup(level, 2025, agricultural=False).rate is None
        assert lookup(level, 2025, agricultural=True).rate is None


def test_an_unknown_level_is_refused() -> None:
    with pytest.raises(KeyError):
        lookup("licence", 2025, agricultural=False)


def test_the_levels_are_those_of_the_schema_and_of_the_script() -> None:
    assert tuple(LEVELS) == SCHEMA_LEVELS == TOOL.LEVELS
    assert tuple(MINISTRIES) == TOOL.MINISTRIES
    assert all(label.fr and label.en for label in [*LEVELS.values(), *MINISTRIES.values()])


def test_the_citations_are_those_of_the_file() -> None:
    head = [line for line in TABLE.read_text(encoding="utf-8").splitlines() if line.startswith("#")]
    assert f"# Textes : {ARTICLE}." in head
    assert f"# Source : {SOURCE}." in head
    assert SOURCE == TOOL.source_line(TOOL.CHANGED_ON, TOOL.TAKEN)
    assert ARTICLE == TOOL.ARTICLE


def test_the_file_is_utf8_with_lf() -> None:
    data = TABLE.read_bytes()
    assert b"\r" not in data and data.endswith(b"\n")
    data.decode("utf-8")


def test_share_exactly_at_the_cap_is_not_capped() -> None:
    assert share(30, 10, 300, 0) == share(30, 10, 300, earlier=0)
    got = share(30, 10, 300, 0)
    assert (got.gross, got.earlier, got.amount, got.capped, got.unpaid_days) == (300, 0, 300, False, 0)


def test_share_one_day_past_the_cap() -> None:
    got = share(31, 10, 300, 0)
    assert (got.gross, got.amount, got.capped, got.unpaid_days) == (310, 300, True, 1)


def test_share_after_earlier_agreements() -> None:
    got = share(20, 10, 300, 200)
    assert (got.gross, got.earlier, got.amount, got.capped, got.unpaid_days) == (200, 200, 100, True, 10)
    # a day only partly paid counts as unpaid
    assert share(20, 15, 300, 200).unpaid_days == 14


def test_share_when_earlier_agreements_reached_the_cap() -> None:
    got = share(5, 10, 300, 300)
    assert (got.amount, got.capped, got.unpaid_days) == (0, True, 5)
    assert share(5, 10, 300, 450).amount == 0
    assert share(0, 10, 300, 450) == share(0, 10, 300, 450)
    assert not share(0, 10, 300, 450).capped


def _published(folder: Path, name: str, rows: list[str]) -> None:
    header = "MEF,MEF_STAT_11,MEF_STAT_4,DISPOSITIF_FORMATION,LIBELLE_LONG,BOP,FORFAIT JOURNALIER,PLAFOND MAX"
    (folder / name).write_text("\r\n".join([header, *rows]) + "\r\n", encoding="utf-8")


def test_the_script_aggregates_maps_and_orders(tmp_path: Path) -> None:
    _published(
        tmp_path,
        "2023_2024.csv",
        [
            "2473111233,23830031112,2383,247,TLEPRO CGEM,MER,20,800",
            "2532210311,25322103110,2391,253,MC  EMPLOYE TRAITEUR (MC3),MENJ,15,1350",
            "2532200111,25322001110,2391,253,MC  AGT CONTROL.NON DESTRUCTIF (MC4),MENJ,20,1800",
            '2472000111,23810020001,2381,247,"2NDPRO METIERS, COMMUNE",MENJ,10,300',
            "2472000211,23810020002,2381,247,2NDPRO AUTRE,MENJ,10,300",
            "2762110121,23810021101,2381,276,2DPROA PRODUCTIONS,MASA,10,300",
            "2412100111,23110021001,2311,240,1CAP1  BOULANGER,MENJ,15,525",
        ],
    )
    _published(
        tmp_path,
        "2024_2025.csv",
        [
            "2532210311,25322103110,2391,253,MC  EMPLOYE TRAITEUR (MC3),MENJ,20,1800",
            "2570000111,23J00000001,23J0,257,CS-3  EMPLOYE TRAITEUR,MENJ,15,1350",
            "2472000111,23830020001,2383,247,TLEPRO METIERS,MENJ,20,1200",
        ],
    )
    (tmp_path / "mefs_2023_2024.csv").write_text("not a wages file\n", encoding="utf-8")
    out = tmp_path / "allowance.csv"
    assert TOOL.main([str(tmp_path), "--out", str(out), "--taken", "2027-01-01"]) == 0
    lines = out.read_text(encoding="utf-8").splitlines()
    comments = [line for line in lines if line.startswith("#")]
    assert lines[: len(comments)] == comments
    assert f"# Textes : {ARTICLE}." in comments
    assert any(line.startswith("# Source : ") and line.endswith("relevé le 1er janvier 2027.") for line in comments)
    assert any(TOOL.REPOSITORY in line and TOOL.COMMIT in line for line in comments)
    assert lines[len(comments) :] == [
        "school_year,ministry,level,mef_stat_4,daily_amount,yearly_cap,mefs",
        "2023-2024,menj,cap1,2311,15,525,1",
        "2023-2024,menj,seconde-pro,2381,10,300,2",
        "2023-2024,menj,mc3,2391,15,1350,1",
        "2023-2024,menj,mc4,2391,20,1800,1",
        "2023-2024,masa,seconde-pro,2381,10,300,1",
        "2023-2024,mer,terminale-pro,2383,20,800,1",
        "2024-2025,menj,terminale-pro,2383,20,1200,1",
        "2024-2025,menj,mc3,23J0,15,1350,1",
        # once the certificats de spécialisation are published, the last MEFs coded MC stay unmapped
        "2024-2025,menj,,2391,20,1800,1",
    ]


def test_the_script_stops_on_a_code_it_does_not_know(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _published(tmp_path, "2025_2026.csv", ["2999999911,29990000000,2999,299,NOUVEAU,MENJ,15,600"])
    assert TOOL.main([str(tmp_path), "--out", str(tmp_path / "out.csv")]) == 1
    assert "2999" in capsys.readouterr().err
    assert not (tmp_path / "out.csv").exists()


@pytest.mark.skipif(not (PUBLISHED / "2025_2026.csv").exists(), reason="the published data/wages files are not on this machine")
def test_the_script_writes_the_table_of_the_package() -> None:
    assert TOOL.build(PUBLISHED) == TABLE.read_text(encoding="utf-8")
