"""python manage.py revoke_api_token USERNAME [--prefix PREFIX]: stop a user's API tokens working."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from vcsgrants.api.models import ApiToken


class Command(BaseCommand):
    help = "Revoke a user's API tokens (all of them, or the one whose first characters are --prefix). Revoked tokens get 401."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--prefix", default="", help="The token's first characters, as shown when it was created (vcsg_…).")

    def handle(self, *args, username: str, prefix: str, **options):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"There is no user called '{username}'. Check the username (it is case-sensitive).")
        tokens = ApiToken.objects.filter(user=user, revoked_at__isnull=True)
        if prefix:
            tokens = tokens.filter(prefix=prefix[:12])
        revoked = list(tokens)
        if not revoked:
            which = f" starting {prefix}" if prefix else ""
            raise CommandError(f"{username} has no active API token{which}.")
        tokens.update(revoked_at=timezone.now())
        for token in revoked:
            self.stdout.write(f"Revoked {token.prefix}…" + (f" ({token.name})" if token.name else "") + f" for {username}.")
