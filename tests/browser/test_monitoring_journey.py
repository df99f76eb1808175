"""A provider fills in and submits a quarterly return in Chromium; an officer queries it; the pages pass axe."""

from __future__ import annotations

from playwright.sync_api import expect

from vcsgrants.monitoring.models import Return

PASSWORD = "demo-pass-2022"
PROVIDER = "provider-kestrel-voluntary-action-demo"


def test_provider_submits_a_return_and_the_officer_queries_it(demo, page, live_server, login_as, axe_check, screenshot):
    login_as(page, live_server, PROVIDER, PASSWORD)
    expect(page.locator("#home-returns-to-do")).to_contain_text("Overdue")  # the demo provider is late with returns
    screenshot(page, "provider-home-returns-to-do")
    violations = axe_check(page)
    assert not violations, violations
    page.get_by_role("link", name="SLA-2020-001", exact=True).first.click()  # not the home page's "Returns to do"
    page.get_by_role("link", name="Monitoring: KPI targets, quarterly returns and RAG ratings").click()
    screenshot(page, "provider-agreement-monitoring")
    assert not axe_check(page)

    page.get_by_role("link", name="Start the return").first.click()
    assert "2022-23" in page.locator("h1").inner_text() and "Q3" in page.locator("h1").inner_text()
    for field in page.locator("input[name^='kpi_']").all():
        label = page.locator(f"label[for='{field.get_attribute('id')}']").inner_text()
        field.fill("60" if "%" in label else "12")
    page.get_by_label("Narrative").fill("Quarter three: steady demand from new groups.")
    screenshot(page, "return-form")
    assert not axe_check(page)
    page.get_by_role("button", name="Submit").click()
    assert (
        Return.objects.get(agreement__reference="SLA-2020-001", financial_year__start_year=2022, quarter=3).status == "submitted"
    )
    screenshot(page, "return-submitted")

    page.context.clear_cookies()
    login_as(page, live_server, "officer", PASSWORD)
    record = Return.objects.get(agreement__reference="SLA-2020-001", financial_year__start_year=2022, quarter=3)
    page.goto(f"{live_server.url}/returns/{record.pk}/")
    page.get_by_label("Query the return").check()
    page.get_by_label("Comment").fill("Please check the forum attendance figure.")
    page.get_by_role("button", name="Save decision").click()
    record.refresh_from_db()
    assert record.status == "queried"
    assert "Please check the forum attendance figure." in page.content()


def test_performance_dashboard_answers_the_question_and_passes_axe(demo, page, live_server, login_as, axe_check, screenshot):
    login_as(page, live_server, "cabinet", PASSWORD)
    page.goto(f"{live_server.url}/programmes/vcs-infrastructure/performance/")
    assert "KPIs are on track" in page.locator("main").inner_text() or "KPI is on track" in page.locator("main").inner_text()
    assert page.locator("svg").count() >= 1
    screenshot(page, "performance")
    assert not axe_check(page)
