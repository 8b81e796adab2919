"""Contract 1.2's destinations extras: comparison.csv by characteristic (a 1.1 file still
loads), the follow-up survey and the schools' Year 11 rolls. Every rule rejects the row with
its file, line, column, value and reason; a file missing what it needs is quarantined."""

from __future__ import annotations

from decimal import Decimal

import pytest
from ingest_helpers import count, ingest, quarantined, rejects
from landing import COMPARISON_HEADER, OTHER_URN, URN, Landing, roster_row, survey_row

COMPARISON = "cohort=2024/destinations/comparison.csv"
SURVEY = "cohort=2024/destinations/survey.csv"


def with_roster(tmp_path) -> Landing:
    landing = Landing(tmp_path)
    landing.roster([roster_row(n) for n in (1, 2, 3)])
    return landing


def rate(la="390", characteristic="at_risk", neet="9.5", not_known="4.0") -> dict:
    return {"la_code": la, "characteristic": characteristic, "pct_neet": neet,
            "pct_not_known": not_known}  # fmt: skip


@pytest.mark.parametrize(
    ("row", "column", "value", "reason"),
    [
        (rate(characteristic="gifted"), "characteristic", "gifted",
         "is not in the comparison characteristic code list (code or label)"),
        (rate(neet="101"), "pct_neet", "101", "is outside 0-100 (% NEET)"),
        (rate(not_known="-1"), "pct_not_known", "-1", "is outside 0-100 (% not known)"),
        (rate(neet="60", not_known="41"), "pct_not_known", "",
         "with pct_neet makes more than 100 %"),
        (rate(not_known=""), "pct_not_known", "",
         "is blank: pct_neet and pct_not_known are given together"),
        (rate(neet="", not_known=""), "pct_neet", "", "is blank: a rate is required"),
        (rate(la="999"), "la_code", "999",
         "is not in the local authority code list (code or label)"),
        (rate(characteristic="sen_support"), "characteristic", "sen_support",
         "appears again (first at line 3)"),
    ],
)  # fmt: skip
def test_a_comparison_rule_rejects_the_row(tmp_path, conn, key, row, column, value, reason):
    landing = with_roster(tmp_path)
    rows = [rate(characteristic="all"), rate(characteristic="sen_support"), row]
    landing.comparison(rows, header=COMPARISON_HEADER)

    summary = ingest(conn, landing, key)

    assert rejects(conn) == [(COMPARISON, 4, column, value, reason)]
    assert summary.rows_rejected == 1
    assert count(conn, "raw.destination_comparison") == 2


def test_a_comparison_by_characteristic_loads_with_labels_and_a_blank_for_all(tmp_path, conn, key):
    landing = with_roster(tmp_path)
    landing.comparison(
        [rate(characteristic=""), rate(characteristic="SEN support", neet="6.25"),
         rate(characteristic="ehcp"), rate(la="805")],
        header=COMPARISON_HEADER,
    )  # fmt: skip

    ingest(conn, landing, key)

    assert rejects(conn) == []
    assert conn.execute(
        "select la_code, characteristic, pct_neet, pct_not_known, pct_neet_or_not_known "
        "from raw.destination_comparison order by line_number"
    ).fetchall() == [
        ("390", "all", Decimal("9.5"), Decimal("4.0"), None),
        ("390", "sen_support", Decimal("6.25"), Decimal("4.0"), None),
        ("390", "ehcp", Decimal("9.5"), Decimal("4.0"), None),
        ("805", "at_risk", Decimal("9.5"), Decimal("4.0"), None),
    ]


def test_a_1_1_comparison_loads_as_all_young_people_with_the_parts_unknown(tmp_path, conn, key):
    landing = with_roster(tmp_path)
    landing.comparison([{"la_code": "390", "pct_neet_or_not_known": "6.4"}])

    ingest(conn, landing, key)

    assert conn.execute(
        "select characteristic, pct_neet, pct_not_known, pct_neet_or_not_known "
        "from raw.destination_comparison"
    ).fetchall() == [("all", None, None, Decimal("6.4"))]


def test_a_combined_rate_alone_is_only_for_all_young_people(tmp_path, conn, key):
    landing = with_roster(tmp_path)
    header = ["la_code", "characteristic", "pct_neet_or_not_known"]
    landing.comparison(
        [{"la_code": "390", "characteristic": "at_risk", "pct_neet_or_not_known": "15"}],
        header=header,
    )

    ingest(conn, landing, key)

    assert rejects(conn) == [
        (COMPARISON, 2, "pct_neet", "", "is blank: only the rate for all young people may be "
         "given as pct_neet_or_not_known alone (the 1.1 layout)"),
    ]  # fmt: skip


def test_a_comparison_without_rates_is_quarantined(tmp_path, conn, key):
    landing = with_roster(tmp_path)
    landing.comparison([{"la_code": "390", "pct_neet": "5"}], header=["la_code", "pct_neet"])

    ingest(conn, landing, key)

    assert quarantined(conn) == {
        COMPARISON: "missing column: a comparison file needs pct_neet and pct_not_known "
        "(or, in the 1.1 layout, pct_neet_or_not_known)"
    }
    assert count(conn, "raw.destination_comparison") == 0


@pytest.mark.parametrize(
    ("column", "value", "reason"),
    [
        ("upn", "on-no-roster", "is not on a roster of cohort 2024: not a programme student"),
        ("survey_date", "2026-08-31",
         "is outside cohort 2024's survey window (September 2026 to March 2027)"),
        ("survey_date", "2027-04-01",
         "is outside cohort 2024's survey window (September 2026 to March 2027)"),
        ("survey_date", "", "is required but blank"),
        ("happy_with_destination", "maybe",
         "is not in the happy with destination code list (code or label)"),
        ("upn", "again", "appears again (first at line 2)"),
    ],
)  # fmt: skip
def test_a_survey_rule_rejects_the_row(tmp_path, conn, key, column, value, reason):
    landing = with_roster(tmp_path)
    bad = survey_row(2, **{column: value})
    if value == "on-no-roster":
        bad["upn"] = value = roster_row(9)["upn"]
    if value == "again":
        bad["upn"] = value = roster_row(1)["upn"]
    landing.survey([survey_row(1), survey_row(3, happy_with_destination="Unsure"), bad])

    summary = ingest(conn, landing, key)

    assert rejects(conn) == [(SURVEY, 4, column, value, reason)]
    assert summary.rows_rejected == 1
    assert sorted(
        row[0] for row in conn.execute("select happy_with_destination from raw.survey")
    ) == ["U", "Y"]


def test_a_changed_roster_rechecks_the_survey(tmp_path, conn, key):
    landing = with_roster(tmp_path)
    landing.survey([survey_row(1), survey_row(4)])
    ingest(conn, landing, key)
    assert count(conn, "raw.survey") == 1  # student 4 is on no roster yet

    landing.roster([roster_row(n) for n in (1, 2, 3, 4)], cycle=2)
    ingest(conn, landing, key)

    assert count(conn, "raw.survey") == 2


@pytest.mark.parametrize(
    ("value", "loaded", "reason"),
    [
        ("180", 180, None),
        ("", None, None),
        ("0", None, "is not a Year 11 roll: expected a whole number 1-1000"),
        ("1001", None, "is not a Year 11 roll: expected a whole number 1-1000"),
        ("150.5", None, "is not a Year 11 roll: expected a whole number 1-1000"),
    ],
)
def test_a_schools_year11_roll_is_optional_and_checked(tmp_path, conn, key, value, loaded, reason):
    landing = Landing(tmp_path)
    landing.schools(
        [{"urn": URN, "school_name": "Gateshead Academy", "la_code": "390", "year11_pupils": "160"},
         {"urn": OTHER_URN, "school_name": "Hartlepool School", "la_code": "805",
          "year11_pupils": value}],
        header=("urn", "school_name", "la_code", "year11_pupils"),
    )  # fmt: skip

    ingest(conn, landing, key)

    expected_rejects = [] if reason is None else [
        ("cohort=2024/schools.csv", 3, "year11_pupils", value, reason)
    ]  # fmt: skip
    assert rejects(conn) == expected_rejects
    rolls = dict(conn.execute("select urn, year11_pupils from raw.school"))
    assert rolls == ({URN: 160} if reason else {URN: 160, OTHER_URN: loaded})
