"""The app's URLs plus /bench/ok/, a view that does no work: the load benchmark's floor for a signed-in page.

A request to it passes the same gunicorn worker, the same middleware (session read and save, authentication, CSRF,
CSP, the sign-in check, history, axes) as every page of the app, then returns "ok" without touching the database.
Only bench/load_settings.py uses this URLconf: the deployed app has no such URL.
"""

from django.http import HttpResponse
from django.urls import include, path


def ok(request):
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [path("bench/ok/", ok, name="bench-ok"), path("", include("vcsgrants.urls"))]
