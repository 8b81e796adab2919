"""Withhold more until nothing withheld can be worked out (contract 1.2, section 7).

The dbt models withhold small counts and, line by line, the next smallest cell (secondary
suppression). That rule cannot see every combination: in a table of areas by plans, row and
column totals together can pin a cell even when every line holds two withheld cells. So before
the gate publishes, the attacker of `disclosure_audit` bounds every withheld small count of the
candidate figures; for each one it pins, the smallest visible cell of each line through it is
withheld too (recorded in disclosure.forced_withheld), dbt rebuilds the disclosure and
publication models, and the audit runs again, until it recovers nothing.

Partners keep what they downloaded, so the audit attacks the candidates together with every
earlier release of the same cohorts (`releases.py`, `disclosure_releases.py`). A count pinned
through a percentage band loses the band first (`band|<percentage>|<row>` in forced_withheld).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import psycopg

from pathways.publish import releases
from pathways.publish.disclosure_audit import AuditIncomplete, cell_id
from pathways.publish.disclosure_reads import read_public_rates, read_published, read_truth
from pathways.publish.disclosure_releases import attack_releases, shown, unchanged_parts
from pathways.publish.shown_share import LEVELS

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
    linear_programs: int = 0  # solved in the last round: what the audit's time goes on
    # Cells that earlier releases alone already give away: nothing published now can take
    # them back, so they do not hold the gate, but the run reports them.
    already_out: list[str] = field(default_factory=list)

    def report(self) -> str:
        text = (
            f"disclosure audit: {self.checked} withheld small counts bounded across every "
            f"release, none recoverable through these figures; {self.forced} cells withheld "
            f"beyond the rules in {self.rounds} rebuild(s) ({self.seconds:.1f} s; "
            f"{self.linear_programs} linear programmes in the last round)"
        )
        if self.already_out:
            text += (
                f"; WARNING: {len(self.already_out)} counts were already out in earlier "
                f"releases (shown, or recoverable from them alone): "
                f"{', '.join(self.already_out[:5])}"
            )
        return text


# A school's count names fewer children than an area's: the report's first few are those.
_FINEST_FIRST = LEVELS[::-1]


def _most_identifying_first(cell: str) -> tuple:
    level = cell.split("|")[3]
    rank = _FINEST_FIRST.index(level) if level in _FINEST_FIRST else len(_FINEST_FIRST)
    return rank, cell


def reset(url: str) -> None:
    """Before a build: the audit starts again from the rules' own pattern."""
    with psycopg.connect(url) as conn:
        conn.execute("delete from disclosure.forced_withheld")


def _withhold_beside(conn: psycopg.Connection, pinned: list[str], audit_round: int) -> int:
    """Withhold a pinned cell the candidates still show (an earlier release pinned it) and,
    in every line through a pinned cell, its smallest visible cell."""
    return conn.execute(
        """
        insert into disclosure.forced_withheld (cell_id, audit_round)
        select cell_id, %(round)s from disclosure.disclosure_suppression
        where cell_id = any(%(pinned)s) and not suppressed
        union
        select * from (
            select distinct on (line.line_id) line.cell_id, %(round)s
            from unnest(%(pinned)s::text[]) as pinned (cell_id)
            inner join disclosure.disclosure_lines as through on through.cell_id = pinned.cell_id
            inner join disclosure.disclosure_lines as line on line.line_id = through.line_id
            inner join disclosure.disclosure_suppression as cell on cell.cell_id = line.cell_id
            where not cell.suppressed
            order by line.line_id, line.is_total, cell.n = 0, cell.n, line.cell_id
        ) as beside
        on conflict do nothing
        """,
        {"round": audit_round, "pinned": pinned},
    ).rowcount


# The headline percentage whose band a count's small size lets partners read (contract 1.2
# section 7), by the count's family and category as the attacker names them.
BANDED = {
    ("sector", "all", "undecided"): "pct_no_vision",
    ("complement", "sector", "all", "undecided"): "pct_no_vision",
    ("plan", "unsure"): "pct_with_post16_plan",
    ("eet",): "pct_predicted_eet",
    ("not_eet",): "pct_predicted_eet",
}


def band_id(column: str, row_key: tuple) -> str:
    """The name a withheld band has in forced_withheld (read by publication_cycle_summary)."""
    return "|".join(str(part) for part in ("band", column, *row_key))


def _bands_shown(candidate: releases.Release, recovered: list) -> dict[str, tuple]:
    """The bands the candidates show beside a pinned count: band id -> the pinned key."""
    shown = {
        (row["cohort"], row["cycle"], row["area_level"], row["area_code"]): row
        for row in candidate.published["cycle_summary"]
    }
    bands = {}
    for found in recovered:
        cohort, cycle, family, level, code, *detail = found.key
        column = BANDED.get((family, *detail))
        row = shown.get((cohort, cycle, level, code))
        if column and row and row.get(f"{column}_band") is not None:
            bands[band_id(column, (cohort, cycle, level, code))] = found.key
    return bands


def _withhold(conn, candidate: releases.Release, recovered: list, audit_round: int) -> int:
    """A count pinned beside a shown band loses the band; any other, the cells beside it."""
    bands = _bands_shown(candidate, recovered)
    conn.cursor().executemany(
        "insert into disclosure.forced_withheld (cell_id, audit_round) values (%s, %s)"
        " on conflict do nothing",
        [(band, audit_round) for band in bands],
    )
    through_band = set(bands.values())
    pinned = sorted({cell_id(f.key) for f in recovered if f.key not in through_band})
    return len(bands) + (_withhold_beside(conn, pinned, audit_round) if pinned else 0)


def _attack_candidates(url: str, threshold: int, deadline: float):
    """The candidates and every earlier release of their cohorts, attacked together (parts
    unchanged since the last release were attacked then); returns the candidates, what is
    recovered, and what the earlier releases already give away (shown, or recoverable from
    them alone) as (cell, count) pairs: publishing cannot take that back, so it does not hold
    the gate."""
    with psycopg.connect(url) as conn:
        candidate = releases.Release(
            read_published(conn, candidates=True), releases.by_cell(read_truth(conn))
        )
        cohorts = sorted({row["cohort"] for rows in candidate.published.values() for row in rows})
        kept = releases.earlier(conn, cohorts)
        rates = read_public_rates(conn)
    skip = unchanged_parts(kept[-1], candidate) if kept else frozenset()
    result = attack_releases([*kept, candidate], threshold, deadline, rates=rates, skip=skip)
    already: set[tuple[str, int]] = set()
    if result.recovered and kept:
        already = shown(kept, rates)
        if any(found.release < len(kept) for found in result.recovered):  # an older copy
            earlier = attack_releases(kept, threshold, deadline, rates=rates)
            already |= {(cell_id(found.key), found.truth) for found in earlier.recovered}
    return candidate, result, already


def protect(url: str, threshold: int, rebuild: Callable[[], None]) -> Protection:
    """Audit the candidates; withhold more and rebuild until no withheld count is recoverable."""
    started = time.monotonic()
    deadline = started + AUDIT_SECONDS
    forced = 0
    for audit_round in range(1, MAX_ROUNDS + 1):
        candidate, result, already = _attack_candidates(url, threshold, deadline)
        fresh = [f for f in result.recovered if (cell_id(f.key), f.truth) not in already]
        if not fresh:
            protection = Protection(
                result.checked,
                forced,
                audit_round - 1,
                time.monotonic() - started,
                result.linear_programs,
            )
            protection.already_out = sorted(
                {cell_id(f.key) for f in result.recovered}, key=_most_identifying_first
            )
            return protection
        pinned = sorted({cell_id(found.key) for found in fresh})
        with psycopg.connect(url) as conn:
            added = _withhold(conn, candidate, fresh, audit_round)
        if not added:
            break
        forced += added
        rebuild()
    raise DisclosureUnprotected(
        f"withheld counts could still be worked out after {MAX_ROUNDS} audit rounds: "
        + ", ".join(pinned[:5])
    )
