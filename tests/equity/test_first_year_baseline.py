"""The first-year baseline: an option set for a year with no allocations yet compares with the last year that has
them, says so, and leaves that year's county-wide money out of the budget and in the adopted allocations."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from tests.factories import AreaFactory, CountyAreaFactory, funded_programme, year
from vcsgrants.equity import services
from vcsgrants.equity.exports import comparison_xlsx
from vcsgrants.equity.models import Option
from vcsgrants.equity.selectors import comparison
from vcsgrants.funding.models import Allocation
from vcsgrants.funding.services import programmes as programme_services

pytestmark = pytest.mark.django_db


@pytest.fixture
def next_year_set(officer):
    """2022-23: £30,000 to each of three districts and £10,000 county-wide (£100,000). 2023-24: a £100,000 budget
    and no allocations yet."""
    districts = [
        AreaFactory(name="North Test", population=120_000, imd_score=Decimal("25")),
        AreaFactory(name="South Test", population=80_000, imd_score=Decimal("10")),
        AreaFactory(name="West Test", population=100_000, imd_score=Decimal("15")),
    ]
    county = CountyAreaFactory(name="County Test")
    funded = funded_programme(actor=officer, areas=districts, start_years=(2022,), allocation=Decimal("30000.00"))
    programme_services.allocations_set(
        stream=funded.stream, year=year(2022), amounts={county: Decimal("10000.00")}, actor=officer
    )
    programme_services.budget_set(stream=funded.stream, year=year(2023), amount=Decimal("100000.00"), actor=officer)
    option_set = services.option_set_from_districts(
        programme=funded.programme, stream=funded.stream, year=year(2023), name="Next year", actor=officer
    )
    return funded, county, option_set


def test_a_year_without_allocations_compares_with_the_last_year_that_has_them_less_its_county_wide_money(next_year_set):
    funded, _county, option_set = next_year_set
    assert option_set.budget == Decimal("90000.00")  # £100,000 less the £10,000 county-wide of 2022-23
    assert "compared with 2022-23, the last year with allocations" in option_set.baseline
    assert {a.name: a.current for a in option_set.areas.all()} == dict.fromkeys(
        ["North Test", "South Test", "West Test"], Decimal("30000.00")
    )


def test_current_levels_neither_win_nor_lose_against_the_last_year(next_year_set, officer):
    _funded, _county, option_set = next_year_set
    services.option_create(
        option=Option(option_set=option_set, label="As now", blend={"current": "1"}, weights={}), actor=officer
    )
    measures = comparison(option_set).columns[0].result.measures
    assert (measures.winners, measures.losers) == (0, 0)  # before the fix every district "won" £3,333.33


def test_the_export_says_which_year_today_is(next_year_set):
    _funded, _county, option_set = next_year_set
    book = load_workbook(io.BytesIO(comparison_xlsx(comparison(option_set))))
    about = dict(row for row in book["About"].iter_rows(min_row=2, values_only=True))
    assert "compared with 2022-23, the last year with allocations" in about["Today's allocations are"]
    assert about["Budget shared (£)"] == 90000


def test_adopting_in_the_first_year_keeps_the_county_wide_money_and_reconciles(next_year_set, officer):
    funded, county, option_set = next_year_set
    chosen = services.option_create(
        option=Option(option_set=option_set, label="Per head", blend={"per_head": "1"}, weights={}), actor=officer
    )
    preview = services.adoption_preview(chosen)
    assert preview.problems == []
    assert [(r.area, r.new) for r in preview.carried] == [(county, Decimal("10000.00"))]
    assert preview.total_after == Decimal("100000.00")
    services.option_adopt(option=chosen, actor=officer)
    amounts = dict(Allocation.objects.filter(stream=funded.stream, financial_year=year(2023)).values_list("area__name", "amount"))
    assert amounts["County Test"] == Decimal("10000.00")
    assert sum(amounts.values()) == Decimal("100000.00")
    assert amounts["North Test"] == Decimal("36000.00")  # £90,000 per head: 120,000 of 300,000 people


def test_the_year_own_allocations_are_the_baseline_once_it_has_any(next_year_set, officer):
    funded, county, _ = next_year_set
    programme_services.allocations_set(stream=funded.stream, year=year(2023), amounts={county: Decimal("4000.00")}, actor=officer)
    option_set = services.option_set_from_districts(
        programme=funded.programme, stream=funded.stream, year=year(2023), name="Again", actor=officer
    )
    assert option_set.budget == Decimal("96000.00")
    assert option_set.baseline == f"the 2023-24 allocations of {funded.stream}"


def test_the_pages_say_which_year_today_is_and_what_is_carried(next_year_set, officer, client):
    _funded, _county, option_set = next_year_set
    chosen = services.option_create(
        option=Option(option_set=option_set, label="Per head", blend={"per_head": "1"}, weights={}), actor=officer
    )
    client.force_login(officer)
    detail = client.get(option_set.get_absolute_url()).content.decode()
    assert "compared with 2022-23, the last year with allocations" in detail
    adopt = client.get(reverse("equity:equity-option-adopt", args=[chosen.pk])).content.decode()
    assert "as in 2022-23, the last year with allocations" in adopt
    assert "£100,000.00" in adopt  # the total after adoption: the year's budget
