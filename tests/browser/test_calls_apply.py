"""A new organisation registers, applies to an open call, saves a section with a mistake (the draft is kept),
fixes it, checks its answers and submits, in real Chromium, with axe-core passing on every page."""

from __future__ import annotations

import pytest

from tests.calls.conftest import build_call
from tests.factories import AreaFactory, UserFactory
from vcsgrants.calls.models import Application, FormQuestion
from vcsgrants.core.models import Role
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
