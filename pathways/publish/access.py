"""Warehouse roles, grants and row-level security (access.sql), applied as a migration."""

from __future__ import annotations

import os
import re
import time
import unicodedata
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit, urlunsplit

ACCESS_SQL = Path(__file__).with_name("access.sql")
LOADER = "pathways_loader"
# Login roles whose password, when the environment provides one, is set by the migration.
PASSWORD_VARIABLES = {
    "pathways_loader": "PATHWAYS_LOADER_PASSWORD",
    "pathways_analyst": "PATHWAYS_ANALYST_PASSWORD",
    "pathways_partner": "PATHWAYS_PARTNER_PASSWORD",
}


def apply(url: str) -> None:
    """Create the roles, hand the loader its schemas and (re)grant everything; safe to run any
    number of times. The one step that needs an administrator (a role that may create roles):
    when url logs in as the loader itself, the administrator has run it already (`pathways
    access`), and it is skipped."""
    import psycopg  # not at the top: Superset's image builds its bundle with role_url alone

    if _login(url) == LOADER:
        return
    # Roles belong to the whole server: a run on another database may alter them at the same
    # moment (PostgreSQL then says "tuple concurrently updated"), so try again a few times.
    for attempt in range(5):
        try:
            return _apply(url)
        except psycopg.errors.InternalError_ as error:
            if "concurrently updated" not in str(error) or attempt == 4:
                raise
            time.sleep(0.5 * (attempt + 1))


def _apply(url: str) -> None:
    import psycopg
    from psycopg import sql

    from pathways.publish import career_lead_detail

    with psycopg.connect(url) as conn:
        # Two runs starting together would otherwise both alter the same roles and grants.
        conn.execute("select pg_advisory_xact_lock(hashtext('pathways.access'))")
        conn.execute(ACCESS_SQL.read_text())
        conn.execute(career_lead_detail.DETAIL_SQL.read_text())
        conn.execute("reset role")
        for role, variable in PASSWORD_VARIABLES.items():
            password = os.environ.get(variable)
            if password:
                conn.execute(
                    sql.SQL("alter role {} password {}").format(
                        sql.Identifier(role), sql.Literal(password)
                    )
                )


PARTNER_LOGIN_PREFIX = "partner_"
PARTNER_READER = "pathways_partner_reader"
MADE_FOR = "Pathways partner login for "  # the role's comment: whose login it is


class LoginRefused(ValueError):
    """A partner login that cannot be made as asked (its name, or a name already taken)."""


def partner_login_name(organisation: str) -> str:
    """partner_<organisation>: letters without accents, digits and underscores, lower case."""
    plain = unicodedata.normalize("NFKD", organisation).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "_", plain.lower()).strip("_")[:40]
    if not slug:
        raise LoginRefused(
            "the organisation's name has no letter or digit a login name can use (a-z, 0-9): "
            "give it as it is written in Latin letters"
        )
    return PARTNER_LOGIN_PREFIX + slug


def create_partner_login(
    url: str, organisation: str, connections: int = 5, password: str | None = None
) -> tuple[str, str]:
    """One login per partner organisation, a member of pathways_partner_reader: it reads what
    every partner reads, in this warehouse only (it may connect to no other), its sessions'
    query text is hidden from other partners, and its own connection limit keeps it from taking
    all of them. Run again for the same organisation, it sets a new password (and lets the
    login into this warehouse too); LoginRefused if the name is another organisation's or a
    role Pathways did not make. Returns (login, password)."""
    import secrets

    import psycopg
    from psycopg import sql

    from pathways.publish import partner_limits

    login = partner_login_name(organisation)
    password = password or secrets.token_urlsafe(24)
    role = sql.Identifier(login)
    with psycopg.connect(url) as conn:
        conn.execute("select pg_advisory_xact_lock(hashtext('pathways.partner_login'))")
        _refuse_taken(conn, login, organisation)
        exists = conn.execute("select from pg_roles where rolname = %s", (login,)).fetchone()
        if exists is None:
            conn.execute(sql.SQL("create role {} login").format(role))
        conn.execute(sql.SQL("comment on role {} is {}").format(
            role, sql.Literal(MADE_FOR + organisation)))  # fmt: skip
        # Not in pathways_partner: its connect right on every warehouse would come with it.
        conn.execute(sql.SQL("revoke pathways_partner from {}").format(role))
        conn.execute(sql.SQL("grant {} to {}").format(sql.Identifier(PARTNER_READER), role))
        conn.execute(sql.SQL("grant connect on database {} to {}").format(
            sql.Identifier(conn.info.dbname), role))  # fmt: skip
        conn.execute(
            sql.SQL(
                "alter role {} nosuperuser nocreatedb nocreaterole noreplication nobypassrls"
                " connection limit {} password {}"
            ).format(role, sql.Literal(connections), sql.Literal(password))
        )
        # Role settings are not inherited: the partner role's timeouts, set on the login (the
        # limits the watchdog enforces).
        limits = partner_limits.limits()
        timeouts = {"statement_timeout": limits["statement"],
                    "idle_in_transaction_session_timeout": limits["idle"]}  # fmt: skip
        for setting, value in timeouts.items():
            conn.execute(
                sql.SQL("alter role {} set {} = {}").format(
                    role, sql.Identifier(setting), sql.Literal(value)
                )
            )
    return login, password


def _refuse_taken(conn, login: str, organisation: str) -> None:
    """LoginRefused if login exists but was made for another organisation, or not by Pathways
    (issue 27: a second organisation's name silently reset the first one's password)."""
    found = conn.execute(
        "select shobj_description(oid, 'pg_authid'), pg_has_role(oid, 'pathways_partner', 'member')"
        " from pg_roles where rolname = %s",
        (login,),
    ).fetchone()
    if found is None or found[0] == MADE_FOR + organisation:
        return
    if found[0] is None and found[1]:  # made by a release before logins said whose they were
        return
    made_by_us = (found[0] or "").startswith(MADE_FOR)
    whose = "another organisation's" if made_by_us else "a role Pathways did not make"
    raise LoginRefused(
        f"the login {login} is already {whose}: nothing was changed; give the organisation's "
        "name in a form that tells them apart"
    )


def _login(url: str) -> str:
    return unquote(urlsplit(url).username or "")


def loader_url(url: str) -> str:
    """The warehouse url as the loader (password PATHWAYS_LOADER_PASSWORD): what every step of
    a run but the access migration connects as. url may name the administrator or the loader."""
    return url if _login(url) == LOADER else role_url(url, LOADER)


def resolve_loader_url() -> str:
    """The configured warehouse (WAREHOUSE_URL, or the one remembered) as the loader."""
    from pathways import warehouse

    return loader_url(warehouse.resolve_warehouse_url())


def role_url(url: str, role: str, password: str | None = None) -> str:
    """The warehouse url, logging in as role instead (for Superset, probes and career leads)."""
    parts = urlsplit(url)
    secret = password if password is not None else os.environ.get(PASSWORD_VARIABLES.get(role, ""))
    credentials = quote(role) + (f":{quote(secret)}" if secret else "")
    host = parts.hostname or ""
    netloc = f"{credentials}@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))
