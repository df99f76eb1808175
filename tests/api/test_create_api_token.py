"""manage.py create_api_token prints a working token once and stores only its hash."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from tests.api.conftest import TokenClient
from vcsgrants.api.models import ApiToken, hash_token


def test_prints_a_token_that_works_and_stores_only_its_hash(world):
    out, err = StringIO(), StringIO()
    call_command("create_api_token", "provider", "--name", "monitoring export", stdout=out, stderr=err)
    token = out.getvalue().strip()
    assert token.startswith("vcsg_") and len(token) > 40
    assert "cannot be shown again" in err.getvalue()

    stored = ApiToken.objects.get(user=world.provider)
    assert stored.name == "monitoring export"
    assert stored.token_hash == hash_token(token)
    assert stored.prefix == token[:12]
    stored_text = [str(v) for v in ApiToken.objects.values_list(flat=False).get()]
    assert not any(token in value for value in stored_text)

    response = TokenClient(token).get("/api/agreements/")
    assert response.status_code == 200
    assert {a["reference"] for a in response.json()["results"]} == {"SLA-A1"}


def test_each_run_makes_a_new_token(world):
    first, second = StringIO(), StringIO()
    call_command("create_api_token", "officer", stdout=first, stderr=StringIO())
    call_command("create_api_token", "officer", stdout=second, stderr=StringIO())
    assert first.getvalue() != second.getvalue()
    assert ApiToken.objects.filter(user=world.officer).count() == 2


def test_an_unknown_user_is_a_clear_error(world):
    with pytest.raises(CommandError, match="no user called 'nosuchuser'"):
        call_command("create_api_token", "nosuchuser", stdout=StringIO(), stderr=StringIO())
    assert not ApiToken.objects.exists()


def test_a_deactivated_user_is_refused(world):
    world.officer.is_active = False
    world.officer.save()
    with pytest.raises(CommandError, match="deactivated"):
        call_command("create_api_token", "officer", stdout=StringIO(), stderr=StringIO())
    assert not ApiToken.objects.exists()


def test_revoke_api_token_stops_the_users_tokens(world):
    kept_obj, kept = ApiToken.issue(world.officer, name="kept")
    gone_obj, gone = ApiToken.issue(world.officer, name="leaked")
    out = StringIO()
    call_command("revoke_api_token", "officer", "--prefix", gone_obj.prefix, stdout=out)
    assert "leaked" in out.getvalue()
    assert TokenClient(gone).get("/api/agreements/").status_code == 401
    assert TokenClient(kept).get("/api/agreements/").status_code == 200

    call_command("revoke_api_token", "officer", stdout=StringIO())
    assert TokenClient(kept).get("/api/agreements/").status_code == 401
    with pytest.raises(CommandError, match="no active API token"):
        call_command("revoke_api_token", "officer", stdout=StringIO())
