"""A small world for the API tests, built through the funding services as a user would build it.

Two programmes run by the council:
- Community Support: a council "Core grant" stream and a one-off "Public Health top-up" co-funded
  by Public Health (a partner). Provider One holds SLA-A1 in Amber Valley, paid partly in 2022-23,
  extended by a variation into 2023-24.
- Warm Spaces: a council stream and one co-funded by Rural Trust (another partner). Provider Two
  holds SLA-B1 in Bolsover.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.test import Client

from tests.factories import hashed_test_password
from vcsgrants.api.models import ApiToken
from vcsgrants.core.models import Area, FinancialYear, Organisation, Role, User
from vcsgrants.core.services import financial_year_get
from vcsgrants.funding.models import Agreement, Decision, FundingStream, Programme
from vcsgrants.funding.services import agreements as agreement_services
from vcsgrants.funding.services import payments as payment_services
from vcsgrants.funding.services import programmes as programme_services

LIST_ENDPOINTS = ["programmes", "funding-streams", "allocations", "organisations", "agreements", "payments"]


def make_user(username: str, role: str | None, organisation: Organisation | None) -> User:
    user = User.objects.create(username=username, password=hashed_test_password(), organisation=organisation)
    if role:
        user.groups.add(Group.objects.get_or_create(name=role)[0])
    return user


def make_org(name: str, kind: str) -> Organisation:
    return Organisation.objects.create(name=name, slug=name.lower().replace(" ", "-"), kind=kind)


def line(stream: FundingStream, year: FinancialYear, area: Area, amount: str) -> agreement_services.LineInput:
    return agreement_services.LineInput(stream=stream, financial_year=year, area=area, amount=Decimal(amount))


@dataclass
class World:
    fy2022: FinancialYear
    fy2023: FinancialYear
    amber: Area
    bolsover: Area
    council: Organisation
    public_health: Organisation
    rural_trust: Organisation
    provider_one: Organisation
    provider_two: Organisation
    officer: User
    finance: User
    partner: User  # Public Health: co-funds Community Support only
    partner_two: User  # Rural Trust: co-funds Warm Spaces only
    provider: User  # Provider One
    provider_other: User  # Provider Two
    nobody: User  # signed in, no role
    community: Programme
    warm: Programme
    core: FundingStream
    top_up: FundingStream
    warm_core: FundingStream
    rural: FundingStream
    decision: Decision
    sla_a: Agreement
    sla_b: Agreement


@pytest.fixture
def world(db) -> World:
    fy2022, fy2023 = financial_year_get(start_year=2022), financial_year_get(start_year=2023)
    amber = Area.objects.create(gss_code="E07000032", name="Amber Valley", population=126_000)
    bolsover = Area.objects.create(gss_code="E07000033", name="Bolsover", population=80_000)
    Area.objects.create(gss_code="E10000007", name="Derbyshire", kind=Area.Kind.COUNTY)

    council = make_org("Derbyshire County Council", Organisation.Kind.FUNDER)
    public_health = make_org("Public Health", Organisation.Kind.PARTNER)
    rural_trust = make_org("Rural Trust", Organisation.Kind.PARTNER)
    provider_one = make_org("Provider One", Organisation.Kind.PROVIDER)
    provider_two = make_org("Provider Two", Organisation.Kind.PROVIDER)

    officer = make_user("officer", Role.OFFICER, council)
    finance = make_user("finance", Role.FINANCE, council)
    partner = make_user("partner", Role.PARTNER, public_health)
    partner_two = make_user("partner-two", Role.PARTNER, rural_trust)
    provider = make_user("provider", Role.PROVIDER, provider_one)
    provider_other = make_user("provider-other", Role.PROVIDER, provider_two)
    nobody = make_user("nobody", None, None)

    community = Programme.objects.create(name="Community Support", slug="community-support", funder=council)
    warm = Programme.objects.create(name="Warm Spaces", slug="warm-spaces", funder=council)
    april_2022 = dt.date(2022, 4, 1)
    core = FundingStream.objects.create(
        programme=community, name="Core grant", funder=council, recurrence=FundingStream.Recurrence.RECURRENT, start=april_2022
    )
    top_up = FundingStream.objects.create(
        programme=community,
        name="Public Health top-up",
        funder=public_health,
        recurrence=FundingStream.Recurrence.ONE_OFF,
        start=april_2022,
        end=dt.date(2023, 3, 31),
    )
    warm_core = FundingStream.objects.create(
        programme=warm, name="Warm spaces grant", funder=council, recurrence=FundingStream.Recurrence.RECURRENT, start=april_2022
    )
    rural = FundingStream.objects.create(
        programme=warm,
        name="Rural warm hubs",
        funder=rural_trust,
        recurrence=FundingStream.Recurrence.RECURRENT,
        start=april_2022,
    )

    for stream, year, budget, amounts in [
        (core, fy2022, "100000.00", {amber: "40000.00", bolsover: "40000.00"}),
        (core, fy2023, "90000.00", {amber: "45000.00"}),
        (top_up, fy2022, "20000.50", {amber: "10000.00"}),
        (warm_core, fy2022, "50000.00", {bolsover: "25000.00"}),
        (rural, fy2022, "8000.00", {bolsover: "8000.00"}),
    ]:
        programme_services.budget_set(stream=stream, year=year, amount=Decimal(budget), actor=officer)
        programme_services.allocations_set(
            stream=stream, year=year, amounts={a: Decimal(v) for a, v in amounts.items()}, actor=officer
        )

    sla_a = agreement_services.agreement_create(
        programme=community,
        organisation=provider_one,
        areas=[amber],
        title="Community hubs in Amber Valley",
        start_date=april_2022,
        end_date=dt.date(2023, 3, 31),
        actor=officer,
        reference="SLA-A1",
        lines=[line(core, fy2022, amber, "1234.50"), line(top_up, fy2022, amber, "500.00")],
    )
    agreement_services.agreement_set_status(agreement=sla_a, status=Agreement.Status.ACTIVE, actor=officer)
    decision = Decision.objects.create(
        title="Extend community hubs",
        decision_date=dt.date(2023, 2, 10),
        meeting="Cabinet, 10 February 2023",
        recorded_by=officer,
    )
    agreement_services.variation_create(
        agreement=sla_a,
        kind="extension",
        new_end_date=dt.date(2024, 3, 31),
        reason="Extended at current levels for a year.",
        approved_by="Cabinet",
        approved_on=dt.date(2023, 2, 10),
        decision=decision,
        actor=officer,
        lines=[line(core, fy2023, amber, "1000.00")],
    )
    first = sla_a.instalments.filter(financial_year=fy2022).order_by("due_date").first()
    payment_services.payment_record(
        instalment=first, paid_on=dt.date(2022, 4, 5), amount=first.amount, actor=finance, reference="PAY-1"
    )

    sla_b = agreement_services.agreement_create(
        programme=warm,
        organisation=provider_two,
        areas=[bolsover],
        title="Warm spaces in Bolsover",
        start_date=april_2022,
        end_date=dt.date(2023, 3, 31),
        actor=officer,
        reference="SLA-B1",
        lines=[line(warm_core, fy2022, bolsover, "2000.00"), line(rural, fy2022, bolsover, "300.00")],
    )
    agreement_services.agreement_set_status(agreement=sla_b, status=Agreement.Status.ACTIVE, actor=officer)

    return World(
        fy2022=fy2022, fy2023=fy2023, amber=amber, bolsover=bolsover, council=council, public_health=public_health,
        rural_trust=rural_trust, provider_one=provider_one, provider_two=provider_two, officer=officer, finance=finance,
        partner=partner, partner_two=partner_two, provider=provider, provider_other=provider_other, nobody=nobody,
        community=community, warm=warm, core=core, top_up=top_up, warm_core=warm_core, rural=rural, decision=decision,
        sla_a=sla_a, sla_b=sla_b,
    )  # fmt: skip


class TokenClient:
    """GETs /api/ with `Authorization: Bearer <token>` and no session."""

    def __init__(self, token: str):
        self.token = token
        self.client = Client()

    def get(self, path: str, **params):
        return self.client.get(path, params, headers={"Authorization": f"Bearer {self.token}"})


@pytest.fixture
def api_as():
    """api_as(user) → a client that authenticates as the user with a fresh API token."""

    def make(user: User) -> TokenClient:
        return TokenClient(ApiToken.issue(user, name="tests")[1])

    return make


# KPIs, targets and quarterly returns joined the API after the endpoints above. Extending the list here
# (the file is only appended to) puts them in every walk over LIST_ENDPOINTS: 401 without credentials,
# 403 without a role, the API root and the OpenAPI document.
LIST_ENDPOINTS.extend(["kpis", "kpi-targets", "returns"])
LIST_ENDPOINTS.append("option-sets")  # equity options: council staff only
LIST_ENDPOINTS.extend(["decisions", "meetings", "actions", "consultations"])  # engagement and decisions
LIST_ENDPOINTS.append("variations")  # variations of agreements, with their writes (api/views/funding.py)
from tests.api.writing import api  # noqa: E402, F401 — api(user): a token client that also POSTs, PATCHes and DELETEs JSON
