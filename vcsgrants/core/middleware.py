import logging
import re

from django.conf import settings
from django.contrib.auth.views import redirect_to_login

logger = logging.getLogger(__name__)

# Paths anyone may reach without signing in.
PUBLIC_PREFIXES = (
    "/accounts/login/",
    "/accounts/sso/",  # single sign-on: off to the council's identity provider, and back (core.sso)
    "/accounts/password_reset/",  # forgotten password: ask for a link
    "/accounts/reset/",  # forgotten password: the link, and done
    "/static/",
    "/healthz",
    "/readyz",
    "/council/logo",  # the header's logo, on the sign-in page too
    "/api/",
    "/open-data/",
    "/consult/",
    "/about/",  # accessibility statement, cookies, privacy notice (linked from every page's footer)
    "/open-calls/",
)


class LoginRequiredMiddleware:
    """Anonymous users reach only the sign-in page; the API answers 401/403 itself."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.user.is_authenticated and not request.path.startswith(PUBLIC_PREFIXES):
            return redirect_to_login(request.get_full_path(), settings.LOGIN_URL)
        return self.get_response(request)


# --- A database busy beyond its timeout: 503 with a retry message, never a 500 -----------------------------------

BUSY_MESSAGE = "The service is busy: someone else is saving at the same moment. Nothing was saved; try again in a few seconds."
RETRY_AFTER_SECONDS = 5
# What SQLite says when a writer waited past the busy timeout, and PostgreSQL when a lock wait hit lock_timeout.
LOCK_MESSAGES = ("database is locked", "database table is locked", "lock timeout", "could not obtain lock")


def is_lock_timeout(exc: BaseException) -> bool:
    """True for a database error that means "busy, try again": a lock wait beyond the timeout."""
    from django.db import OperationalError

    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, OperationalError) or type(seen).__name__ == "OperationalError":
            text = str(seen).lower()
            if any(message in text for message in LOCK_MESSAGES):
                return True
        seen = seen.__cause__ or seen.__context__
    return False


def busy_response(request):
    """503 with Retry-After: JSON for the API, the GOV.UK page otherwise."""
    from django.http import JsonResponse
    from django.shortcuts import render

    if request.path.startswith("/api/"):
        response = JsonResponse({"detail": BUSY_MESSAGE}, status=503)
    else:
        response = render(request, "503.html", {"message": BUSY_MESSAGE}, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


class DatabaseBusyMiddleware:
    """A lock wait beyond the database's busy timeout answers 503 "try again", not a server error."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if is_lock_timeout(exception):
            logger.warning("Database busy beyond its timeout on %s %s: answered 503", request.method, request.path)
            return busy_response(request)
        return None


ERROR_SUMMARY = b'class="govuk-error-summary"'
TITLE = re.compile(rb"<title>(\s*)(?!Error: )")


class ErrorTitleMiddleware:
    """A page that shows errors (every such page has a GOV.UK error summary) has "Error: " before its <title>, so a
    screen reader says so first (GOV.UK error summary pattern, WCAG 3.3.1). One rule for every page: those rendering
    a form's errors through govuk/error_summary.html and those that write their summary by hand."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            response.streaming
            or not response.get("Content-Type", "").startswith("text/html")
            or ERROR_SUMMARY not in response.content
        ):
            return response
        content = TITLE.sub(rb"<title>\1Error: ", response.content, count=1)
        if content != response.content:
            response.content = content
        return response
