"""Loading over time: same bytes twice, corrections, crashes mid-file, pseudonyms, conflicts."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest
from ingest_helpers import count, ingest, rejects
from landing import URN, Landing, interview_row, roster_row, upn
from pathways.ingestion import loader
from pathways.ingestion.loader import LoadContext
from pathways.ingestion.run import ingest_landing

TABLES = ("raw.school", "raw.roster", "restricted.roster_identity", "raw.interview",
          "restricted.interview_note", "restricted.rejected_row", "raw.load_warning",
          "raw.file_load")  # fmt: skip


def snapshot(conn) -> dict[str, list]:
    """Every table's rows; of raw.file_load, all but the file signature (a cache of the file's
    identity that a later run may fill in: loader.file_signature)."""
    tables = {
        table: conn.execute(f"select * from {table} order by 1, 2").fetchall() for table in TABLES
    }
    tables["raw.file_load"] = [row[:-1] for row in tables["raw.file_load"]]
    assert conn.execute("select * from raw.file_load").description[-1].name == "file_signature"
    return tables


def test_a_run_over_an_unchanged_landing_reads_no_file(tmp_path, conn, key, monkeypatch):
    """Issue 31: every run digested every landed file (54 k unchanged files nationally). A file
    whose device, inode, size and times are those of its digested delivery is not read."""
    monkeypatch.setattr(loader, "QUIET_NS", 0)  # the files here were written just now
    landing = Landing(tmp_path)
    landing.roster([roster_row(1)])
    landing.interviews([interview_row(1)])
    ingest(conn, landing, key)

    def digest_refused(path):
        raise AssertionError(f"{path.name} was read again")

    monkeypatch.setattr(loader, "file_digest", digest_refused)
    summary = ingest(conn, landing, key)
    assert summary.count("unchanged") == 3 and summary.count("loaded") == 0


def test_a_same_size_rewrite_that_keeps_the_file_times_is_read_again(
    tmp_path, conn, key, monkeypatch
):
    """The negative control of the signature: new bytes of the same size, the old file times
    put back (`cp -p`, `touch -r`): the kernel's change time is new, so the file is read."""
    monkeypatch.setattr(loader, "QUIET_NS", 0)
    landing = Landing(tmp_path)
    landing.roster([roster_row(1)])
    interviews = landing.interviews([interview_row(1, preferred_sector="clean_energy")])
    times = interviews.stat()
    ingest(conn, landing, key)
    landing.interviews([interview_row(1, preferred_sector="construction")])  # same length
    os.utime(interviews, ns=(times.st_atime_ns, times.st_mtime_ns))
    assert interviews.stat().st_size == times.st_size

    summary = ingest(conn, landing, key)
    assert summary.count("loaded") == 1
    sectors = "select preferred_sector from raw.interview where file_id in (select file_id from "
    sectors += "raw.file_load where is_current)"
    assert conn.execute(sectors).fetchall() == [("construction",)]


def test_a_file_written_moments_ago_is_digested_until_it_is_still(tmp_path, conn, key):
    """A signature taken in the clock tick of a write could outlive the write ("racily clean"):
    a file changed within loader.QUIET_NS of the run keeps no signature."""
    landing = Landing(tmp_path)
    landing.roster([roster_row(1)])
    ingest(conn, landing, key)
    signatures = conn.execute("select file_signature from raw.file_load").fetchall()
    assert signatures == [(None,), (None,)]


def test_loading_the_same_bytes_twice_changes_nothing(tmp_path, conn, key):
    landing = Landing(tmp_path)
    landing.roster([roster_row(1), roster_row(2, gender="?")])
    landing.interviews([interview_row(1)])
    ingest(conn, landing, key)
    before = snapshot(conn)

    summary = ingest(conn, landing, key)

    assert snapshot(conn) == before
    assert summary.count("unchanged") == 3 and summary.count("loaded") == 0


def test_a_correction_replaces_what_the_path_delivered_before(tmp_path, conn, key):
    landing = Landing(tmp_path)
    landing.roster([roster_row(1), roster_row(2), roster_row(3)])
    landing.interviews([interview_row(1, mode="?"), interview_row(2)])
    ingest(conn, landing, key)

    landing.interviews([interview_row(1), interview_row(2, preferred_sector="construction")])
    summary = ingest(conn, landing, key)

    assert rejects(conn) == []
    assert conn.execute(
        "select line_number, preferred_sector from raw.interview order by 1"
    ).fetchall() == [(2, "digital"), (3, "construction")]
    history = conn.execute(
        "select is_current, rows_loaded, rows_rejected, superseded_at is not null "
        "from raw.file_load where source_path like '%interviews%' order by file_id"
    ).fetchall()
    assert history == [(False, 1, 1, True), (True, 2, 0, False)]
    assert [f.replaced_earlier_delivery for f in summary.files if f.outcome == "loaded"] == [True]


def test_a_roster_correction_rechecks_that_cycles_interviews(tmp_path, conn, key):
    landing = Landing(tmp_path)
    landing.roster([roster_row(1)])
    landing.interviews([interview_row(1), interview_row(2)])
    ingest(conn, landing, key)
    assert [r[2] for r in rejects(conn)] == ["upn"]

    landing.roster([roster_row(1), roster_row(2)])  # student 2 was missing from the roster
    summary = ingest(conn, landing, key)

    assert rejects(conn) == []
    assert count(conn, "raw.interview") == 2
    assert summary.count("loaded") == 2  # the roster, and the interviews checked again


def test_a_crash_mid_file_leaves_nothing_and_a_reload_completes(tmp_path, database_url, key):
    landing = Landing(tmp_path)
    students = range(1, 3001)
    landing.roster([roster_row(n) for n in students])
    landing.interviews([interview_row(n) for n in students])
    # A real crash: the loading process kills itself (SIGKILL) partway through the interview
    # COPY, after thousands of rows have been sent to the server.
    script = textwrap.dedent(
        f"""
        import os, signal, psycopg
        from pathways.ingestion import readers
        from pathways.ingestion.run import ingest_landing
        readers.BATCH_ROWS = 500
        def crash(path, rows):
            if "interviews" in path and rows >= 1500:
                os.kill(os.getpid(), signal.SIGKILL)
        with psycopg.connect({database_url!r}) as conn:
            ingest_landing(conn, {str(landing.root)!r}, {key!r}, progress=crash)
        """
    )
    crashed = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert crashed.returncode == -9, crashed.stderr

    import psycopg

    with psycopg.connect(database_url) as conn:
        assert count(conn, "raw.interview") == 0
        assert count(conn, "raw.roster") == 3000  # committed before the crash
        assert conn.execute(
            "select count(*) from raw.file_load where source_path like '%interviews%'"
        ).fetchone() == (0,)
        summary = ingest_landing(conn, landing.root, key)
        assert count(conn, "raw.interview") == 3000
        assert conn.execute(
            "select count(distinct (cohort, cycle, student_key)) from raw.interview"
        ).fetchone() == (3000,)
        assert summary.count("loaded") == 1 and summary.count("unchanged") == 2


def test_pseudonyms_are_stable_keyed_and_distinct(tmp_path, conn, key):
    landing = Landing(tmp_path)
    landing.roster([roster_row(1), roster_row(2)])
    landing.roster([roster_row(1), roster_row(2)], cycle=2)
    ingest(conn, landing, key)

    by_upn = dict(conn.execute("select distinct upn, student_key from restricted.roster_identity"))
    assert len(by_upn) == 2 and len(set(by_upn.values())) == 2
    assert by_upn[upn(1)] == LoadContext(conn, key).pseudonym(upn(1))
    assert LoadContext(conn, b"another-key-" * 4).pseudonym(upn(1)) != by_upn[upn(1)]
    assert upn(1) not in by_upn[upn(1)] and len(by_upn[upn(1)]) == 32


def test_a_second_interview_in_a_cycle_is_recorded_and_the_later_delivery_wins(tmp_path, conn, key):
    landing = Landing(tmp_path)
    landing.roster([roster_row(1)])
    first = landing.interviews([interview_row(1, preferred_sector="digital")])
    second = landing.interviews(
        [interview_row(1, preferred_sector="construction", adviser_id="ADV002")], adviser="ADV002"
    )
    os.utime(first, (1_700_000_000, 1_700_000_000))
    os.utime(second, (1_700_000_100, 1_700_000_100))

    summary = ingest(conn, landing, key)

    assert summary.conflicts == 1
    assert conn.execute(
        "select preferred_sector from raw.interview_version where version_rank = 1"
    ).fetchall() == [("construction",)]
    assert count(conn, "raw.interview") == 2  # both loaded: nothing is lost


def test_a_correction_copied_with_its_old_file_time_still_wins(tmp_path, conn, key):
    """Issue 27, contract 1.2 section 1: a correction sent later, but copied with `cp -p`,
    rsync or unzip keeping an older file time, lost to the stale interview it corrects. The
    delivery time is the warehouse's first sight of the bytes."""
    landing = Landing(tmp_path)
    landing.roster([roster_row(1)])
    stale = landing.interviews([interview_row(1, preferred_sector="digital")])
    os.utime(stale, (1_700_000_100, 1_700_000_100))
    ingest(conn, landing, key)
    correction = landing.interviews(
        [interview_row(1, preferred_sector="construction", adviser_id="ADV002")], adviser="ADV002"
    )
    os.utime(correction, (1_700_000_000, 1_700_000_000))  # older than what it corrects
    ingest(conn, landing, key)
    winner = "select preferred_sector from raw.interview_version where version_rank = 1"
    assert conn.execute(winner).fetchall() == [("construction",)]
    ingest(conn, landing, key)  # an unchanged landing changes nothing, order included
    roster = landing.roster([roster_row(1), roster_row(2)])  # a roster change reloads both
    ingest(conn, landing, key)
    assert conn.execute(winner).fetchall() == [("construction",)]
    orders = conn.execute(
        "select source_path, delivered_at, delivery_order from raw.file_load where is_current"
        " order by delivery_order"
    ).fetchall()
    assert [path for path, *_ in orders][-1] == str(roster.relative_to(tmp_path))
    modified = conn.execute("select min(modified_at) from raw.file_load").fetchone()[0]
    assert modified.timestamp() == 1_700_000_000  # the file time is kept, for the record


def test_personal_data_lands_only_in_the_restricted_schema(tmp_path, conn, key):
    landing = Landing(tmp_path)
    landing.roster([roster_row(1, forename="Zebedee", surname="Quixote")])
    landing.interviews([interview_row(1, job_type="Zookeeper", action_plan="Secret plan")])
    ingest(conn, landing, key)

    secrets = [upn(1), "Zebedee", "Quixote", "2010-01-15", "Zookeeper", "Secret plan"]
    for (table,) in conn.execute(
        "select table_schema || '.' || table_name from information_schema.tables "
        "where table_schema = 'raw'"
    ).fetchall():
        text = " ".join(str(row) for row in conn.execute(f"select * from {table}"))
        for secret in secrets:
            assert secret not in text, f"{secret} found in {table}"
    restricted = " ".join(
        str(row)
        for table in ("restricted.roster_identity", "restricted.interview_note")
        for row in conn.execute(f"select * from {table}")
    )
    assert all(secret in restricted for secret in secrets[:2] + secrets[4:])
    assert URN in " ".join(str(r) for r in conn.execute("select * from raw.interview"))


def test_loading_with_another_pseudonym_key_is_refused(tmp_path, conn, key):
    from pathways.ingestion.schema import WrongPseudonymKey

    landing = Landing(tmp_path)
    landing.roster([roster_row(1)])
    ingest(conn, landing, key)
    landing.roster([roster_row(1), roster_row(2)])  # a correction, loaded with the wrong key

    import pytest

    with pytest.raises(WrongPseudonymKey, match="not the key this warehouse was loaded with"):
        ingest(conn, landing, b"a-different-key-" * 3)
    assert count(conn, "raw.roster") == 1  # nothing was loaded with it


def test_a_file_the_fast_reader_gives_up_on_late_loads_once_with_exact_lines(
    tmp_path, conn, key, monkeypatch
):
    from pathways.ingestion import readers

    monkeypatch.setattr(readers, "BATCH_ROWS", 300)  # Arrow's blocks: several before the end
    landing = Landing(tmp_path)
    students = range(1, 2001)
    landing.roster([roster_row(n) for n in students])
    path = landing.interviews([interview_row(n) for n in students])
    path.write_bytes(path.read_bytes() + b"\n")  # a blank last line: only the exact reader
    read_fast = []
    with pytest.raises(readers.IrregularFile):  # ... and the fast one finds it at the end
        read_fast += readers.read_batches(path, "csv", fast=True)
    assert len(read_fast) > 3  # by then several batches were copied, and must be undone

    summary = ingest(conn, landing, key)

    interviews = next(f for f in summary.files if "interviews_" in f.relative_path)
    counted = (interviews.rows_read, interviews.rows_loaded, interviews.rows_rejected)
    assert counted == (2000, 2000, 0)
    lines = conn.execute("select min(line_number), max(line_number), count(*) from raw.interview")
    assert lines.fetchone() == (2, 2001, 2000)
    assert count(conn, "restricted.rejected_row") == 0
