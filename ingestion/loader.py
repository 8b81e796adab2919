"""Loading one landed file atomically: validate row by row, COPY the good rows, record the rest."""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import os
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import psycopg
import pyarrow as pa
import pyarrow.csv as arrow_csv

from ingestion.batch import Batch, Finding, check_column
from ingestion.layout import LandedFile, quarantined
from ingestion.readers import (
    MAX_COLUMNS,
    Columns,
    IrregularFile,
    UnreadableFile,
    normalise_header,
    read_batches,
)  # fmt: skip

SCHEMA_SQL = Path(__file__).with_name("schema.sql")
DATA_TABLES = (
    "raw.school",
    "raw.roster",
    "restricted.roster_identity",
    "raw.interview",
    "restricted.interview_note",
    "raw.destination",
    "restricted.destination_provider",
    "raw.destination_comparison",
    "restricted.rejected_row",
    "raw.load_warning",
)


def create_schema(conn: psycopg.Connection) -> None:
    with conn.transaction():
        # Serialise concurrent first runs: CREATE ... IF NOT EXISTS is not race-free.
        conn.execute("select pg_advisory_xact_lock(hashtext('pathways.raw_schema'))")
        conn.execute(SCHEMA_SQL.read_text())


class WrongPseudonymKey(RuntimeError):
    """The key differs from the one this warehouse was loaded with."""


def key_fingerprint(key: bytes) -> str:
    """A short, one-way name for the key, which the warehouse records on its first load."""
    return hmac.new(key, b"pathways pseudonym key check", hashlib.sha256).hexdigest()[:16]


def check_pseudonym_key(conn: psycopg.Connection, key: bytes) -> None:
    """Record the key's fingerprint on first load; refuse a different key afterwards."""
    fingerprint = key_fingerprint(key)
    with conn.transaction():
        conn.execute(
            "insert into raw.pseudonym_key (fingerprint) values (%s) on conflict do nothing",
            (fingerprint,),
        )
        (recorded,) = conn.execute("select fingerprint from raw.pseudonym_key").fetchone()
    if recorded != fingerprint:
        raise WrongPseudonymKey(
            "PATHWAYS_PSEUDONYM_KEY is not the key this warehouse was loaded with (fingerprint "
            f"{fingerprint}, expected {recorded}); with it every student would get a new "
            "pseudonym. Use the original key, or load into a new database."
        )


class LoadContext:
    """What row checks need to know beyond the file itself: pseudonyms, schools, rosters."""

    def __init__(self, conn: psycopg.Connection, key: bytes):
        self.conn = conn
        # HMAC-SHA256 with the key's inner and outer hashes worked out once (RFC 2104): each
        # pseudonym is then two hash copies, not a new HMAC object.
        padded = key if len(key) <= 64 else hashlib.sha256(key).digest()
        padded = padded.ljust(64, b"\0")
        self._inner = hashlib.sha256(bytes(b ^ 0x36 for b in padded))
        self._outer = hashlib.sha256(bytes(b ^ 0x5C for b in padded))
        self._schools: dict[int, set[str]] = {}

    def pseudonym(self, upn: str) -> str:
        inner, outer = self._inner.copy(), self._outer.copy()
        inner.update(upn.encode())
        outer.update(inner.digest())
        return outer.hexdigest()[:32]

    def pseudonyms(self, upns: pa.Array) -> pa.Array:
        """Pseudonyms for a column of checked UPNs (null where the UPN was bad)."""
        pseudonym = self.pseudonym
        keys = [None if upn is None else pseudonym(upn) for upn in upns.to_pylist()]
        return pa.array(keys, pa.string())

    def schools(self, cohort: int) -> set[str]:
        if cohort not in self._schools:
            rows = self.conn.execute("select urn from raw.school where cohort = %s", (cohort,))
            self._schools[cohort] = {urn for (urn,) in rows}
        return self._schools[cohort]

    def forget(self, landed: LandedFile) -> None:
        """A schools or roster file changed: what depends on it must be read again."""
        if landed.kind == "schools":
            self._schools.pop(landed.cohort, None)


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

    def count_again(self) -> None:
        """The file is read again from the start: its row counts start again too."""
        self.rows_read = self.rows_loaded = self.rows_rejected = self.warnings = 0
        self.reject_reasons = Counter()


class _Spool:
    """CSV rows for a later COPY, held on disk past a few MB so memory stays flat."""

    def __init__(self, file_id: int):
        self.file_id = file_id
        # Closed in copy_into, which every load reaches or abandons with its transaction.
        self.file = tempfile.SpooledTemporaryFile(max_size=1 << 20, mode="w+b")  # noqa: SIM115
        self.buffer = io.StringIO()
        self.writer = csv.writer(self.buffer)

    def add_findings(self, line: int, findings: list[Finding]) -> None:
        self.writer.writerows((self.file_id, line, *finding) for finding in findings)

    def add_table(self, table: pa.Table) -> None:
        self.file.write(csv_bytes(table))

    def flush(self) -> None:
        """Move what the batch wrote into the spool file in one write."""
        self.file.write(self.buffer.getvalue().encode())
        self.buffer.seek(0)
        self.buffer.truncate()

    def copy_into(self, cursor, table: str, columns: tuple[str, ...], options: str = "") -> None:
        self.flush()
        if self.file.tell():
            self.file.seek(0)
            with cursor.copy(_copy_sql(table, columns, options)) as copy:
                while chunk := self.file.read(1 << 20):
                    copy.write(chunk)
        self.file.close()


def csv_bytes(table: pa.Table) -> bytes:
    """The rows as CSV for COPY: NULL unquoted and empty, text quoted (so '' stays '')."""
    sink = io.BytesIO()
    arrow_csv.write_csv(table, sink, arrow_csv.WriteOptions(include_header=False))
    return sink.getvalue()


def _copy_sql(table: str, columns: tuple[str, ...], options: str = "") -> str:
    return f"copy {table} ({', '.join(columns)}) from stdin (format csv{options})"


class BadHeader(Exception):
    """The header row makes the whole file unusable (a required column missing, a duplicate)."""


class FileChanged(UnreadableFile):
    """The file's bytes changed while it was read: what was read may be a torn mixture."""


# Whatever reading a hostile or broken file can raise: the file is quarantined with the error
# and the run goes on. (A lost database connection is not among them: it fails the run.)
UNREADABLE = (
    UnreadableFile, BadHeader, OSError, UnicodeError, ValueError, TypeError, KeyError,
    IndexError, csv.Error, psycopg.errors.DataError,
)  # fmt: skip
NUL = "\x00"


def file_digest(path: Path) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def _refuse_unusable_header(header: list[str], fields) -> None:
    """BadHeader, naming the reason, for a header no row of the file can be read against."""
    if len(header) > MAX_COLUMNS:
        raise BadHeader(f"the header has {len(header)} columns (at most {MAX_COLUMNS})")
    if any(NUL in name for name in header):
        raise BadHeader("the header contains a NUL byte")
    _refuse_header_against_contract(header, fields)


def _refuse_header_against_contract(header: list[str], fields) -> None:
    duplicates = sorted(name for name, seen in Counter(header).items() if name and seen > 1)
    if duplicates:
        raise BadHeader(f"column(s) appear more than once in the header: {', '.join(duplicates)}")
    missing = [f.name for f in fields if f.required and f.name not in header]
    if missing:
        raise BadHeader(f"missing required column(s): {', '.join(missing)}")


def _header_positions(header: list[str], fields) -> tuple[list[int | None], list[Finding]]:
    """Where each contract field is in the header (None if absent), and the columns ignored."""
    _refuse_unusable_header(header, fields)
    known = {f.name for f in fields}
    extras = [
        (name, name, "column is not in the contract and was ignored")
        for name in header
        if name and name not in known
    ]
    return [header.index(f.name) if f.name in header else None for f in fields], extras


def _even_up(lines, rows: list[list[str]], width: int, rejects: _Spool, result):
    """Pad short rows with blanks; reject rows with extra non-empty cells."""
    kept_lines, kept_rows = [], []
    for line, row in zip(lines, rows, strict=True):
        if len(row) > width and any(row[width:]):
            surplus = ",".join(row[width:])
            reason = f"row has {len(row)} values but the header has {width} columns"
            _reject(rejects, line, [(None, surplus, reason)], result)
            continue
        kept_lines.append(line)
        kept_rows.append((row + [""] * width)[:width])
    return kept_lines, kept_rows


def _reject_nul_rows(lines, rows: list[list[str]], rejects: _Spool, result):
    """PostgreSQL text cannot hold a NUL byte: a row with one is rejected, with its column."""
    kept_lines, kept_rows = [], []
    for line, row in zip(lines, rows, strict=True):
        column = next((index for index, cell in enumerate(row) if NUL in cell), None)
        if column is None:
            kept_lines.append(line)
            kept_rows.append(row)
            continue
        value = row[column].replace(NUL, "\\0")
        _reject(rejects, line, [(f"column {column + 1}", value, "contains a NUL byte")], result)
    return kept_lines, kept_rows


def _has_nul(rows: list[list[str]]) -> bool:
    return NUL in "".join(map("".join, rows))  # one C-speed scan of the batch


def _stream_rows(cursor, extract, landed, context, file_id, result, progress) -> None:
    """Load the rows through the fast reader; if it gives up on the file, start again (from a
    savepoint) with the exact one."""
    if landed.ext != "xlsx":
        try:
            with cursor.connection.transaction():
                _copy_rows(cursor, extract, landed, context, file_id, result, progress, True)
            return
        except IrregularFile:
            result.count_again()
    _copy_rows(cursor, extract, landed, context, file_id, result, progress, False)


def _regular(lines, rows, width: int, rejects: _Spool, result) -> tuple[Sequence[int], list]:
    """The batch's columns, once ragged rows and rows with a NUL byte are rejected."""
    if isinstance(rows, Columns):
        return lines, rows  # the fast reader only passes regular rows
    if any(len(row) != width for row in rows):
        lines, rows = _even_up(lines, rows, width, rejects, result)
    if _has_nul(rows):
        lines, rows = _reject_nul_rows(lines, rows, rejects, result)
    columns = list(zip(*rows, strict=True)) if rows else [()] * width
    return lines, [pa.array(column, pa.string()) for column in columns]


def _copy_rows(cursor, extract, landed, context, file_id, result, progress, fast) -> None:
    """Check and COPY the file's rows in batches; rejects and warnings are spooled, then copied."""
    batches = read_batches(landed.path, landed.ext, fast=fast)
    first = next(batches, None)
    if first is None:
        raise UnreadableFile("the file is empty: no header row")
    (header_line,), (header_cells,) = first
    header = normalise_header(header_cells)
    bound = extract.bind(landed, context, file_id)
    positions, extra_columns = _header_positions(header, bound.fields)
    if problem := extract.header_problem(header):
        raise BadHeader(problem)
    width = len(header)
    caches = [{} for _ in bound.fields]
    restricted, rejects, warnings = _Spool(file_id), _Spool(file_id), _Spool(file_id)
    warnings.add_findings(header_line, extra_columns)
    result.warnings += len(extra_columns)
    staged = _Spool(file_id) if hasattr(bound, "settling_rules") else None
    with cursor.copy(_copy_sql(extract.raw_table, extract.raw_columns)) as copy:
        for lines, rows in batches:
            result.rows_read += len(lines)
            lines, columns = _regular(lines, rows, width, rejects, result)
            batch = Batch(np.asarray(lines, dtype=np.int64), len(lines))
            for spec, position, cache in zip(bound.fields, positions, caches, strict=True):
                raw = columns[position] if position is not None else batch.constant("")
                batch.columns[spec.name] = check_column(batch, spec, raw, cache)
            raw_rows, restricted_rows, *staged_rows = bound.finish(batch)
            if restricted_rows is not None:
                restricted.add_table(restricted_rows)
            for table in staged_rows:
                staged.add_table(table)
            for index, findings in sorted(batch.rejected.items()):
                _reject(rejects, batch.lines[index], findings, result)
            for line, finding in batch.warnings:
                warnings.add_findings(line, [finding])
            result.warnings += len(batch.warnings)
            result.rows_loaded += batch.size - len(batch.rejected)
            copy.write(csv_bytes(raw_rows))
            if progress:
                progress(landed.relative_path, result.rows_read)
    if extract.restricted_table:
        restricted.copy_into(cursor, extract.restricted_table, extract.restricted_columns)
    # A blank value that was rejected is an empty string, not a missing one.
    finding_columns = ("file_id", "line_number", "column_name", "value")
    blank_is_empty = ", force_not_null (value)"
    rejects.copy_into(
        cursor, "restricted.rejected_row", (*finding_columns, "reason"), blank_is_empty
    )
    warnings.copy_into(cursor, "raw.load_warning", (*finding_columns, "message"), blank_is_empty)
    if staged is not None:
        _settle(cursor, extract, bound, staged, result)


# Moves the rows a settling rule names from the file's tables to the rejects.
MOVE = """
with rule as ({rule}),
moved as (
    delete from {raw_table} as t using rule
    where t.file_id = %(file_id)s and t.line_number = rule.line_number
),
{restricted}
warned as (
    delete from raw.load_warning as w using rule
    where w.file_id = %(file_id)s and w.line_number = rule.line_number
    returning 1
)
insert into restricted.rejected_row (file_id, line_number, column_name, value, reason)
select %(file_id)s, line_number, column_name, value, reason from rule
returning column_name, reason, (select count(*) from warned) as warnings
"""
MOVE_RESTRICTED = """restricted as (
    delete from {table} as t using rule
    where t.file_id = %(file_id)s and t.line_number = rule.line_number
),"""


def _settle(cursor, extract, bound, staged: _Spool, result) -> None:
    """Run the extract's set-based rules over the copied rows, in order; count what moved."""
    cursor.execute(
        "create temporary table if not exists loading_upn "
        "(line_number integer primary key, upn text) on commit delete rows"
    )
    cursor.execute("truncate pg_temp.loading_upn")
    staged.copy_into(cursor, "pg_temp.loading_upn", ("line_number", "upn"))
    restricted = extract.restricted_table
    # The file's rows were just loaded, so the planner has no statistics for them and would
    # probe row by row: hashing the other side once is the set-based plan. (For the rest of
    # the file's transaction, which only updates its raw.file_load row.)
    cursor.execute("set local enable_nestloop = off")
    for rule in bound.settling_rules():
        sql = MOVE.format(
            rule=rule, raw_table=extract.raw_table,
            restricted=MOVE_RESTRICTED.format(table=restricted) if restricted else "",
        )  # fmt: skip
        moved = cursor.execute(sql, {"file_id": staged.file_id}).fetchall()
        for column, reason, _ in moved:
            result.rows_rejected += 1
            result.rows_loaded -= 1
            result.reject_reasons[f"{column}: {reason}"] += 1
        if moved:
            result.warnings -= moved[0][2]


def _reject(spool: _Spool, line: int, findings: list[Finding], result) -> None:
    result.rows_rejected += 1
    spool.add_findings(line, findings)
    for column, _, reason in findings:
        result.reject_reasons[f"{column or 'row'}: {reason}"] += 1


def _fingerprint(landed: LandedFile) -> tuple[LandedFile, str, int, os.stat_result | None]:
    """The file's digest, size and status before it is read. A link that is not followed, and
    a file that cannot be opened, get no digest, so a later run looks at them again."""
    if landed.problem and landed.path.is_symlink():
        return landed, "", 0, None  # never read through a link that leaves the landing
    try:
        sha256, size = file_digest(landed.path)
        return landed, sha256, size, landed.path.stat()
    except OSError as error:
        if not landed.problem:
            landed = quarantined(landed, f"cannot be read: {error.strerror or error}")
        return landed, "", 0, None


def _unchanged_since(path: Path, before, sha256: str) -> None:
    """Raise FileChanged if the file is not the one that was digested before it was read."""
    after = path.stat()
    if (after.st_size, after.st_mtime_ns) != (before.st_size, before.st_mtime_ns) or (
        file_digest(path)[0] != sha256
    ):
        raise FileChanged(
            "the file changed while it was read (it is being written?): nothing of it was "
            "loaded; it is read again on the next run"
        )


def _plain_reason(problem: Exception) -> str:
    if isinstance(problem, UnreadableFile | BadHeader):
        return str(problem)
    if isinstance(problem, OSError):
        return f"cannot be read: {problem.strerror or problem}"
    return f"cannot be read as an extract ({type(problem).__name__}: {problem})"[:500]


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
    result = FileResult(landed.relative_path, "loaded")
    landed, sha256, size, before = _fingerprint(landed)
    with conn.transaction(), conn.cursor() as cursor:
        cursor.execute("select pg_advisory_xact_lock(hashtext(%s))", (landed.relative_path,))
        current = _current_delivery(cursor, landed)
        if current and current.sha256 == sha256 and not force and not current.newly_known:
            return FileResult(landed.relative_path, "unchanged")
        if current:
            _supersede(cursor, current.file_id)
            result.replaced_earlier_delivery = current.sha256 != sha256
        extract = extracts.get(landed.kind)
        reason = landed.problem or (extract and extract.file_problem(landed, context))
        file_id = _record_delivery(cursor, landed, sha256, size)
        if not reason:
            try:
                with conn.transaction():
                    _stream_rows(cursor, extract, landed, context, file_id, result, progress)
                    _unchanged_since(landed.path, before, sha256)
            except UNREADABLE as problem:
                reason = _plain_reason(problem)
                result = FileResult(landed.relative_path, "loaded")
        if reason:
            result.outcome, result.reason = "quarantined", reason
        _record_outcome(cursor, file_id, result, reason)
    if landed.kind in ("schools", "roster"):
        context.forget(landed)
    result.seconds = time.perf_counter() - started
    return result


@dataclass
class _Delivery:
    file_id: int
    sha256: str
    # A name no extract pattern knew when it was delivered (destinations before section 8)
    # is examined again once one does, though its bytes are the same.
    newly_known: bool


def _current_delivery(cursor, landed: LandedFile) -> _Delivery | None:
    current = cursor.execute(
        "select file_id, sha256, extract_kind from raw.file_load "
        "where source_path = %s and is_current",
        (landed.relative_path,),
    ).fetchone()
    if current is None:
        return None
    file_id, sha256, kind = current
    return _Delivery(file_id, sha256, newly_known=kind is None and landed.kind is not None)


def _record_delivery(cursor, landed: LandedFile, sha256: str, size: int) -> int:
    return cursor.execute(
        "insert into raw.file_load (source_path, extract_kind, cohort, cycle, file_key, "
        "sha256, size_bytes, delivered_at, status) "
        "values (%s, %s, %s, %s, %s, %s, %s, %s, 'loaded') returning file_id",
        (
            landed.relative_path, landed.kind, landed.cohort, landed.cycle, landed.key,
            sha256, size, landed.delivered_at,
        ),
    ).fetchone()[0]  # fmt: skip


def _record_outcome(cursor, file_id: int, result: FileResult, reason: str | None) -> None:
    cursor.execute(
        "update raw.file_load set status = %s, quarantine_reason = %s, rows_read = %s, "
        "rows_loaded = %s, rows_rejected = %s, warnings = %s where file_id = %s",
        (
            result.outcome, reason, result.rows_read, result.rows_loaded,
            result.rows_rejected, result.warnings, file_id,
        ),
    )  # fmt: skip
