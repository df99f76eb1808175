"""The moderation page and the call's assessment set-up name the panel by User.display_name: the full name, or
the username for an assessor with no name recorded."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from tests.calls.fixtures_assess import build_assess_call, score
from vcsgrants.calls.services import assess as services

pytestmark = pytest.mark.django_db


@pytest.fixture
def ac(officer, districts):
    return build_assess_call(officer, districts)


def test_moderation_and_set_up_name_the_assessors(ac):
    named, nameless = ac.assessors[:2]
    named.username, named.first_name, named.last_name = "assessor-a", "Aisha", "Karim"
    named.save()
    nameless.username, nameless.first_name, nameless.last_name = "assessor-b", "", ""
    nameless.save()
    application = ac.apps["INFRA-001"]
    services.application_assessors_set(application=application, assessors=[named, nameless], actor=ac.officer)
    for assignment in application.assignments.all():
        score(ac, assignment, [4, 3, 4, 3, 4])
    client = Client()
    client.force_login(ac.officer)
    moderation = client.get(reverse("calls:moderation-detail", args=[application.pk])).content.decode()
    headers = moderation.split('<th scope="col" class="govuk-table__header">')
    assert any(h.startswith("Aisha Karim<br>") for h in headers)
    assert any(h.startswith("assessor-b<br>") for h in headers)
    assert "assessor-a" not in moderation
    setup = client.get(reverse("calls:assess-setup", args=[ac.call.pk])).content.decode()
    assert "Aisha Karim: " in setup and "assessor-b: " in setup
    assert "assessor-a:" not in setup
