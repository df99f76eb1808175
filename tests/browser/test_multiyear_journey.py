"""An officer converts an agreement to multi-year and reads the forecast; the NHS partner (demo) reads its page.

In real Chromium, with axe-core on every page the journey reaches.
"""

from __future__ import annotations

import pytest

from tests.govuk_dates import fill_date
from vcsgrants.core.models import User
from vcsgrants.demo.multiyear import CCG_NAME, NHS_USERNAME, load_multiyear_demo
from vcsgrants.funding.models import Programme

PASSWORD = "demo-pass-2022"


@pytest.fixture
def demo(demo):
    load_multiyear_demo(  # a no-op once load_demo loads it itself
        Programme.objects.get(slug="vcs-infrastructure"),
        officer=User.objects.get(username="officer"),
        finance=User.objects.get(username="finance"),
        password=PASSWORD,
    )


def test_officer_converts_an_agreement_to_multi_year_and_reads_the_forecast(
    demo, page, live_server, login_as, axe_check, screenshot
):
    login_as(page, live_server, "officer", PASSWORD)
    page.goto(f"{live_server.url}/programmes/vcs-infrastructure/")
    page.get_by_role("link", name="SLA-2020-001").click()
    page.get_by_role("link", name="Convert to multi-year").click()

    page.get_by_label("Last financial year").fill("2025-26")
    page.get_by_label("Annual uplift (%)").fill("2")
    page.get_by_label("Approved by").fill("Cabinet")
    fill_date(page, "Date approved", "2023-02-09")
    page.get_by_role("button", name="Preview the profile").click()
    # 2023-24's budget is known: its allocation holds £58,120.00, and 2% more would not fit.
    assert "the profile needs £59,282.40" in page.locator("#profile-problems").inner_text()
    assert not axe_check(page)

    page.get_by_label("Amount for 2023-24").fill("58120.00")
    page.get_by_role("button", name="Preview again").click()
    assert page.locator("#profile-problems").count() == 0
    assert "No budget known yet" in page.locator("#profile-table").inner_text()  # 2024-25 and 2025-26
    screenshot(page, "multi-year-conversion-preview")
    assert not axe_check(page)
    page.get_by_role("button", name="Confirm").click()

    assert "converted to multi-year by variation 5" in page.locator(".govuk-notification-banner").inner_text()
    assert page.locator("#current-period").inner_text() == "1 October 2020 to 31 March 2026"
    profile = page.locator("#multi-year-profile").inner_text()
    assert "£58,120.00" in profile and "£60,468.05" in profile and "Agreed otherwise" in profile
    assert "Variation 5: Conversion to multi-year" in page.locator("#terms").locator("..").inner_text()
    screenshot(page, "multi-year-agreement")
    assert not axe_check(page)

    page.get_by_role("link", name="Programmes").first.click()
    page.get_by_role("link", name="VCS infrastructure core provision").click()
    page.get_by_role("link", name="Commitments forecast").click()
    assert "Commitments forecast from 2023-24" in page.locator("h1").inner_text()
    summary = page.locator("#forecast-summary").inner_text()
    assert "£58,120.00" in summary and "Beyond known budget" in summary
    screenshot(page, "commitments-forecast")
    assert not axe_check(page)


def test_the_nhs_partner_sees_its_contributions_under_both_names(demo, page, live_server, login_as, axe_check, screenshot):
    login_as(page, live_server, NHS_USERNAME, PASSWORD)
    page.get_by_role("link", name="Programmes").first.click()
    page.get_by_role("link", name="Your organisation's funding").click()
    assert "until 30 June 2022, then" in page.locator("#succession").inner_text()
    assert f"{CCG_NAME} (to 30 June 2022)" in page.locator("#by-year-table").inner_text()
    screenshot(page, "partner-page")
    assert not axe_check(page)
    page.get_by_role("link", name="performance dashboard for VCS infrastructure core provision").click()
    assert page.url.endswith("/programmes/vcs-infrastructure/performance/")
