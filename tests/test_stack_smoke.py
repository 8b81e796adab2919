"""Each tool of the stack installs and runs from the project's own venvs (set up by make)."""

from __future__ import annotations

import os
import subprocess
import textwrap
from pathlib import Path
from urllib.parse import urlsplit

REPO = Path(__file__).resolve().parents[1]
VENV, DBT_VENV, SUPERSET_VENV = REPO / ".venv", REPO / ".venv-dbt", REPO / ".venv-superset"


def run(command, **kwargs) -> subprocess.CompletedProcess:
    result = subprocess.run(command, capture_output=True, text=True, **kwargs)
    assert result.returncode == 0, f"{command} failed:\n{result.stdout}\n{result.stderr}"
    return result


def test_dbt_builds_a_model_in_postgres(tmp_path, database_url, conn):
    parts = urlsplit(database_url)
    project = tmp_path / "smoke"
    (project / "models").mkdir(parents=True)
    (project / "dbt_project.yml").write_text(
        "name: smoke\nversion: '1.0'\nprofile: smoke\nmodel-paths: [models]\n"
    )
    (project / "models" / "answer.sql").write_text("select 42 as answer")
    (project / "profiles.yml").write_text(
        textwrap.dedent(
            f"""
            smoke:
              target: test
              outputs:
                test:
                  type: postgres
                  host: {parts.hostname}
                  port: {parts.port}
                  user: {parts.username}
                  password: ""
                  dbname: {parts.path.lstrip("/")}
                  schema: smoke
                  threads: 1
            """
        )
    )
    result = run(
        [DBT_VENV / "bin" / "dbt", "build", "--project-dir", project, "--profiles-dir", project],
        env={**os.environ, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"},
    )
    assert "Completed successfully" in result.stdout
    assert conn.execute("select answer from smoke.answer").fetchone() == (42,)
    assert "1.11." in run([DBT_VENV / "bin" / "dbt", "--version"]).stdout


def test_soda_verifies_a_contract_offline(tmp_path, database_url, conn):
    from soda_core.contracts import verify_contract_locally

    conn.execute("create table public.pupils (id int, sector text)")
    conn.execute("insert into public.pupils values (1, 'digital'), (2, null), (3, 'energy')")
    conn.commit()
    parts = urlsplit(database_url)
    database = parts.path.lstrip("/")
    source = tmp_path / "ds.yml"
    source.write_text(
        textwrap.dedent(
            f"""
            type: postgres
            name: warehouse
            connection:
              host: {parts.hostname}
              port: {parts.port}
              user: {parts.username}
              password: ""
              database: {database}
            """
        )
    )

    def verify(missing_allowed: int):
        contract = tmp_path / f"contract_{missing_allowed}.yml"
        contract.write_text(
            textwrap.dedent(
                f"""
                dataset: warehouse/{database}/public/pupils
                checks:
                  - row_count:
                      threshold:
                        must_be: 3
                columns:
                  - name: id
                  - name: sector
                    checks:
                      - missing:
                          threshold:
                            must_be_less_than_or_equal: {missing_allowed}
                """
            )
        )
        return verify_contract_locally(
            data_source_file_path=str(source), contract_file_path=str(contract), publish=False
        )

    assert verify(missing_allowed=1).is_ok
    assert verify(missing_allowed=0).is_failed


def test_airflow_runs_a_taskflow_dag_with_cosmos_installed(tmp_path):
    home, dags = tmp_path / "airflow", tmp_path / "dags"
    dags.mkdir()
    env = {
        **os.environ,
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(dags),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__COSMOS__ENABLE_TELEMETRY": "False",
        "PATH": f"{VENV / 'bin'}:{os.environ['PATH']}",
    }
    marker = tmp_path / "ran.txt"
    (dags / "smoke.py").write_text(
        textwrap.dedent(
            f"""
            import cosmos
            from airflow.sdk import dag, task

            @dag(schedule=None, tags=["smoke"])
            def smoke():
                @task
                def answer():
                    return 42

                @task
                def record(value):
                    open({str(marker)!r}, "w").write(f"{{value}} cosmos={{cosmos.__version__}}")

                record(answer())

            smoke()
            """
        )
    )
    run([VENV / "bin" / "airflow", "db", "migrate"], env=env)
    run([VENV / "bin" / "airflow", "dags", "test", "smoke"], env=env)
    assert marker.read_text() == "42 cosmos=1.15.1"


def test_superset_initialises_its_metadata(tmp_path):
    config = tmp_path / "superset_config.py"
    config.write_text(
        textwrap.dedent(
            f"""
            SECRET_KEY = "smoke-test-only-{os.urandom(8).hex()}"
            SQLALCHEMY_DATABASE_URI = "sqlite:///{tmp_path / "superset.db"}"
            SCARF_ANALYTICS = False
            """
        )
    )
    env = {**os.environ, "SUPERSET_CONFIG_PATH": str(config), "FLASK_APP": "superset"}
    superset = SUPERSET_VENV / "bin" / "superset"
    run([superset, "db", "upgrade"], env=env)
    assert "6.1.0" in run([superset, "version"], env=env).stdout
    assert (tmp_path / "superset.db").stat().st_size > 100_000
