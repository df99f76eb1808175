"""Production settings: DJANGO_SETTINGS_MODULE=vcsgrants.production.

Refuses to start without a real SECRET_KEY; serves over HTTPS only.

The demo app (vcsgrants.demo: `load_demo`, `generate_scale_data` and the fake data behind them) is not
installed here, so `manage.py load_demo` does not exist under these settings: the demo creates logins with a
published password and must never reach a real database. `PRODUCTION = True` also makes vcsgrants.demo refuse
to be imported, should anyone add it back to INSTALLED_APPS. Load the demo with the default settings
(vcsgrants.settings) on a database of its own.
"""

import os

from django.core.exceptions import ImproperlyConfigured

from vcsgrants.settings import *  # noqa: F403

DEBUG = False
PRODUCTION = True
INSTALLED_APPS = [app for app in INSTALLED_APPS if app != "vcsgrants.demo"]  # noqa: F405 - no demo in production
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if len(SECRET_KEY) < 50:
    raise ImproperlyConfigured("Set SECRET_KEY to a random string of at least 50 characters.")

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)  # noqa: F405
# A load balancer's health checks come over plain HTTP: never redirected (HealthCheckMiddleware answers them first).
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = 60 * 60 * 24 * 365
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
WHITENOISE_USE_FINDERS = False
WHITENOISE_AUTOREFRESH = False
# Uploaded files: the local disk (MEDIA_ROOT) unless VCSGRANTS_STORAGE names a shared store (settings.storage_config).
STORAGES = {
    "default": storage_config(),  # noqa: F405
    "staticfiles": {"BACKEND": "vcsgrants.core.staticfiles.StaticFilesStorage"},
}

# Database connections are kept open between requests: PostgreSQL's for 60 s with a health check (settings.database_config,
# CONN_MAX_AGE and CONN_HEALTH_CHECKS), and SQLite's too here, where each gunicorn worker is one process with one
# thread: opening one costs about 3 ms of CPU a request (docs/development/benchmarks.md), and a kept connection is
# the one SQLite's periodic PRAGMA optimize learns from (core.database). SQLITE_CONN_MAX_AGE=0: a connection a request.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    DATABASES["default"]["CONN_MAX_AGE"] = int(os.environ.get("SQLITE_CONN_MAX_AGE", 300))  # noqa: F405
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True  # noqa: F405

# One cache shared by every gunicorn worker and every app server (the consultation form's rate
# limit counts in it, and the performance figures are kept in it: core.figures_cache): a table in the database.
# `migrate` makes it (core.database.make_cache_tables, as `createcachetable` would).
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "vcsgrants_cache",
    }
}

# nginx in front (deploy/nginx.conf) appends the visitor's address to X-Forwarded-For; the sign-in
# lockout and the consultation form's rate limit both count that address (core.signin.client_ip).
# Set TRUSTED_PROXIES=0 if nothing is in front, 2 behind a load balancer and nginx.
TRUSTED_PROXIES = int(os.environ.get("TRUSTED_PROXIES", "1"))

# JSON logs, one line per request, with the request id (vcsgrants/core/observability.py).
LOGGING = logging_config(  # noqa: F405
    os.environ.get("VCSGRANTS_LOG_FORMAT", "json").strip().lower(),
    env_bool("VCSGRANTS_REQUEST_LOG", True),  # noqa: F405
    os.environ.get("VCSGRANTS_LOG_LEVEL", "WARNING").upper(),
)

# Two-factor sign-in: the council staff roles must use an authenticator app when they sign in with a password
# (docs/operations/security.md). VCSGRANTS_TWO_FACTOR_REQUIRED_ROLES names other roles, or "none" to require it of
# nobody; single sign-on is never asked for a code.
STAFF_ROLES = ["admin", "officer", "finance", "cabinet"]  # core.people.STAFF_ROLES (tests/core/test_two_factor.py)
VCSGRANTS_TWO_FACTOR_REQUIRED_ROLES = env_roles("VCSGRANTS_TWO_FACTOR_REQUIRED_ROLES", STAFF_ROLES)  # noqa: F405
