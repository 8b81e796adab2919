"""One interview file loaded beside a national roster: the roster check's cost as rosters grow.

    .venv/bin/python benchmarks/roster_probe_benchmark.py [--roster-rows 8700000]

Issue 31's profile: the roster check (NOT_ON_CYCLE_ROSTER) hashed every roster row of the
warehouse for each interview file: 2,250 ms for a 12 k-row file beside 8.7 M roster rows. Here a
real landing of 80 schools (one cycle, one interview file of about 12 k rows) is loaded; then
raw.roster is filled to --roster-rows with other schools' students of both cohorts and all
seven cycles, analysed as a load leaves it; then the interview file is loaded again (forced)
three times. Printed: the file's load time at each roster size against a raw COPY of the same
file in the same run (the baseline), and the roster check's plan.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

import psycopg

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

from ingest_benchmark import KEY, SERVER, raw_copy  # noqa: E402
from pathways.ingestion.codes import load_codes  # noqa: E402
from pathways.ingestion.extracts import NOT_ON_CYCLE_ROSTER, all_extracts  # noqa: E402
from pathways.ingestion.layout import discover  # noqa: E402
from pathways.ingestion.loader import DeliveryOrder, LoadContext, load_file  # noqa: E402
from pathways.ingestion.run import ingest_landing  # noqa: E402

from pathways import migrate, warehouse  # noqa: E402
from pathways.synthetic import generate  # noqa: E402

FILLER_FILE = -1  # no file_load row: the filler is read, never superseded

FILL = """
insert into raw.roster (file_id, line_number, cohort, cycle, school_urn, student_key, gender,
    year_group, sen_status, disadvantaged)
select %(file_id)s, n, 2023 + n %% 2, 1 + (n / 2) %% 7, (900000 + n / 2100)::text, md5(n::text),
    'F', 10, 'N', 'N'
from generate_series(%(first)s::integer, %(last)s::integer) as n
"""


def fill_roster(conn: psycopg.Connection, rows: int) -> None:
    """raw.roster up to `rows`, in steps so the WAL stays bounded; then analysed."""
    have = conn.execute("select count(*) from raw.roster").fetchone()[0]
    step = 1_000_000
    for first in range(have, rows, step):
        last = min(first + step, rows) - 1
        conn.execute(FILL, {"file_id": FILLER_FILE, "first": first, "last": last})
        conn.commit()
    conn.execute("analyze raw.roster")
    conn.commit()


def timed_reloads(conn: psycopg.Connection, landing: Path, times: int = 3) -> list[float]:
    """The interview file loaded again (forced), each in its own transaction, in seconds."""
    codes = load_codes()
    extracts = all_extracts(codes)
    context = LoadContext(conn, KEY)
    files = [f for f in discover(landing, set(codes.cycles)) if f.kind == "interviews"]
    context.deliveries = DeliveryOrder(conn, files)
    seconds = []
    for _ in range(times):
        started = time.perf_counter()
        result = load_file(conn, files[0], extracts, context, force=True)
        seconds.append(time.perf_counter() - started)
        assert result.outcome == "loaded" and result.rows_loaded, result
    return seconds


def roster_check_plan(conn: psycopg.Connection) -> str:
    """The roster check's plan over one analysed file's keys: its joins and scans."""
    conn.commit()
    with conn.transaction():
        conn.execute("truncate pg_temp.loading_key")  # the loader's own, made by the loads
        conn.execute(
            "insert into pg_temp.loading_key select line_number, '', student_key, school_urn "
            "from raw.interview where file_id = (select max(file_id) from raw.file_load "
            "where extract_kind = 'interviews' and is_current)"
        )
        conn.execute("analyze pg_temp.loading_key")
        plan = conn.execute("explain " + NOT_ON_CYCLE_ROSTER.format(cohort=2024, cycle=1))
        return " / ".join(line.strip() for (line,) in plan if "->" in line or "Join" in line)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--roster-rows", type=int, default=8_700_000)
    parser.add_argument("--schools", type=int, default=80)
    args = parser.parse_args()
    url = f"{SERVER}/pathways_bench_{uuid.uuid4().hex[:8]}"
    warehouse.ensure_database(url)
    try:
        migrate.upgrade(url)
        with tempfile.TemporaryDirectory() as scratch:
            landing = Path(scratch) / "landing"
            generate(landing, schools=args.schools, students=150, cycles=1, advisers=1)
            with psycopg.connect(url) as conn:
                ingest_landing(conn, landing, KEY)
                conn.commit()
                figures = {}
                for rows in sorted({0, args.roster_rows}):
                    fill_roster(conn, rows)
                    total = conn.execute("select count(*) from raw.roster").fetchone()[0]
                    conn.commit()  # each load its own transaction, as in a run
                    figures[total] = statistics.median(timed_reloads(conn, landing))
                plan = roster_check_plan(conn)
                file_rows = conn.execute(
                    "select rows_loaded from raw.file_load where is_current "
                    "and extract_kind = 'interviews'"
                ).fetchone()[0]
            copied, copy_seconds = raw_copy(landing)
    finally:
        warehouse.drop_database(url)
    print(f"interview file: {file_rows:,} rows; raw COPY of it: {copy_seconds * 1000:.0f} ms")
    for total, seconds in figures.items():
        print(
            f"validated load beside {total:,} roster rows: {seconds * 1000:.0f} ms "
            f"({copy_seconds / seconds:.0%} of raw COPY's speed)"
        )
    small, large = figures.values()
    print(f"ratio with the full roster / with the file's own: {large / small:.2f} (flat: ~1)")
    print(f"roster check plan: {plan}")


if __name__ == "__main__":
    main()
