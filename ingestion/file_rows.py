"""One file's rows, checked against its extract's contract and copied into its raw table.

The header says where each contract field is; batches of rows are checked column by column
(ingestion.batch) and COPYed; rejects, warnings and personal data are spooled and copied after
them; then the extract's set-based rules (a UPN on the roster, ...) move the rows they reject.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
from pathways.ingestion.batch import Batch, Finding, check_column
from pathways.ingestion.extracts import STAGED_COLUMNS
from pathways.ingestion.readers import (
    MAX_COLUMNS,
    Columns,
    IrregularFile,
    UnreadableFile,
    normalise_header,
    read_batches,
)  # fmt: skip
from pathways.ingestion.spool import Spool, copy_sql, copying, csv_bytes

NUL = "\x00"


class BadHeader(Exception):
    """The header row makes the whole file unusable (a required column missing, a duplicate)."""


def _refuse_unusable_header(header: list[str], fields) -> None:
    """BadHeader, naming the reason, for a header no row of the file can be read against."""
    if len(header) > MAX_COLUMNS:
        raise BadHeader(f"the header has {len(header)} columns (at most {MAX_COLUMNS})")
    if any(NUL in name for name in header):
        raise BadHeader("the header contains a NUL byte")
    _refuse_header_against_contract(header, fields)


def _refuse_header_against_contract(header: list[str], fields) -> None:
    _refuse_repeated_columns(header, fields)
    missing = [f.name for f in fields if f.required and f.name not in header]
    if missing:
        raise BadHeader(f"missing required column(s): {', '.join(missing)}")


def _refuse_repeated_columns(header: list[str], fields) -> None:
    repeated = sorted(name for name, seen in Counter(header).items() if name and seen > 1)
    if repeated:
        # Only contract names are named: a file without its header has a student's row there.
        known = {f.name for f in fields}
        named = [name for name in repeated if name in known] or [f"{len(repeated)} column(s)"]
        raise BadHeader(f"column(s) appear more than once in the header: {', '.join(named)}")


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


def _even_up(lines, rows: list[list[str]], width: int, rejects: Spool, result):
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


def _reject_nul_rows(lines, rows: list[list[str]], rejects: Spool, result):
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


def stream_rows(cursor, extract, landed, context, file_id, result, progress) -> None:
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


def _regular(lines, rows, width: int, rejects: Spool, result) -> tuple[Sequence[int], list]:
    """The batch's columns, once ragged rows and rows with a NUL byte are rejected."""
    if isinstance(rows, Columns):
        return lines, rows  # the fast reader only passes regular rows
    if any(len(row) != width for row in rows):
        lines, rows = _even_up(lines, rows, width, rejects, result)
    if _has_nul(rows):
        lines, rows = _reject_nul_rows(lines, rows, rejects, result)
    columns = list(zip(*rows, strict=True)) if rows else [()] * width
    return lines, [pa.array(column, pa.string()) for column in columns]


@dataclass
class _Reading:
    """What the header says about the rest of the file: where each contract field is."""

    bound: object  # the extract bound to this file (ingestion.extracts)
    positions: list[int | None]
    extra_columns: list[Finding]
    width: int
    caches: list[dict]

    @classmethod
    def of(cls, header: list[str], bound, extract) -> _Reading:
        positions, extra_columns = _header_positions(header, bound.fields)
        if problem := extract.header_problem(header):
            raise BadHeader(problem)
        return cls(bound, positions, extra_columns, len(header), [{} for _ in bound.fields])


@dataclass
class _Spools:
    """Everything but the file's own rows, held until they are copied after them."""

    restricted: Spool
    rejects: Spool
    warnings: Spool
    staged: Spool | None  # the UPNs a set-based rule checks, for extracts that have one

    @classmethod
    def for_file(cls, file_id: int, bound) -> _Spools:
        staged = Spool(file_id) if hasattr(bound, "settling_rules") else None
        return cls(Spool(file_id), Spool(file_id), Spool(file_id), staged)

    def copy_into(self, cursor, extract) -> None:
        if extract.restricted_table:
            self.restricted.copy_into(cursor, extract.restricted_table, extract.restricted_columns)
        # A blank value that was rejected is an empty string, not a missing one.
        finding_columns = ("file_id", "line_number", "column_name", "value")
        blank_is_empty = ", force_not_null (value)"
        self.rejects.copy_into(
            cursor, "restricted.rejected_row", (*finding_columns, "reason"), blank_is_empty
        )
        self.warnings.copy_into(
            cursor, "raw.load_warning", (*finding_columns, "message"), blank_is_empty
        )


def _header(batches) -> tuple[int, list[str]]:
    first = next(batches, None)
    if first is None:
        raise UnreadableFile("the file is empty: no header row")
    (header_line,), (header_cells,) = first
    return header_line, normalise_header(header_cells)


def _checked_batch(lines, rows, reading: _Reading, spools: _Spools, result) -> bytes:
    """One batch checked column by column: its good rows as CSV for the COPY; its rejects,
    warnings, restricted and staged rows into their spools."""
    result.rows_read += len(lines)
    lines, columns = _regular(lines, rows, reading.width, spools.rejects, result)
    batch = Batch(np.asarray(lines, dtype=np.int64), len(lines))
    fields = zip(reading.bound.fields, reading.positions, reading.caches, strict=True)
    for spec, position, cache in fields:
        raw = columns[position] if position is not None else batch.constant("")
        batch.columns[spec.name] = check_column(batch, spec, raw, cache)
    raw_rows, restricted_rows, *staged_rows = reading.bound.finish(batch)
    if restricted_rows is not None:
        spools.restricted.add_table(restricted_rows)
    for table in staged_rows:
        spools.staged.add_table(table)
    for index, findings in sorted(batch.rejected.items()):
        _reject(spools.rejects, batch.lines[index], findings, result)
    for line, finding in batch.warnings:
        spools.warnings.add_findings(line, [finding])
    result.warnings += len(batch.warnings)
    result.rows_loaded += batch.size - len(batch.rejected)
    return csv_bytes(raw_rows)


def _copy_rows(cursor, extract, landed, context, file_id, result, progress, fast) -> None:
    """Check and COPY the file's rows in batches; rejects and warnings are spooled, then copied."""
    batches = read_batches(landed.path, landed.ext, fast=fast)
    header_line, header = _header(batches)
    reading = _Reading.of(header, extract.bind(landed, context, file_id), extract)
    spools = _Spools.for_file(file_id, reading.bound)
    spools.warnings.add_findings(header_line, reading.extra_columns)
    result.warnings += len(reading.extra_columns)
    with copying(cursor, copy_sql(extract.raw_table, extract.raw_columns)) as copy:
        for lines, rows in batches:
            copy.write(_checked_batch(lines, rows, reading, spools, result))
            if progress:
                progress(landed.relative_path, result.rows_read)
    spools.copy_into(cursor, extract)
    if spools.staged is not None:
        _settle(cursor, extract, reading.bound, spools.staged, result)


# Moves the rows a settling rule names from the file's tables (and the staged keys, so a later
# rule does not name them again) to the rejects.
MOVE = """
with rule as ({rule}),
moved as (
    delete from {raw_table} as t using rule
    where t.file_id = %(file_id)s and t.line_number = rule.line_number
),
{restricted}
unstaged as (
    delete from pg_temp.loading_key as k using rule where k.line_number = rule.line_number
),
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


def _stage_keys(cursor, staged: Spool) -> None:
    """The file's keys in a temporary table, analysed: with their statistics the planner probes
    the roster's index for a small file instead of hashing every roster of the cohort."""
    cursor.execute(
        "create temporary table if not exists loading_key (line_number integer primary key, "
        "upn text, student_key text, school_urn text) on commit delete rows"
    )
    cursor.execute("truncate pg_temp.loading_key")
    staged.copy_into(cursor, "pg_temp.loading_key", STAGED_COLUMNS)
    cursor.execute("analyze pg_temp.loading_key")


def _settle(cursor, extract, bound, staged: Spool, result) -> None:
    """Run the extract's set-based rules over the copied rows, in order; count what moved."""
    _stage_keys(cursor, staged)
    restricted = extract.restricted_table
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


def _reject(spool: Spool, line: int, findings: list[Finding], result) -> None:
    result.rows_rejected += 1
    spool.add_findings(line, findings)
    for column, _, reason in findings:
        result.reject_reasons[f"{column or 'row'}: {reason}"] += 1
