"""Invite a person from the command line (a scripted install): the same service as the People page.

    manage.py invite_user --email jo@example.org --role officer [--organisation SLUG] [--name "Jo Smith"]
        [--username jo] [--by ADMIN_USERNAME] [--print-link]

The invitation e-mail is queued in the outbox; `manage.py send_notifications` sends it. With --print-link (or
when no SMTP server is configured, EMAIL_HOST unset) the command also prints the set-your-password link, for
whoever runs it to pass on. The audit log records the invitation as made by --by, or by the command.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from vcsgrants.core.models import Organisation, Role, User
from vcsgrants.core.people import invitation_path, person_invite, suggest_username


class Command(BaseCommand):
    help = "Invite a person by e-mail with a role (and an organisation for provider, partner and applicant users)."

    def add_arguments(self, parser):
        parser.add_argument("--email", required=True, help="Their e-mail address: the invitation goes there.")
        parser.add_argument("--role", required=True, choices=Role.values, help="Their role.")
        parser.add_argument("--organisation", default="", help="The slug of their organisation (see /organisations/).")
        parser.add_argument("--name", default="", help='Their name, for example "Jo Smith".')
        parser.add_argument("--username", default="", help="What they sign in with (default: from the e-mail address).")
        parser.add_argument("--by", default="", help="The username of the administrator inviting them, for the audit log.")
        parser.add_argument("--print-link", action="store_true", help="Print the set-your-password link.")

    def handle(self, *args, email, role, organisation, name, username, by, print_link, **options):
        org = None
        if organisation:
            org = Organisation.objects.filter(slug=organisation).first()
            if org is None:
                raise CommandError(f"--organisation: no organisation has the slug {organisation!r}.")
        actor = None
        if by:
            actor = User.objects.filter(username=by, is_active=True).first()
            if actor is None:
                raise CommandError(f"--by: no active user is called {by!r}.")
        first, _, last = name.strip().partition(" ")
        try:
            person = person_invite(
                actor=actor,
                email=email,
                first_name=first,
                last_name=last,
                username=username or suggest_username(email),
                role=role,
                organisation=org,
                via="command",
            )
        except ValidationError as exc:
            problems = [f"--{field.replace('first_name', 'name')}: {m}" for field, ms in exc.message_dict.items() for m in ms]
            raise CommandError("\n".join(problems)) from exc
        self.stdout.write(
            f"Invited {person.display_name} (username {person.username}) as {Role(role).label}. "
            "The invitation is in the outbox: `manage.py send_notifications` sends it."
        )
        if print_link or not settings.EMAIL_HOST:
            self.stdout.write(f"Set-your-password link: {settings.VCSGRANTS_BASE_URL}{invitation_path(person)}")
