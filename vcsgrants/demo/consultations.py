"""The demo's consultation on the review of VCS infrastructure provision, with illustrative responses.

Called by ``load_demo`` after the programme is loaded. Every write goes through
vcsgrants.engagement.services.consultations at a moment inside the consultation's (illustrative) dates,
so it is validated like a real response. Idempotent: a programme that already has the demo consultation
is left as it is. The dates, the responses and the respondents are illustrative; the providers are the
demo's fictional ones, and the public respondents are anonymous or name fictional groups marked (demo).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from vcsgrants.core.models import User
from vcsgrants.engagement.models.consultations import DEFAULT_PRIVACY_NOTICE, LIKERT_OPTIONS, Consultation, Question
from vcsgrants.engagement.services import consultations as services
from vcsgrants.funding.models import Programme

TITLE = "The review of VCS infrastructure provision: proposals"


def _uk(year: int, month: int, day: int, hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime(year, month, day, hour, minute), timezone.get_default_timezone())


OPENS = _uk(2021, 11, 1, 9)  # illustrative: twelve weeks, ending before the Cabinet report of 10 February 2022
CLOSES = _uk(2022, 1, 24, 17)
SET_UP = _uk(2021, 10, 18, 10)

DESCRIPTION = "\n\n".join(
    [
        "Demo content: this consultation, its dates and every response to it are illustrative, not real.",
        "The council funds voluntary and community sector (VCS) infrastructure organisations - councils for voluntary "
        "service, volunteer centres and rural bodies - to support local charities and community groups. As part of its "
        "review of that provision, we would like your views on these proposals:",
        "\n".join(
            [
                "1. Keep funding infrastructure through district-level allocations, with a Service Level Agreement for each "
                "organisation and district.",
                "2. Develop options for sharing the funding between districts with greater equity of provision: current levels, "
                "equal shares, shares by population, or shares weighted by need (population, deprivation and rurality).",
                "3. Move towards longer-term, multi-year funding agreements with providers.",
                "4. Hold every provider to one shared outcomes framework, with Key Performance Indicators designed together "
                "with providers.",
                "5. Work with our funding partners, including the NHS and Public Health, towards one consistent approach.",
            ]
        ),
    ]
)

STA, AG, NEI, DIS, STD = LIKERT_OPTIONS
SHARES = [
    "Keep each district's current level",
    "An equal share for each district",
    "Shares in proportion to population",
    "Shares weighted by need (population, deprivation and rurality)",
    "Don't know",
]
SUPPORT = [
    "Volunteer recruitment and placement",
    "Funding advice and bid writing",
    "Governance, policies and training",
    "Representing the sector in partnerships",
    "Digital skills and tools",
    "Safeguarding advice",
]
CURRENT, EQUAL, PER_HEAD, NEED, DONT_KNOW = SHARES
VOL, FUND, GOV, REP, DIG, SAFE = SUPPORT


@dataclass(frozen=True)
class QuestionSpec:
    text: str
    kind: str
    required: bool = True
    options: Sequence[str] = ()
    hint: str = ""


QUESTIONS = [
    QuestionSpec(
        "We propose to keep funding VCS infrastructure through district-level allocations, with a Service Level "
        "Agreement for each organisation and district. How far do you agree?",
        Question.Kind.SCALE,
    ),
    QuestionSpec("Which way of sharing the funding between districts do you prefer?", Question.Kind.SINGLE, options=SHARES),
    QuestionSpec(
        "Which kinds of support from infrastructure organisations matter most to you or your group?",
        Question.Kind.MULTIPLE,
        required=False,
        options=SUPPORT,
    ),
    QuestionSpec(
        "Longer-term, multi-year funding agreements would help infrastructure organisations plan and keep their staff. "
        "How far do you agree?",
        Question.Kind.SCALE,
        required=False,
    ),
    QuestionSpec("Is there anything else you would like to tell us about these proposals?", Question.Kind.TEXT, required=False),
]


@dataclass(frozen=True)
class Answers:
    """One illustrative respondent's answers to the five questions, and when they answered."""

    days_in: int
    q1: str
    q2: str
    q3: Sequence[str] = ()
    q4: str = ""
    q5: str = ""
    organisation: str = ""  # what a public respondent gave as their organisation


# Provider organisations' responses, in the order of the demo's providers (the first six respond).
PROVIDER_ANSWERS = [
    Answers(
        9, STA, NEED, (VOL, FUND, REP), STA, "A multi-year settlement would let us keep our funding adviser post beyond March."
    ),
    Answers(
        23,
        AG,
        NEED,
        (VOL, GOV),
        STA,
        "Any formula should reflect deprivation, with a floor so that no district loses its service.",
    ),
    Answers(30, AG, CURRENT, (FUND, DIG), AG),
    Answers(41, NEI, EQUAL, (VOL, REP, SAFE), STA, "Rural areas cost more to serve: travel time should count as need."),
    Answers(55, AG, PER_HEAD, (VOL, DIG), AG),
    Answers(76, DIS, CURRENT, (FUND, GOV, SAFE), NEI, "Please phase any change in over two or three years."),
]
# Members of the public (some giving a fictional group's name).
PUBLIC_ANSWERS = [
    Answers(2, AG, NEED, (VOL,), AG, organisation="Hilltop Allotment Society (demo)"),
    Answers(4, STA, NEED, (FUND, GOV), STA, "Our lunch club would not exist without the bid-writing help we had."),
    Answers(8, AG, DONT_KNOW, (VOL, SAFE)),
    Answers(13, NEI, EQUAL, (), NEI),
    Answers(17, AG, PER_HEAD, (VOL, DIG), AG, organisation="Riverside Lunch Club (demo)"),
    Answers(20, STA, NEED, (VOL, FUND, REP), STA),
    Answers(28, DIS, CURRENT, (GOV,), DIS, "Small groups need simple forms, not more monitoring."),
    Answers(33, AG, NEED, (DIG,), AG),
    Answers(45, STD, EQUAL, (), ""),
    Answers(51, AG, PER_HEAD, (VOL, SAFE), STA, organisation="Moorside Youth Football (demo)"),
    Answers(62, STA, NEED, (FUND,), STA, "Please keep a local office in each district."),
    Answers(80, AG, CURRENT, (VOL, GOV, DIG), AG),
]
SPAM = Answers(66, STA, DONT_KNOW, (), "", "Cheap watches and free prizes at example.invalid")


def add_demo_questions(consultation: Consultation, *, actor: User, now: dt.datetime | None = None) -> list[Question]:
    """The demo's five questions, one of each kind and a second scale, added to a consultation before it opens."""
    return [
        services.question_add(
            consultation=consultation,
            text=spec.text,
            kind=spec.kind,
            required=spec.required,
            options=list(spec.options),
            hint=spec.hint,
            actor=actor,
            now=now,
        )
        for spec in QUESTIONS
    ]


def load_consultations_demo(programme: Programme, *, officer: User, provider_users: Sequence[User]) -> bool:
    """The closed demo consultation with illustrative responses; False (and no change) if it is there already."""
    if Consultation.objects.filter(programme=programme, title=TITLE).exists():
        return False
    with transaction.atomic():
        consultation = services.consultation_create(
            programme=programme,
            title=TITLE,
            description=DESCRIPTION,
            opens_at=OPENS,
            closes_at=CLOSES,
            privacy_notice=DEFAULT_PRIVACY_NOTICE,
            accepts_public=True,
            ask_organisation=True,
            is_demo=True,
            actor=officer,
            now=SET_UP,
        )
        questions = add_demo_questions(consultation, actor=officer, now=SET_UP)

        def answers(spec: Answers) -> dict[int, str | list[str]]:
            q1, q2, q3, q4, q5 = questions
            return {q1.pk: spec.q1, q2.pk: spec.q2, q3.pk: list(spec.q3), q4.pk: spec.q4, q5.pk: spec.q5}

        def at(spec: Answers, hour: int) -> dt.datetime:
            return OPENS + dt.timedelta(days=spec.days_in, hours=hour)

        for user, spec in zip(provider_users, PROVIDER_ANSWERS, strict=False):
            services.provider_response_save(
                consultation=consultation,
                organisation=user.organisation,
                answers=answers(spec),
                actor=user,
                is_illustrative=True,
                now=at(spec, 2),
            )
        if provider_users:  # the first provider changes its response a week later, as colleagues may
            first, spec = provider_users[0], PROVIDER_ANSWERS[0]
            services.provider_response_save(
                consultation=consultation,
                organisation=first.organisation,
                answers=answers(spec),
                actor=first,
                is_illustrative=True,
                now=at(spec, 2) + dt.timedelta(days=7),
            )
        for spec in PUBLIC_ANSWERS:
            services.public_response_save(
                consultation=consultation,
                answers=answers(spec),
                organisation=spec.organisation,
                is_illustrative=True,
                now=at(spec, 5),
            )
        spam = services.public_response_save(
            consultation=consultation, answers=answers(SPAM), is_illustrative=True, now=at(SPAM, 3)
        )
        services.response_exclude(response=spam, reason="Spam (advertising)", actor=officer, now=CLOSES)
    return True
