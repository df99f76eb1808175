"""On the demo's own database load_demo runs again and changes nothing; one record of real work added, it refuses."""

from __future__ import annotations

import io

import pytest
from django.apps import apps
from django.core.management import call_command
from django.core.management.base import CommandError

from tests.factories import OrganisationFactory, UserFactory
from vcsgrants.core.models import Organisation, User
from vcsgrants.demo.guard import demo_organisation_slugs, demo_usernames, records_not_from_the_demo

pytestmark = pytest.mark.django_db


def row_counts() -> dict[str, int]:
    return {m._meta.label: m.objects.count() for m in apps.get_models(include_auto_created=True)}


def test_the_guard_knows_every_demo_organisation_and_user_by_its_identifiers(demo_module):
    assert set(Organisation.objects.values_list("slug", flat=True)) == demo_organisation_slugs()
    assert set(User.objects.values_list("username", flat=True)) == demo_usernames()
    assert records_not_from_the_demo() == []


def test_a_second_run_changes_nothing(demo_module):
    before = row_counts()
    call_command("load_demo", stdout=io.StringIO())
    assert row_counts() == before


def test_a_demo_database_with_one_real_organisation_or_user_added_is_refused(demo_module, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    OrganisationFactory(name="Belper Community Larder", slug="belper-community-larder")
    UserFactory(username="j.smith", organisation=None)
    before = row_counts()
    with pytest.raises(CommandError) as error:
        call_command("load_demo", stdout=io.StringIO())
    assert row_counts() == before
    assert "1 organisation ('Belper Community Larder')" in str(error.value)
    assert "1 user ('j.smith')" in str(error.value)
    assert "--leave-used-demo starts on it as it is" in str(error.value)


def test_make_runs_leave_used_demo_starts_on_a_demo_someone_has_added_to_and_writes_nothing(demo_module):
    OrganisationFactory(name="Belper Community Larder", slug="belper-community-larder")
    officer = User.objects.get(username="officer")
    officer.set_password("changed-by-its-user")
    officer.save()
    before = row_counts()
    out = io.StringIO()
    call_command("load_demo", "--leave-used-demo", stdout=out)
    assert row_counts() == before
    printed = out.getvalue()
    assert "The demo is already loaded, and the database also holds records added since" in printed
    assert "1 organisation ('Belper Community Larder')" in printed and "left as it is" in printed
    assert "  officer " in printed  # the logins are listed
    assert User.objects.get(username="officer").check_password("changed-by-its-user")  # no password reset
