"""Single sign-on without a browser: the claims → role mapping (pure), the user it makes or brings up to date, and
the pages' refusals that need no identity provider. The whole journey, against a real provider in Chromium, is
tests/browser/test_sso.py."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import ValidationError

from tests.factories import UserFactory
from vcsgrants.core import people, sso
from vcsgrants.core.models import AuditEvent, Role, SsoIdentity, User
from vcsgrants.core.sso_roles import RoleMapError, parse_role_map, roles_for

STAFF = ["admin", "officer", "finance", "cabinet", "assessor"]
ISSUER = "https://login.example.org/tenant-1/v2.0"


# --- The mapping (pure) ----------------------------------------------------------------------------------------


def test_each_mapped_group_gives_its_role_once_in_the_services_order():
    role_map = parse_role_map(
        '{"grants-officers": "officer", "grants-admins": "admin", "9b1c-guid": "officer", "panel": ["assessor", "cabinet"]}',
        STAFF,
    )
    claims = {"groups": ["all-staff", "9b1c-guid", "grants-officers", "grants-admins", "panel"]}
    assert roles_for(claims, role_map, "groups", order=Role.values) == ["admin", "officer", "cabinet", "assessor"]


def test_unmapped_groups_a_missing_claim_and_odd_values_give_no_role():
    role_map = parse_role_map('{"grants-officers": "officer"}', STAFF)
    assert roles_for({"groups": ["all-staff", "Grants-Officers"]}, role_map) == []  # names match exactly
    assert roles_for({}, role_map) == []
    assert roles_for({"groups": [42, None, {"x": 1}]}, role_map) == []
    assert roles_for({"groups": "grants-officers"}, role_map) == ["officer"]  # one group sent as a string
    assert roles_for({"roles": ["grants-officers"], "groups": []}, role_map, "roles") == ["officer"]  # Entra app roles


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("{not json", "not valid JSON"),
        ('["officer"]', "must be a JSON object"),
        ('{"grants-providers": "provider"}', "not a role single sign-on can give"),
        ('{"grants-officers": "officers"}', "'officers'"),
        ('{"grants-officers": []}', "maps to no role"),
    ],
)
def test_a_role_map_that_cannot_be_used_says_what_is_wrong(text, says):
    with pytest.raises(RoleMapError, match=says):
        parse_role_map(text, STAFF)


def test_an_empty_role_map_maps_nothing():
    assert parse_role_map("", STAFF) == {} == parse_role_map("  ", STAFF)


def test_single_sign_on_gives_staff_roles_only():
    assert sso.SSO_ROLES == STAFF


# --- The user --------------------------------------------------------------------------------------------------


def config(**role_map) -> sso.Config:
    return sso.Config(
        issuer=ISSUER,
        client_id="client",
        client_secret="secret",
        provider_name="Council account",
        role_map=tuple(sorted((role_map or {"grants-officers": "officer", "grants-admins": "admin"}).items())),
        roles_claim="groups",
        scopes="openid email profile",
    )


def claims(sub="abc-123", groups=("grants-officers",), **more):
    return {
        "sub": sub,
        "given_name": "Jo",
        "family_name": "Bloggs",
        "email": "jo.bloggs@council.example",
        "groups": list(groups),
        **more,
    }


@pytest.mark.django_db
def test_the_first_sign_in_makes_a_staff_user_with_no_password():
    person = sso.sign_in_user(claims(), config())
    assert (person.username, person.get_full_name(), person.email) == ("jo.bloggs", "Jo Bloggs", "jo.bloggs@council.example")
    assert person.role_names == ["Council officer"]
    assert not person.has_usable_password()
    assert person.organisation is None
    assert (person.sso_identity.issuer, person.sso_identity.subject) == (ISSUER, "abc-123")
    assert people.status_of(person) == people.Status.ACTIVE
    event = AuditEvent.objects.get(verb="person.created_by_sso")
    assert "signed in with single sign-on for the first time: account made as Council officer" in event.summary
    with pytest.raises(ValidationError, match="signs in with the council's single sign-on"):
        people.person_resend_invitation(person=person, actor=person)


@pytest.mark.django_db
def test_the_next_sign_in_follows_the_claims_and_says_what_changed():
    first = sso.sign_in_user(claims(), config())
    again = sso.sign_in_user(claims(groups=["grants-admins"], family_name="Smith", email="jo.smith@council.example"), config())
    assert again.pk == first.pk and User.objects.count() == 1
    again = User.objects.get(pk=first.pk)
    assert (again.role_names, again.last_name, again.email) == (["Administrator"], "Smith", "jo.smith@council.example")
    assert again.username == "jo.bloggs"  # the username never changes
    change = AuditEvent.objects.get(verb="person.changed")
    assert "Roles: Council officer → Administrator" in change.summary
    assert "Last name: Bloggs → Smith" in change.summary


@pytest.mark.django_db
def test_someone_in_no_mapped_group_is_refused_and_gets_no_account():
    with pytest.raises(sso.Refused) as refused:
        sso.sign_in_user(claims(groups=["all-staff"]), config())
    assert refused.value.title == "You do not have access to this service"
    assert not User.objects.exists()


@pytest.mark.django_db
def test_someone_moved_out_of_every_mapped_group_loses_their_roles_and_is_refused():
    person = sso.sign_in_user(claims(), config())
    with pytest.raises(sso.Refused):
        sso.sign_in_user(claims(groups=[]), config())
    assert User.objects.get(pk=person.pk).role_names == []
    assert "Roles: Council officer → (blank)" in AuditEvent.objects.get(verb="person.changed").summary


@pytest.mark.django_db
def test_a_deactivated_account_stays_out():
    person = sso.sign_in_user(claims(), config())
    User.objects.filter(pk=person.pk).update(is_active=False)
    with pytest.raises(sso.Refused, match="deactivated"):
        sso.sign_in_user(claims(), config())


@pytest.mark.django_db
def test_an_existing_account_with_the_same_e_mail_address_is_never_taken_over():
    provider = UserFactory(username="jo", email="jo.bloggs@council.example", roles=[Role.PROVIDER])
    person = sso.sign_in_user(claims(), config())
    assert person.pk != provider.pk and person.username == "jo.bloggs"
    assert User.objects.get(pk=provider.pk).role_names == ["Provider user"]
    # The same subject at another issuer is another person.
    other = sso.sign_in_user(claims(), sso.Config(**{**config().__dict__, "issuer": "https://elsewhere.example"}))
    assert other.pk != person.pk and SsoIdentity.objects.count() == 2


# --- Settings and pages ----------------------------------------------------------------------------------------


def test_the_role_map_is_checked_at_start(settings):
    settings.VCSGRANTS_OIDC_ISSUER, settings.VCSGRANTS_OIDC_CLIENT_ID = ISSUER, "client"
    settings.VCSGRANTS_OIDC_CLIENT_SECRET = "secret"
    settings.VCSGRANTS_OIDC_ROLE_MAP = '{"grants-officers": "provider"}'
    assert [error.id for error in sso.check_sso_settings()] == ["vcsgrants.E020"]
    settings.VCSGRANTS_OIDC_ROLE_MAP = json.dumps({"grants-officers": "officer"})
    assert sso.check_sso_settings() == []
    settings.VCSGRANTS_OIDC_CLIENT_SECRET = ""
    assert [error.id for error in sso.check_sso_settings()] == ["vcsgrants.E021"]


@pytest.mark.django_db
def test_without_single_sign_on_the_sign_in_page_has_no_button_and_its_pages_are_not_there(client, settings):
    settings.VCSGRANTS_OIDC_ISSUER = ""
    assert "Sign in with" not in client.get("/accounts/login/").content.decode()
    assert client.get("/accounts/sso/start/").status_code == 404
    assert client.get("/accounts/sso/callback/?code=x&state=y").status_code == 404


@pytest.mark.django_db
def test_a_return_with_no_sign_in_started_signs_nobody_in(client, settings):
    settings.VCSGRANTS_OIDC_ISSUER, settings.VCSGRANTS_OIDC_CLIENT_ID = ISSUER, "client"
    settings.VCSGRANTS_OIDC_ROLE_MAP = json.dumps({"grants-officers": "officer"})
    settings.VCSGRANTS_OIDC_PROVIDER_NAME = "Example Council account"
    page = client.get("/accounts/login/?next=/programmes/").content.decode()
    assert 'href="/accounts/sso/start/?next=/programmes/"' in page
    assert "Sign in with Example Council account" in page
    # A forged or stale return (a state this session never started): refused before the provider is asked anything.
    response = client.get("/accounts/sso/callback/?code=stolen&state=made-up")
    assert response.status_code == 400
    assert "You are not signed in" in response.content.decode()
    assert "_auth_user_id" not in client.session
