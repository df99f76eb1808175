"""Meetings and actions through the API: scoped as the pages scope them, written through the same forms and services."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest

from vcsgrants.core.models import AuditEvent
from vcsgrants.engagement.models.meetings import Action, Meeting
from vcsgrants.engagement.services import meetings as services

JUNE = dt.date(2022, 6, 1)


@dataclass
class Meetings:
    monitoring: Meeting  # with Provider One, Community Support
    partnership: Meeting  # Community Support, notes not shared
    other: Meeting  # with Provider Two, Warm Spaces
    own_action: Action  # Provider One's, from the monitoring meeting
    other_action: Action  # Provider Two's


@pytest.fixture
def meetings(world) -> Meetings:
    officer = world.officer
    monitoring = services.meeting_record(
        programme=world.community, kind="monitoring", organisation=world.provider_one, date=JUNE, notes="Frank notes.",
        agreements=[world.sla_a], actor=officer,
    )  # fmt: skip
    partnership = services.meeting_record(
        programme=world.community, kind="partnership", date=JUNE, agenda="Quarter 1", notes="About Provider Two.",
        decisions="Meet quarterly.", actor=officer,
    )  # fmt: skip
    other = services.meeting_record(
        programme=world.warm, kind="monitoring", organisation=world.provider_two, date=JUNE, actor=officer
    )
    own_action = services.action_add(
        meeting=monitoring, description="Send the case studies", owner_user=world.provider, due_date=JUNE, actor=officer
    )
    other_action = services.action_add(
        meeting=other, description="Book the hall", owner_organisation=world.provider_two, due_date=JUNE, actor=officer
    )
    return Meetings(monitoring, partnership, other, own_action, other_action)


def ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def test_an_officer_records_a_meeting_as_the_page_does(world, api):
    response = api(world.officer).post(
        "/api/meetings/",
        {
            "programme": world.community.pk,
            "kind": "monitoring",
            "organisation": world.provider_one.pk,
            "date": "2022-07-04",
            "title": "Quarter 1 review",
            "notes": "Going well.",
            "agreements": [world.sla_a.pk],
            "attendee_users": [world.officer.pk, world.provider.pk],
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["label"] == "Monitoring meeting with Provider One"
    assert [a["reference"] for a in body["agreements"]] == ["SLA-A1"]
    assert {o["name"] for o in body["attending_organisations"]} == {"Provider One"}  # the provider was there
    meeting = Meeting.objects.get(pk=body["id"])
    assert set(meeting.attendee_users.all()) == {world.officer, world.provider}
    assert AuditEvent.objects.filter(verb="meeting.recorded", actor=world.officer).exists()


@pytest.mark.parametrize("role", ["finance", "provider", "partner"])
def test_other_roles_cannot_record_meetings_or_actions(world, meetings, api, role):
    client = api(getattr(world, role))
    before = (Meeting.objects.count(), Action.objects.count())
    meeting = {"programme": world.community.pk, "kind": "partnership", "date": "2022-07-04"}
    assert client.post("/api/meetings/", meeting).status_code == 403
    action = {"meeting": meetings.partnership.pk, "description": "Anything", "owner_name": "Sam", "due_date": "2022-08-01"}
    assert client.post("/api/actions/", action).status_code == 403
    assert client.patch(f"/api/meetings/{meetings.monitoring.pk}/", {"title": "Changed"}).status_code in (403, 404)
    assert (Meeting.objects.count(), Action.objects.count()) == before


def test_bad_meetings_are_refused_naming_the_field(world, meetings, api):
    client = api(world.officer)
    before = Meeting.objects.count()
    future = client.post(
        "/api/meetings/",
        {"programme": world.community.pk, "kind": "partnership", "date": (dt.date.today() + dt.timedelta(days=2)).isoformat()},
    )
    assert future.status_code == 400
    assert "cannot be in the future" in future.json()["date"][0]
    # Provider Two holds no agreement in Community Support: not one of the page's choices.
    stranger = client.post(
        "/api/meetings/",
        {"programme": world.community.pk, "kind": "monitoring", "organisation": world.provider_two.pk, "date": "2022-07-04"},
    )
    assert stranger.status_code == 400 and "organisation" in stranger.json()
    unknown = client.post("/api/meetings/", {"programme": 999999, "kind": "partnership", "date": "2022-07-04"})
    assert unknown.status_code == 400 and "programme" in unknown.json()
    assert client.post("/api/meetings/", {"programme": world.community.pk, "kind": "tea"}).status_code == 400
    assert Meeting.objects.count() == before


def test_a_provider_sees_its_own_meetings_and_partnership_notes_only_when_shared(world, meetings, api):
    client = api(world.provider)
    assert ids(client.get("/api/meetings/")) == {meetings.monitoring.pk, meetings.partnership.pk}
    assert client.get(f"/api/meetings/{meetings.other.pk}/").status_code == 404
    assert client.get(f"/api/meetings/{meetings.monitoring.pk}/").json()["notes"] == "Frank notes."
    partnership = client.get(f"/api/meetings/{meetings.partnership.pk}/").json()
    assert partnership["notes"] is None and partnership["decisions"] == "Meet quarterly."

    shared = api(world.officer).patch(f"/api/meetings/{meetings.partnership.pk}/", {"share_notes": True})
    assert shared.status_code == 200, shared.content
    assert client.get(f"/api/meetings/{meetings.partnership.pk}/").json()["notes"] == "About Provider Two."
    assert api(world.provider_other).get(f"/api/meetings/{meetings.partnership.pk}/").status_code == 404


def test_meetings_filter_by_programme_kind_and_organisation(world, meetings, api):
    client = api(world.officer)
    assert ids(client.get("/api/meetings/", programme=world.warm.pk)) == {meetings.other.pk}
    assert ids(client.get("/api/meetings/", kind="partnership")) == {meetings.partnership.pk}
    assert ids(client.get("/api/meetings/", organisation=world.provider_one.pk)) == {meetings.monitoring.pk}
    assert client.get("/api/meetings/", kind="tea").status_code == 400
    assert client.get("/api/meetings/", since="yesterday").status_code == 400


def test_an_officer_adds_an_action_and_a_provider_marks_its_own_done(world, meetings, api):
    added = api(world.officer).post(
        "/api/actions/",
        {"meeting": meetings.monitoring.pk, "description": "Share the survey", "owner_user": world.provider.pk,
         "due_date": "2022-07-01"},
    )  # fmt: skip
    assert added.status_code == 201, added.content
    assert added.json()["owner"]["organisation"]["name"] == "Provider One"  # a user owns it for their organisation
    client = api(world.provider)
    done = client.post(f"/api/actions/{added.json()['id']}/done/", {"done_on": "2022-06-20", "note": "Sent."})
    assert done.status_code == 200, done.content
    assert done.json()["status"] == "done" and done.json()["done_on"] == "2022-06-20"
    assert Action.objects.get(pk=added.json()["id"]).status == Action.Status.DONE
    again = client.post(f"/api/actions/{added.json()['id']}/done/", {"done_on": "2022-06-20"})
    assert again.status_code == 400 and "already done" in again.json()["non_field_errors"][0]
    # Another provider's action is not there at all.
    assert client.post(f"/api/actions/{meetings.other_action.pk}/done/", {"done_on": "2022-06-20"}).status_code == 404
    assert ids(client.get("/api/actions/")) == {meetings.own_action.pk, added.json()["id"]}


def test_bad_actions_are_refused_naming_the_field(world, meetings, api):
    officer = api(world.officer)
    no_owner = officer.post("/api/actions/", {"meeting": meetings.monitoring.pk, "description": "Who?", "due_date": "2022-07-01"})
    assert no_owner.status_code == 400 and "owner_user" in no_owner.json()
    early = officer.post(
        "/api/actions/",
        {"meeting": meetings.monitoring.pk, "description": "Early", "owner_name": "Sam", "due_date": "2022-05-01"},
    )
    assert early.status_code == 400 and "before the meeting" in early.json()["due_date"][0]
    future = api(world.provider).post(
        f"/api/actions/{meetings.own_action.pk}/done/", {"done_on": (dt.date.today() + dt.timedelta(days=3)).isoformat()}
    )
    assert future.status_code == 400 and "done_on" in future.json()
    cancelled = officer.patch(f"/api/actions/{meetings.own_action.pk}/", {"status": "cancelled"})
    assert cancelled.status_code == 400 and cancelled.json()["note"] == ["Say why the action was cancelled."]
    assert Action.objects.get(pk=meetings.own_action.pk).status == Action.Status.OPEN


def test_actions_filter_by_overdue_and_status(world, meetings, api):
    client = api(world.officer)
    assert ids(client.get("/api/actions/", overdue="true")) == {meetings.own_action.pk, meetings.other_action.pk}
    changed = client.patch(f"/api/actions/{meetings.own_action.pk}/", {"status": "cancelled", "note": "No longer needed."})
    assert changed.status_code == 200, changed.content
    assert ids(client.get("/api/actions/", overdue="true")) == {meetings.other_action.pk}
    assert ids(client.get("/api/actions/", status="cancelled")) == {meetings.own_action.pk}
    assert ids(client.get("/api/actions/", meeting=meetings.other.pk)) == {meetings.other_action.pk}
    assert client.get("/api/actions/", overdue="maybe").status_code == 400
