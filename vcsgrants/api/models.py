"""API tokens for scripts: only a hash is stored; the token is shown once when created."""

from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class ApiToken(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, blank=True)
    prefix = models.CharField(max_length=12, help_text="The first characters, to tell tokens apart.")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    # Why it was revoked, when not by hand: its owner's password changed, or the account was deactivated.
    revoked_reason = models.CharField(max_length=200, blank=True)
    # Refused from this moment on; None: until revoked.
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.user} {self.prefix}…"

    @classmethod
    def issue(cls, user, name: str = "", expires_at=None) -> tuple[ApiToken, str]:
        token = "vcsg_" + secrets.token_urlsafe(32)
        api_token = cls.objects.create(
            user=user, name=name, prefix=token[:12], token_hash=hash_token(token), expires_at=expires_at
        )
        return api_token, token

    def has_expired(self, now=None) -> bool:
        return self.expires_at is not None and (now or timezone.now()) >= self.expires_at
