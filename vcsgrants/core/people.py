"""People: administrators invite, change, deactivate and reactivate the service's users (the People pages and
`manage.py invite_user`). Every change is an audit event naming who made it.

- **Invite**: a user with no password yet (an unusable one), in one role's group, with an organisation where the
  role needs one, and an invitation e-mail with a set-your-password link. The link is Django's password-reset
  link (default_token_generator, the `password_reset_confirm` page), so it works once and expires after
  PASSWORD_RESET_TIMEOUT, like a reset link.
- **The e-mail** goes through the outbox (vcsgrants.notifications), which is an app above core: this module sends
  the `invitation_wanted` signal and the outbox, connected to it when it starts, queues the e-mail in the same
  transaction. The link itself is made when the e-mail is sent, never stored: officers can read the outbox, and
  the link is a key to the account.
- **Never deleted**: a person who leaves is deactivated (they cannot sign in, their API tokens stop working) and
  keeps their name on everything they did. Nobody deactivates themselves, and the last active administrator is
  never deactivated or moved out of the administrator role. Only a superuser changes a superuser's account.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.contrib.auth.models import Group
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q, QuerySet
from django.dispatch import Signal
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from vcsgrants.core.audit import record_event
from vcsgrants.core.concurrency import check_version
from vcsgrants.core.models import Organisation, Role, User

# Roles whose users see their own organisation's records only: they need one.
ORGANISATION_ROLES = (Role.PROVIDER, Role.PARTNER, Role.APPLICANT)
# Council staff: their organisation, if any, is the council itself (a funder).
STAFF_ROLES = (Role.ADMIN, Role.OFFICER, Role.FINANCE, Role.CABINET)
# The kinds of organisation each role's user may belong to (a role not named here: any, or none).
KINDS_FOR_ROLE = {
    Role.PROVIDER: {Organisation.Kind.PROVIDER},
    Role.PARTNER: {Organisation.Kind.PARTNER, Organisation.Kind.FUNDER},
    Role.APPLICANT: {Organisation.Kind.APPLICANT, Organisation.Kind.PROVIDER},
    **{role: {Organisation.Kind.FUNDER} for role in STAFF_ROLES},
}

# Sent inside the transaction that invites someone (or sends the invitation again), with person= (the invited
# User), invited_by= (the User who asked, or None for `manage.py invite_user` with no --by) and role= (its label).
# The outbox queues the e-mail and returns it; see vcsgrants.notifications.invitations.
invitation_wanted = Signal()


class Status:
    INVITED = "invited"
    ACTIVE = "active"
    DEACTIVATED = "deactivated"
    CHOICES = [(ACTIVE, "Active"), (INVITED, "Invited (no password yet)"), (DEACTIVATED, "Deactivated")]


def signs_in_with_sso(person: User) -> bool:
    """True for someone who signs in with the council's identity provider (core.sso): they never have a password."""
    return hasattr(person, "sso_identity")


def status_of(person: User) -> str:
    if not person.is_active:
        return Status.DEACTIVATED
    return Status.ACTIVE if person.has_usable_password() or signs_in_with_sso(person) else Status.INVITED


def status_label(person: User) -> str:
    return dict(Status.CHOICES)[status_of(person)]


def role_label(role: str) -> str:
    return Role(role).label


# Django's unusable password (set_unusable_password) starts with "!": someone invited who has not chosen one yet.
NO_PASSWORD = {"password__startswith": UNUSABLE_PASSWORD_PREFIX}


# --- Reading ---------------------------------------------------------------------------------------------------


def people_list(*, role: str = "", status: str = "") -> QuerySet[User]:
    """Everyone, by name, with their organisation and roles (prefetched): filtered by role and status if given."""
    people = (
        User.objects.select_related("organisation", "sso_identity")
        .prefetch_related("groups")
        .order_by("last_name", "first_name", "username")
    )
    if role in Role.values:
        people = people.filter(groups__name=role)
    if status == Status.DEACTIVATED:
        people = people.filter(is_active=False)
    elif status == Status.INVITED:
        people = people.filter(is_active=True, sso_identity__isnull=True, **NO_PASSWORD)
    elif status == Status.ACTIVE:
        people = people.filter(is_active=True).filter(~Q(**NO_PASSWORD) | Q(sso_identity__isnull=False))
    return people.distinct()


def roles_of(person: User) -> list[str]:
    """The person's roles (values, in Role's order), whether or not they are active."""
    names = {group.name for group in person.groups.all()}
    return [value for value in Role.values if value in names]


def person_state(person: User) -> dict[str, str]:
    """What the edit page shows (core.concurrency): a save is refused if any of it changed since."""
    return {
        "First name": person.first_name,
        "Last name": person.last_name,
        "E-mail address": person.email,
        "Roles": ", ".join(role_label(r) for r in roles_of(person)),
        "Organisation": str(person.organisation) if person.organisation_id else "",
    }


def active_administrators() -> QuerySet[User]:
    return User.objects.filter(is_active=True).filter(Q(is_superuser=True) | Q(groups__name=Role.ADMIN)).distinct()


def suggest_username(email: str) -> str:
    """A username from the e-mail address's local part (jo.smith@… → jo.smith), numbered if it is taken."""
    local = (email or "").split("@")[0].lower()
    base = re.sub(r"[^a-z0-9._-]+", "", local).strip("._-")[:140] or "person"
    username, n = base, 2
    while User.objects.filter(username__iexact=username).exists():
        username, n = f"{base}{n}", n + 1
    return username


def invitation_path(person: User) -> str:
    """The set-your-password page for this person, as a path: Django's password-reset link (works once, expires)."""
    uid = urlsafe_base64_encode(force_bytes(person.pk))
    return reverse("password_reset_confirm", args=[uid, default_token_generator.make_token(person)])


# --- Checks ----------------------------------------------------------------------------------------------------


def check_roles_and_organisation(
    roles: Iterable[str], organisation: Organisation | None, *, role_field: str = "role"
) -> dict[str, list[str]]:
    """Problems with this combination, by form field: no role; an organisation missing where a role needs one, or
    of a kind that makes no sense for the role (a council officer in a provider, a provider user in the council)."""
    roles = [Role(r) for r in roles]
    errors: dict[str, list[str]] = {}
    if not roles:
        errors[role_field] = ["Choose a role"]
        return errors
    needs = [r for r in roles if r in ORGANISATION_ROLES]
    if needs and organisation is None:
        labels = " or ".join(r.label.split(" (")[0].lower() for r in needs)
        errors["organisation"] = [
            f"Choose the organisation this person works for: a {labels} sees only their own organisation's records"
        ]
        return errors
    if organisation is not None:
        for role in roles:
            kinds = KINDS_FOR_ROLE.get(role)
            if kinds and organisation.kind not in kinds:
                allowed = " or ".join(sorted(Organisation.Kind(k).label.split(" (")[0].lower() for k in kinds))
                hint = " Leave the organisation blank, or choose the council." if role in STAFF_ROLES else ""
                errors.setdefault("organisation", []).append(
                    f"A {role.label.split(' (')[0].lower()} cannot belong to {organisation}, "
                    f"which is a {organisation.get_kind_display().split(' (')[0].lower()}: choose a {allowed}.{hint}"
                )
    return errors


def _check_email(email: str, *, field: str = "email", exclude: User | None = None) -> str:
    email = (email or "").strip()
    if not email:
        raise ValidationError({field: "Enter their e-mail address: the invitation is sent there"})
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationError({field: "Enter an e-mail address in the correct format, like name@example.org"}) from None
    others = User.objects.filter(email__iexact=email)
    if exclude is not None:
        others = others.exclude(pk=exclude.pk)
    if other := others.first():
        raise ValidationError({field: f"{other.display_name} ({other.username}) already has this e-mail address"})
    return email


def _check_username(username: str) -> str:
    username = (username or "").strip()
    if not username:
        raise ValidationError({"username": "Enter a username: the person signs in with it"})
    if not re.fullmatch(r"[\w.@+-]{1,150}", username):
        raise ValidationError({"username": "A username may have only letters, numbers and . @ + - _ (no spaces)"})
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": f"The username {username} is taken: choose another"})
    return username


def _superuser_check(person: User, actor: User) -> None:
    """Only a superuser may change or deactivate a superuser: an administrator who could change a superuser's
    e-mail address could reset its password and gain Django admin."""
    if person.is_superuser and not actor.is_superuser:
        raise ValidationError(f"{person.display_name} is a superuser: only a superuser can change their account.")


def _last_administrator_check(person: User, *, what: str) -> None:
    """Refuse if `person` is the only active administrator left (a superuser counts as one)."""
    if active_administrators().exclude(pk=person.pk).exists():
        return
    raise ValidationError(
        f"{person.display_name} is the only active administrator, so you cannot {what}: make someone else an administrator first."
    )


def _is_administrator(person: User, roles: Iterable[str] | None = None) -> bool:
    roles = roles_of(person) if roles is None else roles
    return person.is_superuser or Role.ADMIN in roles


def _set_roles(person: User, roles: Iterable[str]) -> None:
    groups = [Group.objects.get_or_create(name=Role(r).value)[0] for r in roles]
    person.groups.set(groups)
    person.forget_permissions()


def _queue_invitation(person: User, invited_by: User | None, roles: Iterable[str]) -> None:
    role = " and ".join(role_label(r).split(" (")[0] for r in roles)
    results = invitation_wanted.send(sender=User, person=person, invited_by=invited_by, role=role)
    if not any(response for _, response in results):
        raise ImproperlyConfigured("No e-mail outbox queued the invitation: is vcsgrants.notifications installed?")


# --- Writing ---------------------------------------------------------------------------------------------------


@transaction.atomic
def person_invite(
    *,
    actor: User | None,
    email: str,
    first_name: str = "",
    last_name: str = "",
    username: str = "",
    role: str,
    organisation: Organisation | None = None,
    via: str = "page",
) -> User:
    """Create the person with no password yet and queue their invitation. Every problem is raised at once, by field.

    `actor` is the administrator inviting them; `manage.py invite_user` (via="command") may have none, and the
    audit event then names the invited person, saying it was done by the command.
    """
    errors: dict[str, list[str]] = {}
    if role not in Role.values:
        errors["role"] = ["Choose a role"]
    else:
        errors.update(check_roles_and_organisation([role], organisation))
    if via != "command" and not (first_name or "").strip() and not (last_name or "").strip():
        errors["first_name"] = ["Enter their name: pages and the audit log name people by it"]
    checked: dict[str, str] = {}
    for field, check, value in (("email", _check_email, email), ("username", _check_username, username)):
        try:
            checked[field] = check(value)
        except ValidationError as exc:
            for name, messages in exc.message_dict.items():
                errors.setdefault(name, []).extend(messages)
    if errors:
        raise ValidationError(errors)
    person = User(
        username=checked["username"],
        email=checked["email"],
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        organisation=organisation,
    )
    person.set_unusable_password()
    person.save()
    _set_roles(person, [role])
    by_command = via == "command"
    where = f" for {organisation}" if organisation else ""
    record_event(
        actor=actor or person,
        verb="person.invited",
        obj=person,
        summary=f"Invited {person.display_name} ({person.username}, {person.email}) as {role_label(role)}{where}"
        + (" with manage.py invite_user" if by_command else ""),
        data={"role": role, "organisation": organisation.pk if organisation else None, "via": via},
    )
    _queue_invitation(person, actor, [role])
    return person


@transaction.atomic
def person_update(
    *,
    person: User,
    actor: User,
    roles: Iterable[str],
    organisation: Organisation | None,
    first_name: str | None = None,
    last_name: str | None = None,
    email: str | None = None,
    version: str | None = None,
) -> User:
    """Change a person's roles, organisation, name or e-mail address. Refused (`version`, core.concurrency) if any
    of it changed since the edit page was opened; refused if it would leave no active administrator."""
    person = User.objects.select_for_update().get(pk=person.pk)
    before = person_state(person)
    check_version(version, before, records=[person])
    _superuser_check(person, actor)
    roles = [Role(r).value for r in roles]
    errors = check_roles_and_organisation(roles, organisation, role_field="roles")
    if email is not None:
        try:
            person.email = _check_email(email, exclude=person)
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if first_name is not None:
        person.first_name, person.last_name = first_name.strip(), (last_name or "").strip()
        if not person.first_name and not person.last_name:
            errors["first_name"] = ["Enter their name: pages and the audit log name people by it"]
    if errors:
        raise ValidationError(errors)
    if person.is_active and _is_administrator(person) and not (person.is_superuser or Role.ADMIN in roles):
        _last_administrator_check(person, what="take away their administrator role")
    person.organisation = organisation
    person.save(update_fields=["first_name", "last_name", "email", "organisation"])
    _set_roles(person, roles)
    after = person_state(person)
    changes = [
        f"{what}: {before[what] or '(blank)'} → {after[what] or '(blank)'}" for what in after if before[what] != after[what]
    ]
    if changes:
        record_event(
            actor=actor,
            verb="person.changed",
            obj=person,
            summary=f"Changed {person.display_name} ({person.username}): " + "; ".join(changes),
            data={"before": before, "after": after},
        )
    return person


@transaction.atomic
def person_deactivate(*, person: User, actor: User) -> User:
    """They can no longer sign in and their API tokens stop working; their name stays on everything they did."""
    person = User.objects.select_for_update().get(pk=person.pk)
    if person.pk == actor.pk:
        raise ValidationError("You cannot deactivate yourself: ask another administrator.")
    _superuser_check(person, actor)
    if not person.is_active:
        raise ValidationError(f"{person.display_name} is already deactivated.")
    if _is_administrator(person):
        _last_administrator_check(person, what="deactivate them")
    person.is_active = False
    person.save(update_fields=["is_active"])  # the API app's post_save revokes their tokens
    record_event(
        actor=actor, verb="person.deactivated", obj=person, summary=f"Deactivated {person.display_name} ({person.username})"
    )
    return person


@transaction.atomic
def person_reactivate(*, person: User, actor: User) -> User:
    """They can sign in again with their password (their old API tokens stay revoked)."""
    person = User.objects.select_for_update().get(pk=person.pk)
    if person.is_active:
        raise ValidationError(f"{person.display_name} is already active.")
    person.is_active = True
    person.save(update_fields=["is_active"])
    record_event(
        actor=actor, verb="person.reactivated", obj=person, summary=f"Reactivated {person.display_name} ({person.username})"
    )
    return person


@transaction.atomic
def person_resend_invitation(*, person: User, actor: User) -> User:
    """Queue the invitation again, with a new link (for someone who has not set a password yet)."""
    person = User.objects.select_for_update().get(pk=person.pk)
    if not person.is_active:
        raise ValidationError(f"{person.display_name} is deactivated: reactivate them before inviting them again.")
    if signs_in_with_sso(person):
        raise ValidationError(f"{person.display_name} signs in with the council's single sign-on: they have no password to set.")
    if person.has_usable_password():
        raise ValidationError(
            f"{person.display_name} has already set a password. If they have forgotten it, they can use "
            "“Forgotten your password?” on the sign-in page."
        )
    if not person.email:
        raise ValidationError(f"{person.display_name} has no e-mail address: add one on the edit page first.")
    _queue_invitation(person, actor, roles_of(person))
    record_event(
        actor=actor,
        verb="person.invitation_resent",
        obj=person,
        summary=f"Sent the invitation again to {person.display_name} ({person.email})",
    )
    return person
