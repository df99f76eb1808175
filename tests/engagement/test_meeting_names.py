"""A meeting names the people at it, who recorded it and who changed it by User.display_name (the username only
for someone with no name recorded), and so do the attendee choices on its form and its history."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.engagement.test_meetings_services import World, make_world, monitoring
from tests.factories import UserFactory
from vcsgrants.core.models import Role
from vcsgrants.engagement.selectors import meetings as selectors
from vcsgrants.engagement.services import meetings as services

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(officer, funded) -> World:
    officer.username, officer.first_name, officer.last_name = "officer", "Olivia", "Ashworth"
    officer.save()
    return make_world(officer, funded)


def test_a_meeting_page_names_its_attendees_and_who_recorded_it(world: World):
    world.kestrel_user.first_name, world.kestrel_user.last_name = "Megan", "Hollis"
    world.kestrel_user.save()
    nameless = UserFactory(username="kestrel-volunteer", first_name="", last_name="", roles=[Role.PROVIDER])
    nameless.organisation = world.kestrel
    nameless.save()
    meeting = monitoring(world, attendee_users=[world.officer, world.kestrel_user, nameless])
    client = Client()
    client.force_login(world.officer)
    html = client.get(f"/meetings/{meeting.pk}/").content.decode()
    assert "<li>Megan Hollis, Kestrel Test CVS</li>" in html
    assert "<li>kestrel-volunteer, Kestrel Test CVS</li>" in html
    assert f"<li>Olivia Ashworth, {world.council}</li>" in html
    assert "by Olivia Ashworth" in html  # Recorded … by
    assert world.kestrel_user.username not in html
    form = client.get(f"/meetings/{meeting.pk}/edit/").content.decode()
    assert "Megan Hollis, Kestrel Test CVS" in form


def test_a_meetings_history_names_who_changed_it_and_the_attendees_changed(world: World):
    world.kestrel_user.first_name, world.kestrel_user.last_name = "Megan", "Hollis"
    world.kestrel_user.save()
    meeting = monitoring(world, attendee_users=[world.officer])
    services.meeting_update(meeting=meeting, actor=world.officer, attendee_users=[world.officer, world.kestrel_user])
    rows = selectors.meeting_history_rows(meeting)
    assert rows[0].who == "Olivia Ashworth"
    assert "attendee users: “Olivia Ashworth” → “Megan Hollis, Olivia Ashworth”" in rows[0].what
