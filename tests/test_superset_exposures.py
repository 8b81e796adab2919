"""dbt knows the Superset dashboards: the exposures file matches the export, and dbt answers
"what feeds this dashboard" from it."""

import shutil
from pathlib import Path

import pytest
import yaml
from conftest import SERVER_URL

from pathways.serve import superset_exposures
from pathways.transform import dbt


def test_the_exposures_file_is_the_one_the_export_gives():
    assert superset_exposures.EXPOSURES.read_text() == superset_exposures.render(), (
        "run .venv/bin/python -m pathways.serve.superset_exposures after changing superset_exports/"
    )


def test_every_dashboard_is_declared_with_what_its_charts_read():
    declared = {e["name"]: e for e in superset_exposures.exposures()["exposures"]}
    dashboards = (superset_exposures.EXPORTS / "dashboards").glob("*.yaml")
    slugs = {path.stem.replace("-", "_") for path in dashboards}
    assert set(declared) == slugs
    assert "ref('partner_cycle_summary')" in declared["regional_overview"]["depends_on"]
    # The SQL dataset (top six sectors) depends on the view its query reads.
    assert "ref('partner_sector_interest')" in declared["sector_interest"]["depends_on"]
    assert "ref('quality_gate_decisions')" in declared["data_quality"]["depends_on"]


@pytest.fixture
def export_copy(tmp_path) -> Path:
    copy = tmp_path / "superset_exports"
    shutil.copytree(superset_exposures.EXPORTS, copy)
    return copy


def test_a_chart_pointed_at_another_dataset_changes_the_exposures(export_copy):
    """Negative control: a re-pointed chart is noticed (the committed file would go stale)."""
    chart_path = next(export_copy.glob("charts/Headline_figures_by_school_*.yaml"))
    chart = yaml.safe_load(chart_path.read_text())
    destinations = yaml.safe_load(
        (export_copy / "datasets/Pathways_partner_views/partner_destinations.yaml").read_text()
    )
    chart["dataset_uuid"] = destinations["uuid"]
    chart_path.write_text(yaml.safe_dump(chart))
    assert superset_exposures.render(export_copy) != superset_exposures.render()
    changed = {e["name"]: e for e in superset_exposures.exposures(export_copy)["exposures"]}
    assert "ref('partner_destinations')" in changed["regional_overview"]["depends_on"]


def test_a_dataset_on_a_table_dbt_does_not_know_is_refused(export_copy):
    dataset_path = export_copy / "datasets/Pathways_partner_views/partner_destinations.yaml"
    dataset = yaml.safe_load(dataset_path.read_text())
    dataset["schema"], dataset["table_name"] = "restricted", "roster_identity"
    dataset_path.write_text(yaml.safe_dump(dataset))
    with pytest.raises(ValueError, match="restricted.roster_identity"):
        superset_exposures.exposures(export_copy)


def test_dbt_lists_what_feeds_a_dashboard(tmp_path):
    listed = dbt.run_dbt(  # dbt ls reads no table: any database of the server will do
        f"{SERVER_URL}/postgres", "ls", "--select", "+exposure:regional_overview",
        "--resource-type", "model",
        "--output", "name", "--quiet", target_path=tmp_path / "target",
    ).output.split()  # fmt: skip
    assert {"partner_cycle_summary", "publication_cycle_summary", "cohort_progress",
            "fct_interview", "stg_raw__interviews"} <= set(listed)  # fmt: skip
    assert "restricted_career_lead_students" not in listed
