"""The demo's like-for-like performance (issue 16): VP2's trend over the same providers, and the default quarter."""

from __future__ import annotations

from decimal import Decimal

import pytest

from vcsgrants.core.models import User
from vcsgrants.funding.models import Programme
from vcsgrants.monitoring import dashboards
from vcsgrants.monitoring.rag import Trend

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(demo_module, db) -> Programme:
    return Programme.objects.get(slug="vcs-infrastructure")


def test_vp2_compares_the_same_nine_providers_so_the_trend_is_no_change_not_worse(demo, client):
    report = dashboards.performance_report(demo, "2022-23", "2")
    vp2 = {r.kpi.code: r for r in report.kpis}["VP2"]
    # 15 from the nine returns in; a year before all ten gave 16, but the same nine gave 15.
    assert (vp2.quarter_actual, vp2.reporting, vp2.accepted, vp2.expected) == (Decimal("15"), 9, 6, 10)
    assert (vp2.compared, vp2.compared_actual, vp2.year_before) == (9, Decimal("15"), Decimal("15"))
    assert (vp2.trend, vp2.compared_text) == (Trend.SAME, "same 9 providers")
    assert report.coverage.text == "6 of 10 expected returns accepted; 3 more submitted, not yet accepted"
    client.force_login(User.objects.get(username="officer"))
    page = client.get("/programmes/vcs-infrastructure/performance/?year=2022-23&quarter=2").content.decode()
    assert "same 9 providers" in page and "The same as the same quarter a year before (Q2 2021-22), same 9 providers" in page


def test_the_demo_dashboard_opens_at_the_latest_quarter_with_all_ten_returns_accepted(demo):
    report = dashboards.performance_report(demo)
    assert report.period == dashboards.Period(2022, 1)  # Q2 2022-23 has six of ten accepted
    assert report.headline.endswith("(from 10 of 10 expected returns accepted).")
