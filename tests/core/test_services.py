"""Reference data services: financial year labels and loading districts from CSV."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError

from vcsgrants.core.models import Area, AreaIndicator, FinancialYear
from vcsgrants.core.services import (
    areas_load_districts,
    financial_year_for_date,
    financial_years_between,
    parse_financial_year_label,
)

DISTRICTS_CSV = Path(__file__).resolve().parents[2] / "data" / "derbyshire_districts.csv"
COUNTY = {"county_gss": "E10000007", "county_name": "Derbyshire"}
HEADER = "gss_code,name,population,population_source,imd2019_avg_score,imd2019_rank_of_avg_score,imd_source,ruc_class\n"


# --- financial years -------------------------------------------------------------------


@pytest.mark.parametrize(("label", "start_year"), [("2022-23", 2022), (" 2023-24 ", 2023), ("1999-00", 1999)])
def test_parse_financial_year_label_accepts_the_usual_form(label, start_year):
    assert parse_financial_year_label(label) == start_year


@pytest.mark.parametrize("label", ["2022", "2022-24", "22-23", "2022/23", "2022-2023", ""])
def test_parse_financial_year_label_refuses_anything_else_naming_the_input(label):
    with pytest.raises(ValidationError) as caught:
        parse_financial_year_label(label)
    message = caught.value.messages[0]
    assert f"'{label}'" in message
    assert "2022-23" in message  # says what it expects


@pytest.mark.django_db
def test_financial_year_for_date_runs_april_to_march():
    year = financial_year_for_date(dt.date(2023, 3, 31))
    assert year.label == "2022-23"
    assert (year.start, year.end) == (dt.date(2022, 4, 1), dt.date(2023, 3, 31))
    assert financial_year_for_date(dt.date(2023, 4, 1)).label == "2023-24"
    assert FinancialYear.objects.count() == 2


@pytest.mark.django_db
def test_financial_years_between_lists_each_year_once():
    labels = [y.label for y in financial_years_between(dt.date(2022, 10, 1), dt.date(2024, 9, 30))]
    assert labels == ["2022-23", "2023-24", "2024-25"]


# --- districts ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_areas_load_districts_loads_derbyshire():
    areas = areas_load_districts(path=DISTRICTS_CSV, **COUNTY)
    assert len(areas) == 9
    assert Area.objects.filter(kind=Area.Kind.DISTRICT).count() == 8
    county = Area.objects.get(kind=Area.Kind.COUNTY)
    assert (county.gss_code, str(county)) == ("E10000007", "County-wide")
    assert areas[0] == county
    amber = Area.objects.get(gss_code="E07000032")
    assert amber.name == "Amber Valley"
    assert amber.population == 126200
    # The IMD 2019 columns are two need indicators, the score counted as need and the rank (1 = most deprived) not.
    assert amber.indicator_value("imd") == Decimal("17.970")
    assert amber.indicator_value("imd_rank") == 166
    assert AreaIndicator.objects.get(key="imd").higher_is_more_need
    assert not AreaIndicator.objects.get(key="imd_rank").higher_is_more_need
    assert sorted(Area.objects.filter(kind=Area.Kind.DISTRICT).values_list("gss_code", flat=True)) == [
        f"E0700003{n}" for n in range(2, 10)
    ]


@pytest.mark.django_db
def test_areas_load_districts_twice_updates_rather_than_duplicates():
    areas_load_districts(path=DISTRICTS_CSV, **COUNTY)
    areas_load_districts(path=DISTRICTS_CSV, **COUNTY)
    assert Area.objects.count() == 9


@pytest.mark.django_db
def test_areas_load_districts_refuses_a_bad_number_naming_file_and_row_and_writes_nothing(tmp_path):
    bad = tmp_path / "districts_bad.csv"
    bad.write_text(
        HEADER
        + "E07000032,Amber Valley,126200,ONS,17.970,166,IoD,\n"
        + "E07000033,Bolsover,eighty thousand,ONS,25.047,84,IoD,\n",
        encoding="utf-8",
    )
    with pytest.raises(ValidationError) as caught:
        areas_load_districts(path=bad, **COUNTY)
    message = caught.value.messages[0]
    assert "districts_bad.csv" in message
    assert "row 3" in message
    assert Area.objects.count() == 0, "the good first row must not be left behind"


@pytest.mark.django_db
def test_areas_load_districts_refuses_missing_imd_columns(tmp_path):
    bad = tmp_path / "no_imd.csv"
    bad.write_text("gss_code,name\nE07000032,Amber Valley\n", encoding="utf-8")
    with pytest.raises(ValidationError, match=r"no_imd\.csv: there is no column 'imd2019_avg_score'"):
        areas_load_districts(path=bad, **COUNTY)
    assert Area.objects.count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize("code", ["X123", "E0700003299"])
def test_areas_load_districts_refuses_a_bad_gss_code_naming_file_and_row_and_writes_nothing(tmp_path, code):
    bad = tmp_path / "bad_code.csv"
    bad.write_text(
        HEADER + "E07000032,Amber Valley,126200,ONS,17.970,166,IoD,\n" + f"{code},Nowhere,1000,ONS,10.0,10,IoD,\n",
        encoding="utf-8",
    )
    with pytest.raises(ValidationError) as caught:
        areas_load_districts(path=bad, **COUNTY)
    message = caught.value.messages[0]
    assert message.startswith("bad_code.csv, row 3, column gss_code:")
    assert "GSS code" in message
    assert Area.objects.count() == 0
