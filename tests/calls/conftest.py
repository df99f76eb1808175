"""Shared fixtures for the open-calls tests: a complete small call built through the build services.

`build_call(officer, areas, ...)` makes a call on a funded programme with two lots, two eligibility questions and a
form of two sections covering all eight kinds of question, published and open (or as asked). `call_factory` is the
fixture form. The assess engineer may add fixtures at the END of this file.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.utils import timezone

from tests.factories import OrganisationFactory, UserFactory, funded_programme
from vcsgrants.calls.models import ApplicantProfile, Call, EligibilityQuestion, FormQuestion, FormSection, Lot
from vcsgrants.calls.services import build
from vcsgrants.core.models import Area, Organisation, Role, User

Kind = FormQuestion.Kind


@dataclass
class BuiltCall:
    call: Call
    lots: list[Lot]
    sections: list[FormSection]
    questions: dict[str, FormQuestion]  # by kind
    eligibility: list[EligibilityQuestion]


def build_call(
    officer: User,
    areas: list[Area],
    *,
    reference: str = "test-call",
    opens_at: dt.datetime | None = None,
    closes_at: dt.datetime | None = None,
    publish: bool = True,
    lot_amount: Decimal = Decimal("40000.00"),
) -> BuiltCall:
    now = timezone.now()
    opens_at = opens_at or now - dt.timedelta(days=1)
    closes_at = closes_at or now + dt.timedelta(days=14)
    funded = funded_programme(actor=officer, areas=areas)
    call = build.call_create(
        programme=funded.programme,
        title="Infrastructure support 2024 to 2026",
        reference=reference,
        description="Support for local voluntary groups.",
        stream=funded.stream,
        opens_at=opens_at,
        closes_at=closes_at,
        agreement_start=dt.date(2024, 4, 1),
        agreement_end=dt.date(2026, 3, 31),
        actor=officer,
    )
    lots = [build.lot_add(call=call, name=a.name, area=a, amount=lot_amount, actor=officer) for a in areas]
    eligibility = [
        build.eligibility_add(
            call=call,
            text="Are you a registered charity or community interest company?",
            hint="",
            kind="yes_no",
            options=[],
            passing_answers=["Yes"],
            failure_reason="Only charities and CICs may apply.",
            actor=officer,
        ),
        build.eligibility_add(
            call=call,
            text="Where do you work?",
            hint="",
            kind="choice",
            options=["In the county", "Elsewhere"],
            passing_answers=["In the county"],
            failure_reason="The call funds work in the county only.",
            actor=officer,
        ),
    ]
    about = build.section_add(call=call, title="About your organisation", actor=officer)
    plan = build.section_add(call=call, title="Your plan and budget", actor=officer)

    def q(section, kind, text, **extra):
        fields = {"hint": "", "required": True, "word_limit": None, "options": [], "budget_lines": [], **extra}
        return build.question_add(section=section, text=text, kind=kind, actor=officer, **fields)

    questions = {
        Kind.SHORT_TEXT: q(about, Kind.SHORT_TEXT, "Your main contact's job title", word_limit=10),
        Kind.NUMBER: q(about, Kind.NUMBER, "How many volunteers do you support each year?"),
        Kind.YES_NO: q(about, Kind.YES_NO, "Do you have a safeguarding policy?"),
        Kind.CHOICE: q(about, Kind.CHOICE, "Your main area of work", options=["Volunteering", "Advice", "Rural"]),
        Kind.LONG_TEXT: q(plan, Kind.LONG_TEXT, "Your method statement", word_limit=50),
        Kind.MONEY: q(plan, Kind.MONEY, "Your annual turnover"),
        Kind.BUDGET: q(plan, Kind.BUDGET, "Your budget for a year", budget_lines=["Staff", "Premises", "Volunteer expenses"]),
        Kind.FILE: q(plan, Kind.FILE, "Your safeguarding policy", required=False),
    }
    if publish:
        build.call_publish(call=call, actor=officer, now=min(now, opens_at - dt.timedelta(hours=1)))
    call.refresh_from_db()
    return BuiltCall(call, lots, [about, plan], questions, eligibility)


def applicant_user(name: str = "Hope Valley Hub (test)") -> User:
    organisation = OrganisationFactory(name=name, kind=Organisation.Kind.APPLICANT)
    ApplicantProfile.objects.create(
        organisation=organisation, contact_name="Pat Contact", contact_email=f"contact@{organisation.slug}.example"
    )
    return UserFactory(roles=[Role.APPLICANT], organisation=organisation, email=f"user@{organisation.slug}.example")


@pytest.fixture
def call_factory(officer, districts):
    def make(**kwargs) -> BuiltCall:
        return build_call(officer, districts, **kwargs)

    return make


@pytest.fixture
def built(call_factory) -> BuiltCall:
    return call_factory()


@pytest.fixture
def applicant(db) -> User:
    return applicant_user()
