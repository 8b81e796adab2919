"""The folders the pipeline reads at run time (the dbt project, the Soda contracts, the Superset
exports, the DAGs), found through the import system: they are package data of `pathways`, so an
installed wheel and an editable checkout find them the same way, from any working directory."""

from __future__ import annotations

import importlib
from pathlib import Path


def packaged_folder(name: str) -> Path:
    """The folder of pathways.<name> (a package, or package data without an __init__.py)."""
    package = importlib.import_module(f"pathways.{name}")
    return Path(next(iter(package.__path__)))


def dbt_project() -> Path:
    return packaged_folder("dbt_project")


def soda_contracts() -> Path:
    return packaged_folder("quality")


def superset_exports() -> Path:
    return packaged_folder("superset_exports")


def dags_folder() -> Path:
    return packaged_folder("dags")
