"""Sign-in in real Chromium under the Content-Security-Policy: lockout, change of password, GOV.UK scripts."""

from __future__ import annotations

import datetime as dt

import pytest
from axes.models import AccessAttempt
from django.utils import timezone

from tests.factories import TEST_PASSWORD, UserFactory
from vcsgrants.core.models import Role


@pytest.fixture
def person(transactional_db):
    return UserFactory(username="jo-officer", roles=[Role.OFFICER])


def try_password(page, live_server, password: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill("jo-officer")
    page.get_by_label("Password").fill(password)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()


def test_lockout_then_sign_in_and_change_password(person, page, live_server, axe_check, screenshot):
    try_password(page, live_server, "wrong-guess")
    # GOV.UK Frontend started (from a static module, no inline script): the error summary takes focus.
    assert page.evaluate("() => document.body.classList.contains('govuk-frontend-supported')")
    assert page.evaluate("() => document.activeElement.classList.contains('govuk-error-summary')")

    for _ in range(4):
        try_password(page, live_server, "wrong-guess")
    summary = page.locator(".govuk-error-summary")
    assert "Sign-in is locked for now" in summary.inner_text()
    assert "You can try again after" in page.locator("#locked-until").inner_text()
    screenshot(page, "signin-locked")
    assert not axe_check(page)

    try_password(page, live_server, TEST_PASSWORD)  # the right password, still locked
    assert "Sign-in is locked for now" in page.locator(".govuk-error-summary").inner_text()

    AccessAttempt.objects.update(attempt_time=timezone.now() - dt.timedelta(minutes=16))
    try_password(page, live_server, TEST_PASSWORD)
    assert page.get_by_role("button", name="Sign out").is_visible()

    page.get_by_role("link", name="Change password").click()
    page.get_by_label("Old password").fill(TEST_PASSWORD)
    page.get_by_label("New password", exact=True).fill("jo-officer1")
    page.get_by_label("New password confirmation").fill("jo-officer1")
    with page.expect_navigation():
        page.get_by_role("button", name="Change password").click()
    errors = page.locator(".govuk-error-summary").inner_text()
    assert "The password must not be like your username: choose a different one" in errors
    screenshot(page, "password-change-refused")
    assert not axe_check(page)

    page.get_by_label("Old password").fill(TEST_PASSWORD)
    page.get_by_label("New password", exact=True).fill("moorland-beacon-83-kettle")
    page.get_by_label("New password confirmation").fill("moorland-beacon-83-kettle")
    with page.expect_navigation():
        page.get_by_role("button", name="Change password").click()
    assert page.get_by_role("heading", name="Password changed").is_visible()
    assert not axe_check(page)
    person.refresh_from_db()
    assert person.check_password("moorland-beacon-83-kettle")

    # The pages the law asks for, from the footer: each opens and passes axe (issue 18).
    for link, heading in (
        ("Accessibility statement", "Accessibility statement for"),
        ("Cookies", "Cookies"),
        ("Privacy notice", "Privacy notice"),
    ):
        with page.expect_navigation():
            page.locator("footer").get_by_role("link", name=link, exact=True).click()
        assert heading in page.get_by_role("heading", level=1).inner_text()
        assert not axe_check(page)

    # (The page fixture fails the test if the Content-Security-Policy refused anything on the way.)


def test_the_policy_refuses_an_inline_script_and_chromium_reports_it(browser, live_server):
    """What the page fixture relies on: our policy blocks inline script, and Chromium says so."""
    context = browser.new_context()
    try:
        page = context.new_page()
        reports: list[str] = []
        page.on("console", lambda msg: reports.append(msg.text))
        page.goto(f"{live_server.url}/accounts/login/")
        with pytest.raises(Exception, match="Content Security Policy"):
            page.add_script_tag(content="window.injected = true;")
        assert page.evaluate("() => window.injected === undefined")
        assert any("Content Security Policy" in text for text in reports)
    finally:
        context.close()
