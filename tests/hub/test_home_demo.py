"""Each role's home page on the demo: the work waiting for it, linked to where it is done, in a pinned number of queries."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from vcsgrants.core.models import User
from vcsgrants.funding.models import Programme
from vcsgrants.hub import selectors as queues
from vcsgrants.monitoring import dashboards
from vcsgrants.monitoring.models import Return
from vcsgrants.opendata import selectors as opendata_selectors
from vcsgrants.opendata import services as opendata_services

pytestmark = pytest.mark.django_db

PROVIDER = "provider-kestrel-voluntary-action-demo"


@pytest.fixture
def demo(demo_module, db):
    return demo_module


def home_as(username: str) -> tuple[str, int]:
    client = Client()
    client.force_login(User.objects.get(username=username))
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/")
    assert response.status_code == 200
    return response.content.decode(), len(queries)


def section(page: str, key: str) -> str:
    return page.split(f'id="queue-{key}"', 1)[1].split("</section>", 1)[0]


def count_in(page: str, key: str) -> int:
    return int(re.search(r'data-count="(\d+)"', section(page, key)).group(1))


def test_officer_sees_the_demos_submitted_returns_oldest_first_and_the_other_queues(demo):
    page, queries = home_as("officer")
    waiting = Return.objects.filter(status=Return.Status.SUBMITTED).order_by("submitted_at")
    assert count_in(page, "returns-to-review") == waiting.count() > 0
    first = waiting.first()
    assert f'href="/returns/{first.pk}/"' in section(page, "returns-to-review")
    assert count_in(page, "queries") == Return.objects.filter(status=Return.Status.QUERIED).count() > 0
    for key in ["returns-overdue", "kpi-proposals", "my-actions", "actions", "consultations", "decisions-to-apply", "findings"]:
        assert f'id="queue-{key}"' in page
    assert 'id="agreement-table"' not in page and "Agreements</h2>" not in page  # the twelve agreements are gone
    # 42 at the demo size, 43 on PostgreSQL (39 at generate_scale_data --preset large: bench/bench_home.py)
    assert queries <= 43
    # Again, nothing changed: the late returns, decisions to apply, findings and the returns and KPI queues from the
    # shared cache under their versions, read in one query; 12 at the large preset too.
    assert home_as("officer")[1] <= 12


def test_finance_sees_instalments_overdue_and_due_with_totals(demo):
    page, queries = home_as("finance")
    overdue = section(page, "instalments-overdue")
    assert "Total: <strong>£" in overdue and "days overdue" in overdue
    assert "/pay/" in overdue  # each links to recording its payment
    assert 'href="/payments/"' in page
    assert queries <= 13  # 12 (12 at the large preset)
    assert home_as("finance")[1] <= 6  # again: the three queues from the shared cache under one version (one query)


def test_cabinet_sees_money_performance_and_decisions(demo):
    page, queries = home_as("cabinet")
    assert 'id="cabinet-money"' in page and "on track (green)" in page
    assert 'id="queue-coming-up"' in page and 'id="queue-recent-decisions"' in page
    # 55 for two programmes, their figures worked out (core.figures_cache); at most five are shown (101 at the large
    # preset, uncached: bench/bench_home.py)
    assert queries <= 55
    home_as("cabinet")  # the first view stored the second programme's monitoring settings (read for the first time)
    # From then on each programme's headline and money come from the cache, their versions read in one query (11 at
    # the large preset, five programmes)
    assert home_as("cabinet")[1] <= 10


def test_the_home_pages_headline_is_each_demo_programmes_performance_report_headline(demo):
    for programme in Programme.objects.all():
        assert dashboards.performance_headline(programme) == dashboards.performance_report(programme).headline


def test_partner_sees_its_contributions_by_year_and_performance(demo):
    page, queries = home_as("partner")
    assert 'id="partner-by-year"' in page and 'id="partner-headlines"' in page
    assert queries <= 28  # 28, the figures worked out (24 at the large preset before the like-for-like coverage)
    assert home_as("partner")[1] <= 16  # again: the headline from the cache, one query (its version)


def test_provider_keeps_its_home_and_gets_propose_a_kpi_in_its_navigation(demo):
    page, _ = home_as(PROVIDER)
    assert re.search(r'href="/programmes/[\w-]+/framework/kpis/new/"[^>]*>Propose a KPI<', page)
    assert 'id="officer-work"' not in page


def test_the_framework_page_does_not_send_a_provider_to_the_programme_page_it_may_not_open(demo):
    client = Client()
    client.force_login(User.objects.get(username=PROVIDER))
    page = client.get("/programmes/vcs-infrastructure/framework/").content.decode()
    assert 'href="/programmes/vcs-infrastructure/"' not in page
    assert 'class="govuk-back-link">Home<' in page


def test_findings_before_publishing_check_at_most_the_limit_and_say_so(demo):
    today = timezone.localdate()
    (full,) = queues.findings_before_publishing(today)
    assert full.checked == full.unpublished > 1 and full.findings >= full.with_findings > 0
    (partial,) = queues.findings_before_publishing(today, check_limit=1)
    assert (partial.checked, partial.unpublished) == (1, full.unpublished)
    assert f"(the first 1 of {full.unpublished} checked here)" in queues._findings_item(partial).detail


def test_findings_before_publishing_are_worked_out_once_per_change_and_the_very_next_view_shows_a_change(demo):
    today = timezone.localdate()
    (row,) = queues.findings_before_publishing(today)
    with CaptureQueriesContext(connection) as queries:
        assert queues.findings_before_publishing(today) == [row]
    assert len(queries) == 1  # the version of what the grants read; the rows from the shared cache
    officer = User.objects.get(username="officer")
    waiting = opendata_selectors.publishable_agreements(programme=row.programme, year=row.year)
    chosen = [waiting.exclude(published_grants__financial_year=row.year).first().pk]
    kept = {"programme": row.programme, "year": row.year, "actor": officer, "agreement_ids": chosen}
    assert opendata_services.grants_publish(**kept, acknowledge_findings=True).grant_ids
    (after,) = queues.findings_before_publishing(today) or [None]
    assert after is None or after.unpublished == row.unpublished - 1  # the very next view
    opendata_services.grants_unpublish(**kept)  # taken off again: waiting again
    assert queues.findings_before_publishing(today) == [row]


@pytest.mark.parametrize("key", ["returns-to-review", "queries", "kpi-proposals", "my-actions", "actions"])
def test_each_queues_full_list_holds_as_many_as_the_home_page_counts(demo, key):
    page, _ = home_as("officer")
    client = Client()
    client.force_login(User.objects.get(username="officer"))
    full = client.get(f"/queues/{key}/").content.decode()
    listed = full.split('id="queue-items"', 1)[1].split("</ul>", 1)[0].count("<li>") if 'id="queue-items"' in full else 0
    assert listed == count_in(page, key) and f"{listed} in all" in full
