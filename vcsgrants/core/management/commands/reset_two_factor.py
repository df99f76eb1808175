"""Reset a person's two-factor sign-in from the server (the last administrator has lost their phone and codes):

    manage.py reset_two_factor USERNAME

The same reset as the People page's: their authenticator app and recovery codes stop working, and the audit log
records it as done with this command.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from vcsgrants.core import two_factor
from vcsgrants.core.models import User


class Command(BaseCommand):
    help = "Reset a person's two-factor sign-in (authenticator app and recovery codes)."

    def add_arguments(self, parser):
        parser.add_argument("username", help="Who to reset.")

    def handle(self, *args, username, **options):
        person = User.objects.filter(username=username).first()
        if person is None:
            raise CommandError(f"No user is called {username!r}.")
        try:
            two_factor.reset(person=person, actor=None)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        self.stdout.write(f"Two-factor sign-in is reset for {person.display_name} ({person.username}).")
