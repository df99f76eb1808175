"""Returns by spreadsheet: the template round-trips, and every kind of bad file is refused with its place named."""

from __future__ import annotations

import io
from decimal import Decimal as D

from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from vcsgrants.monitoring.spreadsheets import (
    FIRST_KPI_ROW,
    KpiSpec,
    ReturnSpec,
    parse_return_file,
    template_xlsx,
)

SPEC = ReturnSpec(
    reference="SLA-2020-001",
    year_label="2022-23",
    quarter=2,
    kpis=(
        KpiSpec("SG1", "Groups given one-to-one support", "count", D("30.00")),
        KpiSpec("VO2", "Volunteers still active after three months", "percent", D("70.00")),
        KpiSpec("SG3", "Funding secured by supported groups", "money", D("12500.00")),
    ),
)


def filled(values: dict[str, object], *, spec=SPEC, edit=None) -> bytes:
    wb = load_workbook(io.BytesIO(template_xlsx(spec)))
    ws = wb["Return"]
    for row in range(FIRST_KPI_ROW, FIRST_KPI_ROW + len(spec.kpis)):
        code = ws.cell(row=row, column=1).value
        if code in values:
            ws.cell(row=row, column=5, value=values[code])
    wb["Narrative"]["A2"] = "We supported 31 groups."
    if edit:
        edit(wb)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


GOOD = {"SG1": 31, "VO2": 72.5, "SG3": "12,600.50"}


def messages(parsed) -> list[str]:
    return [str(p) for p in parsed.problems]


def test_the_template_comes_back_with_its_values_and_narrative():
    parsed = parse_return_file("return.xlsx", filled(GOOD), SPEC)
    assert parsed.problems == []
    assert parsed.values == {"SG1": D("31"), "VO2": D("72.5"), "SG3": D("12600.50")}
    assert parsed.narrative == "We supported 31 groups."


def test_the_template_is_prefilled_with_kpis_targets_and_the_return():
    ws = load_workbook(io.BytesIO(template_xlsx(SPEC)))["Return"]
    assert ws["B2"].value == "SLA-2020-001" and ws["B3"].value == "2022-23" and ws["B4"].value == 2
    assert [ws.cell(row=r, column=1).value for r in range(FIRST_KPI_ROW, FIRST_KPI_ROW + 3)] == ["SG1", "VO2", "SG3"]
    assert ws.cell(row=FIRST_KPI_ROW + 1, column=4).value == 70


def test_every_problem_is_listed_with_sheet_row_column_and_kpi():
    data = filled({"SG1": -3, "VO2": 140, "SG3": "lots"})
    found = messages(parse_return_file("return.xlsx", data, SPEC))
    assert found == [
        "sheet 'Return', row 8, column E (SG1): -3 cannot be negative",
        "sheet 'Return', row 9, column E (VO2): 140 is a percentage over 100",
        "sheet 'Return', row 10, column E (SG3): 'lots' is not a number",
    ]


def test_a_missing_an_unknown_and_a_duplicate_kpi_are_refused():
    def edit(wb):
        ws = wb["Return"]
        ws.cell(row=FIRST_KPI_ROW, column=1, value="XX9")  # SG1 replaced by an unknown code
        ws.cell(row=FIRST_KPI_ROW + 3, column=1, value="VO2")
        ws.cell(row=FIRST_KPI_ROW + 3, column=5, value=50)

    found = messages(parse_return_file("return.xlsx", filled(GOOD, edit=edit), SPEC))
    assert "sheet 'Return', row 11, column A (VO2): appears twice (first on row 9)" in found
    assert "sheet 'Return', row 8, column A (XX9): is not one of this return's KPIs" in found
    assert "sheet 'Return' (SG1): is missing from the file" in found


def test_a_file_for_another_quarter_or_agreement_is_refused():
    def edit(wb):
        wb["Return"]["B4"] = 3
        wb["Return"]["B2"] = "SLA-2020-002"

    found = messages(parse_return_file("return.xlsx", filled(GOOD, edit=edit), SPEC))
    assert "sheet 'Return', row 2, column B: Agreement is 'SLA-2020-002', but this return is for 'SLA-2020-001'" in found
    assert "sheet 'Return', row 4, column B: Quarter is '3', but this return is for '2'" in found


def test_a_workbook_without_the_return_sheet_is_refused():
    def edit(wb):
        wb["Return"].title = "Sheet1"

    assert messages(parse_return_file("return.xlsx", filled(GOOD, edit=edit), SPEC)) == [
        "The workbook has no sheet called 'Return': use the template."
    ]


def test_files_that_are_not_spreadsheets_or_are_huge_are_refused_cleanly():
    assert "not a readable XLSX" in messages(parse_return_file("r.xlsx", b"%PDF-1.4 not a workbook", SPEC))[0]
    assert messages(parse_return_file("r.pdf", b"%PDF-1.4", SPEC)) == ["Upload the XLSX template or a CSV file (.xlsx or .csv)."]
    assert messages(parse_return_file("r.xlsx", b"x" * (5 * 1024 * 1024 + 1), SPEC)) == ["The file is larger than 5 MB."]
    assert messages(parse_return_file("r.csv", b"", SPEC)) == ["The file is empty."]


def test_csv_returns_are_read_and_checked_the_same_way():
    ok = parse_return_file("r.csv", b"kpi_code,value\nSG1,31\nvo2,72.5\nSG3,12600.50\n", SPEC)
    assert ok.problems == [] and ok.values["VO2"] == D("72.5")
    bad = parse_return_file("r.csv", b"kpi_code,value\nSG1,2.5\nVO2,\n", SPEC)
    assert messages(bad) == [
        "sheet 'CSV', row 2, column value (SG1): 2.5 is a count, so must be a whole number",
        "sheet 'CSV', row 3, column value (VO2): has no value",
        "sheet 'CSV' (SG3): is missing from the file",
    ]
    assert messages(parse_return_file("r.csv", "kpi_code,value\nSG1,3\n".encode("utf-16"), SPEC)) == [
        "This CSV file (r.csv) is in UTF-16; save it as UTF-8 (CSV UTF-8 in Excel)."
    ]


@settings(max_examples=150, deadline=None)
@given(data=st.binary(max_size=4096), name=st.sampled_from(["r.xlsx", "r.csv", "r.txt"]))
def test_any_bytes_at_all_give_problems_or_values_never_an_error(data, name):
    parsed = parse_return_file(name, data, SPEC)
    assert parsed.problems or set(parsed.values) == {"SG1", "VO2", "SG3"}


@settings(max_examples=60, deadline=None)
@given(cut=st.integers(min_value=1, max_value=6000), flip=st.integers(min_value=0, max_value=255))
def test_damaged_templates_are_refused_never_half_read(cut, flip):
    good = filled(GOOD)
    damaged = bytearray(good[: min(cut, len(good) - 1)] + good[min(cut, len(good) - 1) + 1 :])
    if damaged:
        damaged[cut % len(damaged)] ^= flip
    parsed = parse_return_file("r.xlsx", bytes(damaged), SPEC)
    assert parsed.problems or parsed.values == {"SG1": D("31"), "VO2": D("72.5"), "SG3": D("12600.50")}


# What a person can type into a cell (openpyxl cannot store control characters at all).
TYPED = st.text(alphabet=st.characters(blacklist_categories=("Cc", "Cs")), max_size=6)


@settings(max_examples=100, deadline=None)
@given(
    values=st.fixed_dictionaries(
        {
            "SG1": st.one_of(st.integers(-5, 10**6), TYPED, st.none(), st.floats(allow_nan=True)),
            "VO2": st.one_of(st.decimals(-10, 200, places=2), TYPED, st.none()),
            "SG3": st.one_of(st.decimals(-10, 10**9, places=3), st.none()),
        }
    )
)
def test_random_values_are_either_all_accepted_or_refused_with_a_named_kpi(values):
    parsed = parse_return_file("r.xlsx", filled(values), SPEC)
    if parsed.problems:
        assert all(p.kpi in {"SG1", "VO2", "SG3"} for p in parsed.problems)
    else:
        assert set(parsed.values) == {"SG1", "VO2", "SG3"}
        assert parsed.values["SG1"] >= 0 and 0 <= parsed.values["VO2"] <= 100
