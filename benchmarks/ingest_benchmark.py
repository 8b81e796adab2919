"""Validated ingest vs raw COPY of the same interview files, and peak memory as extracts grow.

    .venv/bin/python benchmarks/ingest_benchmark.py [--schools 1000 --students 150]

Generates a cohort (~1 M interviews at the defaults, one adviser so each cycle is one big
file), loads it into a fresh database through the real ingestion, then COPYs the same interview
files into a bare text table. Prints rows/s for both and their ratio (target: validated >= 50 %
of raw COPY). Peak RSS is measured in child processes at a quarter and at full size: flat
memory means the two figures stay close while the extract grows four-fold.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import psycopg

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from pathways import warehouse  # noqa: E402
from pathways.synthetic import generate  # noqa: E402

SERVER = os.environ.get("PATHWAYS_BENCH_SERVER_URL", "postgresql://postgres@127.0.0.1:5432")
KEY = b"benchmark-pseudonym-key-0123456789abcdef"


def peak_rss_mb() -> float:
    """This process's own peak RSS (VmHWM). ru_maxrss would include the parent's peak at fork."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child_ingest(landing: str, url: str) -> None:
    """Run in a child process so its peak RSS is its own."""
    from ingestion.run import ingest_landing

    with psycopg.connect(url) as conn:
        summary = ingest_landing(conn, Path(landing), KEY)
    interviews = [f for f in summary.files if "interviews_" in f.relative_path]
    print(
        json.dumps(
            {
                "interview_rows": sum(f.rows_read for f in interviews),
                "interview_seconds": sum(f.seconds for f in interviews),
                "all_rows": sum(f.rows_read for f in summary.files),
                "all_seconds": sum(f.seconds for f in summary.files),
                "rejected": summary.rows_rejected,
                "peak_rss_mb": peak_rss_mb(),
            }
        )
    )


def ingest_in_child(landing: Path) -> dict:
    url = f"{SERVER}/pathways_bench_{uuid.uuid4().hex[:8]}"
    warehouse.ensure_database(url)
    try:
        out = subprocess.run(
            [sys.executable, __file__, "--child", str(landing), url],
            check=True, capture_output=True, text=True,
        )  # fmt: skip
        return json.loads(out.stdout.strip().splitlines()[-1])
    finally:
        warehouse.drop_database(url)


def raw_copy(landing: Path) -> tuple[int, float]:
    """The baseline: the same interview files COPYed as CSV into 24 bare text columns."""
    url = f"{SERVER}/pathways_bench_{uuid.uuid4().hex[:8]}"
    warehouse.ensure_database(url)
    try:
        with psycopg.connect(url, autocommit=True) as conn:
            files = sorted(landing.rglob("interviews_*.csv"))
            header = files[0].read_text(encoding="utf-8-sig").splitlines()[0].split(",")
            conn.execute(f"create table bare ({', '.join(f'{c} text' for c in header)})")
            started = time.perf_counter()
            for path in files:
                with open(path, "rb") as handle, conn.cursor() as cursor:
                    sql = "copy bare from stdin (format csv, header true)"
                    with cursor.copy(sql) as copy:
                        while chunk := handle.read(1 << 20):
                            copy.write(chunk)
            seconds = time.perf_counter() - started
            rows = conn.execute("select count(*) from bare").fetchone()[0]
        return rows, seconds
    finally:
        warehouse.drop_database(url)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--schools", type=int, default=1000)
    parser.add_argument("--students", type=int, default=150)
    parser.add_argument("--child", nargs=2, metavar=("LANDING", "URL"))
    args = parser.parse_args()
    if args.child:
        child_ingest(*args.child)
        return
    with tempfile.TemporaryDirectory() as scratch:
        sizes = {"quarter": args.schools // 4, "full": args.schools}
        runs = {}
        for name, schools in sizes.items():
            landing = Path(scratch) / name
            started = time.perf_counter()
            generate(landing, schools=schools, students=args.students, advisers=1)
            print(f"generated {name} ({schools} schools) in {time.perf_counter() - started:.0f}s")
            runs[name] = ingest_in_child(landing)
        rows, seconds = raw_copy(Path(scratch) / "full")
    full = runs["full"]
    validated = full["interview_rows"] / full["interview_seconds"]
    baseline = rows / seconds
    print(f"interview rows: {full['interview_rows']:,} (raw COPY counted {rows:,})")
    print(f"validated ingest: {validated:,.0f} rows/s ({full['interview_seconds']:.1f}s)")
    print(f"raw COPY:         {baseline:,.0f} rows/s ({seconds:.1f}s)")
    print(f"ratio validated/raw: {validated / baseline:.0%} (target >= 50%)")
    print(f"whole landing incl. rosters: {full['all_rows']:,} rows in {full['all_seconds']:.1f}s")
    for name, run in runs.items():
        print(
            f"peak RSS ({name}, {run['interview_rows']:,} interviews): {run['peak_rss_mb']:.0f} MB"
        )
    print(
        f"peak RSS ratio full/quarter: {full['peak_rss_mb'] / runs['quarter']['peak_rss_mb']:.2f}"
    )


if __name__ == "__main__":
    main()
