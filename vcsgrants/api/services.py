"""API tokens, created and revoked by their own user: only a hash is stored, and the token is shown once."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from vcsgrants.api.models import ApiToken
from vcsgrants.core.audit import record_event
from vcsgrants.core.models import User


@transaction.atomic
def api_token_create(*, user: User, name: str) -> tuple[ApiToken, str]:
    """A new token for the user; the token itself is returned once and never stored."""
    name = name.strip()
    if not name:
        raise ValidationError({"name": "Give the token a name, so that you can tell your tokens apart."})
    if user.api_tokens.filter(name=name, revoked_at__isnull=True).exists():
        raise ValidationError({"name": f"You already have a token called {name}: revoke it or choose another name."})
    api_token, token = ApiToken.issue(user, name=name)
    record_event(actor=user, verb="api_token.created", obj=user, summary=f"Created API token {name} ({api_token.prefix}…)")
    return api_token, token


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
