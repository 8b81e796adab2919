"""Issue 29: on every dashboard each chart either follows a filter (its dataset has the filter's
column) or sits outside the filter's scope and its title says what it shows instead. Read from
the export itself, so no Superset is needed."""

from __future__ import annotations

import copy
import shutil

import pytest
import yaml

from pathways.serve import superset_exposures

# What a chart outside an area filter's scope names in its title (a tile: or in its subheader):
# all programme schools, or the coarser level it is drawn at (areas: the region, the LEP areas).
COARSER = {"lep_area_name": ("all programme schools",),
           "local_authority_name": ("all programme schools", "by area", "lep area"),
           "school_name": ("all programme schools", "by area", "lep area",
                           "by local authority")}  # fmt: skip


def _load(exports) -> tuple[dict, dict, dict]:
    def folder(name):
        return [yaml.safe_load(p.read_text()) for p in (exports / name).rglob("*.yaml")]

    datasets = {d["uuid"]: d for d in folder("datasets")}
    charts = {c["uuid"]: c for c in folder("charts")}
    dashboards = {d["slug"]: d for d in folder("dashboards")}
    return datasets, charts, dashboards


def scope_problems(exports=superset_exposures.EXPORTS) -> list[str]:
    """Every chart in a filter's scope whose dataset lacks the filter's column, every chart out
    of an area filter's scope whose title does not say so, every filter on a missing column."""
    datasets, charts, dashboards = _load(exports)
    columns = {uuid: {c["column_name"] for c in d["columns"]} for uuid, d in datasets.items()}
    problems = []
    for slug, dashboard in sorted(dashboards.items()):
        on_board = {
            item["meta"]["chartId"]: charts[item["meta"]["uuid"]]
            for item in dashboard["position"].values()
            if isinstance(item, dict) and item.get("type") == "CHART"
        }
        for native in dashboard["metadata"].get("native_filter_configuration", []):
            (target,) = native["targets"]
            column = target["column"]["name"]
            if column not in columns[target["datasetUuid"]]:
                problems.append(f"{slug}: filter {native['name']} reads a dataset without {column}")
            excluded = set(native.get("scope", {}).get("excluded", []))
            for chart_id, chart in sorted(on_board.items()):
                title = chart["slice_name"]
                # A tile's subheader, under its figure, says it as well as a title would.
                said = f"{title} {chart['params'].get('subheader', '')}".lower()
                if chart_id not in excluded:
                    if column not in columns[chart["dataset_uuid"]]:
                        problems.append(f"{slug}: '{title}' is in {native['name']}'s scope "
                                        f"but its dataset has no {column}")  # fmt: skip
                elif column in COARSER and not any(words in said for words in COARSER[column]):
                    problems.append(f"{slug}: '{title}' ignores {native['name']} silently")
    return problems


def test_every_chart_follows_each_filter_or_says_why_not():
    assert scope_problems() == []


@pytest.mark.parametrize("plant", ["into_scope", "title", "filter_dataset"])
def test_a_chart_that_ignores_a_filter_is_caught(tmp_path, plant):
    """Negative controls: the issue's three defects planted in a copy of the export."""
    exports = tmp_path / "superset_exports"
    shutil.copytree(superset_exposures.EXPORTS, exports)
    path = exports / "dashboards" / "interventions.yaml"
    dashboard = yaml.safe_load(path.read_text())
    filters = {f["name"]: f for f in dashboard["metadata"]["native_filter_configuration"]}
    if plant == "into_scope":  # the intervention charts' dataset has no area columns
        filters["LEP area"]["scope"]["excluded"] = []
    elif plant == "filter_dataset":  # the Cycle filter read marts.intervention_impact
        filters["Cycle"]["targets"][0]["datasetUuid"] = copy.deepcopy(
            filters["Cohort"]["targets"][0]["datasetUuid"]
        )
    else:
        (chart,) = (exports / "charts").glob("Students_attending_each_kind*.yaml")
        config = yaml.safe_load(chart.read_text())
        config["slice_name"] = "Students attending each kind of intervention"
        chart.write_text(yaml.safe_dump(config))
    path.write_text(yaml.safe_dump(dashboard))
    found = scope_problems(exports)
    expected = {"into_scope": "in LEP area's scope", "title": "ignores LEP area silently",
                "filter_dataset": "filter Cycle reads"}[plant]  # fmt: skip
    assert any(expected in problem for problem in found), found
