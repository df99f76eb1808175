"""What the in-process benchmarks share: Django set up on a database of their own, answering the test client as in
production (DEBUG off), with the schema made.

    from common import start_django   # bench/ is on sys.path when a benchmark runs as a script
    start_django()                    # a throwaway SQLite database (or DATABASE_URL's), migrated
"""

from __future__ import annotations

import os
import tempfile


def start_django(*, throwaway: bool = True, migrate: bool = True) -> None:
    """Set Django up with the development settings. `throwaway`: in a new temporary VCSGRANTS_VAR_DIR unless one is
    set (so SQLite's file is the benchmark's own); `migrate`: make the schema. DEBUG is off (no query log growing
    through the run) and the test client's host is allowed."""
    if throwaway:
        os.environ.setdefault("VCSGRANTS_VAR_DIR", tempfile.mkdtemp(prefix="vcsgrants-bench-"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vcsgrants.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.ALLOWED_HOSTS = ["testserver"]
    settings.DEBUG = False
    if migrate:
        call_command("migrate", verbosity=0)
