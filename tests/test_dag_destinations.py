"""The cycle load DAG given only destinations: its own module, so that a parallel test run
can run it beside the other DAG runs (each is minutes of dbt tasks)."""

from __future__ import annotations

import shutil

import psycopg
from airflow_runs import dags_test

from pathways import pipeline
from pathways.serve.airflow_local import airflow_environment
from pathways.synthetic import generate


def test_a_destinations_load_goes_through_the_dag(airflow_home, tmp_path, pipeline_env, key):
    """Destinations arrive months after cycle 7: cycles 1-7 were loaded with `pathways run`,
    then the DAG with `destinations: true` loads only the destinations files and publishes."""
    landing, later = tmp_path / "landing", tmp_path / "later"
    generate(landing, schools=3, students=12, cycles=7)
    delivered = len(list((landing / "cohort=2024/destinations").glob("destinations_*")))
    shutil.move(landing / "cohort=2024/destinations", later)
    database_url = pipeline_env["WAREHOUSE_URL"]
    assert pipeline.run(landing, url=database_url, deliver=False).ok
    shutil.move(later, landing / "cohort=2024/destinations")
    env = airflow_environment(database_url, airflow_home)
    env["PATHWAYS_PSEUDONYM_KEY"] = key.decode()
    env["PATHWAYS_OUTBOX"] = str(tmp_path / "outbox")

    loaded = dags_test(env, landing, destinations=True)
    assert loaded.returncode == 0, loaded.stdout[-3000:] + loaded.stderr[-3000:]
    with psycopg.connect(database_url) as conn:
        kinds = conn.execute(
            "select extract_kind, count(*) from raw.file_load where loaded_at > ("
            "  select max(loaded_at) from raw.file_load where extract_kind = 'interviews')"
            " group by extract_kind order by 1"
        ).fetchall()
        region = conn.execute(
            "select students_tracked, pct_eet is not null from partner.destinations"
            " where area_level = 'region'"
        ).fetchone()
    assert kinds == [("comparison", 1), ("destinations", delivered), ("survey", 1)]  # only these
    assert region == (36, True)
