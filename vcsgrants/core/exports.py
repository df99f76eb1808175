"""The one writer of spreadsheet output: any table as CSV or XLSX, and the cells of any workbook the service builds.

Every CSV or XLSX the service writes goes through here (tables: `csv_text`, `xlsx_bytes`, `xlsx_sheets`,
`response`; hand-laid workbooks such as the return template: `set_cell`; streamed ones: `write_only_cell`,
`csv_row`), so text a spreadsheet would run as a formula is never one:

- XLSX: text is typed as text (the cell's data_type is "s"), whatever it starts with. Nothing is added to it, so
  "-Kids Club" or "=1+1" reads back exactly as written. Characters XLSX cannot hold (control characters) are
  dropped rather than failing the download.
- CSV for people (every table export): a cell that Excel or LibreOffice would run as a formula (text starting
  =, +, -, @, tab or carriage return, and not a plain number such as "-3.50") gets a leading apostrophe, which
  the spreadsheet shows as text. Numbers stay numbers.
- CSV for machines: `csv_row(..., guard=False)` writes cells exactly. The 360Giving CSV (opendata) uses it: the
  data standard's files are read by software (360Giving's tools, GrantNav), where the apostrophe would be part of
  a recipient's name. See docs/adr/0013-formula-safe-spreadsheet-writer.md.

Numbers stay numbers (a Decimal is written as a number in XLSX and as plain digits in CSV, with no thousands
separators or currency signs); None is an empty cell.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation

from django.http import Http404, HttpResponse
from django.urls import reverse
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

Value = str | int | Decimal | None

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMATS = ("csv", "xlsx")
_PLAIN_NUMBER = re.compile(r"[+-]?(\d[\d,]*)?(\.\d+)?")


def looks_like_formula(text: str) -> bool:
    """True for text a spreadsheet would run as a formula when it opens a CSV: it starts with =, +, -, @, a tab or
    a carriage return, and is not simply a signed number ("-3.50" is a number to Excel, not a formula)."""
    if not text.startswith(FORMULA_STARTS):
        return False
    if text[0] in "+-" and len(text) > 1 and _PLAIN_NUMBER.fullmatch(text):
        try:
            Decimal(text.replace(",", ""))
            return False
        except InvalidOperation:
            return True
    return True


def csv_cell(value, *, guard: bool = True) -> str:
    """One CSV cell as text; with guard, formula-looking text gets a leading apostrophe."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, int | Decimal | float):
        return str(value)
    text = str(value)
    return f"'{text}" if guard and looks_like_formula(text) else text


class _Echo:
    def write(self, value: str) -> str:
        return value


_ROW_WRITER = csv.writer(_Echo(), lineterminator="\r\n")


def csv_row(values: Sequence, *, guard: bool = True) -> str:
    """One CSV line (with its CRLF), for streamed CSV; guard=False only for files read by software (see above)."""
    return _ROW_WRITER.writerow([csv_cell(v, guard=guard) for v in values])


def csv_text(headers: Sequence[str], rows: Sequence[Sequence[Value]]) -> str:
    """A table as CSV for people: formula-looking text neutralised (see above)."""
    return csv_row(headers) + "".join(csv_row(row) for row in rows)


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
    return workbook_bytes(workbook)


def _fill(sheet, headers: Sequence[str], rows: Sequence[Sequence[Value]]) -> None:
    bold = Font(bold=True)
    widths = [len(str(h)) for h in headers]
    for col, header in enumerate(headers, start=1):
        write(sheet, 1, col, str(header), font=bold)
    for r, row in enumerate(rows, start=2):
        for col, value in enumerate(row, start=1):
            write(sheet, r, col, value)
            if col <= len(widths):
                widths[col - 1] = max(widths[col - 1], len(str(value or "")))
    for col, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(col)].width = min(max(width + 2, 8), 60)
    sheet.freeze_panes = "A2"


def xlsx_text(value) -> str:
    """Text as an XLSX cell can hold it: characters the format cannot store (control characters) dropped."""
    return ILLEGAL_CHARACTERS_RE.sub("", str(value))


def set_cell(cell, value: Value):
    """Put value in a workbook cell: numbers as numbers, None as empty, text always as text (never a formula)."""
    if isinstance(value, bool):
        cell.value = "Yes" if value else "No"
    elif isinstance(value, int | Decimal | float) or value is None:
        cell.value = value
    else:
        cell.value = xlsx_text(value)
        cell.data_type = "s"  # never a formula, whatever the text starts with
    return cell


def write(sheet, row: int, column: int, value: Value, *, font: Font | None = None):
    """set_cell on sheet's cell at (row, column), with an optional font; returns the cell."""
    cell = set_cell(sheet.cell(row=row, column=column), value)
    if font is not None:
        cell.font = font
    return cell


def write_only_cell(sheet, value, *, font: Font | None = None) -> WriteOnlyCell:
    """A cell for a write-only (streamed) workbook, typed as set_cell types it."""
    cell = set_cell(WriteOnlyCell(sheet), value)
    if font is not None:
        cell.font = font
    return cell


def workbook_bytes(workbook: Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


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


# --- Lists' downloads ---------------------------------------------------------------------------------------------
# Every list page (agreements, payments, overdue returns, decisions, the audit log) offers its rows at
# `<list>.csv` / `<list>.xlsx` with the page's own query string, so the file holds every row of the filtered list
# (all pages, when the page is paginated) with the same figures and totals as the page.


def download(fmt: str, filename: str, headers: Sequence[str], rows: Sequence[Sequence[Value]], sheet_title: str = "Table"):
    """A list's download as `response`, or 404 for a format other than csv or xlsx."""
    if fmt not in FORMATS:
        raise Http404(f"No download as {fmt}: use {' or '.join(FORMATS)}.")
    return response(fmt, filename, headers, rows, sheet_title=sheet_title)


def download_links(request, url_name: str, *args) -> dict[str, str]:
    """The CSV and XLSX links of a list page: its download URL with the page's filters (not its page number)."""
    query = request.GET.copy()
    query.pop("page", None)
    suffix = f"?{query.urlencode()}" if query else ""
    return {fmt: reverse(url_name, args=[*args, fmt]) + suffix for fmt in FORMATS}
