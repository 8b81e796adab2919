"""dbt at scale: full-refresh build vs an incremental build of one new cycle, and partner queries.

    .venv/bin/python benchmarks/warehouse_benchmark.py [--schools 1000 --students 150]

Generates a cohort (~1 M interviews at the defaults), loads cycles 1-6 and builds the warehouse,
then lands cycle 7 and times `dbt run` incrementally, then the same with --full-refresh, and
prints the ratio. The incremental facts' own times are printed too (the marts above them are
rebuilt whole each run). The gate runs as in a cycle load: cycles 1-6 are verified and published,
and the gate after cycle 7 (every Soda contract on what changed since, then the swap of the
candidates into `published`) is timed against the full build; then one LA's partner rows read by
20 concurrent partner logins, and a full read of each partner view.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import psycopg

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from pathways.quality import checks  # noqa: E402

from pathways import pipeline, warehouse  # noqa: E402
from pathways.publish import access, publish  # noqa: E402
from pathways.synthetic import generate  # noqa: E402
from pathways.transform import dbt  # noqa: E402

SERVER = os.environ.get("PATHWAYS_BENCH_SERVER_URL", "postgresql://postgres@127.0.0.1:5432")
FACTS = ("fct_interview", "fct_knowledge_score", "fct_intervention_attendance")
PARTNER_VIEWS = ("cycle_summary", "knowledge_by_area", "sector_interest", "post16_plans",
                 "knowledge_improvement")  # fmt: skip


def timed_run(url: str, target: Path, *args: str) -> tuple[float, dict[str, float]]:
    """dbt run as a cycle load runs it: as the loader, which owns what dbt builds (built as the
    server's superuser, the loader's next access step could not read the career leads'
    detail, and the benchmark stopped there)."""
    started = time.perf_counter()
    dbt.run_dbt(access.loader_url(url), "run", *args, target_path=target)
    seconds = time.perf_counter() - started
    return seconds, node_seconds(target)


def node_seconds(target: Path) -> dict[str, float]:
    """Each model's (and test's) seconds in the last dbt command, by name: a test's unique id
    ends in a hash, so its name is the id's third part, as a model's is."""
    results = json.loads((target / "run_results.json").read_text())["results"]
    return {r["unique_id"].split(".")[2]: r["execution_time"] for r in results}


def partner_reads(url: str, readers: int = 20, per_reader: int = 30) -> list[float]:
    """Milliseconds of each read of one local authority's rows (across cycles) from a partner
    view, by `readers` concurrent sessions of four partner logins (five connections each)."""
    access.apply(url)
    logins = [access.create_partner_login(url, f"benchmark reader {n}", connections=5)
              for n in range(4)]  # fmt: skip
    with psycopg.connect(url) as conn:
        authorities = [code for (code,) in conn.execute(
            "select distinct area_code from partner.cycle_summary "
            "where area_level = 'local_authority'")]  # fmt: skip
    timings: list[float] = []
    start = threading.Barrier(readers)

    def read(reader: int) -> None:
        login, password = logins[reader % len(logins)]
        rng = random.Random(reader)
        with psycopg.connect(access.role_url(url, login, password)) as conn:
            start.wait()
            for _ in range(per_reader):
                view, authority = rng.choice(PARTNER_VIEWS), rng.choice(authorities)
                began = time.perf_counter()
                conn.execute(
                    f"select * from partner.{view} "
                    "where area_level = 'local_authority' and area_code = %s",
                    (authority,),
                ).fetchall()
                timings.append((time.perf_counter() - began) * 1000)

    threads = [threading.Thread(target=read, args=(n,)) for n in range(readers)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        with psycopg.connect(url, autocommit=True) as conn:  # roles are the server's
            for login, _ in logins:
                conn.execute(f'drop owned by "{login}"')
                conn.execute(f'drop role "{login}"')
    return timings


def gated(url: str):
    """The gate's two steps as a cycle load runs them (the disclosure audit aside): verify what
    changed since the last published verification, keep the outcome, publish. Returns the
    verification, its seconds, the publication and its seconds."""
    url = access.loader_url(url)  # as a cycle load's gate runs
    started = time.perf_counter()
    verification = checks.verify(url)
    verified = time.perf_counter() - started
    checks.record(url, verification)
    started = time.perf_counter()
    published = publish.publish(url)
    swapped = time.perf_counter() - started
    checks.record_decision(url, verification.verification_id, published=True)
    return verification, verified, published, swapped


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--schools", type=int, default=1000)
    parser.add_argument("--students", type=int, default=150)
    parser.add_argument("--source", type=Path, help="a generated landing to use as it is")
    args = parser.parse_args()
    os.environ.setdefault("PATHWAYS_PSEUDONYM_KEY", "benchmark-pseudonym-key-0123456789abcdef")
    url = f"{SERVER}/pathways_bench_{uuid.uuid4().hex[:8]}"
    warehouse.ensure_database(url)
    try:
        with tempfile.TemporaryDirectory() as scratch:
            source, landing = Path(scratch) / "all", Path(scratch) / "landing"
            target = Path(scratch) / "target"
            if args.source:
                source = args.source
            else:
                generate(source, schools=args.schools, students=args.students, advisers=1)
            shutil.copytree(source, landing, ignore=shutil.ignore_patterns("cycle=7"))
            pipeline.ingest(landing, url)
            dbt.run_dbt(access.loader_url(url), "seed", target_path=target)
            six_cycles, _ = timed_run(url, target)
            gated(url)  # cycles 1-6 verified and published: the next gate checks what changed
            shutil.copytree(source / "cohort=2024/cycle=7", landing / "cohort=2024/cycle=7")
            pipeline.ingest(landing, url)
            incremental, incremental_models = timed_run(url, target)
            verification, verified, published, swapped = gated(url)
            full, full_models = timed_run(url, target, "--full-refresh")
            whole, whole_verified, _, whole_swapped = gated(url)
        reads = partner_reads(url)
        with psycopg.connect(url) as conn:
            interviews = conn.execute("select count(*) from marts.fct_interview").fetchone()[0]
            print(f"interviews in fct_interview: {interviews:,}")
            print(f"first build (cycles 1-6):           {six_cycles:.1f}s")
            print(f"incremental build of cycle 7:       {incremental:.1f}s")
            print(f"full-refresh build of cycles 1-7:   {full:.1f}s")
            print(f"ratio incremental/full-refresh:     {incremental / full:.2f}")
            fact_incremental = sum(incremental_models[f] for f in FACTS)
            fact_full = sum(full_models[f] for f in FACTS)
            ratio = fact_incremental / fact_full
            print(f"facts only: incremental {fact_incremental:.1f}s vs full {fact_full:.1f}s")
            print(f"facts ratio incremental/full: {ratio:.2f} (cycle 7 is 1/7 of the data)")
            print("slowest models, incremental vs full-refresh (s):")
            for model in sorted(incremental_models, key=incremental_models.get)[-12:][::-1]:
                print(f"  {model:45s} {incremental_models[model]:6.1f} "
                      f"{full_models.get(model, 0):6.1f}")  # fmt: skip
            print(f"quality gate after cycle 7: {len(verification.outcomes)} checks in "
                  f"{verified:.1f}s ({len(verification.blocking)} failed), publish "
                  f"{sum(published.rows.values()):,} rows in {swapped:.1f}s")  # fmt: skip
            print(f"ratio gate/full-refresh build:      {(verified + swapped) / full:.2f}")
            print("  slowest contracts (s): " + ", ".join(
                f"{name} {seconds:.1f}" for name, seconds in
                sorted(verification.seconds.items(), key=lambda item: -item[1])[:5]))  # fmt: skip
            print(f"the gate after a full refresh (every row rebuilt, so all verified): "
                  f"{whole_verified + whole_swapped:.1f}s, "
                  f"{len(whole.blocking)} failed")  # fmt: skip
            p95 = statistics.quantiles(reads, n=20)[-1]
            print(f"one LA's rows from a partner view, 20 concurrent partner readers: "
                  f"{len(reads)} reads, median {statistics.median(reads):.0f} ms, "
                  f"p95 {p95:.0f} ms (target < 200 ms)")  # fmt: skip
            for view in PARTNER_VIEWS:
                started = time.perf_counter()
                rows = len(conn.execute(f"select * from partner.{view}").fetchall())
                took = (time.perf_counter() - started) * 1000
                print(f"select * from partner.{view}: {rows:,} rows in {took:.0f} ms")
    finally:
        warehouse.drop_database(url)


if __name__ == "__main__":
    main()
