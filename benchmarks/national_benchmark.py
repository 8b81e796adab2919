"""Every student in England: the national tier in resumable stages, then one more cycle.

    make benchmark-national
    .venv/bin/python benchmarks/national_benchmark.py [--students-per-cohort 620000]
        [--state .state/national] [--database pathways_national] [--fresh]

Two overlapping cohorts of about 620,000 students each (150 a school): cohort 2023 with all
seven cycles and cohort 2024 with six are generated shard by shard (one shard of schools in
memory at a time), loaded and built, verified and published, then published again as a
second release (as after earlier cycle loads). Then cohort 2024's cycle 7 (about
620 k interviews at once) lands and goes through the cycle load's own steps, each timed:
validated ingest in a child process (its peak RSS) against a raw COPY of the same files, the
incremental dbt build, the career leads' detail, the gate (the disclosure audit, every Soda
contract on what changed) and publication; one local authority's partner rows are then read by
20 concurrent partner logins straight away (cold). Then a run with nothing new, a full refresh
(the disk it takes beyond the database, sampled each second) for the ratios, the reads again
(warm), and the database's size. Every figure is printed with its target, as one table.

Each stage leaves a marker and its figures in the state folder, and the warehouse database is
kept: run it again after a stop and it resumes at the stage it was in. Not in CI: it takes
hours and tens of GB (the free-disk check comes first). A smaller tier (--students-per-cohort
60000) runs the same stages in about 14 minutes on a quiet 2-core machine.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import threading
import time
from pathlib import Path

import psycopg

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

from ingest_benchmark import KEY, _child, raw_copy  # noqa: E402
from pathways.quality import checks  # noqa: E402
from warehouse_benchmark import (  # noqa: E402
    SERVER,
    gated,
    node_seconds,
    partner_reads,
    timed_run,
)

from pathways import pipeline, warehouse  # noqa: E402
from pathways.publish import career_lead_detail  # noqa: E402
from pathways.synthetic import generate  # noqa: E402
from pathways.synthetic.generate import SCHOOLS_HEADER  # noqa: E402
from pathways.transform import dbt  # noqa: E402

COHORTS = (2023, 2024)  # Year 11 and Year 10: 2024's cycle 7 is the cycle that lands
STUDENTS_PER_SCHOOL = 150
SHARD_SCHOOLS = 150  # schools generated at a time; one adviser's interview file per shard
# Measured at the 1 M tier: about 5.0 kB of database per interview (raw, restricted, facts,
# marts, indexes) and 0.35 kB of landing; a full refresh rebuilds the largest table beside
# itself, hence the margin.
DATABASE_BYTES_PER_INTERVIEW = 5_000
LANDING_BYTES_PER_INTERVIEW = 350
MARGIN = 1.5


class Stages:
    """Markers and figures in the state folder: what is done survives a stop."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.file = folder / "figures.json"
        self.figures: dict = json.loads(self.file.read_text()) if self.file.exists() else {}

    def done(self, stage: str) -> bool:
        return stage in self.figures

    def finish(self, stage: str, **figures) -> None:
        self.figures[stage] = figures
        self.file.write_text(json.dumps(self.figures, indent=2))
        print(f"{stage}: {json.dumps(figures)}", flush=True)


def check_free_disk(state: Path, interviews: int) -> None:
    """Refuse to start without room for the landing and the database."""
    with psycopg.connect(f"{SERVER}/postgres") as conn:
        data_directory = Path(conn.execute("show data_directory").fetchone()[0])
    needs = {
        state: LANDING_BYTES_PER_INTERVIEW * interviews * MARGIN,
        data_directory: DATABASE_BYTES_PER_INTERVIEW * interviews * MARGIN,
    }
    by_device: dict[int, tuple[Path, float]] = {}
    for path, needed in needs.items():
        existing = next(p for p in (path, *path.parents) if p.exists())
        device = existing.stat().st_dev
        where, total = by_device.get(device, (existing, 0.0))
        by_device[device] = (where, total + needed)
    for where, needed in by_device.values():
        free = shutil.disk_usage(where).free
        print(f"free disk at {where}: {free / 1e9:.0f} GB, needed about {needed / 1e9:.0f} GB")
        if free < needed:
            raise SystemExit(f"not enough free disk at {where}: stopping before generating")


def generate_tier(state: Path, stages: Stages, students_per_cohort: int, shard_schools: int):
    """Shard by shard into state/landing (cohort 2024's cycle 7 into state/later); each
    shard's schools rows are kept apart and joined into schools.csv at the end."""
    landing, later, parts = state / "landing", state / "later", state / "schools-parts"
    parts.mkdir(parents=True, exist_ok=True)
    schools = -(-students_per_cohort // STUDENTS_PER_SCHOOL)
    shards = -(-schools // shard_schools)
    started = time.perf_counter()
    for order, cohort in enumerate(COHORTS):
        for shard in range(shards):
            part = parts / f"{cohort}-{shard:04d}.csv"
            if part.exists():
                continue
            first = (order * shards + shard) * shard_schools  # schools differ between cohorts
            count = min(shard_schools, schools - shard * shard_schools)
            scratch = state / "shard"
            shutil.rmtree(scratch, ignore_errors=True)
            generate(scratch, schools=count, students=STUDENTS_PER_SCHOOL, cohort=cohort,
                     seed=cohort * 1000 + shard, first_school=first,
                     schools_per_adviser=shard_schools)  # fmt: skip
            _merge_shard(scratch / f"cohort={cohort}", landing, later, cohort)
            rows = (scratch / f"cohort={cohort}/schools.csv").read_text().splitlines()[1:]
            part.write_text("".join(f"{row}\n" for row in rows))  # last: marks the shard done
            print(f"generated cohort {cohort} shard {shard + 1}/{shards}", flush=True)
        header = ",".join(SCHOOLS_HEADER) + "\n"
        with open(landing / f"cohort={cohort}/schools.csv", "w") as schools_file:
            schools_file.write(header)
            for part in sorted(parts.glob(f"{cohort}-*.csv")):
                schools_file.write(part.read_text())
    shutil.rmtree(state / "shard", ignore_errors=True)
    stages.finish("generate", seconds=round(time.perf_counter() - started, 1), shards=shards)


def _merge_shard(shard: Path, landing: Path, later: Path, cohort: int) -> None:
    """Rosters and interview files move into the landing; destinations are left out (they
    come months after cycle 7, and the cycle timed here is an interview cycle)."""
    for path in shard.glob("cycle=*/*"):
        held_back = cohort == COHORTS[-1] and path.parent.name == "cycle=7"
        into = (later if held_back else landing) / f"cohort={cohort}" / path.parent.name
        into.mkdir(parents=True, exist_ok=True)
        path.rename(into / path.name)


def database_size(url: str) -> str:
    with psycopg.connect(url) as conn:
        size = "select pg_size_pretty(pg_database_size(current_database()))"
        return conn.execute(size).fetchone()[0]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--students-per-cohort", type=int, default=620_000)
    parser.add_argument("--state", type=Path, default=REPO / ".state" / "national")
    parser.add_argument("--database", default="pathways_national")
    parser.add_argument("--shard-schools", type=int, default=SHARD_SCHOOLS)
    parser.add_argument("--fresh", action="store_true", help="drop the state and the database")
    args = parser.parse_args()
    args.state = args.state.resolve()  # dbt runs in dbt_project/, not here
    os.environ["PATHWAYS_PSEUDONYM_KEY"] = KEY.decode()  # the children load with the same key
    os.environ[dbt.DBT_TARGET_VARIABLE] = str(args.state / "target")  # run_results per step
    url = f"{SERVER}/{args.database}"
    if args.fresh:
        shutil.rmtree(args.state, ignore_errors=True)
        warehouse.drop_database(url)
    args.state.mkdir(parents=True, exist_ok=True)
    stages = Stages(args.state)
    interviews = args.students_per_cohort * len(COHORTS) * 7
    if not stages.done("generate"):
        check_free_disk(args.state, interviews)
        generate_tier(args.state, stages, args.students_per_cohort, args.shard_schools)
    landing, later, target = args.state / "landing", args.state / "later", args.state / "target"
    # Built, gated and published as the loader, as every run does (the superuser's tables
    # would be the loader's to replace); partners' logins are made with the url's own login.
    loader = pipeline.prepare(url)
    if not stages.done("load"):
        started = time.perf_counter()
        summary = pipeline.ingest(landing, url)  # skips what an interrupted run loaded
        interview_files = [f for f in summary.files if "interviews_" in f.relative_path]
        stages.finish("load", seconds=round(time.perf_counter() - started, 1),
                      interview_rows=sum(f.rows_read for f in interview_files),
                      rows_rejected=summary.rows_rejected)  # fmt: skip
    if not stages.done("build"):
        dbt.run_dbt(loader, "seed", target_path=target)
        seconds, _ = timed_run(loader, target, "--full-refresh")
        stages.finish("build", seconds=round(seconds, 1))
    if not stages.done("gate"):
        verification, verified, _, swapped = gated(loader)
        stages.finish("gate", seconds=round(verified + swapped, 1),
                      failed=len(verification.blocking))  # fmt: skip
    if not stages.done("second_release"):
        # The tier stands for cycle loads that each published: a release's withheld cells are
        # primary from the next build on, so a second release settles them, as a programme's
        # earlier loads did (otherwise the new cycle re-works every cohort's suppression).
        started = time.perf_counter()
        result = pipeline.run(landing, url=url, deliver=False, force=True)
        stages.finish("second_release", seconds=round(time.perf_counter() - started, 1),
                      published=result.publication is not None)  # fmt: skip
    if not stages.done("cycle"):
        run_new_cycle(url, landing, later, target, stages)
    if not stages.done("nothing_new"):
        started = time.perf_counter()
        result = pipeline.run(landing, url=url, deliver=False)
        stages.finish("nothing_new", seconds=round(time.perf_counter() - started, 1),
                      built=result.dbt_summary is not None,
                      published=result.publication is not None)  # fmt: skip
    if not stages.done("full_refresh"):
        with DiskWatch(url) as disk:  # dbt build, as the new cycle's: tests included
            seconds, _ = _timed(pipeline.build_warehouse, url, True)
        stages.finish("full_refresh", seconds=round(seconds, 1),
                      slowest=slowest(node_seconds(target)),
                      extra_disk_gb=round(disk.peak_extra / 1e9, 1),
                      database_gb=round(disk.database / 1e9, 1))  # fmt: skip
    if not stages.done("reads"):
        stages.finish("reads", **read_figures(url))
    report(stages.figures, database_size(url))


def run_new_cycle(url: str, landing: Path, later: Path, target: Path, stages: Stages) -> None:
    """Cohort 2024's cycle 7 lands and goes through a cycle load's steps (pipeline.py), each
    timed: ingest (a child, for its peak RSS), dbt build, the career leads' detail, the gate
    with the disclosure audit, publication; then partners read straight away."""
    rows, raw_seconds = raw_copy(later)
    cycle = f"cohort={COHORTS[-1]}/cycle=7"
    shutil.copytree(later / cycle, landing / cycle, dirs_exist_ok=True)
    started = time.perf_counter()
    ingested = _child(landing, url)
    seconds = {"ingest": time.perf_counter() - started}
    with pipeline.leased(url) as (loader, holder):
        seconds["dbt"], _ = _timed(pipeline.build_warehouse, loader)
        slowest_nodes = slowest(node_seconds(target))
        seconds["detail"], _ = _timed(career_lead_detail.deliver, loader)
        seconds["audit"], (note, audit) = _timed(pipeline.protect_disclosure, loader)
        seconds["contracts"], verification = _timed(checks.verify, loader)
        checks.record(loader, verification)
        seconds["publish"], published = _timed(
            pipeline.publish_candidates, loader, verification.verification_id, holder
        )
    stages.finish(
        "cycle",
        interviews=ingested["interview_rows"],
        validated_rows_per_second=round(ingested["interview_rows"] / ingested["interview_seconds"]),
        raw_copy_rows_per_second=round(rows / raw_seconds),
        peak_rss_mb=round(ingested["peak_rss_mb"]),
        **{f"{step}_seconds": round(taken, 1) for step, taken in seconds.items()},
        gate_failed=len(verification.blocking) + (audit.outcome != "passed"),
        audit=note,
        slowest_models=slowest_nodes,
        slowest_contracts=slowest(verification.seconds, 5),
        published_rows=sum(published.rows.values()),
    )
    stages.finish("cold_reads", **read_figures(url))


def _timed(step, *args):
    started = time.perf_counter()
    value = step(*args)
    return time.perf_counter() - started, value


def read_figures(url: str) -> dict:
    reads = partner_reads(url)
    return {"count": len(reads), "median_ms": round(statistics.median(reads), 1),
            "p95_ms": round(statistics.quantiles(reads, n=20)[-1], 1)}  # fmt: skip


class DiskWatch:
    """The most disk a step takes beyond what was in use when it began, sampled each second on
    the database's device; and the database's size at the start (the target's yardstick)."""

    def __init__(self, url: str):
        with psycopg.connect(url) as conn:
            self.where = Path(conn.execute("show data_directory").fetchone()[0])
            size = "select pg_database_size(current_database())"
            self.database = conn.execute(size).fetchone()[0]
        self.peak_extra = 0
        self._stop = threading.Event()

    def __enter__(self) -> DiskWatch:
        baseline = shutil.disk_usage(self.where).used

        def sample() -> None:
            while not self._stop.wait(1):
                used = shutil.disk_usage(self.where).used
                self.peak_extra = max(self.peak_extra, used - baseline)

        self._thread = threading.Thread(target=sample, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


def slowest(seconds: dict[str, float], count: int = 8) -> dict[str, float]:
    """The count slowest of name -> seconds, slowest first, rounded."""
    names = sorted(seconds, key=seconds.get, reverse=True)[:count]
    return {name: round(seconds[name], 1) for name in names}


def report(figures: dict, size: str) -> None:
    """The issue's table: each figure, its target, and whether it was met."""
    cycle, full = figures["cycle"], figures["full_refresh"]
    steps = ("ingest", "dbt", "detail", "audit", "contracts", "publish")
    end_to_end = sum(cycle[f"{step}_seconds"] for step in steps)
    gate = cycle["audit_seconds"] + cycle["contracts_seconds"] + cycle["publish_seconds"]
    ingest_ratio = cycle["validated_rows_per_second"] / cycle["raw_copy_rows_per_second"]
    cold, warm = figures["cold_reads"], figures["reads"]
    interviews = figures["load"]["interview_rows"] + cycle["interviews"]
    rows = [
        ("validated ingest / raw COPY of the same files",
         f"{ingest_ratio:.0%} ({cycle['validated_rows_per_second']:,} vs "
         f"{cycle['raw_copy_rows_per_second']:,} rows/s)", ">= 50 %", ingest_ratio >= 0.5),
        ("incremental build of a new cycle / full build",
         f"{cycle['dbt_seconds'] / full['seconds']:.2f} ({cycle['dbt_seconds']:.0f} / "
         f"{full['seconds']:.0f} s)", "<= 0.25", cycle["dbt_seconds"] <= 0.25 * full["seconds"]),
        ("gate on what changed / full build",
         f"{gate / full['seconds']:.2f} ({gate:.0f} s, the audit {cycle['audit_seconds']:.0f} s)",
         "<= 0.15", gate <= 0.15 * full["seconds"]),
        ("one new cycle end to end, audit included", f"{end_to_end / 60:.1f} min",
         "< 10 min", end_to_end < 600),
        ("full refresh: disk beyond the database / its size",
         f"{full['extra_disk_gb']} / {full['database_gb']} GB", "<= 1x",
         full["extra_disk_gb"] <= full["database_gb"]),
        ("one LA's partner rows, 20 readers, p95",
         f"{cold['p95_ms']} ms cold, {warm['p95_ms']} ms warm", "< 200 ms cold",
         cold["p95_ms"] < 200),
        ("a run with nothing new", f"{figures['nothing_new']['seconds']:.0f} s "
         f"(built: {figures['nothing_new']['built']}, published: "
         f"{figures['nothing_new']['published']})", "< 1 min, nothing built",
         figures["nothing_new"]["seconds"] < 60 and not figures["nothing_new"]["built"]),
    ]  # fmt: skip
    print(f"\ntier: two cohorts, {interviews:,} interviews; database {size}")
    print("| figure | measured | target | met |\n|---|---|---|---|")
    for figure, measured, target, met in rows:
        print(f"| {figure} | {measured} | {target} | {'yes' if met else 'NO'} |")
    print("\none new cycle, step by step (s): "
          + ", ".join(f"{step} {cycle[f'{step}_seconds']}" for step in steps))  # fmt: skip
    print(f"ingestion peak RSS for {cycle['interviews']:,} interviews: {cycle['peak_rss_mb']} MB")
    print(f"disclosure audit: {cycle['audit']}")
    print(f"slowest contracts in its gate: {cycle['slowest_contracts']}")
    print(f"slowest models in the new cycle's build: {cycle['slowest_models']}")
    print(f"slowest models in the full refresh: {full['slowest']}")


if __name__ == "__main__":
    main()
