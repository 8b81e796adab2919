"""What the Airflow DAGs' tasks do, importable and testable without Airflow running.

The DAG files in dags/ stay small: they wire these functions into tasks.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

import psycopg

from pathways import pipeline, settings, warehouse
from pathways.publish import access, career_lead_detail
from pathways.settings import STATE_DIR, ConfigurationError

DEFAULT_LANDING = STATE_DIR / "demo-landing"
WAREHOUSE_CONN_ID = "pathways_warehouse"


def landing_location() -> str:
    """Where extracts land: a local folder or any fsspec URL (s3://, sftp://, ...)."""
    return os.environ.get("PATHWAYS_LANDING", str(DEFAULT_LANDING))


def _wanted(relative: str, cohort: int | None, cycle: int | None, destinations: bool) -> bool:
    """A cycle load needs its cohort's schools.csv and that cycle's files; a destinations load
    its schools.csv and its destinations/ folder (they arrive months after cycle 7)."""
    if cohort is not None and not relative.startswith(f"cohort={cohort}/"):
        return False
    if relative.endswith("/schools.csv"):
        return True
    if destinations:
        return "/destinations/" in relative
    return cycle is None or f"/cycle={cycle}/" in relative


def pull_extracts(
    location: str, into: Path, cohort=None, cycle=None, destinations: bool = False
) -> Path:
    """A local folder holding the extracts to load: the landing itself when it is local and
    nothing narrower was asked for; otherwise a copy of the wanted files (a cycle's, or the
    destinations), with their relative paths (and so their identity for idempotent loading)
    kept. Remote landings go through Airflow's ObjectStoragePath, so S3 or SFTP need only a
    connection, not code."""
    if settings.is_local(location):
        local = settings.local_path(location)
        pipeline.require_landing(local)  # issue 27: a DAG run on a missing landing "succeeded"
        if cohort is None and cycle is None and not destinations:
            return local
    root = _landing_root(location)
    if into.exists():
        shutil.rmtree(into)
    into.mkdir(parents=True)
    for source in root.rglob("*"):
        relative = str(source.relative_to(root))
        if source.is_file() and _wanted(relative, cohort, cycle, destinations):
            _copy_keeping_time(source, into / relative)
    return into


def _landing_root(location: str):
    from airflow.sdk import ObjectStoragePath

    local = settings.local_path(location)
    root = ObjectStoragePath(location if not settings.is_local(location) else f"file://{local}")
    if not root.is_dir():
        raise ConfigurationError(f"landing {location} does not exist or cannot be read")
    return root


def _copy_keeping_time(source, target: Path) -> None:
    """The delivery time decides which of two interviews wins: the copy keeps the landing's."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with source.open("rb") as reading, open(target, "wb") as writing:
        shutil.copyfileobj(reading, writing)
    mtime = source.stat().st_mtime
    os.utime(target, (mtime, mtime))


def landing_fingerprint(location: str) -> str:
    """Changes whenever a file is added, replaced or removed in the landing."""
    root = _landing_root(location)
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*"), key=str):
        if path.is_file():
            stat = path.stat()
            digest.update(f"{path.relative_to(root)}|{stat.st_size}|{stat.st_mtime}".encode())
    return digest.hexdigest()


def ingest_extracts(folder: Path) -> dict:
    """The same ingestion the CLI runs; returns the summary as plain data for XCom."""
    url = warehouse.resolve_warehouse_url()
    summary = pipeline.ingest(Path(folder), url)
    return {
        "report": summary.report(),
        # The current publication, when nothing it was built from changed: the run ends here.
        "nothing_new_since": pipeline.nothing_new(url, summary),
        "files_loaded": summary.count("loaded"),
        "files_quarantined": summary.count("quarantined"),
        "rows_loaded": summary.rows_loaded,
        "rows_rejected": summary.rows_rejected,
    }


def dag_holder(run_id: str) -> str:
    return f"airflow {run_id}"


def take_run_lease(run_id: str, run_ended=None) -> None:
    """The DAG run's lease on the warehouse (pathways/run_lease.py), taken before the
    migrations; RunInProgress if held, unless by a DAG run that run_ended(its run id) says has
    ended (marked failed or cleared: it never released its lease)."""
    from pathways import migrate, run_lease

    def ended(holder: str) -> bool:
        other = holder.removeprefix(dag_holder(""))
        return run_ended is not None and holder != other and run_ended(other)

    url = warehouse.resolve_warehouse_url()
    warehouse.ensure_database(url)
    migrate.bootstrap(url)
    with psycopg.connect(url) as conn:
        run_lease.acquire(conn, dag_holder(run_id), run_lease.DAG_LEASE, keep=False, ended=ended)
    pipeline.prepare(url)


def release_run_lease(run_id: str) -> None:
    from pathways import run_lease

    with psycopg.connect(access.resolve_loader_url()) as conn:
        run_lease.release(conn, dag_holder(run_id))


def verify_candidates(verification_id: str) -> str:
    """The gate's first half: Soda contracts on the new figures. Raises pipeline.GateClosed."""
    url = warehouse.resolve_warehouse_url()
    verification = pipeline.verify_candidates(url, verification_id=verification_id)
    print(verification.report())
    return verification.verification_id


def publish_candidates(verification_id: str, run_id: str) -> dict[str, int]:
    """The gate's second half, only after verify_candidates passed: rows published per table
    (run_lease.LeaseLost if the run's lease has lapsed or passed to another run)."""
    url = warehouse.resolve_warehouse_url()
    return pipeline.publish_candidates(url, verification_id, dag_holder(run_id)).rows


def apply_access() -> None:
    """Grants and row-level security on the tables dbt has just rebuilt (publish/access.sql)."""
    access.apply(warehouse.resolve_warehouse_url())


def deliver_career_lead_detail() -> None:
    """Career leads' view shows the detail of the build that has just succeeded."""
    career_lead_detail.deliver(access.resolve_loader_url())


def deliver_packs(cohort: int | None, cycle: int | None) -> list[str]:
    """Career-lead packs for the given cycle, or the newest cohort's latest one."""
    written = pipeline.deliver_packs(access.resolve_loader_url(), cohort, cycle)[2]
    return [str(pack.path) for pack in written]


def export_open_data() -> list[str]:
    """The partner views as Explore Education Statistics files."""
    from pathways.deliver import ees_export

    return [str(path) for path in ees_export.export(access.resolve_loader_url())]


def airflow_connection_uri(url: str) -> str:
    """The warehouse as an Airflow connection URI (AIRFLOW_CONN_PATHWAYS_WAREHOUSE).

    cosmos' Postgres profile mapping insists on a password; a local server with trust
    authentication ignores it, so a passwordless URL gets a placeholder.
    """
    parts = urlsplit(url)
    user = parts.username or "postgres"
    password = parts.password or "trust-auth-ignores-this"
    netloc = f"{quote(user)}:{quote(password)}@{parts.hostname or '127.0.0.1'}:{parts.port or 5432}"
    return urlunsplit(("postgres", netloc, parts.path, parts.query, ""))
