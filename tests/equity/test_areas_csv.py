"""Reading an AREAS CSV: a good file, Excel's byte order mark, and every kind of bad input named by row and column."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from vcsgrants.equity.areas_csv import REQUIRED_COLUMNS, AreasCsvError, column_letter, parse_areas_csv
from vcsgrants.equity.engine import AreaInput, OptionSpec, appraise

ROOT = Path(__file__).resolve().parents[2]

GOOD = """area_id,name,population,current,imd,rurality
E07000032,Amber Valley,126200,56528.50,17.970,0.3
E07000033,Bolsover,80300,56528.5,25.047,0.25
E07000035,Derbyshire Dales,71500,45000,11.895,0.9
"""


def problems(text, **kwargs) -> list[str]:
    with pytest.raises(AreasCsvError) as exc:
        parse_areas_csv(text, **kwargs)
    return exc.value.problems


def test_good_file_parses():
    areas = parse_areas_csv(GOOD)
    assert areas[0] == AreaInput(
        "E07000032", "Amber Valley", 126_200, 5_652_850, {"imd": Decimal("17.970"), "rurality": Decimal("0.3")}
    )
    assert [a.current_pence for a in areas] == [5_652_850, 5_652_850, 4_500_000]
    assert [a.population for a in areas] == [126_200, 80_300, 71_500]
    result = appraise(areas, 45_222_800, OptionSpec(blend={"needs": Decimal(1)}, weights={"imd": Decimal(1)}))
    assert sum(a.allocation_pence for a in result.areas) == 45_222_800


def test_byte_order_mark_columns_in_any_order_and_case_and_crlf():
    text = '\ufeffName , AREA_ID,Current,Population,IMD\r\nBolsover,E07000033,"£56,528.50","80,300",25.047\r\n'
    (only,) = parse_areas_csv(text)
    assert only.area_id == "E07000033"
    assert only.current_pence == 5_652_850
    assert only.population == 80_300
    assert only.indicators == {"imd": Decimal("25.047")}


def test_no_indicators_is_fine():
    (only,) = parse_areas_csv("area_id,name,population,current\nA,Alpha,10,0\n")
    assert only.indicators == {}
    assert only.current_pence == 0


def test_empty_file():
    assert problems("") == [
        "Row 1: the file is empty; it needs a header row with area_id, name, population, current and a row per area."
    ]
    assert len(problems("\ufeff\n\n")) == 1


def test_header_only():
    assert problems("area_id,name,population,current\n") == ["Row 2: there are no areas; give one row per area under the header."]


def test_missing_columns_named():
    (message,) = problems("area_id,name,imd\nA,Alpha,3\n")
    assert message == (
        "Row 1 (header): the required columns 'population', 'current' are missing; "
        "the header needs area_id, name, population, current."
    )


def test_unknown_columns_refused_when_indicators_are_given():
    found = problems(GOOD, allowed_indicators={"imd"})
    assert found == [
        "Row 1, column F (rurality): 'rurality' is not a known column; the columns are area_id, name, population, "
        "current and the indicators (imd)."
    ]
    assert parse_areas_csv(GOOD, allowed_indicators={"imd", "rurality", "sparsity"})


def test_header_problems():
    found = problems("area_id,name,population,current,imd,,IMD\nA,Alpha,1,1,1,2,3\n")
    assert "Row 1, column F: the column has no name in the header row." in found
    assert "Row 1, column G (imd): the column 'imd' appears twice (also column E)." in found


def test_every_problem_in_one_go_with_row_and_column():
    text = (
        "area_id,name,population,current,imd\n"  # row 1
        "A,Alpha,100,100,1\n"  # row 2: fine
        ",Beta,100,100,1\n"  # row 3: no id
        "C,Gamma,-12,100,1\n"  # row 4: negative population
        "A,Delta,100,100,1\n"  # row 5: duplicate of row 2
        "E,,12.5,100.505,x\n"  # row 6: no name, fractional population, 3 dp, not a number
        "\n"  # row 7: blank
        "F,Phi,0,-3,-1\n"  # row 8: zero population, negative current and indicator
        "G,Gee,,,\n"  # row 9: missing values
        "H,Aitch,10,abc,1,extra\n"  # row 10: not an amount, too many cells
    )
    found = problems(text)
    assert found == [
        "Row 3, column A (area_id): the area id is missing.",
        "Row 4, column C (population): -12 is negative; a population must be 1 or more.",
        "Row 5, column A (area_id): the area id 'A' is a duplicate of row 2; each area once.",
        "Row 6, column B (name): the name is missing.",
        "Row 6, column C (population): 12.5 is not a whole number; a population counts people.",
        "Row 6, column D (current): 100.505 has more than two decimal places; give pounds and pence (e.g. 45000.50).",
        "Row 6, column E (imd): 'x' is not a number.",
        "Row 7: the row is blank; remove it or fill it in.",
        "Row 8, column C (population): the population is 0; a population must be 1 or more.",
        "Row 8, column D (current): -3 is negative; today's allocation must be 0 or more.",
        "Row 8, column E (imd): -1 is negative; an indicator must be 0 or more.",
        "Row 9, column C (population): the population is missing; a population must be 1 or more.",
        "Row 9, column D (current): today's allocation is missing; give it in pounds, 0 if none (e.g. 45000.50).",
        "Row 9, column E (imd): the value is missing; every area needs a value for each indicator.",
        "Row 10, column F: the row has 6 cells but the header has 5 columns; values beyond the last column have no heading.",
        "Row 10, column D (current): 'abc' is not an amount in pounds (e.g. 45000 or 45000.50).",
    ]


def test_short_row_reports_its_missing_cells():
    found = problems("area_id,name,population,current,imd\nA,Alpha,5\n")
    assert found == [
        "Row 2, column D (current): today's allocation is missing; give it in pounds, 0 if none (e.g. 45000.50).",
        "Row 2, column E (imd): the value is missing; every area needs a value for each indicator.",
    ]


def test_blank_row_of_commas_and_trailing_blank_lines():
    assert problems("area_id,name,population,current\nA,Alpha,5,1\n,,,\n") == [
        "Row 3: the row is blank; remove it or fill it in."
    ]
    assert problems("area_id,name,population,current\nA,Alpha,5,1\n\n\n") == [
        "Row 3: the row is blank; remove it or fill it in.",
        "Row 4: the row is blank; remove it or fill it in.",
    ]


def test_not_numbers_refused():
    found = problems("area_id,name,population,current,imd\nA,Alpha,NaN,Infinity,1e400x\n")
    assert found == [
        "Row 2, column C (population): 'NaN' is not a number; a population must be a whole number, 1 or more.",
        "Row 2, column D (current): 'Infinity' is not an amount in pounds (e.g. 45000 or 45000.50).",
        "Row 2, column E (imd): '1e400x' is not a number.",
    ]
    assert problems('area_id,name,population,current\nA,Alpha,"1,00",1\n')[0].startswith("Row 2, column C (population): '1,00'")


def test_error_text_summarises_and_names_the_file():
    with pytest.raises(AreasCsvError) as exc:
        parse_areas_csv("area_id,name,population,current\n" + "".join(f"A{i},N,-1,1\n" for i in range(30)), filename="lsoa.csv")
    text = str(exc.value)
    assert text.startswith("lsoa.csv: 30 problems found:\n- Row 2, column C (population): -1 is negative")
    assert text.endswith("- … and 10 more.")
    assert len(exc.value.problems) == 30


def test_a_file_of_many_bad_rows_lists_the_first_200_problems_then_counts_the_rest_by_kind():
    rows = "".join(f"A{i},N,-1,x\n" for i in range(150)) + "A1,N,5,1\n" * 100
    with pytest.raises(AreasCsvError) as exc:
        parse_areas_csv("area_id,name,population,current\n" + rows, filename="lsoa.csv")
    assert exc.value.count == 400  # two a row for the first 150, one (a duplicate id) for the next 100
    assert len(exc.value.problems) == 201
    assert exc.value.problems[199].startswith("Row 101, column D (current): 'x' is not an amount")
    assert exc.value.problems[200] == (
        "and 200 more problems of the same kinds: an area given twice (100), "
        "a population that is not a whole number, 1 or more (50), "
        "an allocation that is not an amount in pounds, 0 or more (50)."
    )
    assert str(exc.value).startswith("lsoa.csv: 400 problems found:")


def test_column_letters():
    assert [column_letter(i) for i in (0, 1, 25, 26, 27, 51, 52, 701, 702)] == [
        "A",
        "B",
        "Z",
        "AA",
        "AB",
        "AZ",
        "BA",
        "ZZ",
        "AAA",
    ]
    assert REQUIRED_COLUMNS == ("area_id", "name", "population", "current")


def test_the_derbyshire_districts_file_as_areas():
    # The shipped reference data, reshaped into an AREAS file (current: an illustrative equal split).
    import csv

    with open(ROOT / "data" / "derbyshire_districts.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    lines = ["area_id,name,population,current,imd"]
    lines += [f'{r["gss_code"]},"{r["name"]}",{r["population"]},56528.50,{r["imd2019_avg_score"]}' for r in rows]
    areas = parse_areas_csv("\n".join(lines) + "\n", allowed_indicators=["imd"])
    assert len(areas) == 8
    assert sum(a.population for a in areas) == 794_600
    assert sum(a.current_pence for a in areas) == 45_222_800
