"""Reading an extract as (line number, cells) rows, from CSV or the first sheet of an XLSX."""

from __future__ import annotations

import codecs
import csv
import zipfile
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

Row = tuple[int, list[str]]


class UnreadableFile(Exception):
    """The file cannot be read as an extract at all; it is quarantined with this message."""


def _csv_rows(path: Path) -> Iterator[Row]:
    # utf-8-sig drops a byte-order mark; newline="" lets csv handle CRLF and quoted newlines.
    with open(path, encoding="utf-8-sig", newline="", buffering=1 << 20) as handle:
        reader = csv.reader(handle)
        previous_end = 0
        try:
            for cells in reader:
                start = previous_end + 1
                previous_end = reader.line_num
                if cells:
                    yield start, cells
        except UnicodeDecodeError:
            raise UnreadableFile(_where_utf8_breaks(path)) from None
        except csv.Error as error:
            raise UnreadableFile(f"not valid CSV near line {previous_end + 1}: {error}") from None


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


def _xlsx_rows(path: Path) -> Iterator[Row]:
    import openpyxl  # only needed for the few schools that send spreadsheets

    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as error:
        raise UnreadableFile(f"not a readable XLSX workbook ({error})") from None
    try:
        sheet = workbook.worksheets[0]
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            cells = [_cell_text(v) for v in values]
            if any(cells):
                yield number, cells
    finally:
        workbook.close()


def read_rows(path: Path, ext: str) -> Iterator[Row]:
    """Rows of the extract, header row first, blank lines skipped."""
    return _xlsx_rows(path) if ext == "xlsx" else _csv_rows(path)


def normalise_header(cells: list[str]) -> list[str]:
    """Header names are matched case-insensitively with surrounding spaces ignored."""
    return [cell.strip().casefold() for cell in cells]
