"""More than one app server (issue 20): two gunicorn servers with the production settings, on one PostgreSQL
database and one S3-compatible bucket, as a load balancer would put them behind one address. A visitor's requests go
to either; what one server does the other must see: a session (signed in on one, the code typed on the other, signed
out on the other), an upload (sent to one, downloaded from the other), and the limits (the sign-in lockout and the
consultation form's limit per address, counted over both servers).

Everything runs once for the module (37 s of CPU; 101 s of wall time alone on the shared 2-core machine at load
average 10, most of it waiting for the CPU): a throwaway PostgreSQL cluster of the test's own (tests/live.py's
`throwaway_postgres`, started by scripts/with_postgres.sh), moto's S3 server (the `s3_endpoint` fixture of
tests/core/test_shared_storage.py), `collectstatic` meanwhile, the database made by tests/core/two_servers_setup.py,
then the two servers. The test needs PostgreSQL whatever database the run uses, so it
starts its own and runs in `make test-sqlite`; `make test-postgres` leaves it out rather than run it twice (Makefile).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import boto3
import pyotp
import pytest

from tests import live
from tests.core.test_production import DEPLOY, ROOT, Site, free_port, production_env
from tests.core.test_shared_storage import KEYS, s3_endpoint  # noqa: F401 - the module-scoped fixture, used below
from tests.core.test_uploads import pdf_bytes
from tests.factories import TEST_PASSWORD

ORIGIN = "https://grants.example.test"
SIGNIN_FAILURE_LIMIT = 3
PUBLIC_RESPONSES_PER_HOUR = 10  # engagement.services.consultations.DEFAULT_PUBLIC_RESPONSES_PER_HOUR
# Seconds a request may take: a worker's first page loads the views and templates, which took 34 s once while the
# machine ran other suites.
TIMEOUT = 120


class Visitor:
    """One browser behind a load balancer that sends each request to whichever server the test names ("a" or "b"):
    the production test's HTTP client (`Site`: HTTPS as nginx forwards it) for each server, sharing one cookie jar,
    from one address (nginx appends it to X-Forwarded-For; the production settings trust one proxy)."""

    def __init__(self, servers: dict[str, int], address: str):
        self.cookies: dict[str, str] = {}
        self.sites = {name: Site(port, timeout=TIMEOUT) for name, port in servers.items()}
        for site in self.sites.values():
            site.cookies = self.cookies
        self.address = address

    def get(self, server: str, path: str):
        return self.sites[server].request("GET", path, headers={"X-Forwarded-For": self.address})

    def post(self, server: str, path: str, fields: dict[str, str], files: dict[str, tuple[str, bytes]] | None = None):
        fields = {"csrfmiddlewaretoken": self.cookies["csrftoken"], **fields}  # the cookie's token, as a form sends it
        headers = {"X-Forwarded-For": self.address, "Origin": ORIGIN, "Referer": ORIGIN + path}
        body: dict | bytes = fields
        if files:
            boundary = uuid.uuid4().hex
            headers["Content-Type"] = f"multipart/form-data; boundary={boundary}"
            body = multipart(boundary, fields, files)
        return self.sites[server].request("POST", path, body=body, headers=headers)


def multipart(boundary: str, fields: dict[str, str], files: dict[str, tuple[str, bytes]]) -> bytes:
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode() for k, v in fields.items()]
    for name, (filename, content) in files.items():
        head = f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
        parts.append(f"{head}Content-Type: application/octet-stream\r\n\r\n".encode() + content + b"\r\n")
    return b"".join(parts) + f"--{boundary}--\r\n".encode()


class TwoServers:
    def __init__(self, ports: dict[str, int], facts: dict, bucket: str, s3, tmp: Path):
        self.ports, self.facts, self.bucket, self.s3, self.tmp = ports, facts, bucket, s3, tmp

    def visitor(self, address: str) -> Visitor:
        return Visitor(self.ports, address)


def start_gunicorn(env: dict[str, str], port: int, log: Path) -> subprocess.Popen:
    with log.open("w") as handle:
        return subprocess.Popen(  # noqa: S603 - the venv's gunicorn with the deploy config; no shell
            [str(live.VENV_BIN / "gunicorn"), "--config", str(DEPLOY / "gunicorn.conf.py")],
            cwd=ROOT,
            env={**env, "GUNICORN_BIND": f"127.0.0.1:{port}", "GUNICORN_WORKERS": "1"},
            stdout=handle,
            stderr=subprocess.STDOUT,
        )


def finished(process: subprocess.Popen, what: str, log: Path) -> None:
    assert process.wait(timeout=300) == 0, f"{what} failed:\n{log.read_text()}"


@pytest.fixture(scope="module")
def two_servers(s3_endpoint, tmp_path_factory):  # noqa: F811 - s3_endpoint is the imported fixture
    tmp = tmp_path_factory.mktemp("two-servers")
    bucket = f"vcsgrants-{uuid.uuid4().hex[:12]}"
    s3 = boto3.client("s3", endpoint_url=s3_endpoint, **KEYS)
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": KEYS["region_name"]})

    env = production_env(tmp)  # the production settings; var/ (and so the local media folder) under tmp
    env.update(
        VCSGRANTS_STORAGE="s3",
        VCSGRANTS_S3_BUCKET=bucket,
        VCSGRANTS_S3_ENDPOINT_URL=s3_endpoint,
        VCSGRANTS_S3_REGION=KEYS["region_name"],
        VCSGRANTS_S3_ACCESS_KEY_ID=KEYS["aws_access_key_id"],
        VCSGRANTS_S3_SECRET_ACCESS_KEY=KEYS["aws_secret_access_key"],
        VCSGRANTS_S3_ADDRESSING_STYLE="path",
        SIGNIN_FAILURE_LIMIT=str(SIGNIN_FAILURE_LIMIT),
        PYTHONPATH=str(ROOT),
    )
    # collectstatic needs no database: it runs while PostgreSQL starts and the tables are made.
    static_log = tmp / "collectstatic.log"
    with static_log.open("w") as handle:
        collectstatic = subprocess.Popen(  # noqa: S603 - our interpreter and manage.py, fixed arguments
            [sys.executable, "manage.py", "collectstatic", "--noinput"],
            cwd=ROOT,
            env=env,
            stdout=handle,
            stderr=subprocess.STDOUT,
        )
    servers: list[subprocess.Popen] = []
    try:
        with live.throwaway_postgres(tmp / "postgres.log") as database_url:
            env["DATABASE_URL"] = database_url
            made = subprocess.run(  # noqa: S603 - our interpreter and module, fixed arguments
                [sys.executable, "-m", "tests.core.two_servers_setup"],
                cwd=ROOT,
                env=env,
                capture_output=True,
                text=True,
                timeout=300,
                check=False,
            )
            assert made.returncode == 0, f"setting up the database failed:\n{made.stdout}\n{made.stderr}"
            facts = json.loads(made.stdout.strip().splitlines()[-1])
            finished(collectstatic, "collectstatic", static_log)

            ports = {"a": free_port(), "b": free_port()}
            logs = {name: tmp / f"gunicorn-{name}.log" for name in ports}
            servers = [start_gunicorn(env, ports[name], logs[name]) for name in ports]
            # The background-task worker (django-tasks, issue 20 item 5) belongs here, started with the same `env` and
            # stopped with the servers below; its check goes at the end of this module.
            for name, server in zip(ports, servers, strict=True):
                wait_for_health(ports[name], server, logs[name])
            # A worker's first page loads the views and templates (seconds on a busy machine): both at once.
            with ThreadPoolExecutor(2) as pool:
                pages = list(pool.map(first_page, ports.values()))
            assert [response.status for response, _ in pages] == [200, 200]
            yield TwoServers(ports, facts, bucket, s3, tmp)
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait(timeout=10)
        if collectstatic.poll() is None:
            collectstatic.kill()
            collectstatic.wait(timeout=10)


def first_page(port: int):
    return Site(port, timeout=TIMEOUT).request("GET", "/accounts/login/")


def wait_for_health(port: int, server: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 60
    while True:
        assert server.poll() is None, f"gunicorn stopped at once:\n{log.read_text()}"
        try:
            response, _ = Site(port).request("GET", "/healthz")
            if response.status == 200:
                return
        except OSError:
            pass
        assert time.monotonic() < deadline, f"gunicorn did not answer /healthz within 60 s:\n{log.read_text()}"
        time.sleep(0.2)


def sign_in(visitor: Visitor, username: str, secret: str, *, password_on: str, code_on: str) -> None:
    """Password on one server, the authenticator app's code on the other (staff must use two-factor sign-in)."""
    response, _ = visitor.get(password_on, "/accounts/login/")
    assert response.status == 200
    response, _ = visitor.post(password_on, "/accounts/login/", {"username": username, "password": TEST_PASSWORD, "next": "/"})
    assert response.status == 302, "the password was refused"
    # The other server knows the half-done sign-in: every page sends it to the code page.
    response, _ = visitor.get(code_on, response.getheader("Location"))
    code_page = response.getheader("Location") or ""
    assert response.status == 302 and code_page.startswith("/account/two-factor/code/"), (response.status, code_page)
    response, content = visitor.get(code_on, code_page)
    assert response.status == 200 and b"Enter your code" in content, "the other server did not know the half-done sign-in"
    response, _ = visitor.post(code_on, code_page, {"code": pyotp.TOTP(secret).now(), "next": "/"})
    assert response.status == 302, "the code was refused"


def test_a_session_begun_on_one_server_carries_on_on_the_other_and_ends_on_both(two_servers):
    officer = two_servers.visitor("203.0.113.5")
    sign_in(officer, "officer-session", two_servers.facts["totp"]["officer-session"], password_on="a", code_on="b")
    for server in ("a", "b"):
        response, content = officer.get(server, "/")
        assert response.status == 200, f"server {server} did not know the session"
        assert b"Sign out" in content

    response, _ = officer.post("b", "/accounts/logout/", {})
    assert response.status == 302
    response, _ = officer.get("a", "/")
    assert response.status == 302 and response.getheader("Location").startswith("/accounts/login/"), (
        "the session signed out on one server still works on the other"
    )


def test_a_file_uploaded_to_one_server_is_in_the_shared_bucket_and_downloads_from_the_other(two_servers):
    officer = two_servers.visitor("203.0.113.6")
    sign_in(officer, "officer-upload", two_servers.facts["totp"]["officer-upload"], password_on="b", code_on="a")
    agreement = two_servers.facts["agreement"]
    upload = f"/agreements/{agreement}/documents/new/"
    response, _ = officer.get("a", upload)
    assert response.status == 200
    response, _ = officer.post("a", upload, {"title": "Signed SLA"}, files={"file": ("signed sla.pdf", pdf_bytes())})
    assert response.status == 302, "the upload was refused"
    assert response.getheader("Location") == f"/agreements/{agreement}/"

    response, content = officer.get("b", f"/agreements/{agreement}/")
    assert response.status == 200 and b"Signed SLA" in content
    download = re.search(rb'href="(/documents/\d+/)"', content).group(1).decode()
    response, content = officer.get("b", download)
    assert response.status == 200 and content == pdf_bytes()
    assert response.getheader("Content-Type") == "application/pdf"

    listed = two_servers.s3.list_objects_v2(Bucket=two_servers.bucket).get("Contents", [])
    assert [two_servers.s3.get_object(Bucket=two_servers.bucket, Key=o["Key"])["Body"].read() for o in listed] == [pdf_bytes()]
    assert not list((two_servers.tmp / "var").rglob("*.pdf")), "a server kept the upload on its own disk"


def test_failed_sign_ins_on_both_servers_count_together_and_lock_the_account_on_both(two_servers):
    guesser = two_servers.visitor("198.51.100.7")
    response, _ = guesser.get("a", "/accounts/login/")
    assert response.status == 200
    # Two failures on A and one on B: neither server alone has seen the limit (3).
    for server in ("a", "b"):
        response, content = guesser.post(server, "/accounts/login/", {"username": "finance-locked", "password": "wrong guess"})
        assert response.status == 200 and b"Enter a correct username and password" in content
    response, _ = guesser.post("a", "/accounts/login/", {"username": "finance-locked", "password": "another guess"})
    assert response.status == 429
    # Locked on both, even for the right password, and from another address too (the lock is on the username).
    owner = two_servers.visitor("203.0.113.9")
    owner.get("b", "/accounts/login/")
    for server in ("b", "a"):
        response, content = owner.post(server, "/accounts/login/", {"username": "finance-locked", "password": TEST_PASSWORD})
        assert response.status == 429, f"server {server} let a locked account sign in"
        assert b"try again" in content.lower()


def test_the_consultation_limit_counts_responses_sent_to_either_server(two_servers):
    # The limit is counted in the cache: this fails if each server keeps a cache of its own.
    public = two_servers.visitor("192.0.2.44")
    page = f"/consult/{two_servers.facts['consultation_token']}/"
    response, _ = public.get("a", page)
    assert response.status == 200
    for sent in range(PUBLIC_RESPONSES_PER_HOUR):  # five to each server: neither alone reaches the limit
        # A response with the hidden field filled in is thanked and counted (and kept nowhere): the cheapest to send.
        response, _ = public.post("ab"[sent % 2], page, {"website": "https://spam.example"})
        assert response.status == 302, f"response {sent + 1} was refused"
    for server in ("a", "b"):
        response, content = public.post(server, page, {"website": "https://spam.example"})
        assert response.status == 429, f"server {server} took more responses than the limit"
        assert b"as many as we accept" in content


def test_each_server_is_ready_with_the_shared_database_cache_and_bucket(two_servers):
    for name, port in two_servers.ports.items():
        response, body = Site(port, timeout=TIMEOUT).request("GET", "/readyz", https=False, headers={"Host": "192.0.2.10"})
        assert response.status == 200, f"server {name}: {body!r}"
        checks = json.loads(body)["checks"]
        assert {check: value["status"] for check, value in checks.items()} == dict.fromkeys(
            ("database", "cache", "storage", "outbox"), "ok"
        )
        assert checks["storage"]["backend"] == "S3Storage"


# Background work across the servers (issue 20, item 5, being added with django-tasks): a test here should start an
# export or import on server A, run the worker (`manage.py db_worker` with the same environment) once, and read its
# progress and its result on server B. The module's set-up is where the worker would start, beside the servers.
