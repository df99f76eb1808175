"""The one spreadsheet writer (core.exports): text typed as text in XLSX, formula-looking text neutralised in CSV
for people, cells exact in CSV for software, and nothing that a workbook cannot hold failing a download."""

from __future__ import annotations

import csv
import io
from decimal import Decimal as D

import pytest
from django.http import Http404
from openpyxl import Workbook, load_workbook

from vcsgrants.core import exports

FORMULAS = ['=HYPERLINK("http://evil.example","click")', "+1+1", "-2-2", "@SUM(A1)", "\t=1", "\r=1"]


@pytest.mark.parametrize("text", FORMULAS)
def test_formula_looking_text_gets_an_apostrophe_in_csv_for_people(text):
    rows = list(csv.reader(io.StringIO(exports.csv_text(["Name"], [[text]]), newline="")))
    assert rows[1] == [f"'{text}"]


@pytest.mark.parametrize("text", ["-3.50", "+44", "-1,000.25", "Kids Club", "a=b", ""])
def test_numbers_written_as_text_and_plain_text_are_left_alone(text):
    rows = list(csv.reader(io.StringIO(exports.csv_text(["Name"], [[text]]))))
    assert rows[1] == [text]


@pytest.mark.parametrize("text", FORMULAS + ["-Kids Club", "@Home Trust"])
def test_csv_for_software_writes_every_cell_exactly(text):
    assert next(csv.reader(io.StringIO(exports.csv_row([text, 3], guard=False), newline=""))) == [text, "3"]


@pytest.mark.parametrize("text", FORMULAS[:4] + ["-Kids Club"])
def test_xlsx_types_text_as_text_with_nothing_added(text):
    sheet = load_workbook(io.BytesIO(exports.xlsx_bytes(["Name", "Amount"], [[text, D("12.50")]]))).active
    assert (sheet["A2"].value, sheet["A2"].data_type) == (text, "s")
    assert sheet["B2"].value == 12.5 and sheet["B2"].data_type == "n"


def test_a_hand_laid_workbook_and_a_streamed_one_type_text_as_text():
    workbook = Workbook()
    exports.write(workbook.active, 1, 1, "=1+1")
    streamed = Workbook(write_only=True)
    sheet = streamed.create_sheet("s")
    sheet.append([exports.write_only_cell(sheet, "=2+2"), exports.write_only_cell(sheet, 7)])
    first = load_workbook(io.BytesIO(exports.workbook_bytes(workbook))).active
    second = load_workbook(io.BytesIO(exports.workbook_bytes(streamed)))["s"]
    assert (first["A1"].value, first["A1"].data_type) == ("=1+1", "s")
    assert (second["A1"].value, second["A1"].data_type, second["B1"].value) == ("=2+2", "s", 7)


def test_characters_xlsx_cannot_hold_are_dropped_not_a_server_error():
    sheet = load_workbook(io.BytesIO(exports.xlsx_bytes(["Name"], [["Bell\x07 and\x00 nul"]]))).active
    assert sheet["A2"].value == "Bell and nul"


def test_a_lists_download_links_keep_its_filters_but_not_its_page_and_other_formats_are_not_found(rf):
    request = rf.get("/payments/", {"view": "overdue", "year": "2022-23", "page": "3"})
    links = exports.download_links(request, "funding:payment-list-export")
    assert links == {
        "csv": "/payments.csv?view=overdue&year=2022-23",
        "xlsx": "/payments.xlsx?view=overdue&year=2022-23",
    }
    assert exports.download_links(rf.get("/audit/"), "core:audit-log-export")["csv"] == "/audit.csv"
    with pytest.raises(Http404):
        exports.download("pdf", "list", ["A"], [["1"]])
    assert exports.download("csv", "list", ["A"], [["=1"]]).content.decode() == "\ufeffA\r\n'=1\r\n"
