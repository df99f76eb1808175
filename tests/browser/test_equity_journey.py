"""An officer compares the demo's allocation options, adds a floor-protected blend and adopts it — in real Chromium."""

from __future__ import annotations

PASSWORD = "demo-pass-2022"


def test_officer_compares_options_and_adopts_one(demo, page, live_server, login_as, axe_check, screenshot):
    login_as(page, live_server, "officer", PASSWORD)
    page.get_by_role("link", name="Programmes").first.click()
    page.get_by_role("link", name="VCS infrastructure core provision").click()
    page.get_by_role("link", name="Allocation options: equity of provision").click()
    page.get_by_role("link", name="2023-24 options for the review of provision (demo)").click()

    assert page.locator("#budget").inner_text() == "£398,680.00"
    assert page.locator("#measures tbody tr").count() == 5
    assert page.locator("svg[role=img]:visible").count() == 1  # drawn wide and narrow; the page shows one
    # The chart's figures are in the table beside it: eight districts.
    assert page.locator("#per-head tbody tr").count() == 8
    screenshot(page, "equity-comparison")
    assert not axe_check(page)

    page.get_by_role("link", name="Add an option").click()
    page.get_by_label("Label").fill("Needs with a floor")
    page.get_by_label("Needs-weighted (%)").fill("100")
    page.get_by_label("Weight of need indicator 'imd' (%)").fill("100")
    page.get_by_label("Floor as a share of today's level (%)").fill("95")
    screenshot(page, "equity-add-option")
    assert not axe_check(page)
    page.get_by_role("button", name="Add the option").click()
    assert "Option 'Needs with a floor' added." in page.locator(".govuk-notification-banner").inner_text()
    assert page.locator("#measures tbody tr").count() == 6

    page.get_by_role("link", name="Adopt Needs with a floor").click()
    assert page.locator("#total-after").inner_text() == "£452,228.00"
    assert page.locator("#stream-budget").inner_text() == "£452,228.00"
    screenshot(page, "equity-adopt-preview")
    assert not axe_check(page)
    page.get_by_role("button", name="Adopt these allocations").click()
    assert "adopted" in page.locator(".govuk-notification-banner").inner_text()
    assert "2023-24" in page.locator("h2#money").inner_text()
