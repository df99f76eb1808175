"""A token stops working when its owner's password changes or the account is deactivated, and at its expiry,
each refused with a 401 that says why; the tokens page and create_api_token take an expiry."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone

from tests.api.conftest import TokenClient
from tests.factories import TEST_PASSWORD
from vcsgrants.api.models import ApiToken, hash_token
from vcsgrants.api.services import api_token_create

NEW_PASSWORD = "a-brand-new-long-password-2027"


def works(token: str) -> bool:
    return TokenClient(token).get("/api/agreements/").status_code == 200


def refusal(token: str) -> str:
    response = TokenClient(token).get("/api/agreements/")
    assert response.status_code == 401
    return response.json()["detail"]


def test_changing_the_password_on_the_page_revokes_every_token(world):
    _, first = api_token_create(user=world.provider, name="one")
    _, second = api_token_create(user=world.provider, name="two")
    _, others = api_token_create(user=world.provider_other, name="someone else's")
    client = Client()
    client.force_login(world.provider)
    response = client.post(
        "/accounts/password_change/",
        {"old_password": TEST_PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert not works(first) and not works(second)
    assert refusal(first) == (
        "This token has been revoked (its owner's password was changed). Create a new one on the API tokens page."
    )
    assert works(others)
    page = client.get("/account/api-tokens/").content.decode()
    assert "because its owner&#x27;s password was changed" in page


def test_a_token_made_after_the_change_works(world):
    world.provider.set_password(NEW_PASSWORD)
    world.provider.save()
    _, token = api_token_create(user=world.provider, name="after")
    assert works(token)


def test_a_hash_upgrade_at_sign_in_is_not_a_password_change(world):
    _, token = api_token_create(user=world.provider, name="kept")
    world.provider.last_login = timezone.now()
    world.provider.save(update_fields=["last_login"])
    assert works(token)


def test_deactivating_the_account_revokes_its_tokens_for_good(world):
    _, token = api_token_create(user=world.provider, name="script")
    world.provider.is_active = False
    world.provider.save()
    world.provider.is_active = True  # switched back on: the old tokens stay revoked
    world.provider.save()
    assert refusal(token) == (
        "This token has been revoked (its owner's account was deactivated). Create a new one on the API tokens page."
    )


def test_an_expired_token_is_refused_with_when_it_expired(world):
    api_token, token = api_token_create(user=world.provider, name="short", expires_in_days=30)
    assert works(token)
    ApiToken.objects.filter(pk=api_token.pk).update(expires_at=dt.datetime(2026, 3, 5, 17, 0, tzinfo=dt.UTC))
    message = refusal(token)
    assert message.startswith("This token expired at ") and "5 March 2026" in message
    assert message.endswith("Create a new one on the API tokens page.")


def test_the_tokens_page_takes_an_expiry(world):
    client = Client()
    client.force_login(world.officer)
    page = client.get("/account/api-tokens/").content.decode()
    assert "After 90 days" in page and "No expiry: until you revoke it" in page
    client.post("/account/api-tokens/", {"name": "quarterly", "expires_in_days": "90"})
    client.post("/account/api-tokens/", {"name": "forever", "expires_in_days": ""})
    quarterly = ApiToken.objects.get(user=world.officer, name="quarterly")
    assert abs(quarterly.expires_at - (timezone.now() + dt.timedelta(days=90))) < dt.timedelta(minutes=1)
    assert ApiToken.objects.get(user=world.officer, name="forever").expires_at is None
    refused = client.post("/account/api-tokens/", {"name": "odd", "expires_in_days": "7"}).content.decode()
    assert "Select when the token expires: one of the choices shown" in refused
    assert not ApiToken.objects.filter(name="odd").exists()


def test_create_api_token_takes_an_expiry(world):
    out, err = StringIO(), StringIO()
    call_command("create_api_token", "provider", "--expires-in-days", "7", stdout=out, stderr=err)
    stored = ApiToken.objects.get(token_hash=hash_token(out.getvalue().strip()))
    assert abs(stored.expires_at - (timezone.now() + dt.timedelta(days=7))) < dt.timedelta(minutes=1)
    assert "expiring at" in err.getvalue()
    with pytest.raises(CommandError, match="at least 1"):
        call_command("create_api_token", "provider", "--expires-in-days", "0", stdout=StringIO(), stderr=StringIO())
