"""`Authorization: Bearer <token>` for scripts; tokens are stored only as their sha256 hash."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed

from vcsgrants.api.models import ApiToken, hash_token
from vcsgrants.core.dates import moment_text

# Recording every use would write to the database on every request; once a minute is enough
# to tell which tokens are still in use.
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)


class BearerTokenAuthentication(BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword.lower().encode():
            return None  # not ours: let the next authentication class try
        if len(parts) != 2:
            raise AuthenticationFailed("Give the token after 'Bearer', with no spaces in it: Authorization: Bearer <token>.")
        try:
            token = parts[1].decode("ascii")
        except UnicodeDecodeError as exc:
            raise AuthenticationFailed("The token contains characters that no token has.") from exc
        return self.authenticate_token(token)

    def authenticate_token(self, token: str):
        api_token = ApiToken.objects.select_related("user").filter(token_hash=hash_token(token)).first()
        if api_token is None:
            raise AuthenticationFailed("This token is not recognised.")
        if api_token.revoked_at is not None:
            reason = f" ({api_token.revoked_reason})" if api_token.revoked_reason else ""
            raise AuthenticationFailed(f"This token has been revoked{reason}. Create a new one on the API tokens page.")
        if not api_token.user.is_active:
            raise AuthenticationFailed("The account this token belongs to is deactivated.")
        now = timezone.now()
        if api_token.has_expired(now):
            raise AuthenticationFailed(
                f"This token expired at {moment_text(api_token.expires_at)}. Create a new one on the API tokens page."
            )
        if api_token.last_used_at is None or now - api_token.last_used_at >= LAST_USED_RESOLUTION:
            ApiToken.objects.filter(pk=api_token.pk).update(last_used_at=now)
            api_token.last_used_at = now
        return api_token.user, api_token

    def authenticate_header(self, request) -> str:
        # A value here makes DRF answer 401 (not 403) to a request with no credentials.
        return self.keyword


class BearerTokenScheme(OpenApiAuthenticationExtension):
    """Describes the bearer token in the OpenAPI document."""

    target_class = "vcsgrants.api.authentication.BearerTokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A token from `python manage.py create_api_token USERNAME`, sent as `Authorization: Bearer <token>`.",
        }
