"""Any table as CSV or XLSX: column headers plus rows of cells (text, int, Decimal or None).

Numbers stay numbers (a Decimal is written as a number in XLSX and as plain digits in CSV, with no
thousands separators or currency signs); None is an empty cell. Text that a spreadsheet would run as
a formula (starting =, +, -, @) is neutralised: CSV gets a leading apostrophe, XLSX stores it as text.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from decimal import Decimal

from django.http import HttpResponse
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

Value = str | int | Decimal | None

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMATS = ("csv", "xlsx")


def _csv_value(value: Value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, int | Decimal):
        return str(value)
    text = str(value)
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def csv_text(headers: Sequence[str], rows: Sequence[Sequence[Value]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([_csv_value(h) for h in headers])
    for row in rows:
        writer.writerow([_csv_value(v) for v in row])
    return buffer.getvalue()


def xlsx_bytes(headers: Sequence[str], rows: Sequence[Sequence[Value]], sheet_title: str = "Table") -> bytes:
    return xlsx_sheets([(sheet_title, headers, rows)])


Sheet = tuple[str, Sequence[str], Sequence[Sequence[Value]]]


def xlsx_sheets(sheets: Sequence[Sheet]) -> bytes:
    """A workbook with one sheet per (title, headers, rows): bold frozen headers, columns sized to fit."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    for sheet_title, headers, rows in sheets:
        # Sheet names: at most 31 characters and none of []:*?/\
        sheet = workbook.create_sheet("".join(c for c in sheet_title if c not in "[]:*?/\\")[:31] or "Table")
        _fill(sheet, headers, rows)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _fill(sheet, headers: Sequence[str], rows: Sequence[Sequence[Value]]) -> None:
    bold = Font(bold=True)
    widths = [len(str(h)) for h in headers]
    for col, header in enumerate(headers, start=1):
        cell = sheet.cell(row=1, column=col)
        _set(cell, str(header))
        cell.font = bold
    for r, row in enumerate(rows, start=2):
        for col, value in enumerate(row, start=1):
            _set(sheet.cell(row=r, column=col), value)
            if col <= len(widths):
                widths[col - 1] = max(widths[col - 1], len(str(value or "")))
    for col, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(col)].width = min(max(width + 2, 8), 60)
    sheet.freeze_panes = "A2"


def _set(cell, value: Value) -> None:
    if isinstance(value, bool):
        cell.value = "Yes" if value else "No"
    elif isinstance(value, int | Decimal) or value is None:
        cell.value = value
    else:
        cell.value = str(value)
        cell.data_type = "s"  # never a formula, whatever the text starts with


def response(fmt: str, filename: str, headers: Sequence[str], rows: Sequence[Sequence[Value]], sheet_title: str = "Table"):
    """An attachment in fmt (csv or xlsx); filename without its extension."""
    if fmt == "csv":
        # The byte-order mark tells Excel the file is UTF-8, so names with accents or £ open correctly.
        result = HttpResponse("\ufeff" + csv_text(headers, rows), content_type=CSV_TYPE)
    elif fmt == "xlsx":
        result = HttpResponse(xlsx_bytes(headers, rows, sheet_title), content_type=XLSX_TYPE)
    else:
        raise ValueError(f"Unknown export format {fmt!r}: use one of {', '.join(FORMATS)}.")
    result["Content-Disposition"] = f'attachment; filename="{filename}.{fmt}"'
    return result
