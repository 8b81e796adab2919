"""Publish the verified candidate figures (schema `publication`) to partners (`published`).

Each publication is a version of rows in the published tables, and `current_publication`
points at the one the partner views show. One transaction adds the new version, moves the
pointer and deletes the old rows: a reader sees the previous figures or the new ones, never a
mixture, and since nothing takes more than row locks, a partner holding a long read never
holds up a publication, and a publication never holds up a read. When anything fails, nothing
changes. The tables are dbt's (the partner views' pre-hook makes and widens them); the pointer
is the migrations' (pathways/migrations). A lock timeout is the backstop.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import psycopg
from psycopg import sql

from pathways import run_lease
from pathways.publish import built_from, releases, shown_share

CANDIDATES = "publication"
PUBLISHED = "published"
# The count each published table's cells are made of (contract section 7), for the run summary.
CELL_COUNTS = {
    "publication_cycle_summary": "students_interviewed",
    "publication_knowledge_by_area": "students_assessed",
    "publication_sector_interest": "students",
    "publication_post16_plans": "students",
    "publication_knowledge_improvement": "matched_students",
    "publication_destinations": "students_tracked",
}


def _columns(conn: psycopg.Connection, schema: str, table: str) -> list[tuple[str, str]]:
    return conn.execute(
        """
        select column_name, data_type from information_schema.columns
        where table_schema = %s and table_name = %s order by ordinal_position
        """,
        (schema, table),
    ).fetchall()


def candidate_tables(conn: psycopg.Connection) -> list[str]:
    rows = conn.execute(
        "select tablename from pg_tables where schemaname = %s order by tablename", (CANDIDATES,)
    ).fetchall()
    return [name for (name,) in rows]


@dataclass
class Withheld:
    cells: int
    withheld: int

    def __str__(self) -> str:
        share = 100 * self.withheld / self.cells if self.cells else 0
        return f"{self.withheld} of {self.cells} cells withheld ({share:.1f} %)"


@dataclass
class Publication:
    rows: dict[str, int] = field(default_factory=dict)
    # Per partner view (named as partners see it): how many of its counts are withheld.
    withheld: dict[str, Withheld] = field(default_factory=dict)
    # Cohorts whose figures changed: a new release of each, kept (releases.py).
    new_releases: list[int] = field(default_factory=list)
    shown: shown_share.Shown | None = None

    def report(self) -> list[str]:
        lines = [f"published: {len(self.rows)} tables, {sum(self.rows.values())} rows"]
        changed = ", ".join(map(str, self.new_releases)) or "none (figures unchanged)"
        lines.append(f"  new release of cohort: {changed}")
        for view, cells in self.withheld.items():
            shown = self.shown.of(view) if self.shown else ""
            lines.append(f"  partner.{view}: {cells}" + (f"; shown {shown}" if shown else ""))
        return lines + (self.shown.report() if self.shown else [])


def _withheld(conn: psycopg.Connection, table: str) -> Withheld:
    count = sql.Identifier(CELL_COUNTS[table])
    cells, withheld = conn.execute(
        sql.SQL("select count(*), count(*) filter (where {} is null) from {}").format(
            count, sql.Identifier(CANDIDATES, table)
        )
    ).fetchone()
    return Withheld(cells, withheld)


class PublishedOutOfStep(RuntimeError):
    """A published table lacks a column of its candidate: the partner views were not built."""


def _published_columns(conn: psycopg.Connection, table: str) -> list[str]:
    """The candidate's columns, every one of which its published table has: the partner views'
    pre-hook (dbt_project/macros/published.sql) makes the table and adds what a release adds,
    so publishing changes rows, never a table (nothing for a partner's read to wait on)."""
    candidate = [name for name, _ in _columns(conn, CANDIDATES, table)]
    published = {name for name, _ in _columns(conn, PUBLISHED, table)}
    missing = [name for name in [*candidate, "publication_id"] if name not in published]
    if missing:
        raise PublishedOutOfStep(
            f"published.{table} lacks {', '.join(missing)}: build the partner views with dbt "
            "before publishing"
        )
    return candidate


def publish(
    url: str,
    lock_timeout: str = "10s",
    before_commit: Callable[[], None] | None = None,
    holder: str | None = None,
    built_with: str | None = None,
) -> Publication:
    """Add every candidate as the new version of its published table and point the partner
    views at it, all in one transaction (before_commit sees it in flight: for tests); for the
    run holding the lease as holder (run_lease.LeaseLost, nothing published, if it does not);
    built_with: the models and settings it was built by (built_from.py)."""
    publication = Publication()
    with psycopg.connect(url) as conn:  # one transaction: committed on leaving the block
        conn.execute(sql.SQL("set local lock_timeout = {}").format(sql.Literal(lock_timeout)))
        if holder:
            run_lease.fence(conn, holder)
        (version,) = conn.execute("select nextval('published.publication_id_seq')").fetchone()
        tables = candidate_tables(conn)
        for table in tables:
            candidate = sql.Identifier(CANDIDATES, table)
            target = sql.Identifier(PUBLISHED, table)
            names = _published_columns(conn, table)
            columns = sql.SQL(", ").join(map(sql.Identifier, names))
            copy = sql.SQL("insert into {} ({}, publication_id) select {}, %s from {} {}")
            order = _BY_AREA if {"area_level", "area_code"} <= set(names) else sql.SQL("")
            copy = copy.format(target, columns, columns, candidate, order)
            copied = conn.execute(copy, (version,))
            publication.rows[table] = copied.rowcount
            if table in CELL_COUNTS:
                view = table.removeprefix(f"{CANDIDATES}_")
                publication.withheld[view] = _withheld(conn, table)
        publication.new_releases = releases.record(conn, version)
        publication.shown = shown_share.measure(conn, tables)
        conn.execute(
            "insert into published.current_publication (publication_id, published_at)"
            " values (%s, now()) on conflict (current) do update"
            " set publication_id = excluded.publication_id, published_at = now()",
            (version,),
        )
        for table in tables:  # readers with an older snapshot keep their rows (MVCC)
            conn.execute(
                sql.SQL("delete from {} where publication_id is distinct from %s").format(
                    sql.Identifier(PUBLISHED, table)
                ),
                (version,),
            )
        if built_with:
            built_from.record(conn, built_with)
        if before_commit:
            before_commit()
    settle(url, list(publication.rows), version)
    return publication


# A partner reads one area at a time (an LA across cycles): each version's rows are written in
# area order, so that area's rows share a few pages and a cold read costs a few page reads.
_BY_AREA = sql.SQL("order by area_level, area_code")


def settle(url: str, tables: list[str], version: int) -> None:
    """After a publication: the old version's rows vacuumed away (never truncating, which would
    wait on a partner's read), statistics renewed, and the new rows read once, so the first
    partners after a build do not pay for a cold cache."""
    with psycopg.connect(url, autocommit=True) as conn:
        for table in tables:
            target = sql.Identifier(PUBLISHED, table)
            conn.execute(sql.SQL("vacuum (analyze, truncate false) {}").format(target))
            current = sql.SQL("select count(*) from {} where publication_id = %s")
            conn.execute(current.format(target), (version,))


def checksums(url: str, schema: str = "partner") -> dict[str, str]:
    """md5 over every row of every view or table in schema, in a stable order: what partners see."""
    with psycopg.connect(url) as conn:
        relations = conn.execute(
            """
            select table_name from information_schema.tables
            where table_schema = %s order by table_name
            """,
            (schema,),
        ).fetchall()
        return {
            name: conn.execute(
                sql.SQL(
                    "select md5(coalesce(string_agg(row_text, E'\\n' order by row_text), ''))"
                    " from (select t::text as row_text from {} as t) as rows"
                ).format(sql.Identifier(schema, name))
            ).fetchone()[0]
            for (name,) in relations
        }
