"""python manage.py create_api_token USERNAME [--name NAME]: prints a new API token once."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from vcsgrants.api.models import ApiToken


class Command(BaseCommand):
    help = (
        "Create an API token for a user and print it. Only its hash is stored, so it cannot be shown again. "
        "Send it as 'Authorization: Bearer <token>'; the token sees exactly what the user sees."
    )

    def add_arguments(self, parser):
        parser.add_argument("username", help="The user the token acts as.")
        parser.add_argument("--name", default="", help="What the token is for, to tell tokens apart (up to 100 characters).")

    def handle(self, *args, username: str, name: str, **options):
        User = get_user_model()
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"There is no user called '{username}'. Check the username (it is case-sensitive).")
        if not user.is_active:
            raise CommandError(f"The user '{username}' is deactivated, so a token for them would not work.")
        if len(name) > 100:
            raise CommandError(f"--name is {len(name)} characters long; use at most 100.")
        token_obj, token = ApiToken.issue(user, name=name)
        # The token alone goes to stdout, so a script can capture it; the advice goes to stderr.
        self.stderr.write(
            f"API token {token_obj.prefix}… for {user.username}"
            + (f" ({name})" if name else "")
            + ". Copy it now: it is stored only as a hash and cannot be shown again."
        )
        self.stdout.write(token)
