"""Pages name a person by User.display_name: their full name, or their username when no name is recorded."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.factories import OrganisationFactory, UserFactory
from vcsgrants.core.history import history_rows
from vcsgrants.core.models import Role

pytestmark = pytest.mark.django_db


def home(user) -> str:
    client = Client()
    client.force_login(user)
    return client.get("/").content.decode()


def test_display_name_is_the_full_name_or_the_username():
    assert UserFactory(username="o.ashworth", first_name="Olivia", last_name="Ashworth").display_name == "Olivia Ashworth"
    assert UserFactory(username="nameless", first_name="", last_name="").display_name == "nameless"


def test_the_home_page_and_header_name_a_named_user():
    organisation = OrganisationFactory(name="Kestrel Test CVS")
    user = UserFactory(
        username="provider-kestrel", first_name="Megan", last_name="Hollis", roles=[Role.PROVIDER], organisation=organisation
    )
    html = home(user)
    assert "Welcome, Megan Hollis" in html
    assert "Megan Hollis, Kestrel Test CVS" in html  # the signed-in line in the header
    assert "provider-kestrel" not in html


def test_the_home_page_names_a_user_with_no_name_by_username():
    user = UserFactory(username="nameless-officer", first_name="", last_name="", roles=[Role.OFFICER])
    assert "Welcome, nameless-officer" in home(user)


def test_a_history_row_names_who_made_the_change():
    named = UserFactory(username="o.ashworth", first_name="Olivia", last_name="Ashworth")
    nameless = UserFactory(username="nameless", first_name="", last_name="")
    organisation = OrganisationFactory(name="Before CVS")
    for user, name in ((named, "During CVS"), (nameless, "After CVS")):
        organisation.name = name
        organisation._history_user = user
        organisation.save()
    rows = history_rows(organisation.history.all())
    assert [row.who for row in rows[:2]] == ["nameless", "Olivia Ashworth"]
    assert rows[1].what == "name: “Before CVS” → “During CVS”"
