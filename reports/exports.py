"""CSV and XLSX files of a report: exactly the tables the page shows, in the same order.

Spreadsheet programs run a cell that starts with =, +, -, @ (or a tab or carriage return) as
a formula: such text is written with a leading apostrophe in CSV, and as a plain string (never
a formula) in XLSX. Numbers stay numbers.
"""

from __future__ import annotations

import csv
import io

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font

from .selectors import Report

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_text(value) -> object:
    """value as a spreadsheet cell may hold it without running it."""
    if isinstance(value, str):
        value = value.replace("\x00", "")
        if value.startswith(FORMULA_STARTS):
            return "'" + value
    return value


def _cell(value):
    return "" if value is None else value


def to_csv(report: Report, *, title: str, period: str) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow([safe_text(title), safe_text(period)])
    for table in report.tables:
        writer.writerow([])
        writer.writerow([safe_text(table.title)])
        writer.writerow([safe_text(c.label) for c in table.columns])
        for row in table.rows:
            writer.writerow([safe_text(_cell(v)) for v in row])
    # A byte order mark: spreadsheet programs then read the accents right.
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def to_xlsx(report: Report, *, title: str, period: str) -> bytes:
    book = Workbook()
    book.remove(book.active)
    bold = Font(bold=True)
    for index, table in enumerate(report.tables, start=1):
        sheet = book.create_sheet(_sheet_name(table.title, index))
        _text(sheet.cell(row=1, column=1), title).font = bold
        _text(sheet.cell(row=1, column=2), period)
        _text(sheet.cell(row=2, column=1), table.title).font = bold
        for col, column in enumerate(table.columns, start=1):
            _text(sheet.cell(row=3, column=col), column.label).font = bold
            sheet.column_dimensions[sheet.cell(row=3, column=col).column_letter].width = (
                40 if col == 1 else 18
            )
        for r, row in enumerate(table.rows, start=4):
            for col, value in enumerate(row, start=1):
                cell = sheet.cell(row=r, column=col)
                if isinstance(value, str):
                    _text(cell, value)
                elif value is not None:
                    cell.value = value
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _text(cell, value: str):
    """A string cell that is never read as a formula."""
    cell.value = ILLEGAL_CHARACTERS_RE.sub("", str(value))
    cell.data_type = "s"
    return cell


def _sheet_name(title: str, index: int) -> str:
    name = "".join(ch for ch in str(title) if ch not in "[]:*?/\\")
    return f"{index} {name}"[:31]
