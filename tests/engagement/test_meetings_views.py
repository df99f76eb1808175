"""Meeting pages as their users see them: recording a meeting and its actions, who may open what, the lists."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tests.engagement.test_meetings_services import World, action, make_world, monitoring, partner_meeting, partnership
from tests.versions import post_opened
from vcsgrants.core.models import AuditEvent
from vcsgrants.engagement.models.meetings import Action, Meeting
from vcsgrants.engagement.selectors import meetings as selectors

D = dt.date


@pytest.fixture
def world(officer, funded) -> World:
    return make_world(officer, funded)


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def page(client: Client, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    return response.content.decode()


def test_an_officer_records_a_monitoring_meeting_then_an_action(world: World):
    officer = client_for(world.officer)
    create = f"/programmes/{world.programme.slug}/meetings/new/"
    assert "What kind of meeting was it?" in page(officer, create)
    form = page(officer, f"{create}?kind=monitoring&organisation={world.kestrel.pk}")
    assert "Record a monitoring meeting" in form and world.kestrel_sla.reference in form
    assert world.wren_sla.reference not in form  # only the chosen provider's agreements are offered
    response = officer.post(
        f"{create}?kind=monitoring",
        {
            "kind": "monitoring",
            "organisation": world.kestrel.pk,
            "date": "2022-09-01",
            "title": "Quarter 2 review",
            "attendee_users": [world.officer.pk, world.kestrel_user.pk],
            "guests": "Sam Patel, Chair, Kestrel Test CVS",
            "agenda": "1. Returns",
            "notes": "Volunteering is up.",
            "decisions": "Keep the targets.",
            "agreements": [world.kestrel_sla.pk],
            "kpis": [world.kpi.pk],
        },
    )
    meeting = Meeting.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/meetings/{meeting.pk}/"
    detail = page(officer, response["Location"])
    for text in ("Quarter 2 review", "Sam Patel, Chair, Kestrel Test CVS", "Volunteering is up.", "Keep the targets.", "SG1"):
        assert text in detail

    response = officer.post(
        f"/meetings/{meeting.pk}/actions/new/",
        {"description": "Send two case studies", "owner_user": world.kestrel_user.pk, "due_date": "2022-09-30"},
    )
    assert response.status_code == 302
    added = Action.objects.get()
    assert (added.owner_organisation, added.status) == (world.kestrel, Action.Status.OPEN)
    assert "Send two case studies" in page(officer, f"/meetings/{meeting.pk}/")


def test_a_refused_meeting_shows_every_problem_by_field_and_saves_nothing(world: World):
    officer = client_for(world.officer)
    response = officer.post(
        f"/programmes/{world.programme.slug}/meetings/new/?kind=monitoring",
        {
            "kind": "monitoring",
            "organisation": world.kestrel.pk,
            "date": (dt.date.today() + dt.timedelta(days=30)).isoformat(),
            "agreements": [world.wren_sla.pk],
        },
    )
    html = response.content.decode()
    assert response.status_code == 200 and "There is a problem" in html
    assert "the date cannot be in the future" in html
    assert f"{world.wren_sla.reference} is with Wren Test Volunteers, not with Kestrel Test CVS." in html
    assert not Meeting.objects.exists()


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("1432-09-01", "Date of the meeting must be on or after 1 January 2000: check the year"),
        ("1900-01-01", "Date of the meeting must be on or after 1 January 2000: check the year"),
    ],
)
def test_a_meeting_dated_centuries_ago_is_refused_naming_the_date(world: World, typed, message):
    response = client_for(world.officer).post(
        f"/programmes/{world.programme.slug}/meetings/new/?kind=monitoring",
        {"kind": "monitoring", "organisation": world.kestrel.pk, "date": typed, "title": "Quarter 2 review"},
    )
    html = response.content.decode()
    assert response.status_code == 200 and "There is a problem" in html
    assert message in html
    assert not Meeting.objects.exists()


def test_editing_a_meeting_and_an_action_through_the_pages(world: World):
    meeting = monitoring(world, notes="Draft")
    item = action(meeting, world)
    officer = client_for(world.officer)
    edit = page(officer, f"/meetings/{meeting.pk}/edit/")
    assert "Draft" in edit
    response = post_opened(
        officer,
        f"/meetings/{meeting.pk}/edit/",
        {"organisation": world.kestrel.pk, "date": "2022-09-01", "notes": "Final", "attendee_users": [world.officer.pk]},
    )
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.notes == "Final"
    response = post_opened(
        officer,
        f"/actions/{item.pk}/edit/",
        {"description": "Do the thing", "owner_user": world.officer.pk, "due_date": "2022-10-31", "status": "cancelled"},
    )
    assert "Say why the action was cancelled." in response.content.decode()
    response = post_opened(
        officer,
        f"/actions/{item.pk}/edit/",
        {
            "description": "Do the thing",
            "owner_user": world.officer.pk,
            "due_date": "2022-10-31",
            "status": "cancelled",
            "note": "Overtaken by the review",
        },
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert (item.status, item.note) == (Action.Status.CANCELLED, "Overtaken by the review")


def test_a_provider_opens_only_its_own_meetings_and_marks_its_own_actions_done(world: World):
    own, other = monitoring(world), monitoring(world, org=world.wren)
    own_action = action(own, world, owner_user=world.kestrel_user)
    other_action = action(other, world, owner_user=world.wren_user)
    provider = client_for(world.kestrel_user)
    assert "Do the thing" in page(provider, f"/meetings/{own.pk}/")
    refused = page(provider, f"/meetings/{other.pk}/", 403)
    assert "Your role (Provider user) does not allow you to see this meeting." in refused
    page(provider, f"/meetings/{own.pk}/edit/", 403)
    page(provider, f"/meetings/{own.pk}/actions/new/", 403)
    page(provider, f"/actions/{own_action.pk}/edit/", 403)
    page(provider, f"/actions/{other_action.pk}/done/", 403)
    response = provider.post(f"/actions/{own_action.pk}/done/", {"done_on": "2022-10-01", "note": "Sent by e-mail"})
    assert response.status_code == 302
    own_action.refresh_from_db()
    assert (own_action.status, own_action.done_on) == (Action.Status.DONE, D(2022, 10, 1))
    assert AuditEvent.objects.get(verb="action.done").actor == world.kestrel_user
    listing = page(provider, "/meetings/")
    assert f"/meetings/{own.pk}/" in listing and f"/meetings/{other.pk}/" not in listing


def test_a_provider_sees_a_partnership_meetings_notes_only_when_shared(world: World):
    hidden = partnership(world, notes="Frank remarks about Wren", decisions="Meet quarterly")
    shared = partnership(world, day=D(2023, 1, 19), notes="Minutes for everyone", share_notes=True)
    provider = client_for(world.kestrel_user)
    html = page(provider, f"/meetings/{hidden.pk}/")
    assert "Meet quarterly" in html and "Frank remarks" not in html
    assert "has not shared the notes" in html
    assert "Changes to the record" not in html  # the history would show the notes
    assert "Minutes for everyone" in page(provider, f"/meetings/{shared.pk}/")
    assert "Frank remarks about Wren" in page(client_for(world.officer), f"/meetings/{hidden.pk}/")


def test_the_icb_partner_user_opens_the_ccgs_meetings_and_a_co_funder_does_not(world: World):
    ccg_meeting = partner_meeting(world, world.ccg, D(2022, 5, 1))
    item = action(ccg_meeting, world, due=D(2022, 6, 1))
    icb = client_for(world.icb_user)
    assert "Test Clinical Commissioning Group" in page(icb, f"/meetings/{ccg_meeting.pk}/")
    assert "Do the thing" in page(icb, f"/programmes/{world.programme.slug}/actions/?show=all")
    page(icb, f"/actions/{item.pk}/done/", 403)  # partners are read-only
    page(client_for(world.health_user), f"/meetings/{ccg_meeting.pk}/", 403)
    page(client_for(world.health_user), f"/programmes/{world.programme.slug}/actions/", 403)


def test_the_programme_page_shows_engagement_at_a_glance_to_staff(world: World):
    monitoring(world, day=D(2023, 1, 10))
    monitoring(world, org=world.wren, day=D(2022, 11, 1))
    html = page(client_for(world.officer), f"/programmes/{world.programme.slug}/")
    assert "Engagement: meetings and actions" in html
    assert "As at 31 March 2023" in html  # the programme's last period has ended
    assert "Not met for more than 90 days: Wren Test Volunteers (last met 1 November 2022)" in html
    assert f"/programmes/{world.programme.slug}/meetings/new/?kind=monitoring&amp;organisation={world.kestrel.pk}" in html


def test_the_organisation_page_shows_its_meeting_history_and_open_actions(world: World):
    meeting = monitoring(world, title="Quarter 2 review")
    action(meeting, world, owner_user=world.kestrel_user)
    done = action(meeting, world)
    done.status, done.done_on = Action.Status.DONE, D(2022, 9, 5)
    done.save()
    html = page(client_for(world.kestrel_user), f"/organisations/{world.kestrel.pk}/")
    assert "Quarter 2 review" in html and "Meeting history" in html
    assert html.count('id="action-') == 1  # the open one only
    officer_view = page(client_for(world.officer), f"/organisations/{world.kestrel.pk}/")
    assert "Record a monitoring meeting with Kestrel Test CVS" in officer_view
    icb_view = page(client_for(world.icb_user), f"/organisations/{world.icb.pk}/")
    assert "Meeting history" in icb_view


def test_the_actions_list_downloads_as_csv(world: World):
    meeting = monitoring(world)
    action(meeting, world, due=D(2022, 9, 30), owner_user=world.kestrel_user)
    response = client_for(world.officer).get(f"/programmes/{world.programme.slug}/actions/?show=overdue&format=csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    text = response.content.decode("utf-8-sig")
    header, row = text.splitlines()[:2]
    assert header == "Due,Action,Owner,Status,Done on,Days overdue,Meeting,Meeting date"
    assert row.startswith("2022-09-30,Do the thing,") and ",Open,,182," in row
    assert client_for(world.officer).get(f"/programmes/{world.programme.slug}/actions/?format=pdf").status_code == 404


def test_the_engagement_setting_is_changed_on_its_page(world: World):
    officer = client_for(world.officer)
    url = f"/programmes/{world.programme.slug}/engagement/settings/"
    assert "Longest time between monitoring meetings" in page(officer, url)
    refused = officer.post(url, {"meeting_interval_days": "2"}).content.decode()
    assert "The longest time between monitoring meetings must be 7 or more" in refused
    assert post_opened(officer, url, {"meeting_interval_days": "60"}).status_code == 302
    assert world.programme.engagement_settings.meeting_interval_days == 60


@pytest.mark.parametrize("extra", [0, 8])
def test_the_pages_query_counts_do_not_grow_with_the_number_of_meetings(world: World, django_assert_max_num_queries, extra):
    for n in range(2 + extra):
        meeting = monitoring(world, org=world.kestrel if n % 2 else world.wren, day=D(2022, 6, 1) + dt.timedelta(days=n))
        action(meeting, world, due=D(2022, 7, 1))
    officer = client_for(world.officer)
    with django_assert_max_num_queries(12):
        page(officer, "/meetings/")
    with django_assert_max_num_queries(14):
        page(officer, f"/programmes/{world.programme.slug}/actions/?show=all")
    with django_assert_max_num_queries(28):
        page(officer, f"/meetings/{meeting.pk}/")
    with django_assert_max_num_queries(25):
        page(officer, f"/organisations/{world.kestrel.pk}/")
    with django_assert_max_num_queries(12):
        selectors.programme_engagement(programme=world.programme, user=world.officer)


def test_engagement_at_a_glance_is_kept_until_a_meeting_changes_it(world: World):
    """Each provider's engagement is kept in the shared cache under the meetings' and agreements' version: a repeated
    view reads it back; a meeting just recorded shows on the very next view."""
    monitoring(world, day=D(2023, 1, 10))
    monitoring(world, org=world.wren, day=D(2022, 11, 1))
    officer, url = client_for(world.officer), f"/programmes/{world.programme.slug}/"
    assert "Not met for more than 90 days: Wren Test Volunteers" in page(officer, url)
    with CaptureQueriesContext(connection) as repeated:
        page(officer, url)
    cache.clear()
    with CaptureQueriesContext(connection) as worked_out:
        page(officer, url)
    assert len(repeated) < len(worked_out)

    monitoring(world, org=world.wren, day=D(2023, 2, 1))
    html = page(officer, url)
    assert "Wren Test Volunteers (last met" not in html and 'id="all-met"' in html
