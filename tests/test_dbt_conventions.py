"""The dbt conventions `make lint` checks (dbt_project/dbt-bouncer.yml) catch what they are for.

`make lint` proves the project has 0 findings; these are the negative controls: the same
configuration run on a copy of the manifest with one planted breach of each kind must report
exactly that breach, by check and node.
"""

from __future__ import annotations

import copy
import json
import subprocess
from pathlib import Path

import pytest
import yaml

from pathways.transform import dbt

pytestmark = pytest.mark.unit  # no warehouse, no services: `make test-fast`

BOUNCER = dbt.DBT_PROJECT.parent / ".venv-dbt" / "bin" / "dbt-bouncer"
CONFIG = dbt.DBT_PROJECT / "dbt-bouncer.yml"


@pytest.fixture(scope="module")
def manifest(tmp_path_factory) -> dict:
    target = tmp_path_factory.mktemp("parsed")
    dbt.run_dbt("postgresql://postgres@127.0.0.1:5432/postgres", "parse", target_path=target)
    return json.loads((target / "manifest.json").read_text())


def findings(manifest: dict, folder: Path) -> set[tuple[str, str]]:
    """(check, node) for every check dbt-bouncer failed on this manifest."""
    (folder / "manifest.json").write_text(json.dumps(manifest))
    config = yaml.safe_load(CONFIG.read_text())
    config["dbt_artifacts_dir"] = str(folder)
    config["custom_checks_dir"] = str(dbt.DBT_PROJECT / config["custom_checks_dir"])
    (folder / "dbt-bouncer.yml").write_text(yaml.safe_dump(config))
    report = folder / "report.json"
    finished = subprocess.run(
        [str(BOUNCER), "run", "--config-file", str(folder / "dbt-bouncer.yml"),
         "--output-file", str(report)],
        capture_output=True, text=True, cwd=folder,
    )  # fmt: skip
    results = json.loads(report.read_text())
    failed = {
        (result["check_run_id"].split(":")[0], result["check_run_id"].split(":")[-1])
        for result in results
        if result.get("outcome") != "success"
    }
    assert (finished.returncode != 0) == bool(failed), finished.stderr[-2000:]
    assert len(results) > 500  # the checks ran over the whole project
    return failed


def model(manifest: dict, name: str) -> dict:
    return manifest["nodes"][f"model.pathways.{name}"]


def plant_name(manifest: dict) -> None:
    model(manifest, "stg_raw__schools")["name"] = "schools_staged"


def plant_no_grain_test(manifest: dict) -> None:
    attached = "model.pathways.dim_school"
    for node_id in [n for n, node in manifest["nodes"].items()
                    if node.get("attached_node") == attached]:  # fmt: skip
        del manifest["nodes"][node_id]


def plant_exposure_on_a_private_model(manifest: dict) -> None:
    exposure = manifest["exposures"]["exposure.pathways.interventions"]
    exposure["depends_on"]["nodes"].append("model.pathways.int_roster_students")


def plant_public_model_without_contract(manifest: dict) -> None:
    model(manifest, "load_audit")["contract"]["enforced"] = False


def plant_source_without_freshness_or_reason(manifest: dict) -> None:
    source = manifest["sources"]["source.pathways.raw.roster"]
    source["meta"] = {}
    source["config"]["meta"] = {}


def plant_incremental_config_copied(manifest: dict) -> None:
    """sector_interest configured in its own file again, as before the shared macro."""
    macros = model(manifest, "sector_interest")["depends_on"]["macros"]
    macros.remove("macro.pathways.per_cycle_incremental")


PLANTED = {
    "a staging model named for no layer": (
        plant_name, ("check_model_names", "stg_raw__schools")),
    "a model with no grain test": (
        plant_no_grain_test, ("check_model_has_unique_test", "dim_school")),
    "a dashboard on a private model": (
        plant_exposure_on_a_private_model,
        ("check_exposure_based_on_non_public_models", "interventions")),
    "a public model without a contract": (
        plant_public_model_without_contract,
        ("check_model_contract_enforced_for_public_model", "load_audit")),
    "a source with neither freshness nor a reason": (
        plant_source_without_freshness_or_reason,
        ("check_source_freshness_or_reason", "raw_roster")),
    "an incremental model configured on its own": (
        plant_incremental_config_copied,
        ("check_incremental_model_uses_shared_config", "sector_interest")),
}  # fmt: skip


def test_the_project_as_it_is_has_no_finding(manifest, tmp_path):
    assert findings(manifest, tmp_path) == set()


@pytest.mark.parametrize("breach", list(PLANTED))
def test_a_planted_breach_is_reported(manifest, tmp_path, breach):
    plant, expected = PLANTED[breach]
    planted = copy.deepcopy(manifest)
    plant(planted)
    assert findings(planted, tmp_path) == {expected}
