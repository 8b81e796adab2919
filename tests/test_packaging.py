"""Pathways installed, not run from its checkout (issue 32): the wheel declares every module the
code imports, installs one top-level name, and a fresh virtualenv outside the checkout runs
`pathways generate` and `pathways run` from an empty folder to the same partner figures."""

from __future__ import annotations

import ast
import importlib.metadata
import os
import re
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest
from conftest import TEST_KEY, new_database_url
from installed import partner_figures

from pathways import warehouse
from pathways.transform import dbt

CHECKOUT = Path(__file__).resolve().parents[1]
PACKAGED_CODE = ("pathways", "ingestion", "quality", "dags")  # the wheel's Python, by folder


def imported_top_level_names(folders=PACKAGED_CODE) -> dict[str, set[str]]:
    """Every top-level module name the packaged code imports (not its own), with the files."""
    found: dict[str, set[str]] = {}
    for folder in folders:
        for path in sorted((CHECKOUT / folder).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(), str(path))):
                if isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    names = [node.module]
                else:
                    continue
                for name in names:
                    found.setdefault(name.split(".")[0], set()).add(str(path.relative_to(CHECKOUT)))
    return found


def distribution_name(requirement: str) -> str:
    return re.split(r"[\[<>=!~;\s]", requirement, maxsplit=1)[0].lower().replace("_", "-")


def declared_distributions(project: dict) -> set[str]:
    requirements = list(project["dependencies"])
    for extra in project.get("optional-dependencies", {}).values():
        requirements += extra
    return {distribution_name(requirement) for requirement in requirements}


def undeclared_imports(declared: set[str]) -> dict[str, set[str]]:
    """Modules the code imports that no declared distribution provides (nor the standard
    library, nor the package itself), with the files that import them."""
    providers = importlib.metadata.packages_distributions()
    missing = {}
    for name, files in imported_top_level_names().items():
        if name in sys.stdlib_module_names or name in {"pathways", "__future__"}:
            continue
        provided_by = {dist.lower().replace("_", "-") for dist in providers.get(name, [])}
        if not provided_by & declared:
            missing[name] = files
    return missing


@pytest.mark.unit
def test_every_module_the_code_imports_comes_from_a_declared_dependency():
    project = tomllib.loads((CHECKOUT / "pyproject.toml").read_text())["project"]
    declared = declared_distributions(project)
    assert undeclared_imports(declared) == {}
    # Negative control: the wheel of issue 32 declared no scipy, and `pathways generate` died.
    assert "scipy" in undeclared_imports(declared - {"scipy"})


def test_the_wheel_installs_one_top_level_name_and_the_files_the_pipeline_reads(installed):
    with zipfile.ZipFile(installed["wheel"]) as wheel:
        names = wheel.namelist()
        top_level = next(name for name in names if name.endswith("top_level.txt"))
        assert wheel.read(top_level).decode().split() == ["pathways"]
    for needed in ("pathways/dbt_project/dbt_project.yml", "pathways/dbt_project/seeds/sectors.csv",
                   "pathways/quality/datasource.yml", "pathways/superset_exports/metadata.yaml",
                   "pathways/dags/pathways_cycle_load.py", "pathways/ingestion/loader.py",
                   "pathways/migrations/env.py", "pathways/publish/access.sql"):  # fmt: skip
        assert needed in names
    assert not [name for name in names if "/target/" in name or "/logs/" in name]


def test_the_installed_package_runs_from_any_folder_to_the_checkout_s_figures(
    installed, checkout_run, tmp_path
):
    """`pathways generate`, `parse` and `run` in an empty folder outside the checkout, with only
    the installed package, a warehouse URL and a key (dbt where a deployment puts it)."""
    work = tmp_path / "anywhere"
    work.mkdir()
    url = new_database_url()
    env = {name: value for name, value in os.environ.items()
           if not name.startswith(("PATHWAYS_", "VIRTUAL_ENV", "PYTHON"))}  # fmt: skip
    env |= {"PATHWAYS_PSEUDONYM_KEY": TEST_KEY.decode(), "PATHWAYS_DBT": str(dbt.DBT_EXECUTABLE),
            "WAREHOUSE_URL": url, "PATHWAYS_OUTBOX": str(tmp_path / "out")}  # fmt: skip
    try:
        for arguments in (["generate", "--out", "landing", "--schools", "3", "--cycles", "1"],
                          ["parse"], ["run", "--landing", "landing"]):  # fmt: skip
            done = subprocess.run([installed["bin"] / "pathways", *arguments], cwd=work, env=env,
                                  capture_output=True, text=True)  # fmt: skip
            assert done.returncode == 0, done.stdout + done.stderr
        assert "published:" in done.stdout
        # The installed generator wrote the checkout's landing, byte for byte.
        reference = checkout_run["landing"]
        assert {str(path.relative_to(reference)): path.read_bytes()
                for path in reference.rglob("*") if path.is_file()} == {
            str(path.relative_to(work / "landing")): path.read_bytes()
            for path in (work / "landing").rglob("*") if path.is_file()}  # fmt: skip
        # It kept its state where it ran, and wrote nothing into the installed package.
        assert (work / ".state" / "dbt-target" / "manifest.json").is_file()
        assert not (installed["package"] / "dbt_project" / "target").exists()
        assert not (installed["package"] / "dbt_project" / "logs").exists()
        assert partner_figures(url) == checkout_run["figures"]
    finally:
        warehouse.drop_database(url)
