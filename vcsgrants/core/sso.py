"""Staff single sign-on with the council's identity provider (OpenID Connect; ADR 0020, docs/operations/single-sign-on.md).

The flow is the authorisation code flow with PKCE (S256), by Authlib's Django client (views in views_sso.py):
1. `/accounts/sso/start/` sends the browser to the provider's authorisation endpoint (found by discovery, from
   `<issuer>/.well-known/openid-configuration`) with a fresh state, nonce and PKCE code challenge, all three kept
   in the session.
2. `/accounts/sso/callback/` checks the state against the session, exchanges the code (with the client secret and
   the code verifier) for tokens, and checks the ID token: its signature against the provider's JWKS, its issuer
   (the configured one), audience (our client id), expiry, issue time and nonce. Anything wrong: nothing is signed in.
3. `sign_in_user` finds the user by the issuer and subject (core.SsoIdentity), or makes one on the first sign-in,
   sets their name, e-mail address and roles from the claims (the role map: sso_roles.py) and returns them; someone
   whose groups map to no role, or whose account here is deactivated, is refused with a page saying why.

A user made by single sign-on has no usable password: they cannot sign in with one, the "forgotten password" page
never sends them a link (Django sends links only to accounts with a usable password), and an invitation is never
sent to them. Providers, partners and applicants keep signing in with their passwords.
"""

from __future__ import annotations

import dataclasses
import functools

from django.conf import settings
from django.core import checks
from django.db import transaction
from django.utils import timezone

from vcsgrants.core import people
from vcsgrants.core.audit import record_event
from vcsgrants.core.backends import PasswordBackend
from vcsgrants.core.models import Role, SsoIdentity, User
from vcsgrants.core.sso_roles import RoleMapError, claimed_groups, parse_role_map, roles_for

# The roles single sign-on may give: staff roles and assessor (none needs an organisation).
SSO_ROLES = [role for role in Role.values if role not in people.ORGANISATION_ROLES]
BACKEND = "vcsgrants.core.sso.SsoBackend"
# Seconds to wait for the identity provider (discovery, JWKS, token endpoint).
TIMEOUT_SECONDS = 10


class Refused(Exception):
    """Single sign-on worked but this person may not use the service: `title` and `reason` are shown to them."""

    def __init__(self, title: str, reason: str):
        super().__init__(reason)
        self.title = title
        self.reason = reason


@dataclasses.dataclass(frozen=True)
class Config:
    issuer: str
    client_id: str
    client_secret: str
    provider_name: str
    role_map: tuple[tuple[str, str], ...]
    roles_claim: str
    scopes: str

    @property
    def metadata_url(self) -> str:
        return self.issuer.rstrip("/") + "/.well-known/openid-configuration"

    @property
    def roles(self) -> dict[str, str]:
        return dict(self.role_map)


def config() -> Config | None:
    """The single sign-on settings, or None when it is not set up (no issuer or client id). Raises RoleMapError."""
    issuer = getattr(settings, "VCSGRANTS_OIDC_ISSUER", "")
    client_id = getattr(settings, "VCSGRANTS_OIDC_CLIENT_ID", "")
    if not (issuer and client_id):
        return None
    role_map = parse_role_map(getattr(settings, "VCSGRANTS_OIDC_ROLE_MAP", ""), SSO_ROLES)
    return Config(
        issuer=issuer,
        client_id=client_id,
        client_secret=getattr(settings, "VCSGRANTS_OIDC_CLIENT_SECRET", ""),
        provider_name=getattr(settings, "VCSGRANTS_OIDC_PROVIDER_NAME", "") or "your council account",
        role_map=tuple(sorted(role_map.items())),
        roles_claim=getattr(settings, "VCSGRANTS_OIDC_ROLES_CLAIM", "") or "groups",
        scopes=getattr(settings, "VCSGRANTS_OIDC_SCOPES", "") or "openid email profile",
    )


def provider_name() -> str:
    """What the sign-in page's button names ("Sign in with …"), or "" when single sign-on is not set up."""
    try:
        found = config()
    except RoleMapError:
        return ""
    return found.provider_name if found else ""


def redirect_uri() -> str:
    """The address the provider sends people back to: register exactly this with it (Entra ID: Redirect URI, Web)."""
    return f"{settings.VCSGRANTS_BASE_URL}/accounts/sso/callback/"


@functools.cache
def client(found: Config):
    """Authlib's client for this configuration: one per process, so discovery and the JWKS are fetched once (the
    JWKS again when a token names a key it does not hold, after the provider rotates its keys)."""
    from authlib.integrations.django_client import OAuth

    oauth = OAuth()
    return oauth.register(
        name="council",
        client_id=found.client_id,
        client_secret=found.client_secret,
        server_metadata_url=found.metadata_url,
        client_kwargs={"scope": found.scopes, "code_challenge_method": "S256", "default_timeout": TIMEOUT_SECONDS},
    )


def claims_options(found: Config) -> dict:
    """The ID token's issuer must be the configured one exactly (audience, expiry and nonce Authlib checks always)."""
    return {"iss": {"essential": True, "values": [found.issuer]}}


def check_discovery(found: Config, metadata: dict) -> None:
    """OpenID Connect Discovery: the document must name the issuer it was fetched from."""
    if metadata.get("issuer") != found.issuer:
        raise Refused(
            "Single sign-on is not set up correctly",
            f"The identity provider says its issuer is {metadata.get('issuer')!r}, not {found.issuer!r} "
            "(VCSGRANTS_OIDC_ISSUER). Tell the service's administrator.",
        )


# --- The user -------------------------------------------------------------------------------------------------


def _names(claims: dict) -> tuple[str, str]:
    first, last = (claims.get("given_name") or "").strip(), (claims.get("family_name") or "").strip()
    if not (first or last):
        first, _, last = (claims.get("name") or "").strip().partition(" ")
    return first[:150], last[:150]


def _email(claims: dict) -> str:
    """The e-mail claim, else Entra's preferred_username when it is an address (a user principal name)."""
    for value in (claims.get("email"), claims.get("preferred_username")):
        if isinstance(value, str) and "@" in value:
            return value.strip()[:254]
    return ""


def sign_in_user(claims: dict, found: Config) -> User:
    """The user these (checked) ID token claims sign in as, made or brought up to date; Refused if they may not.

    Someone who signed in before and is now in no mapped group loses their roles (recorded in the audit log, and
    their API tokens can then do nothing) before they are refused; someone new in no mapped group gets no account.
    """
    subject = str(claims.get("sub") or "")
    if not subject:
        raise Refused("You cannot sign in", "The identity provider did not say who you are (no subject claim).")
    groups = claimed_groups(claims, found.roles_claim)
    roles = roles_for(claims, found.roles, found.roles_claim, order=Role.values)
    first_name, last_name = _names(claims)
    email = _email(claims)
    no_access = Refused(
        "You do not have access to this service",
        "Your council account is not in any of the groups that give access to this service. "
        "If you need access, ask your line manager or the IT service desk to add you to the right group.",
    )
    with transaction.atomic():
        identity = (
            SsoIdentity.objects.select_for_update().select_related("user").filter(issuer=found.issuer, subject=subject).first()
        )
        if identity is None:
            if not roles:
                raise no_access
            handle = email or str(claims.get("preferred_username") or "") or subject
            return _first_sign_in(
                found, subject, groups, roles, handle=handle, email=email, first_name=first_name, last_name=last_name
            )
        person = identity.user
        if not person.is_active:
            raise Refused(
                "Your account is deactivated",
                f"Your account ({person.username}) has been deactivated in this service. "
                "If you need access again, ask one of the service's administrators to reactivate it.",
            )
        before = people.person_state(person)
        person.first_name, person.last_name = first_name or person.first_name, last_name or person.last_name
        person.email = email or person.email
        person.save(update_fields=["first_name", "last_name", "email"])
        people._set_roles(person, roles)
        identity.groups = groups
        identity.last_signed_in_at = timezone.now()
        identity.save(update_fields=["groups", "last_signed_in_at"])
        after = people.person_state(person)
        changes = [
            f"{what}: {before[what] or '(blank)'} → {after[what] or '(blank)'}" for what in after if before[what] != after[what]
        ]
        if changes:
            record_event(
                actor=person,
                verb="person.changed",
                obj=person,
                summary=f"Changed {person.display_name} ({person.username}) from the identity provider's claims at "
                "single sign-on: " + "; ".join(changes),
                data={"before": before, "after": after, "groups": groups, "via": "sso"},
            )
    if not roles:
        raise no_access
    return person


def _first_sign_in(found: Config, subject: str, groups: list[str], roles: list[str], **names: str) -> User:
    email = names["email"]
    person = User(
        username=people.suggest_username(names["handle"]),
        email=email,
        first_name=names["first_name"],
        last_name=names["last_name"],
    )
    person.set_unusable_password()
    person.save()
    people._set_roles(person, roles)
    SsoIdentity.objects.create(user=person, issuer=found.issuer, subject=subject, groups=groups, last_signed_in_at=timezone.now())
    labels = ", ".join(people.role_label(r) for r in roles)
    record_event(
        actor=person,
        verb="person.created_by_sso",
        obj=person,
        summary=f"{person.display_name} ({person.username}, {email or 'no e-mail address'}) signed in with single "
        f"sign-on for the first time: account made as {labels}",
        data={"roles": roles, "groups": groups, "issuer": found.issuer},
    )
    return person


class SsoBackend(PasswordBackend):
    """Keeps a single sign-on session's user (Django asks the backend that signed someone in). It never checks a
    password: `authenticate` always answers None, so no username and password can sign in through it. Permissions
    come from rules alone, as with the password backend it extends."""

    def authenticate(self, request, **credentials):
        return None


@checks.register(checks.Tags.security)
def check_sso_settings(app_configs=None, **kwargs):
    """`manage.py check` (and every start) says at once if the role map cannot be read."""
    try:
        found = config()
    except RoleMapError as exc:
        return [checks.Error(str(exc), id="vcsgrants.E020")]
    if found is None:
        return []
    problems = []
    if not found.client_secret:
        problems.append(checks.Error("VCSGRANTS_OIDC_CLIENT_SECRET is not set", id="vcsgrants.E021"))
    if not found.role_map:
        problems.append(
            checks.Warning("VCSGRANTS_OIDC_ROLE_MAP is empty: single sign-on will refuse everyone", id="vcsgrants.W022")
        )
    return problems
