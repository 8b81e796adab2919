"""Withhold more until nothing withheld can be worked out (contract 1.1, section 7).

The dbt models withhold small counts and, line by line, the next smallest cell (secondary
suppression). That rule cannot see every combination: in a table of areas by plans, row and
column totals together can pin a cell even when every line holds two withheld cells. So before
the gate publishes, the attacker of `disclosure_audit` bounds every withheld small count of the
candidate figures; for each one it pins, the smallest visible cell of each line through it is
withheld too (recorded in disclosure.forced_withheld), dbt rebuilds the disclosure and
publication models, and the audit runs again, until it recovers nothing.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import psycopg

from pathways.publish.disclosure_audit import (
    AuditIncomplete,
    attack,
    cell_id,
    read_public_rates,
    read_published,
    read_truth,
)

__all__ = ["AuditIncomplete", "DisclosureUnprotected", "Protection", "protect", "reset"]

MAX_ROUNDS = 8
AUDIT_SECONDS = 900


class DisclosureUnprotected(RuntimeError):
    """The audit still recovers withheld counts after every round: nothing may be published."""


@dataclass
class Protection:
    checked: int
    forced: int
    rounds: int
    seconds: float

    def report(self) -> str:
        return (
            f"disclosure audit: {self.checked} withheld small counts bounded, none recoverable; "
            f"{self.forced} cells withheld beyond the rules in {self.rounds} rebuild(s) "
            f"({self.seconds:.1f} s)"
        )


def reset(url: str) -> None:
    """Before a build: the audit starts again from the rules' own pattern."""
    with psycopg.connect(url) as conn:
        conn.execute("delete from disclosure.forced_withheld")


def _withhold_beside(conn: psycopg.Connection, pinned: list[str], audit_round: int) -> int:
    """In every line through a pinned cell, withhold its smallest visible cell."""
    return conn.execute(
        """
        insert into disclosure.forced_withheld (cell_id, audit_round)
        select distinct on (line.line_id) line.cell_id, %s
        from unnest(%s::text[]) as pinned (cell_id)
        inner join disclosure.disclosure_lines as through on through.cell_id = pinned.cell_id
        inner join disclosure.disclosure_lines as line on line.line_id = through.line_id
        inner join disclosure.disclosure_suppression as cell on cell.cell_id = line.cell_id
        where not cell.suppressed
        order by line.line_id, line.is_total, cell.n = 0, cell.n, line.cell_id
        on conflict do nothing
        """,
        (audit_round, pinned),
    ).rowcount


def protect(url: str, threshold: int, rebuild: Callable[[], None]) -> Protection:
    """Audit the candidates; withhold more and rebuild until no withheld count is recoverable."""
    started = time.monotonic()
    deadline = started + AUDIT_SECONDS
    forced = 0
    for audit_round in range(1, MAX_ROUNDS + 1):
        with psycopg.connect(url) as conn:
            published, truth = read_published(conn, candidates=True), read_truth(conn)
            rates = read_public_rates(conn)
        result = attack(published, truth, threshold, deadline, rates=rates)
        if not result.recovered:
            return Protection(result.checked, forced, audit_round - 1, time.monotonic() - started)
        pinned = sorted({cell_id(found.key) for found in result.recovered})
        with psycopg.connect(url) as conn:
            added = _withhold_beside(conn, pinned, audit_round)
        if not added:
            break
        forced += added
        rebuild()
    raise DisclosureUnprotected(
        f"withheld counts could still be worked out after {MAX_ROUNDS} audit rounds: "
        + ", ".join(pinned[:5])
    )
