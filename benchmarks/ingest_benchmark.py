"""Validated ingest vs raw COPY of the same interview files, and peak memory as extracts grow.

    .venv/bin/python benchmarks/ingest_benchmark.py [--schools 1000 --students 150]

Generates a cohort (~1 M interviews at the defaults, one adviser so each cycle is one big
file), loads it into a fresh database through the real ingestion, then COPYs the same interview
files into a bare text table. Prints rows/s for both and their ratio (target: validated >= 50 %
of raw COPY). Peak RSS is measured in child processes at a quarter and at full size: one child
loads the schools, rosters and destinations, a second the interview files alone (the extract
that grows: 36 k rows a file at a quarter, 144 k at full). Flat memory means the interview
child's figures stay close while its extract grows four-fold.
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

from pathways import migrate, warehouse  # noqa: E402
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
    from pathways.ingestion.run import ingest_landing

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


def _child(landing: Path, url: str) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--child", str(landing), url],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    return json.loads(out.stdout.strip().splitlines()[-1])


def ingest_in_children(landing: Path) -> tuple[dict, dict]:
    """(the rest of the landing, then the interview files) loaded by two children."""
    url = f"{SERVER}/pathways_bench_{uuid.uuid4().hex[:8]}"
    warehouse.ensure_database(url)
    migrate.upgrade(url)  # the raw tables, as a cycle load's first step makes them
    interviews = sorted(landing.rglob("interviews_*"))
    aside = landing.parent / f"{landing.name}-interviews"
    try:
        for path in interviews:
            (aside / path.relative_to(landing)).parent.mkdir(parents=True, exist_ok=True)
            path.rename(aside / path.relative_to(landing))
        rest = _child(landing, url)
        for path in interviews:
            (aside / path.relative_to(landing)).rename(path)
        return rest, _child(landing, url)  # the rest is unchanged: only interviews load
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
    parser.add_argument("--keep", type=Path, help="generate into (or reuse) this folder")
    args = parser.parse_args()
    if args.child:
        child_ingest(*args.child)
        return
    with tempfile.TemporaryDirectory() as temporary:
        scratch = args.keep or temporary
        sizes = {"quarter": args.schools // 4, "full": args.schools}
        runs, rests = {}, {}
        for name, schools in sizes.items():
            landing = Path(scratch) / name
            if not landing.exists():
                started = time.perf_counter()
                generate(landing, schools=schools, students=args.students, advisers=1)
                seconds = time.perf_counter() - started
                print(f"generated {name} ({schools} schools) in {seconds:.0f}s")
            rests[name], runs[name] = ingest_in_children(landing)
        rows, seconds = raw_copy(Path(scratch) / "full")
    full = runs["full"]
    validated = full["interview_rows"] / full["interview_seconds"]
    baseline = rows / seconds
    print(f"interview rows: {full['interview_rows']:,} (raw COPY counted {rows:,})")
    print(f"validated ingest: {validated:,.0f} rows/s ({full['interview_seconds']:.1f}s)")
    print(f"raw COPY:         {baseline:,.0f} rows/s ({seconds:.1f}s)")
    print(f"ratio validated/raw: {validated / baseline:.0%} (target >= 50%)")
    rest = rests["full"]
    print(
        f"schools, rosters, destinations: {rest['all_rows']:,} rows in {rest['all_seconds']:.1f}s"
    )
    for name, run in runs.items():
        print(
            f"peak RSS loading interviews ({name}, {run['interview_rows']:,} rows): "
            f"{run['peak_rss_mb']:.0f} MB; the rest of the landing: "
            f"{rests[name]['peak_rss_mb']:.0f} MB"
        )
    ratio = full["peak_rss_mb"] / runs["quarter"]["peak_rss_mb"]
    print(f"peak RSS ratio full/quarter, interviews: {ratio:.2f} (target <= 1.2)")
    ratio = rest["peak_rss_mb"] / rests["quarter"]["peak_rss_mb"]
    print(f"peak RSS ratio full/quarter, the rest (4x the files): {ratio:.2f}")


if __name__ == "__main__":
    main()
