"""An officer records a monitoring meeting and an action in Chromium; the provider marks it done; every page passes axe."""

from __future__ import annotations

import pytest

from tests.govuk_dates import fill_date
from vcsgrants.core.models import User
from vcsgrants.demo.meetings import load_meetings_demo
from vcsgrants.engagement.models.meetings import Action, Meeting
from vcsgrants.funding.models import Programme

PASSWORD = "demo-pass-2022"
PROVIDER = "provider-bilberry-volunteer-network-demo"


@pytest.fixture
def demo(demo):
    programme = Programme.objects.get(slug="vcs-infrastructure")
    load_meetings_demo(programme, officer=User.objects.get(username="officer"))  # idempotent: load_demo may have done it


def test_officer_records_a_meeting_with_an_action_and_the_provider_marks_it_done(
    demo, page, live_server, login_as, axe_check, screenshot
):
    login_as(page, live_server, "officer", PASSWORD)
    page.goto(f"{live_server.url}/programmes/vcs-infrastructure/")
    engagement = page.locator("#engagement-table")
    assert "Not met" in engagement.locator("tr", has_text="Bilberry Volunteer Network").inner_text()
    page.locator("#engagement").scroll_into_view_if_needed()
    screenshot(page, "programme-engagement")
    assert not axe_check(page)

    engagement.get_by_role("link", name="Record a meeting with Bilberry Volunteer Network (demo)").click()
    assert page.locator("h1").inner_text() == "Record a monitoring meeting"
    assert page.get_by_label("Provider", exact=True).input_value() != ""  # chosen from the row
    fill_date(page, "Date of the meeting", "2023-03-20")
    page.get_by_label("Subject (optional)").fill("Catching up")
    page.get_by_label("Olivia Ashworth, Derbyshire County Council").check()  # by name, not username
    page.get_by_label("Ruth Kowalski, Bilberry Volunteer Network (demo)").check()
    page.get_by_label("Agenda").fill("1. The overdue quarter 1 return\n2. Support the council can offer")
    page.get_by_label("Notes").fill("The return was delayed by staff illness; it is now in.")
    page.get_by_label("Decisions").fill("Monthly check-ins until the end of the year.")
    page.get_by_label("SLA-2020-007", exact=False).check()
    screenshot(page, "meeting-form")
    assert not axe_check(page)
    page.get_by_role("button", name="Save the meeting").click()

    meeting = Meeting.objects.get(title="Catching up")
    assert page.url.endswith(f"/meetings/{meeting.pk}/")
    assert "Monthly check-ins until the end of the year." in page.locator("main").inner_text()
    page.get_by_role("link", name="Add an action").click()
    page.get_by_label("Action", exact=True).fill("Send the quarter 2 return by the end of April")
    page.get_by_label("Owner: a user of this service").select_option(label="Ruth Kowalski, Bilberry Volunteer Network (demo)")
    fill_date(page, "Due date", "2023-04-28")
    assert not axe_check(page)
    page.get_by_role("button", name="Add the action").click()
    added = Action.objects.get(meeting=meeting)
    assert added.owner_organisation.name == "Bilberry Volunteer Network (demo)" and added.status == "open"
    assert "Send the quarter 2 return by the end of April" in page.locator("#meeting-actions").inner_text()
    assert "Ruth Kowalski, Bilberry Volunteer Network (demo)" in page.locator("#meeting-actions").inner_text()
    main = page.locator("main").inner_text()
    assert "Olivia Ashworth, Derbyshire County Council" in main and "by Olivia Ashworth" in main
    assert "provider-bilberry" not in main
    screenshot(page, "meeting-detail")
    assert not axe_check(page)

    page.goto(f"{live_server.url}/programmes/vcs-infrastructure/")
    assert "Not met" not in page.locator("#engagement-table").inner_text()  # met on 20 March 2023

    page.context.clear_cookies()
    login_as(page, live_server, PROVIDER, PASSWORD)
    page.goto(f"{live_server.url}/")
    assert page.locator("h1").inner_text() == "Welcome, Ruth Kowalski"
    screenshot(page, "provider-home")
    page.goto(f"{live_server.url}/meetings/{meeting.pk}/")
    page.get_by_role("link", name="Mark done – Send the quarter 2 return").click()
    fill_date(page, "Date done", "2023-04-20")
    assert not axe_check(page)
    page.get_by_role("button", name="Mark done").click()
    added.refresh_from_db()
    assert (added.status, str(added.done_on)) == ("done", "2023-04-20")
    page.goto(f"{live_server.url}/programmes/vcs-infrastructure/actions/?show=all")
    screenshot(page, "provider-actions")
    assert not axe_check(page)
