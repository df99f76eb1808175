"""In real Chromium, with axe-core passing on every page: a new organisation registers, applies to an open call,
saves a section with a mistake (the draft is kept), fixes it and submits; and the whole journey through
assessment to the award."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from tests.calls.conftest import build_call
from tests.factories import TEST_PASSWORD, AreaFactory, UserFactory
from vcsgrants.calls.models import Application, Call, FormQuestion
from vcsgrants.core.models import Role, User
from vcsgrants.funding.models import Agreement
from vcsgrants.notifications.models import Notification

K = FormQuestion.Kind


@pytest.fixture
def open_call(transactional_db, settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path
    officer = UserFactory(roles=[Role.OFFICER])
    return build_call(
        officer, [AreaFactory(name="Amber Valley Test"), AreaFactory(name="Bolsover Test")], reference="browser-call"
    )


def test_register_apply_keep_a_draft_and_submit(open_call, page, live_server, axe_check, screenshot):
    built = open_call
    base = live_server.url

    def accessible(name: str) -> None:
        screenshot(page, name)
        violations = axe_check(page)
        assert not violations, f"{name}: {violations}"

    page.goto(f"{base}/open-calls/")
    page.get_by_role("link", name=built.call.title).click()
    assert "£80,000.00" in page.locator("table").inner_text()
    accessible("calls-public")

    page.locator("#register-to-apply").click()
    accessible("calls-register")
    fields = {
        "Organisation name": "Riverside Volunteers (test)",
        "Org-ID": "GB-CHC-1190001",
        "Contact name": "Robin Reed",
        "Contact e-mail address": "robin@riverside.example",
        "Choose a username": "robin-riverside",
        "Your e-mail address": "robin@riverside.example",
        "Choose a password": "a long enough passphrase",
        "Type the password again": "a long enough passphrase",
    }
    for label, value in fields.items():
        page.get_by_label(label, exact=True).fill(value)
    page.get_by_role("button", name="Save").click()
    assert page.url.endswith("/open-calls/browser-call/")
    assert "is registered and you are signed in" in page.locator("body").inner_text()

    page.locator("#start-application").click()
    page.get_by_label("Lot 1: Amber Valley Test — £40,000.00 a year").check()
    page.get_by_label("Project title").fill("Riverside volunteer hub")
    page.get_by_label("Amount you are asking for each year (£)").fill("£50,000")
    page.get_by_role("button", name="Start application").click()
    assert "has £40,000.00 a year" in page.locator(".govuk-error-summary").inner_text()  # over the lot's money
    accessible("calls-start-refused")
    page.get_by_label("Amount you are asking for each year (£)").fill("£38,500.50")
    page.get_by_role("button", name="Start application").click()
    assert "You have completed" in page.locator("#progress").inner_text()
    accessible("calls-task-list")

    page.get_by_role("link", name="Eligibility questions").click()
    page.locator(f"#id_e{built.eligibility[0].pk}_0").check()  # Yes
    page.get_by_label("In the county").check()
    accessible("calls-eligibility")
    page.get_by_role("button", name="Save").click()

    page.get_by_role("link", name="1. About your organisation").click()
    q = built.questions
    page.locator(f"#id_q{q[K.SHORT_TEXT].pk}").fill("Director")
    page.locator(f"#id_q{q[K.NUMBER].pk}").fill("1,200")
    page.locator(f"#id_q{q[K.YES_NO].pk}_0").check()
    page.get_by_label("Rural").check()
    accessible("calls-section-1")
    page.locator("#save-section").click()
    assert "saved and complete" in page.locator("body").inner_text()

    page.get_by_role("link", name="2. Your plan and budget").click()
    page.locator(f"#id_q{q[K.LONG_TEXT].pk}").fill("We will run a volunteer centre in Riverside.")
    page.locator(f"#id_q{q[K.MONEY].pk}").fill("about ten grand")
    page.locator(f"#id_q{q[K.BUDGET].pk}_0").fill("30,000")
    page.locator(f"#id_q{q[K.BUDGET].pk}_1").fill("8,000.25")
    page.locator(f"#id_q{q[K.BUDGET].pk}_2").fill("500.25")
    page.locator("#save-section").click()
    assert "Your answers are saved as a draft" in page.locator("#draft-saved").inner_text()
    assert "Enter an amount in pounds" in page.locator(".govuk-error-summary").inner_text()
    assert page.locator(f"#id_q{q[K.MONEY].pk}").input_value() == "about ten grand"
    assert page.locator(f"#q{q[K.BUDGET].pk}-total").inner_text() == "£38,500.50"
    accessible("calls-section-2-error")

    page.goto(f"{base}/applications/")
    page.get_by_role("link", name="BROWSER-CALL-001").click()
    assert "There is a problem" in page.locator("#task-section-2").inner_text()
    page.get_by_role("link", name="2. Your plan and budget").click()
    assert "We will run a volunteer centre" in page.locator(f"#id_q{q[K.LONG_TEXT].pk}").input_value()  # the draft kept
    page.locator(f"#id_q{q[K.MONEY].pk}").fill("£120,000")
    page.locator("#save-section").click()

    page.locator("#check-and-submit").click()
    assert "£38,500.50" in page.locator("#amount-requested").inner_text()
    accessible("calls-check")
    page.locator("#submit-application").click()
    assert "Application submitted" in page.locator("#submitted-panel").inner_text()
    accessible("calls-submitted")

    application = Application.objects.get(reference="BROWSER-CALL-001")
    assert application.status == Application.Status.SUBMITTED and application.eligible is True
    assert Notification.objects.filter(kind=Notification.Kind.SUBMISSION_RECEIPT, to_email="robin@riverside.example").exists()


def test_register_apply_assess_and_award_in_one_journey(open_call, page, live_server, login_as, axe_check, screenshot):
    """The whole life of a call: the applicant registers and submits, the officer sets up the panel once the call
    has closed, the assessor declares no conflict and scores, the officer moderates and awards: a draft agreement."""
    built = open_call
    base = live_server.url
    officer = built.call.created_by
    assessor = UserFactory(username="panel-member", first_name="Pat", last_name="Panel", roles=[Role.ASSESSOR])

    def accessible(name: str) -> None:
        screenshot(page, name)
        violations = axe_check(page)
        assert not violations, f"{name}: {violations}"

    # The applicant registers and submits (every question answered).
    page.goto(f"{base}/open-calls/browser-call/")
    page.locator("#register-to-apply").click()
    fields = {
        "Organisation name": "Millbrook Community Link (test)",
        "Org-ID": "GB-CHC-1190002",
        "Contact name": "Morgan Mill",
        "Contact e-mail address": "morgan@millbrook.example",
        "Choose a username": "morgan-millbrook",
        "Your e-mail address": "morgan@millbrook.example",
        "Choose a password": "a long enough passphrase",
        "Type the password again": "a long enough passphrase",
    }
    for label, value in fields.items():
        page.get_by_label(label, exact=True).fill(value)
    page.get_by_role("button", name="Save").click()
    page.locator("#start-application").click()
    page.get_by_label("Lot 1: Amber Valley Test — £40,000.00 a year").check()
    page.get_by_label("Project title").fill("Millbrook volunteer link")
    page.get_by_label("Amount you are asking for each year (£)").fill("£36,000")
    page.get_by_role("button", name="Start application").click()
    page.get_by_role("link", name="Eligibility questions").click()
    page.locator(f"#id_e{built.eligibility[0].pk}_0").check()
    page.get_by_label("In the county").check()
    page.get_by_role("button", name="Save").click()
    q = built.questions
    page.get_by_role("link", name="1. About your organisation").click()
    page.locator(f"#id_q{q[K.SHORT_TEXT].pk}").fill("Chair")
    page.locator(f"#id_q{q[K.NUMBER].pk}").fill("300")
    page.locator(f"#id_q{q[K.YES_NO].pk}_0").check()
    page.get_by_label("Rural").check()
    page.locator("#save-section").click()
    page.get_by_role("link", name="2. Your plan and budget").click()
    page.locator(f"#id_q{q[K.LONG_TEXT].pk}").fill("A volunteer link for the villages around Millbrook.")
    page.locator(f"#id_q{q[K.MONEY].pk}").fill("£90,000")
    page.locator(f"#id_q{q[K.BUDGET].pk}_0").fill("30,000")
    page.locator(f"#id_q{q[K.BUDGET].pk}_1").fill("5,000")
    page.locator(f"#id_q{q[K.BUDGET].pk}_2").fill("1,000")
    page.locator("#save-section").click()
    page.locator("#check-and-submit").click()
    page.locator("#submit-application").click()
    assert "Application submitted" in page.locator("#submitted-panel").inner_text()
    application = Application.objects.get(organisation__name="Millbrook Community Link (test)")

    # The deadline passes (moved into the past here, as the clock would), and the officer sets up the assessment.
    Call.objects.filter(pk=built.call.pk).update(closes_at=timezone.now() - dt.timedelta(minutes=1))
    page.context.clear_cookies()
    login_as(page, live_server, officer.username, TEST_PASSWORD)
    page.goto(f"{base}/calls/{built.call.pk}/assessment/")
    for title, weight in [("Method statement", "60"), ("Price", "40")]:
        page.get_by_role("link", name="Add a criterion").click()
        page.get_by_label("Criterion", exact=True).fill(title)
        page.get_by_label("Scoring guidance").fill("0 no answer, 3 adequate, 5 excellent.")
        page.get_by_label("Weight (per cent)").fill(weight)
        page.get_by_role("button", name="Save criterion").click()
    accessible("journey-assessment-setup")
    page.get_by_role("link", name="Assign assessors to a lot").click()
    page.get_by_label("Pat Panel (panel-member; Assessor", exact=False).check()
    accessible("journey-assign")
    page.get_by_role("button", name="Assign assessors").click()
    assert f"{assessor.display_name}: Conflict not yet declared" in page.locator("#panel").inner_text()
    assert Notification.objects.filter(kind=Notification.Kind.ASSESSMENT_ASSIGNED, recipient=assessor).exists()

    # The assessor declares no conflict and scores.
    page.context.clear_cookies()
    login_as(page, live_server, assessor.username, TEST_PASSWORD)
    page.get_by_role("link", name="Your assessments").first.click()
    page.get_by_role("link", name="Millbrook volunteer link").click()
    page.get_by_label("I have no conflict of interest").check()
    page.get_by_role("button", name="Continue").click()
    assert "A volunteer link for the villages" in page.locator("main").inner_text()
    for title, value in [("Method statement", 4), ("Price", 3)]:
        page.get_by_label(f"{value} for {title}").check()
        page.get_by_label(f"Comment on {title}").fill(f"{title}: sound.")
    accessible("journey-scoring")
    page.get_by_role("button", name="Submit scores").click()
    assert "are submitted" in page.locator("body").inner_text()

    # The officer moderates (the panel mean: 60 × 4/5 + 40 × 3/5 = 72%) and awards.
    page.context.clear_cookies()
    login_as(page, live_server, officer.username, TEST_PASSWORD)
    page.goto(f"{base}/calls/{built.call.pk}/moderation/")
    page.get_by_role("link", name=application.reference).click()
    assert "Panel mean: 72.00%" in page.locator("#side-by-side").inner_text()
    page.get_by_label("Moderated score (per cent)").fill("72.00")
    page.get_by_label("Fund", exact=True).check()
    page.get_by_label("Reasons for the recommendation").fill("A clear plan at a fair price.")
    page.get_by_role("button", name="Record moderation").click()
    page.get_by_role("link", name="Preview the award").click()
    assert "£36,000.00" in page.locator("main").inner_text()
    accessible("journey-award-preview")
    page.get_by_role("button", name="Confirm the award").click()
    assert "1 draft agreement created" in page.locator("body").inner_text()
    accessible("journey-awarded")

    application.refresh_from_db()
    assert application.outcome == Application.Outcome.AWARDED
    agreement = application.agreement
    assert agreement.status == Agreement.Status.DRAFT and agreement.organisation == application.organisation
    assert agreement.funding_lines.count() == 2  # 2024-25 and 2025-26, £36,000.00 each
    assert {line.amount for line in agreement.funding_lines.all()} == {Decimal("36000.00")}
    assert User.objects.get(username="morgan-millbrook").has_role(Role.PROVIDER)  # can now file monitoring returns
