"""A programme's monitoring settings from the service (issue 15): when returns are due and the amber band."""

from __future__ import annotations

import html
from decimal import Decimal

import pytest
from django.test import Client

from tests.factories import FunderFactory, ProgrammeFactory, UserFactory
from tests.versions import opened_form, post_opened
from vcsgrants.core.concurrency import HEADLINE
from vcsgrants.core.models import AuditEvent, Role
from vcsgrants.monitoring.models import ProgrammeMonitoring
from vcsgrants.monitoring.selectors import thresholds_for

pytestmark = pytest.mark.django_db
URL = "/programmes/community-chest/monitoring-settings/"


def session(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def page(response) -> str:
    return html.unescape(response.content.decode())


@pytest.fixture
def programme(db):
    return ProgrammeFactory(name="Community Chest", slug="community-chest", funder=FunderFactory())


@pytest.fixture
def officer(programme):
    return UserFactory(roles=[Role.OFFICER], organisation=programme.funder)


def test_an_officer_sets_when_returns_are_due_and_the_amber_band(programme, officer):
    client = session(officer)
    shown = page(client.get(URL))
    assert 'name="return_due_days" value="30"' in shown and 'name="amber_percent" value="10"' in shown  # the defaults
    response = post_opened(client, URL, {"return_due_days": "45", "amber_percent": "12.5"})
    assert response.status_code == 302 and response["Location"] == "/programmes/community-chest/"
    settings = ProgrammeMonitoring.objects.get(programme=programme)
    assert (settings.return_due_days, settings.amber_within) == (45, Decimal("0.125"))
    assert thresholds_for(programme).amber_within == Decimal("0.125")
    event = AuditEvent.objects.get(verb="monitoring.settings_changed")
    assert event.actor == officer and "returns due 45 days after each quarter ends, amber band 12.5%" in event.summary
    programme_page = page(client.get("/programmes/community-chest/"))
    assert "(45 days after each quarter ends) and the amber band (12.5%)" in programme_page


@pytest.mark.parametrize(
    ("days", "amber", "field_message"),
    [
        ("0", "10", "from 1 to 120"),
        ("121", "10", "from 1 to 120"),
        ("30", "-1", "from 0 to 50"),
        ("30", "75", "from 0 to 50"),
        ("30", "10.25", "at most one decimal place"),
        ("thirty", "10", "as a whole number, like 30"),
    ],
)
def test_settings_out_of_bounds_are_refused_with_a_clear_message(programme, officer, days, amber, field_message):
    response = post_opened(session(officer), URL, {"return_due_days": days, "amber_percent": amber})
    assert response.status_code == 200 and field_message in page(response)
    assert not ProgrammeMonitoring.objects.filter(programme=programme).exists()
    assert not AuditEvent.objects.filter(verb="monitoring.settings_changed").exists()


def test_a_stale_settings_page_is_refused_and_the_first_change_kept(programme, officer):
    other = UserFactory(roles=[Role.ADMIN], organisation=programme.funder)
    mine, theirs = session(officer), session(other)
    my_form, their_form = opened_form(mine, URL), opened_form(theirs, URL)
    assert mine.post(URL, {**my_form, "return_due_days": "20"}).status_code == 302
    refused = page(theirs.post(URL, {**their_form, "amber_percent": "15"}))
    assert HEADLINE in refused and "Return due (days after the quarter ends): 30 → 20" in refused
    settings = ProgrammeMonitoring.objects.get(programme=programme)
    assert (settings.return_due_days, settings.amber_within) == (20, Decimal("0.100"))


@pytest.mark.parametrize("role", [Role.FINANCE, Role.CABINET, Role.PROVIDER, Role.PARTNER])
def test_other_roles_may_not_change_monitoring_settings(programme, role):
    client = session(UserFactory(roles=[role]))
    assert client.get(URL).status_code == 403
    assert client.post(URL, {"return_due_days": "5", "amber_percent": "1"}).status_code == 403
    assert not ProgrammeMonitoring.objects.filter(programme=programme).exists()
