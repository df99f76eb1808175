"""Forgotten password: the whole journey signed out, from the sign-in page to signing in with the new password."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.core.cache import cache
from django.test import Client

from tests.factories import TEST_PASSWORD, UserFactory, set_council
from vcsgrants.core.models import Role

pytestmark = pytest.mark.django_db

BASE = "https://grants.example.gov.uk"
NEW_PASSWORD = "kestrel-lantern-meadow"
CHECK_EMAIL = "Check your e-mail"


@pytest.fixture(autouse=True)
def setup(settings):
    settings.VCSGRANTS_BASE_URL = BASE
    cache.clear()  # the count of reset e-mails per account
    yield
    cache.clear()


@pytest.fixture
def person(db):
    return UserFactory(roles=[Role.PROVIDER], username="jo.provider", first_name="Jo", email="Jo.Provider@example.org")


def sign_in(client: Client, username: str, password: str):
    return client.post("/accounts/login/", {"username": username, "password": password}, REMOTE_ADDR="203.0.113.7")


def ask_for_link(client: Client, email: str):
    return client.post("/accounts/password_reset/", {"email": email}, follow=True)


def link_in(message) -> str:
    found = re.findall(rf"{re.escape(BASE)}(/accounts/reset/\S+/)", message.body)
    assert len(found) == 1, message.body
    return found[0]


def test_the_whole_journey_from_the_sign_in_page(person):
    client = Client()
    sign_in_page = client.get("/accounts/login/").content.decode()
    assert '<a class="govuk-link" href="/accounts/password_reset/">Forgotten your password?</a>' in sign_in_page

    form = client.get("/accounts/password_reset/")
    assert form.status_code == 200  # signed out, and not sent to sign in
    assert "Reset your password" in form.content.decode() and "govuk-input" in form.content.decode()

    done = ask_for_link(client, "jo.provider@EXAMPLE.org")  # any case
    assert done.redirect_chain == [("/accounts/password_reset/done/", 302)]
    assert CHECK_EMAIL in done.content.decode()
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["Jo.Provider@example.org"]
    assert message.subject == "Reset your VCS Grants password"
    assert message.body.startswith("Dear Jo,\n\nSomeone asked to reset the password for your VCS Grants account")
    assert "(username: jo.provider)" in message.body and "The link works once, and for 24 hours." in message.body
    assert not message.alternatives  # plain text only
    link = link_in(message)

    # The link leads to the form (Django moves the token out of the address into the session first).
    choose = client.get(link, follow=True)
    assert "Choose a new password" in choose.content.decode()
    set_password_url = choose.redirect_chain[-1][0]

    # The project's password rules apply.
    weak = client.post(set_password_url, {"new_password1": "jo.provider1", "new_password2": "jo.provider1"})
    page = weak.content.decode()
    assert weak.status_code == 200 and "There is a problem" in page
    assert "The password must not be like your username" in page
    short = client.post(set_password_url, {"new_password1": "abc123", "new_password2": "abc123"}).content.decode()
    assert "must be 10 characters or more" in short
    mismatch = client.post(set_password_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD + "x"})
    assert "The passwords do not match" in mismatch.content.decode()

    complete = client.post(set_password_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}, follow=True)
    assert complete.redirect_chain == [("/accounts/reset/done/", 302)]
    page = complete.content.decode()
    assert "Password changed" in page and 'href="/accounts/login/"' in page
    assert "_auth_user_id" not in client.session  # resetting does not sign anyone in

    # The link works once.
    again = Client().get(link, follow=True).content.decode()
    assert "This link no longer works" in again and "Choose a new password" not in again

    # The new password signs in; the old one does not.
    assert sign_in(Client(), "jo.provider", TEST_PASSWORD).status_code == 200
    assert sign_in(Client(), "jo.provider", NEW_PASSWORD).status_code == 302


def test_an_unknown_address_gets_the_same_page_and_no_email(person):
    client = Client()
    known = ask_for_link(client, "jo.provider@example.org")
    unknown = ask_for_link(client, "nobody@example.org")
    assert unknown.redirect_chain == known.redirect_chain == [("/accounts/password_reset/done/", 302)]
    assert unknown.content == known.content
    assert [m.to for m in mail.outbox] == [["Jo.Provider@example.org"]]


def test_no_link_for_an_inactive_account_or_a_bad_address(person):
    person.is_active = False
    person.save()
    assert CHECK_EMAIL in ask_for_link(Client(), person.email).content.decode()
    bad = Client().post("/accounts/password_reset/", {"email": "not an address"}).content.decode()
    assert "Enter an e-mail address in the correct format, like name@example.org" in bad
    empty = Client().post("/accounts/password_reset/", {"email": ""}).content.decode()
    assert "Enter your e-mail address" in empty
    assert mail.outbox == []


def test_an_account_gets_at_most_three_reset_emails_an_hour(person):
    for _ in range(5):
        assert CHECK_EMAIL in ask_for_link(Client(), person.email).content.decode()
    assert len(mail.outbox) == 3


def test_a_reset_does_not_lift_a_sign_in_lockout(person, settings):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, "jo.provider", "not-the-password")
    locked = sign_in(client, "jo.provider", TEST_PASSWORD)
    assert locked.status_code == 429
    assert 'href="/accounts/password_reset/">reset it</a>' in locked.content.decode()

    ask_for_link(client, person.email)
    choose = client.get(link_in(mail.outbox[0]), follow=True)
    client.post(choose.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert sign_in(Client(), "jo.provider", NEW_PASSWORD).status_code == 429  # still locked until the lock ends


def test_the_reset_pages_carry_the_content_security_policy(person):
    client = Client()
    for url in ("/accounts/password_reset/", "/accounts/password_reset/done/", "/accounts/reset/done/"):
        response = client.get(url)
        assert response.status_code == 200, url
        policy = response["Content-Security-Policy"]
        assert "script-src 'self'" in policy and "unsafe-inline" not in policy
        html = response.content.decode()
        assert "<script>" not in html and 'style="' not in html, url


def test_the_sign_in_and_reset_pages_and_e_mail_use_the_councils_service_name(person, settings):

    set_council(service_name="Northshire Community Grants", email_sign_off="The Community Grants team")
    settings.DEFAULT_FROM_EMAIL = "no-reply@grants.example.gov.uk"
    client = Client()
    assert "Sign in to Northshire Community Grants" in client.get("/accounts/login/").content.decode()
    form = client.get("/accounts/password_reset/").content.decode()
    assert "The address we have for you in Northshire Community Grants." in form
    assert "your Northshire Community Grants administrator" in form
    done = ask_for_link(client, person.email)
    assert "an account in Northshire Community Grants" in done.content.decode()
    message = mail.outbox[0]
    assert message.subject == "Reset your Northshire Community Grants password"
    assert "VCS Grants" not in message.body
    assert message.body.rstrip().endswith(
        "The Community Grants team\nThis e-mail was sent automatically. Please do not reply to it."
    )
    assert message.from_email == "Northshire Community Grants <no-reply@grants.example.gov.uk>"
    assert message.message()["Message-ID"].endswith("@grants.example.gov.uk>")
