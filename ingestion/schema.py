"""The raw and restricted tables (schema.sql), and the pseudonym key a warehouse was loaded with."""

from __future__ import annotations

import hashlib
import hmac
from pathlib import Path

import psycopg

SCHEMA_SQL = Path(__file__).with_name("schema.sql")


def create_schema(conn: psycopg.Connection) -> None:
    with conn.transaction():
        # Serialise concurrent first runs: CREATE ... IF NOT EXISTS is not race-free.
        conn.execute("select pg_advisory_xact_lock(hashtext('pathways.raw_schema'))")
        conn.execute(SCHEMA_SQL.read_text())


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
