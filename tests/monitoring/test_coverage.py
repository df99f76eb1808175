"""Like-for-like performance, the pure part (no database): coverage, the default quarter and the same-provider trend."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vcsgrants.monitoring.coverage import (
    Coverage,
    combine,
    compared_text,
    coverage_of,
    default_quarter,
    expected_agreements,
    like_for_like,
    live_in_quarter,
)
from vcsgrants.monitoring.rag import Aggregation, Trend, trend


def test_coverage_counts_accepted_and_in_but_not_yet_accepted_among_the_expected_only():
    statuses = {1: "accepted", 2: "submitted", 3: "queried", 4: "accepted", 9: "accepted"}  # 9 is not expected
    found = coverage_of({1, 2, 3, 4, 5}, statuses)
    assert found == Coverage(expected=5, accepted=2, awaiting=2)
    assert found.text == "2 of 5 expected returns accepted; 2 more submitted, not yet accepted"
    assert coverage_of({1, 2, 3, 4, 5}, statuses, scope={1, 5}) == Coverage(2, 1, 0)
    assert Coverage(1, 1, 0).text == "1 of 1 expected return accepted" and Coverage(1, 1, 0).complete


@pytest.mark.parametrize(
    ("found", "minimum", "meets"),
    [
        (Coverage(10, 10, 0), 100, True),
        (Coverage(10, 9, 1), 100, False),  # in, but not all accepted
        (Coverage(10, 9, 0), 90, True),
        (Coverage(3, 2, 0), 67, False),  # 66.67%: exactly, no rounding up
        (Coverage(3, 2, 0), 66, True),
        (Coverage(0, 0, 0), 1, False),  # nothing expected: nothing to show by default
    ],
)
def test_a_quarter_meets_the_minimum_coverage_exactly(found, minimum, meets):
    assert found.meets(minimum) is meets


def test_the_default_quarter_is_the_latest_meeting_the_minimum():
    coverages = {(2022, 1): Coverage(10, 10, 0), (2022, 2): Coverage(10, 8, 2), (2022, 3): Coverage(10, 1, 0)}
    candidates = list(coverages)
    assert default_quarter(candidates, coverages, 100) == (2022, 1)
    assert default_quarter(candidates, coverages, 80) == (2022, 2)
    assert default_quarter(candidates, coverages, 10) == (2022, 3)
    assert default_quarter([(2022, 3)], coverages, 100) is None


def test_a_quarter_expects_returns_from_agreements_live_in_it_with_a_target_for_its_year():
    spans = {1: (dt.date(2021, 4, 1), dt.date(2023, 3, 31)), 2: (dt.date(2022, 8, 15), dt.date(2023, 3, 31))}
    targets = [(1, 2022), (2, 2022), (3, 2022), (1, 2021)]  # 3 has targets but is not active or ended (no span)
    assert expected_agreements(spans, targets, 2022, 1) == {1}  # 2 starts in Q2
    assert expected_agreements(spans, targets, 2022, 2) == {1, 2}
    assert expected_agreements(spans, targets, 2021, 4) == {1}
    assert live_in_quarter(dt.date(2022, 6, 30), dt.date(2022, 6, 30), 2022, 1)  # one day is enough
    assert not live_in_quarter(dt.date(2022, 7, 1), dt.date(2023, 3, 31), 2022, 1)


def test_the_demo_case_one_provider_missing_now_does_not_make_the_trend_worse():
    # VP2 at Q2 2022-23: nine returns in giving 15; a year before ten gave 16, of which the same nine gave 15
    # (figures in whole hundredths, as the dashboards keep them).
    now = dict.fromkeys(range(9), 0) | {0: 700, 1: 800}  # 15 from nine returns
    before = dict.fromkeys(range(9), 0) | {0: 500, 1: 1000, 9: 100}  # 16 from ten; the same nine: 15
    now_values, before_values, common = like_for_like(now, before)
    assert common == frozenset(range(9))
    assert (combine(now_values, Aggregation.SUM), combine(before_values, Aggregation.SUM)) == (15, 15)
    assert trend(combine(now_values, Aggregation.SUM), combine(before_values, Aggregation.SUM)) == Trend.SAME
    assert combine(list(before.values()), Aggregation.SUM) == 16  # what the arrow compared before: "worse"
    assert compared_text(len(common), 9) == "same 9 providers"
    assert compared_text(3, 2) == "same 3 agreements (2 providers)"
    assert compared_text(0, 0) == "no provider reported in both quarters"


figures = st.dictionaries(st.integers(min_value=1, max_value=40), st.integers(min_value=-(10**9), max_value=10**9), max_size=25)


@settings(suppress_health_check=[HealthCheck.too_slow])
@given(figures, figures, figures, st.sampled_from([Aggregation.SUM, Aggregation.MEAN]))
def test_a_like_for_like_comparison_ignores_providers_missing_from_either_quarter(now, before, newcomers, across):
    """Whatever the figures: only agreements in both quarters are compared, so adding agreements that reported in
    one quarter only never changes the comparison; and an unchanged set of figures never shows a trend."""
    now_values, before_values, common = like_for_like(now, before)
    assert common == now.keys() & before.keys()
    assert len(now_values) == len(before_values) == len(common)
    assert sorted(now_values) == sorted(now[a] for a in common)
    assert sorted(before_values) == sorted(before[a] for a in common)
    # Providers who reported only now (newcomers) or only a year before (leavers) change nothing.
    joined = {a + 100: v for a, v in newcomers.items()}
    left = {a + 200: v for a, v in newcomers.items()}
    again = like_for_like(now | joined, before | left)
    assert again[2] == common
    assert combine(again[0], across) == combine(now_values, across)
    assert combine(again[1], across) == combine(before_values, across)
    # The same figures in both quarters: no change, whoever else reported.
    same = like_for_like(now | joined, now | left)
    expected = Trend.NONE if not now else Trend.SAME
    assert trend(combine(same[0], across), combine(same[1], across)) == expected
