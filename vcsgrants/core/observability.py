"""Logs an operator can search: one JSON object a line, every line of a request carrying its request id.

- `RequestLogMiddleware` takes the request id from the X-Request-ID header (a load balancer's or nginx's), or
  makes one, echoes it in the response's X-Request-ID header, and writes one line per request to the
  `vcsgrants.requests` logger: method, path (without the query string), status, duration, user id and role.
  No name, e-mail address, IP address or form data: the user id is enough to look a person up when needed.
- `RequestIdFilter` puts the current request's id on every log record made while the request is handled.
- `JsonFormatter` writes a record as one JSON object (time, level, logger, message, request id, and the
  fields a record carries in `extra`), with the traceback as one string field.
- With SENTRY_DSN set, errors also go to Sentry (settings.py); the request's user id and role are set on the
  Sentry scope, never more (send_default_pii is False).
"""

from __future__ import annotations

import contextvars
import datetime as dt
import json
import logging
import re
import time
import uuid

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="")
request_logger = logging.getLogger("vcsgrants.requests")

# A request id from outside is taken as it is only when it is short and plain; anything else is replaced.
VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
# Attributes every LogRecord has; anything else on a record came from `extra=` and is written as a field.
_RECORD_FIELDS = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime", "request_id"}


def incoming_request_id(header: str | None) -> str:
    if header and VALID_REQUEST_ID.match(header):
        return header
    return uuid.uuid4().hex


class RequestIdFilter(logging.Filter):
    """Adds `request_id` (empty outside a request) to every record passing through the handler."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", ""):
            record.request_id = request_id_var.get()
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": dt.datetime.fromtimestamp(record.created, tz=dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = getattr(record, "request_id", "") or request_id_var.get()
        if request_id:
            entry["request_id"] = request_id
        for key, value in vars(record).items():
            if key not in _RECORD_FIELDS and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, default=str)


def user_fields(request) -> dict:
    """The user id and role(s) of the request's user, or "anonymous"; never a name or an address."""
    user = getattr(request, "user", None)
    if user is None or not getattr(user, "is_authenticated", False):
        return {"user_id": None, "role": "anonymous"}
    from vcsgrants.core.models import Role

    roles = [value for value, _label in Role.choices if user.has_role(value)]
    if user.is_superuser:
        roles.insert(0, "superuser")
    return {"user_id": user.pk, "role": ", ".join(roles) or "none"}


class RequestLogMiddleware:
    """Request id in and out; one `vcsgrants.requests` line per request (when that logger is at INFO)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = incoming_request_id(request.headers.get("X-Request-ID"))
        request.request_id = request_id
        token = request_id_var.set(request_id)
        started = time.monotonic()
        status = 500
        try:
            response = self.get_response(request)
            status = response.status_code
            response["X-Request-ID"] = request_id
            return response
        finally:
            if request_logger.isEnabledFor(logging.INFO):
                fields = user_fields(request)
                request_logger.info(
                    "%s %s %s",
                    request.method,
                    request.path,
                    status,
                    extra={
                        "method": request.method,
                        "path": request.path,
                        "status": status,
                        "duration_ms": round((time.monotonic() - started) * 1000, 1),
                        **fields,
                    },
                )
            request_id_var.reset(token)

    def process_exception(self, request, exception):
        # An error that reaches Sentry names the user by id and role only (send_default_pii is False).
        _tag_sentry(request)


def _tag_sentry(request) -> None:
    import sentry_sdk

    if not sentry_sdk.is_initialized():
        return
    fields = user_fields(request)
    scope = sentry_sdk.get_isolation_scope()
    if fields["user_id"] is not None:
        scope.set_user({"id": str(fields["user_id"])})
    scope.set_tag("role", fields["role"])
    scope.set_tag("request_id", getattr(request, "request_id", ""))
