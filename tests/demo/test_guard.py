"""load_demo takes an empty database, and refuses one holding anything the demo did not create (or the production
settings), saying what it found, and writing nothing."""

from __future__ import annotations

import io

import pytest
from django.apps import apps
from django.core.management import call_command
from django.core.management.base import CommandError

from tests.factories import OrganisationFactory, ProgrammeFactory, UserFactory
from vcsgrants.core.models import Organisation, User
from vcsgrants.demo.guard import records_not_from_the_demo
from vcsgrants.funding.models import Programme

pytestmark = pytest.mark.django_db
FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def row_counts() -> dict[str, int]:
    return {m._meta.label: m.objects.count() for m in apps.get_models(include_auto_created=True)}


def test_an_empty_database_takes_the_demo_which_then_holds_only_records_the_guard_knows_and_a_second_run_writes_nothing(
    settings,
):
    settings.PASSWORD_HASHERS = FAST_HASHERS
    assert records_not_from_the_demo() == []
    out = io.StringIO()
    call_command("load_demo", stdout=out)
    assert "Loaded the demo programme" in out.getvalue()
    assert Programme.objects.filter(slug="vcs-infrastructure").exists()
    assert records_not_from_the_demo() == []  # everything the demo creates is recognised as the demo's

    before = row_counts()
    again = io.StringIO()
    call_command("load_demo", stdout=again)
    assert row_counts() == before
    assert "is already loaded" in again.getvalue()


def refused() -> str:
    before = row_counts()
    with pytest.raises(CommandError) as error:
        call_command("load_demo", stdout=io.StringIO())
    assert row_counts() == before  # nothing written
    message = str(error.value)
    assert message.startswith("load_demo refuses to run: this database holds records the demo did not create")
    return message


def test_a_database_with_an_organisation_the_demo_did_not_create_is_refused_and_the_message_names_it():
    OrganisationFactory(name="Ashbourne Good Neighbours", slug="ashbourne-good-neighbours")
    message = refused()
    assert "1 organisation ('Ashbourne Good Neighbours')" in message
    assert "published password" in message


def test_leave_used_demo_does_not_let_the_demo_into_a_database_without_it():
    OrganisationFactory(name="Ashbourne Good Neighbours", slug="ashbourne-good-neighbours")
    with pytest.raises(CommandError, match="refuses to run") as error:
        call_command("load_demo", "--leave-used-demo", stdout=io.StringIO())
    assert "--leave-used-demo" not in str(error.value)
    assert not Programme.objects.exists() and not User.objects.exists()


def test_a_real_programme_and_its_people_are_named_with_a_count_past_the_first_five():
    ProgrammeFactory(name="Warm spaces grants", slug="warm-spaces")
    for n in range(7):
        UserFactory(username=f"worker-{n}", organisation=None)
    message = refused()
    assert "1 programme ('Warm spaces grants')" in message
    assert "7 users ('worker-0', 'worker-1', 'worker-2', 'worker-3', 'worker-4' and 2 more)" in message
    assert "organisation" in message  # the programme's funder is a real organisation too


def test_a_superuser_made_with_createsuperuser_is_not_taken_for_the_demo_admin_even_by_its_name():
    """A new production database holds only this; the demo would reset its password to the published one."""
    User.objects.create_superuser(username="admin", email="it@example.test", password="a-real-long-password")
    message = refused()
    assert "1 user ('admin (superuser)')" in message
    assert User.objects.get(username="admin").check_password("a-real-long-password")


def test_a_demo_username_in_a_real_organisation_is_not_the_demo_user():
    """A demo username alone is not enough: the user must belong to one of the demo's organisations."""
    UserFactory(username="officer", organisation=OrganisationFactory(name="Real Council", slug="real-council"))
    message = refused()
    assert "1 user ('officer')" in message and "1 organisation ('Real Council')" in message


def test_under_the_production_settings_load_demo_refuses_even_when_the_app_is_installed(settings):
    settings.PRODUCTION = True
    with pytest.raises(CommandError, match=r"not available under the production settings \(PRODUCTION = True"):
        call_command("load_demo", stdout=io.StringIO())
    assert not Organisation.objects.exists() and not User.objects.exists()
