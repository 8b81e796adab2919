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
class Publication:
    rows: dict[str, int] = field(default_factory=dict)
    # Tables whose columns changed with a new release: recreated, so the partner views on them
    # were dropped with them and must be rebuilt (pipeline.gate does, with dbt).
    reshaped: list[str] = field(default_factory=list)


def publish(url: str) -> Publication:
    """Replace every published table by its candidate, all in one transaction."""
    publication = Publication()
    with psycopg.connect(url) as conn:  # one transaction: committed on leaving the block
        conn.execute(sql.SQL("create schema if not exists {}").format(sql.Identifier(PUBLISHED)))
        for table in candidate_tables(conn):
            candidate = sql.Identifier(CANDIDATES, table)
            target = sql.Identifier(PUBLISHED, table)
            create = sql.SQL("create table if not exists {} (like {})")
            conn.execute(create.format(target, candidate))
            if _columns(conn, CANDIDATES, table) != _columns(conn, PUBLISHED, table):
                conn.execute(sql.SQL("drop table {} cascade").format(target))
                conn.execute(sql.SQL("create table {} (like {})").format(target, candidate))
                publication.reshaped.append(table)
            # TRUNCATE waits for readers, then they see the new rows once this commits.
            conn.execute(sql.SQL("truncate {}").format(target))
            copy = sql.SQL("insert into {} select * from {}")
            copied = conn.execute(copy.format(target, candidate))
            publication.rows[table] = copied.rowcount
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
