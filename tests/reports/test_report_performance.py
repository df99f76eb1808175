"""The Cabinet report's performance section states coverage beside its figures and opens at the default quarter."""

from __future__ import annotations

import datetime as dt

import pytest

from vcsgrants.reports.content import report_content
from vcsgrants.reports.models import CabinetReport

pytestmark = pytest.mark.django_db

HEADING = "Performance against the outcomes framework"


@pytest.fixture
def demo(demo_module, db):
    return CabinetReport.objects.get()


def performance(report):
    return next(s for s in report_content(report).sections if s.heading == HEADING)


def test_the_performance_section_says_how_many_expected_returns_each_figure_rests_on(demo):
    section = performance(demo)  # the demo's report asks for Q3 2021-22
    text, table = section.blocks[0].text, section.blocks[1].table
    assert "at Q3 2021-22 year to date" in text and text.endswith("(from 10 of 10 expected returns accepted).")
    assert table.headers[-3:] == ["Returns accepted", "Submitted, not yet accepted", "Returns expected"]
    assert all(row[-3:] == ["10", "0", "10"] for row in table.rows) and table.total[-3:] == ["10", "0", "10"]


def test_left_to_the_default_the_report_takes_the_latest_quarter_with_every_expected_return_accepted(demo):
    demo.performance_year, demo.performance_quarter = None, None
    demo.figures_as_at = dt.date.today()  # the demo's report is as at February 2022: take every return in since
    text = performance(demo).blocks[0].text
    # Q2 2022-23 has nine of ten returns in but six accepted: the report does not headline it.
    assert "at Q1 2022-23 year to date" in text and "(from 10 of 10 expected returns accepted)." in text
