"""A Celery cluster of Airflow on this machine, for the Celery test and its benchmark: the
scheduler, the DAG processor, the API server and N Celery workers, each worker in its own
empty folder running the installed wheel, all in sessions of their own (issue 32)."""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import signal
import subprocess
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import psycopg
from conftest import SERVER_URL
from processes import in_sessions, with_environment

from pathways.orchestrate.orchestration import airflow_connection_uri
from pathways.publish.access import loader_url
from pathways.transform import dbt

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
        """Every process it started, and theirs, alive: by session (Celery renames its
        processes over their environment) and by the environment marker."""
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


def celery_environment(installed: dict, url: str, key: str, shared: Path, metadata: str,
                       port: int, queue: str) -> dict:  # fmt: skip
    """What every component and worker is given: nothing of the checkout's own settings."""
    ours = ("PATHWAYS_", "AIRFLOW", "VIRTUAL_ENV", "PYTHON")
    base = {name: value for name, value in os.environ.items() if not name.startswith(ours)}
    return base | {
        "PATH": f"{installed['bin']}{os.pathsep}{os.environ['PATH']}",
        "WAREHOUSE_URL": url,
        "PATHWAYS_PSEUDONYM_KEY": key,
        "PATHWAYS_DBT": str(dbt.DBT_EXECUTABLE),  # where a deployment has put dbt
        "PATHWAYS_LANDING": f"file://{shared / 'landing'}",
        "PATHWAYS_OUTBOX": f"file://{shared / 'outbox'}",
        "AIRFLOW__CORE__EXECUTOR": "CeleryExecutor",
        # dbt imported once per worker, before its pool forks, not once per model task.
        "AIRFLOW__CELERY__EXTRA_CELERY_CONFIG": json.dumps({"imports": ["dbt.cli.main"]}),
        "AIRFLOW__CELERY__BROKER_URL": BROKER,
        "AIRFLOW__CELERY__RESULT_BACKEND": f"db+{metadata_url(metadata)}",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": metadata_url(metadata),
        "AIRFLOW__OPERATORS__DEFAULT_QUEUE": queue,  # another run's workers never take these
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


@dataclass
class CycleLoad:
    state: str | None
    tasks: dict[str, str]  # task id: its state
    dbt_span: float  # seconds from the first dbt task's start to the last one's end
    dbt_busy: float  # seconds spent inside the dbt tasks, summed
    dbt_tasks: int


def load_a_cycle(cluster: Cluster, main: Path, workers: dict[str, Path], landing: str,
                 metadata: str, port: int, lap=lambda what: None) -> CycleLoad:  # fmt: skip
    """Start the cluster (a `pathways parse` in each machine's folder first, as a deployment
    does once), trigger one cycle load of the landing and wait for its end."""
    env, queue = cluster.env, cluster.env["AIRFLOW__OPERATORS__DEFAULT_QUEUE"]
    pathways = Path(env["PATH"].split(os.pathsep)[0]) / "pathways"
    parses = [
        subprocess.Popen([pathways, "parse"], cwd=folder, env=env, stdout=subprocess.DEVNULL)
        for folder in [main, *workers.values()]
    ]
    cluster.run("db", "migrate", folder=main)
    assert all(parse.wait(timeout=300) == 0 for parse in parses)
    lap("migrated and parsed")
    cluster.start("api-server", "api-server", "--host", "127.0.0.1", "--port", str(port),
                  folder=main)  # fmt: skip
    cluster.start("scheduler", "scheduler", folder=main)
    cluster.start("dag-processor", "dag-processor", folder=main)
    for name, folder in workers.items():
        worker = ["--queues", queue, "--concurrency", "1", "--celery-hostname", f"{name}@%h"]
        cluster.start(name, "celery", "worker", *worker, "--skip-serve-logs", folder=folder)
    airflow_db = f"{SERVER_URL}/{metadata}"
    parsed = wait_for("select 1 from dag where dag_id = 'pathways_cycle_load'", airflow_db, 180)
    assert parsed, (main / "dag-processor.log").read_text()[-3000:]
    lap("DAG parsed")
    cluster.run("dags", "unpause", "pathways_cycle_load", folder=main)
    conf = json.dumps({"landing": landing, "cohort": 2024})
    cluster.run("dags", "trigger", "pathways_cycle_load", "--conf", conf, folder=main)
    ended = lambda row: row and row[0] in ("success", "failed")  # noqa: E731
    query = "select state from dag_run where dag_id = 'pathways_cycle_load'"
    state = wait_for(query, airflow_db, RUN_TIMEOUT_SECONDS, done=ended)
    lap(f"run ended {state}")
    with psycopg.connect(airflow_db) as conn:
        tasks = dict(conn.execute("select task_id, state from task_instance").fetchall())
        span, busy, count = conn.execute(
            "select extract(epoch from max(end_date) - min(start_date)),"
            " sum(extract(epoch from end_date - start_date)), count(*)"
            " from task_instance where task_id like 'dbt_build.%'"
        ).fetchone()
    return CycleLoad(state and state[0], tasks, float(span or 0), float(busy or 0), count)
