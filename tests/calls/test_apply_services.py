"""Applying: start within the lot's money, save drafts as typed, submit before the deadline, read-only after."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from hypothesis import given
from hypothesis import strategies as st

from tests.calls.conftest import applicant_user
from vcsgrants.calls.models import Application, FormQuestion
from vcsgrants.calls.services import apply
from vcsgrants.core.models import AuditEvent
from vcsgrants.notifications.models import Notification

pytestmark = pytest.mark.django_db
K = FormQuestion.Kind
D = Decimal
UK = ZoneInfo("Europe/London")


def start(built, user, amount="25000.00", lot=0):
    return apply.application_start(
        call=built.call, lot=built.lots[lot], project_title="Volunteer hub", amount_requested=D(amount), actor=user
    )


def complete(built, application, user, *, charity="Yes"):
    """Answer everything correctly (a file question is optional and left out)."""
    q = built.questions
    apply.eligibility_save(
        application=application, answers={built.eligibility[0].pk: charity, built.eligibility[1].pk: "In the county"}, actor=user
    )
    about, plan = built.sections
    apply.section_save(
        application=application,
        section=about,
        values={q[K.SHORT_TEXT].pk: "Director", q[K.NUMBER].pk: "1,200", q[K.YES_NO].pk: "Yes", q[K.CHOICE].pk: "Rural"},
        actor=user,
    )
    result = apply.section_save(
        application=application,
        section=plan,
        values={
            q[K.LONG_TEXT].pk: "We will run a volunteer centre.",
            q[K.MONEY].pk: "£250,000",
            q[K.BUDGET].pk: {"Staff": "£20,000", "Premises": "4,000.50", "Volunteer expenses": "0"},
        },
        actor=user,
    )
    assert result.problems == {}


def test_money_is_parsed_exactly_with_pounds_and_commas():
    assert apply.parse_money("£1,234.5") == D("1234.50")
    assert apply.parse_money(" 1 000 ") == D("1000.00")
    for bad in ["12.345", "ten", "£", "1.2.3", "-5"]:
        with pytest.raises(ValueError):
            apply.parse_money(bad)


def test_budget_total_is_exact_to_the_penny():
    assert apply.budget_total({"Staff": "0.10", "Rent": "0.20", "Other": ""}) == D("0.30")
    with pytest.raises(ValueError, match="Rent"):
        apply.budget_total({"Rent": "lots"})


@given(st.lists(st.integers(min_value=0, max_value=10**9), min_size=1, max_size=8))
def test_budget_total_equals_the_sum_of_its_pence(pences):
    amounts = {f"Heading {i}": f"£{p // 100:,}.{p % 100:02d}" for i, p in enumerate(pences)}
    assert apply.budget_total(amounts) == D(sum(pences)) / 100


def test_amount_requested_cannot_exceed_the_lots_money_each_year(built, applicant):
    with pytest.raises(ValidationError, match="has £40,000.00 a year"):
        start(built, applicant, "40000.01")
    application = start(built, applicant, "40000.00")
    with pytest.raises(ValidationError, match="ask for that or less"):
        apply.application_update_details(application=application, project_title="x", amount_requested=D("50000"), actor=applicant)


def test_one_live_application_per_organisation_per_lot(built, applicant):
    first = start(built, applicant)
    with pytest.raises(ValidationError, match=first.reference):
        start(built, applicant)
    apply.application_withdraw(application=first, actor=applicant)
    assert start(built, applicant).reference.endswith("-002")


def test_a_draft_is_saved_as_typed_even_when_wrong(built, applicant):
    application = start(built, applicant)
    q = built.questions
    result = apply.section_save(
        application=application,
        section=built.sections[1],
        values={
            q[K.LONG_TEXT].pk: "word " * 60,
            q[K.MONEY].pk: "about ten grand",
            q[K.BUDGET].pk: {"Staff": "20000", "Premises": "lots"},
        },
        actor=applicant,
    )
    assert result.problems[q[K.LONG_TEXT].pk] == "Use 50 words or fewer (you have 60)"
    assert result.problems[q[K.MONEY].pk].startswith("Enter an amount in pounds")
    assert result.problems[q[K.BUDGET].pk].startswith("Premises:")
    saved = {a.question_id: a.value for a in application.answers.all()}
    assert saved[q[K.MONEY].pk] == "about ten grand"
    assert saved[q[K.BUDGET].pk] == {"Staff": "20000", "Premises": "lots", "Volunteer expenses": ""}


def test_submit_is_refused_while_there_are_problems(built, applicant):
    application = start(built, applicant)
    problems = apply.application_problems(application)
    assert {p.where for p in problems} == {"Eligibility", "1. About your organisation", "2. Your plan and budget"}
    with pytest.raises(ValidationError, match=f"{len(problems)} problems"):
        apply.application_submit(application=application, actor=applicant)
    application.refresh_from_db()
    assert application.status == Application.Status.DRAFT


def test_submit_checks_eligibility_queues_receipts_and_then_freezes(built, applicant, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    application = start(built, applicant)
    complete(built, application, applicant, charity="No")
    apply.application_submit(application=application, actor=applicant)
    application.refresh_from_db()
    assert application.status == Application.Status.SUBMITTED
    assert application.eligible is False
    assert application.ineligible_reasons == ["Question 1: answered “No”. Only charities and CICs may apply."]
    receipts = Notification.objects.filter(kind=Notification.Kind.SUBMISSION_RECEIPT)
    assert sorted(receipts.values_list("to_email", flat=True)) == sorted(
        [applicant.email, applicant.organisation.applicant_profile.contact_email]
    )
    assert application.reference in receipts.first().subject
    with pytest.raises(ValidationError, match="has been submitted"):
        apply.section_save(application=application, section=built.sections[0], values={}, actor=applicant)
    with pytest.raises(ValidationError, match="already been submitted"):
        apply.application_submit(application=application, actor=applicant)


def test_the_deadline_is_refused_with_the_time_in_uk_summer_time(officer, districts, applicant):
    from tests.calls.conftest import build_call

    closes = dt.datetime(2024, 7, 15, 17, 0, tzinfo=UK)  # 4pm UTC: British Summer Time
    built = build_call(officer, districts, opens_at=dt.datetime(2024, 6, 1, 9, 0, tzinfo=UK), closes_at=closes)
    before = closes - dt.timedelta(minutes=1)
    application = apply.application_start(
        call=built.call, lot=built.lots[0], project_title="P", amount_requested=D("100"), actor=applicant, now=before
    )
    complete_at = before

    def save(**kw):
        return apply.eligibility_save(application=application, answers={}, actor=applicant, **kw)

    save(now=complete_at)
    with pytest.raises(ValidationError) as exc:
        apply.application_submit(application=application, actor=applicant, now=closes)
    assert "The deadline was 5pm on 15 July 2024 (UK time)" in exc.value.messages[0]
    with pytest.raises(ValidationError, match="5pm on 15 July 2024"):
        save(now=closes + dt.timedelta(seconds=1))


def test_the_deadline_in_winter_is_gmt(officer, districts, applicant):
    from tests.calls.conftest import build_call

    closes = dt.datetime(2024, 1, 15, 12, 0, tzinfo=dt.UTC)  # midday GMT
    built = build_call(officer, districts, opens_at=closes - dt.timedelta(days=30), closes_at=closes)
    assert apply.deadline_text(built.call) == "by midday on 15 January 2024 (UK time)"


def test_a_complete_application_submits_eligible(built, applicant, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    application = start(built, applicant)
    complete(built, application, applicant)
    q = built.questions[K.FILE]
    apply.section_save(
        application=application,
        section=built.sections[1],
        values={},
        files={q.pk: SimpleUploadedFile("policy.pdf", b"%PDF-1.7 policy")},
        actor=applicant,
    )
    assert application.answers.get(question=q).original_name == "policy.pdf"
    apply.application_submit(application=application, actor=applicant)
    application.refresh_from_db()
    assert application.eligible is True and application.ineligible_reasons == []
    assert AuditEvent.objects.filter(verb="application.submitted", object_id=application.pk).exists()


def test_a_bad_upload_is_refused_but_the_rest_of_the_section_is_saved(built, applicant, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    application = start(built, applicant)
    q = built.questions
    result = apply.section_save(
        application=application,
        section=built.sections[1],
        values={q[K.MONEY].pk: "100"},
        files={q[K.FILE].pk: SimpleUploadedFile("policy.exe", b"MZ")},
        actor=applicant,
    )
    assert "not a file type we accept" in result.problems[q[K.FILE].pk]
    assert application.answers.get(question=q[K.MONEY]).value == "100"


def test_withdraw_before_the_close_only(built, applicant):
    application = start(built, applicant)
    apply.application_withdraw(application=application, actor=applicant, now=built.call.closes_at - dt.timedelta(seconds=1))
    other = start(built, applicant, lot=1)
    with pytest.raises(ValidationError, match="contact the council"):
        apply.application_withdraw(application=other, actor=applicant, now=built.call.closes_at)


def test_co_applicants_are_named_with_a_valid_org_id(built, applicant):
    application = start(built, applicant)
    with pytest.raises(ValidationError, match="Org-ID"):
        apply.co_applicant_add(application=application, name="Partner", org_id="charity 123", actor=applicant)
    co = apply.co_applicant_add(
        application=application, name="Partner", org_id="gb-chc-123", role="Runs the rural hub", actor=applicant
    )
    assert co.org_id == "GB-CHC-123"
    apply.co_applicant_remove(co_applicant=co, actor=applicant)
    assert not application.co_applicants.exists()


def test_an_officer_overrides_ineligibility_with_a_reason(built, applicant, officer):
    application = start(built, applicant)
    complete(built, application, applicant, charity="No")
    apply.application_submit(application=application, actor=applicant)
    with pytest.raises(ValidationError, match="Say why"):
        apply.eligibility_override(application=application, reason=" ", actor=officer)
    apply.eligibility_override(application=application, reason="Registration pending; confirmed by letter", actor=officer)
    application.refresh_from_db()
    assert application.is_eligible is True
    assert application.eligibility_overridden_by == officer
    assert AuditEvent.objects.filter(verb="application.eligibility_overridden", actor=officer).exists()


def test_an_eligible_application_cannot_be_overridden(built, applicant, officer):
    application = start(built, applicant)
    complete(built, application, applicant)
    apply.application_submit(application=application, actor=applicant)
    with pytest.raises(ValidationError, match="failed the eligibility check"):
        apply.eligibility_override(application=application, reason="Why not", actor=officer)


def test_another_organisation_cannot_reuse_a_lot_slot_but_can_apply_too(built, applicant):
    other = applicant_user("Another Hub (test)")
    assert start(built, applicant).organisation != start(built, other).organisation
