"""The cycle load's dbt task group on one Celery worker and on two, in the same run (issue 32).

    .venv/bin/python benchmarks/celery_benchmark.py [--schools 3]

The wheel is installed into a fresh virtualenv as the tests do (tests/installed.py). For one
worker, then two (concurrency 1 each, each in its own empty folder): a new warehouse and Airflow
database, the cluster of tests/celery_cluster.py started, one cycle load of the same landing, the
cluster stopped. Printed per worker count: the run, the dbt group's span (first start to last
end) and the time spent inside its tasks; then two workers' span against one's. Needs Redis on
127.0.0.1:6379 (scripts/redis.sh).
"""

from __future__ import annotations

import argparse
import secrets
import shutil
import sys
import tempfile
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

from celery_cluster import SERVER_URL, Cluster, celery_environment, load_a_cycle  # noqa: E402
from installed import install_in  # noqa: E402
from test_services import free_port  # noqa: E402

from pathways import migrate, warehouse  # noqa: E402
from pathways.synthetic import generate  # noqa: E402


def one_load(installed: dict, root: Path, workers: int) -> dict:
    folders = {name: root / name for name in ["main", *(f"worker-{n}" for n in range(workers))]}
    for folder in folders.values():
        folder.mkdir()
    url = f"{SERVER_URL}/pathways_bench_celery_{uuid.uuid4().hex[:8]}"
    metadata = f"pathways_bench_airflow_{uuid.uuid4().hex[:8]}"
    warehouse.ensure_database(url)
    migrate.upgrade(url)
    warehouse.ensure_database(f"{SERVER_URL}/{metadata}")
    port, queue = free_port(), f"pathways-bench-{uuid.uuid4().hex[:8]}"
    env = celery_environment(installed, url, secrets.token_hex(32), root.parent / "shared",
                             metadata, port, queue)  # fmt: skip
    cluster = Cluster(env, installed["bin"] / "python")
    started = time.monotonic()
    try:
        names = [name for name in folders if name != "main"]
        run = load_a_cycle(cluster, folders["main"], {name: folders[name] for name in names},
                           env["PATHWAYS_LANDING"], metadata, port)  # fmt: skip
        seconds = time.monotonic() - started
    finally:
        cluster.stop()
        warehouse.drop_database(url)
        warehouse.drop_database(f"{SERVER_URL}/{metadata}")
    if run.state != "success":
        raise SystemExit(f"{workers} worker(s): the cycle load ended {run.state}")
    return {"seconds": seconds, "span": run.dbt_span, "busy": run.dbt_busy, "tasks": run.dbt_tasks}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--schools", type=int, default=3)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="pathways-celery-bench-"))
    try:
        generate(root / "shared" / "landing", schools=args.schools, cycles=1)
        (root / "build").mkdir()
        installed = install_in(root / "build")
        results = {}
        for workers in (1, 2):
            (root / f"{workers}-workers").mkdir()
            results[workers] = one_load(installed, root / f"{workers}-workers", workers)
            shutil.rmtree(root / "shared" / "outbox", ignore_errors=True)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    print(f"cycle load of {args.schools} schools on Celery (concurrency 1 per worker)")
    for workers, figures in results.items():
        print(f"  {workers} worker(s): run {figures['seconds']:.0f} s (start to end); "
              f"{figures['tasks']} dbt tasks in {figures['span']:.0f} s, "
              f"{figures['busy']:.0f} s inside them")  # fmt: skip
    print(f"  dbt group, two workers / one: {results[2]['span'] / results[1]['span']:.2f}")


if __name__ == "__main__":
    main()
