"""gunicorn settings for VCS Grants; deploy/vcsgrants.service starts gunicorn with this file.

Every value can be changed from the environment file (/etc/vcsgrants/vcsgrants.env) without
editing this one.
"""

import multiprocessing
import os

wsgi_app = "vcsgrants.wsgi:application"

# nginx talks to gunicorn over this unix socket (deploy/nginx.conf, `upstream vcsgrants`).
# For a TCP port instead, set GUNICORN_BIND=127.0.0.1:8001 and point nginx's upstream at it.
bind = os.environ.get("GUNICORN_BIND", "unix:/run/vcsgrants/gunicorn.sock")
# The socket is readable and writable by the service's group (www-data, nginx's user).
umask = 0o007

# Workers: 2 × CPU cores + 1, gunicorn's own rule of thumb. Each is a separate process, so the
# sign-in lockout counts and the cache live in the database, shared by every worker.
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
# A Cabinet report PDF or a large XLSX import can take a while; nothing should take 2 minutes.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "120"))
graceful_timeout = 30
keepalive = 5
# Recycle each worker after about 1,000 requests, so slow memory growth never builds up.
max_requests = 1000
max_requests_jitter = 100

# Logs go to the journal (journalctl -u vcsgrants). The app writes one JSON line per request itself (with its request
# id, status, duration, user id and role: vcsgrants/core/observability.py), so gunicorn's own access log, which
# would repeat it with addresses, query strings and browser names, is off unless GUNICORN_ACCESS_LOG names a file
# ("-": the journal).
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")


def post_worker_init(worker):
    """Once a worker has loaded the app: load every view module (the URLconf) as the first request would, then move
    everything made so far to the garbage collector's permanent generation (`gc.freeze()`, as the Python docs advise
    for long-lived objects made at start-up). Django's modules, models, URL patterns and settings then no longer count
    towards, nor get scanned by, the full collections that a large page's allocations set off: measured in
    docs/development/benchmarks.md ("Process and database tuning"). GUNICORN_GC_FREEZE=0 turns it off."""
    if os.environ.get("GUNICORN_GC_FREEZE", "1") == "0":
        return
    import gc

    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 - imports every view module now, not on the first request
    gc.collect()
    gc.freeze()
