"""Production: the deploy/ files fit the code, and gunicorn with the production settings serves
the sign-in page, a compressed static file and a real sign-in with every security header."""

from __future__ import annotations

import configparser
import http.client
import importlib.util
import os
import re
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
VENV_BIN = Path(sys.executable).parent
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


# --- gunicorn with the production settings ------------------------------------------------------
# One test, one server: migrate + collectstatic + gunicorn take most of a minute on these machines,
# and a module-scoped fixture would run once per xdist worker.


def test_gunicorn_with_the_production_settings_serves_the_service_safely(gunicorn_site):
    site, tmp = gunicorn_site
    check_the_sign_in_page_carries_every_security_header(site, tmp)
    check_plain_http_is_sent_to_https(site, tmp)
    check_whitenoise_serves_the_collected_static_files_compressed_and_cached_for_ever(site, tmp)
    check_an_administrator_signs_in_through_the_proxy_and_gets_secure_cookies(site, tmp)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Site:
    """HTTP to the gunicorn under test, as nginx would send it (Host and X-Forwarded-Proto)."""

    def __init__(self, port: int):
        self.port = port
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, *, https: bool = True, body: dict | None = None, headers: dict | None = None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        sent = {"Host": "grants.example.test", **(headers or {})}
        if https:
            sent["X-Forwarded-Proto"] = "https"
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        data = None
        if body is not None:
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
    python = sys.executable
    # The deployment steps of docs/operations/deploy.md, in order.
    run([python, "manage.py", "migrate", "--noinput"], env)
    run([python, "manage.py", "createcachetable"], env)
    run([python, "manage.py", "collectstatic", "--noinput"], env)
    run([python, "manage.py", "createsuperuser", "--noinput", "--username", "it-admin", "--email", "it@example.test"], env)

    log = (tmp / "gunicorn.log").open("w")
    server = subprocess.Popen(  # noqa: S603 - the venv's gunicorn with our config file; no shell
        [str(VENV_BIN / "gunicorn"), "--config", str(DEPLOY / "gunicorn.conf.py")],
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
