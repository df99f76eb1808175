"""An officer rolls the demo programme on into 2023-24 under Cabinet's decision in one guided step: the extension,
the programme period, the allocations citing the decision and the KPI targets carried forward; the provider then
sees its 2023-24 returns due — in real Chromium."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from vcsgrants.core.models import User
from vcsgrants.funding.models import Decision

PASSWORD = "demo-pass-2022"


@pytest.fixture
def decision(demo):
    """The demo, and Cabinet's decision of 9 February 2023 to fund 2023-24 at current levels (recorded, not applied)."""
    return Decision.objects.create(
        title="VCS infrastructure: grants for 2023-24",
        decision_date=dt.date(2023, 2, 9),
        meeting="Cabinet, 9 February 2023",
        minute_reference="Demo 2023/01",
        resolution="Approves funding totalling £452,228 from 1 April 2023 to 31 March 2024 at current levels.",
        amount_approved=Decimal("452228.00"),
        period_start=dt.date(2023, 4, 1),
        period_end=dt.date(2024, 3, 31),
        recorded_by=User.objects.get(username="officer"),
    )


def test_officer_rolls_on_under_the_decision_and_the_provider_sees_2023_24_returns_due(
    decision, page, live_server, login_as, axe_check, screenshot
):
    login_as(page, live_server, "officer", PASSWORD)
    page.goto(f"{live_server.url}{decision.get_absolute_url()}")
    page.get_by_role("link", name="Extend the agreements of VCS infrastructure core provision for 2023-24").click()
    assert page.locator("#preview-total").inner_text() == "£452,228.00"
    assert page.get_by_label("Approved by").input_value() == "Cabinet, 9 February 2023"
    page.get_by_role("button", name="Confirm and extend 10 agreements").click()

    # Straight on to the targets, pre-filled from 2022-23.
    banner = page.locator(".govuk-notification-banner").inner_text()
    assert "Extended 10 agreements to 31 March 2024" in banner and "allocations cite Cabinet, 9 February 2023" in banner
    assert page.locator("h1").inner_text() == "Carry KPI targets forward into 2023-24"
    assert page.locator("table[id^='carry-SLA-']").count() == 10
    # One agreement's table is the pattern of all ten (axe takes 18 s over all 700 inputs).
    assert not axe_check(page, context={"exclude": [[".app-table-wrapper ~ .app-table-wrapper"]]})
    page.get_by_role("button", name="Confirm the targets for 2023-24").click()

    banner = page.locator(".govuk-notification-banner").inner_text()
    assert "on 10 agreements: their returns for 2023-24 are now due." in banner
    periods = page.locator("#periods-table").inner_text()
    assert "1 April 2023 to 31 March 2024" in periods and "Cabinet, 9 February 2023" in periods
    allocations = page.locator("#allocation-decisions").text_content()  # inside a closed <details>
    assert "no decision recorded" not in allocations and "Cabinet, 9 February 2023, minute Demo 2023/01" in allocations

    page.goto(f"{live_server.url}{decision.get_absolute_url()}")
    assert page.get_by_role("link", name="Extend the agreements of").count() == 0, "applied: not offered again"
    applied = page.locator("#applied-vcs-infrastructure-2023-24").inner_text()
    assert "10 to 31 March 2024" in applied and "Extension 1 April 2023 – 31 March 2024" in applied
    screenshot(page, "rollon-decision-applied")
    assert not axe_check(page)

    page.context.clear_cookies()
    login_as(page, live_server, "provider-kestrel-voluntary-action-demo", PASSWORD)
    page.get_by_role("link", name="SLA-2020-001", exact=True).first.click()
    page.get_by_role("link", name="Monitoring: KPI targets, quarterly returns and RAG ratings").click()
    assert page.locator("#quarter-2023-24-1 td").first.inner_text() == "by 5pm on 30 July 2023"
    assert page.get_by_role("link", name="Start the return for 2023-24 Q1").count() == 1
    assert "No KPI targets are set for 2023-24" not in page.locator("main").inner_text()
    screenshot(page, "rollon-provider-returns-due")
