"""The API tokens page: any signed-in user makes, sees and revokes their own tokens, never anyone else's;
a token is shown once and stored only as its hash."""

from __future__ import annotations

import hashlib
import re

import pytest
from django.test import Client

from tests.factories import set_council
from vcsgrants.api.models import ApiToken
from vcsgrants.core.models import AuditEvent

URL = "/account/api-tokens/"


@pytest.fixture
def signed_in():
    def make(user) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return make


def shown_token(response) -> str:
    match = re.search(r"<code class=\"app-token\" data-token>([^<]+)</code>", response.content.decode())
    assert match, "the new token is not on the page"
    return match.group(1)


def test_a_user_creates_a_token_shown_once_that_works_with_the_api(world, signed_in):
    client = signed_in(world.provider)
    response = client.post(URL, {"name": "Quarterly returns script"})
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    token = shown_token(response)
    assert "Copy it now: it will not be shown again" in response.content.decode()

    stored = ApiToken.objects.get(user=world.provider)
    assert stored.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in {stored.name, stored.prefix, stored.token_hash} and token.startswith(stored.prefix)
    assert AuditEvent.objects.filter(verb="api_token.created", actor=world.provider).exists()

    again = client.get(URL).content.decode()
    assert token not in again  # never shown again
    assert "Quarterly returns script" in again and f"{stored.prefix}…" in again and "Never" in again

    api = Client().get("/api/agreements/", headers={"Authorization": f"Bearer {token}"})
    assert api.status_code == 200
    assert [row["reference"] for row in api.json()["results"]] == ["SLA-A1"]  # what the provider's account sees
    stored.refresh_from_db()
    assert stored.last_used_at is not None
    assert "Never" not in client.get(URL).content.decode()


def test_a_token_needs_a_name_that_is_not_already_in_use(world, signed_in):
    client = signed_in(world.officer)
    assert "Enter the name" in client.post(URL, {"name": ""}).content.decode()
    client.post(URL, {"name": "Reports"})
    duplicate = client.post(URL, {"name": "Reports"}).content.decode()
    assert "You already have a token called Reports" in duplicate
    assert ApiToken.objects.filter(user=world.officer).count() == 1


def test_revoking_a_token_stops_it_at_once(world, signed_in):
    client = signed_in(world.officer)
    token = shown_token(client.post(URL, {"name": "Old script"}))
    api_token = ApiToken.objects.get(user=world.officer)

    warning = client.get(f"/account/api-tokens/{api_token.pk}/revoke/").content.decode()
    assert "Revoke the token Old script?" in warning and "govuk-button--warning" in warning
    api_token.refresh_from_db()
    assert api_token.revoked_at is None  # opening the warning step revokes nothing
    response = client.post(f"/account/api-tokens/{api_token.pk}/revoke/")
    assert response.status_code == 302 and response["Location"] == URL
    api_token.refresh_from_db()
    assert api_token.revoked_at is not None
    page = client.get(URL).content.decode()
    assert "Token Old script revoked" in page and "Revoked" in page
    assert AuditEvent.objects.filter(verb="api_token.revoked", actor=world.officer).count() == 1

    refused = Client().get("/api/agreements/", headers={"Authorization": f"Bearer {token}"})
    assert refused.status_code == 401 and "revoked" in refused.json()["detail"]

    client.post(f"/account/api-tokens/{api_token.pk}/revoke/")  # twice: nothing more happens
    assert AuditEvent.objects.filter(verb="api_token.revoked").count() == 1


def test_a_user_never_sees_or_revokes_anyone_elses_token(world, signed_in):
    theirs, token = ApiToken.issue(world.officer, name="Officer's script")
    client = signed_in(world.provider)
    page = client.get(URL).content.decode()
    assert "Officer&#x27;s script" not in page and "Officer's script" not in page and theirs.prefix not in page
    assert "You have no API tokens yet" in page

    assert client.post(f"/account/api-tokens/{theirs.pk}/revoke/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.revoked_at is None
    assert Client().get("/api/programmes/", headers={"Authorization": f"Bearer {token}"}).status_code == 200


def test_anyone_signed_in_may_use_the_page_and_it_is_in_the_menu(world, signed_in):
    page = signed_in(world.nobody).get(URL)
    assert page.status_code == 200
    assert 'href="/account/api-tokens/"' in page.content.decode()
    anonymous = Client().get(URL)
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/accounts/login/")
    token = ApiToken.issue(world.officer)[0]
    assert signed_in(world.officer).get(f"/account/api-tokens/{token.pk}/revoke/").status_code == 200  # the warning step
    token.refresh_from_db()
    assert token.revoked_at is None


def test_the_page_names_the_api_after_the_councils_service(world, signed_in):

    set_council(service_name="Northshire Community Grants")
    page = signed_in(world.provider).get(URL).content.decode()
    assert '<a class="govuk-link" href="/api/">Northshire Community Grants API</a>' in page
    assert "VCS Grants" not in page
