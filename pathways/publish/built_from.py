"""What the current publication was built from: every load up to a moment, by one version of the
models, seeds and settings. A run that finds nothing newer builds, publishes and delivers
nothing again (issue 27: an unchanged landing meant a full cycle load, a new publication and
every pack written again)."""

from __future__ import annotations

import psycopg

# The latest change to the loads: a file loaded, or a delivery replaced.
LOADS_UNTIL = "select max(greatest(loaded_at, superseded_at)) from raw.file_load"


def record(conn: psycopg.Connection, built_with: str) -> None:
    """In the publishing transaction (the lease holds the loads still): what it was built from."""
    conn.execute(
        f"update published.current_publication set loads_until = ({LOADS_UNTIL}), built_with = %s",
        (built_with,),
    )


def unchanged_publication(url: str, built_with: str) -> int | None:
    """The current publication's id, if it was built from every load so far by built_with (the
    same models and settings); None if anything is newer, or nothing was published yet."""
    with psycopg.connect(url) as conn:
        current = conn.execute(
            f"select publication_id from published.current_publication"
            f" where built_with = %s and loads_until >= ({LOADS_UNTIL})",
            (built_with,),
        ).fetchone()
    return current[0] if current else None
