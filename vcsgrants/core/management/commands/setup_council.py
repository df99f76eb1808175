"""`manage.py setup_council --as USERNAME [--council-name …] [--logo PATH] …`: the council settings for a scripted install.

The same checks and audit event as the council settings page (core.council.council_settings_save); only the options
given change; running it again with the same options changes nothing.
"""

from __future__ import annotations

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.management.base import BaseCommand, CommandError

from vcsgrants.core import council
from vcsgrants.core.models import CouncilSettings, User

# option → field of CouncilSettings
OPTIONS = {
    "council_name": "--council-name",
    "council_org_id": "--org-id",
    "service_name": "--service-name",
    "contact_email": "--contact-email",
    "footer_text": "--footer-text",
    "email_sign_off": "--email-sign-off",
    "area_word": "--area-word",
    "area_word_plural": "--area-word-plural",
    "whole_area_name": "--whole-area-name",
    "service_phase": "--service-phase",
    "accessibility_contact": "--accessibility-contact",
    "privacy_notice": "--privacy-notice",
}


class Command(BaseCommand):
    help = (
        "Set the council's settings (name, Org-ID, service name, logo, contact, footer, e-mail sign-off, area words, "
        "phase banner, accessibility contact, privacy notice), "
        "as the council settings page does. Only the options given change; an empty value ('') clears a field."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--as", dest="username", required=True, help="The administrator the change is recorded against (audit log)."
        )
        for field, option in OPTIONS.items():
            model_field = CouncilSettings._meta.get_field(field)
            parser.add_argument(option, dest=field, default=None, help=str(model_field.help_text or model_field.verbose_name))
        parser.add_argument("--logo", type=Path, default=None, help=council.LOGO_HINT)
        parser.add_argument("--remove-logo", action="store_true", help="Remove the logo.")

    def handle(self, *args, username: str, logo: Path | None, remove_logo: bool, **options):
        actor = User.objects.filter(username=username).first()
        if actor is None:
            raise CommandError(f"No user called '{username}'. Create one first (manage.py createsuperuser).")
        changes = {field: options[field] for field in OPTIONS if options.get(field) is not None}
        try:
            if logo is not None:
                if not logo.is_file():
                    raise CommandError(f"--logo: {logo}: no such file.")
                with logo.open("rb") as handle:
                    _, changed = council.council_settings_save(
                        actor=actor, changes=changes, logo=File(handle, name=logo.name), via="command"
                    )
            else:
                _, changed = council.council_settings_save(actor=actor, changes=changes, remove_logo=remove_logo, via="command")
        except ValidationError as exc:
            raise CommandError(self._problems(exc)) from None
        if not changed:
            self.stdout.write("Nothing changed: the council settings already say that.")
            return
        self.stdout.write("Council settings changed:")
        for line in changed:
            self.stdout.write(f"  {line}")

    @staticmethod
    def _problems(exc: ValidationError) -> str:
        if not hasattr(exc, "error_dict"):
            return " ".join(exc.messages)
        names = {**OPTIONS, "logo": "--logo"}
        return " ".join(f"{names.get(field, field)}: {' '.join(messages)}" for field, messages in exc.message_dict.items())
