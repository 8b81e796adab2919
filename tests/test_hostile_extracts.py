"""No input can stop the pipeline: a hostile or broken extract is rejected row by row or
quarantined with a plain reason, and every other file still loads (issue: reliability).

The resource attacks run in a child process under a memory limit and a timeout, as a guard
only: a loader that regressed would be killed there instead of taking the test machine down.
"""

from __future__ import annotations

import json
import os
import random
import re
import resource
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import openpyxl
import psycopg
import pytest
from conftest import TEST_KEY
from ingest_helpers import count, ingest, quarantined, rejects
from landing import COHORT, URN, Landing, interview_row, roster_row, upn

from pathways.synthetic.model import ROSTER_HEADER

ROSTER = f"cohort={COHORT}/cycle=1/roster_{URN}.xlsx"
INTERVIEWS = f"cohort={COHORT}/cycle=1/interviews_ADV001.csv"


def landing_with_roster(tmp_path: Path) -> Landing:
    landing = Landing(tmp_path)
    landing.roster([roster_row(1), roster_row(2)])
    return landing


def xlsx_roster(path: Path, rows: int = 2) -> Path:
    """A valid roster workbook, to be tampered with."""
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(ROSTER_HEADER)
    for n in range(1, rows + 1):
        row = roster_row(n)
        sheet.append([row[column] for column in ROSTER_HEADER])
    workbook.save(path)
    return path


def tamper(path: Path, part: str, change) -> Path:
    """Rewrite one part of an XLSX archive."""
    with zipfile.ZipFile(path) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    parts[part] = change(parts[part])
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return path


SHEET = "xl/worksheets/sheet1.xml"
ENTITY_BOMB = (
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lollollollollollollollollol">'
    + b"".join(
        f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10 if i > 1 else "&lol;" * 10}">'.encode()
        for i in range(1, 10)
    )
    + b']><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    b'<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c></row>'
    b"</sheetData></worksheet>"
)


def _cell(xml: bytes, cell: str, replacement: bytes) -> bytes:
    start = xml.index(f'<c r="{cell}"'.encode())
    end = xml.index(b"</c>", start) + len(b"</c>")
    return xml[:start] + replacement + xml[end:]


BROKEN_WORKBOOKS = {
    "truncated sheet XML": (SHEET, lambda xml: xml[: len(xml) // 2]),
    "truncated workbook XML": ("xl/workbook.xml", lambda xml: xml[: len(xml) // 2]),
    "a number cell holding abc": (SHEET, lambda xml: _cell(xml, "I2", b'<c r="I2"><v>abc</v></c>')),
    "a date cell holding notadate": (
        SHEET,
        lambda xml: _cell(xml, "D2", b'<c r="D2" t="d"><v>notadate</v></c>'),
    ),
    "no sheet": (
        "xl/workbook.xml",
        lambda xml: xml.split(b"<sheets>")[0] + b"<sheets/></workbook>",
    ),
    "an XML entity attack": (SHEET, lambda xml: ENTITY_BOMB),
}


@pytest.mark.parametrize("defect", list(BROKEN_WORKBOOKS))
def test_a_broken_workbook_is_quarantined_and_the_rest_loads(tmp_path, conn, key, defect):
    landing = Landing(tmp_path)
    part, change = BROKEN_WORKBOOKS[defect]
    tamper(xlsx_roster(tmp_path / ROSTER), part, change)
    landing.roster([roster_row(1)], urn="108003")
    summary = ingest(conn, landing, key)
    reasons = quarantined(conn)
    assert set(reasons) == {ROSTER}, reasons
    readable = ("not a readable XLSX", "the workbook has no sheet", "sheet row")
    assert reasons[ROSTER].startswith(readable)
    assert summary.count("loaded") == 2  # schools.csv and the other roster
    assert count(conn, "raw.roster") == 1


def retyped_cell(reference: str, cell_type: str, text: str):
    """A sheet change: the cell holds text under a type it cannot be read as."""

    def change(xml: bytes) -> bytes:
        cell = rf'<c r="{reference}"[^>]*?(/>|>.*?</c>)'.encode()
        typed = f'<c r="{reference}" t="{cell_type}"><v>{text}</v></c>'.encode()
        changed, found = re.subn(cell, typed, xml, count=1)
        assert found, reference
        return changed

    return change


@pytest.mark.parametrize(
    ("reference", "cell_type", "text"),
    [("A3", "n", upn(2)), ("C2", "d", "Lovelace-Byron")],
    ids=["a UPN typed as a number", "a surname typed as a date"],
)
def test_a_mistyped_workbook_cell_is_described_never_quoted(
    tmp_path, conn, key, reference, cell_type, text
):
    """Issue 27: openpyxl's message quotes the cell, and it reached the quarantine reason (a
    pseudonymous schema), the run report and `status`. The value stays in the file alone."""
    landing = Landing(tmp_path)
    tamper(xlsx_roster(tmp_path / ROSTER), SHEET, retyped_cell(reference, cell_type, text))
    summary = ingest(conn, landing, key)
    reason = quarantined(conn)[ROSTER]
    assert reason.startswith(f"sheet row {reference[1:]}: a cell cannot be read as the type")
    for shown in (reason, summary.report()):
        assert text not in shown and text.split("-")[0] not in shown


def test_free_text_in_a_coded_list_is_not_echoed_in_the_report(tmp_path, conn, key):
    landing = Landing(tmp_path)
    landing.roster([roster_row(1)])
    told = "Mum rang: Ada's dad left"
    landing.interviews([interview_row(1, interventions=f"careers_workshop;{told}")])
    report = ingest(conn, landing, key).report()
    assert "has an item (2 of 2, 24 characters) that is not in" in report
    assert "Mum rang" not in report and told in rejects(conn)[0][3]  # kept in restricted only


def test_nul_bytes_reject_their_rows_only(tmp_path, conn, key):
    landing = landing_with_roster(tmp_path)
    landing.interviews(
        [interview_row(1, mode="face\x00_to_face"), interview_row(2, job_type="Nurse\x00")]
    )
    more = landing.roster([roster_row(3)], urn="108003")
    more.write_text(more.read_text() + f"{upn(4)},Al\x00ice,Smith,2010-01-15,F,10,N,Y,90\n")
    summary = ingest(conn, landing, key)
    assert summary.count("quarantined") == 0
    nul_rejects = [r for r in rejects(conn) if r[4] == "contains a NUL byte"]
    assert [(path.rsplit("/", 1)[1], line) for path, line, *_ in nul_rejects] == [
        ("interviews_ADV001.csv", 2), ("interviews_ADV001.csv", 3), ("roster_108003.csv", 3),
    ]  # fmt: skip
    assert all("\x00" not in value for *_, value, _ in nul_rejects)
    assert count(conn, "raw.roster") == 3


def _server_log(conn) -> Path:
    """The PostgreSQL server's own log, where pg_ctlcluster writes it."""
    version = int(conn.execute("show server_version_num").fetchone()[0]) // 10000
    log = Path(f"/var/log/postgresql/postgresql-{version}-main.log")
    assert log.is_file(), f"the server log is not at {log}: the check below would see nothing"
    return log


def test_a_row_the_fast_reader_gives_up_on_never_reaches_the_servers_log(tmp_path, conn, key):
    """A ragged row makes the fast reader give up inside its COPY; the reason the COPY was
    abandoned is sent to the server, which logs it: it must not quote the row."""
    log = _server_log(conn)
    written_before = log.stat().st_size
    landing = landing_with_roster(tmp_path)
    more = landing.roster([roster_row(3)], urn="108003")
    more.write_text(more.read_text() + f"{upn(4)},Ada,Quillfeather,2010-01-15,F,10,N,Y,90,9\n")
    ingest(conn, landing, key)
    ragged = [(line, reason) for path, line, _, _, reason in rejects(conn)
              if path.endswith("roster_108003.csv")]  # fmt: skip
    assert ragged == [(3, "row has 10 values but the header has 9 columns")]
    with (
        psycopg.connect(conn.info.dsn) as other,  # control: this log receives our errors
        pytest.raises(psycopg.errors.InvalidTextRepresentation),
    ):
        other.execute("select 'control-Ptolemy'::integer")
    with log.open("rb") as handle:
        handle.seek(written_before)
        written = handle.read()
    assert b"control-Ptolemy" in written
    assert b"Quillfeather" not in written and upn(4).encode() not in written


def test_a_nul_byte_in_the_header_quarantines_the_file(tmp_path, conn, key):
    landing = landing_with_roster(tmp_path)
    path = landing.interviews([interview_row(1)])
    path.write_text(path.read_text().replace("mode", "mo\x00de", 1))
    ingest(conn, landing, key)
    assert quarantined(conn) == {INTERVIEWS: "the header contains a NUL byte"}


def test_a_file_name_that_is_not_utf8_is_quarantined(tmp_path, conn, key):
    landing = landing_with_roster(tmp_path)
    folder = os.fsencode(tmp_path / f"cohort={COHORT}" / "cycle=1")
    with open(os.path.join(folder, b"interviews_ADV\xff.csv"), "wb") as handle:
        handle.write(b"upn\n")
    summary = ingest(conn, landing, key)
    assert quarantined(conn) == {
        f"cohort={COHORT}/cycle=1/interviews_ADV\\xff.csv": "the file name is not valid UTF-8"
    }
    assert summary.count("loaded") == 2


def test_a_link_out_of_the_landing_is_not_followed(tmp_path, conn, key):
    landing = landing_with_roster(tmp_path / "landing")
    outside = Landing(tmp_path / "elsewhere").interviews([interview_row(1)])
    link = landing.path("cycle=1/interviews_ADV001.csv")
    link.symlink_to(outside)
    landing.path("cycle=1/roster_108003.csv").symlink_to(tmp_path / "missing.csv")
    ingest(conn, landing, key)
    assert quarantined(conn) == {
        INTERVIEWS: "is a link to a file outside the landing folder: not followed",
        f"cohort={COHORT}/cycle=1/roster_108003.csv": "is a link to a file that does not exist",
    }
    assert count(conn, "raw.interview") == 0


def test_a_file_overwritten_while_it_is_read_is_never_loaded_torn(tmp_path, conn, key):
    landing = landing_with_roster(tmp_path)
    path = landing.interviews([interview_row(1)])

    def overwrite_mid_read(relative: str, rows: int) -> None:
        if relative == INTERVIEWS and path.read_text().count("\n") == 2:
            landing.interviews([interview_row(1), interview_row(2)])  # a new delivery lands

    from pathways.ingestion.run import ingest_landing

    ingest_landing(conn, landing.root, key, progress=overwrite_mid_read)
    assert quarantined(conn)[INTERVIEWS].startswith("the file changed while it was read")
    assert count(conn, "raw.interview") == 0
    ingest(conn, landing, key)  # the next run loads the file as it now is
    assert INTERVIEWS not in quarantined(conn)
    assert count(conn, "raw.interview") == 2


def test_interview_dates_far_outside_the_cohort_are_rejected(tmp_path, conn, key):
    landing = landing_with_roster(tmp_path)
    landing.interviews(
        [
            interview_row(1, interview_date="0001-01-01"),
            interview_row(2, interview_date="9999-12-31"),
        ]
    )
    ingest(conn, landing, key)
    reasons = {(line, value, reason) for _, line, _, value, reason in rejects(conn)}
    window = (
        "is outside cohort 2024's years (September 2023 to August 2027, a year either side"
        " of Years 10 and 11)"
    )
    assert reasons == {(2, "0001-01-01", window), (3, "9999-12-31", window)}


def test_a_header_of_150000_columns_is_quarantined_quickly(tmp_path, conn, key):
    landing = landing_with_roster(tmp_path)
    path = landing.path("cycle=1/interviews_ADV001.csv")
    path.write_text(",".join(f"c{i}" for i in range(150_000)) + "\n1\n")
    ingest(conn, landing, key)
    assert quarantined(conn) == {INTERVIEWS: "the header has 150000 columns (at most 1000)"}


GUARDED_INGEST = """
import json, sys
import psycopg
from pathways.ingestion.run import ingest_landing
with psycopg.connect(sys.argv[1]) as conn:
    summary = ingest_landing(conn, sys.argv[2], sys.argv[3].encode())
    outcome = {f.relative_path: [f.outcome, f.reason, f.rows_loaded] for f in summary.files}
    print(json.dumps(outcome))
"""


def guarded_ingest(url: str, landing: Path, memory_bytes=2 << 30, seconds=120) -> dict:
    """Ingest in a child process that a runaway loader cannot outgrow or outlast."""

    def limit_memory():
        resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))

    finished = subprocess.run(
        [sys.executable, "-c", GUARDED_INGEST, url, str(landing), TEST_KEY.decode()],
        capture_output=True, text=True, timeout=seconds, preexec_fn=limit_memory, check=False,
    )  # fmt: skip
    assert finished.returncode == 0, finished.stderr[-2000:]
    return json.loads(finished.stdout)


def test_a_workbook_claiming_a_million_rows_of_16384_columns_costs_what_it_holds(
    tmp_path, database_url
):
    """The <dimension> claim alone is ignored (2 rows load); a stray cell at XFD1048576 is
    quarantined, not read as a million rows of 16,384 cells."""
    landing = Landing(tmp_path)
    claim = b'<dimension ref="A1:XFD1048576"/>'
    tamper(xlsx_roster(tmp_path / ROSTER), SHEET,
           lambda xml: xml.replace(b'<dimension ref="A1:I3"/>', claim))  # fmt: skip
    stray = tmp_path / f"cohort={COHORT}/cycle=1/roster_108003.xlsx"
    far_cell = b'<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>'
    tamper(xlsx_roster(stray), SHEET,
           lambda xml: xml.replace(b'<dimension ref="A1:I3"/>', claim)
           .replace(b"</sheetData>", far_cell + b"</sheetData>"))  # fmt: skip
    outcome = guarded_ingest(database_url, landing.root)
    assert outcome[ROSTER][0] == "loaded" and outcome[ROSTER][2] == 2
    stray_outcome = outcome[stray.relative_to(tmp_path).as_posix()]
    assert stray_outcome[:2] == ["quarantined", "row 1048576 has 16384 columns (at most 1000)"]


def test_a_workbook_hiding_a_300_mb_string_is_quarantined_without_reading_it(
    tmp_path, database_url
):
    landing = Landing(tmp_path)
    path = xlsx_roster(tmp_path / ROSTER)
    with (
        zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as archive,
        archive.open("xl/sharedStrings.xml", "w") as part,
    ):
        part.write(b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">')
        part.write(b"<si><t>")
        for _ in range(300):
            part.write(b"A" * (1 << 20))
        part.write(b"</t></si></sst>")
    assert path.stat().st_size < 1 << 20  # under a megabyte on disk
    outcome = guarded_ingest(database_url, landing.root, memory_bytes=1 << 30)
    assert outcome[ROSTER][0] == "quarantined"
    assert "unpacks" in outcome[ROSTER][1]


def _mutate(data: bytes, rng: random.Random) -> bytes:
    data = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        position = rng.randrange(len(data) + 1)
        operation = rng.randrange(6)
        if operation == 0 and data:
            data[min(position, len(data) - 1)] = rng.randrange(256)
        elif operation == 1:
            data[position:position] = rng.choice([b"\x00", b'"', b",", b"\n", b"\r", b"\xff", b";"])
        elif operation == 2:
            del data[position : position + rng.randint(1, 40)]
        elif operation == 3:
            data[position:position] = data[position : position + rng.randint(1, 200)]
        elif operation == 4:
            del data[position:]
        else:
            data[position:position] = os.urandom(rng.randint(1, 16))
    return bytes(data)


FUZZ_SECONDS = 45


def test_mutated_extracts_always_end_loaded_rejected_or_quarantined(tmp_path, conn, key):
    """A bounded fuzz: mutated CSV and XLSX extracts never raise out of the loader."""
    landing = landing_with_roster(tmp_path)
    csv_seed = landing.interviews([interview_row(n) for n in (1, 2)]).read_bytes()
    xlsx_seed = xlsx_roster(tmp_path / "seed.xlsx").read_bytes()
    (tmp_path / "seed.xlsx").unlink()
    ingest(conn, landing, key)
    rng = random.Random(2024)
    deadline, tried = time.monotonic() + FUZZ_SECONDS, 0
    while time.monotonic() < deadline and tried < 2_000:
        target, seed = (
            (landing.path("cycle=1/interviews_ADV001.csv"), csv_seed)
            if tried % 2
            else (tmp_path / f"cohort={COHORT}/cycle=1/roster_108003.xlsx", xlsx_seed)
        )
        target.write_bytes(_mutate(seed, rng))
        summary = ingest(conn, landing, key)
        outcomes = {f.relative_path: f for f in summary.files}
        result = outcomes[target.relative_to(tmp_path).as_posix()]
        assert result.outcome in ("loaded", "quarantined", "unchanged")
        if result.outcome == "quarantined":
            assert result.reason
        tried += 1
    audit = conn.execute(
        "select count(*) filter (where rows_read <> rows_loaded + rows_rejected) from raw.file_load"
    ).fetchone()[0]
    assert audit == 0 and tried > 50
