"""Health checks for load balancers: `/healthz` (the process answers) and `/readyz` (it can do its work).

`/healthz` touches nothing: no database, no cache, no storage. `/readyz` runs every registered check — the
database, the cache, the file storage, the background task queue's backlog (`check_tasks`, registered by core's
AppConfig), and what the apps above core register (the notifications app adds its outbox backlog,
`vcsgrants.notifications.health`) — and answers 503 when any fails, with each check's status in
a small JSON document. Both are answered by `HealthCheckMiddleware`, placed first in MIDDLEWARE, so that neither
the Host check (ALLOWED_HOSTS: a load balancer asks by IP address) nor the HTTPS redirect (it asks over plain
HTTP) nor the sign-in redirect stands in the way; neither says anything about the data.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from pathlib import Path

from django.http import HttpResponse, JsonResponse

logger = logging.getLogger(__name__)

HEALTH_PATHS = ("/healthz", "/readyz")

# name -> a callable that raises (or returns a problem string) when the check fails, else returns a detail dict.
Check = Callable[[], "dict | None"]
_checks: dict[str, Check] = {}


class NotReady(Exception):
    """A readiness check that failed; the message is shown in /readyz (no secrets, no personal data)."""


def register(name: str, check: Check) -> None:
    """Add a readiness check (apps above core register theirs in AppConfig.ready)."""
    _checks[name] = check


def check_database() -> dict:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return {}


def check_cache() -> dict:
    from django.core.cache import cache

    key = "vcsgrants:readyz"
    value = str(time.time_ns())
    cache.set(key, value, 30)
    if cache.get(key) != value:
        raise NotReady("the cache did not return what was just stored")
    return {}


def check_storage() -> dict:
    """The storage answers: the upload folder can be written to, or the bucket's top level can be listed (a
    request that fails when the bucket is missing or the credentials are refused)."""
    from django.core.files.storage import FileSystemStorage, default_storage

    default_storage.exists("readyz-probe")  # makes the backend (and raises when it is misconfigured)
    storage = default_storage._wrapped  # the backend itself, now that the lazy object has made it
    if isinstance(storage, FileSystemStorage):
        folder = Path(storage.location)
        while not folder.exists() and folder != folder.parent:
            folder = folder.parent
        if not os.access(folder, os.W_OK):
            raise NotReady(f"the upload folder {folder} cannot be written to")
    else:
        storage.listdir("")
    return {"backend": type(storage).__name__}


def check_tasks() -> dict:
    """The task queue's backlog: tasks waiting for a worker (ready now), tasks running, and how long the oldest
    has waited. Failing when it has waited more than VCSGRANTS_READYZ_TASK_MINUTES: no worker is running
    (`manage.py run_worker`), or it is stuck on one task."""
    from django.conf import settings
    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult

    waiting = DBTaskResult.objects.ready()
    count = waiting.count()
    oldest = waiting.order_by("enqueued_at").values_list("enqueued_at", flat=True).first()
    age = int((timezone.now() - oldest).total_seconds() // 60) if oldest else 0
    if oldest and age > settings.VCSGRANTS_READYZ_TASK_MINUTES:
        raise NotReady(f"{count} background tasks waiting, the oldest for {age} minutes: is run_worker running?")
    return {"waiting": count, "running": DBTaskResult.objects.running().count(), "oldest_minutes": age}


register("database", check_database)
register("cache", check_cache)
register("storage", check_storage)


def readiness() -> tuple[bool, dict[str, dict]]:
    """(all passed, {check: {"status": "ok" | "failing", ...}}), every check run even after one fails."""
    results: dict[str, dict] = {}
    ready = True
    for name, check in _checks.items():
        started = time.monotonic()
        try:
            detail = check() or {}
            result = {"status": "ok", **detail}
        except Exception as exc:  # noqa: BLE001 - any failure makes the server not ready; it is reported, not raised
            ready = False
            reason = str(exc) if isinstance(exc, NotReady) else type(exc).__name__
            result = {"status": "failing", "error": reason}
            logger.warning("readyz: %s is failing: %s", name, exc)
        result["ms"] = round((time.monotonic() - started) * 1000, 1)
        results[name] = result
    return ready, results


class HealthCheckMiddleware:
    """Answers /healthz and /readyz before any other middleware (first in MIDDLEWARE): any Host, plain HTTP."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info == "/healthz":
            response = HttpResponse("ok", content_type="text/plain")
        elif request.path_info == "/readyz":
            ready, checks = readiness()
            response = JsonResponse({"status": "ok" if ready else "failing", "checks": checks}, status=200 if ready else 503)
        else:
            return self.get_response(request)
        response["Cache-Control"] = "no-store"
        return response
