"""Bearer tokens: only a hash is stored, revoked tokens and deactivated users are refused, and
a request with no credentials gets 401 from every endpoint."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from tests.api.conftest import LIST_ENDPOINTS, TokenClient
from vcsgrants.api.models import ApiToken, hash_token


@pytest.fixture
def issued(world):
    token_obj, token = ApiToken.issue(world.officer, name="reporting script")
    return token_obj, token


def test_a_token_authenticates_as_its_user_and_records_its_use(world, issued):
    token_obj, token = issued
    response = TokenClient(token).get("/api/agreements/")
    assert response.status_code == 200
    assert {a["reference"] for a in response.json()["results"]} == {"SLA-A1", "SLA-B1"}
    token_obj.refresh_from_db()
    assert token_obj.last_used_at is not None
    assert token_obj.token_hash == hash_token(token)
    assert not ApiToken.objects.filter(token_hash=token).exists()  # the plaintext is never stored


def test_last_use_is_written_at_most_once_a_minute(world, issued):
    token_obj, token = issued
    recent = timezone.now() - dt.timedelta(seconds=30)
    ApiToken.objects.filter(pk=token_obj.pk).update(last_used_at=recent)
    assert TokenClient(token).get("/api/programmes/").status_code == 200
    token_obj.refresh_from_db()
    assert token_obj.last_used_at == recent

    stale = timezone.now() - dt.timedelta(minutes=5)
    ApiToken.objects.filter(pk=token_obj.pk).update(last_used_at=stale)
    assert TokenClient(token).get("/api/programmes/").status_code == 200
    token_obj.refresh_from_db()
    assert token_obj.last_used_at > stale + dt.timedelta(minutes=4)


@pytest.mark.parametrize(
    "header",
    ["Bearer vcsg_not-a-real-token", "Bearer", "Bearer two parts", "Bearer caf\u00e9"],
    ids=["unknown", "missing-token", "spaces", "non-ascii"],
)
def test_a_bad_token_gets_401(world, header):
    response = Client().get("/api/agreements/", headers={"Authorization": header})
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"
    assert response.json()["detail"]


def test_a_revoked_token_gets_401(world, issued):
    token_obj, token = issued
    token_obj.revoked_at = timezone.now()
    token_obj.save()
    response = TokenClient(token).get("/api/agreements/")
    assert response.status_code == 401
    assert "revoked" in response.json()["detail"]


def test_a_deactivated_users_token_gets_401(world, issued):
    _, token = issued
    world.officer.is_active = False
    world.officer.save()
    response = TokenClient(token).get("/api/agreements/")
    assert response.status_code == 401
    assert "deactivated" in response.json()["detail"]


def test_a_signed_in_browser_session_works_too(world):
    client = Client()
    client.force_login(world.officer)
    assert client.get("/api/agreements/").status_code == 200


def _all_urls(world) -> list[str]:
    detail = {
        "programmes": world.community.pk,
        "funding-streams": world.core.pk,
        "allocations": world.core.allocations.first().pk,
        "organisations": world.provider_one.pk,
        "agreements": world.sla_a.pk,
        "payments": world.sla_a.instalments.first().pk,
    }
    return ["/api/", "/api/schema/"] + [f"/api/{e}/" for e in LIST_ENDPOINTS] + [f"/api/{e}/{pk}/" for e, pk in detail.items()]


def test_anonymous_requests_get_401_everywhere(world):
    client = Client()
    for url in _all_urls(world):
        response = client.get(url, HTTP_ACCEPT="application/json")
        assert response.status_code == 401, url
        assert response["WWW-Authenticate"] == "Bearer", url


def test_the_root_lists_every_endpoint_and_the_schema(world, api_as):
    response = api_as(world.officer).get("/api/")
    assert response.status_code == 200
    links = response.json()
    assert set(links) == {*LIST_ENDPOINTS, "schema"}
    assert links["agreements"] == "http://testserver/api/agreements/"
    assert links["schema"] == "http://testserver/api/schema/"
