"""python manage.py create_api_token USERNAME [--name NAME] [--expires-in-days N]: prints a new API token once."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from vcsgrants.api.models import ApiToken
from vcsgrants.api.services import expiry_after
from vcsgrants.core.dates import moment_text


class Command(BaseCommand):
    help = (
        "Create an API token for a user and print it. Only its hash is stored, so it cannot be shown again. "
        "Send it as 'Authorization: Bearer <token>'; the token sees exactly what the user sees."
    )

    def add_arguments(self, parser):
        parser.add_argument("username", help="The user the token acts as.")
        parser.add_argument("--name", default="", help="What the token is for, to tell tokens apart (up to 100 characters).")
        parser.add_argument(
            "--expires-in-days",
            type=int,
            default=None,
            help="Refuse the token this many days from now (at least 1). Left out: it works until revoked.",
        )

    def handle(self, *args, username: str, name: str, expires_in_days: int | None = None, **options):
        User = get_user_model()
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"There is no user called '{username}'. Check the username (it is case-sensitive).")
        if not user.is_active:
            raise CommandError(f"The user '{username}' is deactivated, so a token for them would not work.")
        if len(name) > 100:
            raise CommandError(f"--name is {len(name)} characters long; use at most 100.")
        if expires_in_days is not None and expires_in_days < 1:
            raise CommandError(f"--expires-in-days is {expires_in_days}; give at least 1, or leave it out for no expiry.")
        token_obj, token = ApiToken.issue(user, name=name, expires_at=expiry_after(expires_in_days))
        # The token alone goes to stdout, so a script can capture it; the advice goes to stderr.
        self.stderr.write(
            f"API token {token_obj.prefix}… for {user.username}"
            + (f" ({name})" if name else "")
            + (f", expiring at {moment_text(token_obj.expires_at)}" if token_obj.expires_at else "")
            + ". Copy it now: it is stored only as a hash and cannot be shown again."
        )
        self.stdout.write(token)
