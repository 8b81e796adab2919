"""Running the project's Airflow locally: `airflow standalone` on SQLite metadata, port 8080."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from pathways.orchestration import WAREHOUSE_CONN_ID, airflow_connection_uri
from pathways.settings import REPO_ROOT, STATE_DIR

AIRFLOW_HOME = STATE_DIR / "airflow"
VENV_BIN = REPO_ROOT / ".venv" / "bin"


def airflow_environment(warehouse_url: str, home: Path = AIRFLOW_HOME) -> dict[str, str]:
    """Everything Airflow and the DAGs need, from the warehouse URL and this checkout."""
    return {
        **os.environ,
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(REPO_ROOT / "dags"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        # standalone's LocalExecutor otherwise starts 32 workers on a 2-core machine
        "AIRFLOW__CORE__PARALLELISM": "4",
        "AIRFLOW__COSMOS__ENABLE_TELEMETRY": "False",
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "SODA_CORE_TELEMETRY_ENABLED": "false",
        "WAREHOUSE_URL": warehouse_url,
        f"AIRFLOW_CONN_{WAREHOUSE_CONN_ID.upper()}": airflow_connection_uri(warehouse_url),
        # standalone starts its components by running `airflow` from PATH
        "PATH": f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}",
    }


def _healthy(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v2/monitor/health", timeout=2):
            return True
    except OSError:
        return False


def admin_password(home: Path = AIRFLOW_HOME) -> str | None:
    generated = home / "simple_auth_manager_passwords.json.generated"
    if generated.exists():
        return json.loads(generated.read_text()).get("admin")
    return None


def _stop_on(signum, frame):
    raise KeyboardInterrupt


def serve(warehouse_url: str, port: int = 8080, wait_seconds: int = 180) -> int:
    """Start Airflow in its own process group, print the login, and stop it all on Ctrl-C
    (or SIGTERM, as a service manager would send)."""
    signal.signal(signal.SIGINT, _stop_on)  # also when started in the background
    signal.signal(signal.SIGTERM, _stop_on)
    env = airflow_environment(warehouse_url)
    env["AIRFLOW__API__PORT"] = str(port)
    # Task workers report to the API server; it must be asked for on the same port.
    env["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"] = f"http://127.0.0.1:{port}/execution/"
    AIRFLOW_HOME.mkdir(parents=True, exist_ok=True)
    log = open(AIRFLOW_HOME / "standalone.log", "ab")  # noqa: SIM115 - closed on exit below
    process = subprocess.Popen(
        [str(VENV_BIN / "airflow"), "standalone"], env=env, stdout=log, stderr=subprocess.STDOUT,
        start_new_session=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + wait_seconds
        while not _healthy(port):
            if process.poll() is not None or time.monotonic() > deadline:
                print(f"Airflow did not start; see {AIRFLOW_HOME / 'standalone.log'}")
                return 1
            time.sleep(2)
        print(f"Airflow is up: http://127.0.0.1:{port}")
        print(f"login: admin / {admin_password()}")
        print("DAGs: pathways_cycle_load (trigger it with params), pathways_landing_watch")
        print("Ctrl-C stops Airflow and all its processes.")
        process.wait()
        return process.returncode or 0
    except KeyboardInterrupt:
        return 0
    finally:
        # SIGTERM to the parent alone leaves the scheduler and its workers running.
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
        log.close()


if __name__ == "__main__":
    sys.exit(serve(os.environ.get("WAREHOUSE_URL", "")))
