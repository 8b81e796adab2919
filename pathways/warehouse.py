"""Connecting to the warehouse database, creating it when missing, or starting an embedded one."""

from __future__ import annotations

import contextlib
import os
import socket
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql
from psycopg.rows import dict_row

from pathways.settings import DEFAULT_WAREHOUSE_URL, STATE_DIR, shown


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


def _current_warehouse_file() -> Path:
    return STATE_DIR / "warehouse.url"


def remember_warehouse(url: str) -> None:
    """Make url this checkout's warehouse for every later command (`pathways demo` does)."""
    path = _current_warehouse_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch(mode=0o600)  # it may hold a password
    path.write_text(url + "\n")


def resolve_warehouse_and_source() -> tuple[str, str]:
    """The warehouse every command uses, and why: WAREHOUSE_URL if set; else the one the last
    `pathways demo` loaded; else the local server; else an embedded one (a bare laptop)."""
    url = os.environ.get("WAREHOUSE_URL")
    if url:
        return url, "WAREHOUSE_URL"
    remembered = _current_warehouse_file()
    if remembered.is_file() and remembered.read_text().strip():
        return remembered.read_text().strip(), f"{shown(remembered)}, written by `pathways demo`"
    if _local_postgres_answers():
        return DEFAULT_WAREHOUSE_URL, "the default (PostgreSQL on 127.0.0.1:5432)"
    return _start_embedded_postgres(), "an embedded PostgreSQL in .state/pgdata"


def resolve_warehouse_url() -> str:
    return resolve_warehouse_and_source()[0]


def redacted(url: str) -> str:
    """The URL as it may be printed: its password, if any, replaced by ***."""
    password = urlsplit(url).password
    return url.replace(f":{password}@", ":***@") if password else url


def resolve_demo_url() -> str:
    """The demo's own database (pathways_demo), never WAREHOUSE_URL: the demo resets it."""
    url = os.environ.get("DEMO_WAREHOUSE_URL")
    if url:
        return url
    if _local_postgres_answers():
        return _with_database(DEFAULT_WAREHOUSE_URL, "pathways_demo")
    return _start_embedded_postgres("pathways_demo")


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


def records(conn: psycopg.Connection, query, params=None) -> list[dict]:
    """A query's rows as dicts keyed by column name."""
    with conn.cursor(row_factory=dict_row) as cursor:
        return cursor.execute(query, params).fetchall()


def connect(url: str) -> psycopg.Connection:
    return psycopg.connect(url)
