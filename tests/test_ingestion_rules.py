"""Every row rule of the extract contract: the bad value is rejected with file, line, column,
value and reason, and the good rows of the same file still load."""

from __future__ import annotations

import pytest
from ingest_helpers import count, ingest, rejects
from landing import OTHER_URN, URN, Landing, interview_row, roster_row, upn

ROSTER = "cohort=2024/cycle=1/roster_108000.csv"
INTERVIEWS = "cohort=2024/cycle=1/interviews_ADV001.csv"


@pytest.mark.parametrize(
    ("column", "value", "reason"),
    [
        ("upn", "", "is required but blank"),
        ("upn", "B39000000000", "is not a UPN: it must be 13 characters"),
        ("upn", "A3900000X0001", "is not a UPN: characters 2-12 must be digits"),
        ("upn", "A000000000001", "is not a UPN: characters 2-4 are not a known LA number"),
        ("upn", "wrong-check", "is not a UPN: its check letter is wrong"),
        ("forename", "  ", "is required but blank"),
        ("surname", "", "is required but blank"),
        ("date_of_birth", "2010-02-30", "is not a date: expected YYYY-MM-DD or DD/MM/YYYY"),
        ("date_of_birth", "15.01.2010", "is not a date: expected YYYY-MM-DD or DD/MM/YYYY"),
        ("date_of_birth", "2000-01-15", "gives an age over 17 at the cycle; must be 12-17"),
        ("date_of_birth", "2014-01-15", "gives an age under 12 at the cycle; must be 12-17"),
        ("gender", "X", "is not in the gender code list (code or label)"),
        ("year_group", "12", "is not a year group: expected one of 9, 10, 11"),
        ("year_group", "ten", "is not a year group: expected one of 9, 10, 11"),
        ("sen_status", "S", "is not in the SEN status code list (code or label)"),
        ("disadvantaged", "yes", "is not in the Y/N code list (code or label)"),
        ("attendance_pct", "101", "is outside 0-100 (attendance %)"),
        ("attendance_pct", "lots", "is not a number (attendance %)"),
        # issue 27: Python's float() reads `9_5` as 95, and takes `nan` and `1e2`
        ("attendance_pct", "9_5", "is not a number (attendance %)"),
        ("attendance_pct", "nan", "is not a number (attendance %)"),
        ("attendance_pct", "1e2", "is not a number (attendance %)"),
        ("year_group", "1_0", "is not a year group: expected one of 9, 10, 11"),
    ],
)
def test_roster_rule_rejects_the_row(tmp_path, conn, key, column, value, reason):
    landing = Landing(tmp_path)
    bad = roster_row(2, **{column: value})
    if value == "wrong-check":
        bad["upn"] = value = ("B" if upn(2)[0] != "B" else "C") + upn(2)[1:]
    landing.roster([roster_row(1), bad, roster_row(3)])

    summary = ingest(conn, landing, key)

    assert rejects(conn) == [(ROSTER, 3, column, value, reason)]
    assert count(conn, "raw.roster") == 2
    assert summary.rows_rejected == 1


@pytest.mark.parametrize(
    ("column", "value", "reason"),
    [
        ("school_urn", "12345", "is not a URN: it must be 6 digits"),
        ("school_urn", "999999", "is not in schools.csv for cohort 2024"),
        ("upn", "not-on-roster", "is not on the cycle 1 roster of school 108000"),
        ("interview_date", "20/13/2024", "is not a date: expected YYYY-MM-DD or DD/MM/YYYY"),
        ("adviser_id", "", "is required but blank"),
        ("mode", "carrier pigeon", "is not in the interview mode code list (code or label)"),
        ("preferred_sector", "astronaut", "is not in the sector code list (code or label)"),
        ("post16_plan", "gap year", "is not in the post-16 plan code list (code or label)"),
        ("k_english_maths", "0", "is not a knowledge score: expected one of 1, 2, 3, 4, 5"),
        ("k_applications", "6", "is not a knowledge score: expected one of 1, 2, 3, 4, 5"),
        ("k_t_levels", "3.5", "is not a knowledge score: expected one of 1, 2, 3, 4, 5"),
        ("neet_risk", "very high", "is not in the NEET risk code list (code or label)"),
        ("predicted_destination", "maybe", "is not in the destination code list (code or label)"),
        (
            "interventions",
            "mock_interview;juggling",
            "has an item (2 of 2, 8 characters) that is not in the intervention code list",
        ),
    ],
)
def test_interview_rule_rejects_the_row(tmp_path, conn, key, column, value, reason):
    landing = Landing(tmp_path)
    landing.roster([roster_row(1), roster_row(2)])
    bad = interview_row(2, **{column: value})
    if value == "not-on-roster":
        bad["upn"] = value = upn(77)
    landing.interviews([interview_row(1), bad])

    ingest(conn, landing, key)

    assert rejects(conn) == [(INTERVIEWS, 3, column, value, reason)]
    assert count(conn, "raw.interview") == 1


def test_student_on_another_schools_roster_is_rejected(tmp_path, conn, key):
    landing = Landing(tmp_path)
    landing.roster([roster_row(1)])
    landing.roster([roster_row(2)], urn=OTHER_URN)
    landing.interviews([interview_row(2, school_urn=URN)])

    ingest(conn, landing, key)

    assert rejects(conn) == [
        (INTERVIEWS, 2, "upn", upn(2), "is not on the cycle 1 roster of school 108000")
    ]


def test_every_broken_rule_of_a_row_is_reported(tmp_path, conn, key):
    landing = Landing(tmp_path)
    landing.roster([roster_row(1, gender="Q", sen_status="Z")])

    summary = ingest(conn, landing, key)

    assert [(r[2], r[3]) for r in rejects(conn)] == [("gender", "Q"), ("sen_status", "Z")]
    assert summary.rows_rejected == 1


def test_repeated_upn_in_one_roster_rejects_the_repeat(tmp_path, conn, key):
    landing = Landing(tmp_path)
    landing.roster([roster_row(1), roster_row(2), roster_row(1, forename="Again")])

    ingest(conn, landing, key)

    assert rejects(conn) == [(ROSTER, 4, "upn", upn(1), "appears again (first at line 2)")]


def test_row_with_more_values_than_the_header_is_rejected(tmp_path, conn, key):
    landing = Landing(tmp_path)
    path = landing.roster([roster_row(1)])
    with open(path, "a") as handle:
        handle.write(",".join(roster_row(2).values()) + ",surplus\n")

    ingest(conn, landing, key)

    assert rejects(conn) == [
        (ROSTER, 3, None, "surplus", "row has 10 values but the header has 9 columns")
    ]


def test_short_row_reads_missing_cells_as_blank(tmp_path, conn, key):
    landing = Landing(tmp_path)
    path = landing.roster([roster_row(1)])
    with open(path, "a") as handle:
        handle.write(",".join(list(roster_row(2).values())[:8]) + "\n")  # no attendance

    ingest(conn, landing, key)

    assert rejects(conn) == []
    assert (
        conn.execute("select count(*) from raw.roster where attendance_pct is null").fetchone()[0]
        == 1
    )


def test_schools_rules(tmp_path, conn, key):
    landing = Landing(tmp_path)
    landing.schools(
        [
            {"urn": URN, "school_name": "Gateshead Academy", "la_code": "Gateshead"},
            {"urn": "10800", "school_name": "Short URN", "la_code": "390"},
            {"urn": "108006", "school_name": "Nowhere", "la_code": "999"},
            {"urn": "108009", "school_name": "", "la_code": "391"},
            {"urn": URN, "school_name": "Gateshead Academy again", "la_code": "390"},
        ]
    )

    ingest(conn, landing, key)

    assert rejects(conn) == [
        ("cohort=2024/schools.csv", 3, "urn", "10800", "is not a URN: it must be 6 digits"),
        (
            "cohort=2024/schools.csv", 4, "la_code", "999",
            "is not in the local authority code list (code or label)",
        ),
        ("cohort=2024/schools.csv", 5, "school_name", "", "is required but blank"),
        ("cohort=2024/schools.csv", 6, "urn", URN, "appears again (first at line 2)"),
    ]  # fmt: skip
    assert conn.execute("select urn, la_code from raw.school").fetchall() == [(URN, "390")]
