"""The accessibility crawl (see test_accessibility_crawl.py) for every role but the officer, and for someone not
signed in: every (role, page) at 320 px for the width; axe and the empty forms only on the pages no officer reaches
(the officer's module reads the rest). Two modules, so that two xdist workers share the crawl."""

from __future__ import annotations

from tests.browser.a11y import AXE_ROLE_ORDER
from tests.browser.test_accessibility_crawl import crawl, report


def test_every_page_every_other_role_reaches(demo, browser, live_server):
    roles = [role for role in AXE_ROLE_ORDER if role != "officer"]
    problems = crawl(browser, live_server.url, roles, officer_reads_elsewhere=True)
    assert not problems, report(problems)
