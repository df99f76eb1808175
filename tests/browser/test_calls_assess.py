"""On the demo call, in real Chromium with axe-core passing on every page: the officer reopens moderation of the
Dales application and adds `assessor` to its panel; the assessor declares no conflict, saves a draft and submits
their scores; the officer sees them side by side, moderates again, previews the award and awards."""

from __future__ import annotations

import re

import pytest

from vcsgrants.calls.models import Application, Assignment, Call
from vcsgrants.demo.calls_apply import REFERENCE
from vcsgrants.funding.models import Agreement

PASSWORD = "demo-pass-2022"


@pytest.fixture
def demo(demo):
    return Call.objects.get(reference=REFERENCE)


def test_assessor_scores_officer_moderates_and_awards(demo, page, live_server, login_as, axe_check, screenshot):
    call = demo
    base = live_server.url

    def accessible(name: str) -> None:
        screenshot(page, name)
        violations = axe_check(page)
        assert not violations, f"{name}: {violations}"

    # The officer: Dales is moderated, so scoring on it is closed; reopen moderation, then add `assessor` to its panel.
    dales = Application.objects.get(call=call, project_title="Dales outreach and volunteering")
    login_as(page, live_server, "officer", PASSWORD)
    page.goto(f"{base}/applications/{dales.pk}/moderation/")
    assert "Scoring on this application closed when it was moderated" in page.locator("main").inner_text()
    page.get_by_role("link", name="reopen moderation").click()
    accessible("moderation-reopen")
    page.get_by_label("Why is moderation reopened?").fill("assessor is to score it too.")
    page.get_by_role("button", name="Reopen moderation").click()
    assert "Moderation of" in page.locator("body").inner_text() and "is reopened" in page.locator("body").inner_text()
    page.goto(f"{base}/calls/{call.pk}/assessment/")
    page.get_by_role("link", name=f"Choose assessors for {dales.reference}").click()
    page.get_by_label(re.compile(r"\(assessor; ")).check()
    page.get_by_role("button", name="Save assessors").click()
    assert f"The panel for {dales.reference} is saved." in page.locator("body").inner_text()

    # The assessor: their list, the conflict question, then the application and the scoring form.
    page.context.clear_cookies()
    login_as(page, live_server, "assessor", PASSWORD)
    page.get_by_role("link", name="Your assessments").first.click()
    rows = page.locator("#assessments").inner_text()
    assert "Conflict not yet declared" in rows and "Scores submitted" in rows
    accessible("assess-my-list")
    page.get_by_role("link", name="Dales outreach and volunteering").click()
    assert "/conflict/" in page.url
    accessible("assess-conflict")
    page.get_by_label("I have no conflict of interest").check()
    page.get_by_role("button", name="Continue").click()
    assert "mobile adviser two days a week" in page.locator("main").inner_text()  # the method statement, read-only
    accessible("assess-scoring")
    page.get_by_label("4 for Method statement").check()
    page.get_by_label("Comment on Method statement").fill("Clear about where and when.")
    page.get_by_role("button", name="Save draft").click()
    assert "saved as a draft" in page.locator("body").inner_text()
    assert page.get_by_label("4 for Method statement").is_checked()  # the draft is kept
    page.get_by_role("button", name="Submit scores").click()
    assert "Give a score for Added value." in page.locator(".govuk-error-summary").inner_text()
    accessible("assess-scoring-errors")
    for title, value in [("Added value", 3), ("Safeguarding", 4), ("Inclusion", 3), ("Price", 4)]:
        page.get_by_label(f"{value} for {title}").check()
        page.get_by_label(f"Comment on {title}").fill(f"{title}: as described.")
    page.get_by_role("button", name="Submit scores").click()
    assert "are submitted" in page.locator("body").inner_text()
    assignment = Assignment.objects.get(
        application__call=call, assessor__username="assessor", application__project_title__startswith="Dales"
    )
    assert assignment.completed_at is not None

    # The officer: the ranked list, the scores side by side, moderation, the award preview and the award.
    page.context.clear_cookies()
    login_as(page, live_server, "officer", PASSWORD)
    page.goto(f"{base}/calls/{call.pk}/")
    accessible("call-detail-with-assessment")
    page.get_by_role("link", name="Moderation and the ranked list by lot").click()
    accessible("moderation-list")
    page.get_by_role("link", name=dales.reference).click()
    side = page.locator("#side-by-side").inner_text()
    assert "Clear about where and when." in side and "Discuss" in side
    assert "Panel mean: 65.00%" in side  # (67 + 55 + 73) / 3
    accessible("moderation-detail")
    page.get_by_label("Moderated score (per cent)").fill("65.00")
    page.get_by_label("Fund", exact=True).check()
    page.get_by_label("Reasons for the recommendation").fill("Realistic outreach at a fair price; scored again in full.")
    page.get_by_role("button", name="Record moderation").click()
    assert "Moderation of" in page.locator("body").inner_text()
    page.get_by_role("link", name="Preview the award").click()
    preview = page.locator("main").inner_text()
    assert "In all: £137,050.00 a year" in preview
    accessible("award-preview")
    page.get_by_role("button", name="Confirm the award").click()
    assert "3 draft agreements created" in page.locator("body").inner_text()
    accessible("award-done")
    assert Agreement.objects.filter(application__call=call, status=Agreement.Status.DRAFT).count() == 3
    assert Application.objects.get(call=call, organisation__users__username="applicant").outcome == "unsuccessful"
