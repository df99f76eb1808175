#!/usr/bin/env python
import os
import sys

# The demo app's commands. The production settings do not install the demo app (see vcsgrants/production.py), so
# Django would answer only "Unknown command"; say why instead.
DEMO_COMMANDS = {"load_demo", "generate_scale_data"}


def refuse_demo_commands_in_production(argv: list[str]) -> None:
    if len(argv) < 2 or argv[1] not in DEMO_COMMANDS:
        return
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured

    try:
        production = getattr(settings, "PRODUCTION", False)
    except ImproperlyConfigured:
        return  # broken settings: Django reports them
    if production:
        sys.exit(
            f"{argv[1]} is not available under the production settings ({settings.SETTINGS_MODULE}): it belongs to "
            "the demo app (vcsgrants.demo), which the production settings do not install, because the demo creates "
            "logins with a published password and must never run against a real database. Use "
            "DJANGO_SETTINGS_MODULE=vcsgrants.settings with a database of the demo's own."
        )


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vcsgrants.settings")
    refuse_demo_commands_in_production(sys.argv)
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
