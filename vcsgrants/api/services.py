"""API tokens, created and revoked by their own user: only a hash is stored, and the token is shown once."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from vcsgrants.api.models import ApiToken
from vcsgrants.core.audit import record_event
from vcsgrants.core.models import User

# The expiries offered on the tokens page, in days (None: until revoked).
EXPIRY_CHOICES_DAYS = (30, 90, 365)
REVOKED_NEW_PASSWORD = "its owner's password was changed"  # noqa: S105 - a reason, not a password
REVOKED_DEACTIVATED = "its owner's account was deactivated"


def expiry_after(days: int | None):
    """The moment a token made now for `days` days expires (None for no expiry)."""
    if days is None:
        return None
    if days < 1:
        raise ValidationError({"expires_in_days": "A token must last at least 1 day; leave it out for no expiry."})
    return timezone.now() + dt.timedelta(days=days)


@transaction.atomic
def api_token_create(*, user: User, name: str, expires_in_days: int | None = None) -> tuple[ApiToken, str]:
    """A new token for the user, optionally expiring; the token itself is returned once and never stored."""
    name = name.strip()
    if not name:
        raise ValidationError({"name": "Give the token a name, so that you can tell your tokens apart."})
    if user.api_tokens.filter(name=name, revoked_at__isnull=True).exists():
        raise ValidationError({"name": f"You already have a token called {name}: revoke it or choose another name."})
    api_token, token = ApiToken.issue(user, name=name, expires_at=expiry_after(expires_in_days))
    until = f", expiring after {expires_in_days} days" if expires_in_days else ""
    record_event(actor=user, verb="api_token.created", obj=user, summary=f"Created API token {name} ({api_token.prefix}…){until}")
    return api_token, token


def api_tokens_revoke_all(*, user: User, reason: str) -> int:
    """Revoke every token of the user that still works (its password changed, or it was deactivated)."""
    return ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(
        revoked_at=timezone.now(), revoked_reason=reason[:200]
    )


def revoke_on_password_change_or_deactivation(sender, instance: User, created: bool, **kwargs) -> None:
    """post_save of a user: a new password or a deactivated account revokes the user's tokens at once.

    Django marks a password set by set_password (a change, a reset, the admin) until the save that stores it; a
    hash upgraded at sign-in is not marked, so it revokes nothing."""
    if created or kwargs.get("raw"):
        return
    if not instance.is_active:
        api_tokens_revoke_all(user=instance, reason=REVOKED_DEACTIVATED)
    elif getattr(instance, "_password", None) is not None:
        api_tokens_revoke_all(user=instance, reason=REVOKED_NEW_PASSWORD)


@transaction.atomic
def api_token_revoke(*, api_token: ApiToken, actor: User) -> ApiToken:
    """Revoked at once: the next request with it is refused. Revoking twice changes nothing."""
    api_token = ApiToken.objects.select_for_update().get(pk=api_token.pk)
    if api_token.revoked_at is None:
        api_token.revoked_at = timezone.now()
        api_token.save(update_fields=["revoked_at"])
        record_event(
            actor=actor,
            verb="api_token.revoked",
            obj=api_token.user,
            summary=f"Revoked API token {api_token.name or api_token.prefix} ({api_token.prefix}…)",
        )
    return api_token
