"""The demo's funding partners and multi-year funding (illustrative; every body and figure here is fictional).

The Cabinet minute names a real NHS partner (the Derby and Derbyshire CCG, which became part of the
Integrated Care System) but gives no figure for it, and a real body must never carry an invented figure.
So the demo shows co-funding and succession with fictional bodies, named "(demo)":

- "Peak and Dales Clinical Commissioning Group (demo)" is succeeded on 1 July 2022 (the date CCGs gave way
  to Integrated Care Boards) by "Peak and Dales Integrated Care Board (demo)". It contributes £20,000.00 a
  year to the core grant in 2021-22 and 2022-23, so the 2022-23 contribution spans the succession and shows
  under both names for their periods. The core grant's budgets, allocations and agreements are unchanged:
  the £452,228 stays as the minute has it; only who pays for it is shared.
- A second, fictional programme, "Wellbeing infrastructure partnership (demo)", is funded by the ICB (demo)
  with a contribution from "Peak and Dales Community Foundation (demo)". Two of the demo's providers hold
  multi-year agreements in it from 2023-24 to 2025-26: one agreed as multi-year (2.7% uplift), one annual
  agreement converted by variation (2% uplift). The 2024-25 budget, set afterwards, is less than those
  commitments and 2025-26 has no budget yet, so the commitments forecast flags both years.

Everything goes through the services, like a user's actions. Idempotent: each part is written once.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth.models import Group
from django.db import transaction
from django.utils.text import slugify

from vcsgrants.core.models import Area, Organisation, Role, User
from vcsgrants.core.services import financial_year_get
from vcsgrants.demo.names import demo_name, name_demo_user
from vcsgrants.funding.models import (
    Agreement,
    FundingStream,
    PaymentInstalment,
    Programme,
    ProgrammePeriod,
    StreamContribution,
)
from vcsgrants.funding.services import agreements as agreement_services
from vcsgrants.funding.services import multiyear as services_multiyear
from vcsgrants.funding.services import partners as services_partners
from vcsgrants.funding.services import payments as payment_services
from vcsgrants.funding.services import programmes as programme_services

CCG_NAME = "Peak and Dales Clinical Commissioning Group (demo)"
ICB_NAME = "Peak and Dales Integrated Care Board (demo)"
FOUNDATION_NAME = "Peak and Dales Community Foundation (demo)"
SUCCEEDED_ON = dt.date(2022, 7, 1)
NHS_USERNAME = "partner-nhs-demo"
NHS_CONTRIBUTION = Decimal("20000.00")  # a year, illustrative
ILLUSTRATIVE = "Illustrative: a fictional partner body; the Cabinet minute gives no figure for the NHS partner."

PROGRAMME_SLUG = "wellbeing-partnership-demo"
PROGRAMME_NAME = "Wellbeing infrastructure partnership (demo)"
STREAM_NAME = "Wellbeing infrastructure grant (demo)"
DALES_GSS, HIGH_PEAK_GSS = "E07000035", "E07000037"
MULTI_YEAR_PROVIDER = "Curlew Rural Action (demo)"  # Derbyshire Dales
CONVERTED_PROVIDER = "Skylark Community Link (demo)"  # High Peak


@dataclass
class MultiYearDemo:
    loaded: bool
    users: dict[str, User] = field(default_factory=dict)


def _organisations() -> tuple[Organisation, Organisation, Organisation]:
    icb, _ = Organisation.objects.get_or_create(
        slug=slugify(ICB_NAME), defaults={"name": ICB_NAME, "kind": Organisation.Kind.PARTNER, "is_demo": True}
    )
    ccg, _ = Organisation.objects.get_or_create(
        slug=slugify(CCG_NAME),
        defaults={
            "name": CCG_NAME,
            "kind": Organisation.Kind.PARTNER,
            "is_demo": True,
            "successor": icb,
            "succeeded_on": SUCCEEDED_ON,
        },
    )
    foundation, _ = Organisation.objects.get_or_create(
        slug=slugify(FOUNDATION_NAME), defaults={"name": FOUNDATION_NAME, "kind": Organisation.Kind.PARTNER, "is_demo": True}
    )
    return ccg, icb, foundation


def _partner_user(organisation: Organisation, password: str) -> User:
    user, created = User.objects.get_or_create(
        username=NHS_USERNAME, defaults={"organisation": organisation, **demo_name(NHS_USERNAME)}
    )
    name_demo_user(user)
    if created or not user.check_password(password):
        user.set_password(password)
        user.save(update_fields=["password"])
    user.groups.add(Group.objects.get_or_create(name=Role.PARTNER.value)[0])
    return user


def _core_stream(programme: Programme) -> FundingStream:
    return programme.streams.get(recurrence=FundingStream.Recurrence.RECURRENT, funder=programme.funder)


@transaction.atomic
def load_multiyear_demo(programme: Programme, *, officer: User, finance: User, password: str) -> MultiYearDemo:
    """programme is the demo's VCS infrastructure programme; returns whether anything was written, and the demo
    partner user (partner-nhs-demo, of the fictional ICB) for the list of logins."""
    ccg, icb, foundation = _organisations()
    result = MultiYearDemo(loaded=False, users={NHS_USERNAME: _partner_user(icb, password)})
    core = _core_stream(programme)
    if not StreamContribution.objects.filter(stream=core, funder=ccg).exists():
        for start_year in (2021, 2022):
            services_partners.contribution_set(
                stream=core,
                year=financial_year_get(start_year=start_year),
                funder=ccg,
                amount=NHS_CONTRIBUTION,
                note=ILLUSTRATIVE,
                actor=finance,
            )
        result.loaded = True
    if not Programme.objects.filter(slug=PROGRAMME_SLUG).exists():
        _load_partnership(icb=icb, foundation=foundation, officer=officer, finance=finance)
        result.loaded = True
    return result


def _load_partnership(*, icb: Organisation, foundation: Organisation, officer: User, finance: User) -> None:
    fy = {start: financial_year_get(start_year=start) for start in (2023, 2024, 2025)}
    dales, high_peak = Area.objects.get(gss_code=DALES_GSS), Area.objects.get(gss_code=HIGH_PEAK_GSS)
    programme = Programme.objects.create(
        name=PROGRAMME_NAME,
        slug=PROGRAMME_SLUG,
        funder=icb,
        is_demo=True,
        description=(
            "A fictional partnership programme showing multi-year funding and co-funding: the funders are fictional "
            "bodies and every figure is illustrative. It runs alongside the council's core provision, through the same "
            "agreements, KPIs and reporting."
        ),
    )
    programme_services.period_record(
        programme=programme,
        kind=ProgrammePeriod.Kind.APPROVED,
        start=fy[2023].start,
        end=fy[2023].end,
        approved_by="Peak and Dales ICB board (demo)",
        approved_on=dt.date(2023, 3, 9),
        actor=officer,
        note="Illustrative. The multi-year agreements commit money beyond this period, subject to future budgets.",
    )
    stream = programme_services.stream_save(
        stream=FundingStream(
            programme=programme,
            name=STREAM_NAME,
            funder=icb,
            recurrence=FundingStream.Recurrence.RECURRENT,
            start=fy[2023].start,
            description="Illustrative: the fictional ICB's recurrent grant, with a contribution from a fictional foundation.",
        ),
        actor=officer,
    )
    programme_services.budget_set(stream=stream, year=fy[2023], amount=Decimal("80000.00"), actor=finance)
    services_partners.contribution_set(
        stream=stream, year=fy[2023], funder=foundation, amount=Decimal("20000.00"), note="Illustrative.", actor=finance
    )
    programme_services.allocations_set(
        stream=stream, year=fy[2023], amounts={dales: Decimal("40000.00"), high_peak: Decimal("40000.00")}, actor=officer
    )

    agreed = services_multiyear.agreement_create_multiyear(
        programme=programme,
        organisation=Organisation.objects.get(name=MULTI_YEAR_PROVIDER),
        area=dales,
        stream=stream,
        title=f"Wellbeing infrastructure SLA 2023-26: {MULTI_YEAR_PROVIDER}, {dales}",
        first_year=fy[2023],
        last_year=fy[2025],
        first_amount=Decimal("38250.00"),
        uplift_percent=Decimal("2.7"),
        notice_months=6,
        earliest_break_date=dt.date(2025, 3, 31),
        first_review_date=dt.date(2024, 3, 1),
        actor=officer,
    )
    agreement_services.agreement_set_status(agreement=agreed, status=Agreement.Status.ACTIVE, actor=officer)

    annual = agreement_services.agreement_create(
        programme=programme,
        organisation=Organisation.objects.get(name=CONVERTED_PROVIDER),
        areas=[high_peak],
        title=f"Wellbeing infrastructure SLA: {CONVERTED_PROVIDER}, {high_peak}",
        start_date=fy[2023].start,
        end_date=fy[2023].end,
        actor=officer,
        lines=[agreement_services.LineInput(stream, fy[2023], high_peak, Decimal("35000.00"))],
    )
    agreement_services.agreement_set_status(agreement=annual, status=Agreement.Status.ACTIVE, actor=officer)
    services_multiyear.agreement_convert_to_multiyear(
        agreement=annual,
        last_year=fy[2025],
        uplift_percent=Decimal("2"),
        notice_months=3,
        earliest_break_date=dt.date(2025, 3, 31),
        first_review_date=dt.date(2025, 2, 1),
        reason="Convert to a three-year agreement to 31 March 2026 with a 2% annual uplift (illustrative).",
        approved_by="Peak and Dales ICB board (demo)",
        approved_on=dt.date(2024, 1, 18),
        actor=officer,
    )

    # 2023-24, the approved year, is paid in full (illustrative); later years are left to the forecast.
    for instalment in PaymentInstalment.objects.filter(agreement__programme=programme, financial_year=fy[2023]).order_by(
        "due_date", "agreement__reference"
    ):
        payment_services.payment_record(
            instalment=instalment,
            paid_on=instalment.due_date,
            amount=instalment.amount,
            actor=finance,
            reference=f"DEMO-{instalment.agreement.reference}-{instalment.due_date:%Y%m%d}",
        )

    # The 2024-25 budget, set once the commitments were made, falls short of them: the forecast flags it.
    programme_services.budget_set(stream=stream, year=fy[2024], amount=Decimal("70000.00"), actor=finance)
    services_partners.contribution_set(
        stream=stream, year=fy[2024], funder=foundation, amount=Decimal("15000.00"), note="Illustrative.", actor=finance
    )
