"""Running dbt (in its own venv) against the warehouse, as a subprocess."""

from __future__ import annotations

import ctypes
import hashlib
import os
import signal
import subprocess
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from pathways import resources, settings

DBT_PROJECT = resources.dbt_project()
# dbt runs in its own venv in a checkout (.venv-dbt); installed, beside the package (the `dbt`
# extra) or wherever PATHWAYS_DBT points.
DBT_EXECUTABLE = Path(os.environ.get("PATHWAYS_DBT") or settings.venv_bin(".venv-dbt") / "dbt")
# Where dbt writes its target (manifest, partial parse, run results): PATHWAYS_DBT_TARGET, else
# dbt_project/target in a checkout and the state folder's dbt-target when installed (the package
# folder is not ours to write in). Processes building different warehouses at once each need
# their own: dbt rewrites the manifest the DAG's cosmos task group reads.
DBT_TARGET_VARIABLE = "PATHWAYS_DBT_TARGET"
DEFAULT_TARGET = DBT_PROJECT / "target" if settings.CHECKOUT else settings.STATE_DIR / "dbt-target"


PR_SET_PDEATHSIG = 1  # linux/prctl.h
# Looked up here, not in the forked child: a dlopen there could wait on a lock another thread
# of the parent held at the fork (the partner-limits watchdog runs beside the build).
_prctl = ctypes.CDLL(None, use_errno=True).prctl


def _dies_with(parent: int):
    """For preexec_fn: the child is killed when the process that started it dies, even by
    SIGKILL (issue 27: a killed run's dbt built on beside the next run)."""

    def arrange() -> None:
        _prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() != parent:  # the parent died before the line above
            os._exit(1)

    return arrange


class DbtFailed(RuntimeError):
    """dbt exited non-zero; the message carries what dbt printed about the failure."""


@dataclass
class DbtResult:
    command: list[str]
    output: str


def profile_env(warehouse_url: str) -> dict[str, str]:
    """The variables dbt_project/profiles.yml reads, taken apart from WAREHOUSE_URL."""
    parts = urlsplit(warehouse_url)
    query = dict(pair.split("=", 1) for pair in parts.query.split("&") if "=" in pair)
    return {
        "PATHWAYS_DB_HOST": query.get("host") or parts.hostname or "127.0.0.1",
        "PATHWAYS_DB_PORT": str(parts.port or 5432),
        "PATHWAYS_DB_USER": unquote(parts.username or "postgres"),
        "PATHWAYS_DB_PASSWORD": unquote(parts.password or ""),
        "PATHWAYS_DB_NAME": parts.path.lstrip("/") or "postgres",
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }


def run_dbt(
    warehouse_url: str, *args: str, variables: dict | None = None, target_path: Path | None = None
) -> DbtResult:
    """Run one dbt command; raise DbtFailed with dbt's own error lines if it fails."""
    command = [
        str(DBT_EXECUTABLE), "--no-use-colors", *args,
        "--project-dir", str(DBT_PROJECT), "--profiles-dir", str(DBT_PROJECT),
    ]  # fmt: skip
    if variables:
        command += ["--vars", str(variables)]
    target_path = target_path or os.environ.get(DBT_TARGET_VARIABLE) or DEFAULT_TARGET
    command += ["--target-path", str(target_path)]
    if not settings.CHECKOUT:  # dbt's log beside its target, not in the package's folder
        command += ["--log-path", str(Path(target_path) / "logs")]
    env = {**os.environ, **profile_env(warehouse_url)}
    finished = subprocess.run(command, capture_output=True, text=True, env=env, cwd=DBT_PROJECT,
                              preexec_fn=_dies_with(os.getpid()))  # fmt: skip
    output = finished.stdout + finished.stderr
    if finished.returncode != 0:
        # dbt ends with a summary of every failure and its message: show that part.
        summary = output[output.rfind("Completed with") :] if "Completed with" in output else output
        raise DbtFailed(f"dbt {args[0]} failed (exit {finished.returncode}):\n{summary.strip()}")
    return DbtResult(command, output)


def project_fingerprint(variables: dict) -> str:
    """What a build is made by: the project's models, seeds, macros and tests, and its vars."""
    digest = hashlib.sha256(repr(sorted(variables.items())).encode())
    parts = ["dbt_project.yml", "models", "seeds", "macros", "tests", "snapshots"]
    for part in parts:
        root = DBT_PROJECT / part
        files = sorted(root.rglob("*")) if root.is_dir() else [root] if root.exists() else []
        for path in (f for f in files if f.is_file()):
            digest.update(str(path.relative_to(DBT_PROJECT)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def build(warehouse_url: str, *args: str, **kwargs) -> DbtResult:
    return run_dbt(warehouse_url, "build", *args, **kwargs)


def generate_docs(warehouse_url: str, site: Path | None = None) -> Path:
    """`dbt docs generate` into site (default .state/dbt-docs): index.html, manifest.json and
    catalog.json, the catalog read from the warehouse. Returns the folder."""
    from pathways.settings import STATE_DIR

    site = site or STATE_DIR / "dbt-docs"
    run_dbt(warehouse_url, "docs", "generate", target_path=site)
    return site
