"""The dbt models' linter (`.sqlfluff`, run by `make lint`) catches what it is there to catch.

`make lint` proves the models are clean; these are its negative controls: planted defects that
the same configuration must report, and a model built on the incremental macros (which ask dbt's
`adapter`) that must render without a warehouse rather than be skipped as a templating error.
"""

from pathlib import Path

import pytest
from sqlfluff.core import FluffConfig, Linter

pytestmark = pytest.mark.unit  # no warehouse, no services: `make test-fast`

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def linter() -> Linter:
    return Linter(config=FluffConfig.from_path(str(REPO)))


def codes(linter: Linter, sql: str) -> set[str]:
    # The file name places it under the models, so the project's config and macros apply.
    path = str(REPO / "dbt_project" / "models" / "planted.sql")
    return {violation.rule_code() for violation in linter.lint_string(sql, fname=path).violations}


CLEAN = """\
select
    interviews.cohort,
    interviews.cycle,
    schools.school_name
from {{ ref('fct_interview') }} as interviews
inner join {{ ref('dim_school') }} as schools
    on interviews.school_urn = schools.school_urn
    and interviews.cohort = schools.latest_cohort
"""

PLANTED = {
    "ST07": CLEAN.replace(
        "    on interviews.school_urn = schools.school_urn\n"
        "    and interviews.cohort = schools.latest_cohort\n",
        "    using (school_urn)\n",
    ),
    "LT09": CLEAN.replace(
        "select\n    interviews.cohort,\n    interviews.cycle,\n",
        "select interviews.cohort, interviews.cycle,\n",
    ),
    "RF02": CLEAN.replace("    schools.school_name\n", "    school_name\n"),
    "LT05": CLEAN.replace(
        "schools.school_name\n", f"schools.school_name || '{'x' * 90}' as long_name\n"
    ),
    "CP01": CLEAN.replace("inner join", "INNER JOIN"),
}


def test_a_clean_model_passes(linter):
    assert codes(linter, CLEAN) == set()


@pytest.mark.parametrize("rule", sorted(PLANTED))
def test_a_planted_defect_is_reported(linter, rule):
    assert rule in codes(linter, PLANTED[rule])


def test_incremental_macros_render_without_a_warehouse(linter):
    model = CLEAN.replace(
        "    and interviews.cohort = schools.latest_cohort\n",
        "    and interviews.cohort = schools.latest_cohort\n"
        "{{ only_changed_cycles('interviews') }}\n",
    )
    found = codes(linter, model)
    assert "TMP" not in found and found == set()
