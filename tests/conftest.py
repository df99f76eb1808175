"""Shared fixtures: a council officer, two districts and the county, a funded programme for 2022-23, and the demo
loaded once for a whole test module."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings

from tests.factories import AreaFactory, CountyAreaFactory, UserFactory, funded_programme, year
from vcsgrants.core.models import Role


@pytest.fixture
def officer(db):
    return UserFactory(roles=[Role.OFFICER])


@pytest.fixture
def fy2022(db):
    return year(2022)


@pytest.fixture
def fy2023(db):
    return year(2023)


@pytest.fixture
def districts(db):
    return [AreaFactory(name="Amber Valley Test"), AreaFactory(name="Bolsover Test")]


@pytest.fixture
def county(db):
    return CountyAreaFactory(name="Derbyshire Test")


@pytest.fixture
def funded(officer, districts):
    """One recurrent stream with a £100,000.00 budget for 2022-23 and £40,000.00 allocated to each district."""
    return funded_programme(actor=officer, areas=districts)


# Demo users sign in with a fast hasher in tests: a real one costs a second per demo user.
FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="module")
def demo_module(django_db_setup, django_db_blocker, tmp_path_factory):
    """`load_demo` run once for the module that asks, and undone at the module's end; yields what it printed.

    The demo takes seconds to load, so loading it for each test made it most of the suite's time. Each test
    (with the `db` fixture as usual) still runs in its own transaction, nested inside this one as a savepoint,
    so what one test writes is rolled back before the next and every test starts from the same demo.
    Uploaded files go to a folder of the module's own. Tests that need real commits (transaction=True) cannot
    use it: they load the demo themselves.
    """
    media = tmp_path_factory.mktemp("demo-media")
    printed = io.StringIO()
    with django_db_blocker.unblock(), override_settings(PASSWORD_HASHERS=FAST_HASHERS, MEDIA_ROOT=str(media)):
        with transaction.atomic():
            call_command("load_demo", stdout=printed)
            yield printed.getvalue()
            transaction.set_rollback(True)
