"""Registering to apply: one organisation, its profile and first user, signed in; duplicates refused clearly."""

from __future__ import annotations

import pytest

from tests.factories import OrganisationFactory
from vcsgrants.calls.models import ApplicantProfile
from vcsgrants.core.models import AuditEvent, Organisation, Role, User

pytestmark = pytest.mark.django_db

FORM = {
    "name": "Millbrook Community Trust",
    "org_id": "GB-CHC-1188001",
    "charity_number": "1188001",
    "company_number": "",
    "contact_name": "Alex Green",
    "contact_email": "alex@millbrook.example",
    "contact_phone": "01234 000000",
    "address": "1 High Street",
    "postcode": "de4 3ag",
    "username": "alex-millbrook",
    "email": "alex@millbrook.example",
    "password": "correct horse battery",
    "password_again": "correct horse battery",
}


def test_registering_creates_the_organisation_profile_and_user_and_signs_in(client):
    response = client.post("/open-calls/register/", FORM)
    assert response.status_code == 302 and response["Location"] == "/open-calls/"
    organisation = Organisation.objects.get(name=FORM["name"])
    assert organisation.kind == Organisation.Kind.APPLICANT and organisation.org_id == "GB-CHC-1188001"
    profile = ApplicantProfile.objects.get(organisation=organisation)
    assert profile.postcode == "DE4 3AG" and profile.contact_email == "alex@millbrook.example"
    user = User.objects.get(username="alex-millbrook")
    assert user.organisation == organisation and user.has_role(Role.APPLICANT)
    assert AuditEvent.objects.filter(verb="applicant.registered", actor=user).exists()
    assert client.get("/applications/").status_code == 200  # signed in, as an applicant


@pytest.mark.parametrize(
    "change, field_message",
    [
        ({"name": "millbrook community trust"}, "is already registered. If you work there, ask a colleague"),
        ({"org_id": "gb-chc-1188001"}, "with the Org-ID GB-CHC-1188001 is already registered"),
    ],
)
def test_a_registered_organisation_is_refused_with_what_to_do(client, change, field_message):
    OrganisationFactory(name="Millbrook Community Trust", org_id="GB-CHC-1188001")
    data = {**FORM, **change}
    if "name" not in change:
        data["name"] = "A different name"
    response = client.post("/open-calls/register/", data)
    assert response.status_code == 200
    assert field_message in response.content.decode()
    assert not User.objects.filter(username="alex-millbrook").exists()


def test_bad_org_id_weak_password_and_mismatch_are_each_reported_and_nothing_is_made(client):
    data = {**FORM, "org_id": "1188001", "password": "password", "password_again": "password"}
    page = client.post("/open-calls/register/", data).content.decode()
    assert "Enter an Org-ID such as GB-CHC-1234567" in page
    assert "The password must be 10 characters or more" in page or "many people use" in page
    page = client.post("/open-calls/register/", {**FORM, "password_again": "something else"}).content.decode()
    assert "The passwords do not match." in page
    assert not Organisation.objects.filter(name=FORM["name"]).exists()


def test_the_register_page_needs_no_sign_in(client):
    page = client.get("/open-calls/register/")
    assert page.status_code == 200 and "Register your organisation to apply" in page.content.decode()
