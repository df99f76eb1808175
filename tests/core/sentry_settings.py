"""The production settings with one page that fails, for the error-reporting test (tests/core/test_observability.py)."""

from vcsgrants.production import *  # noqa: F403

ROOT_URLCONF = "tests.core.urls_sentry"
# The error page links its stylesheet; nothing is collected for this test, so no manifest of hashed names.
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}  # noqa: F405
