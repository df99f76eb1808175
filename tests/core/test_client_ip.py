"""One rule for a visitor's address (core.signin.client_ip), one setting (TRUSTED_PROXIES), for the sign-in
lockout and the consultation form's rate limit alike."""

from __future__ import annotations

import pytest
from axes.models import AccessAttempt
from django.test import Client, RequestFactory

from tests.factories import UserFactory
from vcsgrants.core.signin import client_ip, trusted_proxies

rf = RequestFactory()


def request(remote: str = "127.0.0.1", forwarded_for: str | None = None, real_ip: str | None = None):
    headers = {"REMOTE_ADDR": remote}
    if forwarded_for is not None:
        headers["HTTP_X_FORWARDED_FOR"] = forwarded_for
    if real_ip is not None:
        headers["HTTP_X_REAL_IP"] = real_ip
    return rf.get("/", **headers)


def test_with_no_proxies_declared_x_forwarded_for_is_never_believed(settings):
    settings.TRUSTED_PROXIES = 0
    assert client_ip(request("198.51.100.1", forwarded_for="203.0.113.9")) == "198.51.100.1"
    assert client_ip(request("127.0.0.1", forwarded_for="203.0.113.9", real_ip="203.0.113.5")) == "203.0.113.5"
    assert client_ip(request("198.51.100.1", real_ip="203.0.113.5")) == "198.51.100.1"


def test_behind_proxies_the_address_the_outermost_trusted_proxy_saw_counts(settings):
    settings.TRUSTED_PROXIES = 1
    # nginx appends what it saw; whatever the visitor wrote before it is ignored.
    assert client_ip(request(forwarded_for="spoofed, 10.9.9.9, 198.51.100.7")) == "198.51.100.7"
    settings.TRUSTED_PROXIES = 2  # a load balancer, then nginx
    assert client_ip(request(forwarded_for="10.9.9.9, 198.51.100.7, 192.0.2.10")) == "198.51.100.7"
    # A chain shorter than the proxies declared, or rubbish where the address should be: the next rule decides.
    assert client_ip(request("127.0.0.1", forwarded_for="203.0.113.9", real_ip="203.0.113.5")) == "203.0.113.5"
    assert client_ip(request("198.51.100.1", forwarded_for="not-an-address, 192.0.2.10")) == "198.51.100.1"


def test_the_old_setting_name_still_works(settings):
    settings.TRUSTED_PROXIES = 0
    settings.CONSULTATION_TRUSTED_PROXIES = 1
    assert trusted_proxies() == 1
    assert client_ip(request(forwarded_for="203.0.113.9")) == "203.0.113.9"


@pytest.mark.django_db
def test_the_sign_in_lockout_counts_the_forwarded_address(settings):
    settings.TRUSTED_PROXIES = 1
    user = UserFactory()
    Client(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="spoofed, 203.0.113.9").post(
        "/accounts/login/", {"username": user.username, "password": "wrong-password"}
    )
    assert list(AccessAttempt.objects.values_list("ip_address", flat=True)) == ["203.0.113.9"]
