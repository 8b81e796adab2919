"""File-level rules: layout, formats (BOM, CRLF, headers, XLSX, labels, UK dates), quarantine,
warnings, and the audit's promise that every row read is loaded or rejected."""

from __future__ import annotations

import openpyxl
from ingest_helpers import count, ingest, quarantined, rejects, warnings
from landing import ADVISER, URN, Landing, interview_row, roster_row, upn
from pathways.ingestion.codes import load_codes

from pathways.synthetic.model import ROSTER_HEADER, interview_header


def test_csv_with_bom_crlf_and_padded_upper_case_headers_loads(tmp_path, conn, key):
    landing = Landing(tmp_path)
    shouted = [f"  {h.upper()} " for h in ROSTER_HEADER]
    landing.roster([roster_row(1), roster_row(2)], bom=True, crlf=True, header_as_written=shouted)

    summary = ingest(conn, landing, key)

    assert rejects(conn) == []
    assert count(conn, "raw.roster") == 2
    assert summary.count("quarantined") == 0


def test_labels_uk_dates_and_case_are_accepted(tmp_path, conn, key):
    landing = Landing(tmp_path)
    landing.roster([roster_row(1, gender="female", date_of_birth="15/01/2010", sen_status="k")])
    landing.interviews(
        [
            interview_row(
                1,
                interview_date="20/09/2024",
                preferred_sector="Digital and technology",
                post16_plan="FURTHER EDUCATION COLLEGE",
                mode="Virtual",
                interventions="Mock interview; careers_workshop",
            )
        ]
    )

    ingest(conn, landing, key)

    assert rejects(conn) == []
    assert conn.execute("select gender, sen_status from raw.roster").fetchone() == ("F", "K")
    assert conn.execute(
        "select interview_date::text, preferred_sector, post16_plan, mode, interventions "
        "from raw.interview"
    ).fetchone() == (
        "2024-09-20", "digital", "fe_college", "virtual", "careers_workshop;mock_interview"
    )  # fmt: skip


def test_xlsx_roster_loads_from_the_first_sheet(tmp_path, conn, key):
    landing = Landing(tmp_path)
    path = landing.path(f"cycle=1/roster_{URN}.xlsx")
    path.parent.mkdir(parents=True)
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append([h.title() for h in ROSTER_HEADER])
    from datetime import datetime

    for n in (1, 2):
        row = roster_row(n)
        sheet.append([
            row["upn"], row["forename"], row["surname"], datetime(2010, 1, 15), "M", 10, "N",
            "N", 88.5,
        ])  # fmt: skip
    sheet.append([None] * 9)  # formatted but empty rows are not rows
    workbook.create_sheet("Notes").append(["ignored"])
    workbook.save(path)

    ingest(conn, landing, key)

    assert rejects(conn) == []
    assert conn.execute(
        "select count(*), min(year_group), min(attendance_pct) from raw.roster"
    ).fetchone() == (2, 10, 88.5)


def test_optional_columns_may_be_absent(tmp_path, conn, key):
    landing = Landing(tmp_path)
    landing.roster([roster_row(1)], header=[h for h in ROSTER_HEADER if h != "attendance_pct"])
    header = [
        h for h in interview_header(load_codes())
        if not h.startswith("k_") and h not in ("job_type", "interventions", "action_plan")
    ]  # fmt: skip
    landing.interviews([interview_row(1)], header=header)

    ingest(conn, landing, key)

    assert rejects(conn) == [] and quarantined(conn) == {}
    assert conn.execute("select k_english_maths, interventions from raw.interview").fetchone() == (
        None,
        None,
    )
    assert count(conn, "restricted.interview_note") == 0


def test_quoted_multiline_text_keeps_line_numbers_of_the_file(tmp_path, conn, key):
    landing = Landing(tmp_path)
    landing.roster([roster_row(1), roster_row(2)])
    landing.interviews(
        [
            interview_row(1, action_plan="line one\nline two\tand a tab \\ slash"),
            interview_row(2, mode="?"),
        ]
    )

    ingest(conn, landing, key)

    assert [(r[1], r[2]) for r in rejects(conn)] == [(4, "mode")]
    assert conn.execute("select action_plan from restricted.interview_note").fetchone() == (
        "line one\nline two\tand a tab \\ slash",
    )


def test_warnings_are_recorded_and_the_rows_load(tmp_path, conn, key):
    landing = Landing(tmp_path)
    landing.roster([roster_row(1), roster_row(2)])
    header = [*interview_header(load_codes()), "Comments"]
    landing.interviews(
        [interview_row(1, adviser_id="adv002"), interview_row(2, interview_date="2025-01-10")],
        header=header,
    )

    summary = ingest(conn, landing, key)

    path = f"cohort=2024/cycle=1/interviews_{ADVISER}.csv"
    assert warnings(conn) == [
        (path, 1, "comments", "comments", "column is not in the contract and was ignored"),
        (path, 2, "adviser_id", "adv002", "does not match the file name's adviser ADV001"),
        (
            path, 3, "interview_date", "2025-01-10",
            "is 4 months from the cycle's target month (September 2024)",
        ),
    ]  # fmt: skip
    assert count(conn, "raw.interview") == 2
    assert summary.warnings == 3


def test_bad_files_are_quarantined_and_the_rest_loads(tmp_path, conn, key):
    landing = Landing(tmp_path)
    landing.roster([roster_row(1)])
    landing.interviews([interview_row(1)])
    landing.interviews([interview_row(1)], adviser="NOUPN", header=["school_urn", "mode"])
    landing.interviews([interview_row(1)], adviser="TWICE",
                       header_as_written=["upn", "UPN"] + interview_header(load_codes())[2:],
                       header=interview_header(load_codes()))  # fmt: skip
    landing.roster([roster_row(5)], urn="999999")
    landing.roster([roster_row(5)], cycle=8)
    landing.path("cycle=1/interviews_EMPTY.csv").write_text("")
    landing.path("cycle=1/interviews_BROKEN.xlsx").write_bytes(b"PK\x03\x04 not really a zip")
    landing.path("cycle=1/interviews_LATIN.csv").write_bytes(
        b"upn,school_urn\n" + upn(1).encode() + b",108000\n" + "Caf\xe9,1\n".encode("latin-1")
    )
    landing.path("cycle=1/Roster 108000 final.csv").write_text("upn\n")
    (tmp_path / "README.txt").write_text("hello")

    summary = ingest(conn, landing, key)

    assert quarantined(conn) == {
        "README.txt": (
            "file name fits no extract pattern (expected cohort=YYYY/schools.csv, "
            "cohort=YYYY/cycle=N/roster_<URN>.csv|xlsx, "
            "cohort=YYYY/cycle=N/interviews_<ADVISER>.csv|xlsx, "
            "cohort=YYYY/destinations/destinations_<LA code>.csv|xlsx, "
            "cohort=YYYY/destinations/comparison.csv|xlsx or "
            "cohort=YYYY/destinations/survey.csv|xlsx)"
        ),
        "cohort=2024/cycle=1/Roster 108000 final.csv": quarantined(conn)["README.txt"],
        "cohort=2024/cycle=1/interviews_NOUPN.csv": (
            "missing required column(s): upn, interview_date, adviser_id, preferred_sector, "
            "post16_plan, neet_risk, predicted_destination"
        ),
        "cohort=2024/cycle=1/interviews_TWICE.csv": (
            "column(s) appear more than once in the header: upn"
        ),
        "cohort=2024/cycle=1/roster_999999.csv": (
            "URN 999999 in the file name is not in schools.csv for cohort 2024"
        ),
        "cohort=2024/cycle=8/roster_999999.csv".replace("999999", "108000"): (
            "cycle 8 is not a programme cycle (1-7)"
        ),
        "cohort=2024/cycle=1/interviews_EMPTY.csv": "the file is empty: no header row",
        "cohort=2024/cycle=1/interviews_BROKEN.xlsx": (
            "not a readable XLSX workbook (File is not a zip file)"
        ),
        "cohort=2024/cycle=1/interviews_LATIN.csv": (
            "not UTF-8 text: byte 0xe9 on line 3 (file offset 39)"
        ),
    }
    assert count(conn, "raw.interview") == 1
    assert summary.count("quarantined") == 9


def test_audit_accounts_for_every_row(tmp_path, conn, key):
    landing = Landing(tmp_path)
    landing.roster([roster_row(1), roster_row(2, gender="?"), roster_row(3)])
    landing.interviews([interview_row(1), interview_row(3, mode="?"), interview_row(9)])

    ingest(conn, landing, key)

    audit = conn.execute(
        "select source_path, rows_read, rows_loaded, rows_rejected from raw.file_load "
        "where status = 'loaded' order by source_path"
    ).fetchall()
    assert audit == [
        ("cohort=2024/cycle=1/interviews_ADV001.csv", 3, 1, 2),
        ("cohort=2024/cycle=1/roster_108000.csv", 3, 2, 1),
        ("cohort=2024/schools.csv", 2, 2, 0),
    ]
    lineage = conn.execute(
        "select f.source_path, f.sha256, f.delivered_at is not null, i.line_number "
        "from raw.interview i join raw.file_load f using (file_id)"
    ).fetchone()
    assert lineage[0].endswith("interviews_ADV001.csv") and len(lineage[1]) == 64
    assert lineage[2] is True and lineage[3] == 2
