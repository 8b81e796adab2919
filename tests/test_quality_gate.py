"""The Soda quality gate: real Soda Core contracts against a real warehouse built by dbt."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import psycopg
import pytest
from conftest import clone_database, scratch_warehouse
from landing import set_knowledge_scores
from pathways.quality import checks

from pathways import pipeline, warehouse
from pathways.publish import publish
from pathways.synthetic import generate

PATHWAYS = Path(__file__).resolve().parents[1] / ".venv" / "bin" / "pathways"
ONE_SCHOOL = "(select min(school_urn) from marts.fct_interview)"
KNOWLEDGE_DROP = "a school's mean knowledge drops by more than 1 point between consecutive cycles"


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """Four cycles of six schools, built by dbt; the gate not yet run. Yields the database url."""
    with scratch_warehouse() as url:
        landing = tmp_path_factory.mktemp("landing")
        generate(landing, schools=6, cycles=4)
        pipeline.ingest(landing, url)
        pipeline.build_warehouse(url)
        yield url


@pytest.fixture
def clone(built):
    """A throwaway copy of the built warehouse, to plant a defect in."""
    url = clone_database(built)
    yield url
    warehouse.drop_database(url)


def count(url: str, query: str) -> int:
    with psycopg.connect(url) as conn:
        return conn.execute(query).fetchone()[0]


def test_partners_see_nothing_until_a_clean_build_passes_the_gate(clone):
    assert count(clone, "select count(*) from publication.publication_cycle_summary") > 0
    assert count(clone, "select count(*) from partner.cycle_summary") == 0  # built, not gated

    result = pipeline.gate_built_warehouse(clone)

    assert result.ok, result.report()
    verification = result.verification
    assert verification.blocking == [] and verification.warned == []
    assert len(verification.outcomes) > 100
    assert {outcome.layer for outcome in verification.outcomes} == set(checks.LAYERS)
    assert (verification.cohort, verification.cycle) == (2024, 4)
    for view, table in [("cycle_summary", "publication_cycle_summary"),
                        ("sector_interest", "publication_sector_interest")]:  # fmt: skip
        shown = count(clone, f"select count(*) from partner.{view}")
        assert shown == count(clone, f"select count(*) from publication.{table}") > 0
    recorded = count(
        clone,
        "select count(*) from quality.check_result "
        f"where verification_id = '{verification.verification_id}' and outcome = 'passed'",
    )
    assert recorded == len(verification.outcomes)
    assert count(clone, "select count(*) from quality.gate_decision where published") == 1


# Each family of check, with a defect dbt's tests let through: (layer, defect, check, outcome).
DEFECTS = {
    "missing value": (
        "star",
        "update marts.fct_interview set school_urn = null "
        "where cycle = 2 and student_key = (select min(student_key) from marts.fct_interview)",
        ("marts.fct_interview", "school_urn", "No missing values"),
        "failed",
    ),
    "invalid value": (
        "star",
        "update marts.dim_school set lep_area = 'yorkshire' "
        "where school_urn = (select min(school_urn) from marts.dim_school)",
        ("marts.dim_school", "lep_area", "No invalid values"),
        "failed",
    ),
    "score out of range": (
        "star",
        "update marts.fct_knowledge_score set score = 7 "
        "where student_key = (select min(student_key) from marts.fct_knowledge_score)",
        ("marts.fct_knowledge_score", "score", "score within 1-5"),
        "failed",
    ),
    "raw score out of range": (
        "raw",
        "update raw.interview set k_t_levels = 9 where line_number = 2",
        ("raw.interview", "k_t_levels", "score 1-5 or blank"),
        "failed",
    ),
    "a UPN where a pseudonym belongs": (
        "raw",
        "update raw.roster set student_key = 'A390000000001' where line_number = 2",
        ("raw.roster", "student_key", "student_key is a keyed pseudonym (32 hex), never a UPN"),
        "failed",
    ),
    "duplicate on the grain": (
        "star",
        "insert into marts.fct_interview select * from marts.fct_interview where cycle = 1 limit 1",
        ("marts.fct_interview", None, "one interview per student, cohort and cycle"),
        "failed",
    ),
    "a score twice": (
        "star",
        "insert into marts.fct_knowledge_score "
        "select * from marts.fct_knowledge_score where cycle = 2 limit 1",
        ("marts.fct_knowledge_score", None, "one score per student, cycle and knowledge area"),
        "failed",
    ),
    "no interviews at all": (
        "star",
        "truncate marts.fct_interview",
        ("marts.fct_interview", None, "interviews in the star schema"),
        "failed",
    ),
    "schema drift: a column added": (
        "partner",
        "alter table publication.publication_cycle_summary add column upn text",
        (
            "publication.publication_cycle_summary",
            None,
            "published shape unchanged (no drift, no personal data column)",
        ),
        "failed",
    ),
    "schema drift: a type changed": (
        "star",
        "alter table marts.fct_knowledge_score alter column score type numeric",
        ("marts.fct_knowledge_score", None, "fact shape unchanged"),
        "failed",
    ),
    "a small count visible": (
        "partner",
        "update publication.publication_sector_interest set students = 2 where ctid = "
        "(select ctid from publication.publication_sector_interest where students > 10 limit 1)",
        ("publication.publication_sector_interest", None, "no count from 1 to threshold-1 visible"),
        "failed",
    ),
    "gender rows below LEP level": (
        "partner",
        "update publication.publication_sector_interest set gender = 'F' where ctid = (select "
        "ctid from publication.publication_sector_interest where area_level = 'school' limit 1)",
        (
            "publication.publication_sector_interest",
            None,
            "gender F, M and U only on region and LEP-area rows",
        ),
        "failed",
    ),
    "region row missing": (
        "partner",
        "delete from publication.publication_post16_plans where area_level = 'region'",
        (
            "publication.publication_post16_plans",
            None,
            "the region row is published for every cohort",
        ),
        "failed",
    ),
    "knowledge drops a point": (
        "star",
        "update marts.fct_knowledge_score set score = case cycle when 3 then 5 else 1 end "
        "where cycle in (3, 4) and student_key in (select student_key from marts.fct_interview "
        f"where school_urn = {ONE_SCHOOL})",
        ("marts.fct_knowledge_score", None, KNOWLEDGE_DROP),
        "failed",
    ),
    "interview coverage below 80%": (
        "star",
        f"delete from marts.fct_interview where cycle = 2 and school_urn = {ONE_SCHOOL}",
        (
            "marts.fct_interview",
            None,
            "interview coverage of a school's roster below 80% in a cycle with interviews",
        ),
        "warned",
    ),
    "a school mostly undecided": (
        "star",
        f"update marts.fct_interview set has_no_vision = true where cycle = 2 "
        f"and school_urn = {ONE_SCHOOL}",
        ("marts.fct_interview", None, "more than 60% of a school's students undecided in a cycle"),
        "warned",
    ),
    "stale loads": (
        "raw",
        "update raw.file_load set loaded_at = loaded_at - interval '30 days'",
        (
            "raw.file_load",
            None,
            "a file was loaded in the last 7 days (the latest cycle is fresh)",
        ),
        "warned",
    ),
}


@pytest.mark.parametrize("defect", DEFECTS)
def test_each_check_family_catches_its_defect(clone, defect):
    layer, statement, (dataset, column, check), expected = DEFECTS[defect]
    with psycopg.connect(clone) as conn:
        conn.execute(statement)

    verification = checks.verify(clone, layers=(layer,))

    outcomes = {(o.dataset, o.column, o.check): o.outcome for o in verification.outcomes}
    assert outcomes[(dataset, column, check)] == expected, verification.report()
    others = {key: outcome for key, outcome in outcomes.items() if key != (dataset, column, check)}
    assert set(others.values()) <= {"passed"} | ({expected} if expected == "failed" else set())
    assert verification.passed == (expected == "warned")


def outcome_of(verification: checks.Verification, *check: str | None) -> tuple:
    """(outcome, measured value) of the one check named (dataset, column, check)."""
    [found] = [o for o in verification.outcomes if (o.dataset, o.column, o.check) == check]
    return found.outcome, found.measured_value


def test_after_a_published_verification_the_gate_reads_what_was_built_or_loaded_since(clone):
    """Cycle 4 is rebuilt and re-loaded after a published verification (its built_at and its
    files' loaded_at set to now): the next verification reads row by row only cycle 4, so a
    defect planted in cycle 4 is caught and the same defect in cycle 1, verified and unchanged
    since, is not read again; whole-table checks still see the whole table; `whole` reads all."""
    result = pipeline.gate_built_warehouse(clone)
    assert result.ok, result.report()
    with psycopg.connect(clone) as conn:
        for fact in ("fct_interview", "fct_knowledge_score"):
            conn.execute(f"update marts.{fact} set built_at = clock_timestamp() where cycle = 4")
        conn.execute("update raw.file_load set loaded_at = clock_timestamp() where cycle = 4")
        for cycle in (1, 4):
            conn.execute(
                "update marts.fct_knowledge_score set score = 7 where ctid = (select ctid "
                f"from marts.fct_knowledge_score where cycle = {cycle} limit 1)"
            )
            conn.execute(
                "update raw.interview set k_t_levels = 9 where line_number = 2 and file_id = "
                f"(select min(file_id) from raw.file_load where cycle = {cycle} "
                "and extract_kind = 'interviews')"
            )
    scores = ("marts.fct_knowledge_score", "score", "score within 1-5")
    raw_scores = ("raw.interview", "k_t_levels", "score 1-5 or blank")

    changed = checks.verify(clone, layers=("raw", "star"))
    assert changed.since == result.verification.data_as_of
    assert outcome_of(changed, *scores) == ("failed", 1)
    assert outcome_of(changed, *raw_scores) == ("failed", 1)
    whole_table = ("marts.fct_interview", None, "interviews in the star schema")
    assert outcome_of(changed, *whole_table) == ("passed", 0)

    whole = checks.verify(clone, layers=("raw", "star"), whole=True)
    assert whole.since is None
    assert outcome_of(whole, *scores) == ("failed", 2)
    assert outcome_of(whole, *raw_scores) == ("failed", 2)


def test_a_bad_cycle_is_held_back_until_corrected(tmp_path, database_url, pipeline_env):
    source, landing = tmp_path / "source", tmp_path / "landing"
    generate(source, schools=6, cycles=5)
    shutil.copytree(source, landing, ignore=shutil.ignore_patterns("cycle=5"))
    assert pipeline.run(landing, url=database_url, deliver=False).ok
    published = publish.checksums(database_url)
    assert len(published) == 7  # the five views of section 7, destinations, the code labels

    # Cycle 5 arrives with every knowledge score exported as 1: valid values, a broken extract.
    shutil.copytree(source / "cohort=2024/cycle=5", landing / "cohort=2024/cycle=5")
    for interviews in (landing / "cohort=2024/cycle=5").glob("interviews_*.csv"):
        set_knowledge_scores(interviews, "1")
    run = subprocess.run([PATHWAYS, "run", "--landing", landing], capture_output=True, text=True,
                         env=pipeline_env)  # fmt: skip

    assert run.returncode == 1, run.stdout + run.stderr
    assert "quality gate closed: the partner figures were left unchanged" in run.stdout
    assert f"FAILED: marts.fct_knowledge_score: {KNOWLEDGE_DROP}" in run.stdout
    assert publish.checksums(database_url) == published  # byte for byte
    assert count(database_url, "select max(cycle) from publication.publication_cycle_summary") == 5
    assert count(database_url, "select max(cycle) from partner.cycle_summary") == 4
    with psycopg.connect(database_url) as conn:
        failed = conn.execute(
            "select cohort, cycle, measured_value from quality.check_result "
            "where outcome = 'failed' and check_name = %s",
            (KNOWLEDGE_DROP,),
        ).fetchall()
        decisions = conn.execute(
            "select published, failed > 0 from quality.gate_decision order by decided_at"
        ).fetchall()
    assert len(failed) == 1 and failed[0][:2] == (2024, 5) and failed[0][2] >= 1  # schools
    assert decisions == [(True, False), (False, True)]

    # The adviser re-sends the real cycle 5: the gate opens and partners see it.
    for interviews in (source / "cohort=2024/cycle=5").glob("interviews_*.csv"):
        shutil.copy2(interviews, landing / "cohort=2024/cycle=5" / interviews.name)
    corrected = pipeline.run(landing, url=database_url, deliver=False)
    assert corrected.ok, corrected.report()
    assert count(database_url, "select max(cycle) from partner.cycle_summary") == 5
