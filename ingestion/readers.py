"""Reading an extract in batches of rows, from CSV or the first sheet of an XLSX.

A batch is (line numbers, rows): the header row comes first as a batch of its own, then rows
in batches, blank lines skipped. A regular CSV (no blank lines, every row as wide as the
header) is parsed by Arrow's C++ reader and handed over column by column (`Columns`); any
other file is read by Python's csv module, whose rows the loader evens up. Both give the same
cells and physical line numbers: the fast reader gives up (IrregularFile) whenever it cannot
vouch for them, and the file is read again the exact way.
"""

from __future__ import annotations

import codecs
import csv
import zipfile
from collections.abc import Iterator, Sequence
from contextlib import closing, suppress
from datetime import date, datetime
from itertools import accumulate, islice, zip_longest
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as arrow
import pyarrow.csv as arrow_csv

# Arrow's default pool (mimalloc) kept growing file after file in a long ingestion run (+35 MB
# a 144 k-row file, measured); jemalloc returns what a file's batches freed.
with suppress(NotImplementedError):
    pa.set_memory_pool(pa.jemalloc_memory_pool())

Batch = tuple[Sequence[int], list[list[str]]]
BATCH_ROWS = 5_000
# Limits past which a file is not an extract but an accident or an attack (issue: a hostile
# extract must never stop the pipeline nor exhaust the machine). Each names its reason.
MAX_COLUMNS = 1_000  # the widest contract extract has 24
MAX_XLSX_ROWS = 1_048_576  # Excel's own limit
MAX_CELL_CHARACTERS = 32_767  # Excel's own limit for a cell's text
MAX_XLSX_PART_BYTES = 256 * 1024 * 1024  # one part of the archive, uncompressed
MAX_XLSX_COMPRESSION_RATIO = 200  # real worksheets compress 5-20 times; bombs far more
MAX_SHARED_STRINGS_BYTES = 64 * 1024 * 1024  # read whole by the XLSX reader


class UnreadableFile(Exception):
    """The file cannot be read as an extract at all; it is quarantined with this message."""


class IrregularFile(Exception):
    """The fast reader cannot vouch for this file's cells or line numbers: read it exactly."""


class Columns(list):
    """A batch's cells as Arrow columns, every row as wide as the header (the fast reader's)."""


def _line_breaks(cell: str) -> int:
    return cell.count("\n") + cell.count("\r") - cell.count("\r\n")


def _lines_spanned(rows: list[list[str]]) -> list[int]:
    """How many physical lines each row takes: one, plus the line breaks in its quoted cells.

    Looked for column by column (a C-speed scan), so only the columns that hold line breaks
    are looked at cell by cell.
    """
    spans = [1] * len(rows)
    for column in zip_longest(*rows, fillvalue=""):
        joined = "\x00".join(column)
        if "\n" not in joined and "\r" not in joined:
            continue
        for index, cell in enumerate(column):
            if "\n" in cell or "\r" in cell:
                spans[index] += _line_breaks(cell)
    return spans


def _without_blank_lines(lines: Sequence[int], rows: list[list[str]]) -> Batch:
    kept = [(n, row) for n, row in zip(lines, rows, strict=True) if row]
    return [n for n, _ in kept], [row for _, row in kept]


def _number_lines(first_line: int, rows: list[list[str]], last_line: int) -> Batch:
    """Each row's first physical line; blank lines are not rows."""
    if last_line - first_line + 1 == len(rows):
        lines: Sequence[int] = range(first_line, last_line + 1)
    else:
        lines = list(accumulate(_lines_spanned(rows)[:-1], initial=first_line))
    if [] in rows:
        return _without_blank_lines(lines, rows)
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


def _physical_lines(path: Path) -> int:
    """Lines in the file, or IrregularFile if it holds what only the exact reader handles (NUL
    bytes, a carriage return that ends no line). One C-speed pass; memory stays flat."""
    lines, last = 0, b"\n"
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            # A CRLF split across two chunks looks like a lone CR: the exact reader takes it.
            if b"\x00" in chunk or chunk.count(b"\r") != chunk.count(b"\r\n"):
                raise IrregularFile("NUL byte or lone carriage return")
            lines += chunk.count(b"\n")
            last = chunk[-1:]
    return lines + (last != b"\n")


def _fast_csv_batches(path: Path, size: int) -> Iterator[Batch]:
    """The header (read by csv), then Arrow's record batches as Columns.

    A record's lines are one plus the line breaks in its cells; the total is checked at the
    end against the file's line count. Blank lines come out of Arrow as all-empty rows, which
    a row of commas also gives: both go to the exact reader, as do ragged rows, bad UTF-8 and
    cells over csv's size limit.
    """
    lines = _physical_lines(path)
    with closing(_csv_batches(path, 1)) as exact:
        header = next(exact, None)
    if header is None:
        return  # empty: the loader says so
    if list(header[0]) != [1]:
        raise IrregularFile("the header spans lines")
    yield header
    width = len(header[1][0])
    names = [f"c{index}" for index in range(width)]
    try:
        reader = arrow_csv.open_csv(
            path,
            read_options=arrow_csv.ReadOptions(
                column_names=names, skip_rows=1, block_size=max(size * 200, 1 << 16),
                use_threads=False,
            ),
            parse_options=arrow_csv.ParseOptions(
                newlines_in_values=True, ignore_empty_lines=False,
                invalid_row_handler=lambda row: "error",
            ),
            convert_options=arrow_csv.ConvertOptions(
                column_types=dict.fromkeys(names, pa.string()),
                strings_can_be_null=False, quoted_strings_can_be_null=False,
            ),
        )  # fmt: skip
        next_line = 2
        for chunk in reader:
            if chunk.num_rows:
                cells = chunk.columns
                spans = _record_spans(cells)
                starts = next_line + np.cumsum(spans) - spans
                next_line += int(spans.sum())
                yield starts, Columns(cells)
    except (pa.ArrowInvalid, pa.ArrowException) as error:
        raise IrregularFile(str(error)) from None
    if next_line - 1 != lines:
        raise IrregularFile("the records do not account for every line")


def _record_spans(cells: list[pa.Array]) -> np.ndarray:
    """Lines each record takes; IrregularFile for what only the exact reader may judge."""
    lengths = [arrow.binary_length(column) for column in cells]
    if max(arrow.max(length).as_py() for length in lengths) > csv.field_size_limit():
        raise IrregularFile("a cell longer than csv's limit")
    blank = lengths[0]
    for length in lengths[1:]:
        blank = arrow.add(blank, length)
    if not arrow.all(arrow.greater(blank, 0)).as_py():
        raise IrregularFile("a blank line or a row of empty cells")
    spans = np.ones(len(cells[0]), dtype=np.int64)
    for column in cells:
        spans += arrow.count_substring(column, "\n").to_numpy(zero_copy_only=False)
    return spans


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


def _check_xlsx_archive(path: Path) -> None:
    """Refuse a workbook whose parts would take more memory or time than any extract needs."""
    try:
        with zipfile.ZipFile(path) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise UnreadableFile(f"not a readable XLSX workbook ({error})") from None
    for part in parts:
        ratio = part.file_size / max(part.compress_size, 1)
        if part.file_size > MAX_XLSX_PART_BYTES:
            raise UnreadableFile(
                f"XLSX part {part.filename} unpacks to {part.file_size} bytes "
                f"(at most {MAX_XLSX_PART_BYTES})"
            )
        if ratio > MAX_XLSX_COMPRESSION_RATIO and part.file_size > 1024 * 1024:
            raise UnreadableFile(
                f"XLSX part {part.filename} unpacks {ratio:.0f} times its compressed size "
                f"(at most {MAX_XLSX_COMPRESSION_RATIO}): a compression bomb, not a worksheet"
            )
        if part.filename.lower().endswith("sharedstrings.xml") and (
            part.file_size > MAX_SHARED_STRINGS_BYTES
        ):
            raise UnreadableFile(
                f"XLSX shared strings unpack to {part.file_size} bytes "
                f"(at most {MAX_SHARED_STRINGS_BYTES})"
            )


def _xlsx_rows(path: Path):
    """(sheet row number, cell texts) for every row of the first sheet, within the limits."""
    import openpyxl  # only needed for the few schools that send spreadsheets

    _check_xlsx_archive(path)
    workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        if not workbook.worksheets:
            raise UnreadableFile("the workbook has no sheet")
        sheet = workbook.worksheets[0]
        # The <dimension> a file claims is not trusted: a claim of A1:XFD1048576 would pad
        # every row to 16,384 cells and add empty rows up to a million.
        sheet.reset_dimensions()
        for number, values in _numbered(sheet.iter_rows(values_only=True)):
            if number > MAX_XLSX_ROWS:
                raise UnreadableFile(f"the sheet has more than {MAX_XLSX_ROWS} rows")
            if len(values) > MAX_COLUMNS:
                raise UnreadableFile(
                    f"row {number} has {len(values)} columns (at most {MAX_COLUMNS})"
                )
            cells = [_cell_text(value) for value in values]
            if any(len(cell) > MAX_CELL_CHARACTERS for cell in cells):
                raise UnreadableFile(
                    f"row {number} has a cell of more than {MAX_CELL_CHARACTERS} characters"
                )
            yield number, cells
    finally:
        workbook.close()


def _numbered(rows: Iterator[tuple]) -> Iterator[tuple[int, tuple]]:
    """(sheet row number, values) for each row; a row openpyxl cannot parse is named by its
    number, and the parser's message is not kept: it quotes the cell (a UPN typed as a number,
    a surname as a date)."""
    number = 0
    while True:
        try:
            values = next(rows)
        except StopIteration:
            return
        except (ValueError, TypeError, OverflowError) as error:  # a cell's text against its type
            raise UnreadableFile(
                f"sheet row {number + 1}: a cell cannot be read as the type the workbook "
                f"declares for it ({type(error).__name__}); retype the cell as text"
            ) from None
        except Exception as error:  # any parse failure of a hostile workbook
            raise UnreadableFile(
                f"not a readable XLSX workbook ({type(error).__name__} in sheet row {number + 1})"
            ) from None
        number += 1
        yield number, values


def _xlsx_batches(path: Path, size: int) -> Iterator[Batch]:
    try:
        rows = _xlsx_rows(path)
        wanted = 1
        while chunk := list(islice(rows, wanted)):
            kept = [(n, row) for n, row in chunk if any(row)]  # empty rows are not rows
            if kept:
                yield [n for n, _ in kept], [row for _, row in kept]
                wanted = size
    except UnreadableFile:
        raise
    except Exception as error:  # any parse failure of a hostile workbook
        # openpyxl raises whatever its XML and type parsing meets (KeyError, ValueError,
        # ParseError, EntitiesForbidden, TypeError...): the file is quarantined with it.
        # Its message is not kept: a parser quotes what it could not read, a student's data.
        raise UnreadableFile(f"not a readable XLSX workbook ({type(error).__name__})") from None


def read_batches(
    path: Path, ext: str, size: int | None = None, fast: bool = False
) -> Iterator[Batch]:
    """The header row as the first batch, then the rows in batches of up to `size` (the fast
    reader's batches are about that size: Arrow cuts them by bytes)."""
    size = size or BATCH_ROWS
    if ext == "xlsx":
        return _xlsx_batches(path, size)
    return _fast_csv_batches(path, size) if fast else _csv_batches(path, size)


def normalise_header(cells: list[str]) -> list[str]:
    """Header names are matched case-insensitively with surrounding spaces ignored."""
    return [cell.strip().casefold() for cell in cells]
