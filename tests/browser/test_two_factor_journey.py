"""Two-factor sign-in in real Chromium: an officer whose role must use it sets up an authenticator app (the code
computed from the key the page shows, as an app would), saves the recovery codes, then signs in with a code."""

from __future__ import annotations

import re
import time

import pyotp
import pytest

from tests.factories import TEST_PASSWORD, UserFactory
from vcsgrants.core.models import Role


@pytest.fixture
def officer(transactional_db, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.VCSGRANTS_TWO_FACTOR_REQUIRED_ROLES = ["officer"]
    return UserFactory(username="kit-officer", roles=[Role.OFFICER])


def test_an_officer_sets_up_an_authenticator_app_then_signs_in_with_its_code(
    officer, page, live_server, login_as, axe_check, screenshot
):
    login_as(page, live_server, "kit-officer", TEST_PASSWORD)
    assert "/account/two-factor/set-up/" in page.url
    assert page.get_by_role("heading", name="Set up two-factor sign-in").is_visible()
    assert page.get_by_role("img", name="QR code for your authenticator app").is_visible()
    assert not page.locator("#navigation").count()  # no menu until it is set up
    screenshot(page, "two-factor-set-up")
    assert not axe_check(page)

    secret = page.locator("#secret").inner_text().replace(" ", "")
    app = pyotp.TOTP(secret)
    page.get_by_label("Code from the app").fill(app.now())
    with page.expect_navigation():
        page.get_by_role("button", name="Confirm").click()
    codes = page.locator("#recovery-codes li").all_inner_texts()
    assert len(codes) == 10 and all(re.fullmatch(r"[a-z0-9]{5}-[a-z0-9]{5}", c) for c in codes)
    assert not axe_check(page)
    with page.expect_navigation():
        page.get_by_role("link", name="I have saved my recovery codes: continue").click()
    assert page.get_by_role("link", name="Programmes").is_visible()

    with page.expect_navigation():
        page.get_by_role("button", name="Sign out").click()
    login_as(page, live_server, "kit-officer", TEST_PASSWORD)
    assert page.get_by_role("heading", name="Enter your code").is_visible()
    assert not axe_check(page)
    page.get_by_label("Code").fill(app.at(time.time() + 30))  # the next code: the one used to set up works once only
    with page.expect_navigation():
        page.get_by_role("button", name="Continue").click()
    assert page.get_by_role("link", name="Programmes").is_visible()
    with page.expect_navigation():
        page.get_by_role("link", name="Two-factor sign-in").click()
    assert page.locator("#codes-left").inner_text() == "10"
