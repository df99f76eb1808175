"""The demo: fake data for trying the service, testing it and benchmarking it, kept apart from the runtime apps.

- `manage.py load_demo` loads the demo programme (the county's VCS infrastructure programme as its Cabinet
  minutes describe it, with fictional providers labelled "(demo)") and the demo logins, one module per area:
  `funding` (reference data, the programme and its money), `names`, `multiyear`, `monitoring`, `meetings`,
  `equity`, `reports`, `consultations`, `opendata`, `calls`, `calls_apply`, `calls_assess`, `notifications`.
  `guard` decides whether a database may take the demo: it refuses one holding anything the demo did not create.
- `manage.py generate_scale_data` (`scale_data`) writes a large fake dataset for the benchmarks.

Nothing outside this package imports it (tests and bench/ may): the runtime apps work without it. It is not
installed under the production settings (vcsgrants.production), and refuses to be imported there, because the
demo creates logins with a published password.
"""

from __future__ import annotations

import os

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

PRODUCTION_REFUSAL = (
    "The demo (vcsgrants.demo: load_demo, generate_scale_data) is not available under the production settings "
    "(PRODUCTION = True in {module}): it creates logins with a published password and must never run against a real "
    "database. Use DJANGO_SETTINGS_MODULE=vcsgrants.settings with a database of the demo's own."
)


def production_settings_active() -> bool:
    """Whether the settings in force are the production ones (PRODUCTION = True)."""
    if not settings.configured and not os.environ.get("DJANGO_SETTINGS_MODULE"):
        return False  # no settings at all (a tool reading the source): nothing to protect
    return bool(getattr(settings, "PRODUCTION", False))


def refuse_under_production() -> None:
    """Raise ImproperlyConfigured, with a message saying why and what to do, under the production settings."""
    if production_settings_active():
        module = getattr(settings, "SETTINGS_MODULE", None) or os.environ.get("DJANGO_SETTINGS_MODULE", "the settings")
        raise ImproperlyConfigured(PRODUCTION_REFUSAL.format(module=module))


refuse_under_production()
