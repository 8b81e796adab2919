"""Warehouse roles, grants and row-level security (access.sql), applied as a migration."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

ACCESS_SQL = Path(__file__).with_name("access.sql")
# Login roles whose password, when the environment provides one, is set by the migration.
PASSWORD_VARIABLES = {
    "pathways_loader": "PATHWAYS_LOADER_PASSWORD",
    "pathways_analyst": "PATHWAYS_ANALYST_PASSWORD",
    "pathways_partner": "PATHWAYS_PARTNER_PASSWORD",
}


def apply(url: str) -> None:
    """Create the roles and (re)grant everything; safe to run any number of times."""
    import psycopg  # not at the top: Superset's image builds its bundle with role_url alone
    from psycopg import sql

    with psycopg.connect(url) as conn:
        conn.execute(ACCESS_SQL.read_text())
        for role, variable in PASSWORD_VARIABLES.items():
            password = os.environ.get(variable)
            if password:
                conn.execute(
                    sql.SQL("alter role {} password {}").format(
                        sql.Identifier(role), sql.Literal(password)
                    )
                )


def deliver_career_lead_detail(url: str) -> None:
    """After a successful build: career leads' view shows the new detail rows, in one step.

    A release that changes the detail's columns recreates the delivered table and the view in
    the same transaction; otherwise the rows are replaced and readers never wait.
    """
    import psycopg

    with psycopg.connect(url) as conn:
        shapes = conn.execute(
            """
            select table_name, array_agg(column_name::text || ' ' || data_type
                                         order by ordinal_position)
            from information_schema.columns
            where table_schema = 'restricted'
              and table_name in ('career_lead_students', 'career_lead_students_delivered')
            group by table_name
            """
        ).fetchall()
        shape = dict(shapes)
        if "career_lead_students" not in shape:
            return
        if shape.get("career_lead_students_delivered") != shape["career_lead_students"]:
            conn.execute("drop view if exists career_lead.my_students")
            conn.execute("drop table if exists restricted.career_lead_students_delivered")
        else:
            conn.execute("delete from restricted.career_lead_students_delivered")
            conn.execute(
                "insert into restricted.career_lead_students_delivered"
                " select * from restricted.career_lead_students"
            )
        conn.execute(ACCESS_SQL.read_text())  # the table, its policy and the view, if new


def role_url(url: str, role: str, password: str | None = None) -> str:
    """The warehouse url, logging in as role instead (for Superset, probes and career leads)."""
    parts = urlsplit(url)
    secret = password if password is not None else os.environ.get(PASSWORD_VARIABLES.get(role, ""))
    credentials = quote(role) + (f":{quote(secret)}" if secret else "")
    host = parts.hostname or ""
    netloc = f"{credentials}@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))
