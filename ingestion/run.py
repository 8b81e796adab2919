"""Ingesting a whole landing folder: files in dependency order, then a summary of what happened."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
from pathways.ingestion.codes import load_codes
from pathways.ingestion.extracts import all_extracts
from pathways.ingestion.layout import LandedFile, discover
from pathways.ingestion.loader import DATA_TABLES, DeliveryOrder, FileResult, LoadContext, load_file
from pathways.ingestion.schema import check_pseudonym_key, require_tables


@dataclass
class IngestSummary:
    files: list[FileResult] = field(default_factory=list)
    conflicts: int | None = None  # counted when a file was loaded or quarantined

    def count(self, outcome: str) -> int:
        return sum(1 for f in self.files if f.outcome == outcome)

    @property
    def rows_loaded(self) -> int:
        return sum(f.rows_loaded for f in self.files)

    @property
    def rows_rejected(self) -> int:
        return sum(f.rows_rejected for f in self.files)

    @property
    def warnings(self) -> int:
        return sum(f.warnings for f in self.files)

    @property
    def reject_reasons(self) -> Counter:
        return sum((f.reject_reasons for f in self.files), Counter())

    def _conflicts(self) -> str:
        return "" if self.conflicts is None else f", {self.conflicts} repeated interviews resolved"

    def report(self) -> str:
        lines = [
            f"files: {len(self.files)} found, {self.count('loaded')} loaded, "
            f"{self.count('unchanged')} unchanged, {self.count('quarantined')} quarantined",
            f"rows: {self.rows_loaded} loaded, {self.rows_rejected} rejected, "
            f"{self.warnings} warnings{self._conflicts()}",
        ]
        for f in self.files:
            if f.outcome == "quarantined":
                lines.append(f"  quarantined {f.relative_path}: {f.reason}")
        if self.rows_rejected:
            lines.append("rejected rows by reason:")
            for reason, count in self.reject_reasons.most_common():
                lines.append(f"  {count:>6}  {reason}")
            lines.append("  (each reject's file, line, column and value: restricted.rejected_row)")
        return "\n".join(lines)


def _depends_on_changed(landed: LandedFile, changed: set[tuple]) -> bool:
    """Rosters are checked against schools.csv, interviews against both, destinations and the
    survey against the cohort's rosters: recheck after a change."""
    if landed.kind == "roster":
        return (landed.cohort, None) in changed
    if landed.kind == "interviews":
        return (landed.cohort, None) in changed or (landed.cohort, landed.cycle) in changed
    if landed.kind in ("destinations", "survey"):  # checked against every roster of the cohort
        return any(cohort == landed.cohort for cohort, _ in changed)
    return False


def ingest_landing(
    conn: psycopg.Connection,
    landing: Path,
    key: bytes,
    progress: Callable[[str, int], None] | None = None,
) -> IngestSummary:
    codes = load_codes()
    extracts = all_extracts(codes)
    require_tables(conn)
    check_pseudonym_key(conn, key)
    context = LoadContext(conn, key)
    summary = IngestSummary()
    changed: set[tuple] = set()
    landed_files = discover(Path(landing), set(codes.cycles))
    context.deliveries = DeliveryOrder(conn, landed_files)
    for landed in landed_files:
        force = _depends_on_changed(landed, changed)
        result = load_file(conn, landed, extracts, context, force=force, progress=progress)
        summary.files.append(result)
        if result.outcome != "unchanged" and landed.kind == "schools":
            changed.add((landed.cohort, None))
        if result.outcome != "unchanged" and landed.kind == "roster":
            changed.add((landed.cohort, landed.cycle))
    if summary.count("loaded") or summary.count("quarantined"):
        # Fresh statistics, or the planner guesses badly on the next query over new rows.
        for table in DATA_TABLES:
            conn.execute(f"analyze {table}")
        # Two window sorts over every interview (a minute nationally): only when rows changed.
        conflicts = conn.execute("select count(*) from raw.interview_conflict").fetchone()[0]
        summary.conflicts = conflicts
    conn.commit()
    return summary
