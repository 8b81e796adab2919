"""Loading one landed file atomically: validate row by row, COPY the good rows, record the rest."""

from __future__ import annotations

import hashlib
import hmac
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from operator import itemgetter
from pathlib import Path

import psycopg

from ingestion.extracts import Finding
from ingestion.layout import LandedFile
from ingestion.readers import UnreadableFile, normalise_header, read_rows
from ingestion.rules import Problem, escape_copy_text

SCHEMA_SQL = Path(__file__).with_name("schema.sql")
DATA_TABLES = (
    "raw.school",
    "raw.roster",
    "restricted.roster_identity",
    "raw.interview",
    "restricted.interview_note",
    "restricted.rejected_row",
    "raw.load_warning",
)
# Checked values are remembered per file up to this many per column; keeps memory flat.
CACHE_LIMIT = 100_000
PSEUDONYM_CACHE_LIMIT = 500_000
COPY_BATCH_ROWS = 5_000
PROGRESS_EVERY_ROWS = 100_000


def create_schema(conn: psycopg.Connection) -> None:
    with conn.transaction():
        # Serialise concurrent first runs: CREATE ... IF NOT EXISTS is not race-free.
        conn.execute("select pg_advisory_xact_lock(hashtext('pathways.raw_schema'))")
        conn.execute(SCHEMA_SQL.read_text())


class LoadContext:
    """What row checks need to know beyond the file itself: pseudonyms, schools, rosters."""

    def __init__(self, conn: psycopg.Connection, key: bytes):
        self.conn = conn
        self._key = key
        self._pseudonyms: dict[str, str] = {}
        self._schools: dict[int, set[str]] = {}
        self._rosters: dict[tuple[int, int], set[tuple[str, str]]] = {}

    def pseudonym(self, upn: str) -> str:
        key = self._pseudonyms.get(upn)
        if key is None:
            key = hmac.new(self._key, upn.encode(), hashlib.sha256).hexdigest()[:32]
            if len(self._pseudonyms) < PSEUDONYM_CACHE_LIMIT:
                self._pseudonyms[upn] = key
        return key

    def schools(self, cohort: int) -> set[str]:
        if cohort not in self._schools:
            rows = self.conn.execute("select urn from raw.school where cohort = %s", (cohort,))
            self._schools[cohort] = {urn for (urn,) in rows}
        return self._schools[cohort]

    def roster(self, cohort: int, cycle: int) -> set[tuple[str, str]]:
        if (cohort, cycle) not in self._rosters:
            rows = self.conn.execute(
                "select school_urn, student_key from raw.roster where cohort = %s and cycle = %s",
                (cohort, cycle),
            )
            self._rosters[cohort, cycle] = set(rows)
        return self._rosters[cohort, cycle]

    def forget(self, landed: LandedFile) -> None:
        """A schools or roster file changed: what depends on it must be read again."""
        self._schools.pop(landed.cohort, None)
        self._rosters.pop((landed.cohort, landed.cycle), None)


@dataclass
class FileResult:
    relative_path: str
    outcome: str  # loaded | quarantined | unchanged
    rows_read: int = 0
    rows_loaded: int = 0
    rows_rejected: int = 0
    warnings: int = 0
    reason: str | None = None
    reject_reasons: Counter = field(default_factory=Counter)
    replaced_earlier_delivery: bool = False
    seconds: float = 0.0


class _Spool:
    """COPY lines for a second table, held on disk past a few MB so memory stays flat."""

    def __init__(self):
        # Closed in copy_into, which every load reaches or abandons with its transaction.
        self.file = tempfile.SpooledTemporaryFile(  # noqa: SIM115
            max_size=8 << 20, mode="w+", encoding="utf-8"
        )
        self.count = 0

    def add(self, line: str) -> None:
        self.file.write(line)
        self.count += 1

    def copy_into(self, cursor: psycopg.Cursor, table: str, columns: tuple[str, ...]) -> None:
        if self.count:
            self.file.seek(0)
            with cursor.copy(f"copy {table} ({', '.join(columns)}) from stdin") as copy:
                while chunk := self.file.read(1 << 20):
                    copy.write(chunk)
        self.file.close()


class BadHeader(Exception):
    """The header row makes the whole file unusable (a required column missing, a duplicate)."""


def file_digest(path: Path) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def _finding_line(file_id: int, line: int, finding: Finding) -> str:
    column, value, message = finding
    return (
        f"{file_id}\t{line}\t{column or chr(92) + 'N'}\t"
        f"{escape_copy_text(value) if value is not None else chr(92) + 'N'}\t"
        f"{escape_copy_text(message)}\n"
    )


def _header_positions(header: list[str], fields, header_line: int):
    duplicates = sorted({name for name in header if name and header.count(name) > 1})
    if duplicates:
        raise BadHeader(f"column(s) appear more than once in the header: {', '.join(duplicates)}")
    missing = [f.name for f in fields if f.required and f.name not in header]
    if missing:
        raise BadHeader(f"missing required column(s): {', '.join(missing)}")
    known = {f.name for f in fields}
    extras = [
        (name, name, "column is not in the contract and was ignored")
        for name in header
        if name and name not in known
    ]
    # An absent optional column reads as blank: it points one past the row's last cell.
    positions = [header.index(f.name) if f.name in header else len(header) for f in fields]
    return positions, extras


def _stream_rows(cursor, extract, landed, context, file_id, result, progress) -> None:
    """Validate and COPY every row of the file; rejects and warnings are spooled then copied."""
    rows = read_rows(landed.path, landed.ext)
    first = next(rows, None)
    if first is None:
        raise UnreadableFile("the file is empty: no header row")
    header_line, header_cells = first
    header = normalise_header(header_cells)
    fields = extract.fields
    positions, extra_columns = _header_positions(header, fields, header_line)
    width = len(header)
    pick = itemgetter(*positions)
    caches = [{} for _ in fields]
    getters = [cache.get for cache in caches]
    checks = list(enumerate(fields))
    rows_handler = extract.start(landed, context, file_id)
    accept = rows_handler.accept
    restricted, rejects, warnings = _Spool(), _Spool(), _Spool()
    for finding in extra_columns:
        warnings.add(_finding_line(file_id, header_line, finding))
        result.warnings += 1
    batch: list[str] = []
    read = loaded = 0
    columns = ", ".join(extract.raw_columns)
    with cursor.copy(f"copy {extract.raw_table} ({columns}) from stdin") as copy:
        for line, cells in rows:
            read += 1
            if len(cells) != width:
                if len(cells) > width and any(cells[width:]):
                    found = [(None, ",".join(cells[width:]), f"row has {len(cells)} values "
                              f"but the header has {width} columns")]  # fmt: skip
                    _reject(rejects, file_id, line, found, result)
                    continue
                cells = (cells + [""] * width)[:width]
            cells.append("")
            picked = pick(cells)
            values = [get(raw) for get, raw in zip(getters, picked, strict=True)]
            if not all(values):
                found = []
                for index, spec in checks:
                    if values[index] is None:
                        raw = picked[index]
                        checked = spec.check(raw)
                        if checked.__class__ is Problem:
                            found.append((spec.name, raw, checked.reason))
                        else:
                            values[index] = checked
                            if spec.cacheable and len(caches[index]) < CACHE_LIMIT:
                                caches[index][raw] = checked
                if found:
                    _reject(rejects, file_id, line, found, result)
                    continue
            outcome = accept(line, values)
            if outcome.__class__ is list:
                _reject(rejects, file_id, line, outcome, result)
                continue
            raw_line, restricted_line, row_warnings = outcome
            batch.append(raw_line)
            loaded += 1
            if restricted_line is not None:
                restricted.add(restricted_line)
            if row_warnings:
                for finding in row_warnings:
                    warnings.add(_finding_line(file_id, line, finding))
                result.warnings += len(row_warnings)
            if len(batch) >= COPY_BATCH_ROWS:
                copy.write("".join(batch))
                batch.clear()
                if progress and loaded % PROGRESS_EVERY_ROWS < COPY_BATCH_ROWS:
                    progress(landed.relative_path, read)
        if batch:
            copy.write("".join(batch))
    if extract.restricted_table:
        restricted.copy_into(cursor, extract.restricted_table, extract.restricted_columns)
    rejects.copy_into(
        cursor,
        "restricted.rejected_row",
        ("file_id", "line_number", "column_name", "value", "reason"),
    )
    warnings.copy_into(
        cursor, "raw.load_warning", ("file_id", "line_number", "column_name", "value", "message")
    )
    result.rows_read, result.rows_loaded = read, loaded


def _reject(spool: _Spool, file_id: int, line: int, found: list[Finding], result) -> None:
    result.rows_rejected += 1
    for finding in found:
        spool.add(_finding_line(file_id, line, finding))
        result.reject_reasons[f"{finding[0] or 'row'}: {finding[2]}"] += 1


def _supersede(cursor: psycopg.Cursor, file_id: int) -> None:
    for table in DATA_TABLES:
        cursor.execute(f"delete from {table} where file_id = %s", (file_id,))
    cursor.execute(
        "update raw.file_load set is_current = false, superseded_at = clock_timestamp() "
        "where file_id = %s",
        (file_id,),
    )


def load_file(
    conn: psycopg.Connection,
    landed: LandedFile,
    extracts: dict,
    context: LoadContext,
    force: bool = False,
    progress: Callable[[str, int], None] | None = None,
) -> FileResult:
    """Load one file in one transaction: all of it (rows or quarantine record) or nothing.

    Same bytes as the current delivery of this path: nothing changes (unless force, used when
    a file it was checked against has changed). New bytes: the earlier delivery is replaced.
    """
    started = time.perf_counter()
    sha256, size = file_digest(landed.path)
    result = FileResult(landed.relative_path, "loaded")
    with conn.transaction(), conn.cursor() as cursor:
        cursor.execute("select pg_advisory_xact_lock(hashtext(%s))", (landed.relative_path,))
        current = cursor.execute(
            "select file_id, sha256 from raw.file_load where source_path = %s and is_current",
            (landed.relative_path,),
        ).fetchone()
        if current and current[1] == sha256 and not force:
            return FileResult(landed.relative_path, "unchanged")
        if current:
            _supersede(cursor, current[0])
            result.replaced_earlier_delivery = current[1] != sha256
        extract = extracts.get(landed.kind)
        reason = landed.problem or (extract and extract.file_problem(landed, context))
        file_id = cursor.execute(
            "insert into raw.file_load (source_path, extract_kind, cohort, cycle, file_key, "
            "sha256, size_bytes, delivered_at, status) "
            "values (%s, %s, %s, %s, %s, %s, %s, %s, 'loaded') returning file_id",
            (
                landed.relative_path, landed.kind, landed.cohort, landed.cycle, landed.key,
                sha256, size, landed.delivered_at,
            ),
        ).fetchone()[0]  # fmt: skip
        if not reason:
            try:
                with conn.transaction():
                    _stream_rows(cursor, extract, landed, context, file_id, result, progress)
            except (UnreadableFile, BadHeader) as problem:
                reason = str(problem)
                result = FileResult(landed.relative_path, "loaded")
        if reason:
            result.outcome, result.reason = "quarantined", reason
        cursor.execute(
            "update raw.file_load set status = %s, quarantine_reason = %s, rows_read = %s, "
            "rows_loaded = %s, rows_rejected = %s, warnings = %s where file_id = %s",
            (
                result.outcome, reason, result.rows_read, result.rows_loaded,
                result.rows_rejected, result.warnings, file_id,
            ),
        )  # fmt: skip
    if landed.kind in ("schools", "roster"):
        context.forget(landed)
    result.seconds = time.perf_counter() - started
    return result
