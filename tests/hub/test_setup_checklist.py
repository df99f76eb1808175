"""A new install's home page: administrators and officers see the set-up checklist until the first programme."""

from __future__ import annotations

import re

import pytest

from tests.factories import AreaFactory, ProgrammeFactory, UserFactory, set_council
from vcsgrants.core.models import Role

pytestmark = pytest.mark.django_db


def checklist(client, user) -> dict[str, str]:
    """Each step's title and its status, as the home page shows them."""
    client.force_login(user)
    html = client.get("/").content.decode()
    if 'id="setup-checklist"' not in html:
        return {}
    items = re.findall(r"govuk-task-list__item.*?</li>", html.split('id="setup-checklist"')[1].split("</ul>")[0], re.S)
    steps = {}
    for item in items:
        title = re.search(r'(?:govuk-task-list__link"[^>]*>|<div>)([^<]+)<', item).group(1)
        steps[title] = "Completed" if "Completed" in item else "Not yet started"
    return steps


def test_an_administrator_on_an_empty_install_sees_each_step_and_what_is_done(client):
    admin = UserFactory(roles=[Role.ADMIN])
    assert checklist(client, admin) == {
        "Council settings": "Not yet started",
        "Areas": "Not yet started",
        "People": "Not yet started",
        "The first programme": "Not yet started",
        "Bring in existing data": "Not yet started",
    }
    set_council(council_name="Northshire County Council", council_org_id="GB-LAE-NSH")
    AreaFactory(name="Northtown")
    UserFactory(roles=[Role.OFFICER])
    steps = checklist(client, admin)
    assert steps["Council settings"] == steps["Areas"] == steps["People"] == "Completed"
    assert steps["The first programme"] == "Not yet started"
    html = client.get("/").content.decode()
    for url in ("/council/settings/", "/areas/", "/people/", "/programmes/new/", "/import/"):
        assert f'href="{url}"' in html, url


def test_an_officer_is_told_to_ask_an_administrator_for_what_only_they_can_do(client):
    officer = UserFactory(roles=[Role.OFFICER])
    client.force_login(officer)
    html = client.get("/").content.decode()
    assert 'href="/council/settings/"' not in html and 'href="/people/"' not in html
    assert "Ask an administrator to do it." in html
    assert 'href="/programmes/new/"' in html


def test_the_checklist_goes_once_there_is_a_programme_and_others_never_see_it(client):
    assert checklist(client, UserFactory(roles=[Role.FINANCE])) == {}
    assert checklist(client, UserFactory(roles=[Role.PROVIDER])) == {}
    ProgrammeFactory()
    assert checklist(client, UserFactory(roles=[Role.OFFICER])) == {}
