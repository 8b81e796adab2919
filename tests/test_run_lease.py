"""One pipeline at a time per warehouse, across `pathways run`, `pathways gate` and the DAG.

Real processes race on one real warehouse; a holder killed with SIGKILL leaves nothing behind.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from datetime import timedelta

import psycopg
import pytest
from conftest import SERVER_URL, TEST_KEY
from processes import with_environment

from pathways import cli, migrate, pipeline, run_lease, warehouse
from pathways.orchestrate import orchestration
from pathways.publish import access, partner_limits
from pathways.synthetic import generate


@pytest.fixture(scope="module")
def landing(tmp_path_factory):
    folder = tmp_path_factory.mktemp("landing")
    generate(folder, schools=4, students=10, cycles=2, seed=5)
    return folder


def command(url: str, *args: str) -> subprocess.Popen:
    env = {**os.environ, "WAREHOUSE_URL": url, "PATHWAYS_PSEUDONYM_KEY": TEST_KEY.decode()}
    return subprocess.Popen(
        [sys.executable, "-m", "pathways.cli", *args], env=env, text=True,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
    )  # fmt: skip


def wait_for_lease(url: str, seconds: float = 120) -> str:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with psycopg.connect(url) as conn:
                row = conn.execute("select holder from control.run_lease").fetchone()
            if row:
                return row[0]
        except psycopg.Error:
            pass  # the database or the lease table is not there yet
        time.sleep(0.1)
    raise AssertionError("no run took the lease")


@pytest.fixture
def fresh_url():
    url = f"{SERVER_URL}/pathways_test_lease_{os.getpid()}_{time.monotonic_ns() % 10**8}"
    yield url
    warehouse.drop_database(url)


@contextlib.contextmanager
def partner_read_held_open(url: str, view: str):
    """A partner who switched its own timeouts off, holding a read of a partner view open."""
    partner = psycopg.connect(access.role_url(url, "pathways_partner"))
    try:
        partner.execute("set statement_timeout = 0")
        partner.execute("set idle_in_transaction_session_timeout = 0")
        partner.execute(f"select count(*) from partner.{view}").fetchone()  # stays open
        yield partner
    finally:
        partner.close()


def finished_within(seconds: float, work):
    """work's result, run in a thread; a guard, not a timing: a wait that never ends fails."""
    outcome = {}
    worker = threading.Thread(target=lambda: outcome.update(result=work()), daemon=True)
    worker.start()
    worker.join(timeout=seconds)
    assert not worker.is_alive(), "it waited on the partner's open read"
    return outcome["result"]


def test_a_second_run_or_gate_is_refused_while_one_runs(landing, fresh_url):
    """Two runs started together on a warehouse that does not exist yet: one works, the other
    is refused with exit code 3, and so is a gate started meanwhile."""
    first, second = command(fresh_url, "run", "--landing", str(landing)), None
    second = command(fresh_url, "run", "--landing", str(landing))
    outcomes = {}
    for name, process in (("first", first), ("second", second)):
        out, err = process.communicate(timeout=600)
        outcomes[name] = (process.returncode, err)
    codes = sorted(code for code, _ in outcomes.values())
    assert codes == [0, 3], outcomes
    refused = next(err for code, err in outcomes.values() if code == 3)
    assert "another run is in progress since" in refused
    # Nothing new would end a plain run at once: a full refresh builds (issue 27's own case).
    holder = command(fresh_url, "run", "--landing", str(landing), "--full-refresh")
    wait_for_lease(fresh_url)
    gate = command(fresh_url, "gate")
    _, gate_err = gate.communicate(timeout=300)
    assert gate.returncode == 3 and "another run is in progress since" in gate_err
    holder.communicate(timeout=600)
    assert holder.returncode == 0


def test_a_run_killed_with_sigkill_does_not_keep_the_lease(landing, fresh_url):
    victim = command(fresh_url, "run", "--landing", str(landing))
    wait_for_lease(fresh_url)
    os.killpg(victim.pid, signal.SIGKILL)  # the run and its dbt, as a crash would
    victim.wait(timeout=60)
    survivor = command(fresh_url, "run", "--landing", str(landing))
    out, err = survivor.communicate(timeout=600)
    assert survivor.returncode == 0, err[-2000:] + out[-2000:]


def test_a_dag_runs_lease_blocks_the_command_line_until_it_lapses(
    landing, database_url, pipeline_env
):
    with psycopg.connect(database_url) as conn:
        run_lease.acquire(conn, "airflow manual__1", timedelta(hours=2), keep=False)
    with pytest.raises(run_lease.RunInProgress, match="airflow manual__1"):
        pipeline.run(landing, url=database_url, deliver=False)
    with psycopg.connect(database_url) as conn:  # its worker died two hours ago
        conn.execute("update control.run_lease set expires_at = now() - interval '1 second'")
    assert pipeline.run(landing, url=database_url, deliver=False).ok
    with psycopg.connect(database_url) as conn:
        assert conn.execute("select count(*) from control.run_lease").fetchone()[0] == 0


def test_a_partner_holding_a_read_open_past_its_limits_cannot_stall_a_run(
    landing, fresh_url, monkeypatch
):
    """Issue 27: a partner who switched its own timeouts off and kept a read of a partner view
    open in a transaction held the views' rebuild, so the run and its lease, for as long as it
    liked. The run's watchdog ends the session once it is past the partner's limits."""
    monkeypatch.setenv("PATHWAYS_PSEUDONYM_KEY", TEST_KEY.decode())
    monkeypatch.setattr(partner_limits, "IDLE_IN_TRANSACTION_LIMIT", "2s")
    monkeypatch.setattr(partner_limits, "CHECK_EVERY_SECONDS", 1.0)
    assert pipeline.run(landing, url=fresh_url, deliver=False).ok
    with partner_read_held_open(fresh_url, "cycle_summary") as partner:
        run = finished_within(
            300, lambda: pipeline.run(landing, url=fresh_url, deliver=False, full_refresh=True)
        )
        assert run.ok, run.report()
        with pytest.raises(psycopg.OperationalError):
            partner.execute("select 1")


def test_a_killed_runs_dbt_dies_with_it(landing, fresh_url):
    """Issue 27: SIGKILL of `pathways run` alone (not its process group, as a supervisor or the
    OOM killer does) left its dbt building beside the next run."""
    marker = f"PATHWAYS_TEST_RUN={uuid.uuid4().hex}"
    name, value = marker.split("=")
    victim = subprocess.Popen(
        [sys.executable, "-m", "pathways.cli", "run", "--landing", str(landing)],
        env={**os.environ, "WAREHOUSE_URL": fresh_url, name: value,
             "PATHWAYS_PSEUDONYM_KEY": TEST_KEY.decode()},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    deadline = time.monotonic() + 300
    while not (with_environment(marker) - {victim.pid}) and time.monotonic() < deadline:
        time.sleep(0.2)  # until dbt has started
    assert with_environment(marker) - {victim.pid}, "dbt never started"
    victim.kill()
    victim.wait(timeout=60)
    # Before the fix dbt lived on until it next wrote to its dead parent's pipe (~10 s on a
    # small build, for ever on a quiet one); killed with its parent, it is gone at once.
    deadline = time.monotonic() + 5
    while with_environment(marker) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not with_environment(marker), "the killed run's children live on"


def test_a_refused_gate_leaves_the_warehouse_untouched(fresh_url):
    """Issue 27: `pathways gate` ran the access migration before asking for the lease, so its
    grants raced a running build ("tuple concurrently updated"). Refused now before touching it."""
    warehouse.ensure_database(fresh_url)
    migrate.bootstrap(fresh_url)  # the lease's own table, as a run makes it before the lease
    with psycopg.connect(fresh_url) as conn:
        run_lease.acquire(conn, "airflow manual__1", timedelta(hours=2), keep=False)
    with pytest.raises(run_lease.RunInProgress):
        pipeline.gate_built_warehouse(fresh_url)
    with psycopg.connect(fresh_url) as conn:
        schemas = conn.execute("select nspname from pg_namespace where nspname = 'raw'")
        assert schemas.fetchall() == []  # the migration did not run


def test_a_dag_run_that_ended_without_releasing_hands_its_lease_on(fresh_url, monkeypatch):
    """Issue 27: a DAG run marked failed in the UI runs no clean-up task: its lease stayed two
    hours. The next DAG run asks Airflow whether the holder still runs; an operator, `lease`."""
    monkeypatch.setenv("WAREHOUSE_URL", fresh_url)
    orchestration.take_run_lease("manual__1", run_ended=lambda run_id: False)
    with pytest.raises(run_lease.RunInProgress, match="airflow manual__1"):
        orchestration.take_run_lease("manual__2", run_ended=lambda run_id: False)
    orchestration.take_run_lease("manual__2", run_ended=lambda run_id: run_id == "manual__1")
    with psycopg.connect(fresh_url) as conn:
        assert run_lease.holder_now(conn).startswith("airflow manual__2 since")
    assert cli.main(["lease", "--release"]) == 0
    with psycopg.connect(fresh_url) as conn:
        assert run_lease.holder_now(conn) is None


def test_a_build_does_not_wait_on_a_partner_read_even_without_the_watchdog(
    landing, fresh_url, monkeypatch
):
    """Issue 27: the DAG's dbt tasks run without the command line's watchdog, and dbt recreated
    every partner view, each waiting behind a partner's open read. Views whose definition did
    not change are now left alone (macros/stable_view.sql): the build passes the read by."""
    monkeypatch.setenv("PATHWAYS_PSEUDONYM_KEY", TEST_KEY.decode())
    assert pipeline.run(landing, url=fresh_url, deliver=False).ok
    loader = access.loader_url(fresh_url)
    with partner_read_held_open(fresh_url, "post16_plans") as partner:
        assert finished_within(600, lambda: pipeline.build_warehouse(loader)).startswith("PASS=")
        partner.execute("select 1")  # the partner's session was never ended: not needed
