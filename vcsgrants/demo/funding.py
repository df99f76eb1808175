"""The demo's reference data and its first programme: the county's VCS infrastructure programme as its Cabinet
minutes describe it (moved out of the load_demo command).

Reference data (groups, areas, organisations, users) is got or created; `load_programme` writes the programme
with its money, and load_demo calls it only when no programme with PROGRAMME_SLUG exists yet. The split by
provider and the providers themselves are fictional and labelled so; the periods, the £250,000 and the
£452,228 total follow the minute.
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.models import Group
from django.utils.text import slugify

from vcsgrants.core.models import Area, CouncilSettings, Organisation, Role, User
from vcsgrants.core.services import areas_load_districts, financial_year_get
from vcsgrants.demo.names import demo_name, name_demo_user
from vcsgrants.funding.models import Agreement, Decision, FundingStream, PaymentInstalment, Programme, ProgrammePeriod, Variation
from vcsgrants.funding.services import agreements as agreement_services
from vcsgrants.funding.services import extension as extension_services
from vcsgrants.funding.services import payments as payment_services
from vcsgrants.funding.services import programmes as programme_services

PROGRAMME_SLUG = "vcs-infrastructure"
COUNTY_GSS = "E10000007"
COUNTY_NAME = "Derbyshire"
COUNCIL_NAME = "Derbyshire County Council"
PUBLIC_HEALTH_NAME = "Derbyshire County Council Public Health"
CCG_NAME = "NHS Derby and Derbyshire Clinical Commissioning Group"
ICB_NAME = "NHS Derby and Derbyshire Integrated Care Board"
ICB_FROM = dt.date(2022, 7, 1)
PAID_BEFORE = dt.date(2022, 10, 1)
ONE_OFF_PER_AGREEMENT = Decimal("12500.00")


@dataclass(frozen=True)
class DemoProvider:
    name: str
    gss_code: str
    annual: Decimal  # recurrent 2022-23 level, illustrative
    number: int  # invented charity number 99990xx

    @property
    def charity_number(self) -> str:
        return f"99990{self.number:02d}"

    @property
    def org_id(self) -> str:
        return f"GB-CHC-{self.charity_number}"


# Fictional providers with illustrative amounts; the total is the minute's £452,228.
PROVIDERS = [
    DemoProvider("Kestrel Voluntary Action (demo)", "E07000032", Decimal("58120.00"), 1),  # Amber Valley
    DemoProvider("Millstone Community Hub (demo)", "E07000033", Decimal("44350.00"), 2),  # Bolsover
    DemoProvider("Lapwing Community Network (demo)", "E07000034", Decimal("52940.00"), 3),  # Chesterfield
    DemoProvider("Curlew Rural Action (demo)", "E07000035", Decimal("41275.00"), 4),  # Derbyshire Dales
    DemoProvider("Wagtail Volunteer Centre (demo)", "E07000036", Decimal("54610.00"), 5),  # Erewash
    DemoProvider("Skylark Community Link (demo)", "E07000037", Decimal("30000.00"), 6),  # High Peak, org A
    DemoProvider("Bilberry Volunteer Network (demo)", "E07000037", Decimal("17380.00"), 7),  # High Peak, org B
    DemoProvider("Pennywort Voluntary Services (demo)", "E07000038", Decimal("50115.00"), 8),  # North East Derbyshire
    DemoProvider("Hawthorn Community Partnership (demo)", "E07000039", Decimal("49890.00"), 9),  # South Derbyshire
    DemoProvider("Lantern Infrastructure Alliance (demo)", COUNTY_GSS, Decimal("53548.00"), 10),  # county-wide
]
ANNUAL_TOTAL = Decimal("452228.00")  # the minute's total; the PROVIDERS amounts add up to it (tested)

APPROACH_START = dt.date(2020, 10, 1)
APPROACH_END = dt.date(2021, 9, 30)
SIX_MONTH_END = dt.date(2022, 3, 31)
TWELVE_MONTH_START = dt.date(2022, 4, 1)
TWELVE_MONTH_END = dt.date(2023, 3, 31)

MINUTE_WORDS = (
    'The minute says the new approach was approved "from 1 October 2021 to 30 September 2022" and then moved by '
    '"a six-month extension to 31 March 2022", which cannot both be right.'
)


def half(amount: Decimal) -> Decimal:
    """Amounts are whole pounds, so half is exact to the penny."""
    return (amount / 2).quantize(Decimal("0.01"))


def council_org_id() -> str:
    path = settings.BASE_DIR / "data" / "derbyshire_local_authorities_orgid.csv"
    with path.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if row["gss_code"] == COUNTY_GSS:
                return row["org_id"]
    raise ValueError(f"{path.name} has no row for {COUNTY_GSS}.")


# --- reference data ------------------------------------------------------------


def load_groups() -> None:
    for role in Role:
        Group.objects.get_or_create(name=role.value)


def load_council_settings() -> None:
    """The demo council's name and words, unless an administrator has already set the settings."""
    council = CouncilSettings.objects.filter(pk=1).first() or CouncilSettings()
    if not council.council_name:
        council.council_name = COUNCIL_NAME
        council.council_org_id = council_org_id()
        council.contact_email = "vcs.funding@example.org"
        council.email_sign_off = "The VCS funding team, Derbyshire County Council (demo)"
        council.save()


def load_areas() -> dict[str, Area]:
    path = settings.BASE_DIR / "data" / "derbyshire_districts.csv"
    areas = areas_load_districts(path=path, county_gss=COUNTY_GSS, county_name=COUNTY_NAME)
    return {a.gss_code: a for a in areas}


def load_organisations() -> tuple[Organisation, Organisation]:
    council, _ = Organisation.objects.get_or_create(
        slug=slugify(COUNCIL_NAME),
        defaults={"name": COUNCIL_NAME, "kind": Organisation.Kind.FUNDER, "org_id": council_org_id()},
    )
    public_health, _ = Organisation.objects.get_or_create(
        slug=slugify(PUBLIC_HEALTH_NAME),
        defaults={"name": PUBLIC_HEALTH_NAME, "kind": Organisation.Kind.PARTNER, "parent": council},
    )
    icb, _ = Organisation.objects.get_or_create(
        slug=slugify(ICB_NAME), defaults={"name": ICB_NAME, "kind": Organisation.Kind.PARTNER}
    )
    Organisation.objects.get_or_create(
        slug=slugify(CCG_NAME),
        defaults={"name": CCG_NAME, "kind": Organisation.Kind.PARTNER, "successor": icb, "succeeded_on": ICB_FROM},
    )
    return council, public_health


def load_providers() -> list[tuple[DemoProvider, Organisation]]:
    result = []
    for number, provider in enumerate(PROVIDERS, start=1):
        org, _ = Organisation.objects.get_or_create(
            slug=slugify(provider.name),
            defaults={
                "name": provider.name,
                "kind": Organisation.Kind.PROVIDER,
                "org_id": provider.org_id,
                "charity_number": provider.charity_number,
                "supplier_reference": f"DEMO-SUP-{number:04d}",  # the finance system's supplier number
                "is_demo": True,
            },
        )
        result.append((provider, org))
    return result


def load_users(
    *,
    password: str,
    council: Organisation,
    public_health: Organisation,
    providers: list[tuple[DemoProvider, Organisation]],
) -> dict[str, User]:
    icb = Organisation.objects.get(slug=slugify(ICB_NAME))
    specs = [
        ("admin", Role.ADMIN, council, True),
        ("officer", Role.OFFICER, council, False),
        ("finance", Role.FINANCE, council, False),
        ("cabinet", Role.CABINET, council, False),
        ("partner", Role.PARTNER, public_health, False),
        ("partner-icb", Role.PARTNER, icb, False),
        *((f"provider-{org.slug}", Role.PROVIDER, org, False) for _, org in providers),
    ]
    users = {}
    for username, role, organisation, is_admin in specs:
        user, created = User.objects.get_or_create(
            username=username,
            defaults={
                "organisation": organisation,
                "is_staff": is_admin,
                "is_superuser": is_admin,
                **demo_name(username),
            },
        )
        name_demo_user(user)
        if created or not user.check_password(password):
            user.set_password(password)
            user.save(update_fields=["password"])
        user.groups.add(Group.objects.get(name=role.value))
        users[username] = user
    return users


# --- the programme and its money -------------------------------------------------


def load_programme(
    *,
    areas: dict[str, Area],
    council: Organisation,
    public_health: Organisation,
    providers: list[tuple[DemoProvider, Organisation]],
    users: dict[str, User],
) -> None:
    officer, finance = users["officer"], users["finance"]
    fy = {start: financial_year_get(start_year=start) for start in (2020, 2021, 2022, 2023)}

    approach, extension, minute = load_decisions(officer)

    programme = Programme.objects.create(
        name="VCS infrastructure core provision",
        slug=PROGRAMME_SLUG,
        funder=council,
        is_demo=True,
        description=(
            "Derbyshire County Council's funding of voluntary and community sector infrastructure: district-level "
            "allocations and Service Level Agreements on an organisation/district basis. The periods, the additional "
            "£250,000 and the £452,228 annual total follow the Cabinet minute; the providers are fictional and the split "
            "of the £452,228 between them is illustrative (the minute itemises it in an appendix not reproduced here)."
        ),
    )

    programme_services.period_record(
        programme=programme,
        kind=ProgrammePeriod.Kind.APPROVED,
        start=APPROACH_START,
        end=APPROACH_END,
        approved_by="Cabinet",
        approved_on=approach.decision_date,
        decision=approach,
        actor=officer,
        note=MINUTE_WORDS + " The demo reads the approved period as 1 October 2020 – 30 September 2021.",
    )
    programme_services.period_record(
        programme=programme,
        kind=ProgrammePeriod.Kind.EXTENSION,
        start=APPROACH_END + dt.timedelta(days=1),
        end=SIX_MONTH_END,
        approved_by="Cabinet",
        approved_on=extension.decision_date,
        decision=extension,
        actor=officer,
        note=(
            'The minute: "a six-month extension to 31 March 2022", so that a full year could be monitored against the new '
            "outcomes framework. The demo reads it as 1 October 2021 – 31 March 2022."
        ),
    )
    programme_services.period_record(
        programme=programme,
        kind=ProgrammePeriod.Kind.EXTENSION,
        start=TWELVE_MONTH_START,
        end=TWELVE_MONTH_END,
        approved_by="Cabinet",
        approved_on=minute.decision_date,
        decision=minute,
        actor=officer,
        note=(
            'The minute: "approves funding totalling £452,228 from 1 April 2022 to 31 March 2023, as set out in the report": '
            "every grant at its current level for twelve months, excluding the one-off Public Health funding."
        ),
    )

    core = FundingStream.objects.create(
        programme=programme,
        name="Core infrastructure grant",
        funder=council,
        recurrence=FundingStream.Recurrence.RECURRENT,
        start=APPROACH_START,
        end=None,
        description="The council's recurrent grant to VCS infrastructure providers (£452,228 a year).",
        cost_centre="VCS100",
        account_code="5510",
    )
    one_off = FundingStream.objects.create(
        programme=programme,
        name="COVID-19 response, recovery and resurgence (Public Health, one-off)",
        funder=public_health,
        recurrence=FundingStream.Recurrence.ONE_OFF,
        start=dt.date(2021, 10, 1),
        end=dt.date(2022, 9, 30),
        description=(
            "The additional £250,000 approved so that there is adequate infrastructure to support the COVID-19 response, "
            "recovery and any resurgence: one-off Public Health funding to 30 September 2022. The split of £125,000 in each "
            "of 2021-22 and 2022-23 is illustrative."
        ),
        cost_centre="PH200",
        account_code="5510",
    )

    budgets = [
        (core, fy[2020], half(ANNUAL_TOTAL)),
        (core, fy[2021], ANNUAL_TOTAL),
        (core, fy[2022], ANNUAL_TOTAL),
        (core, fy[2023], ANNUAL_TOTAL),
        (one_off, fy[2021], ONE_OFF_PER_AGREEMENT * len(PROVIDERS)),
        (one_off, fy[2022], ONE_OFF_PER_AGREEMENT * len(PROVIDERS)),
    ]
    for stream, year, amount in budgets:
        programme_services.budget_set(stream=stream, year=year, amount=amount, actor=finance)

    def per_area(amount_for) -> dict[Area, Decimal]:
        totals: dict[Area, Decimal] = {}
        for provider, _ in providers:
            area = areas[provider.gss_code]
            totals[area] = totals.get(area, Decimal("0.00")) + amount_for(provider)
        return totals

    allocations = [
        (core, fy[2020], per_area(lambda p: half(p.annual)), approach),
        (core, fy[2021], per_area(lambda p: p.annual), extension),
        (core, fy[2022], per_area(lambda p: p.annual), minute),
        (core, fy[2023], per_area(lambda p: p.annual), None),
        (one_off, fy[2021], per_area(lambda p: ONE_OFF_PER_AGREEMENT), extension),
        (one_off, fy[2022], per_area(lambda p: ONE_OFF_PER_AGREEMENT), extension),
    ]
    for stream, year, amounts, decision in allocations:
        programme_services.allocations_set(stream=stream, year=year, amounts=amounts, actor=officer, decision=decision)

    agreements: list[tuple[DemoProvider, Agreement]] = []
    for provider, org in providers:
        area = areas[provider.gss_code]
        agreement = agreement_services.agreement_create(
            programme=programme,
            organisation=org,
            areas=[area],
            title=f"VCS infrastructure SLA: {org.name}, {area}",
            start_date=APPROACH_START,
            end_date=APPROACH_END,
            actor=officer,
            lines=[
                agreement_services.LineInput(core, fy[2020], area, half(provider.annual)),
                agreement_services.LineInput(core, fy[2021], area, half(provider.annual)),
            ],
        )
        agreement_services.agreement_set_status(agreement=agreement, status=Agreement.Status.ACTIVE, actor=officer)
        agreement_services.variation_create(
            agreement=agreement,
            kind=Variation.Kind.EXTENSION,
            new_end_date=SIX_MONTH_END,
            reason=(
                "Six-month extension to 31 March 2022, so that a full year can be monitored against the new outcomes framework."
            ),
            approved_by="Cabinet",
            approved_on=extension.decision_date,
            decision=extension,
            actor=officer,
            lines=[agreement_services.LineInput(core, fy[2021], area, provider.annual - half(provider.annual))],
        )
        agreement_services.variation_create(
            agreement=agreement,
            kind=Variation.Kind.VALUE_CHANGE,
            reason="Additional COVID-19 funding (one-off Public Health money) for the response, recovery and any resurgence.",
            approved_by="Cabinet",
            approved_on=extension.decision_date,
            decision=extension,
            actor=officer,
            lines=[agreement_services.LineInput(one_off, fy[2021], area, ONE_OFF_PER_AGREEMENT)],
        )
        agreements.append((provider, agreement))

    extension_services.bulk_extension_apply(
        programme=programme,
        year=fy[2022],
        decision=minute,
        approved_by="Cabinet",
        approved_on=minute.decision_date,
        reason="Extend all grants at current levels for twelve months, excluding one-off Public Health funding",
        actor=officer,
        expected_total=ANNUAL_TOTAL,
    )
    for provider, agreement in agreements:
        agreement_services.variation_create(
            agreement=agreement,
            kind=Variation.Kind.VALUE_CHANGE,
            reason="One-off Public Health COVID-19 funding for 2022-23, which runs only to 30 September 2022.",
            approved_by="Cabinet",
            approved_on=extension.decision_date,
            decision=extension,
            actor=officer,
            lines=[agreement_services.LineInput(one_off, fy[2022], areas[provider.gss_code], ONE_OFF_PER_AGREEMENT)],
        )

    due = PaymentInstalment.objects.filter(agreement__programme=programme, due_date__lt=PAID_BEFORE).select_related("agreement")
    for instalment in due.order_by("due_date", "agreement__reference", "id"):
        payment_services.payment_record(
            instalment=instalment,
            paid_on=instalment.due_date,
            amount=instalment.amount,
            actor=finance,
            reference=f"DEMO-{instalment.agreement.reference}-{instalment.due_date:%Y%m%d}",
        )


def load_decisions(officer: User) -> tuple[Decision, Decision, Decision]:
    approach, _ = Decision.objects.get_or_create(
        title="VCS infrastructure: new funding approach (illustrative date and minute reference)",
        decision_date=dt.date(2020, 9, 10),
        defaults={
            "meeting": "Cabinet, 10 September 2020",
            "minute_reference": "Demo 2020/01 (illustrative)",
            "resolution": (
                "Approves the new funding approach for VCS infrastructure from 1 October 2020 to 30 September 2021: "
                "district-level funding allocations, new Service Level Agreements on an organisation/district basis and "
                "co-designed Key Performance Indicators. (Illustrative: the demo's reading of the period the later minute "
                "describes; the date and reference are not the real ones.)"
            ),
            "period_start": APPROACH_START,
            "period_end": APPROACH_END,
            "recorded_by": officer,
        },
    )
    extension, _ = Decision.objects.get_or_create(
        title=(
            "VCS infrastructure: progress report, six-month extension and additional £250,000 (illustrative date and reference)"
        ),
        decision_date=dt.date(2021, 9, 9),
        defaults={
            "meeting": "Cabinet, 9 September 2021",
            "minute_reference": "Demo 2021/01 (illustrative)",
            "resolution": (
                "(1) Agrees a six-month extension of the VCS infrastructure grants to 31 March 2022, so that a full year "
                "can be monitored against the new outcomes framework; (2) approves additional funding of £250,000 so that "
                "there is adequate infrastructure to support the COVID-19 response, recovery and any resurgence (one-off "
                "Public Health funding to 30 September 2022). (Illustrative date and reference.)"
            ),
            "amount_approved": Decimal("250000.00"),
            "period_start": APPROACH_END + dt.timedelta(days=1),
            "period_end": SIX_MONTH_END,
            "recorded_by": officer,
        },
    )
    minute, _ = Decision.objects.get_or_create(
        title="VCS infrastructure: progress and extension of grants 2022-23",
        decision_date=dt.date(2022, 2, 10),
        defaults={
            "meeting": "Cabinet, 10 February 2022",
            "resolution": (
                "(1) notes progress and agrees the further work; (2) approves funding totalling £452,228 from 1 April 2022 "
                "to 31 March 2023, as set out in the report"
            ),
            "amount_approved": ANNUAL_TOTAL,
            "period_start": TWELVE_MONTH_START,
            "period_end": TWELVE_MONTH_END,
            "recorded_by": officer,
        },
    )
    return approach, extension, minute
