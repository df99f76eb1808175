"""RAG ratings, profiling and aggregation of KPI values: pure arithmetic, no database."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vcsgrants.monitoring.rag import (
    Aggregation,
    Direction,
    KpiRating,
    Rating,
    Thresholds,
    Trend,
    aggregate,
    is_improvement,
    profile_evenly,
    rate,
    rate_quarter,
    target_to_date,
    trend,
)

D = Decimal
HIGHER = Direction.HIGHER_IS_BETTER
LOWER = Direction.LOWER_IS_BETTER


# --- rate: boundaries ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("actual", "expected"),
    [
        (D("120"), Rating.GREEN),  # above target
        (D("100"), Rating.GREEN),  # exactly at target
        (D("99.99"), Rating.AMBER),  # just below
        (D("90"), Rating.AMBER),  # exactly 10% below: amber is inclusive
        (D("89.99"), Rating.RED),  # 10.01% below
        (D("0"), Rating.RED),
    ],
)
def test_higher_is_better_boundaries(actual, expected):
    assert rate(actual, D("100"), HIGHER) == expected


@pytest.mark.parametrize(
    ("actual", "expected"),
    [
        (D("80"), Rating.GREEN),  # better than target
        (D("100"), Rating.GREEN),  # exactly at target
        (D("100.01"), Rating.AMBER),
        (D("110"), Rating.AMBER),  # exactly 10% above: amber is inclusive
        (D("110.01"), Rating.RED),  # 10.01% above
    ],
)
def test_lower_is_better_is_inverted(actual, expected):
    assert rate(actual, D("100"), LOWER) == expected


def test_boundaries_are_exact_for_awkward_targets():
    # 10% of 33.33 is 3.333, so 29.997 is exactly on the amber boundary and 29.9969 just past it.
    assert rate(D("29.997"), D("33.33"), HIGHER) == Rating.AMBER
    assert rate(D("29.9969"), D("33.33"), HIGHER) == Rating.RED
    assert rate(D("36.663"), D("33.33"), LOWER) == Rating.AMBER
    assert rate(D("36.6631"), D("33.33"), LOWER) == Rating.RED


def test_boundaries_follow_the_programme_thresholds():
    strict = Thresholds(amber_within=D("0.05"))
    assert rate(D("95"), D("100"), HIGHER, strict) == Rating.AMBER
    assert rate(D("94.99"), D("100"), HIGHER, strict) == Rating.RED
    no_amber = Thresholds(amber_within=D("0"))
    assert rate(D("100"), D("100"), HIGHER, no_amber) == Rating.GREEN
    assert rate(D("99.99"), D("100"), HIGHER, no_amber) == Rating.RED


def test_percentages_rate_on_the_same_rules():
    assert rate(D("72.0"), D("80"), HIGHER) == Rating.AMBER  # 8 points short is exactly 10% of 80
    assert rate(D("71.9"), D("80"), HIGHER) == Rating.RED


# --- rate: zero targets and grey ------------------------------------------------------


@pytest.mark.parametrize(
    ("actual", "direction", "expected"),
    [
        (D("0"), HIGHER, Rating.GREEN),
        (D("5"), HIGHER, Rating.GREEN),
        (D("-1"), HIGHER, Rating.RED),
        (D("0"), LOWER, Rating.GREEN),
        (D("-1"), LOWER, Rating.GREEN),
        (D("0.01"), LOWER, Rating.RED),  # no band around zero: any complaint over a zero target is red
        (D("3"), LOWER, Rating.RED),
    ],
)
def test_zero_target(actual, direction, expected):
    assert rate(actual, D("0"), direction) == expected


@pytest.mark.parametrize("direction", list(Direction))
@pytest.mark.parametrize(("actual", "target"), [(None, D("10")), (D("10"), None), (None, None)])
def test_no_value_or_no_target_is_grey(actual, target, direction):
    assert rate(actual, target, direction) == Rating.GREY


def test_a_zero_value_is_data_not_grey():
    assert rate(D("0"), D("10"), HIGHER) == Rating.RED
    assert rate(D("0"), D("10"), LOWER) == Rating.GREEN


positive_amounts = st.decimals(min_value=D("0.01"), max_value=D("1000000"), places=2)
non_negative_amounts = st.decimals(min_value=D("0"), max_value=D("1000000"), places=2)


@given(target=positive_amounts, margin=non_negative_amounts)
def test_lower_is_better_mirrors_higher_is_better(target, margin):
    assert rate(target + margin, target, LOWER) == rate(target - margin, target, HIGHER)


@given(target=positive_amounts, a=non_negative_amounts, b=non_negative_amounts)
def test_a_better_value_never_rates_worse(target, a, b):
    order = [Rating.RED, Rating.AMBER, Rating.GREEN]
    low, high = sorted([a, b])
    assert order.index(rate(low, target, HIGHER)) <= order.index(rate(high, target, HIGHER))
    assert order.index(rate(high, target, LOWER)) <= order.index(rate(low, target, LOWER))


# --- Thresholds -----------------------------------------------------------------------


def test_default_threshold_is_ten_percent():
    assert Thresholds().amber_within == D("0.10")


@pytest.mark.parametrize("amber_within", [D("-0.01"), D("1"), D("1.5"), D("NaN"), D("Infinity")])
def test_thresholds_must_be_a_fraction_below_one(amber_within):
    with pytest.raises(ValueError, match="amber_within must be a fraction from 0 up to"):
        Thresholds(amber_within=amber_within)


def test_thresholds_refuse_floats():
    with pytest.raises(TypeError, match="Decimal"):
        Thresholds(amber_within=0.1)


def test_thresholds_accept_the_edges_and_whole_zero():
    assert Thresholds(amber_within=D("0")).amber_within == 0
    assert Thresholds(amber_within=D("0.99")).amber_within == D("0.99")
    assert Thresholds(amber_within=0).amber_within == D("0")


# --- profile_evenly -------------------------------------------------------------------


def test_sum_profile_splits_evenly():
    assert profile_evenly(D("120")) == [D("30.00")] * 4


def test_sum_profile_gives_the_odd_pennies_to_the_earlier_quarters():
    assert profile_evenly(D("100.02")) == [D("25.01"), D("25.01"), D("25.00"), D("25.00")]
    assert profile_evenly(D("0.03")) == [D("0.01"), D("0.01"), D("0.01"), D("0.00")]


def test_sum_profile_of_a_count_in_whole_units():
    assert profile_evenly(D("10"), places=0) == [D("3"), D("3"), D("2"), D("2")]


def test_sum_profile_over_fewer_quarters():
    assert profile_evenly(D("100"), quarters=3) == [D("33.34"), D("33.33"), D("33.33")]


def test_negative_sum_profile_mirrors_positive():
    assert profile_evenly(D("-100.02")) == [D("-25.01"), D("-25.01"), D("-25.00"), D("-25.00")]


@pytest.mark.parametrize("aggregation", [Aggregation.MEAN, Aggregation.LATEST])
def test_a_level_target_applies_to_every_quarter(aggregation):
    assert profile_evenly(D("80"), aggregation=aggregation) == [D("80")] * 4


def test_profile_refuses_a_target_finer_than_its_places():
    with pytest.raises(ValueError, match="cannot be split exactly"):
        profile_evenly(D("10.005"))
    with pytest.raises(ValueError, match="cannot be split exactly"):
        profile_evenly(D("10.5"), places=0)


def test_profile_needs_at_least_one_quarter():
    with pytest.raises(ValueError, match="at least one quarter"):
        profile_evenly(D("10"), quarters=0)


def _assert_even_split(quarters, annual_target, unit):
    assert sum(quarters) == annual_target
    assert max(quarters) - min(quarters) <= unit
    assert quarters == sorted(quarters, reverse=True)  # the extra units sit in the earlier quarters
    assert all(q == q.quantize(unit) and q.as_tuple().exponent == unit.as_tuple().exponent for q in quarters)


@given(pence=st.integers(min_value=0, max_value=10_000_000 * 100))
def test_money_target_profile_sums_exactly(pence):
    annual_target = D(pence) / 100
    _assert_even_split(profile_evenly(annual_target), annual_target, D("0.01"))


@given(count=st.integers(min_value=0, max_value=10_000_000))
def test_count_target_profile_sums_exactly(count):
    _assert_even_split(profile_evenly(D(count)), D(count), D("0.01"))
    _assert_even_split(profile_evenly(D(count), places=0), D(count), D("1"))


# --- aggregate ------------------------------------------------------------------------


def test_sum_skips_missing_values():
    assert aggregate([D("25"), None, D("33")], Aggregation.SUM) == D("58")


def test_mean_skips_missing_values_and_rounds_half_up_to_four_places():
    assert aggregate([D("75"), None, D("85")], Aggregation.MEAN) == D("80.0000")
    assert aggregate([D("1"), D("1"), D("2")], Aggregation.MEAN) == D("1.3333")
    assert aggregate([D("2"), D("2"), D("1")], Aggregation.MEAN) == D("1.6667")
    assert aggregate([D("0.00005"), D("0")], Aggregation.MEAN) == D("0.0000")  # 0.000025 rounds down
    assert aggregate([D("0.0001"), D("0")], Aggregation.MEAN) == D("0.0001")  # 0.00005 is a half: up
    assert aggregate([D("-0.0001"), D("0")], Aggregation.MEAN) == D("-0.0001")  # halves go away from zero


def test_latest_is_the_last_value_given():
    assert aggregate([D("10"), D("12"), None], Aggregation.LATEST) == D("12")


@pytest.mark.parametrize("aggregation", list(Aggregation))
def test_no_values_aggregate_to_none(aggregation):
    assert aggregate([], aggregation) is None
    assert aggregate([None, None], aggregation) is None


@pytest.mark.parametrize("aggregation", list(Aggregation))
def test_zero_is_a_value(aggregation):
    assert aggregate([None, D("0")], aggregation) == 0


@given(st.lists(st.decimals(min_value=D("-1000000"), max_value=D("1000000"), places=2), min_size=1, max_size=50))
def test_mean_lies_between_the_extremes(values):
    mean = aggregate(values, Aggregation.MEAN)
    assert min(values) <= mean <= max(values)
    assert abs(mean * len(values) - sum(values)) <= D("0.00005") * len(values)


# --- target_to_date -------------------------------------------------------------------


def test_sum_target_to_date_accumulates():
    targets = [D("30"), D("30"), D("30"), D("30")]
    assert [target_to_date(targets, q, Aggregation.SUM) for q in range(4)] == [D("30"), D("60"), D("90"), D("120")]


@pytest.mark.parametrize("aggregation", [Aggregation.MEAN, Aggregation.LATEST])
def test_level_target_to_date_is_the_quarters_own(aggregation):
    targets = [D("70"), D("75"), D("80"), D("85")]
    assert [target_to_date(targets, q, aggregation) for q in range(4)] == targets


def test_level_target_to_date_falls_back_to_the_latest_set():
    assert target_to_date([D("70"), D("75"), None, None], 3, Aggregation.MEAN) == D("75")
    assert target_to_date([None, None, None, None], 3, Aggregation.MEAN) is None


def test_sum_target_to_date_with_missing_quarters():
    assert target_to_date([None, D("30"), None, D("30")], 2, Aggregation.SUM) == D("30")
    assert target_to_date([None, None, None, None], 2, Aggregation.SUM) is None


@pytest.mark.parametrize("quarter_index", [-1, 4])
def test_target_to_date_refuses_a_quarter_outside_the_year(quarter_index):
    with pytest.raises(ValueError, match="quarter_index must be 0"):
        target_to_date([D("1")] * 4, quarter_index, Aggregation.SUM)


def test_target_to_date_refuses_a_quarter_without_a_target_slot():
    with pytest.raises(ValueError, match="No target given for Q3"):
        target_to_date([D("1"), D("1")], 2, Aggregation.SUM)


# --- trend and improvement ------------------------------------------------------------


@pytest.mark.parametrize(
    ("current", "year_before", "expected"),
    [
        (D("12"), D("10"), Trend.UP),
        (D("8"), D("10"), Trend.DOWN),
        (D("10.00"), D("10"), Trend.SAME),
        (None, D("10"), Trend.NONE),
        (D("10"), None, Trend.NONE),
        (D("0"), D("0"), Trend.SAME),
    ],
)
def test_trend(current, year_before, expected):
    assert trend(current, year_before) == expected


@pytest.mark.parametrize(
    ("value_trend", "direction", "expected"),
    [
        (Trend.UP, HIGHER, True),
        (Trend.DOWN, HIGHER, False),
        (Trend.UP, LOWER, False),
        (Trend.DOWN, LOWER, True),
        (Trend.SAME, HIGHER, False),
        (Trend.SAME, LOWER, False),
        (Trend.NONE, HIGHER, None),
        (Trend.NONE, LOWER, None),
    ],
)
def test_is_improvement(value_trend, direction, expected):
    assert is_improvement(value_trend, direction) is expected


def test_enums_are_their_stored_strings():
    assert Rating.AMBER == "amber"
    assert Aggregation("mean") is Aggregation.MEAN
    assert Direction("lower_is_better") is LOWER
    assert str(Trend.UP) == "up"


# --- rate_quarter: realistic examples -------------------------------------------------


def test_count_kpi_through_the_year():
    """Groups given one-to-one support: annual target 120, profiled 30 a quarter."""
    targets = profile_evenly(D("120"))
    values = [D("25"), D("33"), D("35"), None]
    last_year = [D("20"), D("35"), D("35"), D("31")]

    def at(q):
        return rate_quarter(values, targets, q, Aggregation.SUM, HIGHER, Thresholds(), last_year)

    # Q1: 25 against 30 is 16.7% short.
    assert at(0) == KpiRating(actual=D("25"), target=D("30.00"), rating=Rating.RED, trend=Trend.UP, improving=True)
    # Q2: 58 against 60 is 3.3% short; 33 this quarter against 35 a year before.
    assert at(1) == KpiRating(actual=D("58"), target=D("60.00"), rating=Rating.AMBER, trend=Trend.DOWN, improving=False)
    # Q3: 93 against 90.
    assert at(2) == KpiRating(actual=D("93"), target=D("90.00"), rating=Rating.GREEN, trend=Trend.SAME, improving=False)
    # Q4: no return yet — grey, not a shortfall of 27.
    assert at(3) == KpiRating(actual=None, target=D("120.00"), rating=Rating.GREY, trend=Trend.NONE, improving=None)


def test_only_values_up_to_the_quarter_count():
    values = [D("25"), D("33"), D("35"), D("40")]
    result = rate_quarter(values, profile_evenly(D("120")), 1, Aggregation.SUM, HIGHER)
    assert result.actual == D("58")
    assert result.trend == Trend.NONE  # no year before given


def test_a_missing_earlier_quarter_counts_as_no_data():
    result = rate_quarter([None, D("33")], profile_evenly(D("120")), 1, Aggregation.SUM, HIGHER)
    assert (result.actual, result.target, result.rating) == (D("33"), D("60.00"), Rating.RED)


def test_percentage_kpi_with_mean_aggregation():
    """Share of training attendees rating it good or better: target 80% each quarter."""
    targets = profile_evenly(D("80"), aggregation=Aggregation.MEAN)
    values = [D("75"), D("85"), D("60"), D("50")]
    last_year = [D("70"), D("85"), D("65"), D("55")]

    def at(q):
        return rate_quarter(values, targets, q, Aggregation.MEAN, HIGHER, year_before_values=last_year)

    assert at(0) == KpiRating(D("75.0000"), D("80"), Rating.AMBER, Trend.UP, True)  # 6.25% short
    assert at(1) == KpiRating(D("80.0000"), D("80"), Rating.GREEN, Trend.SAME, False)
    assert at(2) == KpiRating(D("73.3333"), D("80"), Rating.AMBER, Trend.DOWN, False)  # 8.3% short
    assert at(3) == KpiRating(D("67.5000"), D("80"), Rating.RED, Trend.DOWN, False)  # 15.6% short


def test_lower_is_better_kpi_with_latest_aggregation():
    """Median days to answer an enquiry at quarter end: target 5, lower is better."""
    targets = profile_evenly(D("5"), aggregation=Aggregation.LATEST)
    values = [D("7"), D("5.5"), D("4")]
    last_year = [D("8"), D("5"), D("6")]

    def at(q):
        return rate_quarter(values, targets, q, Aggregation.LATEST, LOWER, Thresholds(), last_year)

    assert at(0) == KpiRating(D("7"), D("5"), Rating.RED, Trend.DOWN, True)  # 40% over, but better than last year
    assert at(1) == KpiRating(D("5.5"), D("5"), Rating.AMBER, Trend.UP, False)  # exactly 10% over
    assert at(2) == KpiRating(D("4"), D("5"), Rating.GREEN, Trend.DOWN, True)


def test_rate_quarter_uses_the_programme_thresholds():
    result = rate_quarter([D("58")], [D("60")] * 4, 0, Aggregation.SUM, HIGHER, Thresholds(amber_within=D("0.02")))
    assert result.rating == Rating.RED  # 3.3% short is beyond a 2% band


def test_rate_quarter_without_targets_is_grey():
    result = rate_quarter([D("58")], [None] * 4, 0, Aggregation.SUM, HIGHER)
    assert (result.actual, result.target, result.rating) == (D("58"), None, Rating.GREY)
