"""What an applicant and the public notice: budget answers in money like the total, the home page's applications,
and recently closed calls listed apart on the public list (so a closed call's back link leads somewhere)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from tests.calls.test_apply_services import complete, start
from tests.factories import UserFactory
from vcsgrants.calls.models import Call
from vcsgrants.core.models import Role

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_budget_answers_show_thousands_separators_like_the_total(built, applicant, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    application = start(built, applicant)
    complete(built, application, applicant)
    client = signed_in(applicant)
    assert "Staff: £20,000.00" in client.get(f"/applications/{application.pk}/check/").content.decode()
    client.post(f"/applications/{application.pk}/check/")
    page = client.get(f"/applications/{application.pk}/").content.decode()
    assert "Staff: £20,000.00" in page and "Premises: £4,000.50" in page and "Volunteer expenses: £0.00" in page
    assert "Total: £24,000.50" in page
    assert "£20,000<" not in page and "££" not in page


def test_the_applicants_home_lists_their_applications(built, applicant, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client = signed_in(applicant)
    assert "There is nothing for you to see yet." in client.get("/").content.decode()
    application = start(built, applicant)
    complete(built, application, applicant)
    client.post(f"/applications/{application.pk}/check/")
    page = client.get("/").content.decode()
    assert "There is nothing for you to see yet." not in page
    assert f'href="/applications/{application.pk}/"' in page and application.reference in page
    assert ": Submitted</li>" in page and 'href="/applications/">All your applications</a>' in page
    # Someone with no applicant role sees no such list.
    assert "All your applications" not in signed_in(UserFactory(roles=[Role.FINANCE])).get("/").content.decode()


def test_recently_closed_calls_are_listed_apart_from_open_ones(built):
    Call.objects.filter(pk=built.call.pk).update(closes_at=timezone.now() - dt.timedelta(days=3))
    page = Client().get("/open-calls/").content.decode()
    assert "No calls are open just now." in page
    closed = page.split('<h2 class="govuk-heading-m">Closed</h2>')[1]
    assert built.call.title in closed and f"/open-calls/{built.call.reference}/" in closed
    Call.objects.filter(pk=built.call.pk).update(closes_at=timezone.now() - dt.timedelta(days=400))
    assert built.call.title not in Client().get("/open-calls/").content.decode()
