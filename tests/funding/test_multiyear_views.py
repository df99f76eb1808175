"""The multi-year pages: preview a profile, change a year's amount, confirm; bad input shown, nothing written."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from tests.factories import TEST_PASSWORD, OrganisationFactory, UserFactory, line
from tests.funding.test_services import make_agreement
from vcsgrants.core.models import Role
from vcsgrants.funding.models import Agreement, FundingLine, MultiYearTerms, Variation

D = Decimal
pytestmark = pytest.mark.django_db


@pytest.fixture
def officer_client(client, officer):
    client.login(username=officer.username, password=TEST_PASSWORD)
    return client


def new_agreement_data(funded, provider, **extra):
    return {
        "stream": funded.stream.pk,
        "organisation": provider.pk,
        "area": funded.areas[0].pk,
        "title": "Three-year support",
        "first_year": "2022-23",
        "last_year": "2024-25",
        "first_amount": "30000.00",
        "uplift_percent": "2.5",
        "notice_months": "6",
        "earliest_break_date": "2024-03-31",
        "first_review_date": "2023-03-01",
        **extra,
    }


def test_an_officer_previews_changes_a_year_and_confirms_a_new_multi_year_agreement(funded, officer_client):
    provider = OrganisationFactory()
    data = new_agreement_data(funded, provider)
    preview = officer_client.post("/agreements/new/multi-year/", data | {"action": "preview"})
    html = preview.content.decode()
    assert preview.status_code == 200 and not Agreement.objects.exists()
    assert 'id="profile-table"' in html and "£31,518.75" in html and "No budget known yet" in html
    assert 'value="30750.00"' in html  # 2023-24 prefilled by the rule
    basis = html.split('name="profile-basis" value="')[1].split('"')[0]
    profile = {
        "profile-basis": basis,
        "profile-amount_2022": "30000.00",
        "profile-amount_2023": "29000.00",
        "profile-amount_2024": "31518.75",
    }
    response = officer_client.post("/agreements/new/multi-year/", data | profile | {"action": "confirm"})
    agreement = Agreement.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/agreements/{agreement.pk}/"
    assert sorted(agreement.funding_lines.values_list("financial_year__start_year", "amount")) == [
        (2022, D("30000.00")),
        (2023, D("29000.00")),
        (2024, D("31518.75")),
    ]
    page = officer_client.get(response["Location"]).content.decode()
    assert 'id="multi-year-terms"' in page and "Agreed otherwise" in page
    assert "notice by 30 September 2023" in page
    assert "1 March 2023; 1 March 2024; 1 March 2025" in page
    assert 'id="funders-table"' in page


def test_changing_the_terms_starts_the_amounts_again_from_the_rule(funded, officer_client):
    data = new_agreement_data(funded, OrganisationFactory())
    html = officer_client.post("/agreements/new/multi-year/", data | {"action": "preview"}).content.decode()
    basis = html.split('name="profile-basis" value="')[1].split('"')[0]
    stale = {"profile-basis": basis, "profile-amount_2022": "1.00", "profile-amount_2023": "1.00", "profile-amount_2024": "1.00"}
    again = officer_client.post("/agreements/new/multi-year/", data | stale | {"uplift_percent": "0", "action": "confirm"})
    assert again.status_code == 200 and not Agreement.objects.exists()  # previewed again, not written
    assert 'value="30000.00"' in again.content.decode()


def test_bad_input_is_shown_on_the_page_and_nothing_is_written(funded, officer_client):
    data = new_agreement_data(funded, OrganisationFactory(), last_year="2024", earliest_break_date="2026-03-31")
    html = officer_client.post("/agreements/new/multi-year/", data | {"action": "preview"}).content.decode()
    assert "There is a problem" in html and "&#x27;2024&#x27; is not a financial year" in html
    data = new_agreement_data(funded, OrganisationFactory(), earliest_break_date="2026-03-31")
    html = officer_client.post("/agreements/new/multi-year/", data | {"action": "preview"}).content.decode()
    basis = html.split('name="profile-basis" value="')[1].split('"')[0]
    profile = {"profile-basis": basis, "profile-amount_2022": "30000.00", "profile-amount_2023": "-5", "profile-amount_2024": "1"}
    html = officer_client.post("/agreements/new/multi-year/", data | profile | {"action": "confirm"}).content.decode()
    assert "The amount for 2023-24 must be 0.01 or more" in html
    profile["profile-amount_2023"] = "5.00"
    html = officer_client.post("/agreements/new/multi-year/", data | profile | {"action": "confirm"}).content.decode()
    assert "before it ends (31 March 2025)" in html
    assert not Agreement.objects.exists() and not FundingLine.objects.exists() and not MultiYearTerms.objects.exists()


def test_an_officer_converts_an_annual_agreement_by_variation(funded, fy2022, officer_client):
    agreement = make_agreement(funded, lines=[line(funded.stream, fy2022, funded.areas[0], "20000.00")], status="active")
    form = officer_client.get(f"/agreements/{agreement.pk}/multi-year/").content.decode()
    assert 'value="2024-25"' in form  # three years in all suggested
    data = {
        "last_year": "2024-25",
        "uplift_percent": "3",
        "notice_months": "3",
        "earliest_break_date": "2024-03-31",
        "reason": "Three-year settlement",
        "approved_by": "Cabinet",
        "approved_on": "2023-02-09",
    }
    html = officer_client.post(f"/agreements/{agreement.pk}/multi-year/", data | {"action": "preview"}).content.decode()
    assert "(already in the agreement)" in html and "£20,600.00" in html and "£21,218.00" in html
    basis = html.split('name="profile-basis" value="')[1].split('"')[0]
    response = officer_client.post(
        f"/agreements/{agreement.pk}/multi-year/",
        data
        | {"profile-basis": basis, "profile-amount_2023": "20600.00", "profile-amount_2024": "21218.00", "action": "confirm"},
    )
    assert response.status_code == 302
    variation = Variation.objects.get(agreement=agreement)
    assert variation.kind == Variation.Kind.MULTI_YEAR and variation.new_end_date == dt.date(2025, 3, 31)
    page = officer_client.get(f"/agreements/{agreement.pk}/").content.decode()
    assert "Variation 1: Conversion to multi-year" in page
    assert "Convert to multi-year" not in page  # once only
    assert "notice by 31 December 2023" in page


def test_the_ordinary_variation_page_does_not_offer_a_conversion(funded, fy2022, officer_client):
    agreement = make_agreement(funded, lines=[line(funded.stream, fy2022, funded.areas[0], "1.00")], status="active")
    html = officer_client.get(f"/agreements/{agreement.pk}/variations/new/").content.decode()
    assert 'value="multi_year"' not in html


def test_a_provider_cannot_convert_or_create(funded, fy2022, client):
    agreement = make_agreement(funded, lines=[line(funded.stream, fy2022, funded.areas[0], "1.00")], status="active")
    provider_user = UserFactory(roles=[Role.PROVIDER], organisation=agreement.organisation)
    client.login(username=provider_user.username, password=TEST_PASSWORD)
    response = client.get(f"/agreements/{agreement.pk}/multi-year/")
    assert response.status_code == 403 and "does not allow you to create or vary agreements" in response.content.decode()
    assert client.post("/agreements/new/multi-year/", {}).status_code == 403
