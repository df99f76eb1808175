"""A closed call ready for assessment, built directly with the models (the build and apply services are
another engineer's; these tests only need what they would leave behind), and helpers to score and moderate."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth.models import Group
from django.utils import timezone

from tests.factories import OrganisationFactory, UserFactory, funded_programme
from tests.monitoring.test_returns import make_kpis
from vcsgrants.calls.models import (
    Answer,
    ApplicantProfile,
    Application,
    Assignment,
    Call,
    CallKpi,
    CoApplicant,
    Criterion,
    FormQuestion,
    FormSection,
    Lot,
)
from vcsgrants.calls.services import assess as services
from vcsgrants.core.models import Organisation, Role, User

D = Decimal
CRITERIA = [  # title, weight
    ("Method statement", 30),
    ("Added value", 20),
    ("Safeguarding", 20),
    ("Inclusion", 15),
    ("Price", 15),
]


@dataclass
class AssessCall:
    call: Call
    officer: User
    assessors: list[User]
    lots: list[Lot]
    criteria: list[Criterion]
    apps: dict[str, Application]  # by reference
    applicants: dict[str, User]  # applicant user by application reference
    funded: object
    kpis: tuple


def _applicant(name: str) -> User:
    organisation = OrganisationFactory(name=name, kind=Organisation.Kind.APPLICANT)
    ApplicantProfile.objects.create(
        organisation=organisation, contact_name="Contact", contact_email=f"{organisation.slug}@example.org"
    )
    return UserFactory(roles=[Role.APPLICANT], organisation=organisation, email=f"user@{organisation.slug}.example")


def build_assess_call(officer: User, districts, *, closed: bool = True) -> AssessCall:
    funded = funded_programme(actor=officer, areas=districts, start_years=(2024, 2025), allocation=D("40000.00"))
    kpis = make_kpis(funded.programme, officer)
    now = timezone.now()
    call = Call.objects.create(
        programme=funded.programme,
        title="Infrastructure support 2024-26",
        reference="infra-2024",
        description="Support for local groups.",
        stream=funded.stream,
        opens_at=now - dt.timedelta(days=30),
        closes_at=now - dt.timedelta(days=1) if closed else now + dt.timedelta(days=10),
        agreement_start=dt.date(2024, 4, 1),
        agreement_end=dt.date(2026, 3, 31),
        published_at=now - dt.timedelta(days=40),
        created_by=officer,
    )
    lots = [
        Lot.objects.create(call=call, number=1, name=districts[0].name, area=districts[0], amount=D("30000.00")),
        Lot.objects.create(call=call, number=2, name=districts[1].name, area=districts[1], amount=D("20000.00")),
    ]
    criteria = [
        Criterion.objects.create(
            call=call, number=i, title=title, weight=weight, max_score=5, guidance="0 = no answer … 5 = excellent"
        )
        for i, (title, weight) in enumerate(CRITERIA, start=1)
    ]
    CallKpi.objects.create(call=call, kpi=kpis[0], annual_target=D("10"))
    section = FormSection.objects.create(call=call, number=1, title="Your proposal")
    question = FormQuestion.objects.create(section=section, number=1, text="How will you deliver?", kind="long_text")
    apps, applicants = {}, {}
    specs = [  # reference, lot, amount, eligible
        ("INFRA-001", 0, "20000.00", True),
        ("INFRA-002", 0, "15000.00", True),
        ("INFRA-003", 0, "10000.00", True),
        ("INFRA-004", 1, "20000.00", True),
        ("INFRA-005", 0, "5000.00", False),
    ]
    for reference, lot, amount, eligible in specs:
        user = _applicant(f"Applicant {reference} (test)")
        application = Application.objects.create(
            call=call,
            lot=lots[lot],
            organisation=user.organisation,
            reference=reference,
            project_title=f"Project {reference}",
            amount_requested=D(amount),
            status=Application.Status.SUBMITTED,
            created_by=user,
            submitted_by=user,
            submitted_at=now - dt.timedelta(days=2),
            eligible=eligible,
            ineligible_reasons=[] if eligible else ["It is not a registered charity or community group."],
        )
        Answer.objects.create(application=application, question=question, value=f"Our plan for {reference}.")
        CoApplicant.objects.create(application=application, name=f"Partner of {reference}", role="Volunteering")
        apps[reference], applicants[reference] = application, user
    assessors = [UserFactory(roles=[Role.ASSESSOR], email=f"assessor{i}@council.example") for i in range(3)]
    Group.objects.get_or_create(name=Role.PROVIDER.value)
    return AssessCall(call, officer, assessors, lots, criteria, apps, applicants, funded, kpis)


def score(ac: AssessCall, assignment: Assignment, values: list[int], *, submit: bool = True) -> Assignment:
    if assignment.conflict == Assignment.Conflict.UNDECLARED:
        services.conflict_declare(assignment=assignment, actor=assignment.assessor, conflict=False)
    return services.scores_save(
        assignment=assignment,
        actor=assignment.assessor,
        submit=submit,
        entries=[services.ScoreInput(c, v, f"Comment on {c.title}") for c, v in zip(ac.criteria, values, strict=True)],
    )


def assess_and_moderate(ac: AssessCall, recommendations: dict[str, str]) -> None:
    """Two assessors score every eligible application; each is moderated at its panel mean."""
    services.lot_assign(lot=None, call=ac.call, assessors=ac.assessors[:2], actor=ac.officer)
    for reference, recommendation in recommendations.items():
        application = ac.apps[reference]
        for assignment in application.assignments.all():
            score(ac, assignment, [4, 3, 4, 3, 4])
        services.moderate(
            application=application,
            actor=ac.officer,
            moderated_score=D("73.00") if reference != "INFRA-002" else D("80.00"),
            score_reason="" if reference != "INFRA-002" else "The panel agreed the method statement was the strongest.",
            recommendation=recommendation,
            reason=f"Reasons for {reference}.",
            conditions="Quarterly meetings." if recommendation == "fund_with_conditions" else "",
        )
