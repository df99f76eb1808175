"""The People pages: an administrator invites someone, who sets a password from the e-mail and signs in; roles and
organisation change (a stale edit refused); people are deactivated (never deleted) and reactivated; the last
administrator stays; the invitation goes again; `manage.py invite_user` does the same from a script."""

from __future__ import annotations

import io
import re

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from tests.factories import TEST_PASSWORD, FunderFactory, OrganisationFactory, UserFactory
from vcsgrants.api.models import ApiToken
from vcsgrants.core.audit import record_event
from vcsgrants.core.models import AuditEvent, Organisation, Role, User
from vcsgrants.notifications.invitations import PLACEHOLDER
from vcsgrants.notifications.models import Notification
from vcsgrants.notifications.services import send_queued

pytestmark = pytest.mark.django_db

BASE = "https://grants.council.example"  # the smtp fixture's VCSGRANTS_BASE_URL
NEW_PASSWORD = "kestrel-lantern-meadow"


@pytest.fixture
def admin(db):
    return UserFactory(roles=[Role.ADMIN], username="priya", first_name="Priya", last_name="Shah")


@pytest.fixture
def admin_client(admin):
    client = Client()
    client.force_login(admin)
    return client


@pytest.fixture
def provider_org(db):
    return OrganisationFactory(name="Kestrel Voluntary Action", slug="kestrel")


def invite(client: Client, **fields):
    data = {"first_name": "Jo", "last_name": "Smith", "email": "jo.smith@example.org", "username": "", "role": "officer"}
    return client.post("/people/invite/", {**data, **fields})


def sign_in(client: Client, username: str, password: str):
    return client.post("/accounts/login/", {"username": username, "password": password}, REMOTE_ADDR="203.0.113.7")


def edit_page_data(client: Client, person: User, **changes) -> dict:
    """What the edit page's form would post as it stands (its version token included), with `changes` made."""
    page = client.get(f"/people/{person.pk}/edit/").content.decode()
    version = re.search(r'name="version" value="([^"]+)"', page).group(1)
    data = {
        "version": version,
        "first_name": person.first_name,
        "last_name": person.last_name,
        "email": person.email,
        "roles": [g.name for g in person.groups.all()],
        "organisation": person.organisation_id or "",
    }
    return {**data, **changes}


def test_an_administrator_invites_a_provider_user_who_sets_a_password_from_the_email_and_signs_in(
    admin_client, provider_org, smtp
):
    response = invite(admin_client, email="Jo.Smith@example.org", role=Role.PROVIDER, organisation=provider_org.pk, username="")
    person = User.objects.get(email="Jo.Smith@example.org")
    assert response.status_code == 302 and response["Location"] == f"/people/{person.pk}/"
    # A user with no password yet, in the provider group, for the organisation; the username from the address.
    assert person.username == "jo.smith" and person.display_name == "Jo Smith"
    assert not person.has_usable_password() and person.is_active
    assert [g.name for g in person.groups.all()] == ["provider"] and person.organisation == provider_org
    assert AuditEvent.objects.filter(verb="person.invited", object_id=person.pk, actor__username="priya").exists()

    # One e-mail in the outbox: who invited them, to what, as what; no link stored (officers can read the outbox).
    [queued] = Notification.objects.filter(recipient=person)
    assert queued.kind == Notification.Kind.INVITATION and queued.to_email == "Jo.Smith@example.org"
    assert "Priya Shah has invited you to VCS Grants" in queued.body
    assert "the role of Provider user for Kestrel Voluntary Action" in queued.body
    assert PLACEHOLDER in queued.body and "/accounts/reset/" not in queued.body
    detail = admin_client.get(f"/people/{person.pk}/").content.decode()
    assert "Invited (no password yet)" in detail and "Send the invitation again" in detail

    # Sending puts a fresh link in; following it lets them choose a password and sign in.
    assert send_queued().sent == 1
    [message] = smtp.to("Jo.Smith@example.org")
    body = message.get_content()
    links = re.findall(rf"{re.escape(BASE)}(/accounts/reset/\S+/)", body)
    assert len(links) == 1, body
    visitor = Client()
    choose = visitor.get(links[0], follow=True)
    assert "Choose a new password" in choose.content.decode()
    done = visitor.post(choose.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert done.status_code == 302
    assert sign_in(visitor, "jo.smith", NEW_PASSWORD).status_code == 302
    assert visitor.get("/").status_code == 200 and "Welcome, Jo Smith" in visitor.get("/").content.decode()
    # The link works once.
    assert "Choose a new password" not in Client().get(links[0], follow=True).content.decode()
    person.refresh_from_db()
    listing = admin_client.get("/people/?status=active").content.decode()
    assert "jo.smith" in listing


def test_only_administrators_and_superusers_reach_the_people_pages(client, admin):
    officer = UserFactory(roles=[Role.OFFICER])
    client.force_login(officer)
    for url in ["/people/", "/people/invite/", f"/people/{admin.pk}/", f"/people/{admin.pk}/edit/"]:
        response = client.get(url)
        assert response.status_code == 403, url
        assert "does not allow you to see or manage people" in response.content.decode()
    assert invite(client).status_code == 403
    assert not User.objects.filter(email="jo.smith@example.org").exists()
    assert "/people/" not in client.get("/").content.decode()  # no link in the navigation either

    superuser = User.objects.create_superuser("root", "root@example.org", TEST_PASSWORD)  # holds no role
    client.force_login(superuser)
    home = client.get("/").content.decode()
    assert 'href="/people/"' in home and "You hold no role yourself" in home
    assert client.get("/people/").status_code == 200


def test_a_provider_user_needs_an_organisation_and_the_page_says_so(admin_client, provider_org):
    response = invite(admin_client, role=Role.PROVIDER)
    page = response.content.decode()
    assert response.status_code == 200 and "There is a problem" in page
    assert "Choose the organisation this person works for" in page and 'id="organisation-error"' in page
    assert 'name="username" value="jo.smith"' in page  # the username it suggests, to keep or change
    assert not User.objects.filter(email="jo.smith@example.org").exists()
    assert not Notification.objects.exists()

    # A council officer in a provider makes no sense either; an assessor may have no organisation.
    page = invite(admin_client, role=Role.OFFICER, organisation=provider_org.pk).content.decode()
    assert "cannot belong to Kestrel Voluntary Action" in page
    assert invite(admin_client, role=Role.ASSESSOR).status_code == 302


def test_an_address_or_username_already_in_use_is_refused_by_field(admin_client, admin):
    page = invite(admin_client, email=admin.email.upper(), username="priya").content.decode()
    assert "Priya Shah (priya) already has this e-mail address" in page
    assert "The username priya is taken" in page
    assert User.objects.count() == 1


def test_changing_a_role_is_recorded_and_a_stale_edit_is_refused(admin_client, admin, provider_org):
    person = UserFactory(roles=[Role.OFFICER], first_name="Sam", last_name="Lee")
    stale = edit_page_data(admin_client, person, roles=["finance"])
    fresh = edit_page_data(admin_client, person, roles=["finance", "cabinet"])
    assert admin_client.post(f"/people/{person.pk}/edit/", fresh).status_code == 302
    assert sorted(g.name for g in person.groups.all()) == ["cabinet", "finance"]
    event = AuditEvent.objects.get(verb="person.changed", object_id=person.pk)
    assert "Roles: Council officer → Finance officer, Cabinet member" in event.summary
    assert "Sam Lee" in admin_client.get("/people/?role=finance").content.decode()
    assert "Sam Lee" not in admin_client.get("/people/?role=officer").content.decode()

    # The other page was opened before that save: refused, saying what changed and who saved it.
    page = admin_client.post(f"/people/{person.pk}/edit/", stale).content.decode()
    assert "This was changed since you opened it" in page and "Saved by Priya Shah" in page
    assert sorted(g.name for g in person.groups.all()) == ["cabinet", "finance"]

    # A provider role without an organisation is refused on the edit page too.
    page = admin_client.post(
        f"/people/{person.pk}/edit/", edit_page_data(admin_client, person, roles=["provider"], organisation="")
    )
    assert "Choose the organisation this person works for" in page.content.decode()


def test_a_deactivated_person_cannot_sign_in_their_tokens_stop_and_their_name_stays(admin_client, admin):
    person = UserFactory(roles=[Role.OFFICER], username="sam", first_name="Sam", last_name="Lee")
    record_event(actor=person, verb="test.did", summary="Sam did something")
    token = ApiToken.issue(person, name="script")[1]
    their_session = Client()
    their_session.force_login(person)
    assert Client().get("/api/programmes/", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 200

    confirm = admin_client.get(f"/people/{person.pk}/deactivate/").content.decode()
    assert "will no longer be able to sign in" in confirm
    response = admin_client.post(f"/people/{person.pk}/deactivate/", follow=True)
    assert "Sam Lee is deactivated" in response.content.decode()
    person.refresh_from_db()
    assert not person.is_active and User.objects.filter(pk=person.pk).exists()

    assert sign_in(Client(), "sam", TEST_PASSWORD).status_code == 200  # the sign-in page again, refused
    assert their_session.get("/programmes/").status_code == 302  # their open session ends too
    assert Client().get("/api/programmes/", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 401
    assert "Sam Lee" in admin_client.get("/audit/").content.decode()  # history keeps the name
    assert "Deactivated" in admin_client.get("/people/?status=deactivated").content.decode()
    assert "sam" not in admin_client.get("/people/?status=active").content.decode()

    # Reactivated, they sign in with their password again.
    admin_client.post(f"/people/{person.pk}/reactivate/")
    assert sign_in(Client(), "sam", TEST_PASSWORD).status_code == 302
    verbs = list(AuditEvent.objects.filter(object_id=person.pk, object_type="core.user").values_list("verb", flat=True))
    assert {"person.deactivated", "person.reactivated"} <= set(verbs)


def test_nobody_deactivates_themselves_or_the_last_administrator(admin_client, admin):
    response = admin_client.post(f"/people/{admin.pk}/deactivate/", follow=True)
    assert "You cannot deactivate yourself" in response.content.decode()
    admin.refresh_from_db()
    assert admin.is_active

    # Another administrator, acting on Priya, the only other one, can do neither.
    other = UserFactory(roles=[Role.OFFICER], first_name="Ola", last_name="Ade")
    other_client = Client()
    other_client.force_login(other)
    admin_client.post(f"/people/{other.pk}/edit/", edit_page_data(admin_client, other, roles=["officer", "admin"]))
    assert other.groups.filter(name="admin").exists()
    # With two administrators, Ola can take Priya's role away; then Priya is no longer one, and Ola is the last.
    page = other_client.post(f"/people/{admin.pk}/edit/", edit_page_data(other_client, admin, roles=["officer"]))
    assert page.status_code == 302
    refused = other_client.post(f"/people/{other.pk}/edit/", edit_page_data(other_client, other, roles=["officer"]))
    assert "Ola Ade is the only active administrator" in refused.content.decode()
    assert other.groups.filter(name="admin").exists()


def test_an_administrator_cannot_change_or_deactivate_a_superuser(admin_client):
    superuser = User.objects.create_superuser("root", "root@example.org", TEST_PASSWORD)
    page = admin_client.post(f"/people/{superuser.pk}/edit/", edit_page_data(admin_client, superuser, email="me@evil.example"))
    assert "only a superuser can change their account" in page.content.decode()
    refused = admin_client.post(f"/people/{superuser.pk}/deactivate/", follow=True).content.decode()
    assert "only a superuser can change their account" in refused
    superuser.refresh_from_db()
    assert superuser.email == "root@example.org" and superuser.is_active


def test_the_last_administrator_cannot_be_deactivated_by_a_superuser_either(client, admin):
    superuser = User.objects.create_superuser("root", "root@example.org", TEST_PASSWORD)
    client.force_login(superuser)
    # A superuser counts as an administrator, so Priya is not the last: she may go.
    assert client.post(f"/people/{admin.pk}/deactivate/").status_code == 302
    admin.refresh_from_db()
    assert not admin.is_active


def test_the_invitation_goes_again_with_a_new_link_until_a_password_is_set(admin_client, smtp):
    invite(admin_client)
    person = User.objects.get(username="jo.smith")
    response = admin_client.post(f"/people/{person.pk}/resend/", follow=True)
    assert "A new invitation to Jo Smith is in the outbox" in response.content.decode()
    assert Notification.objects.filter(recipient=person, kind=Notification.Kind.INVITATION).count() == 2
    assert AuditEvent.objects.filter(verb="person.invitation_resent", object_id=person.pk).exists()
    assert send_queued().sent == 2
    assert all("/accounts/reset/" in m.get_content() for m in smtp.to("jo.smith@example.org"))

    person.set_password(NEW_PASSWORD)
    person.save()
    again = admin_client.post(f"/people/{person.pk}/resend/", follow=True).content.decode()
    assert "has already set a password" in again
    assert Notification.objects.filter(recipient=person).count() == 2


def test_invite_user_command_queues_the_invitation_and_prints_the_link(admin, provider_org, settings):
    settings.EMAIL_HOST = ""
    out = io.StringIO()
    call_command(
        "invite_user",
        "--email=kai@example.org",
        "--role=provider",
        "--name=Kai Brown",
        "--organisation=kestrel",
        stdout=out,
    )
    person = User.objects.get(email="kai@example.org")
    assert person.username == "kai" and person.display_name == "Kai Brown"
    assert person.groups.get().name == "provider" and person.organisation == provider_org
    assert "send_notifications" in out.getvalue() and "/accounts/reset/" in out.getvalue()
    assert Notification.objects.filter(recipient=person, kind=Notification.Kind.INVITATION).count() == 1
    event = AuditEvent.objects.get(verb="person.invited", object_id=person.pk)
    assert "with manage.py invite_user" in event.summary and event.data["via"] == "command"
    # An unknown organisation, or none for a provider user: refused with the option named, nobody created.
    with pytest.raises(CommandError, match="--organisation: no organisation has the slug 'nowhere'"):
        call_command("invite_user", "--email=x@example.org", "--role=provider", "--organisation=nowhere")
    with pytest.raises(CommandError, match="--organisation: Choose the organisation"):
        call_command("invite_user", "--email=x@example.org", "--role=provider")
    assert not User.objects.filter(email="x@example.org").exists()
    council = FunderFactory(slug="council")
    call_command("invite_user", "--email=fin@example.org", "--role=finance", "--organisation=council", "--by=priya", stdout=out)
    assert AuditEvent.objects.get(verb="person.invited", object_id=User.objects.get(username="fin").pk).actor == admin
    assert Organisation.objects.get(slug="council") == council


def test_django_admin_shows_roles_without_the_permission_picker_and_users_with_their_organisation(client, provider_org):
    superuser = User.objects.create_superuser("root", "root@example.org", TEST_PASSWORD)
    UserFactory(roles=[Role.PROVIDER], username="sam", organisation=provider_org)
    client.force_login(superuser)
    group = Group.objects.get_or_create(name="officer")[0]
    page = client.get(f"/admin/auth/group/{group.pk}/change/").content.decode()
    assert 'name="name"' in page and 'name="permissions"' not in page
    assert "not by Django permissions" in page
    users = client.get("/admin/core/user/").content.decode()
    assert "Kestrel Voluntary Action" in users
    assert 'name="organisation"' in client.get(f"/admin/core/user/{superuser.pk}/change/").content.decode()
