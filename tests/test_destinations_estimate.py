"""The destinations estimate of contract 1.2 through the whole pipeline: partner.destinations
matches a recomputation from the extracts by the contract alone (tests/
destinations_from_extracts.py), and a 1.1 comparison.csv delivered over a 1.2 one, and the 1.2
one again, give the figures the contract says with nothing lost."""

from __future__ import annotations

import csv
from decimal import Decimal

import psycopg
import pytest
from conftest import scratch_warehouse
from destinations_from_extracts import destinations
from psycopg.rows import dict_row

from pathways import pipeline
from pathways.deliver import destinations as destinations_line
from pathways.synthetic import generate

COMPARISON = "cohort=2024/destinations/comparison.csv"
ESTIMATE = ("neet_avoided", "neet_avoided_low", "neet_avoided_high", "public_cost_avoided_gbp",
            "public_cost_avoided_low_gbp", "public_cost_avoided_high_gbp",
            "wider_cost_avoided_gbp", "expected_pct_neet", "expected_pct_not_known")  # fmt: skip


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    """Eight schools' cohort (eight authorities, both LEP areas), loaded and built once; the
    tests below deliver comparison files over it in turn."""
    landing = tmp_path_factory.mktemp("landing")
    generate(landing, schools=8)
    with scratch_warehouse() as url:
        run(landing, url)
        yield landing, url


def run(landing, url) -> None:
    result = pipeline.run(landing, url=url, deliver=False)
    assert result.ok, result.report()


def published(url) -> dict[tuple[str, str], dict]:
    with psycopg.connect(url, row_factory=dict_row) as conn:
        rows = conn.execute("select * from partner.destinations").fetchall()
    return {(row["area_level"], row["area_code"]): row for row in rows}


def assert_matches_the_contract(landing, url) -> dict[tuple[str, str], dict]:
    """Every published figure of every row equals the recomputation; a withheld one must be
    withheld for a reason the row says (`suppressed`); the comparison's columns are empty
    below the LEP areas."""
    expected, rows = destinations(landing), published(url)
    assert set(rows) == set(expected)
    compared = 0
    for area, figures in expected.items():
        row = rows[area]
        if area[0] in ("local_authority", "school"):
            assert row["comparison_basis"] is None and row["neet_avoided"] is None
        for column, value in figures.items():
            if row[column] is None and value is not None:
                assert row["suppressed"], (area, column)
                continue
            shown = row[column]
            if isinstance(value, Decimal | int) and shown is not None:
                shown = type(value)(shown)
            assert shown == value, (area, column, shown, value)
            compared += area[0] in ("local_authority", "school")
    assert compared > len(expected)  # the lower levels' figures were read, not only withheld
    return rows


def test_the_estimate_matches_the_contract_on_every_published_row(warehouse):
    landing, url = warehouse
    rows = assert_matches_the_contract(landing, url)
    region = rows[("region", "all")]
    assert region["comparison_basis"] == "at_risk"
    assert all(region[column] is not None for column in ESTIMATE)  # not vacuous
    assert region["neet_avoided_low"] <= region["neet_avoided"] <= region["neet_avoided_high"]
    assert region["students_surveyed"] > 0 and region["public_value_per_point_gbp"] > 0


def _as_1_1(path) -> bytes:
    """The same authorities' combined rate for all young people, in the 1.1 layout."""
    with open(path, newline="", encoding="utf-8") as handle:
        rows = [row for row in csv.DictReader(handle) if row["characteristic"] == "all"]
    lines = ["la_code,pct_neet_or_not_known"]
    lines += [f"{row['la_code']},{Decimal(row['pct_neet']) + Decimal(row['pct_not_known'])}"
              for row in rows]  # fmt: skip
    return ("\n".join(lines) + "\n").encode()


def test_a_1_1_comparison_over_a_1_2_warehouse_and_back(warehouse):
    landing, url = warehouse
    path = landing / COMPARISON
    rates_1_2 = path.read_bytes()
    before = published(url)

    path.write_bytes(_as_1_1(path))
    run(landing, url)

    rows = assert_matches_the_contract(landing, url)
    region = rows[("region", "all")]
    assert region["comparison_basis"] == "all_young_people"
    assert region["comparison_pct_neet_or_not_known"] is not None
    assert all(region[column] is None for column in ESTIMATE)  # 1.1: no NEET apart, no cost
    assert (
        region["public_value_per_point_gbp"]
        == before[("region", "all")]["public_value_per_point_gbp"]
    )  # the rolls, not the comparison
    with psycopg.connect(url) as conn:
        loads = conn.execute(
            "select is_current, rows_read, rows_loaded, rows_rejected from raw.file_load "
            "where source_path = %s order by file_id",
            (COMPARISON,),
        ).fetchall()
        loaded = conn.execute("select count(*) from raw.destination_comparison").fetchone()[0]
    assert [load[0] for load in loads] == [False, True]
    assert all(read == ok + bad for _, read, ok, bad in loads)
    assert loaded == loads[-1][2]  # the 1.1 file's rows replace the 1.2 file's, none lost

    path.write_bytes(rates_1_2)
    run(landing, url)

    assert published(url) == before


def test_the_demo_line_names_the_basis_and_the_interval(warehouse):
    _, url = warehouse
    (line,) = destinations_line.headline(url)
    assert "estimate:" in line and "95 % interval" in line
    assert "compared with young people their local authorities identified as at risk" in line
    assert "not known is not costed" in line


def test_an_sen_adjusted_comparison_that_would_reveal_a_small_sen_group_is_withheld(warehouse):
    """Without an authority's at-risk rates the region falls back to the SEN-adjusted basis,
    whose expected rate publishes each authority's students by SEN status to anyone with the
    rates: where one of those groups is 1-4 students, the comparison is withheld."""
    landing, url = warehouse
    path = landing / COMPARISON
    rates_1_2 = path.read_bytes()
    first_la = sorted(line.split(",")[0] for line in path.read_text().splitlines()[1:])[0]
    kept = [line for line in path.read_text().splitlines()
            if not line.startswith(f"{first_la},at_risk,")]  # fmt: skip
    path.write_text("\n".join(kept) + "\n")
    try:
        run(landing, url)
        with psycopg.connect(url) as conn:
            basis, smallest = conn.execute(
                "select (select comparison_basis from marts.destination_summary"
                "  where area_level = 'region'),"
                " (select min(n) from (select count(*) as n from"
                "  intermediate.int_destination_outcomes group by la_code, sen_status) as mix)"
            ).fetchone()
        assert basis == "sen_adjusted" and 1 <= smallest <= 4  # the planted case
        region = published(url)[("region", "all")]
        assert region["comparison_basis"] is None and region["expected_pct_neet"] is None
        assert region["suppressed"]
    finally:
        path.write_bytes(rates_1_2)
        run(landing, url)
