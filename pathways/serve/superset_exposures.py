"""The Superset dashboards in superset_exports/ as dbt exposures: what feeds each dashboard.

    .venv/bin/python -m pathways.serve.superset_exposures   # rewrites the exposures file

Each dashboard depends on the tables of its charts' datasets and of its native filters' (a SQL
dataset on the tables its query names). `dbt ls --select +exposure:regional_overview` then lists
every model that feeds the dashboard. A test compares the file with the export, so a dashboard
added or re-pointed without running this fails the suite.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from pathways import resources

EXPORTS = resources.superset_exports()
EXPOSURES = resources.dbt_project() / "models" / "_superset__exposures.yml"
SUPERSET_URL = "http://127.0.0.1:8088"  # `pathways superset` serves here
# Schemas a SQL dataset may read; `partner` views are models named partner_<view>.
TABLE_IN_SQL = re.compile(r"\b(partner|marts)\.(\w+)", re.IGNORECASE)
HEADER = """\
# Generated from superset_exports/ by `.venv/bin/python -m pathways.serve.superset_exposures`:
# edit the dashboards, then run it (tests/test_superset_exposures.py checks the two agree).
"""


def _load(folder: Path) -> list[dict]:
    return [yaml.safe_load(path.read_text()) for path in sorted(folder.rglob("*.yaml"))]


def _tables(dataset: dict) -> set[tuple[str, str]]:
    if dataset.get("sql"):
        return {(schema.lower(), table.lower()) for schema, table in
                TABLE_IN_SQL.findall(dataset["sql"])}  # fmt: skip
    return {(dataset["schema"], dataset["table_name"])}


def _dbt_node(schema: str, table: str) -> str:
    """The dbt model behind a warehouse table a dashboard reads."""
    if schema == "partner":
        return f"ref('partner_{table}')"
    if schema == "marts":
        return f"ref('{table}')"
    raise ValueError(f"a dashboard reads {schema}.{table}, which no dbt node builds or declares")


def _datasets_used(dashboard: dict, dataset_of_chart: dict[str, str]) -> set[str]:
    charts = {
        dataset_of_chart[item["meta"]["uuid"]]
        for item in dashboard["position"].values()
        if isinstance(item, dict) and item.get("type") == "CHART"
    }
    filters = {
        target["datasetUuid"]
        for native_filter in dashboard.get("metadata", {}).get("native_filter_configuration", [])
        for target in native_filter.get("targets", [])
        if "datasetUuid" in target
    }
    return charts | filters


def exposures(exports: Path = EXPORTS) -> dict:
    datasets = {dataset["uuid"]: dataset for dataset in _load(exports / "datasets")}
    dataset_of_chart = {chart["uuid"]: chart["dataset_uuid"] for chart in _load(exports / "charts")}
    declared = []
    for dashboard in sorted(_load(exports / "dashboards"), key=lambda d: d["slug"]):
        used = _datasets_used(dashboard, dataset_of_chart)
        tables = set().union(*(_tables(datasets[uuid]) for uuid in used))
        declared.append(
            {
                "name": dashboard["slug"].replace("-", "_"),
                "label": dashboard["dashboard_title"],
                "type": "dashboard",
                "maturity": "high",
                "url": f"{SUPERSET_URL}/superset/dashboard/{dashboard['slug']}/",
                "description": dashboard["description"],
                "depends_on": sorted(_dbt_node(*table) for table in tables),
                "owner": {"name": "Pathways analysts (LEP)"},
            }
        )
    return {"version": 2, "exposures": declared}


def render(exports: Path = EXPORTS) -> str:
    return HEADER + yaml.safe_dump(exposures(exports), sort_keys=False, width=100)


if __name__ == "__main__":
    EXPOSURES.write_text(render())
    print(f"wrote {EXPOSURES}")
