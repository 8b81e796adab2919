"""The cycle load on Airflow's CeleryExecutor (issue 32): a scheduler, a DAG processor, an API
server and two Celery workers (Redis broker, PostgreSQL result backend), each worker in its own
empty folder with only the installed wheel, the landing and the outbox given as URLs outside
every working folder. The run's tasks land on both workers, its partner figures equal
`pathways run`'s, and no process outlives the test."""

from __future__ import annotations

import shutil
import time
import uuid

import psycopg
import pytest
from celery_cluster import SERVER_URL, Cluster, celery_environment, load_a_cycle
from conftest import TEST_KEY, scratch_warehouse
from installed import partner_figures
from test_services import free_port

from pathways import warehouse
from pathways.publish import access


@pytest.fixture
def metadata():
    """Airflow's own database (a scheduler and Celery need more than SQLite), dropped after."""
    name = f"pathways_test_airflow_{uuid.uuid4().hex[:10]}"
    warehouse.ensure_database(f"{SERVER_URL}/{name}")
    yield name
    warehouse.drop_database(f"{SERVER_URL}/{name}")


def test_a_cycle_load_on_two_celery_workers_matches_pathways_run(
    installed, checkout_run, tmp_path, metadata
):
    began = time.monotonic()

    def lap(what: str) -> None:  # where the test's time goes, shown with pytest -s
        print(f"celery test: {what} at {time.monotonic() - began:.0f} s")

    folders = {name: tmp_path / name for name in ("shared", "main", "worker-1", "worker-2")}
    for folder in folders.values():
        folder.mkdir()
    shutil.copytree(checkout_run["landing"], folders["shared"] / "landing")
    workers = {name: folders[name] for name in ("worker-1", "worker-2")}
    port, queue = free_port(), f"pathways-test-{uuid.uuid4().hex[:8]}"
    with scratch_warehouse() as url:
        env = celery_environment(installed, url, TEST_KEY.decode(), folders["shared"], metadata,
                                 port, queue)  # fmt: skip
        cluster = Cluster(env, installed["bin"] / "python")
        try:
            run = load_a_cycle(cluster, folders["main"], workers, env["PATHWAYS_LANDING"],
                               metadata, port, lap)  # fmt: skip
            print(f"celery test: {run.dbt_tasks} dbt tasks, {run.dbt_span:.0f} s from first "
                  f"start to last end, {run.dbt_busy:.0f} s in tasks")  # fmt: skip
            failed = {task: state for task, state in run.tasks.items() if state != "success"}
            assert run.state == "success", failed
        finally:
            cluster.stop()
        assert not cluster.leftovers(), "an Airflow or Celery process outlived the test"
        lap("stopped")

        # Both workers ran tasks: each writes the logs of what it ran under its own folder.
        ran = {name: sorted(path.parent.name for path in (folder / "logs").rglob("attempt=*.log"))
               for name, folder in workers.items()}  # fmt: skip
        assert all(ran.values()), ran
        assert sum(map(len, ran.values())) >= len(run.tasks) - 1  # the failure watcher skipped
        # The delivery task group: a pack per school, and with one cycle (no knowledge
        # improvement yet) four open-data files.
        outbox = folders["shared"] / "outbox"
        packs = sorted((outbox / "career_lead_packs/cohort=2024/cycle=1").glob("*.xlsx"))
        assert len(packs) == 3, packs
        assert len(list((outbox / "ees").glob("pathways_*.meta.csv"))) == 4
        assert partner_figures(url) == checkout_run["figures"]
        # The rebuilt career-lead table got its row-level security and view back.
        school = packs[0].name.split("_")[0]
        with psycopg.connect(access.role_url(url, f"career_lead_{school}")) as conn:
            seen = conn.execute("select distinct school_urn from career_lead.my_students")
            assert seen.fetchall() == [(school,)]
