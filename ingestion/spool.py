"""Rows on their way to a COPY: spooled to disk past a few MB, written as CSV."""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager

import pyarrow as pa
import pyarrow.csv as arrow_csv
from pathways.ingestion.batch import Finding


class Spool:
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
            with copying(cursor, copy_sql(table, columns, options)) as copy:
                while chunk := self.file.read(1 << 20):
                    copy.write(chunk)
        self.file.close()


def csv_bytes(table: pa.Table) -> bytes:
    """The rows as CSV for COPY: NULL unquoted and empty, text quoted (so '' stays '')."""
    sink = io.BytesIO()
    arrow_csv.write_csv(table, sink, arrow_csv.WriteOptions(include_header=False))
    return sink.getvalue()


def copy_sql(table: str, columns: tuple[str, ...], options: str = "") -> str:
    return f"copy {table} ({', '.join(columns)}) from stdin (format csv{options})"


class _Abandoned(Exception):
    """What the server is told when a COPY is given up: nothing about the rows."""

    def __str__(self) -> str:
        return "the loader abandoned this COPY; its reason is in the loader's report"


@contextmanager
def copying(cursor, sql: str) -> Iterator:
    """cursor.copy(sql), except that an error raised while writing is not sent to the server:
    psycopg ends an abandoned COPY with the error's text, and the server writes that to its log,
    where a parser's message quoting a row (a UPN, a name) would outlive the load."""
    reason = None
    try:
        with cursor.copy(sql) as copy:
            try:
                yield copy
            except Exception as error:
                reason = error
                raise _Abandoned from None
    except _Abandoned:
        raise reason from reason.__cause__  # as it was raised, without the _Abandoned
