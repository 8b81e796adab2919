"""Every release partners were shown, kept so that the gate can judge disclosure across releases.

Partners and open-data readers keep what they downloaded (contract 1.2, section 7), so a
withheld count must stay out of reach of anyone who compares one release with another. A
*release* of a cohort is a publication that changed what partners read of it: at each one the
rows partners were shown and the counts behind them (`disclosure.disclosure_suppression`: the
answer sheet, never readable by a partner) are kept in `disclosure.release_*`, in the same
transaction as the publication itself. The gate reads them back to attack the new candidates
together with every earlier release of the same cohorts (`disclosure_releases.py`), and the
disclosure models keep every cell an earlier release withheld withheld (`disclosure_counts`).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import psycopg
from psycopg import sql

from pathways.publish.disclosure_audit import cell_id
from pathways.publish.disclosure_reads import VIEWS

# Columns of the candidates that partners never read: they say when, not what.
NOT_FIGURES = ("built_from_loads_until",)


@dataclass
class Release:
    """One release as a partner keeps it: every row of the partner views (for some cohorts),
    and the true counts it was made of, by disclosure cell."""

    published: dict[str, list[dict]]
    truth: dict[str, int]
    # The comparison rates it was computed from, as disclosure_reads.read_public_rates keys
    # them; empty for a release kept before they were (the current ones stand in).
    rates: dict = field(default_factory=dict)


def _candidate_rows() -> sql.Composed:
    """Every candidate row as partners will read it: view, cohort and figures (jsonb)."""
    return sql.SQL(" union all ").join(
        sql.SQL(
            "select {view} as view_name, row.cohort::integer as cohort, {figures} as figures"
            " from {table} as row"
        ).format(
            view=sql.Literal(view),
            figures=sql.SQL(" - ").join([sql.SQL("to_jsonb(row)"), *map(sql.Literal, NOT_FIGURES)]),
            table=sql.Identifier("publication", f"publication_{view}"),
        )
        for view in VIEWS
    )


def record(conn: psycopg.Connection, publication_id: int) -> list[int]:
    """Inside the publishing transaction: keep the candidates of each cohort whose figures
    differ from its last release as a new release. Returns those cohorts.

    Candidates built by a release before disclosure cells (1.0) are not kept: there is no
    answer sheet to judge them by."""
    tables = {f"publication.publication_{view}" for view in VIEWS}
    exists = conn.execute(
        "select count(to_regclass(name)) from unnest(%s::text[]) as name",
        ([*tables, "disclosure.disclosure_suppression"],),
    ).fetchone()[0]
    if exists < len(tables) + 1:
        return []
    conn.execute(
        sql.SQL("create temporary table candidate_release on commit drop as {}").format(
            _candidate_rows()
        )
    )
    changed = [
        cohort
        for (cohort,) in conn.execute(
            """
            with digests as (
                select cohort,
                    md5(string_agg(view_name || ' ' || figures::text, E'\n'
                        order by view_name, figures::text)) as digest
                from candidate_release group by cohort
            ),
            latest as (
                select distinct on (cohort) cohort, digest from disclosure.release
                order by cohort, publication_id desc
            )
            insert into disclosure.release (cohort, publication_id, digest)
            select digests.cohort, %s, digests.digest
            from digests left join latest on latest.cohort = digests.cohort
            where latest.digest is distinct from digests.digest
            returning cohort
            """,
            (publication_id,),
        )
    ]
    conn.execute(
        """
        insert into disclosure.release_row (cohort, publication_id, view_name, figures)
        select cohort, %s, view_name, figures from candidate_release
        where cohort = any(%s)
        """,
        (publication_id, changed),
    )
    conn.execute(
        """
        insert into disclosure.release_cell (cohort, publication_id, cell_id, n, suppressed)
        select cohort, %(id)s, cell_id, n, suppressed from disclosure.disclosure_suppression
        where cohort = any(%(cohorts)s)
        union all  -- the bands the audit withheld (band|<percentage>|<cohort>|...): kept so
        select split_part(cell_id, '|', 3)::integer, %(id)s, cell_id, null, true
        from disclosure.forced_withheld
        where cell_id like 'band|%%' and split_part(cell_id, '|', 3)::integer = any(%(cohorts)s)
        """,
        {"id": publication_id, "cohorts": changed},
    )
    conn.execute(
        """
        insert into disclosure.release_rate (cohort, publication_id, la_code, characteristic,
            pct_neet, pct_not_known, pct_neet_or_not_known)
        select cohort, %(id)s, la_code, characteristic, pct_neet, pct_not_known,
            pct_neet_or_not_known
        from staging.stg_raw__destination_comparisons where cohort = any(%(cohorts)s)
        """,
        {"id": publication_id, "cohorts": changed},
    )
    return sorted(changed)


def earlier(conn: psycopg.Connection, cohorts: list[int]) -> list[Release]:
    """The kept releases of these cohorts, oldest first."""
    published: dict[int, dict[str, list[dict]]] = defaultdict(lambda: {v: [] for v in VIEWS})
    for publication_id, view, figures in conn.execute(
        "select publication_id, view_name, figures from disclosure.release_row"
        " where cohort = any(%s)",
        (cohorts,),
    ):
        published[publication_id][view].append(figures)
    truth: dict[int, dict[str, int]] = defaultdict(dict)
    for publication_id, cell, n in conn.execute(
        "select publication_id, cell_id, n from disclosure.release_cell where cohort = any(%s)",
        (cohorts,),
    ):
        truth[publication_id][cell] = n
    rates: dict[int, dict] = defaultdict(dict)
    for publication_id, cohort, la, characteristic, *values in conn.execute(
        "select publication_id, cohort, la_code, characteristic, pct_neet, pct_not_known,"
        " pct_neet_or_not_known from disclosure.release_rate where cohort = any(%s)",
        (cohorts,),
    ):
        rates[publication_id][(cohort, la, characteristic)] = tuple(
            None if value is None else float(value) for value in values
        )
    return [
        Release(published[publication_id], truth[publication_id], rates[publication_id])
        for publication_id in sorted(published)
    ]


def by_cell(truth: dict[tuple, int]) -> dict[str, int]:
    """The attacker's answer sheet (disclosure_reads.read_truth) keyed by disclosure cell."""
    return {cell_id(key): n for key, n in truth.items()}
