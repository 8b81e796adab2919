"""The cycle load as one sequence of steps; the CLI, the DAG and the tests all call these."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ingestion.run import IngestSummary, ingest_landing
from pathways import settings, warehouse


@dataclass
class RunResult:
    warehouse_url: str
    ingest: IngestSummary

    @property
    def ok(self) -> bool:
        return True

    def report(self) -> str:
        return f"warehouse: {_redacted(self.warehouse_url)}\n{self.ingest.report()}"


def _redacted(url: str) -> str:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    if parts.password:
        return url.replace(f":{parts.password}@", ":***@")
    return url


def ingest(landing: Path, url: str, progress=None) -> IngestSummary:
    warehouse.ensure_database(url)
    with warehouse.connect(url) as conn:
        return ingest_landing(conn, landing, settings.pseudonym_key(), progress=progress)


def run(landing: Path, progress=None) -> RunResult:
    if not Path(landing).is_dir():
        raise settings.ConfigurationError(f"landing folder {landing} does not exist")
    url = warehouse.resolve_warehouse_url()
    summary = ingest(landing, url, progress=progress)
    return RunResult(url, summary)
