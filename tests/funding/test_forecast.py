"""The commitments forecast: future years by funder, stream and district against known budgets; flags; downloads."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from tests.factories import TEST_PASSWORD, OrganisationFactory, ProgrammeFactory, UserFactory, year
from tests.funding.test_multiyear_services import create
from vcsgrants.core.models import Organisation, Role
from vcsgrants.funding.models import ProgrammePeriod
from vcsgrants.funding.selectors.forecast import EXPORT_HEADERS, commitments_forecast, default_from_year, export_rows
from vcsgrants.funding.services import agreements as agreement_services
from vcsgrants.funding.services import programmes as programme_services
from vcsgrants.funding.services.partners import contribution_set

D = Decimal
pytestmark = pytest.mark.django_db


@pytest.fixture
def committed(funded):
    """A three-year agreement (2022-23 to 2024-25) from the stream, a partner paying a fifth of 2023-24's budget
    and a 2023-24 budget below what is committed; 2024-25 has no budget yet."""
    partner = OrganisationFactory(name="Forecast Partner", slug="forecast-partner", kind=Organisation.Kind.PARTNER)
    agreement = create(funded)  # 30,000.00 / 30,750.00 / 31,518.75 in the first district
    programme_services.budget_set(stream=funded.stream, year=year(2023), amount=D("30000.00"), actor=funded.actor)
    contribution_set(stream=funded.stream, year=year(2023), funder=partner, amount=D("6000.00"), actor=funded.actor)
    return funded, agreement, partner


def test_each_year_by_funder_stream_and_district_with_its_flags(committed):
    funded, agreement, partner = committed
    forecast = commitments_forecast(programme=funded.programme, from_year=year(2023))
    assert [fy.year.label for fy in forecast.years] == ["2023-24", "2024-25"]
    y2023, y2024 = forecast.years
    stream = funded.stream.name
    assert [(r.label, r.committed, r.budget, r.over) for r in y2023.by_stream] == [
        (stream, D("30750.00"), D("30000.00"), D("750.00"))
    ]
    assert y2023.flags == [
        f"{stream}: commitments of £30,750.00 exceed the known 2023-24 budget of £30,000.00 by £750.00.",
        f"{stream}: partners' pledges are fixed, so the £750.00 committed above the budget falls on {funded.stream.funder.name}.",
    ]
    # The partner pledged a fifth of the budget: it is never shown committed above its £6,000.00; the over-commitment
    # falls on the stream's own funder, and its row says so.
    assert {(r.label, r.committed, r.budget, r.note) for r in y2023.by_funder} == {
        ("Forecast Partner", D("6000.00"), D("6000.00"), ""),
        (
            funded.stream.funder.name,
            D("24750.00"),
            D("24000.00"),
            "Includes £750.00 committed above the budget (partners' pledges are fixed)",
        ),
    }
    assert [(r.label, r.committed, r.budget) for r in y2023.by_district] == [(funded.areas[0].name, D("30750.00"), D("0"))]
    assert y2023.by_district[0].note == "Committed ahead of allocation: nothing is allocated to it for 2023-24 yet"
    assert [(r.committed, r.budget, r.note) for r in y2024.by_stream] == [(D("31518.75"), None, "No budget known yet")]
    assert y2024.flags == [f"{stream}: £31,518.75 committed, but no 2024-25 budget is known yet."]
    assert [(r.committed, r.budget) for r in y2024.by_funder] == [(D("31518.75"), None)]
    assert [fy.year.label for fy in forecast.flagged_years] == ["2023-24", "2024-25"]
    # Totals reconcile: funders and streams add up to the same commitment each year.
    for fy in forecast.years:
        assert (
            sum((r.committed for r in fy.by_funder), D("0")) == fy.committed == sum((r.committed for r in fy.by_district), D("0"))
        )


def test_a_year_within_its_budget_is_not_flagged(funded, fy2022):
    agreement_services.agreement_create(
        programme=funded.programme,
        organisation=OrganisationFactory(),
        areas=[funded.areas[0]],
        title="Annual",
        start_date=fy2022.start,
        end_date=fy2022.end,
        actor=funded.actor,
        lines=[agreement_services.LineInput(funded.stream, fy2022, funded.areas[0], D("40000.00"))],
    )
    [fy] = commitments_forecast(programme=funded.programme, from_year=fy2022).years
    assert not fy.flagged and fy.committed == D("40000.00") and fy.known_budget == D("100000.00")


def test_the_forecast_starts_this_year_or_after_the_approved_periods_if_earlier(officer):
    programme = ProgrammeFactory()
    assert default_from_year(programme, today=dt.date(2026, 11, 25)) == 2026
    programme_services.period_record(
        programme=programme,
        kind=ProgrammePeriod.Kind.APPROVED,
        start=dt.date(2022, 4, 1),
        end=dt.date(2023, 3, 31),
        approved_by="Cabinet",
        approved_on=dt.date(2022, 2, 10),
        actor=officer,
    )
    assert default_from_year(programme, today=dt.date(2026, 11, 25)) == 2023
    assert default_from_year(programme, today=dt.date(2022, 11, 25)) == 2022


def signed_in(client, role):
    client.login(username=UserFactory(roles=[role]).username, password=TEST_PASSWORD)
    return client


def test_the_page_shows_the_chart_with_the_same_figures_as_its_tables(committed, client):
    funded, _, _ = committed
    page = signed_in(client, Role.FINANCE).get(f"/programmes/{funded.programme.slug}/forecast/?from=2023-24")
    html = page.content.decode()
    assert page.status_code == 200
    assert '<svg xmlns="http://www.w3.org/2000/svg"' in html and 'id="forecast-chart"' in html
    assert "Commitments go beyond the known budgets in 2023-24, 2024-25." in html
    assert "£30,750.00" in html and "£31,518.75" in html and "Not known" in html
    assert "2023-24 (flagged), Committed in agreements: £30,750" in html  # the chart's bar says what the table says


def test_a_year_with_nothing_says_so(committed, client):
    funded, _, _ = committed
    html = signed_in(client, Role.OFFICER).get(f"/programmes/{funded.programme.slug}/forecast/?from=2030-31").content.decode()
    assert "Nothing is budgeted or committed from 2030-31" in html


def test_a_bad_year_is_not_found(committed, client):
    funded, _, _ = committed
    assert signed_in(client, Role.OFFICER).get(f"/programmes/{funded.programme.slug}/forecast/?from=2023").status_code == 404


def test_downloads_hold_the_pages_figures_as_numbers(committed, client):
    funded, _, _ = committed
    client = signed_in(client, Role.CABINET)
    forecast = commitments_forecast(programme=funded.programme, from_year=year(2023))
    response = client.get(f"/programmes/{funded.programme.slug}/forecast.csv?from=2023-24")
    assert response["Content-Disposition"] == f'attachment; filename="{funded.programme.slug}-commitments-from-2023-24.csv"'
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == EXPORT_HEADERS
    assert len(rows) - 1 == len(export_rows(forecast))
    assert ["2023-24", "Stream", funded.stream.name, "30750.00", "30000.00", "750.00", "Over the known budget by £750.00"] in rows
    assert ["2024-25", "Stream", funded.stream.name, "31518.75", "", "", "No budget known yet"] in rows
    workbook = load_workbook(io.BytesIO(client.get(f"/programmes/{funded.programme.slug}/forecast.xlsx?from=2023-24").content))
    rows = [[c.value for c in row] for row in workbook.active.iter_rows(min_row=2)]
    [total] = [r for r in rows if r[:2] == ["2023-24", "Total"]]
    assert [D(str(v)) for v in total[3:6]] == [D("30750"), D("30000"), D("750")]
    assert all(isinstance(v, int | float) for v in total[3:6])  # numbers, not text
    assert client.get(f"/programmes/{funded.programme.slug}/forecast.pdf").status_code == 404
