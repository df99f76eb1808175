"""Money by stream: no change of value takes a stream below what has been paid on it (service, form and API)."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

import tests.api.conftest  # noqa: F401 — loads tests.api.writing without a circular import
from tests.api.writing import WriteClient
from tests.factories import (
    OrganisationFactory,
    UserFactory,
    funded_programme,
    line,
    year,
)
from tests.funding.test_multiyear_services import create as create_multiyear
from tests.funding.test_services import nothing_written
from tests.funding.test_stream_payments import shared  # noqa: F401, F811 — the fixture
from vcsgrants.api.models import ApiToken
from vcsgrants.core.models import Role
from vcsgrants.funding.models import Agreement, Variation
from vcsgrants.funding.multiyear import annual_level
from vcsgrants.funding.selectors.programmes import programme_default_year, programme_year_summary, programme_years
from vcsgrants.funding.services import agreements as agreement_services
from vcsgrants.funding.services import extension as extension_services
from vcsgrants.funding.services import payments as payment_services
from vcsgrants.funding.services import programmes as programme_services
from vcsgrants.funding.services.multiyear import multiyear_plan_conversion

D = Decimal
pytestmark = pytest.mark.django_db
REFUSAL = (
    "Winter 2022-23 {area}: £500.00 has already been paid from Winter on this agreement, so its £1,000.00 cannot be "
    "reduced by £600.00 to £400.00; the most it can be reduced by is £500.00."
)


@pytest.fixture
def paid_winter(shared, officer):  # noqa: F811 — the fixture imported above
    """The shared agreement (£4,000.00 Core, £1,000.00 Winter one-off to 30 September, 2022-23) made active, with
    the April instalment (£1,000.00 Core and £500.00 Winter) paid."""
    programme, agreement, core, winter = shared
    agreement_services.agreement_set_status(agreement=agreement, status=Agreement.Status.ACTIVE, actor=officer)
    april = agreement.instalments.order_by("due_date").first()
    payment_services.payment_record(instalment=april, paid_on=dt.date(2022, 4, 1), amount=D("1500.00"), actor=officer)
    return agreement, core, winter, agreement.areas.get()


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


# --- Current levels for a part-year agreement -----------------------------------------------------------------


def test_a_part_year_is_annualised_by_whole_months_else_by_days():
    year_start, year_end = dt.date(2022, 4, 1), dt.date(2023, 3, 31)
    autumn = annual_level(D("5000.00"), start=dt.date(2022, 10, 1), end=year_end, year_start=year_start, year_end=year_end)
    assert (autumn.annual, autumn.months, autumn.part_year) == (D("10000.00"), 6, True)
    assert autumn.basis == "6 months (1 October 2022 to 31 March 2023)"
    odd = annual_level(D("5000.00"), start=dt.date(2022, 10, 15), end=year_end, year_start=year_start, year_end=year_end)
    assert (odd.annual, odd.months, odd.basis) == (D("10863.10"), None, "168 days of 365 (15 October 2022 to 31 March 2023)")
    whole = annual_level(D("5000.00"), start=dt.date(2021, 4, 1), end=year_end, year_start=year_start, year_end=year_end)
    assert (whole.annual, whole.part_year) == (D("5000.00"), False)
    # Half a penny rounds up: £0.05 for 7 months is 0.0857… a year → £0.09.
    tiny = annual_level(D("0.05"), start=dt.date(2022, 9, 1), end=year_end, year_start=year_start, year_end=year_end)
    assert tiny.annual == D("0.09")


@pytest.fixture
def autumn_start(officer, districts, fy2022, fy2023):
    """An active agreement that ran 1 October 2022 to 31 March 2023 for £5,000.00 (recurrent), split 3:2 between
    two districts; the stream is budgeted and allocated for 2022-23 and 2023-24."""
    funded = funded_programme(actor=officer, areas=districts, start_years=(2022, 2023))
    a, b = districts
    agreement = agreement_services.agreement_create(
        programme=funded.programme,
        organisation=OrganisationFactory(),
        areas=[a, b],
        title="Winter start",
        start_date=dt.date(2022, 10, 1),
        end_date=dt.date(2023, 3, 31),
        actor=officer,
        lines=[line(funded.stream, fy2022, a, "3000.00"), line(funded.stream, fy2022, b, "2000.00")],
    )
    agreement_services.agreement_set_status(agreement=agreement, status=Agreement.Status.ACTIVE, actor=officer)
    return funded, agreement


def test_rolling_on_annualises_a_part_year_with_a_warning_and_the_officer_may_give_another_level(autumn_start, fy2023):
    funded, agreement = autumn_start
    preview = extension_services.bulk_extension_preview(programme=funded.programme, year=fy2023)
    [row] = preview.rows
    assert (row.old_value, row.new_value, row.level.basis) == (
        D("5000.00"),
        D("10000.00"),
        "6 months (1 October 2022 to 31 March 2023)",
    )
    assert [ln.amount for ln in row.lines] == [D("6000.00"), D("4000.00")]  # shared 3:2 as in 2022-23
    assert preview.warnings == [
        f"{agreement.reference} ran 6 months (1 October 2022 to 31 March 2023) in 2022-23: its £5,000.00 of recurrent "
        "funding is annualised to £10,000.00 for the twelve months of 2023-24. Give another level if the work will not "
        "run at that rate for a whole year."
    ]
    given = extension_services.bulk_extension_preview(
        programme=funded.programme, year=fy2023, levels={agreement.pk: D("7500.01")}
    )
    assert (given.total, given.rows[0].overridden, given.warnings) == (D("7500.01"), True, [])
    assert [ln.amount for ln in given.rows[0].lines] == [D("4500.01"), D("3000.00")]
    with pytest.raises(ValidationError, match="in pounds and pence"):
        extension_services.bulk_extension_preview(programme=funded.programme, year=fy2023, levels={agreement.pk: D("-1")})
    extension_services.bulk_extension_apply(
        programme=funded.programme,
        year=fy2023,
        reason="Roll on",
        approved_by="Cabinet",
        approved_on=dt.date(2023, 2, 9),
        actor=funded.actor,
        expected_total=D("7500.01"),
        levels={agreement.pk: D("7500.01")},
    )
    assert agreement.value_for(fy2023) == D("7500.01")


def test_the_preview_page_shows_the_months_and_recalculates_with_the_officers_level(autumn_start, client, officer):
    funded, agreement = autumn_start
    client.force_login(officer)
    url = f"/programmes/{funded.programme.slug}/extend/"
    page = client.get(url, {"financial_year": "2023-24"}).content.decode()
    assert "annualised from 6 months (1 October 2022 to 31 March 2023)" in page
    assert 'id="annualised"' in page and f'name="level-{agreement.pk}"' in page and 'value="10000.00"' in page
    body = {"financial_year": "2023-24", "expected_total": "10000.00", f"level-{agreement.pk}": "£8,000", "recalculate": "1"}
    page = client.post(url, body).content.decode()
    assert '<td class="govuk-table__cell govuk-table__cell--numeric" id="preview-total">£8,000.00</td>' in page
    assert "as you gave it" in page
    assert agreement.value_for(year(2023)) == D("0")  # recalculating writes nothing


def test_a_conversion_to_multi_year_uplifts_from_the_annualised_level(autumn_start):
    funded, agreement = autumn_start
    plan = multiyear_plan_conversion(agreement=agreement, last_year=year(2024), uplift_percent=D("2.5"))
    assert [(r.year.label, r.amount) for r in plan.rows] == [
        ("2022-23", D("5000.00")),
        ("2023-24", D("10250.00")),
        ("2024-25", D("10506.25")),
    ]
    assert plan.warnings == [
        "The agreement ran 6 months (1 October 2022 to 31 March 2023) in 2022-23: its £5,000.00 of recurrent funding is "
        "annualised to £10,000.00 a year, and the uplifts start from that. Give each year's amount instead if the work "
        "will not run at that rate for a whole year."
    ]


def test_the_api_previews_the_annualised_level_and_extends_at_the_officers_level(autumn_start, officer):
    funded, agreement = autumn_start
    api = WriteClient(ApiToken.issue(officer, name="tests")[1])
    path = f"/api/programmes/{funded.programme.pk}/bulk-extension/"
    preview = api.get(path, financial_year="2023-24").json()
    [row] = preview["rows"]
    assert (row["new_value"], row["annualised_from"]) == ("10000.00", "6 months (1 October 2022 to 31 March 2023)")
    assert len(preview["warnings"]) == 1
    body = {
        "financial_year": "2023-24",
        "reason": "Roll on",
        "approved_by": "Cabinet",
        "approved_on": "2023-02-09",
        "expected_total": "7500.00",
        "levels": {str(agreement.pk): "7500.00"},
    }
    assert api.post(path, body | {"levels": {"SLA": "1.00"}}).status_code == 400
    response = api.post(path, body)
    assert response.status_code == 201, response.content
    assert agreement.value_for(year(2023)) == D("7500.00")


def test_the_api_preview_of_a_conversion_warns_that_the_level_is_annualised(autumn_start, officer):
    funded, agreement = autumn_start
    api = WriteClient(ApiToken.issue(officer, name="tests")[1])
    plan = api.get(f"/api/agreements/{agreement.pk}/multi-year/", last_year="2024-25", uplift_percent="2.5").json()
    assert [r["amount"] for r in plan["rows"]] == ["5000.00", "10250.00", "10506.25"]
    assert plan["warnings"][0].startswith("The agreement ran 6 months (1 October 2022 to 31 March 2023) in 2022-23")
