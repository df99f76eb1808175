"""An officer signs in, opens the programme, previews the bulk extension and confirms it — in real Chromium."""

from __future__ import annotations

from tests.govuk_dates import fill_date

PASSWORD = "demo-pass-2022"


def test_officer_extends_all_agreements_at_current_levels(demo, page, live_server, login_as, axe_check, screenshot):
    login_as(page, live_server, "officer", PASSWORD)

    page.get_by_role("link", name="Programmes").first.click()
    page.get_by_role("link", name="VCS infrastructure core provision").click()
    assert page.locator("#committed-recurrent").inner_text() == "£452,228.00"
    assert "illustrative" in page.locator(".govuk-inset-text").first.inner_text()
    screenshot(page, "programme")
    assert not axe_check(page)

    page.get_by_role("link", name="Extend all agreements at current levels").click()
    page.get_by_label("Extend for financial year").fill("2023-24")
    page.get_by_role("button", name="Preview").click()
    assert page.locator("#preview-total").inner_text() == "£452,228.00"
    assert page.locator("#preview-table tbody tr").count() == 11  # ten agreements and the total
    screenshot(page, "bulk-extension-preview")
    assert not axe_check(page)

    page.get_by_label("Approved by").fill("Cabinet")
    fill_date(page, "Date approved", "2023-02-09")
    page.get_by_role("button", name="Confirm and extend 10 agreements").click()

    assert (
        "Extended 10 agreements to 31 March 2024: total £452,228.00." in page.locator(".govuk-notification-banner").inner_text()
    )
    assert "2023-24" in page.locator("h2#money").inner_text()
    assert page.locator("#committed-recurrent").inner_text() == "£452,228.00"
    screenshot(page, "programme-after-extension")

    page.get_by_role("link", name="SLA-2020-001").click()
    assert page.locator("#current-period").inner_text() == "1 October 2020 to 31 March 2024"
    assert "Variation 5: Extension" in page.locator("#terms").locator("..").inner_text()
    screenshot(page, "agreement")
    assert not axe_check(page)


def test_a_bad_year_is_refused_with_a_clear_message(demo, page, live_server, login_as):
    login_as(page, live_server, "officer", PASSWORD)
    page.goto(f"{live_server.url}/programmes/vcs-infrastructure/extend/")
    page.get_by_label("Extend for financial year").fill("2023")
    page.get_by_role("button", name="Preview").click()
    summary = page.locator(".govuk-error-summary").inner_text()
    assert "'2023' is not a financial year: write it like 2022-23." in summary


def test_a_provider_sees_only_their_own_agreement(demo, page, live_server, login_as, axe_check, screenshot):
    login_as(page, live_server, "provider-kestrel-voluntary-action-demo", PASSWORD)
    page.get_by_role("link", name="Agreements").first.click()
    rows = page.locator("table tbody tr")
    assert rows.count() == 1
    assert "Kestrel Voluntary Action (demo)" in rows.first.inner_text()
    screenshot(page, "provider-agreements")
    assert not axe_check(page)
