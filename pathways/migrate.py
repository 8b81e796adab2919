"""The warehouse's own tables, roles and grants: versioned migrations (Alembic), one owner.

dbt builds everything from staging to the partner views; what dbt does not build (the raw and
restricted tables, the lease, the gate's results, the publication pointer, the disclosure
releases, the roles and their grants) is made by the revisions in pathways/migrations/versions,
applied in order and recorded in control.alembic_version. Warehouses made before the migrations
existed (contract 1.0 and 1.1 releases) upgrade from the first revision: its statements find
what an earlier release made and bring it to the same shape. Forward only: a release never
drops what partners or an earlier release's readers may still read.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from importlib import resources
from urllib.parse import urlsplit, urlunsplit

import psycopg

# The revision that makes control.run_lease: applied before the lease is taken, as nothing can
# be leased without it (the lease then covers every later revision).
LEASE_REVISION = "0001_run_lease"
LOCK = "select pg_advisory_lock(hashtext('pathways.migrate'))"
UNLOCK = "select pg_advisory_unlock(hashtext('pathways.migrate'))"


def _sqlalchemy_url(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(scheme="postgresql+psycopg"))


@contextlib.contextmanager
def _migration_context(url: str) -> Iterator[tuple]:
    """Alembic's config and an open connection, holding the migrations' advisory lock: two runs
    starting on a new warehouse together apply each revision once."""
    from alembic.config import Config
    from sqlalchemy import create_engine, text
    from sqlalchemy.pool import NullPool

    config = Config()
    config.set_main_option("script_location", str(resources.files("pathways") / "migrations"))
    engine = create_engine(_sqlalchemy_url(url), poolclass=NullPool)
    try:
        with engine.connect() as connection:
            connection.execute(text(LOCK))
            connection.commit()
            try:
                config.attributes["connection"] = connection
                yield config, connection
                connection.commit()
            finally:
                connection.rollback()  # a revision that failed leaves nothing half-made
                connection.execute(text(UNLOCK))
                connection.commit()
    finally:
        engine.dispose()


def upgrade(url: str, revision: str = "head") -> None:
    """Apply every revision the warehouse lacks, up to revision, as url's login."""
    from alembic import command

    with _migration_context(url) as (config, _):
        command.upgrade(config, revision)


def bootstrap(url: str) -> None:
    """The lease's own table, on a warehouse that has none yet (new, or from before the lease)."""
    with psycopg.connect(url) as conn:
        missing = conn.execute("select to_regclass('control.run_lease') is null").fetchone()[0]
    if missing:
        upgrade(url, LEASE_REVISION)


def current(url: str) -> str | None:
    """The revision the warehouse is at (None before its first migration): for `status`."""
    with psycopg.connect(url) as conn:
        if conn.execute("select to_regclass('control.alembic_version') is null").fetchone()[0]:
            return None
        row = conn.execute("select version_num from control.alembic_version").fetchone()
    return row[0] if row else None


def head() -> str:
    """The newest revision of this release."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(resources.files("pathways") / "migrations"))
    return ScriptDirectory.from_config(config).get_current_head()


def execute(statements: str) -> None:
    """Run a revision's SQL as written, in its transaction. Straight to psycopg with no
    parameters: through SQLAlchemy, the `%I` of a `format()` would be read as a placeholder."""
    from alembic import op

    op.get_bind().connection.driver_connection.execute(statements)
