"""Each person's home is their work: in Chromium, an officer finds the demo's submitted return on the home page and
accepts it from there; a provider proposes a KPI from its navigation. One demo load for both (browser tests are slow)."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.test_monitoring_journey import PASSWORD, PROVIDER
from vcsgrants.monitoring.models import Kpi, Return


def test_officer_accepts_a_return_from_the_home_queue_and_a_provider_proposes_a_kpi_from_its_navigation(
    demo, page, live_server, login_as, axe_check, screenshot
):
    oldest = Return.objects.filter(status=Return.Status.SUBMITTED).order_by("submitted_at").first()
    waiting = Return.objects.filter(status=Return.Status.SUBMITTED).count()

    login_as(page, live_server, "officer", PASSWORD)
    queue = page.locator("#queue-returns-to-review")
    expect(queue.locator("h3")).to_contain_text(str(waiting))
    screenshot(page, "officer-home-queues")
    violations = axe_check(page)
    assert not violations, violations
    queue.locator("a").first.click()  # the oldest submission first
    assert page.url.endswith(f"/returns/{oldest.pk}/")
    page.get_by_label("Accept the return").check()
    page.get_by_role("button", name="Save decision").click()
    expect(page.locator("#status")).to_have_text("Accepted")
    oldest.refresh_from_db()
    assert oldest.status == Return.Status.ACCEPTED
    page.get_by_role("link", name="Home").first.click()
    expect(page.locator("#queue-returns-to-review h3")).to_contain_text(str(waiting - 1))  # one fewer waiting

    page.context.clear_cookies()
    login_as(page, live_server, PROVIDER, PASSWORD)
    page.get_by_role("navigation").get_by_role("link", name="Propose a KPI").click()
    page.get_by_label("Reference").fill("KV9")
    page.get_by_label("Name").fill("Groups helped to find new trustees")
    page.get_by_label("Definition").fill("Groups that recruited at least one trustee after our support.")
    page.get_by_label("Count").check()
    page.get_by_label("Sum").check()
    page.get_by_label("Higher is better").check()
    page.get_by_label("Is anyone better off?").check()
    screenshot(page, "provider-propose-kpi")
    assert not axe_check(page)
    page.get_by_role("button", name="Propose").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("KV9 proposed")
    assert Kpi.objects.get(code="KV9").status == Kpi.Status.PROPOSED
    page.get_by_role("link", name="Outcomes framework").click()
    back = page.locator(".govuk-back-link")
    expect(back).to_have_text("Home")  # not the programme's page, which a provider may not open
    back.click()
    expect(page.locator("h1")).to_contain_text("Welcome")
