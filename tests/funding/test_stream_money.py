"""Money by stream: no change of value takes a stream below what has been paid on it (service, form and API)."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

import tests.api.conftest  # noqa: F401 — loads tests.api.writing without a circular import
from tests.api.writing import WriteClient
from tests.factories import AreaFactory, FundingStreamFactory, OrganisationFactory, ProgrammeFactory, UserFactory, line, year
from tests.funding.test_multiyear_services import create as create_multiyear
from tests.funding.test_services import nothing_written
from vcsgrants.api.models import ApiToken
from vcsgrants.core.models import Role
from vcsgrants.funding.models import Agreement, FundingStream, Variation
from vcsgrants.funding.selectors.programmes import programme_default_year, programme_year_summary, programme_years
from vcsgrants.funding.services import agreements as agreement_services
from vcsgrants.funding.services import payments as payment_services
from vcsgrants.funding.services import programmes as programme_services

D = Decimal
pytestmark = pytest.mark.django_db
REFUSAL = (
    "Winter 2022-23 {area}: £500.00 has already been paid from Winter on this agreement, so its £1,000.00 cannot be "
    "reduced by £600.00 to £400.00; the most it can be reduced by is £500.00."
)


@pytest.fixture
def paid_winter(officer, fy2022):
    """An active agreement for 2022-23: £4,000.00 Core (recurrent), £1,000.00 Winter (one-off, to 30 September);
    the April instalment (£1,000.00 Core and £500.00 Winter) paid."""
    programme = ProgrammeFactory()
    area = AreaFactory()
    core = FundingStreamFactory(programme=programme, name="Core")
    winter = FundingStreamFactory(
        programme=programme, name="Winter", recurrence=FundingStream.Recurrence.ONE_OFF, end=dt.date(2022, 9, 30)
    )
    for stream, budget in ((core, "5000.00"), (winter, "1000.00")):
        programme_services.budget_set(stream=stream, year=fy2022, amount=D(budget), actor=officer)
        programme_services.allocations_set(stream=stream, year=fy2022, amounts={area: D(budget)}, actor=officer)
    agreement = agreement_services.agreement_create(
        programme=programme,
        organisation=OrganisationFactory(),
        areas=[area],
        title="Shared agreement",
        start_date=dt.date(2022, 4, 1),
        end_date=dt.date(2023, 3, 31),
        actor=officer,
        lines=[line(core, fy2022, area, "4000.00"), line(winter, fy2022, area, "1000.00")],
    )
    agreement_services.agreement_set_status(agreement=agreement, status=Agreement.Status.ACTIVE, actor=officer)
    april = agreement.instalments.order_by("due_date").first()
    payment_services.payment_record(instalment=april, paid_on=dt.date(2022, 4, 1), amount=D("1500.00"), actor=officer)
    return agreement, core, winter, area


def cut(agreement, officer, stream, year, area, amount):
    return agreement_services.variation_create(
        agreement=agreement,
        kind=Variation.Kind.VALUE_CHANGE,
        reason="Less winter work",
        approved_by="Head of service",
        approved_on=dt.date(2022, 5, 1),
        actor=officer,
        lines=[line(stream, year, area, amount)],
    )


def test_a_cut_below_what_is_paid_on_the_stream_is_refused_though_the_year_is_covered(paid_winter, officer, fy2022):
    agreement, core, winter, area = paid_winter
    # The year's £4,400.00 would still cover the £1,500.00 paid: the stream's own paid money is what stops it.
    with nothing_written(), pytest.raises(ValidationError) as caught:
        cut(agreement, officer, winter, fy2022, area, "-600.00")
    assert caught.value.message_dict["amount"] == [REFUSAL.format(area=area)]
    # Core down to exactly what was paid on it is fine.
    cut(agreement, officer, core, fy2022, area, "-3000.00")
    assert agreement.value_for(fy2022) == D("2000.00")
    rows = {r.label: r for r in programme_year_summary(programme=agreement.programme, year=fy2022).streams}
    assert (rows["Winter"].committed, rows["Winter"].paid, rows["Winter"].remaining) == (D("1000.00"), D("1000.00"), D("0.00"))
    # Winter is now paid in full (its two instalments' worth fell due first): not a penny of it can be cut.
    with nothing_written(), pytest.raises(ValidationError) as caught:
        cut(agreement, officer, winter, fy2022, area, "-0.01")
    assert caught.value.message_dict["amount"] == [
        f"Winter 2022-23 {area}: £1,000.00 has already been paid from Winter on this agreement, so its £1,000.00 "
        "cannot be reduced by £0.01 to £999.99; the most it can be reduced by is £0.00."
    ]


def test_the_form_and_the_api_give_the_same_refusal(paid_winter, officer, fy2022, client):
    agreement, core, winter, area = paid_winter
    client.force_login(officer)
    with nothing_written():
        page = client.post(
            f"/agreements/{agreement.pk}/variations/new/",
            {
                "kind": "value_change",
                "reason": "Less winter work",
                "approved_by": "Head of service",
                "approved_on": "2022-05-01",
                "line-stream": winter.pk,
                "line-financial_year": fy2022.pk,
                "line-area": area.pk,
                "line-amount": "-600.00",
            },
        )
        assert page.status_code == 200
        assert REFUSAL.format(area=area) in page.content.decode().replace("&#x27;", "'")
        api = WriteClient(ApiToken.issue(UserFactory(roles=[Role.OFFICER]), name="tests")[1])
        response = api.post(
            "/api/variations/",
            {
                "agreement": agreement.pk,
                "kind": "value_change",
                "reason": "Less winter work",
                "approved_by": "Head of service",
                "approved_on": "2022-05-01",
                "lines": [{"stream": winter.pk, "financial_year": "2022-23", "area": area.gss_code, "amount": "-600.00"}],
            },
        )
    assert response.status_code == 400, response.content
    assert REFUSAL.format(area=area) in str(response.json())


def test_every_year_with_budgets_or_commitments_is_listed_and_the_default_year_is_one_of_them(funded, client):
    """Multi-year terms commit money to 2023-24 and 2024-25 before their budgets are known: the page lists them, and
    defaults to the latest year with commitments (2024-25), selected in its own list."""
    create_multiyear(funded)  # 30,000.00 / 30,750.00 / 31,518.75 for 2022-23 to 2024-25; only 2022-23 has a budget
    assert [y.label for y in programme_years(funded.programme)] == ["2022-23", "2023-24", "2024-25"]
    assert programme_default_year(funded.programme).label == "2024-25"
    client.force_login(UserFactory(roles=[Role.OFFICER]))
    page = client.get(f"/programmes/{funded.programme.slug}/").content.decode()
    options = re.findall(r'<option value="(\d{4}-\d{2})"( selected)?>', page)
    assert options == [("2022-23", ""), ("2023-24", ""), ("2024-25", " selected")]
    assert "£31,518.75" in page


def test_a_programme_with_budgets_only_defaults_to_its_latest_budget_year(funded):
    programme_services.budget_set(stream=funded.stream, year=year(2023), amount=D("1000.00"), actor=funded.actor)
    assert [y.label for y in programme_years(funded.programme)] == ["2022-23", "2023-24"]
    assert programme_default_year(funded.programme).label == "2023-24"
