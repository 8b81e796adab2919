"""`pathways status`: where things stand, on one screen, without SQL.

Which warehouse and key, the last load of each cohort and cycle, what is quarantined or
rejected in the files as they stand, the last gate decision and what it held back, what
partners see now, and when each delivery was written. Problems (a closed gate, a quarantined
file, a key the warehouse was not loaded with) make the command exit 1, so a script or a
scheduler can act on it.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import psycopg
from rich import box
from rich.console import Console
from rich.table import Table

from pathways import run_lease, settings, warehouse
from pathways.deliver.outbox import STAGING_PREFIX
from pathways.ingestion.schema import key_fingerprint
from pathways.publish import access


@dataclass
class Status:
    warehouse: str
    warehouse_source: str
    key_source: str | None = None
    key_fingerprint: str | None = None
    warehouse_key_fingerprint: str | None = None
    run_in_progress: str | None = None
    lease_holder_gone: str | None = None  # a lease whose holder's connection has ended
    loads: list[dict] = field(default_factory=list)
    quarantined: list[dict] = field(default_factory=list)
    rows_rejected: int = 0
    gate: dict | None = None
    held_back: list[dict] = field(default_factory=list)
    partners_see: dict | None = None
    deliveries: list[dict] = field(default_factory=list)

    @property
    def problems(self) -> list[str]:
        found = []
        if self.lease_holder_gone:
            found.append(
                f"the run lease of {self.lease_holder_gone} outlived its holder (its process is "
                "gone): the next run takes it over"
            )
        if self.gate and not self.gate["published"]:
            found.append(
                f"the last gate closed (failed checks: {self.gate['failed']}): partners still "
                "see the figures published before it"
            )
        if self.quarantined:
            found.append(f"delivered files quarantined: {len(self.quarantined)}")
        if self.warehouse_key_fingerprint and self.key_fingerprint not in (
            None,
            self.warehouse_key_fingerprint,
        ):
            found.append("the pseudonym key is not the one this warehouse was loaded with")
        return found

    def to_json(self) -> str:
        return json.dumps({**asdict(self), "problems": self.problems}, default=str, indent=2)


def _exists(conn: psycopg.Connection, relation: str) -> bool:
    return conn.execute("select to_regclass(%s) is not null", (relation,)).fetchone()[0]


def _loads(conn: psycopg.Connection, status: Status) -> None:
    if not _exists(conn, "raw.file_load"):
        return
    status.warehouse_key_fingerprint = conn.execute(
        "select min(fingerprint) from raw.pseudonym_key"
    ).fetchone()[0]
    status.loads = warehouse.records(
        conn,
        """
        -- Every loaded file, the cohort's schools.csv and destinations/ too (issue 29: left
        -- out, the rejects of the table did not add up to the total under it).
        select cohort, cycle,
            case when cycle is not null then 'cycle ' || cycle
                when extract_kind = 'schools' then 'schools' else 'destinations' end as part,
            count(*) as files, max(loaded_at) as last_loaded_at,
            sum(rows_loaded) as rows_loaded, sum(rows_rejected) as rows_rejected
        from raw.file_load
        where is_current and status = 'loaded'
        group by cohort, cycle, part
        order by cohort, min(coalesce(cycle, case when extract_kind = 'schools' then 0 else 8 end))
        """,
    )
    status.quarantined = warehouse.records(
        conn,
        "select source_path, quarantine_reason, loaded_at from raw.quarantined_file"
        " order by source_path",
    )
    status.rows_rejected = conn.execute(
        "select coalesce(sum(rows_rejected), 0) from raw.file_load where is_current"
    ).fetchone()[0]


def _gate(conn: psycopg.Connection, status: Status) -> None:
    if not _exists(conn, "quality.gate_decision"):
        return
    decisions = warehouse.records(
        conn,
        "select verification_id, decided_at, cohort, cycle, checks, failed, warned, published"
        " from quality.gate_decision order by decided_at desc limit 1",
    )
    if not decisions:
        return
    status.gate = decisions[0]
    status.held_back = warehouse.records(
        conn,
        """
        select outcome, dataset, coalesce(column_name, '') as column_name, check_name,
            measured_value, threshold
        from quality.check_result
        where verification_id = %s and outcome in ('failed', 'warned')
        order by outcome, dataset, check_name
        """,
        (status.gate["verification_id"],),
    )


def _publication(conn: psycopg.Connection, status: Status) -> None:
    if not _exists(conn, "published.current_publication"):
        return
    current = warehouse.records(
        conn, "select publication_id, published_at from published.current_publication"
    )
    if not current:
        return
    views = conn.execute(
        "select table_name from information_schema.views where table_schema = 'partner' order by 1"
    ).fetchall()
    rows = {
        view: conn.execute(f'select count(*) from partner."{view}"').fetchone()[0]
        for (view,) in views
    }
    status.partners_see = {**current[0], "rows": rows}


def _deliveries(outbox: Path) -> list[dict]:
    """Each delivery folder of the outbox: how many files, and when the newest was written."""
    found = []
    delivered = {path.parent for path in outbox.rglob("*") if path.is_file()}
    # A delivery still being staged is not one yet.
    for folder in sorted(f for f in delivered if STAGING_PREFIX not in str(f.relative_to(outbox))):
        files = [path for path in folder.iterdir() if path.is_file()]
        newest = max(path.stat().st_mtime for path in files)
        found.append({
            "delivery": str(folder.relative_to(outbox)),
            "files": len(files),
            "written_at": datetime.fromtimestamp(newest, UTC),
        })  # fmt: skip
    return found


def collect(url: str | None = None, outbox: Path | None = None) -> Status:
    url, source = (url, "given") if url else warehouse.resolve_warehouse_and_source()
    status = Status(warehouse.redacted(url), source)
    try:
        key, status.key_source = settings.pseudonym_key_source() or (None, None)
    except OSError as unreadable:
        key, status.key_source = None, f"unreadable: {unreadable}"
    status.key_fingerprint = key_fingerprint(key.encode()) if key else None
    status.deliveries = _deliveries(outbox or settings.outbox())
    try:
        conn = psycopg.connect(access.loader_url(url))
    except psycopg.OperationalError as failure:
        status.warehouse_source += f" - cannot connect: {str(failure).strip()}"
        return status
    with conn:
        _loads(conn, status)
        _gate(conn, status)
        _publication(conn, status)
        status.run_in_progress = run_lease.holder_now(conn)
        status.lease_holder_gone = run_lease.abandoned(conn)
    return status


def _when(value) -> str:
    return f"{value:%Y-%m-%d %H:%M %Z}".strip() if value else "-"


def _table(console: Console, title: str, columns: list[str], rows: list[list]) -> None:
    """A heading line, then the table (or 'none'); numbers right-aligned."""
    console.print(f"\n[bold]{title}[/]")
    if not rows:
        console.print("  none")
        return
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False)
    for position, column in enumerate(columns):
        numeric = all(isinstance(row[position], int | float) for row in rows)
        table.add_column(column, justify="right" if numeric else "left")
    for row in rows:
        table.add_row(*(str(value) for value in row))
    console.print(table)


def render(status: Status, console: Console) -> None:
    _render_identity(status, console)
    _render_loads(status, console)
    _render_gate(status, console)
    _render_publication(status, console)
    for problem in status.problems:
        console.print(f"[red]problem:[/] {problem}")


def _render_identity(status: Status, console: Console) -> None:
    key = f"{status.key_fingerprint} from {status.key_source}" if status.key_source else "none"
    recorded = status.warehouse_key_fingerprint or "no load yet"
    console.print(f"[bold]warehouse[/] {status.warehouse}  ({status.warehouse_source})")
    console.print(f"[bold]pseudonym key[/] {key}; the warehouse was loaded with {recorded}")
    console.print(f"[bold]run in progress[/] {status.run_in_progress or 'none'}")
    if status.run_in_progress and status.run_in_progress.startswith("airflow "):
        console.print("  (a DAG run's lease: if Airflow shows that run ended, release it with "
                      "`pathways lease --release`)")  # fmt: skip


def _render_loads(status: Status, console: Console) -> None:
    _table(console,
        "Loads (current files, by cohort: its schools, each cycle, its destinations)",
        ["cohort", "files of", "files", "last loaded", "rows loaded", "rows rejected"],
        [[load["cohort"], load["part"], load["files"], _when(load["last_loaded_at"]),
          load["rows_loaded"], load["rows_rejected"]] for load in status.loads],
    )  # fmt: skip
    console.print(f"rows rejected in the current files: {status.rows_rejected} "
                  "(restricted.rejected_row has each with its reason)")  # fmt: skip
    if status.quarantined:
        _table(console,
            "Quarantined files (raw.quarantined_file)", ["file", "reason", "since"],
            [[file["source_path"], file["quarantine_reason"], _when(file["loaded_at"])]
             for file in status.quarantined],
        )  # fmt: skip


def _render_gate(status: Status, console: Console) -> None:
    if status.gate:
        gate = status.gate
        verdict = "published" if gate["published"] else "[red]closed: nothing published[/]"
        console.print(
            f"[bold]last gate[/] {_when(gate['decided_at'])}, cohort {gate['cohort']} cycle "
            f"{gate['cycle']}: {gate['checks']} checks, {gate['failed']} failed, "
            f"{gate['warned']} warned - {verdict}"
        )
        if status.held_back:
            _table(console,
                "Checks that failed or warned", ["outcome", "dataset", "column", "check",
                                                 "measured", "threshold"],
                [[row["outcome"], row["dataset"], row["column_name"], row["check_name"],
                  row["measured_value"], row["threshold"]] for row in status.held_back],
            )  # fmt: skip
    else:
        console.print("[bold]last gate[/] none yet")


def _render_publication(status: Status, console: Console) -> None:
    if status.partners_see:
        seen = status.partners_see
        _table(console,
            f"What partners see: publication {seen['publication_id']}, "
            f"published {_when(seen['published_at'])}", ["partner view", "rows"],
            [[f"partner.{view}", rows] for view, rows in seen["rows"].items()],
        )  # fmt: skip
    else:
        console.print("[bold]partners see[/] nothing published yet")
    _table(console,
        f"Deliveries ({settings.shown(settings.outbox())})", ["delivery", "files", "written"],
        [[row["delivery"], row["files"], _when(row["written_at"])] for row in status.deliveries],
    )  # fmt: skip
