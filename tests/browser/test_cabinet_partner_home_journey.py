"""Issue 17's done-when for Cabinet and partners, in Chromium: a Cabinet member finds on the home page each
programme's money for the year, its performance headline and the report coming up to a meeting, and opens the
report and the dashboard from there; a partner finds its contributions by year and the performance of what it
co-funds, and opens the dashboard. One demo copy for both (browser tests are slow)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.test_monitoring_journey import PASSWORD
from vcsgrants.core.models import User
from vcsgrants.core.templatetags.money import gbp
from vcsgrants.funding.models import Programme
from vcsgrants.funding.selectors import partners as partner_selectors
from vcsgrants.funding.selectors import programmes as programme_selectors
from vcsgrants.monitoring import dashboards
from vcsgrants.reports import services as report_services


def test_cabinet_opens_the_report_coming_up_and_a_partner_the_performance_of_what_it_co_funds(
    demo, page, live_server, login_as, axe_check, screenshot
):
    programme = Programme.objects.get(slug="vcs-infrastructure")
    # The report for next year's decision, drafted by the officer from last year's, for a meeting three weeks on.
    officer = User.objects.get(username="officer")
    coming = report_services.report_from_last_year(programme=programme, actor=officer)
    coming.meeting_date = timezone.localdate() + dt.timedelta(days=21)
    report_services.report_save(report=coming, actor=officer)
    year = programme_selectors.programme_default_year(programme)
    money = programme_selectors.programme_year_summary(programme=programme, year=year).stream_total
    headline = dashboards.performance_report(programme).headline

    login_as(page, live_server, "cabinet", PASSWORD)
    row = page.locator("#cabinet-money tr", has_text=programme.name)
    for figure in (money.budget, money.committed, money.paid):
        expect(row).to_contain_text(gbp(figure))
    expect(page.locator("#cabinet-headlines")).to_contain_text(f"{programme.name}: {headline}")
    coming_up = page.locator("#queue-coming-up")
    expect(coming_up).to_contain_text(f"{coming.meeting}, {coming.meeting_date.day}")
    screenshot(page, "cabinet-home")
    violations = axe_check(page)
    assert not violations, violations
    coming_up.get_by_role("link", name=coming.title).click()
    assert page.url.endswith(f"/reports/{coming.pk}/")
    expect(page.locator("h1.govuk-heading-l")).to_contain_text(coming.title)
    expect(page.locator("#report-body")).to_contain_text(coming.purpose.splitlines()[0][:60])  # the report to read
    page.go_back()
    page.locator("#cabinet-headlines").get_by_role("link", name=programme.name).click()
    expect(page.locator("#headline")).to_have_text(headline)  # the dashboard says what the home page said

    page.context.clear_cookies()
    partner = User.objects.get(username="partner")
    overview = partner_selectors.partner_overview(partner.organisation)
    login_as(page, live_server, "partner", PASSWORD)
    by_year = page.locator("#partner-by-year")
    expect(by_year.locator("tr", has_text="Total")).to_contain_text(gbp(overview.total_committed))
    for row in overview.by_year:
        expect(by_year).to_contain_text(gbp(row.committed))
    funded = overview.programmes[0]
    funded_headline = dashboards.performance_report(funded).headline
    expect(page.locator("#partner-headlines")).to_contain_text(f"{funded.name}: {funded_headline}")
    screenshot(page, "partner-home")
    violations = axe_check(page)
    assert not violations, violations
    page.locator("#partner-headlines").get_by_role("link", name=funded.name).click()
    expect(page.locator("#headline")).to_have_text(funded_headline)
