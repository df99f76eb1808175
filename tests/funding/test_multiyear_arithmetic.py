"""Multi-year arithmetic, exact to the penny: uplifts compound by the stated rule, profiles split without loss."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vcsgrants.core.money import from_pence, to_pence
from vcsgrants.funding.multiyear import (
    add_months,
    continue_profile,
    notice_deadline,
    review_dates,
    split_profile,
    uplift,
    uplift_profile,
)

D = Decimal

pence_amounts = st.integers(min_value=0, max_value=5_000_000_00).map(from_pence)
uplifts = st.integers(min_value=0, max_value=25_000).map(lambda n: D(n).scaleb(-3))  # 0.000% to 25.000%


def rule(amount: Decimal, percent: Decimal) -> Decimal:
    """The stated rule, computed independently with exact fractions: × (1 + p/100), nearest penny, half up."""
    exact = Fraction(to_pence(amount)) * (1 + Fraction(percent) / 100)
    floor = exact.numerator // exact.denominator
    return from_pence(floor + (1 if exact - floor >= Fraction(1, 2) else 0))


def test_the_worked_example_in_the_rule():
    assert uplift_profile(D("38250.00"), D("2.7"), 3) == [D("38250.00"), D("39282.75"), D("40343.38")]


def test_half_a_penny_rounds_up_and_below_half_rounds_down():
    assert uplift(D("0.50"), D("1")) == D("0.51")  # 50.5p
    assert uplift(D("0.10"), D("4.9")) == D("0.10")  # 10.49p
    assert uplift(D("0.10"), D("5")) == D("0.11")  # 10.5p


def test_no_uplift_keeps_the_amount():
    assert uplift_profile(D("35000.00"), D("0"), 4) == [D("35000.00")] * 4


@pytest.mark.parametrize(
    "percent, message",
    [(D("-1"), "cannot be negative"), (D("100.001"), "more than 100%"), (D("2.0001"), "three decimal places")],
)
def test_bad_uplifts_are_refused(percent, message):
    with pytest.raises(ValueError, match=message):
        uplift(D("100.00"), percent)


@given(pence_amounts, uplifts, st.integers(min_value=1, max_value=10))
def test_compounding_follows_the_stated_rule_year_by_year(first, percent, years):
    profile = uplift_profile(first, percent, years)
    assert len(profile) == years and profile[0] == first
    for before, after in zip(profile, profile[1:], strict=False):
        assert after == rule(before, percent)  # never a penny off the rule, however many years
        assert after >= before
        assert after == after.quantize(D("0.01"))


@given(pence_amounts, uplifts, st.integers(min_value=1, max_value=8))
def test_continuing_a_profile_is_the_same_as_profiling_from_the_base_year(previous, percent, years):
    assert continue_profile(previous, percent, years) == uplift_profile(previous, percent, years + 1)[1:]


@given(
    pence_amounts,
    uplifts,
    st.integers(min_value=1, max_value=6),
    st.lists(st.integers(min_value=0, max_value=100_000_00).map(from_pence), min_size=1, max_size=5),
)
def test_a_profile_split_between_streams_and_districts_loses_no_penny(first, percent, years, weights):
    profile = uplift_profile(first, percent, years)
    split = split_profile(profile, weights)
    for amount, parts in zip(profile, split, strict=True):
        assert sum(parts, D("0")) == amount
        assert all(p >= 0 for p in parts)
    assert sum((sum(parts, D("0")) for parts in split), D("0")) == sum(profile, D("0"))


def test_months_are_calendar_months_kept_inside_short_months():
    assert add_months(dt.date(2025, 3, 31), -6) == dt.date(2024, 9, 30)
    assert add_months(dt.date(2024, 3, 31), -1) == dt.date(2024, 2, 29)
    assert add_months(dt.date(2023, 11, 15), 3) == dt.date(2024, 2, 15)
    assert notice_deadline(dt.date(2025, 3, 31), 6) == dt.date(2024, 9, 30)


def test_reviews_fall_on_the_same_day_each_year_until_the_end():
    assert review_dates(dt.date(2024, 3, 1), dt.date(2026, 3, 31)) == [
        dt.date(2024, 3, 1),
        dt.date(2025, 3, 1),
        dt.date(2026, 3, 1),
    ]
    assert review_dates(dt.date(2024, 2, 29), dt.date(2026, 3, 31)) == [
        dt.date(2024, 2, 29),
        dt.date(2025, 2, 28),
        dt.date(2026, 2, 28),
    ]
