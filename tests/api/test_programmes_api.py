"""Programmes and their monitoring settings written through the API (issue 15): officers create and change them
through the pages' own services (so the same rules and audit events), with ETag and If-Match against lost updates;
and an agreement created through the API keeps the council's own reference."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from tests.api.conftest import make_user
from tests.api.writing import JSON
from vcsgrants.core.models import AuditEvent, Role
from vcsgrants.funding.models import Agreement, Programme
from vcsgrants.monitoring.models import ProgrammeMonitoring

pytestmark = pytest.mark.django_db


def ok(response, code: int = 200) -> dict:
    assert response.status_code == code, response.content
    return response.json()


def refused(response, field: str) -> str:
    assert response.status_code == 400, response.content
    body = response.json()
    assert field in body, body
    return str(body[field])


def patch(client, path: str, data: dict, if_match: str | None = None):
    headers = client._headers() | ({"If-Match": if_match} if if_match else {})
    return client.client.patch(path, json.dumps(data), content_type=JSON, headers=headers)


def post(client, path: str, data: dict, if_match: str | None = None):
    headers = client._headers() | ({"If-Match": if_match} if if_match else {})
    return client.client.post(path, json.dumps(data), content_type=JSON, headers=headers)


def test_an_officer_creates_a_programme_and_its_slug_is_made_from_its_name(world, api):
    created = ok(
        api(world.officer).post(
            "/api/programmes/", {"name": "Winter Warmth", "description": "Hubs.", "funder": world.council.pk}
        ),
        201,
    )
    assert (created["slug"], created["name"], created["funder"]["id"]) == ("winter-warmth", "Winter Warmth", world.council.pk)
    assert Programme.objects.get(pk=created["id"]).description == "Hubs."
    event = AuditEvent.objects.get(verb="programme.created")
    assert event.actor == world.officer and event.object_id == created["id"]


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"name": "Community Support"}, "name", "Another programme is already called Community Support"),
        ({"slug": "warm-spaces"}, "slug", "Another programme has the web address warm-spaces"),
        ({"slug": "not a slug"}, "slug", "only letters, numbers, hyphens and underscores"),
        ({"funder": "provider"}, "funder", "is not a funder organisation"),
        ({"funder": 10**9}, "funder", "Invalid pk"),
        ({"name": ""}, "name", "may not be blank"),
    ],
)
def test_a_bad_programme_is_refused_at_its_field_and_nothing_is_written(world, api, body, field, message):
    if body.get("funder") == "provider":
        body = {"funder": world.provider_one.pk}
    before = Programme.objects.count()
    valid = {"name": "New programme", "funder": world.council.pk}
    assert message in refused(api(world.officer).post("/api/programmes/", {**valid, **body}), field)
    assert Programme.objects.count() == before


@pytest.mark.parametrize("role", ["finance", "partner", "provider", "nobody"])
def test_only_officers_and_administrators_write_programmes(world, api, role):
    client = api(getattr(world, role))
    assert client.post("/api/programmes/", {"name": "Sneaky", "funder": world.council.pk}).status_code == 403
    assert patch(client, f"/api/programmes/{world.community.pk}/", {"name": "Sneaky"}).status_code == 403
    settings = post(
        client, f"/api/programmes/{world.community.pk}/monitoring-settings/", {"return_due_days": 5, "amber_percent": "1"}
    )
    assert settings.status_code == 403
    assert not Programme.objects.filter(name="Sneaky").exists()
    assert not ProgrammeMonitoring.objects.exists()
    assert not AuditEvent.objects.filter(verb__in=["programme.created", "programme.changed"]).exists()


def test_an_administrator_changes_a_programme_with_if_match_and_a_stale_one_is_refused_with_412(world, api):
    admin = make_user("admin", Role.ADMIN, world.council)
    first, second = api(world.officer), api(admin)
    path = f"/api/programmes/{world.community.pk}/"
    etag = first.get(path)["ETag"]
    assert etag and second.get(path)["ETag"] == etag
    changed = ok(patch(first, path, {"description": "Community hubs across the county."}, etag))
    assert changed["description"] == "Community hubs across the county." and changed["name"] == "Community Support"
    event = AuditEvent.objects.get(verb="programme.changed")
    assert event.actor == world.officer and "description" in event.summary

    stale = patch(second, path, {"name": "Community Support Fund"}, etag)
    assert stale.status_code == 412, stale.content
    assert stale.json()["etag"] == first.get(path)["ETag"] and "nothing was saved" in stale.json()["detail"]
    world.community.refresh_from_db()
    assert world.community.name == "Community Support"

    fresh = second.get(path)["ETag"]
    assert ok(patch(second, path, {"name": "Community Support Fund"}, fresh))["name"] == "Community Support Fund"


def test_monitoring_settings_are_read_with_an_etag_and_set_with_if_match(world, api):
    officer = api(world.officer)
    path = f"/api/programmes/{world.community.pk}/monitoring-settings/"
    read = officer.get(path)
    assert ok(read) == {"return_due_days": 30, "amber_percent": "10.0", "minimum_coverage": 100}
    set_ = post(officer, path, {"return_due_days": 45, "amber_percent": "12.5"}, read["ETag"])
    assert ok(set_) == {"return_due_days": 45, "amber_percent": "12.5", "minimum_coverage": 100}
    assert ProgrammeMonitoring.objects.get(programme=world.community).amber_within == Decimal("0.125")
    assert AuditEvent.objects.get(verb="monitoring.settings_changed").actor == world.officer
    assert post(officer, path, {"return_due_days": 20, "amber_percent": "10"}, read["ETag"]).status_code == 412
    assert "120" in refused(post(officer, path, {"return_due_days": 121, "amber_percent": "10"}), "return_due_days")
    assert refused(post(officer, path, {"return_due_days": 30, "amber_percent": "60"}), "amber_percent")
    assert ProgrammeMonitoring.objects.get(programme=world.community).return_due_days == 45


def agreement_body(world, **changes) -> dict:
    return {
        "programme": world.community.pk,
        "organisation": world.provider_one.pk,
        "title": "Volunteering in Bolsover",
        "areas": ["E07000033"],
        "start_date": "2022-04-01",
        "end_date": "2023-03-31",
        **changes,
    }


def test_an_agreement_keeps_the_reference_it_is_given_and_a_clash_is_refused(world, api):
    officer = api(world.officer)
    created = ok(officer.post("/api/agreements/", agreement_body(world, reference="CVS/2022/017")), 201)
    assert created["reference"] == "CVS/2022/017"
    assert Agreement.objects.get(pk=created["id"]).reference == "CVS/2022/017"
    clash = officer.post("/api/agreements/", agreement_body(world, reference="SLA-A1", title="Another"))
    assert "Another agreement has the reference SLA-A1" in refused(clash, "reference")
    assert not Agreement.objects.filter(title="Another").exists()
    made = ok(
        officer.post("/api/agreements/", agreement_body(world, title="No reference given", organisation=world.provider_two.pk)),
        201,
    )
    assert made["reference"].startswith("SLA-2022-")
