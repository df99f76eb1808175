"""Settings for VCS Grants.

Everything a deployer changes comes from the environment: DATABASE_URL, SECRET_KEY,
ALLOWED_HOSTS, DEBUG. With no DATABASE_URL the app uses a SQLite file under var/.
Production hardening lives in vcsgrants/production.py.
"""

import datetime as dt
import os
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("VCSGRANTS_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


DEBUG = env_bool("DEBUG", False)
# True only in production.py: the demo app (vcsgrants.demo) refuses to be imported, and load_demo to run, when it is.
PRODUCTION = False
# The development key is only ever used locally; production.py refuses to start without SECRET_KEY.
SECRET_KEY = os.environ.get("SECRET_KEY", "dev-only-insecure-key-change-me-0123456789abcdefghijklmnop")
ALLOWED_HOSTS = [h.strip() for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",") if h.strip()]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.forms",
    "rules.apps.AutodiscoverRulesConfig",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",  # the authenticator app (two-factor sign-in, vcsgrants/core/two_factor.py)
    "django_otp.plugins.otp_static",  # its recovery codes
    "simple_history",
    "rest_framework",
    "drf_spectacular",
    "django_tasks",  # Django's tasks framework, the backport (background work: vcsgrants/core/jobs.py)
    "django_tasks_db",  # its database backend: the queue is a table, the worker is manage.py run_worker
    "vcsgrants.core",
    "vcsgrants.funding",
    "vcsgrants.monitoring",
    "vcsgrants.equity",
    "vcsgrants.reports",
    "vcsgrants.opendata",
    "vcsgrants.engagement",
    "vcsgrants.calls",
    "vcsgrants.notifications",
    "vcsgrants.api",
    "vcsgrants.hub",
    "vcsgrants.workbook",
    "vcsgrants.demo",  # load_demo and the fake data; production.py leaves it out
]

MIDDLEWARE = [
    # First: /healthz and /readyz for load balancers, whatever the Host header, over plain HTTP (vcsgrants/core/health.py).
    "vcsgrants.core.health.HealthCheckMiddleware",
    # The request id (X-Request-ID in and out) and one log line per request (vcsgrants/core/observability.py).
    "vcsgrants.core.observability.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "vcsgrants.core.sessions.IdleSessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "vcsgrants.core.middleware.LoginRequiredMiddleware",
    # "Error: " before the <title> of any page showing an error (GOV.UK error summary pattern).
    "vcsgrants.core.middleware.ErrorTitleMiddleware",
    # Two-factor sign-in: OTPMiddleware tells whether this session has given its code; a password session that has not
    # (or must set it up first) reaches only that page (vcsgrants/core/two_factor.py).
    "django_otp.middleware.OTPMiddleware",
    "vcsgrants.core.two_factor.TwoFactorMiddleware",
    # A lock wait beyond the database's busy timeout: 503 with a retry message (JSON for /api/), never a 500.
    "vcsgrants.core.middleware.DatabaseBusyMiddleware",
    # Last, so that it sees the outcome of every sign-in (see vcsgrants/core/signin.py).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "vcsgrants.urls"
WSGI_APPLICATION = "vcsgrants.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "vcsgrants" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "vcsgrants.hub.navigation.navigation",
                "vcsgrants.core.council.council",
            ],
            "builtins": [
                "vcsgrants.core.templatetags.money",
                "vcsgrants.core.templatetags.tables",
                "vcsgrants.core.templatetags.govuk_forms",
            ],
        },
    }
]
# Every Django form renders with GOV.UK markup (label, hint, error message) from our own templates.
FORM_RENDERER = "vcsgrants.core.forms.GovukFormRenderer"

SQLITE_PATH = VAR_DIR / "vcsgrants.sqlite3"
# Every SQLite database, whether the default file or one named by DATABASE_URL=sqlite:///…, gets the same
# safety settings: writers queue for the lock (IMMEDIATE transactions, a busy timeout) instead of failing with
# "database is locked", in WAL mode so readers never wait for a writer. A wait beyond the timeout answers 503
# with a retry message (vcsgrants/core/middleware.py), never a 500.
SQLITE_BUSY_TIMEOUT = int(os.environ.get("SQLITE_BUSY_TIMEOUT", 20))
SQLITE_OPTIONS = {
    "transaction_mode": "IMMEDIATE",
    "timeout": SQLITE_BUSY_TIMEOUT,
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
}


def database_config(url: str | None) -> dict:
    """The default database: PostgreSQL (or SQLite) from a URL, else the SQLite file under var/."""
    if not url:
        VAR_DIR.mkdir(parents=True, exist_ok=True)  # a fresh clone has no var/ yet; SQLite will not create folders
        return {"ENGINE": "django.db.backends.sqlite3", "NAME": SQLITE_PATH, "OPTIONS": dict(SQLITE_OPTIONS)}
    config = dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True)
    if config["ENGINE"] == "django.db.backends.sqlite3":
        # One path for every SQLite database: the same options as the default file, whatever the URL says.
        config["OPTIONS"] = {**config.get("OPTIONS", {}), **SQLITE_OPTIONS}
        config["CONN_MAX_AGE"] = 0
        config["CONN_HEALTH_CHECKS"] = False
    return config


DATABASES = {"default": database_config(os.environ.get("DATABASE_URL"))}
# SQLite's PRAGMA optimize at the end of every this-many requests of a process, on a connection kept open
# (CONN_MAX_AGE): it re-analyses what the connection's queries found stale (vcsgrants/core/database.py). 0: never.
SQLITE_OPTIMIZE_EVERY = int(os.environ.get("SQLITE_OPTIMIZE_EVERY", 500))
# The performance figures (dashboards, home-page headlines) are kept in the shared cache (CACHES) for this long,
# keyed by a version of the data they read, so a change shows at once (vcsgrants/core/figures_cache.py). 0: off.
VCSGRANTS_FIGURES_CACHE_SECONDS = int(os.environ.get("VCSGRANTS_FIGURES_CACHE_SECONDS", 24 * 60 * 60))

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "core.User"
AUTHENTICATION_BACKENDS = [
    # First: refuses sign-in while a username or address is locked out.
    "vcsgrants.core.signin.LockoutBackend",
    "rules.permissions.ObjectPermissionBackend",
    "vcsgrants.core.backends.PasswordBackend",
    # Keeps single sign-on sessions (vcsgrants/core/sso.py); it never accepts a password.
    "vcsgrants.core.sso.SsoBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "hub:home"
LOGOUT_REDIRECT_URL = "login"
# Django's rules, with refusals in GOV.UK words (vcsgrants/core/passwords.py).
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "vcsgrants.core.passwords.UserAttributeSimilarityValidator"},
    {"NAME": "vcsgrants.core.passwords.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "vcsgrants.core.passwords.CommonPasswordValidator"},
    {"NAME": "vcsgrants.core.passwords.NumericPasswordValidator"},
]
# Forgotten passwords (vcsgrants/core/password_reset.py): the link in the e-mail works once, for 24 hours;
# an account gets at most 3 reset e-mails an hour.
PASSWORD_RESET_TIMEOUT = int(os.environ.get("PASSWORD_RESET_HOURS", 24)) * 60 * 60
PASSWORD_RESET_EMAILS_PER_HOUR = 3
# Staff single sign-on with the council's identity provider (OpenID Connect, vcsgrants/core/sso.py; see
# docs/operations/single-sign-on.md). Off unless both the issuer and the client id are set.
VCSGRANTS_OIDC_ISSUER = os.environ.get("VCSGRANTS_OIDC_ISSUER", "").strip()
VCSGRANTS_OIDC_CLIENT_ID = os.environ.get("VCSGRANTS_OIDC_CLIENT_ID", "").strip()
VCSGRANTS_OIDC_CLIENT_SECRET = os.environ.get("VCSGRANTS_OIDC_CLIENT_SECRET", "")
# The button on the sign-in page says "Sign in with <this>".
VCSGRANTS_OIDC_PROVIDER_NAME = os.environ.get("VCSGRANTS_OIDC_PROVIDER_NAME", "your council account")
# JSON: the identity provider's group (or app role) → the service's role, e.g. {"grants-officers": "officer"}.
VCSGRANTS_OIDC_ROLE_MAP = os.environ.get("VCSGRANTS_OIDC_ROLE_MAP", "")
# The ID token claim holding the groups: "groups" (Entra ID security groups), or "roles" (Entra ID app roles).
VCSGRANTS_OIDC_ROLES_CLAIM = os.environ.get("VCSGRANTS_OIDC_ROLES_CLAIM", "groups")
VCSGRANTS_OIDC_SCOPES = os.environ.get("VCSGRANTS_OIDC_SCOPES", "openid email profile")
# Sessions end after 2 hours without a request and when the browser closes. Requests move the
# end on (IdleSessionMiddleware: a save at most once a minute, not on every request).
SESSION_COOKIE_AGE = int(os.environ.get("SESSION_IDLE_SECONDS", 2 * 60 * 60))
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# Sign-in lockout (django-axes; vcsgrants/core/signin.py): 5 failed sign-ins within 15 minutes
# lock that username, and that address, until 15 minutes after the last failure. Failures are
# counted in the database, so every gunicorn worker and every app server sees the same count.
AXES_FAILURE_LIMIT = int(os.environ.get("SIGNIN_FAILURE_LIMIT", 5))
AXES_COOLOFF_TIME = dt.timedelta(minutes=int(os.environ.get("SIGNIN_LOCKOUT_MINUTES", 15)))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
# Trying again while locked out does not push the end of the lock further away.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_CLIENT_IP_CALLABLE = "vcsgrants.core.signin.client_ip"
# Proxies in front that append the visitor's address to X-Forwarded-For (nginx: 1; the production settings
# default to 1). The sign-in lockout and the consultation rate limit count the same address (core.signin.client_ip).
TRUSTED_PROXIES = int(os.environ.get("TRUSTED_PROXIES", 0))
AXES_LOCKOUT_CALLABLE = "vcsgrants.core.signin.lockout_response"
AXES_VERBOSE = False


def env_roles(name: str, default: list[str]) -> list[str]:
    """A list of roles from the environment: unset or blank → the default; "none" → no role; else comma-separated."""
    value = os.environ.get(name, "")
    if not value.strip():
        return list(default)
    return [] if value.strip().lower() == "none" else [part.strip().lower() for part in value.split(",") if part.strip()]


# Two-factor sign-in (vcsgrants/core/two_factor.py; docs/adr/0021): the roles that must use an authenticator app
# when they sign in with a password (a superuser counts as an administrator). Anyone else may turn it on for
# themselves. None here, for the demo, `make run` and the tests; the production settings default to the council
# staff roles (admin, officer, finance, cabinet). Single sign-on is never asked: the identity provider does that.
VCSGRANTS_TWO_FACTOR_REQUIRED_ROLES = env_roles("VCSGRANTS_TWO_FACTOR_REQUIRED_ROLES", [])
# Wrong codes: after n in a row, the next is not checked for 2^(n-1) seconds times this (1, 2, 4, 8 … seconds).
OTP_TOTP_THROTTLE_FACTOR = int(os.environ.get("VCSGRANTS_TWO_FACTOR_THROTTLE_FACTOR", 1))

# Content-Security-Policy: every page loads its scripts, styles, fonts and images from this site
# only, with no inline script or style (GOV.UK Frontend starts from static/vcsgrants-init.js).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
# Browser features the service never uses are switched off for it and anything it embeds.
PERMISSIONS_POLICY = {
    feature: []
    for feature in ("camera", "microphone", "geolocation", "payment", "usb", "accelerometer", "gyroscope", "magnetometer")
}
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
# Where `collectstatic` puts the files whitenoise serves in production.
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "vcsgrants" / "static"]
# `make run` serves static files straight from the source folders; production.py serves the
# collected, hashed copies instead (python manage.py collectstatic).
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))


def storage_config(env=os.environ) -> dict:
    """Where uploaded files are kept, from VCSGRANTS_STORAGE: "local" (the default: MEDIA_ROOT on this server's
    disk), "s3" (an S3-compatible object store, shared by every app server) or "azure" (Azure Blob Storage).
    Files are never served from the store's own address: every download goes through a permission-checked view.
    See docs/operations/configuration.md."""
    kind = env.get("VCSGRANTS_STORAGE", "local").strip().lower() or "local"
    if kind == "local":
        return {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    if kind == "s3":
        if not env.get("VCSGRANTS_S3_BUCKET"):
            raise ImproperlyConfigured("VCSGRANTS_STORAGE=s3 needs VCSGRANTS_S3_BUCKET (the bucket's name).")
        options = {
            "bucket_name": env["VCSGRANTS_S3_BUCKET"],
            "endpoint_url": env.get("VCSGRANTS_S3_ENDPOINT_URL") or None,  # empty: Amazon S3 itself
            "region_name": env.get("VCSGRANTS_S3_REGION") or None,
            # Empty: boto3's own chain (AWS_ACCESS_KEY_ID…, an instance or pod role).
            "access_key": env.get("VCSGRANTS_S3_ACCESS_KEY_ID") or None,
            "secret_key": env.get("VCSGRANTS_S3_SECRET_ACCESS_KEY") or None,
            "location": env.get("VCSGRANTS_S3_PREFIX", "").strip("/"),
            "addressing_style": env.get("VCSGRANTS_S3_ADDRESSING_STYLE") or None,  # "path" for some S3-compatible stores
            # Two uploads of "report.pdf" are two files, as on the local disk, never one overwriting the other.
            "file_overwrite": False,
            "default_acl": None,  # the bucket's own: keep it private
            "querystring_auth": True,
        }
        return {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": options}
    if kind == "azure":
        # Needs `pip install azure-storage-blob` (not in requirements.txt; not covered by the tests).
        if not env.get("VCSGRANTS_AZURE_CONTAINER"):
            raise ImproperlyConfigured("VCSGRANTS_STORAGE=azure needs VCSGRANTS_AZURE_CONTAINER.")
        options = {
            "azure_container": env["VCSGRANTS_AZURE_CONTAINER"],
            "connection_string": env.get("VCSGRANTS_AZURE_CONNECTION_STRING") or None,
            "account_name": env.get("VCSGRANTS_AZURE_ACCOUNT_NAME") or None,
            "account_key": env.get("VCSGRANTS_AZURE_ACCOUNT_KEY") or None,
            "overwrite_files": False,
        }
        return {"BACKEND": "storages.backends.azure_storage.AzureStorage", "OPTIONS": options}
    raise ImproperlyConfigured(f"VCSGRANTS_STORAGE is {kind!r}: use local, s3 or azure.")


STORAGES = {
    "default": storage_config(),
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Uploaded documents are served only through permission-checked views, never from MEDIA_URL.
MEDIA_URL = "/media-not-served/"
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
MAX_DOCUMENT_BYTES = 20 * 1024 * 1024

SHARED_DATA_DIR = Path(os.environ.get("VCSGRANTS_SHARED_DATA", BASE_DIR / "data"))

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "vcsgrants.api.authentication.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "vcsgrants.api.pagination.Pagination",  # limit and offset; limit at most 1000
    "PAGE_SIZE": 100,
    "COERCE_DECIMAL_TO_STRING": True,
    # DRF's handler, plus a database busy past its timeout as a 503 JSON answer with Retry-After.
    "EXCEPTION_HANDLER": "vcsgrants.api.base.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "VCS Grants API",
    "DESCRIPTION": "Programmes, streams, allocations, organisations, agreements, payments; KPIs, targets and quarterly returns.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Every operation documents its error answers (401, 403, 404, 400) as JSON: vcsgrants/api/schema.py.
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "vcsgrants.api.schema.document_errors"],
    # Choice sets whose field names (kind, status) other models share: named once, used everywhere.
    "ENUM_NAME_OVERRIDES": {
        "MeetingKindEnum": "vcsgrants.engagement.models.meetings.Meeting.Kind",
        "ActionStatusEnum": "vcsgrants.engagement.models.meetings.Action.Status",
        "QuestionKindEnum": "vcsgrants.engagement.models.consultations.Question.Kind",
        # The API's period kinds (a plain list of values, as its inline enums are): one name for input and output.
        "ProgrammePeriodKindEnum": "vcsgrants.api.serializers.funding.PERIOD_KINDS",
    },
}

# --- Logs and error reports (docs/operations/configuration.md) ------------------------------------------
# VCSGRANTS_LOG_FORMAT: "json" (one JSON object a line, with the request id; the production default) or "text".
# VCSGRANTS_REQUEST_LOG: one line per request (method, path, status, duration, user id and role); on in production.
LOG_FORMAT = os.environ.get("VCSGRANTS_LOG_FORMAT", "text").strip().lower()
REQUEST_LOG = env_bool("VCSGRANTS_REQUEST_LOG", False)
LOG_LEVEL = os.environ.get("VCSGRANTS_LOG_LEVEL", "WARNING").upper()


def logging_config(log_format: str, request_log: bool, level: str) -> dict:
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": "vcsgrants.core.observability.RequestIdFilter"}},
        "formatters": {
            "json": {"()": "vcsgrants.core.observability.JsonFormatter"},
            "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        },
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "formatter": "json" if log_format == "json" else "text",
                "filters": ["request_id"],
            }
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            "vcsgrants.requests": {"level": "INFO" if request_log else "WARNING"},
            # Django's own line for every 4xx/5xx repeats the request line; its errors (with tracebacks) stay.
            "django.request": {"level": "ERROR"},
        },
    }


LOGGING = logging_config(LOG_FORMAT, REQUEST_LOG, LOG_LEVEL)

# Error reports to Sentry (or any service that takes its envelopes) when SENTRY_DSN is set: uncaught errors in
# views and commands, with the user's id and role only (no names, addresses, cookies, form data or local variables).
SENTRY_DSN = os.environ.get("SENTRY_DSN", "")
if SENTRY_DSN:
    import sentry_sdk
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=SENTRY_DSN,
        integrations=[DjangoIntegration()],
        environment=os.environ.get("SENTRY_ENVIRONMENT", "production"),
        send_default_pii=False,
        max_request_body_size="never",
        include_local_variables=False,
        traces_sample_rate=float(os.environ.get("SENTRY_TRACES_SAMPLE_RATE", "0")),
    )

# --- Background work (vcsgrants/core/jobs.py, docs/operations/worker.md) ------------------------------------
# Long work (reports as PDF or Word, large exports, imports) and the scheduled e-mails run in the worker,
# `manage.py run_worker`, which takes tasks from a table in the database: every app server enqueues, any worker
# (on any server) runs them, and nothing else (no Redis, no broker) is needed.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
# How long a background job's page and file are kept (the worker removes older ones each night).
VCSGRANTS_JOB_KEEP_DAYS = int(os.environ.get("VCSGRANTS_JOB_KEEP_DAYS", 7))
# /readyz reports the task queue failing when a task has waited longer than this for a worker (none is running).
VCSGRANTS_READYZ_TASK_MINUTES = int(os.environ.get("VCSGRANTS_READYZ_TASK_MINUTES", 15))

# --- E-mail notifications (manage.py send_notifications) ------------------------------------------------
# Printed on the console unless EMAIL_HOST names an SMTP server. VCSGRANTS_BASE_URL is the address people use
# to reach this service: e-mails link to pages under it.
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend" if EMAIL_HOST else "django.core.mail.backends.console.EmailBackend",
)
# VCSGRANTS_EMAIL=notify sends every e-mail through GOV.UK Notify instead (vcsgrants/notifications/notify.py), with
# the council's API key and its one template of ((subject)) and ((body)); `manage.py check` refuses a half-made set.
VCSGRANTS_EMAIL = os.environ.get("VCSGRANTS_EMAIL", "").strip().lower()
VCSGRANTS_NOTIFY_API_KEY = os.environ.get("VCSGRANTS_NOTIFY_API_KEY", "").strip()
VCSGRANTS_NOTIFY_TEMPLATE_ID = os.environ.get("VCSGRANTS_NOTIFY_TEMPLATE_ID", "").strip()
VCSGRANTS_NOTIFY_REPLY_TO_ID = os.environ.get("VCSGRANTS_NOTIFY_REPLY_TO_ID", "").strip()
VCSGRANTS_NOTIFY_BASE_URL = os.environ.get("VCSGRANTS_NOTIFY_BASE_URL", "https://api.notifications.service.gov.uk").strip()
if VCSGRANTS_EMAIL == "notify":
    EMAIL_BACKEND = "vcsgrants.notifications.notify.NotifyEmailBackend"
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", 587))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", EMAIL_PORT == 465)  # implicit TLS (port 465)
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", EMAIL_PORT == 587 and not EMAIL_USE_SSL)  # STARTTLS (port 587)
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", 30))
VCSGRANTS_BASE_URL = os.environ.get("VCSGRANTS_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
# By default no-reply@ the service's own host; e-mails show the service name from the council settings before it.
_BASE_HOST = urlsplit(VCSGRANTS_BASE_URL).hostname or ""
DEFAULT_FROM_EMAIL = os.environ.get(
    "DEFAULT_FROM_EMAIL", f"no-reply@{_BASE_HOST if _BASE_HOST.strip('0123456789.:') else 'localhost'}"
)
VCSGRANTS_NOTIFICATION_MAX_ATTEMPTS = int(os.environ.get("VCSGRANTS_NOTIFICATION_MAX_ATTEMPTS", 5))
# The daily digests are made by the first run of send_notifications at or after this hour (UK time), once a day.
VCSGRANTS_DIGEST_HOUR = int(os.environ.get("VCSGRANTS_DIGEST_HOUR", 7))
