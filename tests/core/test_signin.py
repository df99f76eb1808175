"""Sign-in protections: lockout after repeated failures, password rules, sessions that expire."""

from __future__ import annotations

import datetime as dt
import re
import time

import pytest
from axes.models import AccessAttempt
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.test import Client, RequestFactory
from django.utils import timezone

from tests.factories import TEST_PASSWORD, UserFactory
from vcsgrants.api.models import ApiToken
from vcsgrants.core.models import Role
from vcsgrants.core.sessions import TOUCHED_KEY
from vcsgrants.core.signin import client_ip

pytestmark = pytest.mark.django_db

LOCKED = "Sign-in is locked for now"


def sign_in(client: Client, username: str, password: str, ip: str = "203.0.113.7"):
    return client.post("/accounts/login/", {"username": username, "password": password}, REMOTE_ADDR=ip)


def fail(client: Client, username: str, times: int, ip: str = "203.0.113.7"):
    for _ in range(times):
        response = sign_in(client, username, "not-the-password", ip=ip)
        assert response.status_code in (200, 429)
    return response


def signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def test_four_failures_only_warn_and_the_fifth_locks_the_username_with_the_time_to_try_again(client, officer):
    response = fail(client, officer.username, 4)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Enter a correct username and password: both are case-sensitive" in page
    assert LOCKED not in page

    response = fail(client, officer.username, 1)
    assert response.status_code == 429
    page = response.content.decode()
    assert LOCKED in page
    assert "5 or more failed attempts" in page
    last = AccessAttempt.objects.get(username=officer.username).attempt_time
    until = timezone.localtime(last + dt.timedelta(minutes=15))
    hour = until.hour % 12 or 12
    am_pm = "am" if until.hour < 12 else "pm"
    expected = f"You can try again after {hour}:{until:%M}{am_pm} on {until.day} {until:%B %Y}."
    assert expected in page

    # While locked, even the right password is refused, and the lock's end does not move.
    response = sign_in(client, officer.username, TEST_PASSWORD)
    assert response.status_code == 429 and LOCKED in response.content.decode()
    assert not signed_in(client)
    assert AccessAttempt.objects.get(username=officer.username).attempt_time == last


def test_the_username_is_locked_from_every_address(officer):
    for n in range(5):
        fail(Client(), officer.username, 1, ip=f"198.51.100.{n + 1}")
    client = Client()
    response = sign_in(client, officer.username, TEST_PASSWORD, ip="192.0.2.200")
    assert response.status_code == 429
    assert not signed_in(client)


def test_an_address_that_fails_for_many_usernames_is_locked_for_everyone_there(db):
    client = Client()
    for n in range(5):
        fail(client, f"guess-{n}", 1, ip="203.0.113.99")
    someone = UserFactory(roles=[Role.OFFICER])
    response = sign_in(client, someone.username, TEST_PASSWORD, ip="203.0.113.99")
    assert response.status_code == 429
    # The same person from another address signs in.
    other = Client()
    response = sign_in(other, someone.username, TEST_PASSWORD, ip="203.0.113.100")
    assert response.status_code == 302 and signed_in(other)


def test_the_lock_ends_15_minutes_after_the_last_failure(client, officer):
    fail(client, officer.username, 5)
    AccessAttempt.objects.update(attempt_time=timezone.now() - dt.timedelta(minutes=14))
    assert sign_in(client, officer.username, TEST_PASSWORD).status_code == 429

    AccessAttempt.objects.update(attempt_time=timezone.now() - dt.timedelta(minutes=15, seconds=1))
    response = sign_in(client, officer.username, TEST_PASSWORD)
    assert response.status_code == 302 and signed_in(client)


def test_a_successful_sign_in_clears_the_count(client, officer):
    fail(client, officer.username, 4)
    assert sign_in(client, officer.username, TEST_PASSWORD).status_code == 302
    client.post("/accounts/logout/")
    response = fail(client, officer.username, 4)
    assert response.status_code == 200 and LOCKED not in response.content.decode()
    assert sign_in(client, officer.username, TEST_PASSWORD).status_code == 302


def test_api_tokens_still_work_while_their_user_is_locked_out_of_the_pages(client, officer):
    fail(client, officer.username, 5)
    token = ApiToken.issue(officer, name="script")[1]
    response = Client().get("/api/programmes/", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200


def test_the_visitor_address_comes_from_nginx_only_when_nginx_is_the_caller():
    rf = RequestFactory()
    via_socket = rf.get("/", REMOTE_ADDR="", HTTP_X_REAL_IP="203.0.113.5")
    via_loopback = rf.get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_REAL_IP="203.0.113.6")
    direct = rf.get("/", REMOTE_ADDR="198.51.100.1", HTTP_X_REAL_IP="203.0.113.7")
    garbage = rf.get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_REAL_IP="not an address")
    assert client_ip(via_socket) == "203.0.113.5"
    assert client_ip(via_loopback) == "203.0.113.6"
    assert client_ip(direct) == "198.51.100.1"  # a visitor cannot choose their own address
    assert client_ip(garbage) == "127.0.0.1"
    assert client_ip(rf.get("/", REMOTE_ADDR="")) is None  # stored as no address, never as text


# --- passwords ------------------------------------------------------------------------


def test_the_header_links_to_a_password_change_page_that_refuses_a_weak_password(client, officer):
    client.force_login(officer)
    home = client.get("/").content.decode()
    assert 'href="/accounts/password_change/"' in home
    page = client.get("/accounts/password_change/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Change your password" in html and "govuk-input" in html
    assert "at least 10 characters" in html  # the rules are shown before anyone types

    response = client.post(
        "/accounts/password_change/",
        {"old_password": TEST_PASSWORD, "new_password1": "password12", "new_password2": "password12"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "There is a problem" in html
    assert "The password is one that many people use: choose one that is harder to guess" in html
    officer.refresh_from_db()
    assert officer.check_password(TEST_PASSWORD)

    strong = "heather-lantern-quarry-47"
    response = client.post(
        "/accounts/password_change/", {"old_password": TEST_PASSWORD, "new_password1": strong, "new_password2": strong}
    )
    assert response.status_code == 302
    assert "Password changed" in client.get(response["Location"]).content.decode()
    officer.refresh_from_db()
    assert officer.check_password(strong)


def test_an_administrator_cannot_create_a_user_with_a_weak_password_in_the_admin(client):
    admin = UserFactory(is_superuser=True, is_staff=True)
    client.force_login(admin)
    assert client.get("/admin/core/user/add/").status_code == 200
    response = client.post(
        "/admin/core/user/add/",
        {"username": "newperson", "usable_password": "true", "password1": "12345678", "password2": "12345678"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "The password must be 10 characters or more" in html and "must not be only numbers" in html
    assert not type(admin).objects.filter(username="newperson").exists()


# --- sessions -------------------------------------------------------------------------


def test_a_session_ends_after_two_idle_hours_and_use_moves_the_end_on_at_most_once_a_minute(client, officer):
    response = sign_in(client, officer.username, TEST_PASSWORD)
    assert response.status_code == 302
    cookie = response.cookies["sessionid"]
    assert cookie["max-age"] == "" and cookie["expires"] == ""  # gone when the browser closes
    key = client.session.session_key
    sessions = Session.objects.filter(session_key=key)
    assert sessions.get().expire_date > timezone.now() + dt.timedelta(hours=1, minutes=59)

    # Used again within the minute: no write, so the end stays where it was.
    soon = timezone.now() + dt.timedelta(minutes=5)
    sessions.update(expire_date=soon)
    assert client.get("/programmes/").status_code == 200
    assert sessions.get().expire_date == soon

    # Last moved on more than a minute ago: this request moves the end to 2 hours from now.
    store = SessionStore(session_key=key)
    store[TOUCHED_KEY] = int(time.time()) - 61
    store.save()
    sessions.update(expire_date=soon)
    assert client.get("/programmes/").status_code == 200
    assert sessions.get().expire_date > timezone.now() + dt.timedelta(hours=1, minutes=59)

    # Two hours idle: the session has ended and the next page asks for sign-in.
    sessions.update(expire_date=timezone.now() - dt.timedelta(seconds=1))
    response = client.get("/programmes/")
    assert response.status_code == 302
    assert re.match(r"^/accounts/login/\?next=/programmes/", response["Location"])
