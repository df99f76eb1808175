"""A small GOV.UK Notify on loopback: the part of Notify's published API that the service calls.

POST /v2/notifications/email, as Notify's API documentation describes it:

- the `Authorization: Bearer <JWT>` header: HS256, `iss` the service id, `iat` within 30 seconds of now, signed
  with the secret part of an API key (`<key name>-<service id>-<secret>`), else 401 or 403 with Notify's AuthError;
- the JSON body: `email_address` and `template_id` required, `personalisation` (an object), `reference` (a
  string), `email_reply_to_id` (a reply-to address of the service), nothing else; else 400 ValidationError;
- the template must exist and every ((placeholder)) in its subject and message must be given, else 400
  BadRequestError ("Template not found", "Missing personalisation: body");
- a "team" key sends only to the team's addresses (400 "Can't send to this recipient using a team-only API key");
- 201 with Notify's response JSON (id, reference, content with the subject and body filled in, uri, template).

Errors answer `{"status_code": N, "errors": [{"error": "...", "message": "..."}]}` as Notify does. A test can make
the next answers fail (`fail_next`: a 429 or a 500) and reads what was received (`received`).
"""

from __future__ import annotations

import json
import re
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jwt

PLACEHOLDER = re.compile(r"\(\(([^()]+?)\)\)")
UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.IGNORECASE)
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
ALLOWED = {"email_address", "template_id", "personalisation", "reference", "email_reply_to_id", "one_click_unsubscribe_url"}


@dataclass
class Received:
    body: dict
    claims: dict
    headers: dict


@dataclass
class FakeNotify:
    """The service's state: one API key, its templates and reply-to addresses, and what it was sent."""

    service_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    secret: str = field(default_factory=lambda: str(uuid.uuid4()))
    key_type: str = "live"  # or "team": sends only to team_members
    team_members: set[str] = field(default_factory=set)
    template_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    templates: dict[str, dict[str, str]] = field(default_factory=dict)
    reply_to_ids: set[str] = field(default_factory=lambda: {str(uuid.uuid4())})
    from_email: str = "northshire.grants@notifications.service.gov.uk"
    received: list[Received] = field(default_factory=list)
    fail_next: list[tuple[int, str, str]] = field(default_factory=list)  # (status, error, message), first first
    base_url: str = ""

    def __post_init__(self):
        self.templates.setdefault(self.template_id, {"subject": "((subject))", "body": "((body))"})

    @property
    def api_key(self) -> str:
        return f"vcs-grants-test-{self.service_id}-{self.secret}"

    @property
    def reply_to_id(self) -> str:
        return next(iter(self.reply_to_ids))

    # --- The API ----------------------------------------------------------------------------------------------

    def handle(self, method: str, path: str, headers: dict, raw: bytes) -> tuple[int, dict]:
        if method != "POST" or path != "/v2/notifications/email":
            return 404, {"result": "error", "message": "The requested URL was not found on the server."}
        claims = self._authorise(headers.get("authorization", ""))
        if isinstance(claims, tuple):
            return claims
        if self.fail_next:
            status, error, message = self.fail_next.pop(0)
            return error_answer(status, [(error, message)])
        try:
            body = json.loads(raw or b"null")
        except ValueError:
            return error_answer(400, [("BadRequestError", "Invalid JSON supplied in POST data")])
        problems = validate(body)
        if problems:
            return error_answer(400, [("ValidationError", p) for p in problems])
        template = self.templates.get(body["template_id"])
        if template is None:
            return error_answer(400, [("BadRequestError", "Template not found")])
        personalisation = body.get("personalisation") or {}
        wanted = [name for part in (template["subject"], template["body"]) for name in PLACEHOLDER.findall(part)]
        missing = sorted({name for name in wanted if name not in personalisation}, key=wanted.index)
        if missing:
            return error_answer(400, [("BadRequestError", f"Missing personalisation: {', '.join(missing)}")])
        reply_to = body.get("email_reply_to_id")
        if reply_to and reply_to not in self.reply_to_ids:
            message = f"email_reply_to_id {reply_to} does not exist in database for service id {self.service_id}"
            return error_answer(400, [("BadRequestError", message)])
        if self.key_type == "team" and body["email_address"].lower() not in {m.lower() for m in self.team_members}:
            return error_answer(400, [("BadRequestError", "Can't send to this recipient using a team-only API key")])
        self.received.append(Received(body=body, claims=claims, headers=headers))
        notification_id = str(uuid.uuid4())

        def fill(text: str) -> str:
            return PLACEHOLDER.sub(lambda m: str(personalisation[m.group(1)]), text)

        return 201, {
            "id": notification_id,
            "reference": body.get("reference"),
            "content": {"subject": fill(template["subject"]), "body": fill(template["body"]), "from_email": self.from_email},
            "uri": f"{self.base_url}/v2/notifications/{notification_id}",
            "template": {
                "id": body["template_id"],
                "version": 1,
                "uri": f"{self.base_url}/v2/template/{body['template_id']}",
            },
            "scheduled_for": None,
        }

    def _authorise(self, header: str) -> dict | tuple[int, dict]:
        if not header:
            return error_answer(401, [("AuthError", "Unauthorized: authentication token must be provided")])
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token:
            return error_answer(401, [("AuthError", "Unauthorized: authentication bearer scheme must be used")])
        try:
            header_fields = jwt.get_unverified_header(token)
            unverified = jwt.decode(token, options={"verify_signature": False})
        except jwt.PyJWTError:
            return error_answer(403, [("AuthError", "Invalid token: signature, api token not found")])
        if header_fields.get("alg") != "HS256":
            return error_answer(403, [("AuthError", "Invalid token: algorithm used is not HS256")])
        if "iss" not in unverified:
            return error_answer(403, [("AuthError", "Invalid token: iss field not provided")])
        if unverified["iss"] != self.service_id:
            return error_answer(403, [("AuthError", "Invalid token: service not found")])
        try:
            claims = jwt.decode(token, key=self.secret, algorithms=["HS256"], options={"verify_iat": False})
        except jwt.PyJWTError:
            return error_answer(403, [("AuthError", "Invalid token: signature, api token not found")])
        if "iat" not in claims:
            return error_answer(403, [("AuthError", "Invalid token: iat field not provided")])
        if abs(int(time.time()) - int(claims["iat"])) > 30:
            return error_answer(403, [("AuthError", "Error: Your system clock must be accurate to within 30 seconds")])
        return claims


def validate(body) -> list[str]:
    """The JSON schema of a POST /v2/notifications/email, with Notify's messages."""
    if not isinstance(body, dict):
        return ["POST data is not a JSON object"]
    problems = [f"{name} is a required property" for name in ("email_address", "template_id") if name not in body]
    extra = sorted(set(body) - ALLOWED)
    if extra:
        problems.append(f"Additional properties are not allowed ({', '.join(repr(e) for e in extra)} was unexpected)")
    address = body.get("email_address")
    if "email_address" in body and not (isinstance(address, str) and EMAIL_RE.match(address)):
        problems.append("email_address Not a valid email address")
    if "template_id" in body and not (isinstance(body["template_id"], str) and UUID_RE.match(body["template_id"])):
        problems.append("template_id is not a valid UUID")
    if "personalisation" in body and not isinstance(body["personalisation"], dict):
        problems.append(f"personalisation {body['personalisation']!r} is not of type object")
    if "reference" in body and not isinstance(body["reference"], str | None):
        problems.append(f"reference {body['reference']!r} is not of type string, null")
    reply_to = body.get("email_reply_to_id")
    if "email_reply_to_id" in body and not (isinstance(reply_to, str) and UUID_RE.match(reply_to)):
        problems.append("email_reply_to_id is not a valid UUID")
    return problems


def error_answer(status: int, errors: list[tuple[str, str]]) -> tuple[int, dict]:
    return status, {"status_code": status, "errors": [{"error": e, "message": m} for e, m in errors]}


class _Handler(BaseHTTPRequestHandler):
    server_version = "FakeNotify/1"

    def _answer(self, method: str) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        headers = {k.lower(): v for k, v in self.headers.items()}
        status, payload = self.server.notify.handle(method, self.path, headers, raw)
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):  # noqa: N802 - http.server's hook name
        self._answer("POST")

    def do_GET(self):  # noqa: N802
        self._answer("GET")

    def log_message(self, format, *args):  # noqa: A002 - quiet
        pass


class NotifyServer:
    """Runs a FakeNotify on a free loopback port in a thread: `with NotifyServer() as notify: notify.base_url`."""

    def __init__(self, notify: FakeNotify | None = None):
        self.notify = notify or FakeNotify()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.httpd.notify = self.notify
        self.notify.base_url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def __enter__(self) -> FakeNotify:
        self.thread.start()
        return self.notify

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(5)


def notify_settings(settings, notify: FakeNotify | None, *, base_url: str | None = None) -> None:
    """Points Django at `notify` (or at `base_url`) through the Notify backend, as VCSGRANTS_EMAIL=notify does."""
    settings.VCSGRANTS_EMAIL = "notify"
    settings.EMAIL_BACKEND = "vcsgrants.notifications.notify.NotifyEmailBackend"
    settings.EMAIL_TIMEOUT = 5
    settings.VCSGRANTS_NOTIFY_API_KEY = notify.api_key if notify else f"test-{uuid.uuid4()}-{uuid.uuid4()}"
    settings.VCSGRANTS_NOTIFY_TEMPLATE_ID = notify.template_id if notify else str(uuid.uuid4())
    settings.VCSGRANTS_NOTIFY_REPLY_TO_ID = notify.reply_to_id if notify else ""
    settings.VCSGRANTS_NOTIFY_BASE_URL = base_url or notify.base_url
    settings.VCSGRANTS_BASE_URL = "https://grants.council.example"
