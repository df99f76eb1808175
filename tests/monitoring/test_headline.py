"""The home pages' performance headline (`dashboards.performance_headline`): the same words and figures as the full
report's headline, read with fewer figures, in a pinned number of queries. Built on the crafted world of
test_dashboards; the demo's programmes are compared in tests/hub/test_home_demo.py."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import ProgrammeFactory
from tests.monitoring import test_dashboards
from tests.monitoring.test_like_for_like import accept
from vcsgrants.monitoring import dashboards, services
from vcsgrants.monitoring.models import ProgrammeMonitoring

pytestmark = pytest.mark.django_db
world = test_dashboards.world  # the crafted world, as a fixture here too


def same_headline(programme) -> str:
    expected = dashboards.performance_report(programme).headline
    with CaptureQueriesContext(connection) as queries:
        found = dashboards.performance_headline(programme)
    assert found == expected
    # the figures' version (core.figures_cache), then, worked out afresh as the version has changed: settings, the
    # returns index (3), the framework (3 with the index given), figures (2)
    assert len(queries) <= 10
    return found


def test_the_headline_is_the_reports_as_returns_are_accepted_and_kpis_retired(world):
    ProgrammeMonitoring.objects.get_or_create(programme=world.programme)  # read once, as a page would have
    # Q1 2022-23: both returns accepted; Q2 has neither accepted, so Q1 is the default.
    assert same_headline(world.programme) == (
        "1 of 4 KPIs is on track (green) at Q1 2022-23 year to date; 2 amber, 0 red, 1 without data "
        "(from 2 of 2 expected returns accepted)."
    )
    accept(world, world.p1, 2)
    accept(world, world.p2, 2)
    assert "at Q2 2022-23 year to date" in same_headline(world.programme)
    # A retired KPI with a target only in the year before is shown by neither; one with figures this year by both.
    world.targets(world.p1, world.fy2021, {"EQ2": "50"})
    services.kpi_retire(kpi=world.kpis["EQ2"], actor=world.officer, reason="Replaced")
    services.kpi_retire(kpi=world.kpis["SG2"], actor=world.officer, reason="Replaced")
    assert "of 3 KPIs" in same_headline(world.programme)


def test_the_headline_follows_the_minimum_coverage_and_an_empty_programme(world):
    services.monitoring_settings_set(
        programme=world.programme, return_due_days=30, amber_percent=Decimal("10"), minimum_coverage=50, actor=world.officer
    )
    assert "at Q1 2022-23 year to date" in same_headline(world.programme)  # Q2: none of its two returns accepted
    accept(world, world.p1, 2)
    assert "at Q2 2022-23 year to date" in same_headline(world.programme)  # one of two reaches 50%
    assert same_headline(ProgrammeFactory()) == "The outcomes framework has no agreed KPIs yet."
