"""The Airflow DAGs: they import cleanly and fast, and a real `airflow dags test` loads a cycle."""

from __future__ import annotations

import json
import shutil
import socket
import stat
import subprocess
import textwrap
from pathlib import Path

import psycopg
from airflow_runs import dags_test
from landing import set_knowledge_scores
from processes import with_environment

from pathways import pipeline
from pathways.publish import publish
from pathways.serve import airflow_local
from pathways.serve.airflow_local import VENV_BIN, airflow_environment
from pathways.synthetic import generate

REPO = Path(__file__).resolve().parents[1]

DAGBAG_REPORT = textwrap.dedent(
    """
    import json, time
    from airflow.dag_processing.dagbag import DagBag
    started = time.perf_counter()
    bag = DagBag(dag_folder=%r)
    report = {
        "seconds": time.perf_counter() - started,
        "errors": {k: str(v) for k, v in bag.import_errors.items()},
        "files": {s.file: s.duration.total_seconds() for s in bag.dagbag_stats},
        "dags": {d.dag_id: {"tags": sorted(d.tags), "owner": d.owner, "tasks": len(d.tasks)}
                 for d in bag.dags.values()},
    }
    print("REPORT" + json.dumps(report))
    """
)


def test_every_dag_file_imports_cheaply_with_owners_and_tags(airflow_home):
    """The scheduler parses DAG files again and again: parsing must neither run dbt (the
    manifest is read instead) nor touch the warehouse, so here neither is there. Parse times
    are printed, not asserted (the machine is shared)."""
    assert (REPO / "dbt_project/target/manifest.json").exists(), "run make setup (dbt parse)"
    env = airflow_environment("postgresql://postgres@127.0.0.1:1/nowhere", airflow_home)
    env["PATHWAYS_DBT"] = "/nonexistent/dbt"
    env["PATH"] = str(VENV_BIN) + ":/usr/bin:/bin"  # no dbt on the path either
    out = subprocess.run(
        [VENV_BIN / "python", "-c", DAGBAG_REPORT % str(REPO / "dags")],
        env=env, capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    report = json.loads(out.split("REPORT", 1)[1])
    assert report["errors"] == {}
    assert set(report["dags"]) == {"pathways_cycle_load", "pathways_landing_watch"}
    for dag_id, dag in report["dags"].items():
        assert dag["owner"] == "pathways" and "pathways" in dag["tags"], dag_id
    assert report["dags"]["pathways_cycle_load"]["tasks"] > 30  # one per dbt node, and more
    for file, seconds in report["files"].items():
        print(f"parse time {Path(file).name}: {seconds:.3f}s")


class MailCatcher:
    """A real SMTP server on a free local port, keeping what it receives."""

    def __init__(self):
        from aiosmtpd.controller import Controller
        from aiosmtpd.handlers import Message

        received = self.received = []

        class Keep(Message):
            def handle_message(self, message):
                received.append(message)

        with socket.socket() as probe:  # a free port, chosen by the system
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.controller = Controller(Keep(), hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def environment(self) -> dict[str, str]:
        port = self.port
        return {
            "PATHWAYS_ALERT_EMAIL": "data-team@pathways.test",
            "AIRFLOW_CONN_PATHWAYS_SMTP": (
                f"smtp://127.0.0.1:{port}?disable_ssl=true&disable_tls=true&timeout=10"
            ),
        }

    def stop(self) -> list:
        self.controller.stop()
        return [message for message in self.received if message["To"]]


def test_airflow_dags_test_loads_a_cycle_and_stops_a_bad_one_at_the_gate(
    airflow_home, tmp_path, pipeline_env, key
):
    """Cycle 4 published by `pathways run` (the DAG's good load, its packs and open data are
    the Celery test's), then `airflow dags test`: cycle 4 again is nothing new; cycle 5, a
    broken export, stops at the gate, loading only cycle 5 though cycles 1-3 are there, and
    mails the data team."""
    database_url = pipeline_env["WAREHOUSE_URL"]
    landing, aside = tmp_path / "landing", tmp_path / "aside"
    aside.mkdir()
    generate(landing, schools=4, cycles=5)
    for interviews in (landing / "cohort=2024/cycle=5").glob("interviews_*.csv"):
        set_knowledge_scores(interviews, "1")  # a broken export: valid values, wrong figures
    others = [f"cycle={cycle}" for cycle in (1, 2, 3, 5)]
    for part in others:
        shutil.move(landing / "cohort=2024" / part, aside / part)
    assert pipeline.run(landing, url=database_url, deliver=False).ok
    for part in others:
        shutil.move(aside / part, landing / "cohort=2024" / part)
    published = publish.checksums(database_url)
    env = airflow_environment(database_url, airflow_home)
    env["PATHWAYS_PSEUDONYM_KEY"] = key.decode()
    env["PATHWAYS_OUTBOX"] = str(tmp_path / "outbox")
    mail = MailCatcher()
    env.update(mail.environment())

    # Issue 27: the same cycle again is a full cycle load that finds nothing new to publish.
    again = dags_test(env, landing, cycle=4)
    assert again.returncode == 0, again.stdout[-3000:] + again.stderr[-3000:]
    assert "nothing new since publication 1" in again.stdout + again.stderr
    with psycopg.connect(database_url) as conn:
        assert conn.execute("select count(*) from quality.gate_decision").fetchone() == (1,)
        assert conn.execute("select publication_id from published.current_publication"
                            ).fetchone() == (1,)  # fmt: skip
        assert conn.execute("select count(*) from control.run_lease").fetchone() == (0,)
    assert not (tmp_path / "outbox").exists()  # nothing new: nothing delivered

    bad = dags_test(env, landing, cycle=5)
    output = bad.stdout + bad.stderr
    assert bad.returncode != 0
    assert "a school's mean knowledge drops by more than 1 point" in output
    assert publish.checksums(database_url) == published
    with psycopg.connect(database_url) as conn:
        states = dict(conn.execute(
            "select published, count(*) from quality.gate_decision group by published"
        ).fetchall())  # fmt: skip
        failed = conn.execute(
            "select distinct check_name from quality.check_result where outcome = 'failed'"
        ).fetchall()
        loaded_cycles = conn.execute("select distinct cycle from raw.interview order by 1"
                                     ).fetchall()  # fmt: skip
    assert loaded_cycles == [(4,), (5,)]  # the params asked for cycle 5 only
    assert states == {True: 1, False: 1}
    assert failed == [("a school's mean knowledge drops by more than 1 point between "
                       "consecutive cycles",)]  # fmt: skip
    # Someone was told: one mail, from the failed gate task, through a real SMTP server.
    messages = mail.stop()
    assert [m["To"] for m in messages] == ["data-team@pathways.test"]
    assert "failed at quality_gate.verify_contracts" in messages[0]["Subject"]
    body = "".join(
        part.get_payload(decode=True).decode()
        for part in messages[0].walk()
        if part.get_content_maintype() == "text"
    )
    assert "mean knowledge drops" in body


def listening_on(port: int) -> set[str]:
    """The addresses a TCP port is listening on, from /proc/net/tcp (IPv4: Airflow's)."""
    found = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        local, state = line.split()[1], line.split()[3]
        address, hex_port = local.split(":")
        if state == "0A" and int(hex_port, 16) == port:  # 0A: LISTEN
            found.add(".".join(str(int(address[i : i + 2], 16)) for i in (6, 4, 2, 0)))
    return found


def airflow_processes(port: int) -> set[int]:
    """Live processes of the Airflow serving on port: `pathways airflow` gives every one of
    them AIRFLOW__API__PORT, whatever session or parent Airflow puts them in."""
    return with_environment(f"AIRFLOW__API__PORT={port}")


def test_pathways_airflow_serves_unpaused_dags_and_stops_every_process(tmp_path, database_url, key):
    """`pathways airflow`: the API lists both DAGs, unpaused, with the printed login; SIGTERM
    stops every Airflow process it started, in whatever session they run."""
    import os
    import signal
    import time
    import urllib.request

    port = 8790  # not 8080, which a developer's own Airflow may hold; 8793-4 serve logs
    before = airflow_processes(port)
    env = {**os.environ, "WAREHOUSE_URL": database_url, "PATHWAYS_PSEUDONYM_KEY": key.decode()}
    serving = subprocess.Popen(
        [VENV_BIN / "pathways", "airflow", "--port", str(port)], env=env,
        stdout=subprocess.PIPE, text=True, start_new_session=True,
    )  # fmt: skip
    try:
        first_lines = [serving.stdout.readline() for _ in range(2)]
        assert first_lines[0].startswith(f"Airflow is up: http://127.0.0.1:{port}"), first_lines
        password = first_lines[1].split(" / ", 1)[1].strip()
        login = urllib.request.Request(
            f"http://127.0.0.1:{port}/auth/token",
            data=json.dumps({"username": "admin", "password": password}).encode(),
            headers={"Content-Type": "application/json"},
        )
        token = json.load(urllib.request.urlopen(login, timeout=30))["access_token"]
        paused: dict[str, bool] = {}
        deadline = time.monotonic() + 120
        while set(paused) != {"pathways_cycle_load", "pathways_landing_watch"}:
            assert time.monotonic() < deadline, f"DAGs never listed: {paused}"
            time.sleep(3)
            listing = urllib.request.Request(
                f"http://127.0.0.1:{port}/api/v2/dags",
                headers={"Authorization": f"Bearer {token}"},
            )
            dags = json.load(urllib.request.urlopen(listing))["dags"]
            paused = {dag["dag_id"]: dag["is_paused"] for dag in dags}
        assert paused == {"pathways_cycle_load": False, "pathways_landing_watch": False}
        started = airflow_processes(port) - before
        assert len(started) >= 3, started  # the detector below sees Airflow's components
        # Issue 27: it listened on every interface, and printed its admin password in its log.
        assert listening_on(port) == {"127.0.0.1"}
        home = airflow_local.AIRFLOW_HOME
        assert password not in (home / "standalone.log").read_text(errors="replace")
        assert stat.S_IMODE(airflow_local.password_file(home).stat().st_mode) == 0o600
    finally:
        serving.send_signal(signal.SIGTERM)
        serving.wait(timeout=90)
    left = airflow_processes(port) - before
    assert left == set(), f"Airflow processes left running: {left}"


def test_the_landing_watch_announces_only_changes(airflow_home, tmp_path, database_url):
    """First look: new extracts, so the asset is announced; same landing again: skipped;
    a corrected file: announced again."""
    generate(tmp_path, schools=2, students=3, cycles=1)
    env = airflow_environment(database_url, airflow_home)
    env["PATHWAYS_LANDING"] = str(tmp_path)

    def announce_state() -> str:
        finished = subprocess.run(
            [VENV_BIN / "airflow", "dags", "test", "pathways_landing_watch"],
            env=env, capture_output=True, text=True,
        )  # fmt: skip
        assert finished.returncode == 0, finished.stdout[-2000:] + finished.stderr[-2000:]
        return _latest_state(airflow_home, "pathways_landing_watch", "announce_new_extracts")

    assert announce_state() == "success"
    assert announce_state() == "skipped"
    roster = next(tmp_path.rglob("roster_*.csv"))
    roster.write_text(roster.read_text() + "\n")
    assert announce_state() == "success"


def _latest_state(airflow_home: Path, dag_id: str, task_id: str) -> str:
    """The task's state in the DAG's newest run, from Airflow's own metadata database."""
    import sqlite3

    with sqlite3.connect(airflow_home / "airflow.db") as metadata:
        (state,) = metadata.execute(
            "select ti.state from task_instance ti join dag_run dr "
            "on dr.dag_id = ti.dag_id and dr.run_id = ti.run_id "
            "where ti.dag_id = ? and ti.task_id = ? order by dr.id desc limit 1",
            (dag_id, task_id),
        ).fetchone()
    return state
