"""Destinations and the comparison rates (contract section 8): every rule rejects the row with
its file, line, column, value and reason; NCCIS codes map to activities; the file delivered last
wins a month and the conflict is recorded."""

from __future__ import annotations

import os
import time

import pytest
from ingest_helpers import count, ingest, quarantined, rejects
from landing import Landing, destination_row, roster_row

DESTINATIONS = "cohort=2024/destinations/destinations_390.csv"


def with_roster(tmp_path) -> Landing:
    landing = Landing(tmp_path)
    landing.roster([roster_row(n) for n in (1, 2, 3)])
    return landing


@pytest.mark.parametrize(
    ("column", "value", "reason"),
    [
        ("upn", "", "is required but blank"),
        ("upn", "not-a-upn", "is not a UPN: it must be 13 characters"),
        ("upn", "on-no-roster", "is not on a roster of cohort 2024: not a programme student"),
        ("activity_month", "", "is required but blank"),
        ("activity_month", "November", "is not a month: expected YYYY-MM (or a date)"),
        ("activity_month", "2026-13", "is not a month: expected YYYY-MM (or a date)"),
        ("activity_month", "2026-08",
         "is outside cohort 2024's destination months (September 2026 to March 2027)"),
        ("activity_month", "2027-04-01",
         "is outside cohort 2024's destination months (September 2026 to March 2027)"),
        ("activity", "astronaut", "is not in the destination activity code list (code or label)"),
        ("nccis_code", "999", "is not in the NCCIS activity code list"),
        ("nccis_code", "110", "is an NCCIS code for a pupil below leaving age (below 200)"),
        ("nccis_code", "330",
         "maps to employment_without_training, which does not agree with the activity education"),
    ],
)  # fmt: skip
def test_destination_rule_rejects_the_row(tmp_path, conn, key, column, value, reason):
    landing = with_roster(tmp_path)
    bad = destination_row(2, **{column: value})
    if value == "on-no-roster":
        bad["upn"] = value = roster_row(9)["upn"]
    landing.destinations([destination_row(1), bad, destination_row(3)])

    summary = ingest(conn, landing, key)

    assert rejects(conn) == [(DESTINATIONS, 3, column, value, reason)]
    assert count(conn, "raw.destination") == 2
    assert summary.rows_rejected == 1


def test_both_blank_and_a_month_twice_are_rejected(tmp_path, conn, key):
    landing = with_roster(tmp_path)
    landing.destinations([
        destination_row(1),
        destination_row(2, activity="", nccis_code=""),
        destination_row(1, activity_month="2026-11-15"),  # the same month as a date
    ])  # fmt: skip

    ingest(conn, landing, key)

    assert rejects(conn) == [
        (DESTINATIONS, 3, "activity", "", "is blank and so is nccis_code: one is required"),
        (DESTINATIONS, 4, "activity_month", "2026-11",
         "appears again for this student (first at line 2)"),
    ]  # fmt: skip


def test_codes_labels_and_nccis_codes_load_as_activities(tmp_path, conn, key):
    landing = with_roster(tmp_path)
    landing.destinations([
        destination_row(1, activity="Apprenticeship", activity_month="2026-09"),
        destination_row(1, activity="", nccis_code="619", activity_month="2026-10",
                        provider=""),
        destination_row(1, activity="custody", nccis_code="710", activity_month="01/12/2026"),
        destination_row(2, activity="NOT_KNOWN", activity_month="2027-03"),
    ])  # fmt: skip

    ingest(conn, landing, key)

    loaded = conn.execute(
        "select to_char(activity_month, 'YYYY-MM'), activity, nccis_code, la_code "
        "from raw.destination order by student_key <> (select student_key from raw.roster "
        "order by line_number limit 1), activity_month"
    ).fetchall()
    assert loaded == [
        ("2026-09", "apprenticeship", None, "390"),
        ("2026-10", "neet_available", "619", "390"),
        ("2026-12", "custody", "710", "390"),
        ("2027-03", "not_known", None, "390"),
    ]
    # The provider is free text: restricted, and only where one was given.
    assert count(conn, "restricted.destination_provider") == 3
    assert "provider" not in {
        name for (name,) in conn.execute(
            "select column_name from information_schema.columns "
            "where table_schema = 'raw' and table_name = 'destination'"
        )
    }  # fmt: skip


def test_a_file_with_neither_activity_column_or_a_bad_la_is_quarantined(tmp_path, conn, key):
    landing = with_roster(tmp_path)
    landing.destinations([destination_row(1)], header=["upn", "activity_month", "provider"])
    landing.destinations([destination_row(1)], la="999")

    ingest(conn, landing, key)

    assert quarantined(conn) == {
        DESTINATIONS: (
            "missing column: a destinations file needs activity or nccis_code (or both)"
        ),
        "cohort=2024/destinations/destinations_999.csv": (
            "'999' in the file name is not a local authority code of the list"
        ),
    }


def test_the_file_delivered_last_wins_a_month_and_the_conflict_is_recorded(tmp_path, conn, key):
    landing = with_roster(tmp_path)
    first = landing.destinations([destination_row(1, activity="education")], la="390")
    later = landing.destinations([destination_row(1, activity="neet_available")], la="391")
    now = time.time()
    os.utime(first, (now - 3600, now - 3600))
    os.utime(later, (now, now))

    ingest(conn, landing, key)

    winner = conn.execute(
        "select activity from raw.destination_version where version_rank = 1"
    ).fetchall()
    assert winner == [("neet_available",)]
    assert conn.execute(
        "select superseded_activity, winning_activity from raw.destination_conflict"
    ).fetchall() == [("education", "neet_available")]


def test_comparison_rates_load_and_their_rules_reject(tmp_path, conn, key):
    landing = with_roster(tmp_path)
    landing.comparison([
        {"la_code": "390", "pct_neet_or_not_known": "5.5"},
        {"la_code": "999", "pct_neet_or_not_known": "4"},
        {"la_code": "391", "pct_neet_or_not_known": "101"},
        {"la_code": "390", "pct_neet_or_not_known": "6"},
        {"la_code": "393", "pct_neet_or_not_known": "1_0"},  # issue 27: was loaded as 10.0
    ])  # fmt: skip

    ingest(conn, landing, key)

    path = "cohort=2024/destinations/comparison.csv"
    assert rejects(conn) == [
        (path, 3, "la_code", "999", "is not in the local authority code list (code or label)"),
        (path, 4, "pct_neet_or_not_known", "101", "is outside 0-100 (% NEET or not known)"),
        (path, 5, "la_code", "390", "appears again (first at line 2)"),
        (path, 6, "pct_neet_or_not_known", "1_0", "is not a number (% NEET or not known)"),
    ]
    assert conn.execute(
        "select la_code, pct_neet_or_not_known from raw.destination_comparison"
    ).fetchall() == [("390", 5.5)]


def test_a_destinations_file_quarantined_for_its_name_is_examined_again(tmp_path, conn, key):
    """Before section 8 a destinations file fit no pattern and was quarantined for its name;
    the same bytes are loaded once a release knows the name."""
    landing = with_roster(tmp_path)
    landing.destinations([destination_row(1)])
    ingest(conn, landing, key)
    conn.execute(
        "update raw.file_load set extract_kind = null, status = 'quarantined', "
        "quarantine_reason = 'file name fits no extract pattern', rows_read = 0, "
        "rows_loaded = 0, rows_rejected = 0 where source_path = %s",
        (DESTINATIONS,),
    )
    conn.execute("delete from raw.destination")

    summary = ingest(conn, landing, key)

    assert [f.outcome for f in summary.files if f.relative_path == DESTINATIONS] == ["loaded"]
    assert count(conn, "raw.destination") == 1
    assert quarantined(conn) == {}


def test_a_changed_roster_rechecks_the_destinations(tmp_path, conn, key):
    landing = with_roster(tmp_path)
    landing.destinations([destination_row(1), destination_row(4)])
    ingest(conn, landing, key)
    assert count(conn, "raw.destination") == 1  # student 4 is on no roster yet

    landing.roster([roster_row(n) for n in (1, 2, 3, 4)], cycle=2)
    ingest(conn, landing, key)

    assert count(conn, "raw.destination") == 2
    assert rejects(conn) == []


def test_a_destinations_load_pulls_only_the_cohorts_destinations(tmp_path):
    """The cycle-load DAG's `destinations` param: schools.csv and the destinations/ files of
    the cohort, nothing of its cycles (pulled through Airflow's ObjectStoragePath)."""
    from pathways.orchestrate import orchestration

    landing = with_roster(tmp_path / "landing")
    landing.destinations([destination_row(1)])
    landing.comparison([{"la_code": "390", "pct_neet_or_not_known": "5"}])
    pulled = orchestration.pull_extracts(
        str(landing.root), tmp_path / "pulled", cohort=2024, destinations=True
    )
    assert sorted(p.relative_to(pulled).as_posix() for p in pulled.rglob("*.csv")) == [
        "cohort=2024/destinations/comparison.csv",
        "cohort=2024/destinations/destinations_390.csv",
        "cohort=2024/schools.csv",
    ]
    cycle = orchestration.pull_extracts(str(landing.root), tmp_path / "cycle", 2024, cycle=1)
    assert not list(cycle.rglob("destinations*"))


@pytest.mark.parametrize("narrowed", [False, True])
def test_a_load_from_a_missing_landing_fails_with_the_commands_message(tmp_path, narrowed):
    """Issue 27: a DAG run whose landing did not exist pulled 0 files and went on to build and
    publish; it fails as `pathways run` does."""
    from pathways import settings
    from pathways.orchestrate import orchestration

    missing = str(tmp_path / "no-such-landing")
    with pytest.raises(settings.ConfigurationError, match="landing folder .* does not exist"):
        orchestration.pull_extracts(missing, tmp_path / "pulled", *((2024, 1) if narrowed else ()))


def test_the_landing_fingerprint_reads_a_file_url_as_its_path(tmp_path):
    """The landing watch was given `file:///landing` and looked in `file://file:///landing`:
    nothing there, so every fingerprint was the same and no new extract was ever announced."""
    from pathways.orchestrate import orchestration

    landing = with_roster(tmp_path / "landing")
    as_path = orchestration.landing_fingerprint(str(landing.root))
    assert orchestration.landing_fingerprint(landing.root.as_uri()) == as_path
    landing.destinations([destination_row(1)])
    assert orchestration.landing_fingerprint(landing.root.as_uri()) != as_path


@pytest.mark.parametrize(
    ("nccis", "activity", "group"),
    [
        ("230", "education", "eet"),
        ("250", "part_time_education", "eet"),
        ("310", "apprenticeship", "eet"),
        ("450", "training", "eet"),
        ("340", "employment_with_training", "eet"),
        ("360", "employment_without_training", "eet"),
        ("619", "neet_available", "neet"),
        ("650", "neet_not_available", "neet"),
        ("260", "other", "other"),
        ("710", "custody", "other"),
        ("810", "not_known", "not_known"),
    ],
)
def test_nccis_codes_map_to_each_activity_and_group(tmp_path, conn, key, nccis, activity, group):
    """The project's copy of the NCCIS list maps a code of every activity (and so every group
    the metrics count) to the programme's activity."""
    from pathways.ingestion.codes import load_codes

    landing = with_roster(tmp_path)
    landing.destinations([destination_row(1, activity="", nccis_code=nccis)])

    ingest(conn, landing, key)

    assert conn.execute("select activity, nccis_code from raw.destination").fetchall() == [
        (activity, nccis)
    ]
    groups = {row["code"]: row["group"] for row in load_codes().activities.rows}
    assert groups[activity] == group
