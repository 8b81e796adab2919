"""The cycle load as one sequence of steps; the CLI, the DAG and the tests all call these."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from ingestion.run import IngestSummary, ingest_landing
from pathways import dbt, settings, warehouse


@dataclass
class RunResult:
    warehouse_url: str
    ingest: IngestSummary | None = None
    dbt_summary: str | None = None
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def report(self) -> str:
        lines = [f"warehouse: {redacted(self.warehouse_url)}"]
        if self.ingest:
            lines.append(self.ingest.report())
        if self.dbt_summary:
            lines.append(f"dbt build: {self.dbt_summary}")
        lines += [f"FAILED: {error}" for error in self.errors]
        return "\n".join(lines)


def redacted(url: str) -> str:
    password = urlsplit(url).password
    return url.replace(f":{password}@", ":***@") if password else url


def dbt_variables() -> dict:
    """dbt vars from the environment: the suppression threshold is configuration (contract 7)."""
    threshold = os.environ.get("PATHWAYS_SUPPRESSION_THRESHOLD")
    return {"suppression_threshold": int(threshold)} if threshold else {}


def ingest(landing: Path, url: str, progress=None) -> IngestSummary:
    warehouse.ensure_database(url)
    with warehouse.connect(url) as conn:
        return ingest_landing(conn, landing, settings.pseudonym_key(), progress=progress)


def build_warehouse(url: str, full_refresh: bool = False) -> str:
    """dbt build: seeds, models, tests and unit tests; returns dbt's closing tally."""
    args = ["--full-refresh"] if full_refresh else []
    result = dbt.build(url, *args, variables=dbt_variables())
    tally = re.findall(r"Done\. (PASS=.*)", result.output)
    return tally[-1].strip() if tally else "done"


def run(landing: Path, progress=None, full_refresh: bool = False, url: str | None = None):
    """Files to partner views: ingest the landing folder, then build the warehouse with dbt."""
    if not Path(landing).is_dir():
        raise settings.ConfigurationError(f"landing folder {landing} does not exist")
    result = RunResult(url or warehouse.resolve_warehouse_url())
    result.ingest = ingest(landing, result.warehouse_url, progress=progress)
    try:
        result.dbt_summary = build_warehouse(result.warehouse_url, full_refresh=full_refresh)
    except dbt.DbtFailed as failure:
        result.errors.append(str(failure))
    return result
