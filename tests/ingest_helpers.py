"""Running ingestion in tests and reading back what it recorded."""

from __future__ import annotations

from pathlib import Path

from pathways.ingestion.run import ingest_landing


def ingest(conn, landing, key):
    """Ingest a tests.landing.Landing or a plain folder."""
    return ingest_landing(conn, landing if isinstance(landing, Path) else landing.root, key)


def rejects(conn) -> list[tuple]:
    return conn.execute(
        "select f.source_path, r.line_number, r.column_name, r.value, r.reason "
        "from restricted.rejected_row r join raw.file_load f using (file_id) "
        "order by f.source_path, r.line_number"
    ).fetchall()


def warnings(conn) -> list[tuple]:
    return conn.execute(
        "select f.source_path, w.line_number, w.column_name, w.value, w.message "
        "from raw.load_warning w join raw.file_load f using (file_id) "
        "order by f.source_path, w.line_number"
    ).fetchall()


def quarantined(conn) -> dict[str, str]:
    return dict(conn.execute("select source_path, quarantine_reason from raw.quarantined_file"))


def count(conn, table: str) -> int:
    return conn.execute(f"select count(*) from {table}").fetchone()[0]
