"""A small programme with every case the 360Giving mapping has to get right, built through the services.

- the council (Org-ID GB-LAE-DBY, from the data file), its Public Health department and a separate NHS partner;
- an approved programme period 1 Apr 2022 – 31 Mar 2024 citing a Cabinet decision of 10 Feb 2022;
- SLA A: two districts, 2022-23 and 2023-24, original end 30 Sep 2023; a value-change variation adds one-off Public
  Health money to 2022-23 (decision of 15 Jan 2023); an extension to 31 Mar 2024 adds core money to 2023-24
  (decision of 1 Feb 2023);
- SLA B: county-wide, 2023-24 only, co-funded by the NHS partner;
- SLA C: its 2023-24 money comes only from an extension approved on 20 Mar 2023 with no decision record;
- SLA D: a draft with money, which must never be published.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import pytest

from tests.factories import (
    AreaFactory,
    CountyAreaFactory,
    DecisionFactory,
    FundingStreamFactory,
    OrganisationFactory,
    ProgrammeFactory,
    UserFactory,
    funded_programme,
    line,
)
from vcsgrants.core.models import Organisation, Role
from vcsgrants.demo.funding import council_org_id
from vcsgrants.funding.models import Agreement, FundingStream, ProgrammePeriod, Variation
from vcsgrants.funding.services import agreements as agreement_services
from vcsgrants.funding.services import programmes as programme_services


@dataclass
class Scene:
    officer: object
    council: Organisation
    public_health: Organisation
    nhs: Organisation
    provider: Organisation
    programme: object
    core: FundingStream
    one_off: FundingStream
    cofund: FundingStream
    districts: list
    county: object
    fy2022: object
    fy2023: object
    a: Agreement
    b: Agreement
    c: Agreement
    d: Agreement


def _stream(programme, *, name, funder, recurrence, start, end, years, areas, actor, amount="20000.00"):
    stream = FundingStreamFactory(programme=programme, name=name, funder=funder, recurrence=recurrence, start=start, end=end)
    for fy in years:
        programme_services.budget_set(stream=stream, year=fy, amount=Decimal(amount) * len(areas), actor=actor)
        programme_services.allocations_set(stream=stream, year=fy, amounts=dict.fromkeys(areas, Decimal(amount)), actor=actor)
    return stream


@pytest.fixture
def scene(db) -> Scene:
    officer = UserFactory(roles=[Role.OFFICER])
    council = OrganisationFactory(
        name="Test County Council", slug="test-county-council", kind=Organisation.Kind.FUNDER, org_id=council_org_id()
    )
    public_health = OrganisationFactory(
        name="Test County Council Public Health", slug="test-public-health", kind=Organisation.Kind.PARTNER, parent=council
    )
    nhs = OrganisationFactory(name="Test NHS Partner", slug="test-nhs", kind=Organisation.Kind.PARTNER, org_id="GB-NHS-TST01")
    provider = OrganisationFactory(
        name="Test Voluntary Action", slug="test-va", org_id="GB-CHC-1234567", charity_number="1234567", company_number="01234567"
    )
    other = OrganisationFactory(
        name="Second Test Provider", slug="second-test", org_id="GB-COH-07654321", company_number="07654321"
    )
    districts = [
        AreaFactory(gss_code="E07900001", name="Test District One"),
        AreaFactory(gss_code="E07900002", name="Test District Two"),
    ]
    county = CountyAreaFactory(gss_code="E10900001", name="Test County")
    areas = [*districts, county]
    programme = ProgrammeFactory(name="Test infrastructure programme", slug="test-infra", funder=council)
    funded = funded_programme(
        actor=officer,
        areas=areas,
        start_years=(2022, 2023),
        programme=programme,
        stream_name="Core grant",
        allocation=Decimal("30000.00"),
    )
    fy2022, fy2023 = funded.years
    core = funded.stream
    one_off = _stream(
        programme,
        name="Public Health one-off",
        funder=public_health,
        recurrence=FundingStream.Recurrence.ONE_OFF,
        start=dt.date(2022, 4, 1),
        end=dt.date(2023, 3, 31),
        years=[fy2022],
        areas=areas,
        actor=officer,
    )
    cofund = _stream(
        programme,
        name="NHS contribution",
        funder=nhs,
        recurrence=FundingStream.Recurrence.RECURRENT,
        start=dt.date(2022, 4, 1),
        end=None,
        years=[fy2022, fy2023],
        areas=areas,
        actor=officer,
    )
    approval = DecisionFactory(decision_date=dt.date(2022, 2, 10), recorded_by=officer)
    programme_services.period_record(
        programme=programme,
        kind=ProgrammePeriod.Kind.APPROVED,
        start=dt.date(2022, 4, 1),
        end=dt.date(2024, 3, 31),
        approved_by="Cabinet",
        approved_on=dt.date(2022, 2, 10),
        decision=approval,
        actor=officer,
    )
    d1, d2 = districts

    a = agreement_services.agreement_create(
        programme=programme,
        organisation=provider,
        areas=districts,
        title="Infrastructure support: Test Voluntary Action",
        start_date=dt.date(2022, 4, 1),
        end_date=dt.date(2023, 9, 30),
        actor=officer,
        reference="SLA-T-001",
        lines=[
            line(core, fy2022, d1, "10000.00"),
            line(core, fy2022, d2, "5000.50"),
            line(core, fy2023, d1, "4000.00"),
        ],
    )
    agreement_services.agreement_set_status(agreement=a, status=Agreement.Status.ACTIVE, actor=officer)
    agreement_services.variation_create(
        agreement=a,
        kind=Variation.Kind.VALUE_CHANGE,
        reason="One-off Public Health money",
        approved_by="Cabinet",
        approved_on=dt.date(2023, 1, 15),
        decision=DecisionFactory(decision_date=dt.date(2023, 1, 15), recorded_by=officer),
        actor=officer,
        lines=[line(one_off, fy2022, d1, "2500.25")],
    )
    agreement_services.variation_create(
        agreement=a,
        kind=Variation.Kind.EXTENSION,
        new_end_date=dt.date(2024, 3, 31),
        reason="Extend to the end of 2023-24",
        approved_by="Cabinet",
        approved_on=dt.date(2023, 2, 1),
        decision=DecisionFactory(decision_date=dt.date(2023, 2, 1), recorded_by=officer),
        actor=officer,
        lines=[line(core, fy2023, d1, "6000.00")],
    )

    b = agreement_services.agreement_create(
        programme=programme,
        organisation=provider,
        areas=[county],
        title="County-wide infrastructure support",
        start_date=dt.date(2023, 4, 1),
        end_date=dt.date(2024, 3, 31),
        actor=officer,
        reference="SLA-T-002",
        lines=[line(core, fy2023, county, "1000.00"), line(cofund, fy2023, county, "3000.00")],
    )
    agreement_services.agreement_set_status(agreement=b, status=Agreement.Status.ACTIVE, actor=officer)

    c = agreement_services.agreement_create(
        programme=programme,
        organisation=other,
        areas=[d2],
        title="Volunteering support: Second Test Provider",
        start_date=dt.date(2022, 4, 1),
        end_date=dt.date(2023, 3, 31),
        actor=officer,
        reference="SLA-T-003",
        lines=[line(core, fy2022, d2, "7000.00")],
    )
    agreement_services.agreement_set_status(agreement=c, status=Agreement.Status.ACTIVE, actor=officer)
    agreement_services.variation_create(
        agreement=c,
        kind=Variation.Kind.EXTENSION,
        new_end_date=dt.date(2024, 3, 31),
        reason="A further year",
        approved_by="Director of Public Health",
        approved_on=dt.date(2023, 3, 20),
        actor=officer,
        lines=[line(core, fy2023, d2, "7100.00")],
    )

    d = agreement_services.agreement_create(
        programme=programme,
        organisation=other,
        areas=[d1],
        title="Draft: not agreed yet",
        start_date=dt.date(2023, 4, 1),
        end_date=dt.date(2024, 3, 31),
        actor=officer,
        reference="SLA-T-004",
        lines=[line(core, fy2023, d1, "999.00")],
    )
    return Scene(
        officer,
        council,
        public_health,
        nhs,
        provider,
        programme,
        core,
        one_off,
        cofund,
        districts,
        county,
        fy2022,
        fy2023,
        a,
        b,
        c,
        d,
    )


@pytest.fixture
def today():
    return dt.date(2024, 6, 1)


def by_id(grants) -> dict:
    return {g["id"]: g for g in grants}


PREFIX = "360G-GB-LAE-DBY"
