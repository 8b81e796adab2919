"""Every student in England: the national tier in resumable stages, then one more cycle.

    make benchmark-national
    .venv/bin/python benchmarks/national_benchmark.py [--students-per-cohort 620000]
        [--state .state/national] [--database pathways_national] [--fresh]

Two overlapping cohorts of about 620,000 students each (150 a school): cohort 2023 with all
seven cycles and cohort 2024 with six are generated shard by shard (one shard of schools in
memory at a time), loaded and built, verified and published. Then cohort 2024's cycle 7 (about
620 k interviews at once) lands and is timed end to end: validated ingest in a child process
(its peak RSS) against a raw COPY of the same files, the incremental dbt build, the quality gate
and publication. Then a full refresh for the ratios, one local authority's partner rows read by
20 concurrent partner logins, and the database's size. Every figure is printed with its target.

Each stage leaves a marker and its figures in the state folder, and the warehouse database is
kept: run it again after a stop and it resumes at the stage it was in. Not in CI: it takes
hours and tens of GB (the free-disk check comes first).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import time
from pathlib import Path

import psycopg

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

from ingest_benchmark import KEY, _child, raw_copy  # noqa: E402
from warehouse_benchmark import SERVER, gated, partner_reads, timed_run  # noqa: E402

from pathways import pipeline, warehouse  # noqa: E402
from pathways.synthetic import generate  # noqa: E402
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
        header = "urn,school_name,la_code\n"
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
    os.environ["PATHWAYS_PSEUDONYM_KEY"] = KEY.decode()  # the children load with the same key
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
    warehouse.ensure_database(url)
    if not stages.done("load"):
        started = time.perf_counter()
        summary = pipeline.ingest(landing, url)  # skips what an interrupted run loaded
        interview_files = [f for f in summary.files if "interviews_" in f.relative_path]
        stages.finish("load", seconds=round(time.perf_counter() - started, 1),
                      interview_rows=sum(f.rows_read for f in interview_files),
                      rows_rejected=summary.rows_rejected)  # fmt: skip
    if not stages.done("build"):
        dbt.run_dbt(url, "seed", target_path=target)
        seconds, _ = timed_run(url, target, "--full-refresh")
        stages.finish("build", seconds=round(seconds, 1))
    if not stages.done("gate"):
        verification, verified, _, swapped = gated(url)
        stages.finish("gate", seconds=round(verified + swapped, 1),
                      failed=len(verification.blocking))  # fmt: skip
    if not stages.done("cycle"):
        run_new_cycle(url, landing, later, target, stages)
    if not stages.done("full_refresh"):
        seconds, models = timed_run(url, target, "--full-refresh")
        stages.finish("full_refresh", seconds=round(seconds, 1), slowest=slowest(models))
    if not stages.done("reads"):
        reads = partner_reads(url)
        stages.finish("reads", count=len(reads), median_ms=round(statistics.median(reads), 1),
                      p95_ms=round(statistics.quantiles(reads, n=20)[-1], 1))  # fmt: skip
    report(stages.figures, database_size(url))


def run_new_cycle(url: str, landing: Path, later: Path, target: Path, stages: Stages) -> None:
    """Cohort 2024's cycle 7 lands: ingest (a child, for its peak RSS), dbt, gate, publish."""
    rows, raw_seconds = raw_copy(later)
    cycle = f"cohort={COHORTS[-1]}/cycle=7"
    shutil.copytree(later / cycle, landing / cycle, dirs_exist_ok=True)
    started = time.perf_counter()
    ingested = _child(landing, url)
    ingest_seconds = time.perf_counter() - started
    dbt_seconds, models = timed_run(url, target)
    verification, verified, published, swapped = gated(url)
    stages.finish(
        "cycle",
        interviews=ingested["interview_rows"],
        validated_rows_per_second=round(ingested["interview_rows"] / ingested["interview_seconds"]),
        raw_copy_rows_per_second=round(rows / raw_seconds),
        ingest_seconds=round(ingest_seconds, 1),
        peak_rss_mb=round(ingested["peak_rss_mb"]),
        dbt_seconds=round(dbt_seconds, 1),
        slowest_models=slowest(models),
        gate_seconds=round(verified + swapped, 1),
        gate_failed=len(verification.blocking),
        slowest_contracts=slowest(verification.seconds, 5),
        published_rows=sum(published.rows.values()),
    )


def slowest(seconds: dict[str, float], count: int = 8) -> dict[str, float]:
    """The count slowest of name -> seconds, slowest first, rounded."""
    names = sorted(seconds, key=seconds.get, reverse=True)[:count]
    return {name: round(seconds[name], 1) for name in names}


def report(figures: dict, size: str) -> None:
    cycle, full = figures["cycle"], figures["full_refresh"]["seconds"]
    end_to_end = cycle["ingest_seconds"] + cycle["dbt_seconds"] + cycle["gate_seconds"]
    ingest_ratio = cycle["validated_rows_per_second"] / cycle["raw_copy_rows_per_second"]
    reads = figures["reads"]
    print("\nnational tier: two cohorts, "
          f"{figures['load']['interview_rows'] + cycle['interviews']:,} interviews")  # fmt: skip
    print(f"validated ingest vs raw COPY (the new cycle's files): "
          f"{cycle['validated_rows_per_second']:,} vs {cycle['raw_copy_rows_per_second']:,} "
          f"rows/s = {ingest_ratio:.0%} (target >= 50 %)")  # fmt: skip
    print(f"ingestion peak RSS for {cycle['interviews']:,} interviews: {cycle['peak_rss_mb']} MB "
          "(flatness: benchmarks/ingest_benchmark.py, target <= 1.2x for 4x rows)")  # fmt: skip
    print(f"incremental build of the new cycle / full refresh: {cycle['dbt_seconds']:.0f} / "
          f"{full:.0f} s = {cycle['dbt_seconds'] / full:.2f} (target <= 0.25)")  # fmt: skip
    print(f"quality gate / full refresh: {cycle['gate_seconds']:.0f} / {full:.0f} s = "
          f"{cycle['gate_seconds'] / full:.2f} (target <= 0.15)")  # fmt: skip
    print(f"one new national cycle end to end (ingest + dbt + gate + publish): "
          f"{end_to_end / 60:.1f} min (target < 10 min)")  # fmt: skip
    print(f"one LA's partner rows, 20 concurrent readers: median {reads['median_ms']} ms, "
          f"p95 {reads['p95_ms']} ms over {reads['count']} reads (target < 200 ms)")  # fmt: skip
    print(f"database size: {size}")
    print(f"slowest models in the new cycle's build: {cycle['slowest_models']}")
    print(f"slowest contracts in its gate: {cycle['slowest_contracts']}")


if __name__ == "__main__":
    main()
