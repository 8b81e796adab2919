"""One pipeline at a time per warehouse: a lease that spans a run's steps and processes.

`pathways run`, `pathways gate` and the cycle-load DAG all take the lease before they change
anything, so no two runs interleave their loads, builds, verifications and publications; in
particular what the gate verified is what it publishes, as nothing can rebuild the candidates
in between. A second run is refused with RunInProgress (exit code 3 from the command line).

The lease is one row in `control.run_lease` (made by the first migration, before the lease
is taken: pathways/migrate.py). A command-line run keeps a connection open while
it works and records its server process: when the run dies, even by SIGKILL, PostgreSQL ends
that process and the next run sees the lease as abandoned at once. Airflow's tasks run in
separate processes, so the DAG holds the lease by its run id, from its first task to its last;
if its worker is killed the lease lapses when it expires (DAG_LEASE after it was taken), and a
later DAG run takes it over at once if Airflow says the holding run has ended (marked failed or
cleared in the UI, say: Airflow runs no clean-up task then).

Holding the lease is checked where it matters (issue 27): the lease is taken before the access
migration, and publication fences on it: `fence` in the publishing transaction refuses to
publish for a run whose lease has gone (its connection dropped) or passed to another run, and
holds the lease row so it cannot pass while the figures are swapped. `pathways lease --release`
is the operator's way out of a lease whose holder is gone (`pathways status` flags one).
"""

from __future__ import annotations

import contextlib
import os
import socket
from collections.abc import Callable, Iterator
from datetime import timedelta

import psycopg

DAG_LEASE = timedelta(hours=2)
COMMAND_LEASE = timedelta(days=1)  # a live command-line run is never treated as abandoned


# A lease is alive until it expires, and a command-line run's only while its connection is.
ALIVE = """
    expires_at > now()
    and (keeper_pid is null or exists (
        select from pg_stat_activity
        where pid = keeper_pid and backend_start = keeper_started_at
    ))
"""


class RunInProgress(RuntimeError):
    """Another pipeline run holds the warehouse."""


class LeaseLost(RuntimeError):
    """This run no longer holds the lease: it must not publish."""


def acquire(
    conn: psycopg.Connection,
    holder: str,
    ttl: timedelta,
    keep: bool,
    ended: Callable[[str], bool] | None = None,
) -> None:
    """Take the lease for holder (or renew it), unless another live run holds it.

    keep: the lease lives as long as this connection (a command-line run); otherwise until
    it expires (a DAG run, renewed by each of its tasks). ended(other holder): whether that
    holder is known to have ended although its lease has not expired (a DAG run marked failed).
    """
    with conn.transaction():
        # Check and take in one step across processes: two runs starting together serialise.
        conn.execute("select pg_advisory_xact_lock(hashtext('pathways.run_lease'))")
        current = conn.execute(
            f"select holder, acquired_at, {ALIVE} as alive from control.run_lease for update"
        ).fetchone()
        if current and current[0] != holder and current[2] and not (ended and ended(current[0])):
            raise RunInProgress(
                f"another run is in progress since {current[1]:%Y-%m-%d %H:%M:%S %Z} "
                f"({current[0]}); try again when it has finished"
            )
        conn.execute(
            """
            insert into control.run_lease as lease
                (holder, acquired_at, expires_at, keeper_pid, keeper_started_at)
            select %(holder)s, now(), now() + %(ttl)s,
                case when %(keep)s then pid end, case when %(keep)s then backend_start end
            from pg_stat_activity
            where pid = pg_backend_pid()
            on conflict (lease) do update set
                holder = excluded.holder,
                acquired_at = case when lease.holder = excluded.holder
                    then lease.acquired_at else excluded.acquired_at end,
                expires_at = excluded.expires_at,
                keeper_pid = excluded.keeper_pid,
                keeper_started_at = excluded.keeper_started_at
            """,
            {"holder": holder, "ttl": ttl, "keep": keep},
        )


def _no_lease_table(conn: psycopg.Connection) -> bool:
    """A warehouse not migrated yet (pathways/migrate.py makes the table first)."""
    return conn.execute("select to_regclass('control.run_lease') is null").fetchone()[0]


def holder_now(conn: psycopg.Connection) -> str | None:
    """Who holds the lease now and since when, or None (for `pathways status`)."""
    if _no_lease_table(conn):
        return None
    held = conn.execute(
        f"select holder || ' since ' || to_char(acquired_at, 'YYYY-MM-DD HH24:MI:SS TZ')"
        f" from control.run_lease where {ALIVE}"
    ).fetchone()
    return held[0] if held else None


def abandoned(conn: psycopg.Connection) -> str | None:
    """A lease row whose holder is gone (its connection ended) but has not expired: the next
    run takes it over. For `pathways status`."""
    if _no_lease_table(conn):
        return None
    gone = conn.execute(
        f"select holder from control.run_lease where expires_at > now() and not ({ALIVE})"
    ).fetchone()
    return gone[0] if gone else None


def fence(conn: psycopg.Connection, holder: str) -> None:
    """In the caller's transaction: LeaseLost unless holder holds a live lease; the lease row
    stays locked until the transaction ends, so the lease cannot pass meanwhile."""
    held_now = conn.execute(
        f"select from control.run_lease where holder = %s and {ALIVE} for share", (holder,)
    ).fetchone()
    if held_now is None:
        raise LeaseLost(
            f"this run ({holder}) lost its lease on the warehouse (its connection ended, or "
            "another run took it over): nothing was published"
        )


def release_any(conn: psycopg.Connection) -> str | None:
    """The operator's release of whatever lease there is (`pathways lease --release`)."""
    if _no_lease_table(conn):
        return None
    gone = conn.execute("delete from control.run_lease returning holder").fetchone()
    conn.commit()
    return gone[0] if gone else None


def release(conn: psycopg.Connection, holder: str) -> None:
    conn.execute("delete from control.run_lease where holder = %s", (holder,))
    conn.commit()


def command_holder() -> str:
    return f"pathways command on {socket.gethostname()} (pid {os.getpid()})"


@contextlib.contextmanager
def held(url: str, holder: str | None = None) -> Iterator[str]:
    """Hold the lease for the duration of the block (a command-line run); yields the holder,
    for `fence`."""
    holder = holder or command_holder()
    with psycopg.connect(url) as keeper:
        acquire(keeper, holder, COMMAND_LEASE, keep=True)
        try:
            yield holder
        finally:
            with contextlib.suppress(psycopg.OperationalError):  # its connection may be gone
                release(keeper, holder)
