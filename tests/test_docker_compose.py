"""docker-compose.yml cannot run here (no Docker engine): check its structure, and that every
environment variable the code reads is provided to the services that run the code."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

pytestmark = pytest.mark.unit  # no warehouse, no services: `make test-fast`

REPO = Path(__file__).resolve().parents[1]
CODE_DIRS = ("pathways", "ingestion", "dags")
# Read by the code but deliberately not set in compose: an alternative to a variable that is
# set, a developer override, or local-only.
NOT_FOR_COMPOSE = {
    "PATHWAYS_PSEUDONYM_KEY_FILE": "alternative to PATHWAYS_PSEUDONYM_KEY, which compose sets",
    "PATHWAYS_SECRETS_DIR": "where a checkout keeps its local key; compose sets the key itself",
    "PATHWAYS_DBT": "override of the dbt executable for developers",
    "DEMO_WAREHOUSE_URL": "where `pathways demo` puts its throwaway database; not a service",
    "PATH": "set by the image",
    "SUPERSET_SECRET_KEY": "Superset's own config reads it; the superset service is given it",
    "PATHWAYS_BIND_HOST": "where `pathways airflow|superset|docs` listen; compose maps ports",
}
AIRFLOW_SERVICES = ("airflow-api-server", "airflow-scheduler", "airflow-dag-processor",
                    "airflow-triggerer", "airflow-worker")  # fmt: skip


def compose() -> dict:
    return yaml.safe_load((REPO / "docker-compose.yml").read_text())


def variables_read_by_the_code() -> set[str]:
    pattern = re.compile(r"""os\.environ(?:\.get)?[\[(]\s*["']([A-Z0-9_]+)["']""")
    found = set()
    for folder in CODE_DIRS:
        for path in (REPO / folder).rglob("*.py"):
            found |= set(pattern.findall(path.read_text()))
    return found


def test_the_stack_has_every_service_it_promises():
    services = compose()["services"]
    assert {"postgres", "superset", "airflow-init", *AIRFLOW_SERVICES} <= set(services)
    assert {"pgdata", "landing"} <= set(compose()["volumes"])
    for name, service in services.items():
        assert "image" in service or "build" in service, name
        for dependency in service.get("depends_on", {}):
            assert dependency in services, f"{name} depends on unknown {dependency}"
        for dockerfile in [service.get("build", {}).get("dockerfile")]:
            assert dockerfile is None or (REPO / dockerfile).exists(), dockerfile
    for name in AIRFLOW_SERVICES:
        assert "landing:/landing" in services[name]["volumes"], name
    assert services["airflow-api-server"]["ports"] == ["8080:8080"]
    assert services["superset"]["ports"] == ["8088:8088"]


def test_airflow_runs_on_celery_with_workers_that_scale():
    services = compose()["services"]
    environment = compose()["x-airflow-env"]
    assert environment["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
    assert environment["AIRFLOW__CELERY__BROKER_URL"] == "redis://redis:6379/0"
    assert environment["AIRFLOW__CELERY__RESULT_BACKEND"].startswith("db+postgresql")
    assert "redis" in services and "healthcheck" in services["redis"]
    worker = services["airflow-worker"]
    assert worker["command"][:3] == ["airflow", "celery", "worker"]
    assert "redis" in worker["depends_on"] and "airflow-init" in worker["depends_on"]
    # `--scale airflow-worker=N` refuses a service with a fixed name or a published port.
    assert "container_name" not in worker and "ports" not in worker


def test_every_variable_the_code_reads_is_provided():
    read = variables_read_by_the_code()
    assert {"WAREHOUSE_URL", "PATHWAYS_PSEUDONYM_KEY", "PATHWAYS_LANDING"} <= read
    services = compose()["services"]
    for name in AIRFLOW_SERVICES:
        provided = set(services[name]["environment"])
        missing = read - provided - set(NOT_FOR_COMPOSE)
        assert not missing, f"{name} lacks {sorted(missing)}"
        assert "AIRFLOW_CONN_PATHWAYS_WAREHOUSE" in provided


def test_images_use_the_same_pins_as_a_checkout_and_the_pipeline_installs_the_wheel():
    superset = (REPO / "docker/superset.Dockerfile").read_text()
    assert "scripts/setup.sh" in superset and "FROM python:3.11" in superset
    pipeline = (REPO / "docker/pathways.Dockerfile").read_text()
    assert "FROM python:3.11" in pipeline
    assert "pip install --no-cache-dir -r /tmp/requirements/pipeline.txt" in pipeline
    assert "pip wheel" in pipeline and "--no-deps /wheels/*.whl" in pipeline
    assert "setup.sh" not in pipeline and "pip install -e" not in pipeline  # no checkout
    # The DAGs the services run are the installed package's, beside its parsed manifest.
    environment = compose()["x-airflow-env"]
    assert environment["AIRFLOW__CORE__DAGS_FOLDER"].endswith("site-packages/pathways/dags")
    assert "RUN pathways parse" in pipeline and environment["PATHWAYS_STATE_DIR"] in pipeline


def test_no_secret_is_written_into_the_compose_file():
    text = (REPO / "docker-compose.yml").read_text()
    for secret in ("PATHWAYS_PSEUDONYM_KEY", "POSTGRES_PASSWORD", "AIRFLOW_JWT_SECRET",
                   "SUPERSET_SECRET_KEY", "SUPERSET_ADMIN_PASSWORD"):  # fmt: skip
        assert re.search(rf"\$\{{{secret}:\?", text), f"{secret} must come from the environment"
