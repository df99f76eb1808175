"""The pages the law asks of a public service: what the accessibility statement, cookies page and privacy notice say.

The council's own words (its name, contact, accessibility contact and privacy notice) come from its settings
(core.council); what the software does (the cookies it sets, what its tests found) is stated here, once.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage

# When the accessibility statement's account of the software was last checked against its tests (issue 18): the
# crawl, `make test-a11y` (tests/browser/test_accessibility_crawl*.py: axe-core in Chromium over every page pattern,
# every role's pages at 320 px, every form sent empty), and tests/browser/test_keyboard_journeys.py. Change it, and
# the statement's list of problems (templates/core/about_accessibility.html), when their results change.
STATEMENT_PREPARED = dt.date(2026, 12, 7)


@dataclass(frozen=True)
class Cookie:
    name: str
    purpose: str
    expires: str


def cookies() -> list[Cookie]:
    """Every cookie the service sets: all essential; no analytics or advertising cookies.

    tests/core/test_about.py checks this list against the Set-Cookie headers of a real sign-in and a saved form.
    """
    idle = settings.SESSION_COOKIE_AGE // 60
    session_end = "when you close your browser" if settings.SESSION_EXPIRE_AT_BROWSER_CLOSE else f"after {idle} minutes"
    return [
        Cookie(
            settings.SESSION_COOKIE_NAME,
            f"Keeps you signed in. It is set when you sign in; you are signed out after {idle} minutes "
            "without using the service.",
            session_end,
        ),
        Cookie(
            settings.CSRF_COOKIE_NAME,
            "Protects the forms you send from being forged by another website.",
            f"after {settings.CSRF_COOKIE_AGE // (7 * 24 * 60 * 60)} weeks"
            if settings.CSRF_COOKIE_AGE
            else "when you close your browser",
        ),
        Cookie(
            CookieStorage.cookie_name,
            "Carries a message such as “Council settings saved.” to the next page you see, then is removed.",
            "when the message has been shown",
        ),
    ]


def paragraphs(text: str) -> list[str]:
    """Plain text as paragraphs: a blank line between them (the council's privacy notice)."""
    return [p.strip() for p in re.split(r"\n\s*\n", text or "") if p.strip()]
