"""The app's settings for a worker started as a subprocess by tests/core/test_jobs.py: e-mails written as files
into the test's folder (VCSGRANTS_TEST_MAIL_DIR), so the test can count what was sent."""

import os

from vcsgrants.settings import *  # noqa: F403

EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
EMAIL_FILE_PATH = os.environ["VCSGRANTS_TEST_MAIL_DIR"]
