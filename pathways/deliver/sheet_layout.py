"""The career-lead packs' spreadsheet layout (openpyxl): text cells that never become formulas,
readable column widths and row heights, and A4 landscape printing with the privacy footer."""

from __future__ import annotations

import textwrap
from datetime import date

from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

BOLD = Font(bold=True)
TITLE = Font(bold=True, size=14)
WRAP = Alignment(wrap_text=True, vertical="top")
TOP = Alignment(vertical="top")
CENTRED = Alignment(horizontal="center", vertical="top")


def text(cell, value) -> None:
    """Store value as a string cell: text from an extract must never become a formula."""
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"


def add_row(sheet: Worksheet, values: list) -> None:
    """A row below the last, every string in it a text cell."""
    sheet.append(values)
    for cell in sheet[sheet.max_row]:
        text(cell, cell.value)


def print_setup(
    sheet: Worksheet, title_rows: str | None, title_columns: str | None, pages_wide: int = 1
) -> None:
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = pages_wide
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_title_rows = title_rows
    sheet.print_title_cols = title_columns
    sheet.oddFooter.center.text = "Personal data: keep within the school's careers team"
    sheet.oddFooter.right.text = "Page &P of &N"


def table_layout(sheet: Worksheet, widths: dict[str, float], pages_wide: int = 1) -> None:
    """Header bold and wrapped, names frozen, a filter on every column, readable widths."""
    for cell in sheet[1]:
        cell.font = BOLD
        cell.alignment = WRAP
    sheet.freeze_panes = "C2"
    sheet.auto_filter.ref = sheet.dimensions
    _column_widths(sheet, widths)
    for row in sheet.iter_rows(min_row=1):
        # Spreadsheet programs do not always grow a row to its wrapped text: set the height.
        sheet.row_dimensions[row[0].row].height = 15 * _format_row(row, sheet)
    print_setup(sheet, "1:1", "A:B", pages_wide)


def _column_widths(sheet: Worksheet, widths: dict[str, float]) -> None:
    """The width a column's header asks for, else room for its longest value (up to 40)."""
    for index in range(1, sheet.max_column + 1):
        letter = get_column_letter(index)
        header = str(sheet.cell(row=1, column=index).value or "")
        longest = max(
            (len(str(cell.value)) for cell in sheet[letter][1:] if cell.value is not None),
            default=0,
        )
        longest_word = max(map(len, header.split()), default=0) + 1  # headers wrap by word
        width = widths.get(header, min(max(longest, longest_word, 6) + 2, 40))
        sheet.column_dimensions[letter].width = max(width, longest_word)


def _format_row(row, sheet: Worksheet) -> int:
    """Align and format each cell by its kind; returns the lines the row's text wraps to."""
    lines = 1
    for cell in row:
        cell.alignment = TOP
        if isinstance(cell.value, int):  # a year group, a rank: apart from the text beside
            cell.alignment = CENTRED
        elif isinstance(cell.value, date):
            cell.number_format = "dd/mm/yyyy"
        elif isinstance(cell.value, str):
            cell.alignment = WRAP
            lines = max(lines, _wrapped_lines(cell.value, sheet, cell.column_letter))
    return lines


def _wrapped_lines(value: str, sheet: Worksheet, letter: str) -> int:
    """Lines the value takes wrapped by word, as spreadsheet programs wrap it."""
    width = max(int(sheet.column_dimensions[letter].width or 10) - 1, 1)
    return sum(max(len(textwrap.wrap(part, width)), 1) for part in value.splitlines() or [""])
