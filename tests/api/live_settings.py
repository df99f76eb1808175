"""Settings for the live API server that tests/api/test_schemathesis_live.py starts: the app's own, with the fast
password hasher the other tests use (the demo's users would otherwise cost a second each to create)."""

from vcsgrants.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
