"""Playwright fixtures for browser tests against pytest-django's ``live_server``.

Chromium is Debian's ``/usr/bin/chromium`` (Playwright's own browser download does not work
on these machines). Where it is missing the tests fail loudly; they never skip.

Each pytest process (each xdist worker) has one Chromium, one live server and one copy of the demo; `make test`
runs them on two workers, a module to a worker (``pytest -n 2 --dist loadfile tests/browser``).

Usage::

    def test_home_is_accessible(page, live_server, login_as, axe_check, screenshot):
        login_as(page, live_server, "officer", "a-long-password")
        screenshot(page, "home")
        violations = axe_check(page)
        assert not violations, violations
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import sqlite3
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection

# Playwright's sync API runs an event loop in this thread; Django then refuses ORM calls
# from it ("You cannot call this from an async context") unless told it is safe.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    # Without these Chromium floods the closed network with refused connections.
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-quic",
    "--disable-sync",
]
VIEWPORT = {"width": 1280, "height": 900}
DEFAULT_TIMEOUT_MS = 10_000

BROWSER_DIR = Path(__file__).resolve().parent
REPO_ROOT = BROWSER_DIR.parent.parent
AXE_JS = BROWSER_DIR / "vendor" / "axe.min.js"
SCREENSHOT_DIR = REPO_ROOT / "test-artifacts" / "screenshots"
BLOCKING_IMPACTS = ("serious", "critical")


# The accessibility crawl's two modules take longest: they go first, one to each xdist worker (make test-browser runs
# -n 2 --dist loadfile), and the other modules fill in around them.
FIRST_MODULES = ("test_accessibility_crawl.py", "test_accessibility_crawl_other_roles.py")


@pytest.hookimpl(trylast=True)  # after tests/conftest.py's order, which this refines
def pytest_collection_modifyitems(config, items):
    """Mark every test under tests/browser with ``browser`` so ``-m "not browser"`` works; the crawl first."""
    for item in items:
        if BROWSER_DIR in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.browser)
    items.sort(key=lambda item: Path(str(item.path)).name not in FIRST_MODULES)  # stable: the rest keep their order


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    # Keep each phase's report on the item so the page fixture can screenshot failures.
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


def _safe_name(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", name).strip("_") or "screenshot"


def _screenshot(page, name: str) -> Path:
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOT_DIR / f"{_safe_name(name)}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


DEMO_PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


class DemoSnapshot:
    """The demo, loaded once for the whole browser run and copied into each test's empty database.

    load_demo costs 10-20 s; SQLite's backup API copies the loaded database into the (in-memory) test database in
    milliseconds, and its media folder is copied beside it. A test still owns its copy: transactional_db empties the
    database after it.
    """

    def __init__(self, folder: Path):
        self.folder = folder
        self.database: sqlite3.Connection | None = None

    def load_into(self, media_root: Path) -> None:
        connection.ensure_connection()
        if connection.vendor != "sqlite":  # only SQLite can be copied so; load it afresh elsewhere
            call_command("load_demo", stdout=io.StringIO())
            return
        if self.database is None:
            call_command("load_demo", stdout=io.StringIO())
            self.database = sqlite3.connect(":memory:")
            connection.connection.backup(self.database)
            if media_root.exists():
                shutil.copytree(media_root, self.folder / "media")
            return
        self.database.backup(connection.connection)
        if (self.folder / "media").exists():
            shutil.copytree(self.folder / "media", media_root, dirs_exist_ok=True)


@pytest.fixture(scope="session")
def _demo_snapshot(tmp_path_factory):
    snapshot = DemoSnapshot(tmp_path_factory.mktemp("demo-snapshot"))
    yield snapshot
    if snapshot.database is not None:
        snapshot.database.close()


@pytest.fixture
def demo(transactional_db, settings, tmp_path, _demo_snapshot):
    """The demo in this test's database (its users' password is demo-pass-2022), media in a folder of its own."""
    settings.PASSWORD_HASHERS = DEMO_PASSWORD_HASHERS
    settings.MEDIA_ROOT = tmp_path
    _demo_snapshot.load_into(tmp_path)


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing: browser tests need Debian's chromium "
            "(`apt-get install -y chromium`, which `make test` does for you).",
            pytrace=False,
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def page(browser, request):
    """A fresh browser context (no cookies, no storage) per test."""
    context = browser.new_context(viewport=VIEWPORT)
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    page = context.new_page()
    # Chromium reports each script, style or load that the Content-Security-Policy refuses as a
    # console error; a page that the policy breaks fails its test (test_signin_journey.py shows the report).
    refused: list[str] = []
    page.on("console", lambda msg: refused.append(msg.text) if "Content Security Policy" in msg.text else None)
    try:
        yield page
        if refused:
            pytest.fail("The Content-Security-Policy refused something on a page:\n" + "\n".join(refused), pytrace=False)
    finally:
        failed = getattr(request.node, "rep_call", None)
        if failed is not None and failed.failed:
            try:
                path = _screenshot(page, f"FAILED-{request.node.nodeid}")
                print(f"\nScreenshot of the failing page: {path}")
            except Exception as exc:  # a failed screenshot must not hide the real failure
                print(f"\n(could not take a screenshot of the failing page: {exc})")
        context.close()


def _login_as(page, live_server, username: str, password: str, *, expect_success: bool = True):
    """Sign in through the real login form and wait for the next page."""
    page.goto(f"{live_server.url}/accounts/login/")
    page.locator('[name="username"]').fill(username)
    page.locator('[name="password"]').fill(password)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()
    if expect_success and page.url.split("?")[0].rstrip("/").endswith("/accounts/login"):
        errors = page.locator(".govuk-error-summary").all_inner_texts()
        pytest.fail(f"Sign-in as {username!r} failed; still on {page.url}. {' '.join(errors).strip()}", pytrace=False)
    return page


@pytest.fixture
def login_as():
    """``login_as(page, live_server, username, password)`` signs in via /accounts/login/."""
    return _login_as


def _target(node) -> str:
    # An axe target is a list of CSS selectors (nested lists for iframes/shadow DOM).
    return " >> ".join(t if isinstance(t, str) else json.dumps(t) for t in node.get("target", []))


class AxeViolations(list):
    """The serious/critical axe violations; prints as a readable report, one line per rule.

    Write ``assert not violations, violations`` to get the report as the failure message;
    the full report (with axe's advice per element) is also printed to the captured stdout.
    """

    MAX_TARGETS = 5

    def __str__(self) -> str:
        if not self:
            return "No serious or critical accessibility violations."
        lines = [f"{len(self)} serious/critical accessibility violation(s):"]
        for v in self:
            nodes = v.get("nodes", [])
            targets = ", ".join(_target(n) for n in nodes[: self.MAX_TARGETS])
            more = f" and {len(nodes) - self.MAX_TARGETS} more" if len(nodes) > self.MAX_TARGETS else ""
            lines.append(f"- [{v.get('impact')}] {v.get('id')}: {v.get('help')} -- at {targets}{more}")
        return "\n".join(lines)

    __repr__ = __str__

    def report(self) -> str:
        """The long form: every element, its HTML and axe's advice."""
        lines = [str(self)]
        for v in self:
            lines.append(f"\n[{v.get('impact')}] {v.get('id')}: {v.get('help')}\n  {v.get('helpUrl', '')}")
            for node in v.get("nodes", []):
                lines.append(f"  at {_target(node)}\n    {node.get('html', '')[:300]}")
                summary = (node.get("failureSummary") or "").strip()
                lines.extend(f"    {line}" for line in summary.splitlines())
        return "\n".join(lines)


def _axe_check(page, *, disabled_rules: dict[str, str] | None = None, context=None) -> AxeViolations:
    """Run axe-core on the current page; return violations of impact serious or critical.

    ``disabled_rules`` maps an axe rule id to the reason it is switched off; a reason is required.
    """
    disabled_rules = disabled_rules or {}
    for rule, reason in disabled_rules.items():
        if not (reason and reason.strip()):
            raise ValueError(f"axe rule {rule!r} is disabled without a reason")
    if not AXE_JS.exists():
        pytest.fail(f"{AXE_JS} is missing (axe-core is vendored there)", pytrace=False)
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        # Evaluated through the DevTools protocol rather than added as a <script>: the pages'
        # Content-Security-Policy (script-src 'self') rightly refuses an inline script.
        page.evaluate(AXE_JS.read_text())
    options = {"rules": {rule: {"enabled": False} for rule in disabled_rules}}
    result = page.evaluate(
        "([context, options]) => axe.run(context || document, options)",
        [context, options],
    )
    violations = AxeViolations(v for v in result["violations"] if v.get("impact") in BLOCKING_IMPACTS)
    if violations:
        # Captured, and shown by pytest in full (never truncated) when the test fails.
        print(f"\naxe-core on {page.url}:\n{violations.report()}")
    return violations


@pytest.fixture
def axe_check():
    """``axe_check(page)`` returns the serious/critical axe-core violations on the page."""
    return _axe_check


@pytest.fixture
def screenshot():
    """``screenshot(page, name)`` saves a full-page PNG to test-artifacts/screenshots/NAME.png."""
    return _screenshot
