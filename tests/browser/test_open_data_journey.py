"""An officer publishes grants as 360Giving open data; an anonymous visitor sees them and downloads them."""

from __future__ import annotations

import json

from tests.browser.conftest import VIEWPORT

PASSWORD = "demo-pass-2022"


def test_officer_publishes_and_the_public_sees_and_downloads(demo, browser, page, live_server, login_as, axe_check, screenshot):
    login_as(page, live_server, "officer", PASSWORD)
    page.goto(f"{live_server.url}/programmes/vcs-infrastructure/open-data/?year=2021-22")
    assert page.locator("#grant-count").inner_text() == "10"
    assert page.locator("#published-count").inner_text() == "0"
    assert page.locator("#no-findings").inner_text() == "No findings for these grants."
    screenshot(page, "open-data-officer")
    assert not axe_check(page)

    page.get_by_label("Select SLA-2020-001, Kestrel Voluntary Action (demo)").check()
    page.get_by_label("Select SLA-2020-002, Millstone Community Hub (demo)").check()
    page.get_by_role("button", name="Publish selected", exact=True).click()
    banner = page.locator(".govuk-notification-banner").inner_text()
    assert "Published 2 grant(s) for 2021-22, £127,470.00: 2 new, 0 updated, 0 unchanged." in banner
    assert page.locator("#published-count").inner_text() == "2"
    screenshot(page, "open-data-officer-published")
    assert not axe_check(page)

    visitor = browser.new_context(viewport=VIEWPORT, accept_downloads=True)
    try:
        public = visitor.new_page()
        public.goto(f"{live_server.url}/open-data/?year=2021-22")
        assert public.url.endswith("/open-data/?year=2021-22")  # no sign-in
        rows = public.locator("#published-grants tbody tr")
        assert rows.count() == 2
        assert "Kestrel Voluntary Action (demo)" in rows.first.inner_text()
        assert "Millstone Community Hub (demo)" in rows.nth(1).inner_text()
        assert "SLA-2020-003-2021-22" not in public.content()  # not published
        assert public.locator("#licence").inner_text() == "Open Government Licence v3.0"
        screenshot(public, "open-data-public")
        assert not axe_check(public)

        with public.expect_download() as download:
            public.get_by_role("link", name="360Giving JSON package").click()
        package = json.loads(open(download.value.path(), encoding="utf-8").read())
        ids = {g["id"] for g in package["grants"]}
        assert {"360G-GB-LAE-DBY-SLA-2020-001-2021-22", "360G-GB-LAE-DBY-SLA-2020-002-2021-22"} <= ids
        assert not any(i.endswith("SLA-2020-003-2021-22") for i in ids)
        with public.expect_download() as download:
            public.get_by_role("link", name="Spreadsheet (XLSX)").click()
        assert download.value.suggested_filename == "derbyshire-county-council-360giving.xlsx"
    finally:
        visitor.close()
