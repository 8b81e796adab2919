"""Swap the verified candidate figures (schema `publication`) in for partners (schema `published`).

The partner views read `published`. The copy happens in one transaction, so a reader sees the
previous figures or the new ones, never a mixture; when anything fails, nothing changes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import psycopg
from psycopg import sql

CANDIDATES = "publication"
PUBLISHED = "published"
# The count each published table's cells are made of (contract section 7), for the run summary.
CELL_COUNTS = {
    "publication_cycle_summary": "students_interviewed",
    "publication_knowledge_by_area": "students_assessed",
    "publication_sector_interest": "students",
    "publication_post16_plans": "students",
    "publication_knowledge_improvement": "matched_students",
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

    def report(self) -> list[str]:
        lines = [f"published: {len(self.rows)} tables, {sum(self.rows.values())} rows"]
        lines += [f"  partner.{view}: {cells}" for view, cells in self.withheld.items()]
        return lines


def _withheld(conn: psycopg.Connection, table: str) -> Withheld:
    count = sql.Identifier(CELL_COUNTS[table])
    cells, withheld = conn.execute(
        sql.SQL("select count(*), count(*) filter (where {} is null) from {}").format(
            count, sql.Identifier(PUBLISHED, table)
        )
    ).fetchone()
    return Withheld(cells, withheld)


def _align(conn: psycopg.Connection, table: str) -> list[str]:
    """Give the published table every column of its candidate; returns the candidate's columns.

    A release that adds columns adds them here (the partner views' pre-hook does the same when
    dbt rebuilds them), and a published column the candidate no longer has is left in place,
    empty: nothing is dropped, so no partner view ever loses the table it reads.
    """
    candidate = _columns(conn, CANDIDATES, table)
    published = {name for name, _ in _columns(conn, PUBLISHED, table)}
    for name, data_type in candidate:
        if name not in published:
            conn.execute(
                sql.SQL("alter table {} add column {} {}").format(
                    sql.Identifier(PUBLISHED, table), sql.Identifier(name), sql.SQL(data_type)
                )
            )
    return [name for name, _ in candidate]


def publish(url: str) -> Publication:
    """Replace every published table's rows by its candidate's, all in one transaction."""
    publication = Publication()
    with psycopg.connect(url) as conn:  # one transaction: committed on leaving the block
        conn.execute(sql.SQL("create schema if not exists {}").format(sql.Identifier(PUBLISHED)))
        for table in candidate_tables(conn):
            candidate = sql.Identifier(CANDIDATES, table)
            target = sql.Identifier(PUBLISHED, table)
            create = sql.SQL("create table if not exists {} (like {})")
            conn.execute(create.format(target, candidate))
            columns = sql.SQL(", ").join(map(sql.Identifier, _align(conn, table)))
            # TRUNCATE waits for readers, then they see the new rows once this commits.
            conn.execute(sql.SQL("truncate {}").format(target))
            copy = sql.SQL("insert into {} ({}) select {} from {}")
            copied = conn.execute(copy.format(target, columns, columns, candidate))
            publication.rows[table] = copied.rowcount
            if table in CELL_COUNTS:
                view = table.removeprefix(f"{CANDIDATES}_")
                publication.withheld[view] = _withheld(conn, table)
        for table in publication.rows:
            conn.execute(sql.SQL("analyze {}").format(sql.Identifier(PUBLISHED, table)))
    return publication


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
