"""Creating and editing a programme from the service (issue 15): the page, its rules, the audit and the guard."""

from __future__ import annotations

import html

import pytest
from django.test import Client

from tests.factories import FunderFactory, OrganisationFactory, ProgrammeFactory, UserFactory
from tests.versions import opened_form, post_opened
from vcsgrants.core.concurrency import HEADLINE
from vcsgrants.core.models import AuditEvent, Organisation, Role
from vcsgrants.funding.models import Programme

pytestmark = pytest.mark.django_db


def session(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def page(response) -> str:
    return html.unescape(response.content.decode())


@pytest.fixture
def council(db):
    return FunderFactory(name="Shire County Council", slug="shire-county-council")


@pytest.fixture
def officer(council):
    return UserFactory(roles=[Role.OFFICER], organisation=council)


def test_an_officer_creates_a_programme_from_the_list_and_its_address_comes_from_its_name(council, officer):
    client = session(officer)
    listing = page(client.get("/programmes/"))
    assert 'href="/programmes/new/"' in listing and "Create a programme" in listing
    form = page(client.get("/programmes/new/"))
    assert "Shire County Council" in form and f'value="{council.pk}" selected' in form  # the only funder, chosen
    response = client.post(
        "/programmes/new/", {"name": "Warm Spaces 2025", "slug": "", "description": "Winter hubs.", "funder": council.pk}
    )
    programme = Programme.objects.get(name="Warm Spaces 2025")
    assert response.status_code == 302 and response["Location"] == "/programmes/warm-spaces-2025/"
    assert (programme.slug, programme.description, programme.funder) == ("warm-spaces-2025", "Winter hubs.", council)
    event = AuditEvent.objects.get(verb="programme.created")
    assert event.actor == officer and "Created programme Warm Spaces 2025, funded by Shire County Council" in event.summary
    shown = page(client.get("/programmes/warm-spaces-2025/"))
    assert "Edit programme" in shown and "/programmes/warm-spaces-2025/edit/" in shown
    assert "/programmes/warm-spaces-2025/monitoring-settings/" in shown


def test_a_taken_name_or_address_and_a_provider_as_funder_are_refused_with_the_field_named(council, officer):
    ProgrammeFactory(name="Community Chest", slug="community-chest", funder=council)
    provider = OrganisationFactory(name="Dales Volunteers")
    client = session(officer)
    before = Programme.objects.count()
    taken = page(client.post("/programmes/new/", {"name": "community chest", "slug": "", "funder": council.pk}))
    assert "Another programme is already called community chest" in taken
    address = page(client.post("/programmes/new/", {"name": "Chest two", "slug": "community-chest", "funder": council.pk}))
    assert "Another programme has the web address community-chest" in address
    bad = page(client.post("/programmes/new/", {"name": "Chest three", "slug": "Chest three!", "funder": council.pk}))
    assert "only letters, numbers, hyphens and underscores" in bad
    reserved = page(client.post("/programmes/new/", {"name": "Chest four", "slug": "new", "funder": council.pk}))
    assert "is the address of a page" in reserved
    not_funder = page(client.post("/programmes/new/", {"name": "Chest five", "funder": provider.pk}))
    assert "Select the funder again: that choice is not one of the options" in not_funder  # a provider is not offered as a funder
    assert Programme.objects.count() == before
    assert not AuditEvent.objects.filter(verb="programme.created").exists()


def test_with_no_funder_organisation_the_page_says_how_to_add_one(db):
    admin = UserFactory(roles=[Role.ADMIN], organisation=None)
    shown = page(session(admin).get("/programmes/new/"))
    assert 'id="no-funders"' in shown and 'href="/organisations/new/"' in shown
    assert "Funder (the council)" in shown


def test_an_officer_edits_a_programme_and_the_change_is_audited(council, officer):
    programme = ProgrammeFactory(name="Community Chest", slug="community-chest", funder=council)
    client = session(officer)
    response = post_opened(
        client,
        "/programmes/community-chest/edit/",
        {"name": "Community Chest Fund", "slug": "chest", "description": "Small grants.", "funder": council.pk},
    )
    assert response.status_code == 302 and response["Location"] == "/programmes/chest/"
    programme.refresh_from_db()
    assert (programme.name, programme.slug, programme.description) == ("Community Chest Fund", "chest", "Small grants.")
    event = AuditEvent.objects.get(verb="programme.changed")
    assert event.actor == officer and event.data["changes"]["Name"] == {"was": "Community Chest", "now": "Community Chest Fund"}
    assert "Programme Community Chest Fund saved." in page(client.get("/programmes/chest/"))


def test_a_stale_edit_is_refused_and_the_first_change_kept(council, officer):
    programme = ProgrammeFactory(name="Community Chest", slug="community-chest", funder=council)
    other = UserFactory(roles=[Role.OFFICER], organisation=council, first_name="Bob", last_name="Baker")
    url = "/programmes/community-chest/edit/"
    mine, theirs = session(officer), session(other)
    my_form, their_form = opened_form(mine, url), opened_form(theirs, url)
    assert mine.post(url, {**my_form, "description": "First description."}).status_code == 302
    refused = page(theirs.post(url, {**their_form, "description": "Second description."}))
    assert HEADLINE in refused and "Description: (blank) → First description." in refused
    assert f"Saved by {officer}" in refused
    programme.refresh_from_db()
    assert programme.description == "First description."


def test_an_edit_sent_with_every_field_emptied_shows_the_errors_under_the_programme_s_own_name(council, officer):
    ProgrammeFactory(name="Community Chest", slug="community-chest", funder=council)
    client = session(officer)
    url = "/programmes/community-chest/edit/"
    emptied = {name: "" for name in opened_form(client, url) if name not in ("csrfmiddlewaretoken", "version")}
    response = client.post(url, {**opened_form(client, url), **emptied})
    shown = page(response)
    assert response.status_code == 200 and "Error: Edit programme: Community Chest" in shown
    assert 'href="/programmes/community-chest/"' in shown


@pytest.mark.parametrize("role", [Role.FINANCE, Role.CABINET, Role.PROVIDER, Role.PARTNER])
def test_other_roles_may_not_create_or_edit_a_programme(council, role):
    ProgrammeFactory(name="Community Chest", slug="community-chest", funder=council)
    organisation = council if role in (Role.FINANCE, Role.CABINET) else OrganisationFactory(kind=Organisation.Kind.PROVIDER)
    client = session(UserFactory(roles=[role], organisation=organisation))
    assert client.get("/programmes/new/").status_code == 403
    assert client.post("/programmes/new/", {"name": "Sneaky", "funder": council.pk}).status_code == 403
    assert client.post("/programmes/community-chest/edit/", {"name": "Sneaky", "funder": council.pk}).status_code == 403
    assert not Programme.objects.filter(name="Sneaky").exists()
    if role in (Role.FINANCE, Role.CABINET):
        assert "Create a programme" not in page(client.get("/programmes/"))
