"""A warehouse made by an earlier release upgrades in one run, with partners reading throughout.

Each earlier release is taken from the repository's history (`git archive`) and run as it was
(its own code, models and access SQL; this checkout's virtual environments) on a landing its
own generator wrote; then this release's `pipeline.run` loads the same landing into it, while a
partner reads every view the old release published. The migrations (pathways/migrate.py) find
the old tables, roles and grants and bring them to this release's revision.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import psycopg
import pytest
from conftest import TEST_KEY, new_database_url

from pathways import migrate, pipeline, settings, warehouse
from pathways.publish import access
from pathways.transform import dbt

RELEASES = {
    # contract 1.0: five partner views, no area names, no lease, no destinations
    "1.0": "8ee1193",
    # contract 1.1: the last commit before 1.2's delivery order (94dd128)
    "1.1": "e50872d",
}
VIEWS_BEFORE = ["cycle_summary", "knowledge_by_area", "sector_interest", "post16_plans",
                "knowledge_improvement"]  # fmt: skip


def earlier_release(commit: str, folder: Path) -> Path:
    folder.mkdir()
    archive = subprocess.run(
        ["git", "archive", commit], cwd=settings.CHECKOUT, capture_output=True, check=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive, check=True)
    return folder


def run_release(tree: Path, url: str, *args: str) -> str:
    env = {
        **os.environ,
        "PYTHONPATH": str(tree),
        "WAREHOUSE_URL": url,
        "PATHWAYS_PSEUDONYM_KEY": TEST_KEY.decode(),
        "PATHWAYS_DBT": str(dbt.DBT_EXECUTABLE),
        "PATHWAYS_OUTBOX": str(tree / "outbox"),
    }
    env.pop(dbt.DBT_TARGET_VARIABLE, None)  # the old release's own target, in its own tree
    finished = subprocess.run(
        [sys.executable, "-m", "pathways.cli", *args],
        cwd=tree, env=env, capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    assert finished.returncode == 0, finished.stdout[-3000:] + finished.stderr[-3000:]
    return finished.stdout


def columns(url: str, schema: str) -> set[str]:
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "select column_name from information_schema.columns where table_schema = %s",
            (schema,),
        ).fetchall()
    return {name for (name,) in rows}


@pytest.mark.parametrize("release", list(RELEASES))
def test_a_warehouse_of_an_earlier_release_upgrades_with_partners_reading(
    release, tmp_path, monkeypatch
):
    monkeypatch.setenv("PATHWAYS_PSEUDONYM_KEY", TEST_KEY.decode())
    tree = earlier_release(RELEASES[release], tmp_path / "release")
    landing = tmp_path / "landing"
    run_release(tree, "", "generate", "--out", str(landing), "--schools", "4",
                "--students", "10", "--cycles", "2", "--seed", "21")  # fmt: skip
    url = new_database_url()  # empty, as that release found it
    try:
        run_release(tree, url, "run", "--landing", str(landing))
        assert migrate.current(url) is None  # before the migrations
        if release == "1.0":
            assert "area_name" not in columns(url, "partner")

        failures: list[str] = []
        reads = [0]
        upgraded = threading.Event()

        def partner_reads():
            with psycopg.connect(access.role_url(url, "pathways_partner"), autocommit=True) as r:
                while not upgraded.is_set():
                    for view in VIEWS_BEFORE:
                        try:
                            r.execute(f"select count(*) from partner.{view}").fetchone()
                            reads[0] += 1
                        except psycopg.Error as error:
                            failures.append(f"{view}: {error}")

        reader = threading.Thread(target=partner_reads)
        reader.start()
        try:
            result = pipeline.run(landing, url=url, deliver=False)
        finally:
            upgraded.set()
            reader.join()
        assert result.ok, result.report()
        assert not failures, failures[:5]
        assert reads[0] > 100
        assert migrate.current(url) == migrate.head()
        with psycopg.connect(access.role_url(url, "pathways_partner")) as partner:
            named = partner.execute(
                "select count(*), count(area_name) from partner.cycle_summary"
            ).fetchone()
            assert named[0] > 0 and named[0] == named[1]
        with psycopg.connect(url) as conn:
            owners = conn.execute(
                "select distinct tableowner from pg_tables where schemaname in"
                " ('raw', 'restricted', 'control', 'quality', 'published', 'disclosure')"
            ).fetchall()
        assert owners == [("pathways_loader",)]
    finally:
        warehouse.drop_database(url)
