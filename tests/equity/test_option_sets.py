"""Option sets in the database: built from districts or an upload, options checked, adopted as allocations."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from tests.factories import AreaFactory, CountyAreaFactory, funded_programme, line, year
from vcsgrants.core.audit import events_for
from vcsgrants.equity import services
from vcsgrants.equity.models import Option
from vcsgrants.equity.selectors import comparison
from vcsgrants.funding.models import Allocation
from vcsgrants.funding.services import agreements as agreement_services
from vcsgrants.funding.services import programmes as programme_services

pytestmark = pytest.mark.django_db


@pytest.fixture
def areas(db):
    # Three districts with IMD scores, and the county-wide area.
    return {
        "north": AreaFactory(name="North Test", population=120_000, imd_score=Decimal("25.000")),
        "south": AreaFactory(name="South Test", population=80_000, imd_score=Decimal("10.000")),
        "west": AreaFactory(name="West Test", population=100_000, imd_score=Decimal("15.000")),
        "county": CountyAreaFactory(name="County Test"),
    }


@pytest.fixture
def funded(officer, areas):
    """£100,000.00 for 2023-24: £30,000 to each district and £10,000 county-wide."""
    districts = [areas["north"], areas["south"], areas["west"]]
    funded = funded_programme(actor=officer, areas=districts, start_years=(2023,), allocation=Decimal("30000.00"))
    programme_services.allocations_set(
        stream=funded.stream, year=year(2023), amounts={areas["county"]: Decimal("10000.00")}, actor=officer
    )
    return funded


def option(option_set, label, blend, weights=None, **constraints):
    return Option(option_set=option_set, label=label, blend=blend, weights=weights or {}, **constraints)


@pytest.fixture
def option_set(funded, officer):
    return services.option_set_from_districts(
        programme=funded.programme, stream=funded.stream, year=year(2023), name="Test options", actor=officer
    )


def test_districts_set_takes_population_imd_and_todays_allocations_and_leaves_out_county_money(option_set):
    rows = {a.name: a for a in option_set.areas.all()}
    assert set(rows) == {"North Test", "South Test", "West Test"}
    assert rows["North Test"].population == 120_000
    assert rows["North Test"].indicators == {"imd": "25.000"}
    assert rows["North Test"].current == Decimal("30000.00")
    # The budget is the year's £100,000 less the £10,000 allocated county-wide.
    assert option_set.budget == Decimal("90000.00")
    assert option_set.baseline == f"the 2023-24 allocations of {option_set.stream}"


def test_districts_without_imd_are_refused_by_name(funded, officer, areas):
    AreaFactory(name="Unscored Test", population=50_000, imd_score=None)
    with pytest.raises(ValidationError, match="Unscored Test"):
        services.option_set_from_districts(
            programme=funded.programme, stream=funded.stream, year=year(2023), name="x", actor=officer
        )


def test_per_head_option_shares_the_budget_by_population_to_the_penny(option_set, officer):
    services.option_create(option=option(option_set, "Per head", {"per_head": "1"}), actor=officer)
    result = comparison(option_set)
    allocations = {r.area.name: cell.allocation_pence for r in result.rows for cell in r.cells}
    # £90,000 over 300,000 people is 30p a head.
    assert allocations == {"North Test": 3_600_000, "South Test": 2_400_000, "West Test": 3_000_000}


def test_an_infeasible_option_is_refused_with_the_reason_and_not_saved(option_set, officer):
    with pytest.raises(ValidationError, match="cannot be met") as refused:
        services.option_create(
            option=option(option_set, "Too high a floor", {"equal": "1"}, floor=Decimal("40000.00")), actor=officer
        )
    assert "£120,000.00" in str(refused.value) or "120,000" in str(refused.value)
    assert not option_set.options.exists()


def test_weights_naming_an_unknown_indicator_are_refused(option_set, officer):
    with pytest.raises(ValidationError, match="rurality"):
        services.option_create(option=option(option_set, "x", {"needs": "1"}, {"rurality": "1"}), actor=officer)


def test_adopting_writes_the_allocations_reconciled_to_the_budget_and_audited(option_set, officer, funded):
    chosen = services.option_create(option=option(option_set, "Needs", {"needs": "1"}, {"imd": "1"}), actor=officer)
    preview = services.adoption_preview(chosen)
    assert preview.problems == []
    assert preview.total_after == Decimal("100000.00")
    services.option_adopt(option=chosen, actor=officer)
    amounts = dict(Allocation.objects.filter(stream=funded.stream, financial_year=year(2023)).values_list("area__name", "amount"))
    assert sum(amounts.values()) == Decimal("100000.00")
    assert amounts["County Test"] == Decimal("10000.00")  # untouched
    # North has the most people and the highest IMD: it gains most.
    assert amounts["North Test"] > amounts["West Test"] > amounts["South Test"]
    chosen.refresh_from_db()
    assert chosen.adopted_by == officer and chosen.adopted_at is not None
    verbs = [e.verb for e in events_for(option_set)]
    assert "equity.option_adopted" in verbs


def test_adoption_is_refused_when_it_would_not_reconcile_to_the_budget(funded, officer):
    cut = services.option_set_from_districts(
        programme=funded.programme,
        stream=funded.stream,
        year=year(2023),
        name="A 12% cut",
        actor=officer,
        budget=Decimal("79200.00"),
    )
    chosen = services.option_create(option=option(cut, "Equal", {"equal": "1"}), actor=officer)
    preview = services.adoption_preview(chosen)
    assert any("less than its budget of £100,000.00" in p for p in preview.problems)
    before = list(Allocation.objects.values_list("area_id", "amount"))
    with pytest.raises(ValidationError, match="reconcile to the penny"):
        services.option_adopt(option=chosen, actor=officer)
    assert list(Allocation.objects.values_list("area_id", "amount")) == before
    chosen.refresh_from_db()
    assert chosen.adopted_at is None


def test_adoption_is_refused_below_what_agreements_already_commit(option_set, officer, funded, areas):
    from tests.factories import OrganisationFactory

    agreement = agreement_services.agreement_create(
        programme=funded.programme,
        organisation=OrganisationFactory(),
        areas=[areas["south"]],
        title="South SLA",
        start_date=year(2023).start,
        end_date=year(2023).end,
        lines=[line(funded.stream, year(2023), areas["south"], "29000.00")],
        actor=officer,
    )
    assert agreement.pk
    # Per head gives South £24,000, less than the £29,000 its agreement commits.
    chosen = services.option_create(option=option(option_set, "Per head", {"per_head": "1"}), actor=officer)
    with pytest.raises(ValidationError, match="South Test: agreements already commit £29,000.00"):
        services.option_adopt(option=chosen, actor=officer)


def test_an_uploaded_set_reports_every_problem_with_row_and_column_and_saves_nothing(funded, officer):
    data = b"area_id,name,population,current,imd\nA1,Alpha,100,50,1\nA1,Beta,-5,50,2\n"
    with pytest.raises(ValidationError) as refused:
        services.option_set_from_csv(
            programme=funded.programme,
            stream=funded.stream,
            year=year(2023),
            name="Wards",
            budget=Decimal("100.00"),
            filename="wards.csv",
            data=data,
            actor=officer,
        )
    messages = " ".join(refused.value.messages)
    assert "wards.csv" in messages and "Row 3" in messages and "population" in messages
    assert not funded.programme.option_sets.exists()


def test_an_uploaded_ward_set_is_compared_but_cannot_be_adopted(funded, officer):
    data = "area_id,name,population,current,imd,rurality\nW1,Ward one,1000,60,20,0.5\nW2,Ward two,3000,40,10,0.1\n"
    option_set = services.option_set_from_csv(
        programme=funded.programme,
        stream=funded.stream,
        year=year(2023),
        name="Wards",
        budget=Decimal("100.00"),
        filename="wards.csv",
        data=data.encode(),
        actor=officer,
    )
    assert option_set.indicators == ["imd", "rurality"]
    chosen = services.option_create(
        option=option(option_set, "Needs", {"needs": "1"}, {"imd": "0.5", "rurality": "0.5"}), actor=officer
    )
    result = comparison(option_set)
    assert sum(c.allocation_pence for r in result.rows for c in r.cells) == 10_000
    preview = services.adoption_preview(chosen)
    assert any("only an option over the council's districts can be adopted" in p for p in preview.problems)


def test_an_adopted_option_cannot_be_removed(option_set, officer):
    chosen = services.option_create(option=option(option_set, "Current", {"current": "1"}), actor=officer)
    services.option_adopt(option=chosen, actor=officer)
    with pytest.raises(ValidationError, match="stays as the record"):
        services.option_delete(option=chosen, actor=officer)


def test_adopting_from_a_page_opened_before_the_allocations_changed_is_refused(option_set, officer, funded, areas):
    """The confirmation page shows today's allocations beside the option's; if someone changes them before the
    officer confirms, the adoption is refused with what changed (core.concurrency), and nothing is written."""
    from django.test import Client
    from django.urls import reverse

    from tests.factories import UserFactory
    from tests.versions import opened_form
    from vcsgrants.core.concurrency import HEADLINE
    from vcsgrants.core.models import Role

    chosen = services.option_create(option=option(option_set, "Needs", {"needs": "1"}, {"imd": "1"}), actor=officer)
    url = reverse("equity:equity-option-adopt", args=[chosen.pk])
    adopter, other = Client(), Client()
    adopter.force_login(officer)
    other.force_login(UserFactory(roles=[Role.OFFICER], first_name="Bob", last_name="Baker"))
    form = opened_form(adopter, url)
    allocations_url = reverse("funding:allocations-edit", args=[funded.programme.slug, funded.stream.pk]) + "?year=2023-24"
    other_form = opened_form(other, allocations_url)
    other_form[f"area_{areas['north'].pk}"] = ["31000.00"]
    other_form[f"area_{areas['south'].pk}"] = ["29000.00"]
    assert other.post(allocations_url, other_form).status_code == 302

    page = adopter.post(url, form).content.decode()
    assert HEADLINE in page and "North Test: £30,000.00 → £31,000.00" in page
    amounts = dict(Allocation.objects.filter(stream=funded.stream, financial_year=year(2023)).values_list("area__name", "amount"))
    assert amounts["North Test"] == Decimal("31000.00") and amounts["South Test"] == Decimal("29000.00")
    chosen.refresh_from_db()
    assert chosen.adopted_at is None
