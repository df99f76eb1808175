"""Every page pattern, for every demo role and for someone not signed in, in Chromium with axe-core (issue 18).

What it does, in one pass per role (the roles in AXE_ROLE_ORDER, each in its own browser context, one tab reused):

1. Start from the pages tests/test_permissions.py's MATRIX lets the role GET (plus the sign-in and change-password
   pages that MATRIX leaves to Django), and follow every link on each page to a page pattern the role has not yet
   reached. A page pattern (a URL route such as ``agreements/<int:pk>/``) is read once per role, at the first URL
   that opens (a URL that redirects, such as a closed call's edit page, is tried at up to TRIES URLs from links).
2. Every (role, pattern) is loaded at 320 px wide; the document may not be wider than the viewport (WCAG 1.4.10).
3. axe-core (WCAG 2.0/2.1/2.2 A and AA tags) runs once per pattern at 320 px and, after resizing the same tab, at
   1280 px (with the width check again), as the first role in AXE_ROLE_ORDER that reaches it: officers first. The
   pages are one set of templates for every role; what differs by role is the content (which rows, which buttons),
   not the markup, so one reading per pattern finds the template's faults, and reading each pattern for all nine
   roles would cost 9 times as long for little more. The width check is done for every role because it does
   depend on content (a long name in a table cell).
4. Every POST form with fields, on every pattern (as the same role), is submitted with every field emptied. The
   answer must be a page whose title starts "Error: " and whose error summary's links each move the focus to a field
   (GOV.UK Frontend's error summary, followed with the Enter key), or a page that took the empty form (a form with
   no required field). An answer with inline errors but no summary is a failure too.

The officer's pages are this module; every other role's are test_accessibility_crawl_other_roles.py, which leaves
axe and the forms to this one on the pages an officer opens. So two xdist workers share the crawl (make test-browser).

Every fault is collected and the test fails once at the end with one line per fault: route, role, width, axe rule,
and a CSS selector of the first elements. Nothing is switched off.
"""

from __future__ import annotations

import collections
import os
import time
from urllib.parse import urlsplit

from django.test import Client

from tests.browser.a11y import (
    EMPTY_AND_SUBMIT,
    ERROR_LINKS,
    FOCUSED_FIELD,
    HEIGHT,
    NOT_FOLLOWED,
    NOT_HTML,
    POST_FORMS,
    WIDER_THAN_VIEWPORT,
    axe,
    axe_lines,
    pattern_of,
    session_cookie,
    start_urls,
)
from tests.browser.conftest import DEFAULT_TIMEOUT_MS
from vcsgrants.core.models import User

TRACE = os.environ.get("A11Y_TRACE")


def trace(line: str) -> None:
    """With A11Y_TRACE=1 (and pytest -s), each page as it is read, with the seconds since the start."""
    if TRACE:
        print(line, flush=True)


# A page whose first URL does not open (it redirects: a closed call's edit page) is tried at up to this many URLs
# found in links (another call's).
TRIES = 3
LINKS = "els => els.map(a => a.getAttribute('href'))"


def load(page, url: str):
    """The page at url, or None where it is not an HTML page that opened (a download, a refusal)."""
    try:
        response = page.goto(url)
    except Exception as exc:  # Chromium refuses to "navigate" to a download
        if "Download is starting" in str(exc):
            return None
        raise
    if response is None or response.status != 200:
        return None
    if not response.headers.get("content-type", "").startswith("text/html"):
        return None
    return response


def check_width(page, route: str, role: str, width: int, problems: list[str]) -> None:
    wide = page.evaluate(WIDER_THAN_VIEWPORT)
    if wide:
        problems.append(f"{route} {role} {width}px reflow: the page is {wide}")


def check_empty_form(page, base: str, url: str, index: int, route: str, role: str, problems: list[str]) -> None:
    where = f"{route} {role} form {index + 1}:"
    load(page, base + url)
    with page.expect_navigation():
        page.evaluate(EMPTY_AND_SUBMIT, index)
    if not page.locator(".govuk-error-summary").count():
        if page.locator(".govuk-error-message, [aria-invalid=true]").count():
            problems.append(f"{where} empty-form: errors shown without an error summary")
        return  # the form took the empty answer (no required field)
    title = page.title()
    if not title.startswith("Error: "):
        problems.append(f"{where} empty-form: the title does not start 'Error: ' ({title!r})")
    links = page.evaluate(ERROR_LINKS)
    if not links:
        problems.append(f"{where} empty-form: the error summary has no links to the fields")
    for link in links:
        page.locator(f'.govuk-error-summary a[href="{link["href"]}"]').first.focus()
        page.keyboard.press("Enter")
        if not page.evaluate(FOCUSED_FIELD):
            problems.append(f"{where} empty-form: the error link {link['href']} ({link['text']!r}) moves focus to no field")


def officer_pages(per_role: dict[str, list[str]]) -> set[str]:
    """The pages the officer's module reads with axe: those of the officer's start pages that open for an officer
    (Django's test client, no browser). Some redirect on the demo (the closed call's edit pages, say)."""
    client = Client()
    client.force_login(User.objects.get(username="officer"))
    opened = set()
    for url in per_role["officer"]:
        response = client.get(url)
        if response.status_code == 200 and response["Content-Type"].startswith("text/html"):
            opened.add(pattern_of(url)[0])
    return opened


def crawl(browser, base: str, roles: list[str], *, officer_reads_elsewhere: bool = False) -> list[str]:
    """Read each page pattern every one of `roles` reaches (see the module's docstring); axe and the empty forms
    on the first role's reading of each pattern (but those the officer's module reads, if it reads them elsewhere).
    Returns the faults, one line each."""
    started = time.monotonic()
    per_role = start_urls()
    read_elsewhere = officer_pages(per_role) if officer_reads_elsewhere else set()
    problems: list[str] = []
    routes: dict[str, str] = {}
    axed: dict[str, tuple[str, str]] = {}  # name → (role, url) it was read as
    visited = 0
    pages = {}
    for role in roles:
        context = browser.new_context(viewport={"width": 320, "height": HEIGHT})
        context.set_default_timeout(DEFAULT_TIMEOUT_MS)
        context.add_cookies(session_cookie(role, base))
        page = context.new_page()
        pages[role] = page
        queue = list(per_role[role])
        tried = collections.Counter(p[0] for p in map(pattern_of, queue) if p)  # URLs queued per pattern
        queued = set(queue)
        reached = set()
        while queue:
            url = queue.pop(0)
            if (pattern_of(url) or ("",))[0] in reached or not load(page, base + url):
                continue
            path = urlsplit(page.url).path
            found = pattern_of(path)
            if found is None or found[0] in reached:
                continue
            name, route = found
            trace(f"{time.monotonic() - started:7.1f} {role} {route}")
            reached.add(name)
            routes[name] = route
            visited += 1
            check_width(page, route, role, 320, problems)
            for href in page.eval_on_selector_all("a[href^='/']", LINKS):
                target = pattern_of(href)
                if (
                    target
                    and target[0] not in reached
                    and href not in queued
                    and tried[target[0]] < TRIES
                    and not href.startswith(NOT_FOLLOWED)
                    and not NOT_HTML.search(target[0])
                ):
                    tried[target[0]] += 1
                    queued.add(href)
                    queue.append(href)
            if name in axed or name in read_elsewhere:
                continue
            query = urlsplit(page.url).query
            axed[name] = (role, path + (f"?{query}" if query else ""))
            problems += axe_lines(axe(page), f"{route} {role} 320px")
            page.set_viewport_size({"width": 1280, "height": HEIGHT})
            check_width(page, route, role, 1280, problems)
            problems += axe_lines(axe(page), f"{route} {role} 1280px")
            page.set_viewport_size({"width": 320, "height": HEIGHT})
    crawled = time.monotonic() - started

    forms = 0
    for name, (role, url) in sorted(axed.items()):
        page = pages[role]
        if not load(page, base + url):
            continue
        for form in page.evaluate(POST_FORMS):
            trace(f"{time.monotonic() - started:7.1f} form {role} {url} {form}")
            forms += 1
            check_empty_form(page, base, url, form["index"], routes[name], role, problems)
    for page in pages.values():
        page.context.close()
    print(
        f"\n{', '.join(roles)}: {visited} (role, page) pairs read, {len(axed)} patterns by axe, {forms} forms emptied;"
        f" {crawled:.1f} s crawling, {time.monotonic() - started - crawled:.1f} s on the forms"
    )
    return problems


def report(problems: list[str]) -> str:
    return f"{len(problems)} accessibility faults (route, role, width, rule, where):\n" + "\n".join(sorted(problems))


def test_every_page_an_officer_reaches(demo, browser, live_server):
    """The officer's pages: most patterns, so most of the axe readings and forms (the other roles are
    test_accessibility_crawl_other_roles.py, so that two xdist workers share the crawl)."""
    problems = crawl(browser, live_server.url, ["officer"])
    assert not problems, report(problems)
