"""Agreements read from the records become the grants the officer would publish: one per agreement and year."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db.models import Max
from django.utils import timezone

from tests.factories import DecisionFactory, OrganisationFactory, line, year
from tests.opendata.conftest import PREFIX
from vcsgrants.funding.models import Agreement, FundingLine, MoneySum, Variation
from vcsgrants.funding.services import agreements as agreement_services
from vcsgrants.funding.services import programmes as programme_services
from vcsgrants.opendata import quality, schema, selectors

pytestmark = pytest.mark.django_db


def grants(**kwargs) -> dict[str, dict]:
    return {g.grant["id"]: g.grant for g in selectors.grants_now(**kwargs)}


def test_one_grant_per_agreement_and_year_with_money_and_never_a_draft(scene):
    assert sorted(grants()) == [
        f"{PREFIX}-SLA-T-001-2022-23",
        f"{PREFIX}-SLA-T-001-2023-24",
        f"{PREFIX}-SLA-T-002-2023-24",
        f"{PREFIX}-SLA-T-003-2022-23",
        f"{PREFIX}-SLA-T-003-2023-24",
    ]
    assert scene.d.status == Agreement.Status.DRAFT
    assert not any("SLA-T-004" in gid for gid in grants())


def test_the_amount_is_the_exact_sum_of_the_years_funding_lines(scene):
    found = grants()
    for (reference, start_year), expected in {
        ("SLA-T-001", 2022): Decimal("17500.75"),  # 10,000.00 + 5,000.50 + the variation's 2,500.25
        ("SLA-T-001", 2023): Decimal("10000.00"),
        ("SLA-T-002", 2023): Decimal("4000.00"),
    }.items():
        summed = FundingLine.objects.filter(agreement__reference=reference, financial_year__start_year=start_year).aggregate(
            t=MoneySum("amount")
        )["t"]
        label = f"{start_year}-{(start_year + 1) % 100:02d}"
        assert summed == expected
        assert Decimal(repr(found[f"{PREFIX}-{reference}-{label}"]["amountAwarded"])) == expected


def test_award_dates_follow_the_decision_that_authorised_the_years_first_money(scene):
    found = grants()
    # Original terms: the decision of the programme period covering the start, though a variation added money later.
    assert found[f"{PREFIX}-SLA-T-001-2022-23"]["awardDate"] == "2022-02-10"
    assert found[f"{PREFIX}-SLA-T-001-2023-24"]["awardDate"] == "2022-02-10"
    # Money only from a variation approved without a decision record: the date it was approved.
    assert found[f"{PREFIX}-SLA-T-003-2023-24"]["awardDate"] == "2023-03-20"


def test_a_year_funded_by_a_variation_takes_the_date_of_the_decision_it_cites(scene):
    fy2024 = year(2024)
    programme_services.budget_set(stream=scene.core, year=fy2024, amount=Decimal("5000.00"), actor=scene.officer)
    programme_services.allocations_set(
        stream=scene.core, year=fy2024, amounts={scene.county: Decimal("5000.00")}, actor=scene.officer
    )
    agreement_services.variation_create(
        agreement=scene.b,
        kind=Variation.Kind.EXTENSION,
        new_end_date=dt.date(2025, 3, 31),
        reason="Another year",
        approved_by="Cabinet",
        approved_on=dt.date(2024, 2, 20),
        decision=DecisionFactory(decision_date=dt.date(2024, 2, 8), recorded_by=scene.officer),
        actor=scene.officer,
        lines=[line(scene.core, fy2024, scene.county, "1000.00")],
    )
    found = grants()
    assert found[f"{PREFIX}-SLA-T-002-2024-25"]["awardDate"] == "2024-02-08"
    assert found[f"{PREFIX}-SLA-T-002-2023-24"]["awardDate"] == "2022-02-10"  # unchanged


def test_without_a_period_covering_the_start_the_award_date_is_the_day_the_agreement_was_created(scene):
    early = agreement_services.agreement_create(
        programme=scene.programme,
        organisation=scene.council,
        areas=[scene.county],
        title="Started before the approved period",
        start_date=dt.date(2022, 1, 1),
        end_date=dt.date(2023, 3, 31),
        actor=scene.officer,
        reference="SLA-T-009",
        lines=[line(scene.core, scene.fy2022, scene.county, "100.00")],
    )
    agreement_services.agreement_set_status(agreement=early, status=Agreement.Status.ACTIVE, actor=scene.officer)
    grant = grants()[f"{PREFIX}-SLA-T-009-2022-23"]
    assert grant["awardDate"] == timezone.localtime(early.created_at).date().isoformat()
    assert grant["plannedDates"][0]["startDate"] == "2022-04-01"  # the part of the agreement within 2022-23


def test_planned_dates_follow_extensions(scene):
    found = grants()
    # SLA-T-001 originally ended 30 Sep 2023; its extension runs it to 31 Mar 2024.
    assert found[f"{PREFIX}-SLA-T-001-2023-24"]["plannedDates"] == [
        {"startDate": "2023-04-01", "endDate": "2024-03-31", "duration": 12}
    ]
    assert found[f"{PREFIX}-SLA-T-003-2022-23"]["plannedDates"] == [
        {"startDate": "2022-04-01", "endDate": "2023-03-31", "duration": 12}
    ]


def test_places_organisations_and_programme(scene):
    found = grants()
    a22 = found[f"{PREFIX}-SLA-T-001-2022-23"]
    assert [(p["name"], p["geoCode"], p["geoCodeType"]) for p in a22["beneficiaryLocation"]] == [
        ("Test District One", "E07900001", "NMD"),
        ("Test District Two", "E07900002", "NMD"),
    ]
    assert a22["recipientOrganization"] == [
        {"id": "GB-CHC-1234567", "name": "Test Voluntary Action", "charityNumber": "1234567", "companyNumber": "01234567"}
    ]
    # Core and Public Health money together: the council, with no single department.
    assert a22["fundingOrganization"] == [{"id": "GB-LAE-DBY", "name": "Test County Council"}]
    assert "funded by Test County Council Public Health" in a22["description"]
    b23 = found[f"{PREFIX}-SLA-T-002-2023-24"]
    assert b23["beneficiaryLocation"] == [
        {"name": "Test County", "countryCode": "GB", "geoCode": "E10900001", "geoCodeType": "CTY"}
    ]
    assert b23["fundingOrganization"] == [{"id": "GB-LAE-DBY", "name": "Test County Council"}]
    assert "£3,000.00 from NHS contribution (recurrent; funded by Test NHS Partner)" in b23["description"]
    assert a22["grantProgramme"] == [{"code": "test-infra", "title": "Test infrastructure programme"}]


def test_last_modified_is_the_agreements_last_change(scene):
    last = Variation.objects.filter(agreement=scene.a).aggregate(m=Max("created_at"))["m"]
    grant = grants()[f"{PREFIX}-SLA-T-001-2022-23"]
    assert dt.datetime.fromisoformat(grant["dateModified"]) == last.replace(microsecond=0)
    unvaried = grants()[f"{PREFIX}-SLA-T-002-2023-24"]
    assert dt.datetime.fromisoformat(unvaried["dateModified"]) == scene.b.created_at.replace(microsecond=0)


def test_every_grant_is_valid_and_clean(scene, today):
    found = list(grants().values())
    assert all(schema.grant_errors(g) == [] for g in found)
    assert quality.check_grants(found, today=today, expected_funder="GB-LAE-DBY") == []


def test_identifiers_are_stable_and_filters_narrow_the_list(scene):
    first = grants()
    again = grants()
    assert first == again
    assert sorted(grants(year=scene.fy2022)) == [f"{PREFIX}-SLA-T-001-2022-23", f"{PREFIX}-SLA-T-003-2022-23"]
    assert sorted(grants(agreement_ids=[scene.b.pk])) == [f"{PREFIX}-SLA-T-002-2023-24"]


def test_the_query_count_does_not_grow_with_the_number_of_grants(scene, django_assert_max_num_queries):
    # 10: the grants and their lines, areas, organisations and funders, and the council's settings (the publisher).
    with django_assert_max_num_queries(10):
        assert len(list(selectors.grants_now())) == 5
    for n in range(20):
        agreement = agreement_services.agreement_create(
            programme=scene.programme,
            organisation=OrganisationFactory(),
            areas=[scene.districts[1]],
            title=f"More support {n}",
            start_date=dt.date(2022, 4, 1),
            end_date=dt.date(2023, 3, 31),
            actor=scene.officer,
            lines=[line(scene.core, scene.fy2022, scene.districts[1], "10.00")],
        )
        agreement_services.agreement_set_status(agreement=agreement, status=Agreement.Status.ACTIVE, actor=scene.officer)
    with django_assert_max_num_queries(10):
        assert len(list(selectors.grants_now())) == 25
