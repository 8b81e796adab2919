"""Airflow for tests: a migrated AIRFLOW_HOME per module (the airflow_home fixture, a plugin
of conftest) and `airflow dags test` of the cycle load."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from pathways.serve.airflow_local import VENV_BIN, airflow_environment


@pytest.fixture(scope="module")
def airflow_home(tmp_path_factory):
    home = tmp_path_factory.mktemp("airflow")
    env = airflow_environment("postgresql://postgres@127.0.0.1:5432/unused", home)
    subprocess.run([VENV_BIN / "airflow", "db", "migrate"], env=env, check=True,
                   capture_output=True)  # fmt: skip
    return home


def dags_test(env: dict, landing: Path, **params) -> subprocess.CompletedProcess:
    """`airflow dags test pathways_cycle_load` with these params over the landing."""
    conf = json.dumps({"landing": str(landing), "cohort": 2024, **params})
    command = [VENV_BIN / "airflow", "dags", "test", "pathways_cycle_load", "--conf", conf]
    return subprocess.run(command, env=env, capture_output=True, text=True)
