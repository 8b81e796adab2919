"""The cycle load on Airflow's CeleryExecutor (issue 32): a scheduler, a DAG processor, an API
server and two Celery workers (Redis broker, PostgreSQL result backend), each worker in its own
empty folder with only the installed wheel, the landing and the outbox given as URLs outside
every working folder. The run's tasks land on both workers, its partner figures equal
`pathways run`'s, and no process outlives the test."""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import subprocess
import time
import uuid
from pathlib import Path

import psycopg
import pytest
from conftest import SERVER_URL, TEST_KEY, scratch_warehouse
from installed import partner_figures
from processes import in_sessions, with_environment
from test_services import free_port

from pathways import warehouse
from pathways.orchestrate.orchestration import airflow_connection_uri
from pathways.publish.access import loader_url
from pathways.transform import dbt

CHECKOUT = Path(__file__).resolve().parents[1]
BROKER = os.environ.get("PATHWAYS_TEST_BROKER_URL", "redis://127.0.0.1:6379/0")
RUN_TIMEOUT_SECONDS = 900


class Cluster:
    """Airflow's components started in sessions of their own, and stopped with every child."""

    def __init__(self, env: dict, python: Path):
        self.env, self.python, self.started = env, python, []

    def airflow(self, *arguments: str, folder: Path, home: Path | None = None):
        env = self.env | {"AIRFLOW_HOME": str(home or folder)}
        return [str(self.python), "-m", "airflow", *arguments], env, folder

    def run(self, *arguments: str, folder: Path) -> subprocess.CompletedProcess:
        command, env, cwd = self.airflow(*arguments, folder=folder)
        done = subprocess.run(command, env=env, cwd=cwd, capture_output=True, text=True)
        assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
        return done

    def start(self, name: str, *arguments: str, folder: Path, home: Path | None = None) -> None:
        command, env, cwd = self.airflow(*arguments, folder=folder, home=home)
        log = open(folder / f"{name}.log", "w")  # noqa: SIM115 (closed with the process)
        process = subprocess.Popen(command, env=env, cwd=cwd, stdout=log, stderr=subprocess.STDOUT,
                                   start_new_session=True)  # fmt: skip
        self.started.append((name, process, log))

    def leftovers(self) -> set[int]:
        sessions = {process.pid for _, process, _ in self.started}
        return in_sessions(sessions) | with_environment(f"PATHWAYS_TEST_CELERY={self.marker}")

    @property
    def marker(self) -> str:
        return self.env["PATHWAYS_TEST_CELERY"]

    def stop(self) -> None:
        for _, process, _ in self.started:
            with_group(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + 60
        while self.leftovers() and time.monotonic() < deadline:
            time.sleep(1)
        for pid in self.leftovers():  # a worker that ignored SIGTERM for a minute
            with_group(pid, signal.SIGKILL, group=False)
        for _, process, log in self.started:
            process.wait(timeout=30)
            log.close()


def with_group(pid: int, signal_number: int, group: bool = True) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signal_number) if group else os.kill(pid, signal_number)


def metadata_url(name: str) -> str:
    return f"{SERVER_URL.replace('postgresql://', 'postgresql+psycopg2://')}/{name}"


def wait_for(query: str, url: str, seconds: float, done=lambda row: row is not None):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with psycopg.connect(url) as conn:
            row = conn.execute(query).fetchone()
        if done(row):
            return row
        time.sleep(3)
    return row


@pytest.fixture
def metadata():
    """Airflow's own database (a scheduler and Celery need more than SQLite), dropped after."""
    name = f"pathways_test_airflow_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(f"{SERVER_URL}/postgres", autocommit=True) as admin:
        admin.execute(f"create database {name}")
    yield name
    warehouse.drop_database(f"{SERVER_URL}/{name}")


@pytest.fixture
def cluster_folders(tmp_path):
    folders = {name: tmp_path / name for name in ("shared", "main", "worker-1", "worker-2")}
    for folder in folders.values():
        folder.mkdir()
    return folders


def test_a_cycle_load_on_two_celery_workers_matches_pathways_run(
    installed, checkout_run, cluster_folders, metadata
):
    folders = cluster_folders
    began = time.monotonic()

    def lap(what: str) -> None:  # where the test's time goes, shown with pytest -s
        print(f"celery test: {what} at {time.monotonic() - began:.0f} s")

    landing, outbox = folders["shared"] / "landing", folders["shared"] / "outbox"
    shutil.copytree(checkout_run["landing"], landing)
    queue = f"pathways-test-{uuid.uuid4().hex[:8]}"  # another run's workers never take these
    port = free_port()
    with scratch_warehouse() as url:
        ours = ("PATHWAYS_", "AIRFLOW", "VIRTUAL_ENV", "PYTHON")  # nothing of the checkout's
        base = {name: value for name, value in os.environ.items() if not name.startswith(ours)}
        env = base | {
            "PATH": f"{installed['bin']}{os.pathsep}{os.environ['PATH']}",
            "WAREHOUSE_URL": url,
            "PATHWAYS_PSEUDONYM_KEY": TEST_KEY.decode(),
            "PATHWAYS_DBT": str(dbt.DBT_EXECUTABLE),  # where a deployment has put dbt
            "PATHWAYS_LANDING": f"file://{landing}",
            "PATHWAYS_OUTBOX": f"file://{outbox}",
            "AIRFLOW__CORE__EXECUTOR": "CeleryExecutor",
            # dbt imported once per worker, before its pool forks, not once per model task.
            "AIRFLOW__CELERY__EXTRA_CELERY_CONFIG": json.dumps({"imports": ["dbt.cli.main"]}),
            "AIRFLOW__CELERY__BROKER_URL": BROKER,
            "AIRFLOW__CELERY__RESULT_BACKEND": f"db+{metadata_url(metadata)}",
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": metadata_url(metadata),
            "AIRFLOW__OPERATORS__DEFAULT_QUEUE": queue,
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{port}/execution/",
            "AIRFLOW__API_AUTH__JWT_SECRET": secrets.token_hex(24),
            "AIRFLOW__CORE__DAGS_FOLDER": str(installed["package"] / "dags"),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "True",  # the landing watch stays off
            "AIRFLOW__COSMOS__ENABLE_TELEMETRY": "False",
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
            "SODA_CORE_TELEMETRY_ENABLED": "false",
            "AIRFLOW_CONN_PATHWAYS_WAREHOUSE": airflow_connection_uri(loader_url(url)),
            "PATHWAYS_TEST_CELERY": uuid.uuid4().hex,
        }
        cluster = Cluster(env, installed["bin"] / "python")
        try:
            # What each machine does once: the dbt manifest the DAG is drawn from, in its folder.
            parses = [subprocess.Popen([installed["bin"] / "pathways", "parse"], cwd=folders[name],
                                       env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
                      for name in ("main", "worker-1", "worker-2")]  # fmt: skip
            cluster.run("db", "migrate", folder=folders["main"])
            assert all(parse.wait(timeout=300) == 0 for parse in parses)
            lap("migrated and parsed")
            cluster.start("api-server", "api-server", "--host", "127.0.0.1", "--port", str(port),
                          folder=folders["main"])  # fmt: skip
            cluster.start("scheduler", "scheduler", folder=folders["main"])
            cluster.start("dag-processor", "dag-processor", folder=folders["main"])
            for name in ("worker-1", "worker-2"):
                cluster.start(name, "celery", "worker", "--queues", queue, "--concurrency", "1",
                              "--celery-hostname", f"{name}@%h", "--skip-serve-logs",
                              folder=folders[name])  # fmt: skip
            airflow_db = f"{SERVER_URL}/{metadata}"
            parsed = wait_for("select 1 from dag where dag_id = 'pathways_cycle_load'",
                              airflow_db, 180)  # fmt: skip
            assert parsed, (folders["main"] / "dag-processor.log").read_text()[-3000:]
            lap("DAG parsed")
            cluster.run("dags", "unpause", "pathways_cycle_load", folder=folders["main"])
            conf = json.dumps({"landing": f"file://{landing}", "cohort": 2024})
            cluster.run("dags", "trigger", "pathways_cycle_load", "--conf", conf,
                        folder=folders["main"])  # fmt: skip
            state = wait_for("select state from dag_run where dag_id = 'pathways_cycle_load'",
                             airflow_db, RUN_TIMEOUT_SECONDS,
                             done=lambda row: row and row[0] in ("success", "failed"))  # fmt: skip
            lap(f"run ended {state}")
            with psycopg.connect(airflow_db) as conn:
                tasks = dict(conn.execute("select task_id, state from task_instance").fetchall())
                spans = conn.execute(
                    "select task_id like 'dbt_build.%', count(*),"
                    " extract(epoch from max(end_date) - min(start_date)),"
                    " sum(extract(epoch from end_date - start_date))"
                    " from task_instance group by 1"
                ).fetchall()
            for dbt_group, count, span, busy in spans:
                print(
                    f"celery test: {'dbt' if dbt_group else 'other'} tasks: {count}, "
                    f"{span or 0:.0f} s from first start to last end, {busy or 0:.0f} s in tasks"
                )
            assert state == ("success",), {task: s for task, s in tasks.items() if s != "success"}
        finally:
            cluster.stop()
        assert not cluster.leftovers(), "an Airflow or Celery process outlived the test"
        lap("stopped")

        # Both workers ran tasks: each writes the logs of what it ran under its own folder.
        ran = {name: sorted(path.parent.name for path in
                            (folders[name] / "logs").rglob("attempt=*.log"))
               for name in ("worker-1", "worker-2")}  # fmt: skip
        assert all(ran.values()), ran
        assert len(ran["worker-1"]) + len(ran["worker-2"]) >= len(tasks) - 1  # one is skipped
        delivered = [path for path in outbox.rglob("*") if path.is_file()]
        assert any(path.suffix == ".xlsx" for path in delivered), "no career-lead pack delivered"

        assert partner_figures(url) == checkout_run["figures"]
