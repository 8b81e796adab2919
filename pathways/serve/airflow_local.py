"""Running the project's Airflow locally: `airflow standalone` on SQLite metadata, port 8080."""

from __future__ import annotations

import json
import os
import secrets
import sys
from pathlib import Path

from pathways import resources, settings
from pathways.orchestrate.orchestration import WAREHOUSE_CONN_ID, airflow_connection_uri
from pathways.publish.access import loader_url
from pathways.serve import services
from pathways.settings import STATE_DIR

AIRFLOW_HOME = STATE_DIR / "airflow"
VENV_BIN = settings.venv_bin(".venv")


def airflow_environment(warehouse_url: str, home: Path = AIRFLOW_HOME) -> dict[str, str]:
    """Everything Airflow and the DAGs need, from the warehouse URL and this checkout."""
    return {
        **os.environ,
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(resources.dags_folder()),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        # Airflow pauses new DAGs; the landing watch must run for an asset event to start a load.
        "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "False",
        # standalone's LocalExecutor otherwise starts 32 workers on a 2-core machine
        "AIRFLOW__CORE__PARALLELISM": "4",
        "AIRFLOW__COSMOS__ENABLE_TELEMETRY": "False",
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "SODA_CORE_TELEMETRY_ENABLED": "false",
        "WAREHOUSE_URL": warehouse_url,
        # dbt, through cosmos, builds as the loader like every other step
        f"AIRFLOW_CONN_{WAREHOUSE_CONN_ID.upper()}": airflow_connection_uri(
            loader_url(warehouse_url)
        ),
        # standalone starts its components by running `airflow` from PATH
        "PATH": f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}",
    }


def password_file(home: Path = AIRFLOW_HOME) -> Path:
    return home / "simple_auth_manager_passwords.json.generated"


def prepare_home(home: Path = AIRFLOW_HOME) -> None:
    """AIRFLOW_HOME private to this user, with the admin's password already in its file (0600):
    left to Airflow, it was written 0644 and printed into standalone.log (issue 27)."""
    settings.private_folder(home)
    passwords = password_file(home)
    if not passwords.exists():
        settings.write_private(passwords, json.dumps({"admin": secrets.token_urlsafe(16)}))
    settings.private_files(home)


def admin_password(home: Path = AIRFLOW_HOME) -> str | None:
    if password_file(home).exists():
        return json.loads(password_file(home).read_text()).get("admin")
    return None


def serve(warehouse_url: str, port: int = 8080, wait_seconds: int = 180) -> int:
    """Start Airflow standalone, print the login, and stop all of it on Ctrl-C or SIGTERM."""
    prepare_home()
    env = airflow_environment(warehouse_url)
    env["AIRFLOW__API__PORT"] = str(port)
    env["AIRFLOW__API__HOST"] = settings.bind_host()  # not every interface: 0.0.0.0 by default
    # Task workers report to the API server; it must be asked for on the same port.
    env["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"] = f"http://127.0.0.1:{port}/execution/"

    def ready() -> None:
        print(f"Airflow is up: http://127.0.0.1:{port}")
        print(f"login: admin / {admin_password()}")
        print("DAGs (unpaused): pathways_cycle_load (trigger it with params), "
              "pathways_landing_watch (watches PATHWAYS_LANDING)")  # fmt: skip
        print("Ctrl-C stops Airflow and all its processes.")

    return services.serve(
        [str(VENV_BIN / "airflow"), "standalone"], env, AIRFLOW_HOME / "standalone.log",
        f"http://127.0.0.1:{port}/api/v2/monitor/health", ready, wait_seconds,
    )  # fmt: skip


if __name__ == "__main__":
    sys.exit(serve(os.environ.get("WAREHOUSE_URL", "")))
