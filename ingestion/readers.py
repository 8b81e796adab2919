"""Reading an extract in batches of rows, from CSV or the first sheet of an XLSX.

A batch is (line numbers, rows): the header row comes first as a batch of its own, then rows
in batches, blank lines skipped. Rows are read in bulk (csv's C loop) and line numbers are
worked out per batch, so no Python code runs per row unless a record spans several lines.
"""

from __future__ import annotations

import codecs
import csv
import zipfile
from collections.abc import Iterator, Sequence
from datetime import date, datetime
from itertools import accumulate, islice, zip_longest
from pathlib import Path

Batch = tuple[Sequence[int], list[list[str]]]
BATCH_ROWS = 5_000


class UnreadableFile(Exception):
    """The file cannot be read as an extract at all; it is quarantined with this message."""


def _line_breaks(cell: str) -> int:
    return cell.count("\n") + cell.count("\r") - cell.count("\r\n")


def _number_lines(first_line: int, rows: list[list[str]], last_line: int) -> Batch:
    if last_line - first_line + 1 == len(rows):
        lines: Sequence[int] = range(first_line, last_line + 1)
    else:
        # Some quoted cells span lines. Look for them column by column (a C-speed scan), so
        # only the columns that hold line breaks are looked at cell by cell.
        spans = [1] * len(rows)
        for column in zip_longest(*rows, fillvalue=""):
            joined = "\x00".join(column)
            if "\n" in joined or "\r" in joined:
                for index, cell in enumerate(column):
                    if "\n" in cell or "\r" in cell:
                        spans[index] += _line_breaks(cell)
        lines = list(accumulate(spans[:-1], initial=first_line))
    if [] in rows:  # blank lines are not rows
        kept = [(n, row) for n, row in zip(lines, rows, strict=True) if row]
        lines, rows = [n for n, _ in kept], [row for _, row in kept]
    return lines, rows


def _csv_batches(path: Path, size: int) -> Iterator[Batch]:
    # utf-8-sig drops a byte-order mark; newline="" lets csv handle CRLF and quoted newlines.
    with open(path, encoding="utf-8-sig", newline="", buffering=1 << 20) as handle:
        reader = csv.reader(handle)
        wanted = 1  # the header, alone, first
        try:
            while True:
                first_line = reader.line_num + 1
                rows = list(islice(reader, wanted))
                if not rows:
                    return
                lines, rows = _number_lines(first_line, rows, reader.line_num)
                if rows:
                    yield lines, rows
                    wanted = size
        except UnicodeDecodeError:
            raise UnreadableFile(_where_utf8_breaks(path)) from None
        except csv.Error as error:
            raise UnreadableFile(f"not valid CSV near line {reader.line_num}: {error}") from None


def _where_utf8_breaks(path: Path) -> str:
    """Name the line and byte of the first non-UTF-8 byte, streaming so memory stays flat."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    line, offset = 1, 0
    with open(path, "rb") as handle:
        for raw_line in handle:
            try:
                decoder.decode(raw_line)
            except UnicodeDecodeError as error:
                bad = raw_line[error.start : error.start + 1].hex()
                position = offset + error.start
                return f"not UTF-8 text: byte 0x{bad} on line {line} (file offset {position})"
            line += 1
            offset += len(raw_line)
    return "not UTF-8 text"


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _xlsx_batches(path: Path, size: int) -> Iterator[Batch]:
    import openpyxl  # only needed for the few schools that send spreadsheets

    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as error:
        raise UnreadableFile(f"not a readable XLSX workbook ({error})") from None
    try:
        rows = enumerate(workbook.worksheets[0].iter_rows(values_only=True), start=1)
        wanted = 1
        while chunk := list(islice(rows, wanted)):
            cells = [(n, [_cell_text(v) for v in values]) for n, values in chunk]
            kept = [(n, row) for n, row in cells if any(row)]  # empty rows are not rows
            if kept:
                yield [n for n, _ in kept], [row for _, row in kept]
                wanted = size
    finally:
        workbook.close()


def read_batches(path: Path, ext: str, size: int | None = None) -> Iterator[Batch]:
    """The header row as the first batch, then the rows in batches of up to `size`."""
    size = size or BATCH_ROWS
    return _xlsx_batches(path, size) if ext == "xlsx" else _csv_batches(path, size)


def normalise_header(cells: list[str]) -> list[str]:
    """Header names are matched case-insensitively with surrounding spaces ignored."""
    return [cell.strip().casefold() for cell in cells]
