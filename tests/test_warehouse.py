"""The dbt warehouse built by the pipeline from generated extracts: real PostgreSQL, real dbt."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import psycopg
import pytest
from conftest import scratch_warehouse
from psycopg.rows import namedtuple_row

from pathways import pipeline
from pathways.synthetic import generate
from pathways.transform import dbt

PARTNER_VIEWS = ("cycle_summary", "knowledge_by_area", "sector_interest", "post16_plans",
                 "knowledge_improvement", "destinations")  # fmt: skip


def load_and_build(landing: Path, url: str, full_refresh: bool = False, force=False) -> None:
    """The whole cycle load: ingest, dbt build, quality gate and publication."""
    result = pipeline.run(landing, full_refresh=full_refresh, url=url, deliver=False, force=force)
    assert result.ok, result.report()


CELL_KEYS = ("cohort", "area_level", "area_code", "cycle", "gender", "sector", "post16_plan",
             "knowledge_area")  # fmt: skip


def partner_rows(conn, view: str) -> set[tuple]:
    with conn.cursor(row_factory=namedtuple_row) as cursor:
        return set(cursor.execute(f"select * from partner.{view}").fetchall())


def cell_key(row) -> tuple:
    return tuple(getattr(row, key) for key in CELL_KEYS if key in row._fields)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """One cohort loaded and built once for the read-only tests of this module."""
    with scratch_warehouse() as url:
        landing = tmp_path_factory.mktemp("landing")
        generate(landing)
        load_and_build(landing, url)
        with psycopg.connect(url) as conn:
            yield conn, url


def test_calibrated_figures_read_back_from_the_partner_views(built):
    conn, _ = built
    summary = {
        cycle: (no_vision, with_plan, eet)
        for cycle, no_vision, with_plan, eet in conn.execute(
            "select cycle, pct_no_vision, pct_with_post16_plan, pct_predicted_eet "
            "from partner.cycle_summary where area_level = 'region'"
        )
    }
    assert float(summary[1][0]) == pytest.approx(13, abs=2)
    assert float(summary[7][0]) == pytest.approx(6, abs=2)
    assert float(summary[1][1]) == pytest.approx(75, abs=2)
    assert float(summary[7][1]) == pytest.approx(98, abs=2)
    assert float(summary[7][2]) == pytest.approx(97, abs=2)
    improvement = conn.execute(
        "select pct_improvement, first_cycle, latest_cycle from partner.knowledge_improvement "
        "where area_level = 'region' and knowledge_area = 'all'"
    ).fetchone()
    assert float(improvement[0]) == pytest.approx(113, abs=3)
    assert improvement[1:] == (1, 7)
    top_sector = conn.execute(
        "select sector, pct from partner.sector_interest where area_level = 'region' "
        "and cycle = 2 and gender = 'all' order by students desc limit 1"
    ).fetchone()
    assert top_sector[0] == "creative_cultural_leisure"
    assert float(top_sector[1]) == pytest.approx(20, abs=2.5)


def test_every_area_level_is_published_and_small_groups_withheld(built):
    conn, _ = built
    levels = dict(
        conn.execute(
            "select area_level, count(distinct area_code) from partner.cycle_summary group by 1"
        ).fetchall()
    )
    assert levels == {"region": 1, "lep_area": 2, "local_authority": 12, "school": 28}
    small = conn.execute(
        "select count(*) from partner.sector_interest where students between 1 and 4"
    ).fetchone()[0]
    withheld = conn.execute(
        "select count(*) from partner.sector_interest where suppressed and students is null"
    ).fetchone()[0]
    assert small == 0 and withheld > 0


def test_partner_views_expose_no_student_identifiers(built):
    conn, _ = built
    columns = {
        name
        for (name,) in conn.execute(
            "select column_name from information_schema.columns where table_schema = 'partner'"
        )
    }
    assert not columns & {"student_key", "upn", "forename", "surname", "date_of_birth",
                          "job_type", "action_plan"}  # fmt: skip
    keys = {key for (key,) in conn.execute("select distinct student_key from marts.fct_interview")}
    assert len(keys) > 100  # pseudonyms to look for, or the search below could not fail
    for view in PARTNER_VIEWS:
        text = " ".join(str(row) for row in partner_rows(conn, view))
        assert not any(key in text for key in list(keys)[:200])


def test_dbt_docs_generate(built, tmp_path):
    _, url = built
    dbt.run_dbt(url, "docs", "generate", target_path=tmp_path / "target")
    assert (tmp_path / "target" / "catalog.json").stat().st_size > 10_000


FACT = "marts.fct_knowledge_score"
FIRST_STUDENT = f"select cohort, cycle, student_key from {FACT} order by 1, 2, 3 limit 1"
PLANT_DUPLICATE = (
    f"insert into {FACT} select * from {FACT} order by cohort, cycle, student_key limit 1"
)


def test_the_large_facts_tests_read_what_was_built_since_the_published_verification(
    built, tmp_path
):
    """dbt's tests of the knowledge scores read the rows built since the last published
    verification (macros/tested_since_published.sql), not the whole table each run: a duplicate
    among those rows fails the test (control); one among the rows the gate has already passed
    is not read again (the scope is real)."""
    conn, url = built
    target = tmp_path / "target"
    test = ("test", "--select", "fct_knowledge_score,test_name:unique_combination_of_columns")
    dbt.run_dbt(url, *test, target_path=target)
    rebuilt = f"where (cohort, cycle, student_key) = ({FIRST_STUDENT})"
    (built_at,) = conn.execute(f"select max(built_at) from {FACT} {rebuilt}").fetchone()
    try:
        conn.execute(PLANT_DUPLICATE)  # as old as the row it copies: before the verification
        conn.commit()
        dbt.run_dbt(url, *test, target_path=target)
        conn.execute(f"update {FACT} set built_at = clock_timestamp() {rebuilt}")
        conn.commit()
        with pytest.raises(dbt.DbtFailed, match="unique_combination_of_columns_fct_knowledge"):
            dbt.run_dbt(url, *test, target_path=target)
    finally:
        conn.rollback()
        conn.execute(
            f"delete from {FACT} where ctid in (select max(ctid) from {FACT}"
            " group by cohort, cycle, student_key, knowledge_area having count(*) > 1)"
        )
        conn.execute(f"update {FACT} set built_at = %s {rebuilt}", (built_at,))
        conn.commit()


def test_the_raw_interviews_tests_read_the_cycles_loaded_since_the_published_verification(
    built, tmp_path
):
    """The same for the views over raw interviews: a score out of range in a cycle the gate
    already passed is not read again; once a file of that cycle is loaded again (its load time
    moved past the verification), it is (control)."""
    conn, url = built
    test = ("test", "--select", "stg_raw__interviews,test_name:accepted_values",
            "--target-path", str(tmp_path / "target"))  # fmt: skip
    line = "file_id = (select min(file_id) from raw.interview) and line_number = 2"
    (score, file_id) = conn.execute(f"select k_t_levels, file_id from raw.interview where {line}"
                                    ).fetchone()  # fmt: skip
    loaded = "select loaded_at from raw.file_load where file_id = %s"
    (loaded_at,) = conn.execute(loaded, (file_id,)).fetchone()
    try:
        conn.execute(f"update raw.interview set k_t_levels = 9 where {line}")
        conn.commit()
        dbt.run_dbt(url, *test)
        conn.execute("update raw.file_load set loaded_at = now() where file_id = %s", (file_id,))
        conn.commit()
        with pytest.raises(dbt.DbtFailed, match="accepted_values_stg_raw__interviews_k_t_levels"):
            dbt.run_dbt(url, *test)
    finally:
        conn.rollback()
        conn.execute(f"update raw.interview set k_t_levels = %s where {line}", (score,))
        conn.execute("update raw.file_load set loaded_at = %s where file_id = %s",
                     (loaded_at, file_id))  # fmt: skip
        conn.commit()


def _rewrite(path: Path, change) -> tuple[dict, dict]:
    with open(path, newline="", encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    before = dict(rows[0])
    change(rows[0])
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return before, rows[0]


def test_a_correction_changes_the_published_figure_and_nothing_else(
    tmp_path, database_url, pipeline_env
):
    generate(tmp_path)
    load_and_build(tmp_path, database_url)
    with psycopg.connect(database_url) as conn:
        before = {view: partner_rows(conn, view) for view in PARTNER_VIEWS}
    corrected = sorted(tmp_path.glob("cohort=2024/cycle=7/interviews_*.csv"))[1]
    original, changed = _rewrite(
        corrected, lambda row: row.update(preferred_sector="undecided", job_type="")
    )
    assert original["preferred_sector"] != "undecided"

    load_and_build(tmp_path, database_url)

    with psycopg.connect(database_url) as conn:
        after = {view: partner_rows(conn, view) for view in PARTNER_VIEWS}
        school, la, lep = conn.execute(
            "select school_urn, la_code, lep_area from marts.fct_interview where cycle = 7 "
            "and source_file_id = (select file_id from raw.file_load where is_current "
            "and source_path = %s) and source_line_number = 2",
            (corrected.relative_to(tmp_path).as_posix(),),
        ).fetchone()
    touched_areas = {("region", "all"), ("lep_area", lep), ("local_authority", la),
                     ("school", school)}  # fmt: skip
    region = {r.cycle: r for r in after["cycle_summary"] if r.area_level == "region"}
    region_before = {r.cycle: r for r in before["cycle_summary"] if r.area_level == "region"}
    students = region[7].students_interviewed
    assert float(region[7].pct_no_vision) == pytest.approx(
        float(region_before[7].pct_no_vision) + 100 / students, abs=0.1
    )
    for view in ("cycle_summary", "sector_interest"):
        changed_rows = before[view] ^ after[view]
        assert changed_rows, view
        assert {row.cycle for row in changed_rows} == {7}, view
        # Outside the student's own areas, a change may only be a sibling area's cell being
        # withheld or shown as the secondary suppression pattern moves.
        elsewhere = [
            row for row in changed_rows if (row.area_level, row.area_code) not in touched_areas
        ]
        versions: dict[tuple, list] = {}
        for row in elsewhere:
            versions.setdefault(cell_key(row), []).append(row)
        assert all(any(row.suppressed for row in pair) for pair in versions.values()), view
    for view in ("knowledge_by_area", "post16_plans", "knowledge_improvement", "destinations"):
        assert before[view] == after[view], view


def test_loading_a_new_cycle_builds_only_that_cycle(tmp_path, database_url, pipeline_env):
    """A new cycle of one cohort rebuilds that cycle of the per-cycle tables and that cohort of
    the per-cohort ones (issue 31): the other cohort's rows are kept, and a full refresh then
    gives the same rows. The new cycle's roster renames a student: the career leads' detail of
    the earlier cycles, not rebuilt, must still show the new name (the full refresh does)."""
    source = tmp_path / "all"
    landing = tmp_path / "landing"
    generate(source, schools=8)
    generate(source, schools=3, cohort=2023, seed=2023, first_school=8)  # in Year 11 already
    shutil.copytree(source, landing, ignore=shutil.ignore_patterns("cycle=7"))
    shutil.copytree(source / "cohort=2023/cycle=7", landing / "cohort=2023/cycle=7")
    load_and_build(landing, database_url)
    with psycopg.connect(database_url) as conn:
        first_build = {table: builds_by(conn, table, CYCLE) for table in BUILT_BY_CYCLE}
        first_cohorts = {table: builds_by(conn, table, COHORT) for table in BUILT_BY_COHORT}
    # The first release's withheld cells are primary from the next build on (kept withheld
    # across releases), so the disclosure cells settle a build later, as after a programme's
    # first cycle load: a build with nothing new settles them before the rows are located.
    load_and_build(landing, database_url, force=True)
    with psycopg.connect(database_url) as conn:
        kept_2023 = {table: row_places(conn, table, 2023) for table in KEPT_IN_PLACE}
    cycles_2024 = [(2024, cycle) for cycle in range(1, 7)]
    assert all(sorted(builds)[7:] == cycles_2024 for builds in first_build.values())
    assert all(sorted(builds) == [(2023,), (2024,)] for builds in first_cohorts.values())

    shutil.copytree(source / "cohort=2024/cycle=7", landing / "cohort=2024/cycle=7")
    renamed_roster = sorted(landing.glob("cohort=2024/cycle=7/roster_*.csv"))[0]
    _, renamed = _rewrite(renamed_roster, lambda row: row.update(surname="Renamed-Latest"))
    load_and_build(landing, database_url)
    with psycopg.connect(database_url) as conn:
        second_build = {table: builds_by(conn, table, CYCLE) for table in BUILT_BY_CYCLE}
        second_cohorts = {table: builds_by(conn, table, COHORT) for table in BUILT_BY_COHORT}
        incremental = {view: partner_rows(conn, view) for view in PARTNER_VIEWS}
        incremental_tables = {t: content(conn, t) for t in BUILT + (SUPPRESSION,)}
        for table in KEPT_IN_PLACE:  # not written again
            assert row_places(conn, table, 2023) == kept_2023[table], table
        assert content(conn, DELIVERED) == content(conn, "restricted.career_lead_students")
        renamed_cycles = conn.execute(
            "select array_agg(distinct cycle order by cycle) from restricted.career_lead_students"
            " where surname = %s", (renamed["surname"],)).fetchone()[0]  # fmt: skip
    assert renamed_cycles == list(range(1, 8))  # every cycle the student was on, not only 7
    for table, builds in second_build.items():
        assert {key: builds[key] for key in first_build[table]} == first_build[table], table
        assert builds[(2024, 7)] > first_build[table][(2024, 6)], table
    for table, builds in second_cohorts.items():
        assert builds[(2023,)] == first_cohorts[table][(2023,)], table  # kept
        assert builds[(2024,)] > first_cohorts[table][(2024,)], table

    load_and_build(landing, database_url, full_refresh=True)
    with psycopg.connect(database_url) as conn:
        for view in PARTNER_VIEWS:
            assert partner_rows(conn, view) == incremental[view], view
        for table in BUILT + (SUPPRESSION,):
            assert content(conn, table) == incremental_tables[table], table


# Built one (cohort, cycle) at a time: a new cycle leaves the others' rows as they were.
BUILT_BY_CYCLE = ("marts.fct_interview", "intermediate.int_roster_students",
                  "marts.student_cycle_profile", "restricted.career_lead_students")  # fmt: skip
# Built one cohort at a time: their figures span the cohort's cycles.
BUILT_BY_COHORT = ("intermediate.int_knowledge_first_and_latest", "marts.knowledge_improvement")
BUILT = BUILT_BY_CYCLE + BUILT_BY_COHORT
DELIVERED = "restricted.career_lead_students_delivered"
# Worked out again for a cohort only when its cells changed (no load watermark to read).
SUPPRESSION = "disclosure.disclosure_suppression"
# What records how a row was built, not what it says. A suppression row's primary flag is its
# input as of its build: a later release's withheld cells turn its secondary cells primary
# without changing what is withheld, so a cohort not rebuilt since keeps the older flags.
BUILD_COLUMNS = ("built_from_loads_until", "built_at", "is_primary")
KEPT_IN_PLACE = (DELIVERED, SUPPRESSION)
CYCLE, COHORT = "cohort, cycle", "cohort"


def builds_by(conn, table: str, keys: str) -> dict:
    """The newest load each key's rows were built from: cohort, or (cohort, cycle)."""
    query = f"select {keys}, max(built_from_loads_until) from {table} group by {keys}"
    return {tuple(key): until for *key, until in conn.execute(query).fetchall()}


def row_places(conn, table: str, cohort: int) -> set:
    """Where the cohort's rows lie: the same places if they were not rewritten."""
    rows = conn.execute(f"select ctid::text from {table} where cohort = %s", (cohort,))
    return {ctid for (ctid,) in rows}


def content(conn, table: str) -> str:
    """A digest of the table's rows without its build columns."""
    columns = [row[0] for row in conn.execute(
        "select column_name from information_schema.columns where table_schema || '.' || "
        "table_name = %s and column_name <> all(%s) "
        "order by ordinal_position", (table, list(BUILD_COLUMNS))).fetchall()]  # fmt: skip
    listed = ", ".join(columns)
    query = f"select md5(string_agg(row({listed})::text, '|' order by {listed})) from {table}"
    return conn.execute(query).fetchone()[0]


def test_a_failing_dbt_test_fails_the_run_with_dbts_message(tmp_path, database_url, pipeline_env):
    """Data that slips past ingestion (here written straight into raw) is stopped by dbt's tests,
    and `pathways run` fails showing which test and why."""
    import subprocess

    generate(tmp_path, schools=2, students=6, cycles=1)
    pipeline.ingest(tmp_path, database_url)
    with psycopg.connect(database_url) as conn:
        conn.execute("update raw.interview set k_t_levels = 9 where line_number = 2")
    run = subprocess.run(
        [Path(__file__).resolve().parents[1] / ".venv/bin/pathways", "run", "--landing", tmp_path],
        capture_output=True, text=True, env=pipeline_env,
    )  # fmt: skip
    assert run.returncode == 1
    assert "FAILED: dbt build failed" in run.stdout
    assert "accepted_values_stg_raw__interviews_k_t_levels" in run.stdout


def test_a_failed_build_leaves_career_leads_the_last_good_builds_rows(
    tmp_path, database_url, pipeline_env
):
    """dbt rewrites the detail table as it builds; a build that then fails must not take career
    leads' view away, nor show them the failed build's rows."""
    from pathways.publish import access

    generate(tmp_path, schools=2, students=6, cycles=1)
    load_and_build(tmp_path, database_url)
    with psycopg.connect(database_url) as conn:
        school = conn.execute("select min(school_urn) from marts.dim_school").fetchone()[0]
    login = access.role_url(database_url, f"career_lead_{school}")
    query = "select student_key, forename, surname from career_lead.my_students order by 1"
    with psycopg.connect(login) as conn:
        before = conn.execute(query).fetchall()
    assert before
    with psycopg.connect(database_url) as conn:  # a blank name only the detail's test sees
        conn.execute("alter table restricted.roster_identity alter forename drop not null")
        conn.execute(
            "update restricted.roster_identity set forename = null where student_key = %s",
            (before[0][0],),
        )
    # The landing is unchanged (the defect is planted in the warehouse): rebuild every cohort
    # (an incremental build rebuilds only the cohorts whose loads changed: none here).
    result = pipeline.run(tmp_path, url=database_url, deliver=False, full_refresh=True)
    assert not result.ok and "restricted_career_lead_students" in result.report()
    with psycopg.connect(login) as conn:
        assert conn.execute(query).fetchall() == before
