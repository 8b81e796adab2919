"""Disclosure across releases at the demo's size: the gate's audit, and what stays readable.

    .venv/bin/python benchmarks/disclosure_benchmark.py [--schools 28 --students 30]

Generates the demo's cohort (28 schools of 30, seven cycles, seed 2024), publishes it the way a
programme does, one release per cycle (cycle 1, then 1-2, ... then 1-7 with the destinations),
then one more release with a corrected interview row, and prints for each release the gate's
disclosure audit (the candidates attacked together with every earlier release: seconds,
withheld small counts bounded, cells withheld beyond the rules), and at the end the share of
the local authorities' headline percentages shown at cycle 7, exactly or as a band, and every
view's shown share by area level. Nothing is timed in the tests; this prints figures.
"""

from __future__ import annotations

import argparse
import math
import os
import re
import shutil
import sys
import tempfile
import time
import uuid
from pathlib import Path

import psycopg

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from pathways import pipeline, warehouse  # noqa: E402
from pathways.publish import releases, shown_share  # noqa: E402
from pathways.publish.disclosure_reads import read_public_rates  # noqa: E402
from pathways.publish.disclosure_releases import latest_ranges  # noqa: E402
from pathways.synthetic import generate  # noqa: E402

SERVER = os.environ.get("PATHWAYS_BENCH_SERVER_URL", "postgresql://postgres@127.0.0.1:5432")
UNSURE = "Unsure / no plan yet"


def headline_share_at(url: str, cycle: int) -> tuple[int, int, int]:
    """Local authorities' headline percentages at one cycle: figures, shown exactly, as a band."""
    with psycopg.connect(url) as conn:
        return conn.execute(
            """
            select 3 * count(*),
                count(pct_no_vision) + count(pct_with_post16_plan) + count(pct_predicted_eet),
                count(pct_no_vision_band) + count(pct_with_post16_plan_band)
                + count(pct_predicted_eet_band)
            from partner.cycle_summary where area_level = 'local_authority' and cycle = %s
            """,
            (cycle,),
        ).fetchone()


def correct_one_row(landing: Path, cycle: int) -> None:
    path = sorted((landing / "cohort=2024" / f"cycle={cycle}").glob("interviews_*.csv"))[0]
    lines = path.read_text(encoding="utf-8-sig").splitlines(keepends=True)
    lines[1] = (
        lines[1].replace(UNSURE, "Apprenticeship")
        if UNSURE in lines[1]
        else re.sub(
            r",(Apprenticeship|Further education college|School or academy sixth form),",
            f",{UNSURE},",
            lines[1],
            count=1,
        )
    )
    path.write_text("".join(lines), encoding="utf-8")


def print_ranges(url: str, threshold: int = 5) -> None:
    """What an attacker holding every release can still learn of a sample of the latest
    release's withheld small counts: how many whole values remain possible for each."""
    with psycopg.connect(url) as conn:
        kept = releases.earlier(conn, [2024])
        rates = read_public_rates(conn)
    found = latest_ranges(kept, threshold, share=0.1, rates=rates)
    widths = sorted(math.floor(item.high + 1e-6) - math.ceil(item.low - 1e-6) + 1 for item in found)
    if not widths:
        print("no withheld small counts sampled")
        return

    def at(share: float) -> int:
        return widths[min(len(widths) - 1, int(share * len(widths)))]

    print(
        f"what a reader of every release can still learn of {len(widths)} withheld counts from"
        f" 1 to {threshold - 1} (a 10 % sample of the last release): possible whole values"
        f" per count: min {widths[0]}, 10th percentile {at(0.1)}, median {at(0.5)},"
        f" max {widths[-1]}; {sum(w <= 2 for w in widths)} with only two"
    )


def release(landing: Path, url: str, label: str) -> None:
    started = time.perf_counter()
    result = pipeline.run(landing, url=url, deliver=False)
    seconds = time.perf_counter() - started
    audit = next((n for n in result.verification.notes if n.startswith("disclosure audit")), "")
    print(f"{label}: run {seconds:.1f} s; {audit}", flush=True)
    if not result.ok:
        print(result.report())
        raise SystemExit(1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--schools", type=int, default=28)
    parser.add_argument("--students", type=int, default=30)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="pathways-disclosure-bench-"))
    url = f"{SERVER}/pathways_bench_{uuid.uuid4().hex[:8]}"
    os.environ.setdefault("PATHWAYS_PSEUDONYM_KEY", "benchmark-key-" + "0" * 40)
    try:
        full, landing = work / "full", work / "landing" / "cohort=2024"
        generate(full, schools=args.schools, students=args.students, cycles=7, seed=2024)
        landing.mkdir(parents=True)
        shutil.copy2(full / "cohort=2024" / "schools.csv", landing / "schools.csv")
        warehouse.ensure_database(url)
        for cycle in range(1, 8):
            shutil.copytree(full / "cohort=2024" / f"cycle={cycle}", landing / f"cycle={cycle}")
            if cycle == 7:
                shutil.copytree(full / "cohort=2024" / "destinations", landing / "destinations")
            release(landing.parent, url, f"release {cycle} (cycles 1-{cycle})")
        correct_one_row(landing.parent, 4)
        release(landing.parent, url, "release 8 (a corrected row in cycle 4)")
        figures, exact, banded = headline_share_at(url, 7)
        print(
            f"local authorities' headline percentages at cycle 7: {exact + banded} of {figures}"
            f" shown ({exact} exactly, {banded} as a band)"
        )
        print_ranges(url)
        with psycopg.connect(url) as conn:
            shown = shown_share.measure(conn, [f"publication_{v}" for v in shown_share.VIEWS])
        for view in shown_share.VIEWS:
            print(f"  partner.{view}: {shown.of(view)}")
        print(*shown.report(), sep="\n")
    finally:
        warehouse.drop_database(url)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
