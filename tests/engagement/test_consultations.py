"""Consultations: set-up and freezing, responses from providers and the public, the summary and its XLSX.

Services take `now`, so most tests act at fixed moments; page tests build consultations around the real clock.
"""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import openpyxl
import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.factories import OrganisationFactory, UserFactory, line
from tests.versions import post_opened
from vcsgrants.core.dates import clock_text, moment_text
from vcsgrants.core.models import AuditEvent, Role
from vcsgrants.engagement.forms.consultations import ConsultationForm
from vcsgrants.engagement.models.consultations import (
    LIKERT_OPTIONS,
    Answer,
    Consultation,
    ConsultationDocument,
    ConsultationResponse,
    Question,
)
from vcsgrants.engagement.selectors import consultations as selectors
from vcsgrants.engagement.services import consultations as services
from vcsgrants.funding.services import agreements as funding_services

pytestmark = pytest.mark.django_db

UTC = dt.UTC


def consultation_url_args(agreement) -> dict[str, list]:
    """URL args for tests/test_permissions.py: the demo's (closed) consultation, one of its questions, documents and responses."""
    from vcsgrants.core.models import User
    from vcsgrants.demo.consultations import load_consultations_demo

    programme = agreement.programme
    if not Consultation.objects.filter(programme=programme).exists():  # until load_demo loads it itself
        providers = list(User.objects.filter(username__startswith="provider-").order_by("pk"))
        load_consultations_demo(programme, officer=User.objects.get(username="officer"), provider_users=providers)
    consultation = Consultation.objects.filter(programme=programme).first()
    document = consultation.documents.first() or ConsultationDocument.objects.create(
        consultation=consultation,
        title="Proposals",
        file=ContentFile(b"The proposals", name="proposals.txt"),
        original_name="proposals.txt",
        size=13,
        uploaded_by=consultation.created_by,
    )
    question = consultation.questions.first()
    token = consultation.public_token
    return {
        "consultation-create": [programme.slug],
        "consultation-detail": [consultation.pk],
        "consultation-edit": [consultation.pk],
        "consultation-question-create": [consultation.pk],
        "consultation-question-edit": [question.pk],
        "consultation-question-delete": [question.pk],
        "consultation-question-move": [question.pk],
        "consultation-document-upload": [consultation.pk],
        "consultation-document-download": [document.pk],
        "consultation-respond": [consultation.pk],
        "consultation-summary": [consultation.pk],
        "consultation-summary-xlsx": [consultation.pk],
        "consultation-responses": [consultation.pk],
        "consultation-response-exclude": [consultation.responses.first().pk],
        "consultation-public": [token],
        "consultation-public-sent": [token],
        "consultation-public-document": [token, document.pk],
    }


# --- fixtures ------------------------------------------------------------------------------------

OPENS = dt.datetime(2022, 6, 1, 8, 0, tzinfo=UTC)  # 9am BST
CLOSES = dt.datetime(2022, 7, 15, 16, 0, tzinfo=UTC)  # 5pm BST
BEFORE = OPENS - dt.timedelta(days=7)
DURING = OPENS + dt.timedelta(days=3)
AFTER = CLOSES + dt.timedelta(seconds=1)


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()  # the public link's rate limit counts in the cache
    yield
    cache.clear()


@pytest.fixture
def provider_org(funded, fy2022):
    org = OrganisationFactory(name="Kestrel Test Voluntary Action")
    funding_services.agreement_create(
        programme=funded.programme,
        organisation=org,
        areas=[funded.areas[0]],
        title="SLA",
        start_date=dt.date(2022, 4, 1),
        end_date=dt.date(2023, 3, 31),
        actor=funded.actor,
        lines=[line(funded.stream, fy2022, funded.areas[0], "1000")],
    )
    return org


@pytest.fixture
def provider(provider_org):
    return UserFactory(roles=[Role.PROVIDER], organisation=provider_org)


@pytest.fixture
def colleague(provider_org):
    return UserFactory(roles=[Role.PROVIDER], organisation=provider_org)


def make_consultation(programme, officer, *, opens=OPENS, closes=CLOSES, now=None, **kwargs) -> Consultation:
    consultation = services.consultation_create(
        programme=programme,
        title=kwargs.pop("title", "Review of provision"),
        description="Our proposals.",
        opens_at=opens,
        closes_at=closes,
        privacy_notice="We use your answers only for this review.",
        actor=officer,
        now=now or opens - dt.timedelta(days=1),
        **kwargs,
    )
    at = now or opens - dt.timedelta(days=1)
    add = services.question_add
    add(consultation=consultation, text="How far do you agree?", kind=Question.Kind.SCALE, actor=officer, now=at)
    add(
        consultation=consultation,
        text="Which option?",
        kind=Question.Kind.SINGLE,
        options=["Current levels", "Equal shares", "Per head"],
        actor=officer,
        now=at,
    )
    add(
        consultation=consultation,
        text="What matters?",
        kind=Question.Kind.MULTIPLE,
        options=["Volunteering", "Funding advice", "Training"],
        required=False,
        actor=officer,
        now=at,
    )
    add(
        consultation=consultation,
        text="Anything else?",
        kind=Question.Kind.TEXT,
        required=False,
        max_length=100,
        actor=officer,
        now=at,
    )
    return consultation


@pytest.fixture
def consultation(funded, officer):
    return make_consultation(funded.programme, officer, now=BEFORE)


def answers_for(consultation, scale="Agree", single="Equal shares", multiple=("Training",), text="Keep it local."):
    q = {question.kind: question for question in consultation.questions.all()}
    return {
        q["scale"].pk: scale,
        q["single"].pk: single,
        q["multiple"].pk: list(multiple),
        q["text"].pk: text,
    }


@pytest.fixture
def live(funded, officer):
    """A consultation open now (for the pages, which use the clock), accepting the public and asking for an e-mail."""
    now = timezone.now()
    return make_consultation(
        funded.programme,
        officer,
        opens=now - dt.timedelta(hours=1),
        closes=now + dt.timedelta(days=14),
        now=now - dt.timedelta(hours=2),
        ask_email=True,
    )


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


# --- UK times --------------------------------------------------------------------------------------


def test_deadlines_are_written_in_uk_time():
    assert moment_text(dt.datetime(2022, 7, 15, 16, 0, tzinfo=UTC)) == "5pm on 15 July 2022"  # BST
    assert moment_text(dt.datetime(2022, 1, 24, 17, 0, tzinfo=UTC)) == "5pm on 24 January 2022"  # GMT
    assert clock_text(dt.datetime(2022, 7, 15, 11, 0, tzinfo=UTC)) == "midday"
    assert clock_text(dt.datetime(2022, 7, 14, 23, 0, tzinfo=UTC)) == "midnight"
    assert clock_text(dt.datetime(2022, 7, 15, 16, 30, tzinfo=UTC)) == "5:30pm"
    assert clock_text(dt.datetime(2022, 1, 3, 9, 5, tzinfo=UTC)) == "9:05am"


def test_the_form_reads_dates_and_times_as_uk_time(consultation):
    form = ConsultationForm(
        {
            "title": "T",
            "description": "D",
            "opens_at": "2022-06-01",
            "opens_at_time": "09:00",
            "closes_at": "2022-07-15",
            "closes_at_time": "17:00",
            "privacy_notice": "P",
        }
    )
    assert form.is_valid(), form.errors
    values = form.values()
    assert values["opens_at"] == OPENS and values["closes_at"] == CLOSES
    assert consultation.deadline_text == "by 5pm on 15 July 2022"


# --- setting up, and freezing once open ------------------------------------------------------------


def test_bad_dates_and_blank_fields_are_refused_and_nothing_is_created(funded, officer):
    with pytest.raises(ValidationError) as refused:
        services.consultation_create(
            programme=funded.programme,
            title=" ",
            description="",
            opens_at=OPENS,
            closes_at=OPENS,
            privacy_notice="",
            actor=officer,
            now=OPENS + dt.timedelta(minutes=1),
        )
    errors = refused.value.message_dict
    assert errors["title"] == ["Enter a title."]
    assert errors["opens_at"] == ["The opening time must be in the future: questions can be added only before it opens."]
    assert errors["closes_at"] == ["The consultation must close after it opens."]
    assert "privacy_notice" in errors and "description" in errors
    assert not Consultation.objects.exists()


def test_questions_are_ordered_and_checked(consultation, officer):
    assert [(q.number, q.kind) for q in consultation.questions.all()] == [
        (1, "scale"),
        (2, "single"),
        (3, "multiple"),
        (4, "text"),
    ]
    scale = consultation.questions.get(number=1)
    assert (
        scale.choices
        == LIKERT_OPTIONS
        == [
            "Strongly agree",
            "Agree",
            "Neither agree nor disagree",
            "Disagree",
            "Strongly disagree",
        ]
    )
    with pytest.raises(ValidationError) as refused:
        services.question_add(
            consultation=consultation, text="Pick", kind=Question.Kind.SINGLE, options=["Only one"], actor=officer, now=BEFORE
        )
    assert refused.value.message_dict["options"] == ["Give between 2 and 20 options, one on each line."]
    with pytest.raises(ValidationError) as refused:
        services.question_add(
            consultation=consultation, text="Pick", kind=Question.Kind.MULTIPLE, options=["A", "a "], actor=officer, now=BEFORE
        )
    assert refused.value.message_dict["options"] == ["Each option must be different: “a” is given twice."]
    with pytest.raises(ValidationError) as refused:
        services.question_add(
            consultation=consultation, text="Say", kind=Question.Kind.TEXT, max_length=20_000, actor=officer, now=BEFORE
        )
    assert "between 50 and 10,000 characters" in refused.value.message_dict["max_length"][0]
    assert consultation.questions.count() == 4

    services.question_move(question=consultation.questions.get(number=4), direction="up", actor=officer, now=BEFORE)
    assert [q.kind for q in consultation.questions.all()] == ["scale", "single", "text", "multiple"]
    with pytest.raises(ValidationError, match="already first"):
        services.question_move(question=scale, direction="up", actor=officer, now=BEFORE)
    services.question_delete(question=consultation.questions.get(number=2), actor=officer, now=BEFORE)
    assert [(q.number, q.kind) for q in consultation.questions.all()] == [(1, "scale"), (2, "text"), (3, "multiple")]


def test_everything_is_frozen_once_the_consultation_opens(consultation, officer):
    question = consultation.questions.first()
    message = "This consultation opened at 9am on 1 June 2022, so its dates, questions and documents can no longer be changed."
    attempts = [
        lambda: services.consultation_update(consultation=consultation, title="New", actor=officer, now=OPENS),
        lambda: services.question_add(consultation=consultation, text="Q", kind="text", actor=officer, now=DURING),
        lambda: services.question_update(question=question, text="Q", kind="text", actor=officer, now=DURING),
        lambda: services.question_delete(question=question, actor=officer, now=AFTER),
        lambda: services.question_move(question=question, direction="down", actor=officer, now=DURING),
        lambda: services.document_upload(
            consultation=consultation, title="Paper", upload=SimpleUploadedFile("p.txt", b"x"), actor=officer, now=DURING
        ),
    ]
    for attempt in attempts:
        with pytest.raises(ValidationError) as refused:
            attempt()
        assert refused.value.messages == [message]
    consultation.refresh_from_db()
    assert consultation.title == "Review of provision" and consultation.questions.count() == 4
    assert not consultation.documents.exists()
    # Before it opens, an edit is fine and audited.
    services.consultation_update(consultation=consultation, title="Renamed", actor=officer, now=BEFORE)
    assert AuditEvent.objects.filter(verb="consultation.updated", object_id=consultation.pk).exists()


# --- responses ---------------------------------------------------------------------------------------


def test_one_response_per_organisation_shared_by_its_users(consultation, provider, colleague, provider_org):
    first = services.provider_response_save(
        consultation=consultation, organisation=provider_org, answers=answers_for(consultation), actor=provider, now=DURING
    )
    later = DURING + dt.timedelta(days=1)
    second = services.provider_response_save(
        consultation=consultation,
        organisation=provider_org,
        answers=answers_for(consultation, single="Per head", multiple=(), text=""),
        actor=colleague,
        now=later,
    )
    assert first.pk == second.pk
    assert ConsultationResponse.objects.count() == 1
    second.refresh_from_db()
    assert (second.submitted_by, second.submitted_at, second.updated_by, second.updated_at) == (
        provider,
        DURING,
        colleague,
        later,
    )
    saved = {a.question.kind: (a.choices, a.text) for a in second.answers.select_related("question")}
    assert saved == {"scale": (["Agree"], ""), "single": (["Per head"], "")}  # unanswered optional questions are not kept
    verbs = list(AuditEvent.objects.filter(verb="consultation.response_saved").values_list("actor__username", flat=True))
    assert sorted(verbs) == sorted([provider.username, colleague.username])


def test_an_organisation_without_an_agreement_cannot_respond_as_a_provider(consultation):
    stranger_org = OrganisationFactory(name="Elsewhere Trust")
    stranger = UserFactory(roles=[Role.PROVIDER], organisation=stranger_org)
    with pytest.raises(ValidationError, match="holds no agreement"):
        services.provider_response_save(
            consultation=consultation, organisation=stranger_org, answers=answers_for(consultation), actor=stranger, now=DURING
        )
    assert not ConsultationResponse.objects.exists()


def test_late_and_early_responses_are_refused_with_the_time(consultation, provider, provider_org):
    with pytest.raises(ValidationError) as refused:
        services.public_response_save(consultation=consultation, answers=answers_for(consultation), now=AFTER)
    assert refused.value.messages == ["This consultation closed at 5pm on 15 July 2022: responses are no longer accepted."]
    with pytest.raises(ValidationError) as refused:
        services.provider_response_save(
            consultation=consultation, organisation=provider_org, answers=answers_for(consultation), actor=provider, now=BEFORE
        )
    assert refused.value.messages == ["This consultation opens at 9am on 1 June 2022: it is not taking responses yet."]
    assert not ConsultationResponse.objects.exists()


def test_a_providers_response_cannot_change_after_the_close(consultation, provider, provider_org):
    services.provider_response_save(
        consultation=consultation, organisation=provider_org, answers=answers_for(consultation), actor=provider, now=DURING
    )
    with pytest.raises(ValidationError, match="closed at 5pm on 15 July 2022"):
        services.provider_response_save(
            consultation=consultation,
            organisation=provider_org,
            answers=answers_for(consultation, scale="Disagree"),
            actor=provider,
            now=AFTER,
        )
    assert Answer.objects.get(question__kind="scale").choices == ["Agree"]


def test_bad_answers_are_refused_question_by_question_and_nothing_is_half_saved(consultation):
    q = {question.kind: question for question in consultation.questions.all()}
    bad = {
        q["scale"].pk: "",  # required and missing
        q["single"].pk: "Something else",  # not an option
        q["multiple"].pk: ["Training", "Gardening"],
        q["text"].pk: "x" * 101,  # limit 100
    }
    with pytest.raises(ValidationError) as refused:
        services.public_response_save(consultation=consultation, answers=bad, now=DURING)
    assert refused.value.message_dict == {
        f"q{q['scale'].pk}": ["Select an answer to question 1."],
        f"q{q['single'].pk}": ["Select one of the options given for question 2."],
        f"q{q['multiple'].pk}": ["Select one of the options given for question 3."],
        f"q{q['text'].pk}": ["Your answer to question 4 must be 100 characters or fewer; it has 101."],
    }
    with pytest.raises(ValidationError) as refused:
        services.public_response_save(
            consultation=consultation,
            answers={**answers_for(consultation), q["single"].pk: ["Per head", "Equal shares"]},
            now=DURING,
        )
    assert refused.value.message_dict == {f"q{q['single'].pk}": ["Select only one answer to question 2."]}
    assert not ConsultationResponse.objects.exists() and not Answer.objects.exists()


def test_the_public_give_only_the_details_asked_for(consultation, funded, officer):
    with pytest.raises(ValidationError) as refused:
        services.public_response_save(
            consultation=consultation, answers=answers_for(consultation), email="me@example.org", now=DURING
        )
    assert refused.value.message_dict == {"respondent_email": ["This consultation does not ask for this, so it is not kept."]}
    asking = make_consultation(funded.programme, officer, title="Asks for e-mail", now=BEFORE, ask_email=True)
    with pytest.raises(ValidationError) as refused:
        services.public_response_save(consultation=asking, answers=answers_for(asking), email="not-an-address", now=DURING)
    assert "right format" in refused.value.message_dict["respondent_email"][0]
    response = services.public_response_save(consultation=asking, answers=answers_for(asking), email="me@example.org", now=DURING)
    assert (response.channel, response.respondent_email, response.respondent_name) == ("public", "me@example.org", "")
    closed_to_public = make_consultation(funded.programme, officer, title="Providers only", now=BEFORE, accepts_public=False)
    with pytest.raises(ValidationError, match="does not take responses from the public"):
        services.public_response_save(consultation=closed_to_public, answers=answers_for(closed_to_public), now=DURING)


# --- the summary -----------------------------------------------------------------------------------


def test_percentages_are_exact_and_honest_about_rounding():
    assert selectors.percent_of(1, 3) == Decimal("33.3")
    assert selectors.percent_of(2, 3) == Decimal("66.7")
    assert selectors.percent_of(1, 16) == Decimal("6.3")  # 6.25 rounds half up
    assert selectors.percent_of(1, 2000) == Decimal("0.1")  # 0.05 rounds half up
    assert selectors.percent_text(1, 3000) == "<0.1%"
    assert selectors.percent_text(2999, 3000) == ">99.9%"
    assert selectors.percent_text(0, 3000) == "0.0%" and selectors.percent_text(5, 5) == "100.0%"
    thirds = selectors.summarise_question(
        number=1,
        text="Which?",
        kind="single",
        kind_label="Single choice",
        required=True,
        choices=["A", "B", "C"],
        answers=[selectors.AnswerRow(("A",)), selectors.AnswerRow(("B",)), selectors.AnswerRow(("C",))],
        respondents=4,
    )
    assert [(o.count, o.percent_text) for o in thirds.options] == [(1, "33.3%"), (1, "33.3%"), (1, "33.3%")]
    assert thirds.notes == [
        "Percentages are of the 3 respondents who answered this question, rounded to one decimal place.",
        "Because of rounding they add up to 99.9%, not 100%.",
        "1 respondent did not answer this question.",
    ]


def test_the_summary_counts_each_question_from_the_counted_responses(
    consultation, provider, provider_org, officer, django_assert_max_num_queries
):
    services.provider_response_save(
        consultation=consultation,
        organisation=provider_org,
        answers=answers_for(consultation, scale="Strongly agree", multiple=("Training", "Volunteering")),
        actor=provider,
        now=DURING,
    )
    services.public_response_save(consultation=consultation, answers=answers_for(consultation, text=""), now=DURING)
    services.public_response_save(
        consultation=consultation, answers=answers_for(consultation, single="Per head", multiple=()), now=DURING
    )
    spam = services.public_response_save(consultation=consultation, answers=answers_for(consultation, text="Buy now"), now=DURING)
    services.response_exclude(response=spam, reason="Spam", actor=officer)
    with django_assert_max_num_queries(5):
        summary = selectors.consultation_summary(consultation, now=AFTER)
    assert (summary.responses, summary.from_providers, summary.from_public, summary.excluded) == (3, 1, 2, 1)
    assert summary.is_closed and summary.closes_text == "5pm on 15 July 2022"
    scale, single, multiple, text = summary.questions
    assert [(o.label, o.count, o.percent) for o in scale.options] == [
        ("Strongly agree", 1, Decimal("33.3")),
        ("Agree", 2, Decimal("66.7")),
        ("Neither agree nor disagree", 0, Decimal("0.0")),
        ("Disagree", 0, Decimal("0.0")),
        ("Strongly disagree", 0, Decimal("0.0")),
    ]
    assert [(o.label, o.count) for o in scale.scale_totals] == [
        ("Agree or strongly agree", 3),
        ("Neither agree nor disagree", 0),
        ("Disagree or strongly disagree", 0),
    ]
    assert [(o.label, o.count, o.percent_text) for o in single.options] == [
        ("Current levels", 0, "0.0%"),
        ("Equal shares", 2, "66.7%"),
        ("Per head", 1, "33.3%"),
    ]
    assert (multiple.answered, multiple.not_answered) == (2, 1)
    assert [(o.label, o.count, o.percent_text) for o in multiple.options] == [
        ("Volunteering", 1, "50.0%"),
        ("Funding advice", 0, "0.0%"),
        ("Training", 2, "100.0%"),
    ]
    assert [(a.text, a.respondent) for a in text.text_answers] == [
        ("Keep it local.", "Kestrel Test Voluntary Action"),
        ("Keep it local.", "Member of the public"),
    ]
    assert "Buy now" not in str(summary)


def test_the_xlsx_summary_opens_with_the_same_figures(consultation, provider, provider_org):
    services.provider_response_save(
        consultation=consultation, organisation=provider_org, answers=answers_for(consultation), actor=provider, now=DURING
    )
    services.public_response_save(consultation=consultation, answers=answers_for(consultation, scale="Disagree"), now=DURING)
    summary = selectors.consultation_summary(consultation, now=AFTER)
    client = signed_in(UserFactory(roles=[Role.CABINET]))
    response = client.get(reverse("engagement:consultation-summary-xlsx", args=[consultation.pk]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["About", "Counts", "Free text"]
    counts = list(book["Counts"].iter_rows(values_only=True))
    assert counts[0] == (
        "Question",
        "Question text",
        "Kind",
        "Answer",
        "Count",
        "Percent of those answering",
        "Answered",
        "Not answered",
    )
    agree = next(r for r in counts if r[0] == 1 and r[3] == "Agree")
    assert agree[4:] == (1, 50, 2, 0)
    assert sum(r[4] for r in counts if r[0] == 2) == summary.questions[1].answered
    free_text = list(book["Free text"].iter_rows(values_only=True))
    assert free_text[1:] == [
        (4, "Anything else?", "Kestrel Test Voluntary Action", "Keep it local."),
        (4, "Anything else?", "Member of the public", "Keep it local."),
    ]
    about = dict(book["About"].iter_rows(values_only=True))
    assert about["Responses counted"] == 2 and about["Closed"] == "5pm on 15 July 2022"


# --- the public link -------------------------------------------------------------------------------


def public_post(live, **overrides) -> dict:
    q = {question.kind: question for question in live.questions.all()}
    data = {
        f"q{q['scale'].pk}": "Agree",
        f"q{q['single'].pk}": "Per head",
        f"q{q['multiple'].pk}": ["Volunteering", "Training"],
        f"q{q['text'].pk}": "Thank you.",
        "respondent_email": "",
        "website": "",
    }
    return {**data, **overrides}


def test_the_public_respond_without_signing_in(live):
    client = Client()
    url = reverse("engagement:consultation-public", args=[live.public_token])
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert f"Respond {live.deadline_text}." in html
    assert "We use your answers only for this review." in html  # the privacy notice
    assert "Your e-mail address (optional)" in html and "Your name" not in html
    assert 'name="website"' in html  # the honeypot
    assert "/programmes/" not in html and "/consultations/" not in html  # the public page reveals nothing else
    response = client.post(url, public_post(live, respondent_email="me@example.org"))
    assert response.status_code == 302 and response["Location"] == reverse(
        "engagement:consultation-public-sent", args=[live.public_token]
    )
    saved = ConsultationResponse.objects.get()
    assert (saved.channel, saved.organisation, saved.submitted_by, saved.respondent_email) == (
        "public",
        None,
        None,
        "me@example.org",
    )
    assert sorted(a.question.kind for a in saved.answers.all()) == ["multiple", "scale", "single", "text"]
    assert "Response sent" in client.get(response["Location"]).content.decode()


def test_the_public_page_shows_every_problem_and_saves_nothing(live):
    q = {question.kind: question for question in live.questions.all()}
    url = reverse("engagement:consultation-public", args=[live.public_token])
    response = Client().post(
        url,
        public_post(live, **{f"q{q['scale'].pk}": "", f"q{q['text'].pk}": "y" * 101, "respondent_email": "nope"}),
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "There is a problem" in html
    assert "Select an answer to question 1." in html
    assert "Your answer to question 4 must be 100 characters or fewer; it has 101." in html
    assert "Enter an e-mail address in the right format" in html
    assert f'href="#id_q{q["scale"].pk}_0"' in html  # the summary links to the first radio
    assert "y" * 101 in html  # what they wrote is kept on the page
    assert not ConsultationResponse.objects.exists()


def test_a_filled_honeypot_is_thanked_and_discarded(live):
    url = reverse("engagement:consultation-public", args=[live.public_token])
    response = Client().post(url, public_post(live, website="http://spam.example"))
    assert response.status_code == 302
    assert not ConsultationResponse.objects.exists()


def test_the_rate_limit_refuses_a_flood_from_one_address(live, settings):
    settings.CONSULTATION_PUBLIC_RESPONSES_PER_HOUR = 2
    url = reverse("engagement:consultation-public", args=[live.public_token])
    client = Client(REMOTE_ADDR="203.0.113.9")
    assert client.post(url, public_post(live)).status_code == 302
    assert client.post(url, public_post(live)).status_code == 302
    refused = client.post(url, public_post(live))
    assert refused.status_code == 429
    assert "You have sent 2 responses from this connection in the last hour" in refused.content.decode()
    assert ConsultationResponse.objects.count() == 2
    # Another address is not held back; invalid attempts do not use up the allowance.
    other = Client(REMOTE_ADDR="198.51.100.7")
    assert other.post(url, public_post(live, website="", **{f"q{live.questions.first().pk}": ""})).status_code == 200
    assert other.post(url, public_post(live)).status_code == 302
    assert ConsultationResponse.objects.count() == 3


def test_behind_a_proxy_the_rate_limit_counts_the_forwarded_address(live, settings):
    settings.CONSULTATION_PUBLIC_RESPONSES_PER_HOUR = 1
    settings.TRUSTED_PROXIES = 1  # the one setting the sign-in lockout uses too
    url = reverse("engagement:consultation-public", args=[live.public_token])
    first = Client(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.9")
    second = Client(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="spoofed, 198.51.100.7")
    assert first.post(url, public_post(live)).status_code == 302
    assert second.post(url, public_post(live)).status_code == 302
    assert first.post(url, public_post(live)).status_code == 429


def test_with_nginx_on_the_same_machine_the_rate_limit_counts_its_x_real_ip(live, settings):
    """The sign-in lockout's rule: X-Real-IP from the machine itself (nginx) is the visitor; from elsewhere it is not."""
    settings.CONSULTATION_PUBLIC_RESPONSES_PER_HOUR = 1
    url = reverse("engagement:consultation-public", args=[live.public_token])
    first = Client(REMOTE_ADDR="127.0.0.1", HTTP_X_REAL_IP="203.0.113.9")
    second = Client(REMOTE_ADDR="127.0.0.1", HTTP_X_REAL_IP="198.51.100.7")
    assert first.post(url, public_post(live)).status_code == 302
    assert second.post(url, public_post(live)).status_code == 302  # another visitor, though both come from nginx
    assert first.post(url, public_post(live)).status_code == 429
    direct = Client(REMOTE_ADDR="192.0.2.1", HTTP_X_REAL_IP="198.51.100.99")
    assert direct.post(url, public_post(live)).status_code == 302
    assert Client(REMOTE_ADDR="192.0.2.1", HTTP_X_REAL_IP="198.51.100.100").post(url, public_post(live)).status_code == 429


def test_a_late_public_response_is_refused_and_shown_back(consultation, funded, officer):
    now = timezone.now()
    closed = make_consultation(
        funded.programme,
        officer,
        title="Closed",
        opens=now - dt.timedelta(days=10),
        closes=now - dt.timedelta(minutes=1),
        now=now - dt.timedelta(days=11),
    )
    url = reverse("engagement:consultation-public", args=[closed.public_token])
    assert "responses are no longer accepted" in Client().get(url).content.decode()
    response = Client().post(url, public_post(closed))
    html = response.content.decode()
    assert response.status_code == 200
    assert f"This consultation closed at {closed.closes_text}: responses are no longer accepted." in html
    assert "Your response has not been sent" in html and "What you wrote (not sent)" in html
    assert not ConsultationResponse.objects.exists()


def test_unknown_links_and_private_consultations_are_not_found(live, funded, officer):
    assert Client().get("/consult/not-a-token/").status_code == 404
    private = make_consultation(
        funded.programme,
        officer,
        title="Providers only",
        opens=live.opens_at,
        closes=live.closes_at,
        now=timezone.now() - dt.timedelta(hours=3),
        accepts_public=False,
    )
    assert Client().get(reverse("engagement:consultation-public", args=[private.public_token])).status_code == 404


def test_before_it_opens_the_public_page_shows_only_when(consultation):
    now = timezone.now()
    consultation.opens_at, consultation.closes_at = now + dt.timedelta(days=1), now + dt.timedelta(days=2)
    consultation.save()
    services.document_upload(
        consultation=consultation, title="Paper", upload=SimpleUploadedFile("paper.txt", b"draft"), actor=consultation.created_by
    )
    html = Client().get(reverse("engagement:consultation-public", args=[consultation.public_token])).content.decode()
    assert f"This consultation opens at {consultation.opens_text}" in html
    assert "How far do you agree?" not in html and "Our proposals." not in html
    document = consultation.documents.get()
    url = reverse("engagement:consultation-public-document", args=[consultation.public_token, document.pk])
    assert Client().get(url).status_code == 404


# --- providers' and officers' pages ------------------------------------------------------------------


def test_a_provider_responds_and_a_colleague_sees_and_changes_it(live, provider, colleague):
    q = {question.kind: question for question in live.questions.all()}
    url = reverse("engagement:consultation-respond", args=[live.pk])
    client = signed_in(provider)
    assert "Respond" in client.get(reverse("engagement:consultation-detail", args=[live.pk])).content.decode()
    data = {f"q{q['scale'].pk}": "Agree", f"q{q['single'].pk}": "Per head", f"q{q['text'].pk}": "From us."}
    assert client.post(url, data).status_code == 302
    page = signed_in(colleague).get(url).content.decode()
    assert 'value="Per head" id="id_q' in page and "checked" in page and "From us." in page
    assert signed_in(colleague).post(url, {**data, f"q{q['single'].pk}": "Equal shares"}).status_code == 302
    response = ConsultationResponse.objects.get()
    assert response.updated_by == colleague and response.answers.get(question=q["single"]).choices == ["Equal shares"]
    refused = client.post(url, {**data, f"q{q['scale'].pk}": ""})
    assert "Select an answer to question 1." in refused.content.decode()


def test_after_the_close_a_provider_sees_the_response_read_only(consultation, provider, provider_org):
    services.provider_response_save(
        consultation=consultation, organisation=provider_org, answers=answers_for(consultation), actor=provider, now=DURING
    )
    client = signed_in(provider)
    page = client.get(reverse("engagement:consultation-respond", args=[consultation.pk])).content.decode()
    assert "can no longer be changed" in page and "Keep it local." in page and '<form method="post" novalidate>' not in page
    late = client.post(reverse("engagement:consultation-respond", args=[consultation.pk]), answers_for_post(consultation))
    assert "closed at 5pm on 15 July 2022: responses are no longer accepted." in late.content.decode()
    assert Answer.objects.get(question__kind="single").choices == ["Equal shares"]


def answers_for_post(consultation) -> dict:
    return {f"q{pk}": value for pk, value in answers_for(consultation, single="Per head").items()}


def test_officers_set_up_a_consultation_through_the_pages(funded, officer):
    client = signed_in(officer)
    tomorrow = timezone.localtime() + dt.timedelta(days=1)
    response = client.post(
        reverse("engagement:consultation-create", args=[funded.programme.slug]),
        {
            "title": "Equity options",
            "description": "Three options.",
            "opens_at": tomorrow.date().isoformat(),
            "opens_at_time": "09:00",
            "closes_at": (tomorrow + dt.timedelta(days=28)).date().isoformat(),
            "closes_at_time": "17:00",
            "accepts_public": "on",
            "privacy_notice": "We use your answers only for this review.",
        },
    )
    empty = client.post(reverse("engagement:consultation-create", args=[funded.programme.slug]), {}).content.decode()
    assert "Enter a title." in empty and "Enter the date the consultation opens." in empty
    consultation = Consultation.objects.get(title="Equity options")
    assert response.status_code == 302 and response["Location"] == consultation.get_absolute_url()
    bad = client.post(
        reverse("engagement:consultation-question-create", args=[consultation.pk]), {"text": "Pick", "kind": "single"}
    )
    assert "Give between 2 and 20 options, one on each line." in bad.content.decode()
    for text, kind, options in [("Pick one", "single", "Yes\nNo"), ("Agree?", "scale", ""), ("Why?", "text", "")]:
        ok = client.post(
            reverse("engagement:consultation-question-create", args=[consultation.pk]),
            {"text": text, "kind": kind, "options": options, "required": "on", "max_length": "500"},
        )
        assert ok.status_code == 302
    last = consultation.questions.get(number=3)
    client.post(reverse("engagement:consultation-question-move", args=[last.pk]), {"direction": "up"})
    assert [q.text for q in consultation.questions.all()] == ["Pick one", "Why?", "Agree?"]
    detail = client.get(consultation.get_absolute_url()).content.decode()
    assert consultation.public_token in detail and "Edit details and dates" in detail
    past = post_opened(
        client,
        reverse("engagement:consultation-edit", args=[consultation.pk]),
        {
            "title": "Equity options",
            "description": "Three options.",
            "opens_at": "2020-01-01",
            "opens_at_time": "09:00",
            "closes_at": "2020-02-01",
            "closes_at_time": "17:00",
            "privacy_notice": "P",
        },
    )
    assert "The opening time must be in the future" in past.content.decode()


def test_a_frozen_consultation_says_so_to_officers(consultation, officer):
    client = signed_in(officer)
    response = client.get(reverse("engagement:consultation-question-create", args=[consultation.pk]), follow=True)
    html = response.content.decode()
    assert "opened at 9am on 1 June 2022, so its dates, questions and documents can no longer be changed" in html
    assert "are frozen" in html


def test_the_summary_page_shows_a_chart_with_the_same_figures_as_its_table(consultation, provider, provider_org):
    services.provider_response_save(
        consultation=consultation, organisation=provider_org, answers=answers_for(consultation), actor=provider, now=DURING
    )
    html = (
        signed_in(UserFactory(roles=[Role.FINANCE]))
        .get(reverse("engagement:consultation-summary", args=[consultation.pk]))
        .content.decode()
    )
    assert html.count('class="app-chart-box"') == 3  # the three choice questions, each drawn wide and narrow
    assert html.count("<svg") == 6
    assert "Equal shares, Respondents: 1</title>" in html  # the bar's own figure
    assert 'id="question-2-table"' in html and "100.0%" in html
    assert "Keep it local." in html and "Kestrel Test Voluntary Action" in html


def test_officers_leave_spam_out_of_the_summary(live, officer):
    spam = services.public_response_save(consultation=live, answers=answers_for(live, text="Buy watches"))
    client = signed_in(officer)
    assert "Buy watches" in client.get(reverse("engagement:consultation-responses", args=[live.pk])).content.decode()
    url = reverse("engagement:consultation-response-exclude", args=[spam.pk])
    assert "Say why the response is left out of the summary" in client.post(url, {"reason": " "}).content.decode()
    assert client.post(url, {"reason": "Spam"}).status_code == 302
    assert selectors.consultation_summary(live).responses == 0
    assert client.post(url, {"action": "include"}).status_code == 302
    assert selectors.consultation_summary(live).responses == 1


# --- who sees what -----------------------------------------------------------------------------------


def test_providers_see_only_their_programmes_consultations_once_open(consultation, provider, funded, officer):
    other_org = OrganisationFactory()
    outsider = UserFactory(roles=[Role.PROVIDER], organisation=other_org)
    url = reverse("engagement:consultation-detail", args=[consultation.pk])
    assert signed_in(outsider).get(url).status_code == 403
    assert consultation.title not in signed_in(outsider).get(reverse("engagement:consultation-list")).content.decode()
    assert signed_in(provider).get(url).status_code == 200
    assert signed_in(provider).get(reverse("engagement:consultation-summary", args=[consultation.pk])).status_code == 403
    upcoming = make_consultation(
        funded.programme,
        officer,
        title="Upcoming",
        opens=timezone.now() + dt.timedelta(days=2),
        closes=timezone.now() + dt.timedelta(days=9),
        now=timezone.now(),
    )
    assert signed_in(provider).get(upcoming.get_absolute_url()).status_code == 403
    listing = signed_in(provider).get(reverse("engagement:consultation-list")).content.decode()
    assert consultation.title in listing and "Upcoming" not in listing


def test_co_funding_partners_read_the_summary_only_once_closed(live, consultation, funded):
    from tests.factories import FundingStreamFactory

    partner_org = OrganisationFactory(kind="partner")
    FundingStreamFactory(programme=funded.programme, funder=partner_org, name="Partner money")
    partner = signed_in(UserFactory(roles=[Role.PARTNER], organisation=partner_org))
    assert partner.get(reverse("engagement:consultation-summary", args=[consultation.pk])).status_code == 200  # closed
    assert partner.get(reverse("engagement:consultation-summary", args=[live.pk])).status_code == 403  # still open
    assert partner.get(reverse("engagement:consultation-responses", args=[consultation.pk])).status_code == 403
    assert partner.get(reverse("engagement:consultation-respond", args=[live.pk])).status_code == 403
