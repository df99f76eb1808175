"""What an operator sees: the request id, the one log line per request, /healthz and /readyz, error reports.

The error report is real: the production settings with SENTRY_DSN pointing at a small HTTP server started here,
in a separate Python process (sentry-sdk hooks into Django once, for the whole process); a page that fails sends
an envelope holding the exception, with the request id and role but no cookie, and its request is one JSON log
line. gunicorn under the production settings answers /healthz and /readyz to a load balancer (tests/core/
test_production.py).
"""

from __future__ import annotations

import datetime as dt
import gzip
import http.server
import json
import logging
import os
import subprocess
import sys
import threading
from pathlib import Path

import brotli
import pytest
from django.test import Client
from django.utils import timezone

from tests.core.test_production import SECRET
from vcsgrants.core.observability import JsonFormatter, RequestIdFilter
from vcsgrants.notifications.models import Notification

ROOT = Path(__file__).resolve().parents[2]


# --- the request id and the request log line --------------------------------------------------------------


@pytest.mark.django_db
def test_the_request_id_is_taken_from_the_header_or_made_and_echoed(client):
    given = client.get("/about/cookies/", headers={"X-Request-ID": "lb-4f2a9c"})
    assert given["X-Request-ID"] == "lb-4f2a9c"
    made = client.get("/about/cookies/")
    other = client.get("/about/cookies/")
    assert len(made["X-Request-ID"]) == 32 and made["X-Request-ID"] != other["X-Request-ID"]
    # Something that could break a log line or a header is never taken as it is.
    hostile = client.get("/about/cookies/", headers={"X-Request-ID": 'x" injected\\'})
    assert hostile["X-Request-ID"] != 'x" injected\\' and len(hostile["X-Request-ID"]) == 32


@pytest.mark.django_db
def test_one_json_line_per_request_with_user_id_and_role_only(officer, settings):
    lines = []

    class Collect(logging.Handler):
        def emit(self, record):
            lines.append(self.format(record))

    handler = Collect()
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestIdFilter())
    logger = logging.getLogger("vcsgrants.requests")
    logger.addHandler(handler)
    old_level = logger.level
    logger.setLevel(logging.INFO)
    try:
        client = Client()
        client.force_login(officer)
        client.get("/organisations/?kind=provider", headers={"X-Request-ID": "req-1"})
        Client().get("/organisations/", headers={"X-Request-ID": "req-2"})
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old_level)
    first, second = (json.loads(line) for line in lines)
    assert first["request_id"] == "req-1" and first["status"] == 200 and first["path"] == "/organisations/"
    assert first["user_id"] == officer.pk and first["role"] == "officer" and first["method"] == "GET"
    assert isinstance(first["duration_ms"], float)
    assert (second["request_id"], second["status"], second["user_id"], second["role"]) == ("req-2", 302, None, "anonymous")
    # No name, e-mail address, IP address or query string.
    for text in lines:
        assert officer.username not in text and officer.email not in text and "127.0.0.1" not in text
        assert "provider" not in text


# --- /readyz -------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_readyz_reports_each_check_and_a_stale_outbox_fails_it(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    ready = Client().get("/readyz", HTTP_HOST="10.1.2.3")  # a load balancer asks by address: not in ALLOWED_HOSTS
    assert ready.status_code == 200, ready.content
    body = ready.json()
    assert body["status"] == "ok"
    assert {name: check["status"] for name, check in body["checks"].items()} == {
        "database": "ok",
        "cache": "ok",
        "storage": "ok",
        "tasks": "ok",
        "outbox": "ok",
    }
    assert ready["Cache-Control"] == "no-store"

    # An e-mail waiting for two hours: send_notifications is not running.
    waiting = Notification.objects.create(kind="invitation", key="stale", to_email="x@example.test", subject="s", body="b")
    Notification.objects.filter(pk=waiting.pk).update(created_at=timezone.now() - dt.timedelta(hours=2))
    failing = Client().get("/readyz", HTTP_HOST="10.1.2.3")
    assert failing.status_code == 503
    outbox = failing.json()["checks"]["outbox"]
    assert outbox["status"] == "failing" and "1 e-mails waiting, the oldest for 120 minutes" in outbox["error"]
    assert failing.json()["checks"]["database"]["status"] == "ok"
    assert Client().get("/healthz", HTTP_HOST="10.1.2.3").content == b"ok"


# --- error reports: real sentry-sdk, a local HTTP server in its place ------------------------------------------


class Collector(http.server.BaseHTTPRequestHandler):
    envelopes: list[bytes] = []
    received = threading.Event()

    def do_POST(self):  # noqa: N802 - http.server's name
        body = self.rfile.read(int(self.headers["Content-Length"]))
        encoding = self.headers.get("Content-Encoding", "")
        if encoding == "br":
            body = brotli.decompress(body)
        elif encoding == "gzip":
            body = gzip.decompress(body)
        self.envelopes.append(body)
        self.received.set()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args):
        pass


PROGRAM = """
import django, sentry_sdk
django.setup()
from django.test import Client
client = Client(raise_request_exception=False)
failed = client.get("/about/failing/", secure=True, HTTP_HOST="grants.example.test", headers={"X-Request-ID": "fault-77"})
print("STATUS", failed.status_code, failed["X-Request-ID"])
health = client.get("/healthz", HTTP_HOST="192.0.2.10")  # plain HTTP, an address for a host: not redirected
print("HEALTHZ", health.status_code, health.content.decode())
login = client.get("/accounts/login/", HTTP_HOST="grants.example.test")  # every other page still goes to HTTPS
print("LOGIN", login.status_code)
sentry_sdk.flush(timeout=10)
"""


def test_an_error_in_a_view_reaches_the_error_service_as_an_envelope_and_one_json_log_line(tmp_path):
    Collector.envelopes = []
    Collector.received.clear()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Collector)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "DJANGO_", "DATABASE_URL"))}
        env.update(
            DJANGO_SETTINGS_MODULE="tests.core.sentry_settings",
            SECRET_KEY=SECRET,
            ALLOWED_HOSTS="grants.example.test",
            VCSGRANTS_VAR_DIR=str(tmp_path),
            SENTRY_DSN=f"http://publickey@127.0.0.1:{server.server_port}/42",
            SENTRY_ENVIRONMENT="test",
            PYTHONPATH=str(ROOT),
        )
        done = subprocess.run(  # noqa: S603 - our interpreter, a fixed program
            [sys.executable, "-c", PROGRAM], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False
        )
        assert done.returncode == 0, done.stderr
        assert Collector.received.wait(10), "no envelope reached the error service"
    finally:
        server.shutdown()
        server.server_close()

    assert "STATUS 500 fault-77" in done.stdout
    assert "HEALTHZ 200 ok" in done.stdout
    assert "LOGIN 301" in done.stdout
    envelope = b"\n".join(Collector.envelopes).decode()
    events = [json.loads(line) for line in envelope.splitlines() if line.startswith("{") and '"exception"' in line]
    assert events, envelope[:2000]
    event = events[0]
    exception = event["exception"]["values"][-1]
    assert (exception["type"], exception["value"]) == ("RuntimeError", "a fault in the service")
    assert event["environment"] == "test"
    assert event["tags"]["request_id"] == "fault-77" and event["tags"]["role"] == "anonymous"
    assert "cookies" not in event["request"] and "Cookie" not in event["request"].get("headers", {})
    assert "user" not in event or "ip_address" not in event["user"]

    # The request's one log line: JSON, with its id, status and duration; the traceback on Django's error line.
    records = [json.loads(line) for line in done.stderr.splitlines() if line.startswith("{")]
    request_lines = [r for r in records if r["logger"] == "vcsgrants.requests"]
    assert [(r["path"], r["status"], r["request_id"]) for r in request_lines][:1] == [("/about/failing/", 500, "fault-77")]
    assert "duration_ms" in request_lines[0] and request_lines[0]["role"] == "anonymous"
    error = next(r for r in records if r["logger"] == "django.request")
    assert error["request_id"] == "fault-77" and "RuntimeError: a fault in the service" in error["exception"]
