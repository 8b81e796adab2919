"""The generator: contract-true output, calibrated to the pilot, and defects that are all caught."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from ingest_helpers import count, ingest, quarantined, rejects, warnings

from pathways.synthetic import generate

FIGURES_SQL = """
with interview as (select * from raw.interview_version where version_rank = 1),
roster as (select distinct cohort, cycle, student_key, gender from raw.roster)
select interview.cycle,
    100.0 * avg((preferred_sector = 'undecided')::int) as no_vision,
    100.0 * avg((post16_plan <> 'unsure')::int) as with_plan,
    100.0 * avg((post16_plan = 'unsure')::int) as unsure,
    100.0 * avg((predicted_destination = 'eet')::int) as eet,
    100.0 * avg((preferred_sector = 'creative_cultural_leisure')::int) as creative,
    100.0 * avg((post16_plan = 'fe_college')::int) as fe_college,
    avg(k_english_maths) as english_maths, avg(k_fe_options) as fe_options,
    avg(k_career_information) as career_information,
    avg(k_training_providers) as training_providers, avg(k_traineeships) as traineeships,
    count(*) filter (where gender = 'F' and preferred_sector in
        ('advanced_manufacturing', 'energy')) as girls_in_manufacturing_or_energy
from interview join roster using (cohort, cycle, student_key)
group by interview.cycle order by interview.cycle
"""

IMPROVEMENT_SQL = """
with interview as (select * from raw.interview_version where version_rank = 1),
score as (
    select student_key, cycle, area, score from interview cross join lateral (values
        ('english_maths', k_english_maths), ('fe_options', k_fe_options),
        ('career_information', k_career_information), ('sixth_form', k_sixth_form),
        ('apprenticeships', k_apprenticeships), ('traineeships', k_traineeships),
        ('training_providers', k_training_providers), ('t_levels', k_t_levels),
        ('higher_education', k_higher_education), ('labour_market', k_labour_market),
        ('employability', k_employability), ('applications', k_applications)
    ) as areas(area, score) where score is not null),
matched as (
    select first.area, avg(first.score) as mean_first, avg(latest.score) as mean_latest
    from score first join score latest using (student_key, area)
    where first.cycle = 1 and latest.cycle = 7 group by first.area)
select avg(100 * (mean_latest - mean_first) / mean_first) from matched
"""


@pytest.fixture(scope="module")
def clean_landing(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("clean")
    generate(root)
    return root


def test_generated_cohort_reproduces_the_pilot_figures(clean_landing, conn, key):
    summary = ingest(conn, clean_landing, key)
    assert summary.rows_rejected == 0 and summary.count("quarantined") == 0

    figures = {row[0]: row for row in conn.execute(FIGURES_SQL).fetchall()}
    columns = [d.name for d in conn.execute(FIGURES_SQL).description]
    by_cycle = {c: dict(zip(columns, row, strict=True)) for c, row in figures.items()}
    first, second, last = by_cycle[1], by_cycle[2], by_cycle[7]

    assert float(first["no_vision"]) == pytest.approx(13, abs=2)
    assert float(last["no_vision"]) == pytest.approx(6, abs=2)
    assert float(first["with_plan"]) == pytest.approx(75, abs=2)
    assert float(last["with_plan"]) == pytest.approx(98, abs=2)
    assert float(last["eet"]) == pytest.approx(97, abs=2)
    assert float(first["unsure"]) == pytest.approx(24, abs=2)
    assert float(second["unsure"]) == pytest.approx(19, abs=2)
    assert float(second["creative"]) == pytest.approx(20, abs=2.5)
    assert float(second["no_vision"]) == pytest.approx(15, abs=2)
    assert float(second["fe_college"]) == pytest.approx(40, abs=2.5)
    assert float(second["english_maths"]) == pytest.approx(3.5, abs=0.15)
    assert float(second["fe_options"]) == pytest.approx(2.7, abs=0.15)
    assert float(second["career_information"]) == pytest.approx(2.7, abs=0.15)
    lowest = sorted(
        ("english_maths", "fe_options", "career_information", "training_providers",
         "traineeships"), key=lambda area: second[area],
    )[:2]  # fmt: skip
    assert set(lowest) == {"training_providers", "traineeships"}
    assert all(row["girls_in_manufacturing_or_energy"] == 0 for row in by_cycle.values())
    improvement = float(conn.execute(IMPROVEMENT_SQL).fetchone()[0])
    assert improvement == pytest.approx(113, abs=3)


def test_boys_lean_to_manufacturing_construction_and_energy(clean_landing, conn, key):
    ingest(conn, clean_landing, key)
    share = dict(
        conn.execute(
            "select r.gender, avg((i.preferred_sector in "
            "('advanced_manufacturing', 'construction', 'energy'))::int) "
            "from raw.interview i join raw.roster r using (cohort, cycle, student_key) "
            "group by r.gender"
        ).fetchall()
    )
    assert share["M"] > 3 * share["F"]


def test_the_cohort_has_the_pilots_shape(clean_landing, conn, key):
    ingest(conn, clean_landing, key)
    assert conn.execute(
        "select count(*), count(*) filter (where la_code in "
        "('805', '806', '807', '808', '841')) from raw.school"
    ).fetchone() == (28, 12)
    assert conn.execute(
        "select count(distinct cycle), max(n) from (select cycle, school_urn, count(*) n "
        "from raw.roster group by 1, 2) per_school"
    ).fetchone() == (7, 30)
    assert (
        conn.execute(
            "select count(*) from restricted.roster_identity where upn ~ '[A-Z]$'"
        ).fetchone()[0]
        > 0
    )  # some temporary UPNs
    assert sum(1 for _ in clean_landing.rglob("*.xlsx")) > 0


def test_every_planted_defect_is_reported_and_everything_else_loads(tmp_path, conn, key):
    landing = generate(tmp_path, defects=True)

    summary = ingest(conn, tmp_path, key)

    found_rejects = {(path, line, column): (value, reason) for path, line, column, value, reason
                     in rejects(conn)}  # fmt: skip
    found_warnings = {(p, line, column): value for p, line, column, value, _ in warnings(conn)}
    found_quarantine = quarantined(conn)
    planted = landing.defects
    assert {d["kind"] for d in planted} == {"reject", "warning", "quarantine", "conflict"}
    for defect in planted:
        if defect["kind"] == "reject":
            value, reason = found_rejects.pop((defect["path"], defect["line"], defect["column"]))
            assert value == defect["value"] and defect["reason"] in reason
        elif defect["kind"] == "warning":
            found = found_warnings.pop((defect["path"], defect["line"], defect["column"]))
            assert found == defect["value"]
        elif defect["kind"] == "quarantine":
            assert defect["reason"] in found_quarantine.pop(defect["path"])
    assert found_rejects == {} and found_warnings == {} and found_quarantine == {}
    assert summary.conflicts == 1
    expected_rows = (
        len(landing.schools) + landing.roster_rows + landing.interview_rows + 1
        + landing.destination_rows + landing.comparison_rows + landing.survey_rows
    )  # fmt: skip
    assert landing.destination_rows > 5 * landing.students  # seven months, a few unreported
    assert summary.rows_loaded == expected_rows
    assert count(conn, "raw.roster") == landing.roster_rows


def test_generator_scales(tmp_path):
    landing = generate(tmp_path, schools=60, students=40, cycles=2, advisers=3, seed=7)
    assert len(landing.schools) == 60 and landing.students == 2400
    assert len(list(tmp_path.glob("cohort=2024/cycle=2/interviews_*.csv"))) == 3
    assert len(list(tmp_path.glob("cohort=2024/cycle=*"))) == 2


def test_cli_generates_and_runs(tmp_path, pipeline_env):
    bin_dir = Path(__file__).resolve().parents[1] / ".venv" / "bin"
    landing = tmp_path / "landing"
    generated = subprocess.run(
        [bin_dir / "pathways", "generate", "--out", landing, "--defects", "--cycles", "2"],
        capture_output=True, text=True, env=pipeline_env, check=True,
    )  # fmt: skip
    assert "planted defects: 1 conflict, 6 quarantine, 22 reject, 3 warning" in generated.stdout
    run = subprocess.run(
        [bin_dir / "pathways", "run", "--landing", landing],
        capture_output=True, text=True, env=pipeline_env,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert "6 quarantined" in run.stdout and "22 rejected" in run.stdout
    assert "quarantined cohort=2024/cycle=2/interviews_NOMODE.csv: missing required" in run.stdout


def test_cli_says_what_is_missing_without_a_key(tmp_path, pipeline_env):
    bin_dir = Path(__file__).resolve().parents[1] / ".venv" / "bin"
    env = {k: v for k, v in pipeline_env.items() if not k.startswith("PATHWAYS_PSEUDONYM_KEY")}
    env["PATHWAYS_SECRETS_DIR"] = str(tmp_path / "no-secrets")  # nor a local key file
    generate(tmp_path, schools=2, students=2, cycles=1)
    run = subprocess.run(
        [bin_dir / "pathways", "run", "--landing", tmp_path], capture_output=True, text=True,
        env=env,
    )  # fmt: skip
    assert run.returncode == 2
    assert "No pseudonym key: set PATHWAYS_PSEUDONYM_KEY" in run.stderr
