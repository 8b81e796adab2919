"""The raw tables are there, and the pseudonym key is the one the warehouse was loaded with.

The tables themselves are made by the migrations (pathways/migrations/versions).
"""

from __future__ import annotations

import hashlib
import hmac

import psycopg


class WarehouseNotMigrated(RuntimeError):
    """The database has no raw tables: it was never migrated."""


def require_tables(conn: psycopg.Connection) -> None:
    # Its own transaction, ended here: left open, every file's transaction after it would be
    # a savepoint inside it, and nothing would commit until the whole landing had loaded.
    with conn.transaction():
        missing = conn.execute("select to_regclass('raw.file_load') is null").fetchone()[0]
    if missing:
        raise WarehouseNotMigrated(
            "the warehouse has no raw tables: `pathways run` makes them (pathways.migrate); "
            "a load without it needs pathways.migrate.upgrade first"
        )


class WrongPseudonymKey(RuntimeError):
    """The key differs from the one this warehouse was loaded with."""


def key_fingerprint(key: bytes) -> str:
    """A short, one-way name for the key, which the warehouse records on its first load."""
    return hmac.new(key, b"pathways pseudonym key check", hashlib.sha256).hexdigest()[:16]


def check_pseudonym_key(conn: psycopg.Connection, key: bytes) -> None:
    """Record the key's fingerprint on first load; refuse a different key afterwards."""
    fingerprint = key_fingerprint(key)
    with conn.transaction():
        conn.execute(
            "insert into raw.pseudonym_key (fingerprint) values (%s) on conflict do nothing",
            (fingerprint,),
        )
        (recorded,) = conn.execute("select fingerprint from raw.pseudonym_key").fetchone()
    if recorded != fingerprint:
        raise WrongPseudonymKey(
            "PATHWAYS_PSEUDONYM_KEY is not the key this warehouse was loaded with (fingerprint "
            f"{fingerprint}, expected {recorded}); with it every student would get a new "
            "pseudonym. Use the original key, or load into a new database."
        )
