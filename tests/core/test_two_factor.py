"""Two-factor sign-in: an authenticator app's codes (real TOTP codes, computed with pyotp from the secret the page
shows) and single-use recovery codes; required of some roles, optional for everyone else; throttled; reset by an
administrator; never asked of a single sign-on session."""

from __future__ import annotations

import datetime as dt
import html
import importlib
import io
import re
import sys
import time
from base64 import b32encode

import pyotp
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.factories import TEST_PASSWORD, UserFactory
from vcsgrants.core import people, two_factor
from vcsgrants.core.models import AuditEvent, Role

pytestmark = pytest.mark.django_db

CODE_PAGE = "/account/two-factor/code/"
SETUP_PAGE = "/account/two-factor/set-up/"


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # these tests sign in a lot


def sign_in(client: Client, user, password: str = TEST_PASSWORD):
    response = client.post("/accounts/login/", {"username": user.username, "password": password})
    assert response.status_code == 302, "the password was refused"
    return response


def code_now(secret: str, steps_ahead: int = 0) -> str:
    """The code an authenticator app shows (steps_ahead=1: the next one, still accepted; a code once used is not)."""
    return pyotp.TOTP(secret.replace(" ", "")).at(time.time() + 30 * steps_ahead)


def secret_of(device: TOTPDevice) -> str:
    return b32encode(device.bin_key).decode()


def turn_on(user) -> tuple[str, list[str]]:
    """Two-factor sign-in already on for this user: their app's secret and their recovery codes."""
    device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)
    return secret_of(device), two_factor._new_recovery_codes(user)


def text(response) -> str:
    return html.unescape(re.sub(r"\s+", " ", response.content.decode()))


def test_an_officer_turns_it_on_from_their_account_and_then_signs_in_with_a_real_code(client):
    officer = UserFactory(roles=[Role.OFFICER])
    sign_in(client, officer)
    assert client.get("/").status_code == 200  # not required of officers here: nothing asked
    account = text(client.get("/account/two-factor/"))
    assert "Off" in account and "Turn on two-factor sign-in" in account

    page = client.get(SETUP_PAGE)
    body = page.content.decode()
    secret = re.search(r'id="secret">([A-Z2-7 ]+)<', body).group(1)
    assert '<svg role="img"' in body and "http" not in body.split('id="qr-code">')[1].split("</div>")[0]
    assert " style=" not in body  # nothing for the Content-Security-Policy to refuse
    assert client.get(SETUP_PAGE).content.decode().count(secret) == 1  # the same secret until confirmed

    wrong = client.post(SETUP_PAGE, {"code": "12345"})
    assert wrong.status_code == 200 and "Enter the 6-digit code" in text(wrong)
    response = client.post(SETUP_PAGE, {"code": code_now(secret)})
    assert response.status_code == 302 and response["Location"] == "/account/two-factor/recovery-codes/"
    shown = client.get("/account/two-factor/recovery-codes/")
    codes = re.findall(r"<code>([a-z0-9]{5}-[a-z0-9]{5})</code>", shown.content.decode())
    assert len(codes) == 10 and len(set(codes)) == 10
    assert "only time these codes are shown" in text(shown)
    again = client.get("/account/two-factor/recovery-codes/").content.decode()
    assert not re.findall(r"<code>", again) and "You have 10 unused recovery codes" in again
    assert AuditEvent.objects.filter(verb="two_factor.set_up", actor=officer).exists()

    client.post("/accounts/logout/")
    sign_in(client, officer)
    response = client.get("/programmes/")
    assert response.status_code == 302 and response["Location"] == f"{CODE_PAGE}?next=%2Fprogrammes%2F"
    page = text(client.get(response["Location"]))
    assert "Enter your code" in page and "Change password" not in page and "Programmes" not in page
    response = client.post(CODE_PAGE, {"code": code_now(secret, steps_ahead=1), "next": "/programmes/"})
    assert response.status_code == 302 and response["Location"] == "/programmes/"
    assert client.get("/programmes/").status_code == 200


def test_a_wrong_code_is_refused_and_the_next_try_waits_longer_each_time(client):
    officer = UserFactory(roles=[Role.OFFICER])
    secret, _ = turn_on(officer)
    sign_in(client, officer)
    right = code_now(secret)
    wrong = next(c for c in ("000000", "111111", "222222") if c not in {code_now(secret, s) for s in (-1, 0, 1)})
    response = client.post(CODE_PAGE, {"code": wrong})
    assert response.status_code == 200 and "That code is not right" in text(response)
    assert client.get("/").status_code == 302  # still only the code page

    # At once, even the right code is not checked: the wait after one wrong code is a second.
    response = client.post(CODE_PAGE, {"code": right})
    assert response.status_code == 200 and "Too many wrong codes: wait 1 second, then try again" in text(response)
    device = TOTPDevice.objects.get(user=officer)
    assert device.throttling_failure_count == 1

    # The clock moves on two seconds; a second wrong code doubles the wait, and so on (the count is in the database,
    # so every worker sees it).
    device.throttling_failure_timestamp -= dt.timedelta(seconds=2)
    device.save(update_fields=["throttling_failure_timestamp"])
    assert client.post(CODE_PAGE, {"code": wrong}).status_code == 200
    assert "wait 2 seconds" in text(client.post(CODE_PAGE, {"code": right}))
    device.refresh_from_db()
    device.throttling_failure_timestamp -= dt.timedelta(seconds=3)
    device.save(update_fields=["throttling_failure_timestamp"])

    response = client.post(CODE_PAGE, {"code": right})
    assert response.status_code == 302 and client.get("/").status_code == 200
    device.refresh_from_db()
    assert device.throttling_failure_count == 0


def test_a_recovery_code_signs_in_once(client):
    provider = UserFactory(roles=[Role.PROVIDER])
    _, codes = turn_on(provider)
    sign_in(client, provider)
    response = client.post(CODE_PAGE, {"code": codes[3].upper().replace("-", " ")}, follow=True)  # as typed off paper
    assert response.status_code == 200 and "you have 9 left" in text(response)
    assert AuditEvent.objects.filter(verb="two_factor.recovery_code_used", actor=provider).exists()

    client.post("/accounts/logout/")
    sign_in(client, provider)
    response = client.post(CODE_PAGE, {"code": codes[3]})
    assert response.status_code == 200 and "That code is not right" in text(response)
    assert client.get("/").status_code == 302
    assert StaticToken.objects.filter(device__user=provider).count() == 9


def test_a_role_that_must_use_it_cannot_reach_any_page_before_setting_it_up(client, settings):
    settings.VCSGRANTS_TWO_FACTOR_REQUIRED_ROLES = ["officer", "finance"]
    officer = UserFactory(roles=[Role.OFFICER])
    sign_in(client, officer)
    for path in ("/", "/programmes/", "/account/two-factor/", "/account/api-tokens/", CODE_PAGE, "/admin/"):
        response = client.get(path)
        assert response.status_code == 302 and response["Location"].startswith(SETUP_PAGE), path
    assert client.post("/account/two-factor/turn-off/").status_code == 302
    api = client.get("/api/programmes/")
    assert api.status_code == 403 and "two-factor" in api.json()["detail"]
    page = client.get(SETUP_PAGE)
    assert "Your role must use two-factor sign-in" in text(page) and "API tokens" not in text(page)

    secret = re.search(r'id="secret">([A-Z2-7 ]+)<', page.content.decode()).group(1)
    client.post(SETUP_PAGE, {"code": code_now(secret), "next": "/programmes/"})
    shown = client.get("/account/two-factor/recovery-codes/?next=/programmes/")
    assert 'href="/programmes/"' in shown.content.decode()  # "I have saved my recovery codes: continue"
    assert client.get("/programmes/").status_code == 200
    response = client.post("/account/two-factor/turn-off/", follow=True)
    assert "Your role must use two-factor sign-in, so you cannot turn it off" in text(response)
    assert two_factor.has_two_factor(officer)

    # Other roles are not asked.
    other = Client()
    sign_in(other, UserFactory(roles=[Role.PROVIDER]))
    assert other.get("/").status_code == 200


def test_an_administrator_resets_a_persons_two_factor_sign_in_and_the_audit_log_says_so(client, settings):
    settings.VCSGRANTS_TWO_FACTOR_REQUIRED_ROLES = ["finance"]
    admin = UserFactory(roles=[Role.ADMIN], first_name="Priya", last_name="Shah")
    finance = UserFactory(roles=[Role.FINANCE], first_name="Sam", last_name="Lee")
    secret, _ = turn_on(finance)
    theirs = Client()
    sign_in(theirs, finance)
    theirs.post(CODE_PAGE, {"code": code_now(secret)})
    assert theirs.get("/").status_code == 200

    client.force_login(admin)
    detail = text(client.get(f"/people/{finance.pk}/"))
    assert "On (10 recovery codes left)" in detail
    assert "only when Sam Lee has lost both" in text(client.get(f"/people/{finance.pk}/two-factor/reset/"))
    response = client.post(f"/people/{finance.pk}/two-factor/reset/", follow=True)
    assert "Two-factor sign-in is reset for Sam Lee" in text(response)
    assert "Off (their role must use it" in text(response)
    event = AuditEvent.objects.get(verb="person.two_factor_reset")
    assert event.actor == admin and event.object_id == finance.pk and "Sam Lee" in event.summary
    assert not TOTPDevice.objects.filter(user=finance).exists()
    assert not StaticToken.objects.filter(device__user=finance).exists()

    # Their open session is stopped at its next page, to set up a new app; so is a fresh sign-in.
    assert theirs.get("/").headers["Location"].startswith(SETUP_PAGE)
    fresh = Client()
    sign_in(fresh, finance)
    assert fresh.get("/").headers["Location"].startswith(SETUP_PAGE)
    # Nothing left to reset.
    response = client.post(f"/people/{finance.pk}/two-factor/reset/", follow=True)
    assert "has not set up two-factor sign-in" in text(response)


def test_the_last_administrator_is_reset_from_the_server():
    admin = UserFactory(roles=[Role.ADMIN], username="only-admin")
    turn_on(admin)
    out = io.StringIO()
    call_command("reset_two_factor", "only-admin", stdout=out)
    assert "Two-factor sign-in is reset" in out.getvalue()
    assert not two_factor.has_two_factor(admin)
    event = AuditEvent.objects.get(verb="person.two_factor_reset")
    assert event.actor == admin and "with manage.py reset_two_factor" in event.summary
    with pytest.raises(CommandError, match="nothing to reset"):
        call_command("reset_two_factor", "only-admin")


def test_only_a_superuser_resets_a_superuser(client):
    admin = UserFactory(roles=[Role.ADMIN])
    boss = UserFactory(is_superuser=True)
    turn_on(boss)
    client.force_login(admin)
    response = client.post(f"/people/{boss.pk}/two-factor/reset/", follow=True)
    assert "only a superuser can change their account" in text(response)
    assert two_factor.has_two_factor(boss)


def test_a_single_sign_on_session_is_never_asked_for_a_code(client, settings):
    settings.VCSGRANTS_TWO_FACTOR_REQUIRED_ROLES = ["officer"]
    # Any backend but the password ones stands for the identity provider's (which does its own second factor).
    settings.AUTHENTICATION_BACKENDS = [*settings.AUTHENTICATION_BACKENDS, "django.contrib.auth.backends.ModelBackend"]
    with_app, without = UserFactory(roles=[Role.OFFICER]), UserFactory(roles=[Role.OFFICER])
    turn_on(with_app)
    for user in (with_app, without):
        sso = Client()
        sso.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        assert sso.get("/programmes/").status_code == 200
    password = Client()
    password.force_login(with_app)  # the default backend: a password sign-in
    assert password.get("/programmes/").headers["Location"].startswith(CODE_PAGE)


def test_a_session_from_before_it_was_turned_on_must_give_a_code_before_changing_it(client):
    officer = UserFactory(roles=[Role.OFFICER])
    sign_in(client, officer)
    assert client.get("/").status_code == 200
    turn_on(officer)  # in another session
    assert client.get(SETUP_PAGE).headers["Location"].startswith(CODE_PAGE)
    assert client.post("/account/two-factor/turn-off/").headers["Location"] == CODE_PAGE
    assert client.get("/").headers["Location"] == CODE_PAGE


def test_someone_may_turn_it_off_and_sign_in_with_a_password_alone_again(client):
    applicant = UserFactory(roles=[Role.APPLICANT])
    secret, _ = turn_on(applicant)
    sign_in(client, applicant)
    client.post(CODE_PAGE, {"code": code_now(secret)})
    response = client.post("/account/two-factor/turn-off/", follow=True)
    assert "Two-factor sign-in is off" in text(response)
    assert AuditEvent.objects.filter(verb="two_factor.turned_off").exists()
    client.post("/accounts/logout/")
    sign_in(client, applicant)
    assert client.get("/").status_code == 200


def test_the_production_settings_require_it_of_the_staff_roles_and_a_mistyped_role_stops_the_start(monkeypatch, settings):
    monkeypatch.setenv("SECRET_KEY", "s" * 60)
    monkeypatch.delenv("VCSGRANTS_TWO_FACTOR_REQUIRED_ROLES", raising=False)
    sys.modules.pop("vcsgrants.production", None)
    production = importlib.import_module("vcsgrants.production")
    assert production.VCSGRANTS_TWO_FACTOR_REQUIRED_ROLES == [str(r) for r in people.STAFF_ROLES]
    monkeypatch.setenv("VCSGRANTS_TWO_FACTOR_REQUIRED_ROLES", "none")
    assert production.env_roles("VCSGRANTS_TWO_FACTOR_REQUIRED_ROLES", ["admin"]) == []
    monkeypatch.setenv("VCSGRANTS_TWO_FACTOR_REQUIRED_ROLES", "Admin, finance")
    assert production.env_roles("VCSGRANTS_TWO_FACTOR_REQUIRED_ROLES", []) == ["admin", "finance"]
    sys.modules.pop("vcsgrants.production", None)

    settings.VCSGRANTS_TWO_FACTOR_REQUIRED_ROLES = ["admin", "oficer"]
    with pytest.raises(Exception, match="roles that do not exist: oficer"):
        call_command("check")
