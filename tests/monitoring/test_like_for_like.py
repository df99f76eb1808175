"""Like-for-like performance on the pages (issue 16): coverage beside every figure, the default quarter by the
programme's minimum coverage, the same-provider trend, and the setting on its page and in the API.

Built on the crafted world of test_dashboards: two providers; Q1 2022-23 has both returns accepted, Q2 2022-23 has
one submitted and one queried (so none accepted), and a draft Q3 that never counts.
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from tests.monitoring import test_dashboards
from tests.monitoring.test_dashboards import by_code, signed_in
from tests.versions import post_opened
from vcsgrants.monitoring import dashboards, services
from vcsgrants.monitoring.models import ProgrammeMonitoring, Return
from vcsgrants.monitoring.rag import Trend

pytestmark = pytest.mark.django_db
world = test_dashboards.world  # the crafted world, as a fixture here too
URL = "/programmes/vcs-perf/performance/"


def accept(world, agreement, quarter):
    record = Return.objects.get(agreement=agreement, financial_year=world.fy2022, quarter=quarter)
    if record.status == Return.Status.QUERIED:
        services.return_submit(return_record=record, actor=world.officer, comment="Checked: the figure stands.")
    services.return_review(return_record=record, accept=True, actor=world.officer)


def set_minimum(world, percent: int) -> None:
    services.monitoring_settings_set(
        programme=world.programme, return_due_days=30, amber_percent=Decimal("10"), minimum_coverage=percent, actor=world.officer
    )


def test_the_dashboard_opens_at_the_latest_quarter_with_every_expected_return_accepted(world, client):
    client = signed_in(client, world.officer)
    page = client.get(URL).content.decode()
    # Q2 has both returns in but neither accepted: the default is Q1, where both are.
    assert "at Q1 2022-23 year to date" in page
    assert "(from 2 of 2 expected returns accepted)." in page
    assert "this shows the latest quarter with every expected return accepted" in page
    assert "Not every expected return" not in page
    # The officer can still choose Q2, which says how incomplete it is.
    chosen = client.get(f"{URL}?year=2022-23&quarter=2").content.decode()
    assert "0 of 2 expected returns accepted; 2 more submitted, not yet accepted" in chosen
    assert "Not every expected return for Q2 2022-23 is accepted, so these figures may change." in chosen

    accept(world, world.p1, 2)
    assert dashboards.performance_report(world.programme).period == dashboards.Period(2022, 1)  # 1 of 2: not yet
    accept(world, world.p2, 2)
    assert dashboards.performance_report(world.programme).period == dashboards.Period(2022, 2)  # all accepted


def test_a_lower_minimum_coverage_opens_at_the_latest_quarter_meeting_it(world, client):
    accept(world, world.p1, 2)  # Q2: 1 of 2 accepted (50%), the other queried
    set_minimum(world, 51)
    assert dashboards.performance_report(world.programme).period == dashboards.Period(2022, 1)
    set_minimum(world, 50)
    report = dashboards.performance_report(world.programme)
    assert report.period == dashboards.Period(2022, 2)
    assert report.coverage.text == "1 of 2 expected returns accepted; 1 more submitted, not yet accepted"
    page = signed_in(client, world.officer).get(URL).content.decode()
    assert "the latest quarter with at least 50% of its expected returns accepted" in page


def test_with_no_quarter_meeting_the_minimum_the_latest_with_returns_in_is_shown_and_the_page_says_so(world, client):
    Return.objects.filter(status=Return.Status.ACCEPTED).update(status=Return.Status.SUBMITTED)
    report = dashboards.performance_report(world.programme)
    assert report.period == dashboards.Period(2022, 2)
    assert "No quarter meets that yet, so it shows the latest quarter with any return in." in report.default_rule


def test_the_trend_compares_the_same_providers_only(world):
    # A year before, only Kestrel reported SG1 at Q2 (120); now both are in (100 + 40).
    Return.objects.filter(agreement=world.p2, financial_year=world.fy2021).delete()
    row = by_code(dashboards.performance_report(world.programme, "2022-23", "2").kpis)["SG1"]
    assert (row.quarter_actual, row.reporting) == (Decimal("140"), 2)  # the quarter's figure: every return in
    # The comparison: Kestrel's 100 now against its 120: down, worse — not 140 against 120, "up, better".
    assert (row.compared, row.compared_actual, row.year_before) == (1, Decimal("100"), Decimal("120"))
    assert (row.trend, row.improving, row.compared_text) == (Trend.DOWN, False, "same 1 provider")
    cells = [c.text for c in dashboards.kpi_cells(row)]
    assert cells[-4:] == ["same 1 provider", "100", "120", "↓ worse"]


def test_coverage_is_beside_the_figures_by_provider_and_by_district_and_the_downloads_match(world, client):
    accept(world, world.p1, 2)
    client = signed_in(client, world.officer)
    providers = client.get("/programmes/vcs-perf/performance/providers/?year=2022-23&quarter=2").content.decode()
    assert "1 of 2 expected returns accepted; 1 more submitted, not yet accepted" in providers
    report = dashboards.performance_report(world.programme, "2022-23", "2")
    summary = {r[0]: r[-3:] for r in dashboards.providers_summary_table(report).export_rows()}
    assert summary == {"Heron CVS": [0, 1, 1], "Kestrel Voluntary Action": [1, 0, 1]}  # accepted, awaiting, expected
    districts = {r[0]: r[-3:] for r in dashboards.districts_summary_table(report).export_rows()}
    assert districts == {"District A": [1, 1, 2], "District B": [0, 1, 1]}
    page = client.get("/programmes/vcs-perf/performance/districts/?year=2022-23&quarter=2").content.decode()
    assert "Returns accepted" in page and "Submitted, not yet accepted" in page
    for table, build in (("providers-summary", dashboards.providers_summary_table), ("districts", dashboards.districts_table)):
        response = client.get(f"/programmes/vcs-perf/performance/{table}.csv?year=2022-23&quarter=2")
        rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
        built = build(report)
        assert rows[0] == built.headers and "Returns expected" in rows[0]
        assert rows[1:] == [["" if v is None else str(v) for v in row] for row in built.export_rows()]


def test_the_minimum_coverage_is_set_on_the_settings_page_and_refused_out_of_range(world, client):
    client = signed_in(client, world.officer)
    url = "/programmes/vcs-perf/monitoring-settings/"
    assert 'name="minimum_coverage" value="100"' in client.get(url).content.decode()
    refused = post_opened(client, url, {"return_due_days": "30", "amber_percent": "10", "minimum_coverage": "0"})
    assert refused.status_code == 200 and "from 1 to 100" in refused.content.decode()
    saved = post_opened(client, url, {"return_due_days": "30", "amber_percent": "10", "minimum_coverage": "80"})
    assert saved.status_code == 302
    assert ProgrammeMonitoring.objects.get(programme=world.programme).minimum_coverage == 80
    shown = client.get("/programmes/vcs-perf/").content.decode()
    assert "performance opens at the latest quarter with 80% of its expected returns accepted" in shown


def test_the_api_reads_and_sets_the_minimum_coverage_with_if_match(world):
    api = APIClient()
    api.force_authenticate(world.officer)
    path = f"/api/programmes/{world.programme.pk}/monitoring-settings/"
    read = api.get(path)
    assert read.json() == {"return_due_days": 30, "amber_percent": "10.0", "minimum_coverage": 100}
    body = {"return_due_days": 30, "amber_percent": "10", "minimum_coverage": 90}
    changed = api.post(path, body, format="json", HTTP_IF_MATCH=read["ETag"])
    assert changed.status_code == 200 and changed.json()["minimum_coverage"] == 90
    assert api.post(path, body | {"minimum_coverage": 101}, format="json").status_code == 400
    assert api.post(path, {"return_due_days": 30, "amber_percent": "10"}, format="json").json()["minimum_coverage"] == 90
