"""Connecting to the warehouse database, creating it when missing, or starting an embedded one."""

from __future__ import annotations

import contextlib
import os
import socket
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql

from pathways.settings import DEFAULT_WAREHOUSE_URL, STATE_DIR


def _local_postgres_answers(host: str = "127.0.0.1", port: int = 5432) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def _start_embedded_postgres(database: str = "pathways") -> str:
    """A bundled PostgreSQL (pgserver) in .state/pgdata, for machines with none running."""
    import pgserver  # imported late: only laptops without PostgreSQL need it

    STATE_DIR.mkdir(parents=True, exist_ok=True)
    # cleanup_mode=None keeps the server running after this process, for later runs and tools.
    server = pgserver.get_server(STATE_DIR / "pgdata", cleanup_mode=None)
    return server.get_uri(database)


def resolve_warehouse_url() -> str:
    """WAREHOUSE_URL if set; else the local server; else an embedded one (demo on a bare laptop)."""
    url = os.environ.get("WAREHOUSE_URL")
    if url:
        return url
    if _local_postgres_answers():
        return DEFAULT_WAREHOUSE_URL
    return _start_embedded_postgres()


def resolve_loader_url() -> str:
    """The warehouse as the loader (pathways_loader), what every pipeline step but the access
    migration connects as."""
    from pathways import access

    return access.loader_url(resolve_warehouse_url())


def resolve_demo_url() -> str:
    """The demo's own database (pathways_demo), never WAREHOUSE_URL: the demo resets it."""
    url = os.environ.get("DEMO_WAREHOUSE_URL")
    if url:
        return url
    if _local_postgres_answers():
        return _with_database(DEFAULT_WAREHOUSE_URL, "pathways_demo")
    return _start_embedded_postgres("pathways_demo")


def resolve_dashboard_url() -> str:
    """What Superset shows: WAREHOUSE_URL if set, else the demo database when `make demo` has
    made one (so `pathways superset` after `make demo` shows the demo), else the warehouse."""
    if os.environ.get("WAREHOUSE_URL"):
        return os.environ["WAREHOUSE_URL"]
    demo = resolve_demo_url()
    try:
        with psycopg.connect(demo, connect_timeout=3):
            return demo
    except psycopg.OperationalError:
        return resolve_warehouse_url()


def _with_database(url: str, database: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + database))


def database_name(url: str) -> str:
    return urlsplit(url).path.lstrip("/") or "postgres"


def ensure_database(url: str) -> None:
    """Create the database named in url if it does not exist yet."""
    name = database_name(url)
    with psycopg.connect(_with_database(url, "postgres"), autocommit=True) as admin:
        exists = admin.execute("select 1 from pg_database where datname = %s", (name,)).fetchone()
        # Another run may create it a moment before this one: the outcome wanted all the same.
        already = (psycopg.errors.DuplicateDatabase, psycopg.errors.UniqueViolation)
        if not exists:
            with contextlib.suppress(*already):
                admin.execute(sql.SQL("create database {}").format(sql.Identifier(name)))


def drop_database(url: str) -> None:
    name = database_name(url)
    with psycopg.connect(_with_database(url, "postgres"), autocommit=True) as admin:
        admin.execute(
            sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(name))
        )


def code_labels(conn: psycopg.Connection, code_list: str, code: str = "code") -> dict[str, str]:
    """A code list's labels by code (dbt seeds in `reference`), for what people read."""
    query = sql.SQL("select {}::text, label from {}").format(
        sql.Identifier(code), sql.Identifier("reference", code_list)
    )
    return dict(conn.execute(query).fetchall())


def connect(url: str) -> psycopg.Connection:
    return psycopg.connect(url)
