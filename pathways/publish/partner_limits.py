"""Partners cannot outlive their limits.

A partner login carries a statement timeout and an idle-in-transaction timeout as role settings
(access.sql), but any session may `set` its own to 0, and a read then held open keeps the lock
that the partner views' rebuild waits for: the run would hang, holding the lease, and every
later run would be refused. PostgreSQL cannot forbid the `set`, so the limits are enforced from
outside: while a run holds the warehouse, a watchdog ends every partner session that has run
one statement longer than the statement limit, or sat idle in a transaction longer than the idle
limit. The loader may see and end them (`pg_read_all_stats`, `pg_signal_backend`, granted by
access.sql); it can never end an administrator's session.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator

import psycopg

# The partner role's own settings (access.sql, access.create_partner_login): the watchdog
# enforces the same limits, a little later than the server would have.
STATEMENT_LIMIT = "30s"
IDLE_IN_TRANSACTION_LIMIT = "60s"
CHECK_EVERY_SECONDS = 5.0

END_OVERRUNNING = """
select count(pg_terminate_backend(activity.pid))
from pg_stat_activity as activity
inner join pg_roles as login on login.oid = activity.usesysid
where activity.datname = current_database()
    and activity.pid <> pg_backend_pid()
    and not login.rolsuper
    and pg_has_role(activity.usesysid, 'pathways_partner_reader', 'member')
    and (
        (activity.state = 'active' and activity.query_start < now() - %(statement)s::interval)
        or (activity.state like 'idle in transaction%%'
            and activity.state_change < now() - %(idle)s::interval)
    )
"""


def limits() -> dict[str, str]:
    return {"statement": STATEMENT_LIMIT, "idle": IDLE_IN_TRANSACTION_LIMIT}


def end_overrunning_sessions(conn: psycopg.Connection) -> int:
    """End every partner session past its limits; returns how many."""
    return conn.execute(END_OVERRUNNING, limits()).fetchone()[0]


@contextlib.contextmanager
def enforced(url: str) -> Iterator[list[int]]:
    """Watch the partner sessions while the block runs (a run holding the lease); the list it
    yields counts the sessions ended."""
    ended = [0]
    stop = threading.Event()

    def watch() -> None:
        with contextlib.suppress(psycopg.Error), psycopg.connect(url, autocommit=True) as conn:
            while True:
                ended[0] += end_overrunning_sessions(conn)
                if stop.wait(CHECK_EVERY_SECONDS):
                    return

    watchdog = threading.Thread(target=watch, name="partner-limits", daemon=True)
    watchdog.start()
    try:
        yield ended
    finally:
        stop.set()
        watchdog.join()
