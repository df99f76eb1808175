"""Production: the deploy/ files fit the code, and gunicorn with the production settings, run from an install of
the runtime dependencies only (`uv sync --locked --no-dev`, as docs/operations/deploy.md installs a server), serves
the sign-in page, a compressed static file and a real sign-in with every security header."""

from __future__ import annotations

import configparser
import http.client
import importlib.util
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

import pyotp
import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
SECRET = "production-test-key-4b1d9e7a0c2f48d6a913e5b7c8d0f1a2-not-a-real-one"
PASSWORD = "a-long-production-password"


# --- the deploy/ files ------------------------------------------------------------------


def unit() -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    parser.optionxform = str  # systemd keys are case-sensitive
    parser.read(DEPLOY / "vcsgrants.service")
    return parser


def env_example() -> dict[str, str]:
    pairs = {}
    for line in (DEPLOY / "vcsgrants.env.example").read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            key, _, value = line.partition("=")
            pairs[key.strip()] = value.strip()
    return pairs


def test_the_systemd_unit_starts_gunicorn_on_code_that_exists():
    service = unit()["Service"]
    exec_start = service["ExecStart"].split()
    assert exec_start[0].endswith("/.venv/bin/gunicorn")
    config = exec_start[exec_start.index("--config") + 1]
    assert (ROOT / config.removeprefix(service["WorkingDirectory"] + "/")).is_file()
    module, _, attribute = exec_start[-1].partition(":")
    assert (module, attribute) == ("vcsgrants.wsgi", "application")
    assert "application =" in Path(importlib.util.find_spec(module).origin).read_text()
    assert service["EnvironmentFile"] == "/etc/vcsgrants/vcsgrants.env"

    env = env_example()
    assert env["DJANGO_SETTINGS_MODULE"] == "vcsgrants.production"
    assert importlib.util.find_spec(env["DJANGO_SETTINGS_MODULE"]) is not None
    assert {"SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "VCSGRANTS_VAR_DIR", "STATIC_ROOT"} <= env.keys()
    assert service["ReadWritePaths"] == env["VCSGRANTS_VAR_DIR"]


def test_the_worker_unit_runs_the_worker_command_with_the_apps_environment():
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    parser.optionxform = str
    parser.read(DEPLOY / "vcsgrants-worker.service")
    worker, web = parser["Service"], unit()["Service"]
    assert worker["ExecStart"].split()[1:] == ["manage.py", "run_worker"]
    assert worker["ExecStart"].split()[0] == str(Path(web["ExecStart"].split()[0]).parent / "python")
    assert (ROOT / "vcsgrants/core/management/commands/run_worker.py").is_file()
    for key in ("EnvironmentFile", "WorkingDirectory", "ReadWritePaths", "User"):
        assert worker[key] == web[key]
    assert worker["Restart"] == "always"
    assert not list(DEPLOY.glob("*.timer"))  # the worker schedules the e-mails: no timer to install


def test_nginx_passes_https_and_the_visitor_address_to_the_socket_gunicorn_binds_and_accepts_every_upload():
    nginx = (DEPLOY / "nginx.conf").read_text()
    gunicorn_conf = (DEPLOY / "gunicorn.conf.py").read_text()
    socket_path = re.search(r'"GUNICORN_BIND", "unix:([^"]+)"', gunicorn_conf).group(1)
    assert f"server unix:{socket_path} " in nginx
    assert unit()["Service"]["RuntimeDirectory"] == Path(socket_path).parent.name
    for header in ("Host $host", "X-Forwarded-Proto $scheme", "X-Real-IP $remote_addr"):
        assert f"proxy_set_header {header};" in nginx
    size = re.search(r"client_max_body_size (\d+)m;", nginx)
    assert int(size.group(1)) * 1024 * 1024 > settings.MAX_DOCUMENT_BYTES
    timeout = int(re.search(r'"GUNICORN_TIMEOUT", "(\d+)"', gunicorn_conf).group(1))
    assert int(re.search(r"proxy_read_timeout (\d+)s;", nginx).group(1)) > timeout


# --- gunicorn with the production settings, from the runtime-only install --------------------------------------
# One test, one server: migrate + collectstatic + gunicorn take most of a minute on these machines,
# and a module-scoped fixture would run once per xdist worker. The install itself takes seconds: uv links the
# packages from its cache, which `make install` filled.


def test_gunicorn_from_the_runtime_only_install_with_the_production_settings_serves_the_service_safely(gunicorn_site):
    site, tmp = gunicorn_site
    check_the_runtime_install_holds_no_development_tool_and_imports_every_module(tmp)
    check_the_health_check_answers(site, tmp)
    check_the_sign_in_page_carries_every_security_header(site, tmp)
    check_plain_http_is_sent_to_https(site, tmp)
    check_whitenoise_serves_the_collected_static_files_compressed_and_cached_for_ever(site, tmp)
    check_an_administrator_signs_in_through_the_proxy_and_gets_secure_cookies(site, tmp)
    check_a_load_balancer_reaches_healthz_and_readyz_by_address_over_plain_http(site, tmp)
    check_each_request_is_one_json_log_line_with_its_request_id(site, tmp)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Site:
    """HTTP to the gunicorn under test, as nginx would send it (Host and X-Forwarded-Proto)."""

    def __init__(self, port: int, *, timeout: float = 30):
        self.port = port
        self.timeout = timeout
        self.cookies: dict[str, str] = {}

    def request(
        self, method: str, path: str, *, https: bool = True, body: dict | bytes | None = None, headers: dict | None = None
    ):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
        sent = {"Host": "grants.example.test", **(headers or {})}
        if https:
            sent["X-Forwarded-Proto"] = "https"
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        data = None
        if isinstance(body, bytes):  # already encoded (a multipart upload): the caller's headers give its type
            data = body
        elif body is not None:
            data = urllib.parse.urlencode(body)
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        conn.request(method, path, body=data, headers=sent)
        response = conn.getresponse()
        content = response.read()
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                key, _, rest = value.partition("=")
                self.cookies[key] = rest.split(";", 1)[0]
        conn.close()
        return response, content


def run(args: list[str], env: dict[str, str]) -> None:
    # Our own interpreter and manage.py with fixed arguments; no shell.
    done = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False)  # noqa: S603
    assert done.returncode == 0, f"{' '.join(args)} failed:\n{done.stdout}\n{done.stderr}"


def uv() -> str:
    """The uv that `make install` put in .venv-uv (or one on PATH)."""
    found = shutil.which("uv", path=str(ROOT / ".venv-uv" / "bin")) or shutil.which("uv")
    assert found, "uv is missing: `make install` installs it into .venv-uv"
    return found


# Development tools that a production install must not hold (each is in a dependency group of pyproject.toml).
NOT_IN_PRODUCTION = ("pytest", "playwright", "schemathesis", "hypothesis", "locust", "flattentool", "ruff", "mkdocs")


def runtime_install(tmp: Path) -> Path:
    """The bin folder of a venv holding [project] dependencies at uv.lock's versions and nothing else, installed by
    the command docs/operations/deploy.md gives a server."""
    venv = tmp / "runtime-venv"
    env = {k: v for k, v in os.environ.items() if k not in {"VIRTUAL_ENV", "UV_PROJECT_ENVIRONMENT"}}
    env.update(UV_PROJECT_ENVIRONMENT=str(venv), UV_PYTHON_DOWNLOADS="never")
    run([uv(), "sync", "--locked", "--no-dev", "--python", sys.executable, "--quiet"], env)
    return venv / "bin"


def production_env(tmp: Path) -> dict[str, str]:
    """This process's environment with the production settings, a throwaway SQLite database and files under tmp."""
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "PYTEST_XDIST_WORKER", "PYTEST_CURRENT_TEST"}}
    env.update(
        DJANGO_SETTINGS_MODULE="vcsgrants.production",
        SECRET_KEY=SECRET,
        ALLOWED_HOSTS="grants.example.test",
        VCSGRANTS_VAR_DIR=str(tmp / "var"),
        STATIC_ROOT=str(tmp / "static"),
    )
    return env


@pytest.fixture
def gunicorn_site(tmp_path):
    tmp = tmp_path
    port = free_port()
    env = production_env(tmp)
    env.update(
        GUNICORN_BIND=f"127.0.0.1:{port}",
        GUNICORN_WORKERS="2",
        DJANGO_SUPERUSER_PASSWORD=PASSWORD,
    )
    bin_dir = runtime_install(tmp)
    python = str(bin_dir / "python")
    # The deployment steps of docs/operations/deploy.md, in order.
    run([python, "manage.py", "migrate", "--noinput"], env)
    run([python, "manage.py", "collectstatic", "--noinput"], env)
    run([python, "manage.py", "createsuperuser", "--noinput", "--username", "it-admin", "--email", "it@example.test"], env)

    log = (tmp / "gunicorn.log").open("w")
    server = subprocess.Popen(  # noqa: S603 - the venv's gunicorn with our config file; no shell
        [str(bin_dir / "gunicorn"), "--config", str(DEPLOY / "gunicorn.conf.py")],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert server.poll() is None, (tmp / "gunicorn.log").read_text()
                assert time.monotonic() < deadline, "gunicorn did not start listening within 60 s"
                time.sleep(0.2)
        yield Site(port), tmp
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


IMPORT_EVERY_MODULE = """
import importlib, pkgutil, django
django.setup()
count = 0
def walk(package):
    global count
    for module in pkgutil.iter_modules(package.__path__, package.__name__ + "."):
        if module.name != "vcsgrants.demo":
            imported = importlib.import_module(module.name)
            count += 1
            if module.ispkg:
                walk(imported)
walk(importlib.import_module("vcsgrants"))
print(count)
"""


def check_the_runtime_install_holds_no_development_tool_and_imports_every_module(tmp):
    python = str(tmp / "runtime-venv" / "bin" / "python")
    env = production_env(tmp)
    script = f"import importlib.util as u; print([m for m in {NOT_IN_PRODUCTION!r} if u.find_spec(m)])"
    done = subprocess.run([python, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, check=True)  # noqa: S603
    assert done.stdout.strip() == "[]", f"development tools in the production install: {done.stdout}"
    # Every module of the service (the demo aside: production refuses it) imports with the runtime packages alone,
    # so a page this test does not visit cannot fail in production for a package only the groups install.
    done = subprocess.run([python, "-c", IMPORT_EVERY_MODULE], cwd=ROOT, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    assert done.returncode == 0, done.stderr
    assert int(done.stdout.split()[-1]) > 100


def check_the_health_check_answers(site, tmp):
    response, content = site.request("GET", "/healthz")
    assert (response.status, content) == (200, b"ok")


def check_the_sign_in_page_carries_every_security_header(site, tmp):
    response, content = site.request("GET", "/accounts/login/")
    assert response.status == 200
    assert b"Sign in to VCS Grants" in content

    csp = response.getheader("Content-Security-Policy")
    directives = dict(part.strip().split(" ", 1) for part in csp.split(";"))
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'" and directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'" and directives["object-src"] == "'none'"
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert response.getheader("Strict-Transport-Security") == "max-age=31536000; includeSubDomains; preload"
    assert response.getheader("X-Content-Type-Options") == "nosniff"
    assert response.getheader("X-Frame-Options") == "DENY"
    assert response.getheader("Referrer-Policy") == "same-origin"
    assert response.getheader("Cross-Origin-Opener-Policy") == "same-origin"
    assert "camera=()" in response.getheader("Permissions-Policy")
    csrf_cookie = next(v for k, v in response.getheaders() if k.lower() == "set-cookie" and v.startswith("csrftoken="))
    assert "Secure" in csrf_cookie

    # The page has no inline script or style for the policy to block.
    html = content.decode()
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
    assert " style=" not in html and "<style" not in html


def check_plain_http_is_sent_to_https(site, tmp):
    response, _ = site.request("GET", "/accounts/login/", https=False)
    assert response.status == 301
    assert response.getheader("Location") == "https://grants.example.test/accounts/login/"


def check_whitenoise_serves_the_collected_static_files_compressed_and_cached_for_ever(site, tmp):
    _, content = site.request("GET", "/accounts/login/")
    css = re.search(r'href="(/static/vcsgrants\.[0-9a-f]{12}\.css)"', content.decode()).group(1)
    response, body = site.request("GET", css, headers={"Accept-Encoding": "gzip"})
    assert response.status == 200
    assert response.getheader("Content-Encoding") == "gzip"
    assert "immutable" in response.getheader("Cache-Control")
    assert (tmp / "static" / css.removeprefix("/static/")).is_file()
    # The GOV.UK Frontend module that our start-up script imports by its plain name.
    response, body = site.request("GET", "/static/govuk/govuk-frontend.min.js")
    assert response.status == 200 and b"initAll" in body


def check_an_administrator_signs_in_through_the_proxy_and_gets_secure_cookies(site, tmp):
    _, content = site.request("GET", "/accounts/login/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', content.decode()).group(1)
    response, _ = site.request(
        "POST",
        "/accounts/login/",
        body={"csrfmiddlewaretoken": token, "username": "it-admin", "password": PASSWORD, "next": "/"},
        headers={"Origin": "https://grants.example.test", "Referer": "https://grants.example.test/accounts/login/"},
    )
    assert response.status == 302, "sign-in through the proxy was refused"
    session_cookie = next(v for k, v in response.getheaders() if k.lower() == "set-cookie" and v.startswith("sessionid="))
    assert "Secure" in session_cookie and "HttpOnly" in session_cookie
    assert "expires" not in session_cookie.lower()  # ends when the browser closes
    # The production settings require two-factor sign-in of staff (a superuser counts as an administrator): every
    # page sends them to set it up first. The page's key, typed into an authenticator app, gives the code.
    response, _ = site.request("GET", "/")
    assert response.status == 302 and response.getheader("Location") == "/account/two-factor/set-up/"
    response, content = site.request("GET", "/account/two-factor/set-up/")
    page = content.decode()
    assert response.status == 200 and "Your role must use two-factor sign-in" in page
    secret = re.search(r'id="secret">([A-Z2-7 ]+)<', page).group(1).replace(" ", "")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    response, _ = site.request(
        "POST",
        "/account/two-factor/set-up/",
        body={"csrfmiddlewaretoken": token, "code": pyotp.TOTP(secret).now()},
        headers={"Origin": "https://grants.example.test", "Referer": "https://grants.example.test/account/two-factor/set-up/"},
    )
    assert response.status == 302, "the code from the key on the page was refused"
    response, content = site.request("GET", "/")
    assert response.status == 200
    assert b"Change password" in content


def check_a_load_balancer_reaches_healthz_and_readyz_by_address_over_plain_http(site, tmp):
    # Not in ALLOWED_HOSTS, no X-Forwarded-Proto: still answered, never redirected to HTTPS.
    health, body = site.request("GET", "/healthz", https=False, headers={"Host": "192.0.2.10"})
    assert (health.status, body) == (200, b"ok")
    ready, body = site.request("GET", "/readyz", https=False, headers={"Host": "192.0.2.10:8000"})
    assert ready.status == 200, body
    checks = json.loads(body)["checks"]
    assert {name: check["status"] for name, check in checks.items()} == dict.fromkeys(
        ("database", "cache", "storage", "tasks", "outbox"), "ok"
    )
    assert checks["tasks"]["waiting"] == 0
    assert checks["storage"]["backend"] == "FileSystemStorage"
    # Any other page from an unknown host is still refused.
    refused, _ = site.request("GET", "/accounts/login/", headers={"Host": "192.0.2.10"})
    assert refused.status == 400


def check_each_request_is_one_json_log_line_with_its_request_id(site, tmp):
    # By now the administrator is signed in (the cookies are kept): the line names them by id and role only.
    response, _ = site.request("GET", "/accounts/login/", headers={"X-Request-ID": "lb-7d1e0f"})
    assert response.getheader("X-Request-ID") == "lb-7d1e0f"
    records = [json.loads(line) for line in (tmp / "gunicorn.log").read_text().splitlines() if line.startswith("{")]
    lines = [r for r in records if r.get("request_id") == "lb-7d1e0f" and r["logger"] == "vcsgrants.requests"]
    assert len(lines) == 1, records[-5:]
    line = lines[0]
    assert (line["method"], line["path"], line["role"]) == ("GET", "/accounts/login/", "superuser")
    assert isinstance(line["user_id"], int) and isinstance(line["status"], int) and line["duration_ms"] > 0
    # Earlier, before signing in: anonymous, and the plain-HTTP request's redirect.
    requests = [r for r in records if r["logger"] == "vcsgrants.requests"]
    assert ("/accounts/login/", 301, "anonymous") in [(r["path"], r["status"], r["role"]) for r in requests]
    # Every request its own id; never the username; health checks not logged.
    assert len({r["request_id"] for r in requests}) == len(requests)
    assert not any("it-admin" in json.dumps(r) for r in records)
    assert not any(r["path"] in ("/healthz", "/readyz") for r in requests)
