"""Settings for the load benchmark (bench/bench_load.py): production settings over plain HTTP on 127.0.0.1.

Everything is vcsgrants.production except what plain HTTP needs (no redirect to HTTPS, cookies without the Secure
flag, which a client sends only over HTTPS; in production nginx terminates TLS in front of the same app), static
files collected into the throwaway var dir, and a URLconf that adds one trivial view (bench/load_urls.py) beside
all of the app's own URLs. The benchmark sets SECRET_KEY to a throwaway value; never deploy with this module.
"""

from vcsgrants.production import *  # noqa: F403
from vcsgrants.production import VAR_DIR

SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SECURE_HSTS_SECONDS = 0
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
STATIC_ROOT = VAR_DIR / "bench-static"
ROOT_URLCONF = "load_urls"
# Production's CompressedManifestStaticFilesStorage: `collectstatic` fails on govuk-frontend.min.css's reference to a
# source map that is not vendored (reported to the lead). The benchmark requests no static files, so compressed
# files without the manifest change nothing it measures.
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"}}  # noqa: F405
# Outermost: each response carries what the request cost the server (bench/load_meter.py), which the benchmark prints.
MIDDLEWARE = ["load_meter.RequestCostMiddleware", *MIDDLEWARE]  # noqa: F405
