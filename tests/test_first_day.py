"""A data engineer's first day: the commands find the key and the warehouse by themselves,
`pathways status` tells where things stand (and fails when something needs attention), and
`pathways docs` serves the lineage."""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import urllib.request
from pathlib import Path

import pytest
from conftest import TEST_KEY
from landing import set_knowledge_scores
from processes import live_processes
from test_services import free_port

from pathways import warehouse
from pathways.synthetic import generate

PATHWAYS = Path(__file__).resolve().parents[1] / ".venv" / "bin" / "pathways"


def pathways(*arguments, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run([PATHWAYS, *map(str, arguments)], capture_output=True, text=True,
                          env=env)  # fmt: skip


@pytest.fixture(scope="module")
def first_day(tmp_path_factory):
    """A landing with two cycles, loaded through the CLI with no key in the environment: the
    local key file is the only key there is."""
    import os

    from conftest import scratch_warehouse

    root = tmp_path_factory.mktemp("first_day")
    secrets = root / "secrets"
    secrets.mkdir()
    (secrets / "pseudonym.key").write_text(TEST_KEY.decode() + "\n")
    source, landing = root / "source", root / "landing"
    generate(source, schools=4, cycles=2)
    shutil.copytree(source, landing, ignore=shutil.ignore_patterns("cycle=2"))
    with scratch_warehouse() as url:
        env = {name: value for name, value in os.environ.items()
               if not name.startswith("PATHWAYS_PSEUDONYM_KEY")}  # fmt: skip
        env |= {"WAREHOUSE_URL": url, "PATHWAYS_SECRETS_DIR": str(secrets),
                "PATHWAYS_OUTBOX": str(root / "outbox")}  # fmt: skip
        loaded = pathways("run", "--landing", landing, env=env)
        yield {"url": url, "env": env, "landing": landing, "source": source, "loaded": loaded}


def status_of(env: dict) -> tuple[int, dict]:
    shown = pathways("status", "--json", env=env)
    return shown.returncode, json.loads(shown.stdout)


def test_the_local_key_is_found_and_a_clean_warehouse_reports_no_problem(first_day):
    env, loaded = first_day["env"], first_day["loaded"]
    assert loaded.returncode == 0, loaded.stdout + loaded.stderr
    assert "pseudonym key: the local key" in loaded.stderr
    assert env["PATHWAYS_SECRETS_DIR"] in loaded.stderr
    assert pathways("packs", "--cohort", 2024, "--cycle", 1, env=env).returncode == 0

    code, status = status_of(env)
    assert code == 0, status["problems"]
    assert status["warehouse_source"] == "WAREHOUSE_URL"
    assert status["key_source"].startswith("the local key")
    assert status["key_fingerprint"] == status["warehouse_key_fingerprint"]
    assert [(load["cohort"], load["part"]) for load in status["loads"]] == [
        (2024, "schools"), (2024, "cycle 1")]  # fmt: skip
    loads = status["loads"]  # issue 29: every loaded file counts, so the rejects add up
    assert sum(load["rows_rejected"] for load in loads) == status["rows_rejected"]
    assert status["gate"]["published"] is True and status["held_back"] == []
    assert set(status["partners_see"]["rows"]) == {
        "cycle_summary", "knowledge_by_area", "knowledge_improvement", "post16_plans",
        "sector_interest", "destinations", "code_labels",
    }  # fmt: skip
    # The passing run delivered the latest cycle's packs and the open data; then packs by hand.
    assert [(row["delivery"], row["files"]) for row in status["deliveries"]] == [
        ("career_lead_packs/cohort=2024/cycle=1", 8),
        ("ees", 9),  # 4 views and their metadata (no improvement yet), the data guidance
    ]  # fmt: skip


def test_status_names_a_closed_gate_and_quarantined_files(first_day):
    """Cycle 2 arrives with every knowledge score exported as 1, and a stray file: the gate
    holds the cycle back and status says so, with exit code 1."""
    env, landing = first_day["env"], first_day["landing"]
    shutil.copytree(first_day["source"] / "cohort=2024/cycle=2", landing / "cohort=2024/cycle=2")
    for interviews in (landing / "cohort=2024/cycle=2").glob("interviews_*.csv"):
        set_knowledge_scores(interviews, "1")
    (landing / "cohort=2024/cycle=2/notes_for_the_adviser.txt").write_text("call back\n")
    assert pathways("run", "--landing", landing, env=env).returncode == 1  # the gate closed

    code, status = status_of(env)
    assert code == 1
    assert status["gate"]["published"] is False and status["gate"]["failed"] >= 1
    assert any("drops by more than 1 point" in check["check_name"]
               for check in status["held_back"])  # fmt: skip
    assert [file["source_path"] for file in status["quarantined"]] == [
        "cohort=2024/cycle=2/notes_for_the_adviser.txt"
    ]
    assert len(status["problems"]) == 2
    screen = pathways("status", env=env)
    assert screen.returncode == 1
    expected = ("closed: nothing published", "notes_for_the_adviser.txt",
                "a school's mean knowledge drops by", "problem: the last gate closed")  # fmt: skip
    assert [text for text in expected if text not in screen.stdout] == [], screen.stdout


def test_the_demo_warehouse_is_every_command_s_warehouse(tmp_path, monkeypatch):
    monkeypatch.setattr(warehouse, "STATE_DIR", tmp_path)
    monkeypatch.delenv("WAREHOUSE_URL", raising=False)
    demo = "postgresql://postgres@127.0.0.1:5432/pathways_demo"
    assert warehouse.resolve_warehouse_and_source()[1].startswith("the default")
    warehouse.remember_warehouse(demo)
    url, source = warehouse.resolve_warehouse_and_source()
    assert (url, source) == (demo, f"{tmp_path / 'warehouse.url'}, written by `pathways demo`")
    assert (tmp_path / "warehouse.url").stat().st_mode & 0o077 == 0  # it may hold a password
    monkeypatch.setenv("WAREHOUSE_URL", "postgresql://elsewhere/pathways")
    assert warehouse.resolve_warehouse_url() == "postgresql://elsewhere/pathways"


def test_docs_serve_the_lineage_down_to_the_raw_sources(first_day, tmp_path):
    port = free_port()
    env = {**first_day["env"], "PYTHONUNBUFFERED": "1"}
    serving = subprocess.Popen([PATHWAYS, "docs", "--port", str(port)], env=env,
                               stdout=subprocess.PIPE, text=True)  # fmt: skip
    try:
        assert serving.stdout.readline().startswith(f"dbt docs are up: http://127.0.0.1:{port}")
        base = f"http://127.0.0.1:{port}"
        page = urllib.request.urlopen(f"{base}/index.html", timeout=10).read()
        manifest = json.load(urllib.request.urlopen(f"{base}/manifest.json", timeout=10))
        catalog = json.load(urllib.request.urlopen(f"{base}/catalog.json", timeout=10))
    finally:
        serving.send_signal(signal.SIGTERM)
        assert serving.wait(timeout=60) == 0
    assert b"dbt" in page
    parents = manifest["parent_map"]

    def upstream(node: str) -> set[str]:
        found = set()
        for parent in parents.get(node, []):
            found |= {parent} | upstream(parent)
        return found

    lineage = upstream("model.pathways.partner_cycle_summary")
    assert "model.pathways.fct_interview" in lineage
    assert "source.pathways.raw.interview_version" in lineage
    columns = catalog["nodes"]["model.pathways.fct_interview"]["columns"]
    assert {"source_file_id", "source_line_number"} <= set(columns)
    assert not [pid for pid, arguments in live_processes().items()
                if b"http.server" in arguments and str(port).encode() in arguments]  # fmt: skip


def test_the_key_note_is_an_info_log_line_not_stderr(tmp_path, monkeypatch, caplog, capsys):
    """Issue 29: Airflow shows a task's stderr at ERROR level, so the note that the local key
    was used read as an error in every task log. It is an INFO line of the pathways logger."""
    import logging

    from pathways import settings

    (tmp_path / "pseudonym.key").write_text(TEST_KEY.decode() + "\n")
    monkeypatch.delenv("PATHWAYS_PSEUDONYM_KEY", raising=False)
    monkeypatch.delenv("PATHWAYS_PSEUDONYM_KEY_FILE", raising=False)
    monkeypatch.setenv("PATHWAYS_SECRETS_DIR", str(tmp_path))
    monkeypatch.setattr(settings, "_announced", set())
    with caplog.at_level(logging.INFO, logger="pathways"):
        assert settings.pseudonym_key() == TEST_KEY
    assert [(r.levelname, r.getMessage()[:27]) for r in caplog.records] == [
        ("INFO", "pseudonym key: the local ke")
    ]
    assert capsys.readouterr().err == ""
