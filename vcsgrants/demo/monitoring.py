"""The demo's shared outcomes framework, targets and quarterly returns (every figure illustrative).

Called by ``load_demo`` after the programme and its money are loaded. Every write goes through
vcsgrants.monitoring.services, so it is validated and audited like a user's. Idempotent: a
programme that already has outcomes is left as it is.

The figures come from a pseudo-random generator seeded by agreement reference, KPI code and quarter,
so every run gives the same demo. Dates are historical (2021–2022): the framework is co-designed in
early 2021, returns run from 2021-22 Q1 to 2022-23 Q2, and one KPI is refined after the first year.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.utils import timezone

from vcsgrants.core.models import FinancialYear, User
from vcsgrants.core.money import quarter_end, quarter_starts
from vcsgrants.core.services import financial_year_get
from vcsgrants.funding.models import Agreement, FundingLine, FundingStream, Programme
from vcsgrants.monitoring import services
from vcsgrants.monitoring.emails import not_emailed
from vcsgrants.monitoring.models import Kpi, KpiComment, KpiVersion, Outcome
from vcsgrants.monitoring.rag import Aggregation, Direction

ILLUSTRATIVE = "Demo content: the figures are illustrative, not real."

COUNT = KpiVersion.Unit.COUNT
MONEY = KpiVersion.Unit.MONEY
PERCENT = KpiVersion.Unit.PERCENT
SCORE = KpiVersion.Unit.SCORE
HOW_MUCH = KpiVersion.RbaType.HOW_MUCH
HOW_WELL = KpiVersion.RbaType.HOW_WELL
BETTER_OFF = KpiVersion.RbaType.BETTER_OFF
HIGHER = Direction.HIGHER_IS_BETTER.value

# A typical agreement's recurrent 2022-23 value: "scaled" targets below are for an agreement of this size.
REFERENCE_GRANT = Decimal("45000")
RETURN_YEARS = (2021, 2022)
RETURN_QUARTERS = [(2021, 1), (2021, 2), (2021, 3), (2021, 4), (2022, 1), (2022, 2)]


@dataclass(frozen=True)
class OutcomeSpec:
    key: str
    title: str
    description: str


@dataclass(frozen=True)
class KpiSpec:
    code: str
    outcome: str
    name: str
    definition: str
    unit: str
    aggregation: str
    rba_type: str
    target: Decimal  # SUM: annual target for an agreement of REFERENCE_GRANT; MEAN/LATEST: the level to hold
    target_spread: Decimal = Decimal("0")  # MEAN/LATEST: ± this much per agreement, illustrative
    direction: str = HIGHER

    def fields(self, **overrides) -> dict[str, str]:
        fields = {
            "name": self.name,
            "definition": self.definition,
            "unit": self.unit,
            "aggregation": self.aggregation,
            "direction": self.direction,
            "rba_type": self.rba_type,
        }
        return fields | overrides


OUTCOMES = [
    OutcomeSpec(
        "SG",
        "Stronger groups",
        "Local voluntary and community groups are well run, sustainable and able to secure the funding they need. "
        + ILLUSTRATIVE,
    ),
    OutcomeSpec(
        "VO",
        "More and better volunteering",
        "More people volunteer, in roles that suit them, and keep volunteering. " + ILLUSTRATIVE,
    ),
    OutcomeSpec(
        "SK",
        "Skills",
        "Staff, volunteers and trustees of local groups have the skills their organisations need. " + ILLUSTRATIVE,
    ),
    OutcomeSpec(
        "VP",
        "Voice and partnership",
        "The sector's voice is heard and acted on by the council, the NHS and other partners. " + ILLUSTRATIVE,
    ),
    OutcomeSpec(
        "EQ",
        "Equity and quality",
        "Support reaches the communities that need it most, including deprived and rural areas, and is of good quality. "
        + ILLUSTRATIVE,
    ),
]

SUM, MEAN = Aggregation.SUM.value, Aggregation.MEAN.value

KPIS = [
    KpiSpec(
        "SG1",
        "SG",
        "Groups given one-to-one support",
        "Number of distinct voluntary and community groups given one-to-one development support (governance, funding, "
        "policies, finance) in the quarter.",
        COUNT,
        SUM,
        HOW_MUCH,
        Decimal("64"),
    ),
    KpiSpec(
        "SG2",
        "SG",
        "New groups formed",
        "Number of new voluntary and community groups that were helped to form and adopted a governing document in the quarter.",
        COUNT,
        SUM,
        HOW_MUCH,
        Decimal("8"),
    ),
    KpiSpec(
        "SG3",
        "SG",
        "Funding secured by supported groups",
        "Total of grants and contracts awarded in the quarter to groups the provider supported with the application, in £.",
        MONEY,
        SUM,
        BETTER_OFF,
        Decimal("180000"),
    ),
    # SG4 is proposed by a provider and amended when agreed: see PROVIDER_PROPOSALS.
    KpiSpec(
        "VO1",
        "VO",
        "Volunteers placed",
        "Number of people placed in a volunteering role with a local organisation in the quarter.",
        COUNT,
        SUM,
        HOW_MUCH,
        Decimal("120"),
    ),
    KpiSpec(
        "VO2",
        "VO",
        "Volunteers still active after three months",
        "Percentage of the volunteers placed in the quarter before last who are still volunteering three months later.",
        PERCENT,
        MEAN,
        BETTER_OFF,
        Decimal("65"),
    ),
    KpiSpec(
        "SK1",
        "SK",
        "Training attendees",
        "Number of attendances at training courses and workshops run for staff, volunteers and trustees of local groups.",
        COUNT,
        SUM,
        HOW_MUCH,
        Decimal("240"),
    ),
    KpiSpec(
        "SK2",
        "SK",
        "Attendees rating training good or better",
        "Percentage of attendees returning a feedback form who rate the training good or excellent.",
        PERCENT,
        MEAN,
        HOW_WELL,
        Decimal("85"),
    ),
    KpiSpec(
        "VP1",
        "VP",
        "Forum attendance",
        "Number of attendances by representatives of local groups at district forums and networks the provider runs.",
        COUNT,
        SUM,
        HOW_MUCH,
        Decimal("160"),
    ),
    KpiSpec(
        "VP2",
        "VP",
        "Evidenced changes to policy or commissioning",
        "Number of changes to a public body's policy, plan or commissioning that the sector's voice, as represented by the "
        "provider, can be shown to have brought about (evidence kept on file).",
        COUNT,
        SUM,
        BETTER_OFF,
        Decimal("6"),
    ),
    KpiSpec(
        "EQ1",
        "EQ",
        "Reach into the most deprived areas",
        "Percentage of groups supported that are based in, or mainly serve, the district's most deprived 20% of "
        "neighbourhoods (Index of Multiple Deprivation). The target is those neighbourhoods' share of the district's "
        "population (illustrative in the demo).",
        PERCENT,
        MEAN,
        HOW_WELL,
        Decimal("20"),
        Decimal("8"),
    ),
    # EQ2 is proposed by a provider and agreed as proposed: see PROVIDER_PROPOSALS.
    KpiSpec(
        "EQ3",
        "EQ",
        "User satisfaction",
        "Percentage of groups and individuals responding to the provider's annual and post-support surveys who are "
        "satisfied or very satisfied with the support they received.",
        PERCENT,
        MEAN,
        HOW_WELL,
        Decimal("90"),
    ),
    KpiSpec(
        "EQ4",
        "EQ",
        "Enquiries answered within five working days",
        "Percentage of enquiries from groups and the public that receive a full answer within five working days.",
        PERCENT,
        MEAN,
        HOW_WELL,
        Decimal("95"),
    ),
]

SG4 = KpiSpec(
    "SG4",
    "SG",
    "Funding leveraged per £ of council grant",
    "Funding and in-kind support secured by supported groups in the quarter, divided by the quarter's council grant.",
    SCORE,
    MEAN,
    BETTER_OFF,
    Decimal("4.00"),
    Decimal("0.50"),
)
SG4_AGREED = {
    "name": "Funding secured per £ of council grant",
    "definition": "Funding secured by supported groups in the quarter (SG3, cash awards only: in-kind support is excluded), "
    "divided by the quarter's share of the provider's council core grant.",
}
EQ2 = KpiSpec(
    "EQ2",
    "EQ",
    "Rural reach",
    "Percentage of groups supported that are based in a rural area (rural town and fringe, village or hamlet in the ONS "
    "Rural-Urban Classification of their postcode). The target is rural areas' share of the district's population "
    "(illustrative in the demo).",
    PERCENT,
    MEAN,
    HOW_WELL,
    Decimal("30"),
    Decimal("15"),
)
VO2_REFINED = {
    "name": "Volunteers still active after three months (excluding one-off events)",
    "definition": "Percentage of the volunteers placed in the quarter before last who are still volunteering three months "
    "after their placement date. Volunteers placed only for a one-off event are left out of both counts.",
}
VO3 = KpiSpec(
    "VO3",
    "VO",
    "Volunteer hours contributed",
    "Hours given by the volunteers the provider placed, as reported by the organisations hosting them.",
    COUNT,
    SUM,
    HOW_MUCH,
    Decimal("0"),
)
SK3 = KpiSpec(
    "SK3",
    "SK",
    "Training courses run",
    "Number of training courses and workshops the provider ran in the quarter.",
    COUNT,
    SUM,
    HOW_MUCH,
    Decimal("0"),
)
AGREED_CODES = ["SG1", "SG2", "SG3", "SG4", "VO1", "VO2", "SK1", "SK2", "VP1", "VP2", "EQ1", "EQ2", "EQ3", "EQ4"]
SPECS = {spec.code: spec for spec in [*KPIS, SG4, EQ2]}

# How each demo provider performs against its targets (keyed by the first word of its name): most near
# target, some under (amber/red), some over. Organisations not listed perform at 1.00.
PERFORMANCE = {
    "Kestrel": 1.02,
    "Millstone": 0.82,
    "Lapwing": 1.00,
    "Curlew": 0.96,
    "Wagtail": 1.10,
    "Skylark": 1.15,
    "Bilberry": 0.91,
    "Pennywort": 1.01,
    "Hawthorn": 0.94,
    "Lantern": 1.05,
}
# Where the programme as a whole falls short, so the framework page has something to discuss: reach into the
# most deprived areas (the equity gap the council wants to close) and evidenced policy change lag; volunteer
# retention and training quality run a little under.
KPI_PERFORMANCE = {"EQ1": 0.82, "VP2": 0.84, "VO2": 0.90, "SK2": 0.93}
LATE = {("Millstone", 2021, 2), ("Bilberry", 2021, 4), ("Millstone", 2022, 1), ("Hawthorn", 2021, 3)}
NOT_SUBMITTED = {("Bilberry", 2022, 2)}
QUERIED_OPEN = ("Pennywort", 2022, 2)
QUERIED_ANSWERED = ("Wagtail", 2021, 3)
AWAITING_REVIEW = {("Kestrel", 2022, 2), ("Lantern", 2022, 2)}

NARRATIVES_ON_TRACK = [
    "Demand for one-to-one support stayed steady and the team kept to its profile.",
    "A busy quarter: funding surgeries were fully booked and two new partnerships started.",
    "Delivery went to plan; volunteer recruitment picked up after the spring campaign.",
    "Good quarter overall, with strong attendance at the district forum.",
]
NARRATIVES_UNDER = [
    "Staff vacancies reduced capacity this quarter; a recovery plan was agreed at the monitoring meeting.",
    "Fewer groups than profiled came forward, largely because several village venues were closed for repairs.",
    "Delivery fell behind profile while the development worker post was vacant; it has now been filled.",
]
NARRATIVES_OVER = [
    "Above profile: a joint funding fair with the district council brought many new groups into contact.",
    "Demand was high after the local COVID-19 recovery grants opened, and the team met it with extra sessions.",
]
CASE_STUDIES = [
    "A village hall committee rewrote its constitution with our help and secured its first lottery grant.",
    "A new parent-and-toddler group formed, found a venue and recruited four volunteers through the volunteer centre.",
    "A long-standing lunch club moved to a charitable incorporated organisation after trustee training.",
    "A young volunteer placed with a food bank has stayed on as a coordinator and now trains others.",
]


def _rng(*parts: object) -> random.Random:
    return random.Random("|".join(str(p) for p in parts))  # noqa: S311 - reproducible demo figures, not security


def _when(day: dt.date, hour: int = 10, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime(day.year, day.month, day.day, hour, minute))


def _backdate(queryset, when: dt.datetime) -> None:
    """Give co-design records the historical date they have in the demo's story (the audit log keeps the real one)."""
    queryset.update(created_at=when)


def _latest_comment(kpi: Kpi):
    return KpiComment.objects.filter(pk=KpiComment.objects.filter(kpi=kpi).latest("id").pk)


def _whole_multiple(value: Decimal, step: int, minimum: int) -> Decimal:
    return Decimal(max(minimum, int((value / step).to_integral_value(ROUND_HALF_UP)) * step))


def _short_name(agreement: Agreement) -> str:
    return agreement.organisation.name.split()[0]


def _core_value(agreement: Agreement, year: FinancialYear) -> Decimal:
    lines = FundingLine.objects.filter(
        agreement=agreement, financial_year=year, stream__recurrence=FundingStream.Recurrence.RECURRENT
    )
    return sum((line.amount for line in lines), Decimal("0")) or REFERENCE_GRANT


def _runs_in(agreement: Agreement, year: FinancialYear) -> bool:
    return not (year.end < agreement.start_date or year.start > agreement.current_end_date)


def _quarter_in(agreement: Agreement, year: int, quarter: int) -> bool:
    start = quarter_starts(year)[quarter - 1]
    return not (quarter_end(start) < agreement.start_date or start > agreement.current_end_date)


def annual_target(spec: KpiSpec, agreement: Agreement, scale: Decimal, year: FinancialYear) -> Decimal:
    """An illustrative annual target: SUM KPIs scale with the agreement's size, levels vary a little by agreement."""
    uplift = Decimal("1.05") if year.start_year >= 2022 else Decimal("1")
    if spec.aggregation == SUM:
        value = spec.target * scale * uplift
        if spec.unit == MONEY:
            return _whole_multiple(value, 400, 400)
        return _whole_multiple(value, 4, 4)  # whole numbers each quarter
    places = Decimal("0.01") if spec.unit == SCORE else Decimal("1")
    spread = Decimal(str(_rng(agreement.reference, spec.code, "target").uniform(-1, 1))) * spec.target_spread
    level = spec.target + spread
    if spec.unit == PERCENT:
        level = min(level + (uplift - 1) * 20, Decimal("98"))
    return level.quantize(places, ROUND_HALF_UP)


def quarter_value(spec: KpiSpec, agreement: Agreement, year: int, quarter: int, quarter_target: Decimal) -> Decimal:
    """An illustrative value for one quarter: the quarter's target moved by the provider's performance and some noise."""
    rng = _rng(agreement.reference, spec.code, f"{year}Q{quarter}")
    provider = PERFORMANCE.get(_short_name(agreement), 1.0) + (0.03 if year >= 2022 else 0.0)
    performance = provider * KPI_PERFORMANCE.get(spec.code, 1.0)
    if spec.aggregation == SUM:
        value = float(quarter_target) * performance * rng.uniform(0.85, 1.15)
        if spec.unit == MONEY:
            return Decimal(round(value, -1)).quantize(Decimal("0.01"))
        return Decimal(max(0, round(value)))
    # Levels (percentages, ratios) move less than volumes do.
    value = float(quarter_target) * (1 + (performance - 1) * 0.8) * rng.uniform(0.96, 1.04)
    if spec.unit == PERCENT:
        return Decimal(str(round(min(value, 100.0), 1)))
    return Decimal(str(round(value, 2)))


# --- the framework ---------------------------------------------------------------------------------


def _load_framework(programme: Programme, officer: User, providers: dict[str, User]) -> dict[str, Kpi]:
    outcomes = {}
    for spec in OUTCOMES:
        outcomes[spec.key] = services.outcome_save(
            outcome=Outcome(programme=programme, title=spec.title, description=spec.description), actor=officer
        )

    def propose(spec: KpiSpec, actor: User, on: dt.date) -> Kpi:
        kpi = services.kpi_propose(outcome=outcomes[spec.outcome], code=spec.code, actor=actor, **spec.fields())
        _backdate(Kpi.objects.filter(pk=kpi.pk), _when(on))
        _backdate(KpiVersion.objects.filter(kpi=kpi), _when(on))
        return kpi

    def comment(kpi: Kpi, actor: User, text: str, on: dt.date, hour: int = 11) -> None:
        services.kpi_comment(kpi=kpi, text=text, actor=actor)
        _backdate(_latest_comment(kpi), _when(on, hour))

    def agree(kpi: Kpi, on: dt.date, reason: str = "", **amendments) -> Kpi:
        before = set(kpi.versions.values_list("pk", flat=True))
        kpi = services.kpi_decide(kpi=kpi, agree=True, actor=officer, reason=reason, **amendments)
        _backdate(KpiVersion.objects.filter(kpi=kpi).exclude(pk__in=before), _when(on, 15))
        if reason:
            _backdate(_latest_comment(kpi), _when(on, 15))
        return kpi

    kpis: dict[str, Kpi] = {}
    # The officer's draft framework, shared with providers in February 2021 and agreed at the partnership meeting.
    for spec in KPIS:
        kpis[spec.code] = propose(spec, officer, dt.date(2021, 2, 8))

    lantern = providers.get("Lantern", officer)
    curlew = providers.get("Curlew", officer)
    skylark = providers.get("Skylark", officer)
    kestrel = providers.get("Kestrel", officer)
    wagtail = providers.get("Wagtail", officer)
    millstone = providers.get("Millstone", officer)
    bilberry = providers.get("Bilberry", officer)

    # SG4: proposed by a provider, discussed, and amended when agreed (two versions).
    kpis["SG4"] = propose(SG4, lantern, dt.date(2021, 2, 15))
    comment(
        kpis["SG4"],
        lantern,
        "Proposed so the framework shows what the council's grant levers in for the county, not only what we do with it.",
        dt.date(2021, 2, 15),
    )
    comment(
        kpis["SG4"],
        officer,
        "Supportive. In-kind support is hard to value consistently between providers: could we count cash awards only, "
        "so it ties back to SG3?",
        dt.date(2021, 2, 22),
    )
    comment(kpis["SG4"], kestrel, "Agree with cash only; we would struggle to evidence in-kind values.", dt.date(2021, 2, 24))
    kpis["SG4"] = agree(
        kpis["SG4"],
        dt.date(2021, 3, 10),
        reason="Agreed at the partnership meeting, amended to count cash awards only (as SG3) and renamed to match.",
        **SG4_AGREED,
    )

    # EQ2: proposed by the rural provider, discussed, and agreed as proposed.
    kpis["EQ2"] = propose(EQ2, curlew, dt.date(2021, 2, 16))
    comment(
        kpis["EQ2"],
        curlew,
        "Rural groups are easy to under-serve from a market-town office; this would show whether we reach them.",
        dt.date(2021, 2, 16),
    )
    comment(kpis["EQ2"], officer, "Does rural include the market towns?", dt.date(2021, 2, 23))
    comment(
        kpis["EQ2"],
        curlew,
        "Yes: 'rural town and fringe' counts as rural in the ONS classification the definition uses.",
        dt.date(2021, 2, 25),
    )
    comment(kpis["EQ2"], skylark, "Useful for us in the High Peak too. Happy to report it.", dt.date(2021, 3, 1))

    for code in AGREED_CODES:
        if code != "SG4":
            kpis[code] = agree(kpis[code], dt.date(2021, 3, 10))

    # A proposal rejected with its reason, and one still under discussion, so the co-design pages have both.
    rejected = propose(SK3, millstone, dt.date(2021, 2, 18))
    comment(rejected, millstone, "Simple for us to count from our course calendar.", dt.date(2021, 2, 18))
    services.kpi_decide(
        kpi=rejected,
        agree=False,
        actor=officer,
        reason="Not agreed: it measures activity rather than reach, and SK1 (attendees) already covers it.",
    )
    _backdate(_latest_comment(rejected), _when(dt.date(2021, 3, 10), 15))

    pending = propose(VO3, wagtail, dt.date(2022, 9, 12))
    comment(
        pending,
        wagtail,
        "Proposed for 2023-24: hours show the scale of what placed volunteers give, which the count of placements does not.",
        dt.date(2022, 9, 12),
    )
    comment(
        pending,
        officer,
        "Interesting. Host organisations' records vary a lot: how would we check the figures? Let's discuss at the "
        "October partnership meeting.",
        dt.date(2022, 9, 20),
    )
    comment(
        pending, bilberry, "We could report it, but only from hosts that use the volunteering platform.", dt.date(2022, 9, 22)
    )
    return kpis


def _refine_vo2(kpi: Kpi, officer: User) -> None:
    version = services.kpi_refine(
        kpi=kpi,
        actor=officer,
        change_note="Refined with providers after the 2021-22 returns: one-off event volunteering made the share hard to "
        "compare between providers, so it is left out from 2022-23.",
        **VO2_REFINED,
    )
    _backdate(KpiVersion.objects.filter(pk=version.pk), _when(dt.date(2022, 4, 5), 15))


# --- targets and returns ---------------------------------------------------------------------------


def _narrative(agreement: Agreement, year: int, quarter: int) -> str:
    rng = _rng(agreement.reference, "narrative", f"{year}Q{quarter}")
    performance = PERFORMANCE.get(_short_name(agreement), 1.0)
    options = NARRATIVES_UNDER if performance < 0.95 else NARRATIVES_OVER if performance > 1.05 else NARRATIVES_ON_TRACK
    label = f"{year}-{str(year + 1)[-2:]} Q{quarter}"
    return f"Illustrative demo return: {agreement.organisation} {label}. {rng.choice(options)} {ILLUSTRATIVE}"


def _case_studies(agreement: Agreement, year: int, quarter: int) -> str:
    if quarter not in (2, 4):
        return ""
    rng = _rng(agreement.reference, "case", f"{year}Q{quarter}")
    return f"Illustrative case study (fictional): {rng.choice(CASE_STUDIES)}"


def _load_returns(
    agreement: Agreement,
    *,
    kpis: dict[str, Kpi],
    targets: dict[tuple[str, int], list[Decimal]],
    years: dict[int, FinancialYear],
    quarters: Iterable[tuple[int, int]],
    officer: User,
    provider: User,
) -> None:
    name = _short_name(agreement)
    for year, quarter in quarters:
        key = (name, year, quarter)
        if key in NOT_SUBMITTED:
            continue
        fy = years[year]
        values = {
            kpis[code]: quarter_value(SPECS[code], agreement, year, quarter, targets[code, year][quarter - 1])
            for code in AGREED_CODES
        }
        record = services.return_for(agreement=agreement, year=fy, quarter=quarter)
        if key == QUERIED_ANSWERED:
            values[kpis["VO1"]] += 40  # the first figure wrongly includes one-off event volunteers: queried below
        if key == QUERIED_OPEN:
            values[kpis["SG3"]] = (values[kpis["SG3"]] * Decimal("1.8")).quantize(Decimal("1"))  # queried below
        services.return_save(
            return_record=record,
            values=values,
            actor=provider,
            narrative=_narrative(agreement, year, quarter),
            case_studies=_case_studies(agreement, year, quarter),
        )
        ends = quarter_end(quarter_starts(year)[quarter - 1])
        rng = _rng(agreement.reference, "dates", f"{year}Q{quarter}")
        offset = rng.randint(36, 50) if key in LATE else 8 if key == QUERIED_ANSWERED else rng.randint(8, 27)
        submitted = ends + dt.timedelta(days=offset)
        services.return_submit(return_record=record, actor=provider, at=_when(submitted, rng.randint(9, 16), rng.randint(0, 59)))
        if key in AWAITING_REVIEW:
            continue
        reviewed = submitted + dt.timedelta(days=rng.randint(2, 9))
        if key == QUERIED_OPEN:
            services.return_review(
                return_record=record,
                accept=False,
                actor=officer,
                comment="SG3 is well above the profile for the quarter: please confirm which awards it includes, and that "
                "they were all awarded in the quarter.",
                at=_when(reviewed, 11),
            )
            continue
        if key == QUERIED_ANSWERED:
            services.return_review(
                return_record=record,
                accept=False,
                actor=officer,
                comment="VO1 is much higher than last quarter: does it include volunteers placed for one-off events?",
                at=_when(ends + dt.timedelta(days=12), 11),
            )
            values[kpis["VO1"]] -= 40
            services.return_save(return_record=record, values={kpis["VO1"]: values[kpis["VO1"]]}, actor=provider)
            services.return_submit(
                return_record=record,
                actor=provider,
                comment="It did: 40 volunteers at the Christmas events. VO1 corrected to leave them out.",
                at=_when(ends + dt.timedelta(days=16), 10),
            )
            reviewed = ends + dt.timedelta(days=20)
        services.return_review(return_record=record, accept=True, actor=officer, at=_when(reviewed, 14))


@transaction.atomic
def load_monitoring_demo(programme: Programme, *, officer: User, provider_users: Iterable[User]) -> bool:
    """Load the demo outcomes framework, targets and returns for programme; False if it already has outcomes.

    provider_users: one login per provider organisation, who proposes KPIs and submits its returns. The years of
    past returns and KPI decisions are history, not news: they queue no e-mails (monitoring/emails.py).
    """
    with not_emailed():
        return _load_monitoring_demo(programme, officer=officer, provider_users=provider_users)


def _load_monitoring_demo(programme: Programme, *, officer: User, provider_users: Iterable[User]) -> bool:
    services.monitoring_settings(programme)  # the defaults: amber within 10%, returns due 30 days after quarter end
    if Outcome.objects.filter(programme=programme).exists():
        return False
    by_org = {user.organisation_id: user for user in provider_users}
    by_name = {user.organisation.name.split()[0]: user for user in by_org.values() if user.organisation_id}
    years = {start: financial_year_get(start_year=start) for start in RETURN_YEARS}

    kpis = _load_framework(programme, officer, by_name)

    agreements = list(
        programme.agreements.filter(status=Agreement.Status.ACTIVE).select_related("organisation").order_by("reference")
    )
    targets: dict[int, dict[tuple[str, int], list[Decimal]]] = {}
    for agreement in agreements:
        scale = _core_value(agreement, years[2022]) / REFERENCE_GRANT
        targets[agreement.pk] = {}
        for start, fy in years.items():
            if not _runs_in(agreement, fy):
                continue
            for code in AGREED_CODES:
                target = services.target_set(
                    agreement=agreement,
                    kpi=kpis[code],
                    year=fy,
                    annual_target=annual_target(SPECS[code], agreement, scale, fy),
                    actor=officer,
                )
                targets[agreement.pk][code, start] = target.quarter_targets

    def returns_for(year_start: int) -> None:
        for agreement in agreements:
            provider = by_org.get(agreement.organisation_id)
            if provider is None:
                continue
            quarters = [
                (y, q)
                for y, q in RETURN_QUARTERS
                if y == year_start and (AGREED_CODES[0], y) in targets[agreement.pk] and _quarter_in(agreement, y, q)
            ]
            _load_returns(
                agreement,
                kpis=kpis,
                targets=targets[agreement.pk],
                years=years,
                quarters=quarters,
                officer=officer,
                provider=provider,
            )

    # 2021-22 returns are made against VO2 version 1; it is refined in April 2022, so 2022-23's use version 2.
    returns_for(2021)
    _refine_vo2(kpis["VO2"], officer)
    returns_for(2022)
    return True
