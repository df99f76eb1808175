"""The demo's open call: re-commissioning VCS infrastructure support from 1 April 2024, closed, with applications.

Everything here is illustrative (the call, its money, the applicants' answers): the minute gives no such figures.
Built through the same services people use, with `now` set to the dates the call ran, so the records read as
they would have: published in September 2023, open from October, closed at 5pm on 1 December 2023.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from vcsgrants.calls.models import Call, FormQuestion
from vcsgrants.calls.services import apply, build
from vcsgrants.core.models import Area, User
from vcsgrants.core.money import apportion
from vcsgrants.funding.models import FundingStream, Programme

UK = ZoneInfo("Europe/London")
REFERENCE = "vcs-infra-2024"
PUBLISHED = dt.datetime(2023, 9, 25, 10, 0, tzinfo=UK)
OPENS = dt.datetime(2023, 10, 2, 9, 0, tzinfo=UK)
CLOSES = dt.datetime(2023, 12, 1, 17, 0, tzinfo=UK)
K = FormQuestion.Kind
D = Decimal

# Lots: (name, GSS code of the area, money each year) — illustrative.
LOTS = [
    ("Amber Valley", "E07000032", D("58000.00")),
    ("Bolsover", "E07000033", D("44000.00")),
    ("Derbyshire Dales", "E07000035", D("41000.00")),
]
BUDGET_HEADINGS = ["Staff", "Premises", "Volunteer expenses", "Training and events", "Management and overheads"]
BUDGET_WEIGHTS = [62, 12, 8, 8, 10]

DESCRIPTION = (
    "Illustrative demo call. Following its review of VCS infrastructure provision, the council invites voluntary and "
    "community sector infrastructure organisations to apply to provide support to local groups from 1 April 2024 for "
    "two years, in three lots. Support covers volunteering, funding advice, governance and representation.\n\n"
    "Applications are scored on a method statement, added value, safeguarding, inclusion and price."
)

# (lot index, project title, amount a year, answers to the two eligibility questions, method statement, groups)
APPLICATIONS = [
    (
        2,
        "Dales community hub network",
        D("39500.00"),
        ("No", "Yes"),  # not yet a registered charity: ineligible (an officer may override, e.g. registration pending)
        "We will run hub sessions in four market towns, with outreach to village halls, and a volunteer brokerage "
        "service matching people to local groups. A part-time funding adviser will run monthly surgeries.",
        140,
    ),
    (
        0,
        "Amber Valley volunteering and group support",
        D("57250.00"),
        ("Yes", "Yes"),
        "We will continue our volunteer centre, add a governance health-check for small groups, and run quarterly "
        "networking forums with the district's parish councils.",
        310,
    ),
    (
        1,
        "Bolsover groups support service",
        D("43800.00"),
        ("Yes", "Yes"),
        "A development worker for new groups, a funding bulletin, and one-to-one support on safeguarding and "
        "policies, delivered from our office and two satellite sites.",
        185,
    ),
    (
        2,
        "Dales outreach and volunteering",
        D("36000.00"),
        ("Yes", "Yes"),
        "We will extend our volunteering service into the Dales through a mobile adviser two days a week, working "
        "from the library in Matlock, where we already run a weekly session.",
        60,
    ),
]


def _stream(programme: Programme) -> FundingStream | None:
    return (
        programme.streams.filter(recurrence=FundingStream.Recurrence.RECURRENT).order_by("pk").first()
        or programme.streams.order_by("pk").first()
    )


def _build(programme: Programme, officer: User) -> Call | None:
    stream = _stream(programme)
    areas = {a.gss_code: a for a in Area.objects.filter(gss_code__in=[gss for _, gss, _ in LOTS])}
    if stream is None or len(areas) < len(LOTS):
        return None
    call = build.call_create(
        programme=programme,
        title="Re-commissioning VCS infrastructure support, 2024 to 2026 (demo)",
        reference=REFERENCE,
        description=DESCRIPTION,
        stream=stream,
        opens_at=OPENS,
        closes_at=CLOSES,
        agreement_start=dt.date(2024, 4, 1),
        agreement_end=dt.date(2026, 3, 31),
        actor=officer,
        is_demo=True,
    )
    for name, gss, amount in LOTS:
        build.lot_add(call=call, name=name, area=areas[gss], amount=amount, actor=officer, now=PUBLISHED)
    yes = {"kind": "yes_no", "hint": "", "options": [], "passing_answers": ["Yes"]}
    build.eligibility_add(
        call=call,
        text="Is your organisation a registered charity, charitable incorporated organisation or community interest company?",
        failure_reason="Only charities, CIOs and CICs may apply.",
        actor=officer,
        now=PUBLISHED,
        **yes,
    )
    build.eligibility_add(
        call=call,
        text="Does your organisation have a base in, or already deliver support in, the lot's area?",
        failure_reason="The call funds organisations already working in the lot's area.",
        actor=officer,
        now=PUBLISHED,
        **yes,
    )
    about = build.section_add(call=call, title="About your organisation", actor=officer, now=PUBLISHED)
    proposal = build.section_add(call=call, title="Your proposal", actor=officer, now=PUBLISHED)
    blank = {"hint": "", "required": True, "word_limit": None, "options": [], "budget_lines": []}
    questions = [
        (about, K.SHORT_TEXT, "Name and job title of the person responsible for this service", {"word_limit": 20}),
        (about, K.NUMBER, "How many groups did you support last year?", {}),
        (about, K.YES_NO, "Has your safeguarding policy been reviewed in the last 12 months?", {}),
        (
            about,
            K.CHOICE,
            "The main kind of support you give",
            {"options": ["Volunteering", "Funding advice", "Governance", "Representation"]},
        ),
        (proposal, K.LONG_TEXT, "Method statement: how will you deliver the service?", {"word_limit": 500}),
        (proposal, K.MONEY, "Your organisation's annual income", {}),
        (proposal, K.BUDGET, "Your budget for each year", {"budget_lines": BUDGET_HEADINGS}),
        (proposal, K.FILE, "Your safeguarding policy (optional)", {"required": False}),
    ]
    for section, kind, text, extra in questions:
        build.question_add(section=section, text=text, kind=kind, actor=officer, now=PUBLISHED, **{**blank, **extra})
    guidance = (
        b"Guidance for applicants (illustrative demo document)\n\n"
        b"Apply by 5pm on 1 December 2023. Lots, money and the scoring criteria are on the call's page.\n"
    )
    build.document_add(
        call=call,
        title="Guidance for applicants (demo)",
        upload=SimpleUploadedFile("guidance-for-applicants-demo.txt", guidance),
        actor=officer,
        now=PUBLISHED,
    )
    build.call_publish(call=call, actor=officer, now=PUBLISHED)
    return call


def _apply(call: Call, user: User, row, index: int) -> None:
    lot_index, title, amount, (charity, local), method, groups = row
    lots = list(call.lots.order_by("number"))
    when = OPENS + dt.timedelta(days=10 + 7 * index)
    application = apply.application_start(
        call=call, lot=lots[lot_index], project_title=title, amount_requested=amount, actor=user, now=when
    )
    first, second = call.eligibility_questions.order_by("number")
    apply.eligibility_save(application=application, answers={first.pk: charity, second.pk: local}, actor=user, now=when)
    about, proposal = call.sections.order_by("number")
    q = {question.kind: question for question in FormQuestion.objects.filter(section__call=call)}
    apply.section_save(
        application=application,
        section=about,
        values={
            q[K.SHORT_TEXT].pk: "Jo Bloggs (demo), Services Manager",
            q[K.NUMBER].pk: str(groups),
            q[K.YES_NO].pk: "Yes",
            q[K.CHOICE].pk: "Volunteering" if index % 2 == 0 else "Funding advice",
        },
        actor=user,
        now=when,
    )
    budget = dict(zip(BUDGET_HEADINGS, (f"{a:.2f}" for a in apportion(amount, BUDGET_WEIGHTS)), strict=True))
    apply.section_save(
        application=application,
        section=proposal,
        values={q[K.LONG_TEXT].pk: method, q[K.MONEY].pk: f"{amount * 4:,.2f}", q[K.BUDGET].pk: budget},
        actor=user,
        now=when,
    )
    apply.application_submit(application=application, actor=user, now=when + dt.timedelta(days=2))


@transaction.atomic
def load_demo_call(programme: Programme, *, officer: User, applicant_users: list[User]) -> Call | None:
    """One closed call with illustrative applications (the applicant user's is the ineligible one).

    Returns None when it is already there, or when the programme lacks the stream or districts it needs.
    """
    if Call.objects.filter(reference=REFERENCE).exists():
        return None
    call = _build(programme, officer)
    if call is None:
        return None
    for index, (user, row) in enumerate(zip(applicant_users, APPLICATIONS, strict=False)):
        _apply(call, user, row, index)
    return call
