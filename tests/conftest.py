"""Shared fixtures: every test that touches the warehouse gets its own PostgreSQL database, a
copy of one migrated once per session (pathways/migrate.py)."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import uuid
from pathlib import Path

import psycopg
import pytest

from pathways import migrate, warehouse
from pathways.transform import dbt

pytest_plugins = ("airflow_runs", "installed")  # the airflow_home and installed fixtures

SERVER_URL = os.environ.get("PATHWAYS_TEST_SERVER_URL", "postgresql://postgres@127.0.0.1:5432")
TEST_KEY = b"pathways-test-pseudonym-key-0123456789abcdef"

os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
os.environ.setdefault("SODA_CORE_TELEMETRY_ENABLED", "false")
os.environ.setdefault("AIRFLOW__COSMOS__ENABLE_TELEMETRY", "False")
# A passing run writes its deliveries: never into the checkout's own outbox.
os.environ.setdefault("PATHWAYS_OUTBOX", tempfile.mkdtemp(prefix="pathways-test-outbox-"))


def _own_dbt_target() -> None:
    """Each test process (pytest-xdist worker) gets its own dbt target, starting from the
    checkout's partial parse: dbt_project/target stays as `make setup` parsed it, for the DAGs."""
    target = Path(tempfile.mkdtemp(prefix="pathways-test-dbt-target-"))
    parsed = dbt.DBT_PROJECT / "target" / "partial_parse.msgpack"
    if parsed.exists():
        shutil.copy2(parsed, target / parsed.name)
    os.environ.setdefault(dbt.DBT_TARGET_VARIABLE, str(target))


_own_dbt_target()


def new_database_url() -> str:
    return f"{SERVER_URL}/pathways_test_{uuid.uuid4().hex[:10]}"


def clone_database(source_url: str) -> str:
    """A new database copied from source (which nobody may be connected to), with this
    release's per-run access applied: a database's own grants are not copied."""
    from pathways.publish import access

    url = new_database_url()
    with psycopg.connect(f"{SERVER_URL}/postgres", autocommit=True) as admin:
        admin.execute(
            f"create database {warehouse.database_name(url)} "
            f"template {warehouse.database_name(source_url)}"
        )
    access.apply(url)
    return url


_template: list[str] = []


def migrated_template() -> str:
    """An empty warehouse at this release's revision, migrated once per test process (every
    migration runs in it: the roles, the tables, the grants)."""
    if not _template:
        url = new_database_url()
        warehouse.ensure_database(url)
        migrate.upgrade(url)
        _template.append(url)
    return _template[0]


@pytest.fixture(scope="session", autouse=True)
def _drop_the_template():
    yield
    for url in _template:
        warehouse.drop_database(url)


@contextlib.contextmanager
def scratch_warehouse():
    """A new, empty (migrated) warehouse database for a test or a module, dropped afterwards;
    loads into it use the test pseudonym key."""
    os.environ["PATHWAYS_PSEUDONYM_KEY"] = TEST_KEY.decode()
    with copied_warehouse(migrated_template()) as url:
        yield url


@contextlib.contextmanager
def copied_warehouse(source_url: str):
    """A copy of a built warehouse (nobody may be connected to it), dropped afterwards: a test
    that changes what a module's warehouse published works on a copy, in seconds, instead of
    running the pipeline again to put it back."""
    url = clone_database(source_url)
    try:
        yield url
    finally:
        warehouse.drop_database(url)


@pytest.fixture
def database_url():
    with copied_warehouse(migrated_template()) as url:
        yield url


@pytest.fixture
def conn(database_url):
    with psycopg.connect(database_url) as connection:
        yield connection


@pytest.fixture
def key() -> bytes:
    return TEST_KEY


@pytest.fixture
def pipeline_env(monkeypatch, database_url):
    """Environment for running the CLI or pipeline against this test's database."""
    monkeypatch.setenv("WAREHOUSE_URL", database_url)
    monkeypatch.setenv("PATHWAYS_PSEUDONYM_KEY", TEST_KEY.decode())
    return dict(os.environ)
