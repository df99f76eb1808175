"""Staff single sign-on in real Chromium against a real OpenID provider (tests/oidc/provider.mjs, oidc-provider).

An officer signs in with the council's identity provider (typing their name on its sign-in page) and lands on the
home page with the role their group maps to; their next sign-in follows a change of group; someone in no mapped
group is refused; a provider user still signs in with a password.
"""

from __future__ import annotations

import json

import pytest
from django.test import Client
from playwright.sync_api import expect

from tests.browser.conftest import DEFAULT_TIMEOUT_MS, VIEWPORT
from tests.factories import TEST_PASSWORD, OrganisationFactory, UserFactory
from tests.oidc_provider import start_provider
from vcsgrants.core.models import Organisation, Role, SsoIdentity, User

ROLE_MAP = {"grants-officers": "officer", "grants-admins": "admin", "grants-finance": "finance"}
JO = {"name": "Jo Bloggs", "given_name": "Jo", "family_name": "Bloggs", "email": "jo.bloggs@council.example"}


@pytest.fixture
def oidc(transactional_db, live_server, settings, tmp_path):
    process, provider = start_provider(
        tmp_path,
        redirect_uri=f"{live_server.url}/accounts/sso/callback/",
        client_id="vcsgrants-test",
        client_secret="a-test-client-secret",
        accounts={
            "jo": {**JO, "groups": ["all-staff", "grants-officers"]},
            "sam": {"name": "Sam Other", "email": "sam@council.example", "groups": ["all-staff", "library-staff"]},
        },
    )
    settings.VCSGRANTS_BASE_URL = live_server.url
    settings.VCSGRANTS_OIDC_ISSUER = provider.issuer
    settings.VCSGRANTS_OIDC_CLIENT_ID = "vcsgrants-test"
    settings.VCSGRANTS_OIDC_CLIENT_SECRET = "a-test-client-secret"
    settings.VCSGRANTS_OIDC_PROVIDER_NAME = "Test Council account"
    settings.VCSGRANTS_OIDC_ROLE_MAP = json.dumps(ROLE_MAP)
    # The first request imports every app's views (the URLconf): in this process, before the browser's first page
    # has to wait for it (other browser tests have it done by the demo's loading or by an earlier test).
    Client().get("/accounts/login/")
    try:
        yield provider
    finally:
        process.terminate()
        process.wait(timeout=10)


def sign_in_with_sso(page, live_server, login: str | None) -> None:
    """From the sign-in page, through the provider's own sign-in form (when it asks) and back."""
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_role("button", name="Sign in with Test Council account").click()
    if login is not None:
        page.locator('input[name="login"]').fill(login)
        page.locator('input[name="password"]').fill("any-password")  # the provider's development form
        page.get_by_role("button", name="Sign-in").click()
    page.wait_for_url(lambda url: url.startswith(live_server.url) and "/accounts/login/" not in url)


def test_staff_sign_in_with_the_council_identity_provider(oidc, page, browser, live_server, axe_check):
    provider = OrganisationFactory(name="Kestrel Voluntary Action", kind=Organisation.Kind.PROVIDER)
    UserFactory(username="kestrel", roles=[Role.PROVIDER], organisation=provider)
    page.goto(f"{live_server.url}/accounts/login/")
    assert not axe_check(page)

    sign_in_with_sso(page, live_server, "jo")
    assert page.url == f"{live_server.url}/"
    expect(page.get_by_role("heading", name="Welcome, Jo Bloggs")).to_be_visible()
    nav = page.get_by_role("navigation").first
    assert nav.get_by_role("link", name="Overdue returns").is_visible()  # an officer's
    assert nav.get_by_role("link", name="People").count() == 0  # an administrator's only
    assert page.get_by_role("link", name="Change password").count() == 0  # no password to change
    jo = User.objects.get(sso_identity__issuer=oidc.issuer, sso_identity__subject="jo")
    assert (jo.email, jo.role_names, jo.has_usable_password()) == (JO["email"], ["Council officer"], False)

    # Jo moves to the administrators' group: the next sign-in (the provider remembers her) brings the role with it.
    oidc.set_account("jo", **JO, groups=["all-staff", "grants-admins"])
    with page.expect_navigation():
        page.get_by_role("button", name="Sign out").click()
    sign_in_with_sso(page, live_server, None)
    expect(page.get_by_role("heading", name="Welcome, Jo Bloggs")).to_be_visible()
    expect(page.get_by_role("navigation").first.get_by_role("link", name="People")).to_be_visible()
    assert User.objects.get(pk=jo.pk).role_names == ["Administrator"]
    assert SsoIdentity.objects.count() == 1

    # Someone else, in no group that maps to a role: refused, and no account made. Then a provider's password.
    context = browser.new_context(viewport=VIEWPORT)
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    other = context.new_page()
    try:
        sign_in_with_sso(other, live_server, "sam")
        expect(other.get_by_role("heading", name="You do not have access to this service")).to_be_visible()
        assert "not in any of the groups" in other.locator("#sso-reason").inner_text()
        assert other.get_by_role("button", name="Sign out").count() == 0
        assert not User.objects.filter(email="sam@council.example").exists()
        assert not axe_check(other)

        other.goto(f"{live_server.url}/accounts/login/")
        other.get_by_label("Username").fill("kestrel")
        other.get_by_label("Password").fill(TEST_PASSWORD)
        other.get_by_role("button", name="Sign in", exact=True).click()
        expect(other.locator(".app-header__account")).to_contain_text("Kestrel Voluntary Action")
        expect(other.get_by_role("button", name="Sign out")).to_be_visible()
    finally:
        context.close()
