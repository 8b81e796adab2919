"""One login per partner organisation: same views, but no sight of another partner's queries
and no way to take every connection (issue: reliability)."""

from __future__ import annotations

import threading
import time

import psycopg
import pytest
from conftest import scratch_warehouse

from pathways.publish import access


@pytest.fixture
def logins(database_url):
    access.apply(database_url)
    with psycopg.connect(database_url) as conn:
        conn.execute("create schema if not exists partner")
        conn.execute("create or replace view partner.probe as select 1 as one")
        conn.execute("grant select on partner.probe to pathways_partner_reader")
    made = [
        access.create_partner_login(database_url, name, connections=2)
        for name in ("Tees Valley College", "North East Employers' Group")
    ]
    yield [access.role_url(database_url, login, password) for login, password in made]
    with psycopg.connect(database_url, autocommit=True) as conn:
        for login, _ in made:
            conn.execute(f'drop owned by "{login}"')
            conn.execute(f'drop role "{login}"')


def test_partner_logins_read_the_views_but_not_each_others_queries(logins, database_url):
    college, employers = logins
    assert access.partner_login_name("Tees Valley College") == "partner_tees_valley_college"

    failed = []

    def long_query():
        try:
            with psycopg.connect(college) as conn:
                conn.execute("select /* college's question */ pg_sleep(3), one from partner.probe")
        except Exception as error:
            failed.append(repr(error))

    worker = threading.Thread(target=long_query)
    worker.start()
    try:
        # Wait until the server runs the college's query (seen by the administrator), not only
        # until its thread started: otherwise there is nothing yet to hide.
        with psycopg.connect(database_url, autocommit=True) as admin:
            deadline = time.monotonic() + 10
            while not admin.execute(
                "select 1 from pg_stat_activity where state = 'active'"
                " and query like '%college''s question%' and pid <> pg_backend_pid()"
            ).fetchone():
                assert time.monotonic() < deadline, failed or "the college's query never ran"
                time.sleep(0.05)
        with psycopg.connect(employers, autocommit=True) as conn:
            assert conn.execute("select one from partner.probe").fetchone() == (1,)
            assert conn.execute("show statement_timeout").fetchone()[0] == "30s"
            # Issue 29: not the query's text, nor that the college is connected at all.
            for statement in ("select query from pg_stat_activity",
                              "select query from pg_stat_get_activity(null)"):  # fmt: skip
                with pytest.raises(psycopg.errors.InsufficientPrivilege):
                    conn.execute(statement)
    finally:
        worker.join()


def test_a_partner_login_cannot_take_more_than_its_connections(logins):
    college, _ = logins
    held = [psycopg.connect(college) for _ in range(2)]
    try:
        with pytest.raises(psycopg.OperationalError, match="too many connections"):
            psycopg.connect(college)
    finally:
        for conn in held:
            conn.close()


def test_a_partner_login_reads_only_the_warehouse_it_was_made_for(logins):
    """Issue 27: a login made for one warehouse read the partner views of every Pathways
    warehouse on the server (connect was granted to pathways_partner, and it was a member)."""
    college, _ = logins
    with scratch_warehouse() as other:
        access.apply(other)
        elsewhere = college.replace(college.rsplit("/", 1)[1], other.rsplit("/", 1)[1])
        with pytest.raises(psycopg.OperationalError, match="permission denied for database"):
            psycopg.connect(elsewhere)
    with psycopg.connect(college) as conn:  # its own warehouse, as before
        assert conn.execute("select one from partner.probe").fetchone() == (1,)


def test_a_login_name_taken_by_another_organisation_is_refused(logins, database_url):
    """Issue 27: a second organisation whose name reduced to the same login silently reset the
    first one's password; a name with no Latin letter gave a traceback."""
    college, _ = logins
    with pytest.raises(access.LoginRefused, match="already another organisation's"):
        access.create_partner_login(database_url, "Tees Valley College!")
    with psycopg.connect(college) as conn:  # the first organisation's password still works
        assert conn.execute("select one from partner.probe").fetchone() == (1,)
    with pytest.raises(access.LoginRefused, match="no letter or digit"):
        access.partner_login_name("東京大学")
    assert access.partner_login_name("Collège Sainte-Thérèse") == "partner_college_sainte_therese"
    somebody = access.partner_login_name("Somebody Else's")
    with psycopg.connect(database_url) as conn:
        conn.execute(f"create role {somebody} login")
    try:
        with pytest.raises(access.LoginRefused, match="a role Pathways did not make"):
            access.create_partner_login(database_url, "Somebody Else's")
    finally:
        with psycopg.connect(database_url) as conn:
            conn.execute(f"drop role {somebody}")
