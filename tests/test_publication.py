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

from pathways import pipeline
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
        except Exception as error:  # noqa: BLE001 - handed back to the test
            outcome["error"] = error

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), "still waiting: something held it up"
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


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
