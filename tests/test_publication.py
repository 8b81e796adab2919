"""Publication never waits on partner readers, and readers never wait on it (issue: reliability).

A partner who turns their statement timeout off and holds a read open cannot stall a
publication; a partner reading while a publication is in flight gets the previous figures at
once, and the new ones after it commits.
"""

from __future__ import annotations

import threading
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
from conftest import scratch_warehouse

from pathways import pipeline, run_lease, status
from pathways.publish import publish
from pathways.synthetic import generate


def as_partner(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(netloc=f"pathways_partner@{parts.hostname}:{parts.port}"))


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    landing = tmp_path_factory.mktemp("landing")
    generate(landing, schools=4, students=10, cycles=2, seed=8)
    with scratch_warehouse() as url:
        assert pipeline.run(landing, url=url, deliver=False).ok
        yield url


def in_thread(work, seconds: float = 120):
    """Run work in a thread; join with a timeout as a guard (a hang fails, it is not timed)."""
    outcome: dict = {}

    def target():
        try:
            outcome["value"] = work()
        except Exception as error:  # handed back to the test
            outcome["error"] = error

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), "still waiting: something held it up"
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


def test_a_publication_lies_in_area_order_with_no_old_version_left(built):
    """Issue 31: one LA's rows read cold cost a page read each (224 ms p95 nationally). Each
    version is written in area order, and the one before is vacuumed away. (First in the
    module: the fixture's publication went into empty tables, so page order is insert order.)"""
    tables = ("publication_sector_interest", "publication_cycle_summary")
    with psycopg.connect(built, autocommit=True) as conn:
        for table in tables:
            in_page_order = conn.execute(
                f"select area_level, area_code from published.{table} order by ctid"
            ).fetchall()
            assert in_page_order == sorted(in_page_order), table
        publish.publish(built)  # a second version replaces the first
        dead = "select n_dead_tup from pg_stat_user_tables where relid = %s::regclass"
        for table in tables:
            assert conn.execute(dead, (f"published.{table}",)).fetchone() == (0,), table


def test_a_partner_holding_a_read_cannot_stall_publication(built):
    with psycopg.connect(as_partner(built)) as partner:
        partner.execute("set statement_timeout = 0")
        before = partner.execute("select count(*) from partner.cycle_summary").fetchone()[0]
        # The partner's transaction stays open, holding its locks on the view and table.
        result = in_thread(lambda: publish.publish(built))
        assert sum(result.rows.values()) > 0
        after = partner.execute("select count(*) from partner.cycle_summary").fetchone()[0]
        assert after == before > 0


def test_a_read_during_publication_gets_the_previous_figures_at_once(built):
    with psycopg.connect(built) as conn:
        conn.execute("update publication.publication_cycle_summary set mean_knowledge = 4.99")
    old = publish.checksums(built)
    seen: dict = {}

    def read_while_in_flight():
        with psycopg.connect(as_partner(built), autocommit=True) as partner:
            partner.execute("set statement_timeout = '20s'")  # a wait would fail, not hang
            seen["in_flight"] = partner.execute(
                "select count(*) filter (where mean_knowledge = 4.99) from partner.cycle_summary"
            ).fetchone()[0]

    in_thread(lambda: publish.publish(built, before_commit=read_while_in_flight))
    assert seen["in_flight"] == 0  # the previous figures, without waiting
    assert publish.checksums(built) != old
    with psycopg.connect(as_partner(built)) as partner:
        changed = partner.execute(
            "select count(*) filter (where mean_knowledge = 4.99), count(*)"
            " from partner.cycle_summary"
        ).fetchone()
    assert changed[0] == changed[1] > 0


def current_publication(url: str) -> int:
    with psycopg.connect(url) as conn:
        current = conn.execute("select publication_id from published.current_publication")
        return current.fetchone()[0]


def test_a_run_that_lost_its_lease_publishes_nothing(built):
    """Issue 27: the lease's connection dropped (pg_terminate_backend, an idle_session_timeout),
    a second run took the lease and published, and the first then published too. Now the first
    is refused in its publishing transaction, and `status` flags the lease its holder lost."""
    before = current_publication(built)
    with run_lease.held(built) as holder, psycopg.connect(built, autocommit=True) as admin:
        # Waits (up to 10 s) for the keeper to be gone: the signal alone returns at once, and on
        # a loaded machine the lease could still look held when it is checked.
        admin.execute("select pg_terminate_backend(keeper_pid, 10000) from control.run_lease")
        assert run_lease.abandoned(admin) == holder
        assert "outlived its holder" in " ".join(status.collect(built).problems)
        with pytest.raises(run_lease.LeaseLost, match="lost its lease"):  # nobody took it
            publish.publish(built, holder=holder)
        run_lease.acquire(admin, "airflow manual__2", run_lease.DAG_LEASE, keep=False)
        with pytest.raises(run_lease.LeaseLost, match="nothing was published"):
            publish.publish(built, holder=holder)
        assert publish.publish(built, holder="airflow manual__2").rows  # the holder may
        run_lease.release(admin, "airflow manual__2")
    assert current_publication(built) == before + 1
