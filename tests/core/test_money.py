"""Money and calendar arithmetic: exact pence, no database."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vcsgrants.core.money import (
    apportion,
    financial_year_start,
    from_pence,
    quarter_end,
    quarter_starts,
    quarterly_in_advance,
    round_to_penny,
    to_pence,
)

D = Decimal


# --- apportion ------------------------------------------------------------------------


def test_apportion_splits_proportionally_and_sums_exactly():
    shares = apportion(D("100.00"), [1, 2, 1])
    assert shares == [D("25.00"), D("50.00"), D("25.00")]
    assert sum(shares) == D("100.00")


def test_apportion_a_third_each_gives_the_odd_penny_to_the_first():
    assert apportion(D("100.00"), [1, 1, 1]) == [D("33.34"), D("33.33"), D("33.33")]


def test_apportion_ties_go_to_the_earlier_position():
    # 5p over four equal weights: 1.25p each; the one spare penny goes to the first place.
    assert apportion(D("0.05"), [1, 1, 1, 1]) == [D("0.02"), D("0.01"), D("0.01"), D("0.01")]
    # Same remainders, different order of weights: still the earlier of the tied positions.
    assert apportion(D("0.02"), [1, 2, 1]) == [D("0.01"), D("0.01"), D("0.00")]


def test_apportion_is_deterministic():
    weights = [D("3.3"), D("1.1"), D("7.7"), D("1.1")]
    assert apportion(D("1234.57"), weights) == apportion(D("1234.57"), list(weights))


def test_apportion_largest_remainder_wins_the_penny():
    # £1.00 over 1:2 is 33.33… and 66.66…: the larger remainder (.67) gets the extra penny.
    assert apportion(D("1.00"), [1, 2]) == [D("0.33"), D("0.67")]


def test_apportion_negative_total_mirrors_the_positive_split():
    assert apportion(D("-100.00"), [1, 1, 1]) == [D("-33.34"), D("-33.33"), D("-33.33")]
    assert sum(apportion(D("-0.07"), [2, 3])) == D("-0.07")


def test_apportion_all_zero_weights_split_evenly():
    assert apportion(D("10.00"), [0, 0, 0]) == [D("3.34"), D("3.33"), D("3.33")]


def test_apportion_zero_weight_gets_nothing_when_others_are_positive():
    assert apportion(D("10.00"), [0, 1, 1]) == [D("0.00"), D("5.00"), D("5.00")]


def test_apportion_zero_total():
    assert apportion(D("0.00"), [5, 7]) == [D("0.00"), D("0.00")]


def test_apportion_accepts_decimal_weights():
    assert apportion(D("90.00"), [D("0.5"), D("0.25"), D("0.25")]) == [D("45.00"), D("22.50"), D("22.50")]


def test_apportion_refuses_fractional_pence():
    with pytest.raises(ValueError, match=r"£10\.001 is not a whole number of pence"):
        apportion(D("10.001"), [1, 1])


def test_apportion_refuses_negative_weights():
    with pytest.raises(ValueError, match="negative"):
        apportion(D("10.00"), [1, -1, 2])


def test_apportion_refuses_nothing_to_split_between():
    with pytest.raises(ValueError, match="Nothing to apportion"):
        apportion(D("10.00"), [])


# --- pence helpers ----------------------------------------------------------------------


def test_pence_round_trip():
    assert to_pence(D("1234.56")) == 123456
    assert to_pence(D("-0.01")) == -1
    assert from_pence(123456) == D("1234.56")
    assert str(from_pence(5)) == "0.05"


def test_round_to_penny_rounds_half_up():
    assert round_to_penny(D("0.005")) == D("0.01")
    assert round_to_penny(D("0.0049")) == D("0.00")
    assert round_to_penny(D("2.675")) == D("2.68")


# --- financial years and quarters ---------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "start_year"),
    [
        (dt.date(2022, 4, 1), 2022),
        (dt.date(2022, 3, 31), 2021),
        (dt.date(2023, 1, 1), 2022),
        (dt.date(2022, 12, 31), 2022),
        (dt.date(2023, 3, 31), 2022),
    ],
)
def test_financial_year_start(day, start_year):
    assert financial_year_start(day) == start_year


def test_quarters_run_april_to_march():
    assert quarter_starts(2022) == [dt.date(2022, 4, 1), dt.date(2022, 7, 1), dt.date(2022, 10, 1), dt.date(2023, 1, 1)]
    assert [quarter_end(q) for q in quarter_starts(2022)] == [
        dt.date(2022, 6, 30),
        dt.date(2022, 9, 30),
        dt.date(2022, 12, 31),
        dt.date(2023, 3, 31),
    ]


def test_quarterly_in_advance_full_year_is_four_instalments_on_quarter_days():
    schedule = quarterly_in_advance(2022, dt.date(2022, 4, 1), dt.date(2023, 3, 31), D("10000.00"))
    assert schedule == [
        (dt.date(2022, 4, 1), D("2500.00")),
        (dt.date(2022, 7, 1), D("2500.00")),
        (dt.date(2022, 10, 1), D("2500.00")),
        (dt.date(2023, 1, 1), D("2500.00")),
    ]


def test_quarterly_in_advance_odd_pence_sum_exactly_and_front_load():
    schedule = quarterly_in_advance(2022, dt.date(2022, 4, 1), dt.date(2023, 3, 31), D("100.03"))
    assert [amount for _, amount in schedule] == [D("25.01"), D("25.01"), D("25.01"), D("25.00")]
    assert sum(amount for _, amount in schedule) == D("100.03")


def test_quarterly_in_advance_october_to_march_is_two_instalments():
    schedule = quarterly_in_advance(2022, dt.date(2022, 10, 1), dt.date(2023, 3, 31), D("5000.00"))
    assert schedule == [(dt.date(2022, 10, 1), D("2500.00")), (dt.date(2023, 1, 1), D("2500.00"))]


def test_quarterly_in_advance_mid_quarter_start_is_due_on_the_start_date():
    schedule = quarterly_in_advance(2022, dt.date(2022, 5, 15), dt.date(2023, 3, 31), D("4000.00"))
    assert [due for due, _ in schedule] == [dt.date(2022, 5, 15), dt.date(2022, 7, 1), dt.date(2022, 10, 1), dt.date(2023, 1, 1)]


def test_quarterly_in_advance_a_period_ending_in_september_stops_after_q2():
    schedule = quarterly_in_advance(2022, dt.date(2022, 4, 1), dt.date(2022, 9, 30), D("3000.00"))
    assert schedule == [(dt.date(2022, 4, 1), D("1500.00")), (dt.date(2022, 7, 1), D("1500.00"))]


def test_quarterly_in_advance_period_outside_the_year_has_no_instalments():
    assert quarterly_in_advance(2022, dt.date(2023, 4, 1), dt.date(2024, 3, 31), D("100.00")) == []


# --- properties -----------------------------------------------------------------------------

TEN_MILLION_POUNDS_IN_PENCE = 10_000_000 * 100

totals = st.integers(min_value=-TEN_MILLION_POUNDS_IN_PENCE, max_value=TEN_MILLION_POUNDS_IN_PENCE).map(from_pence)
int_weights = st.integers(min_value=0, max_value=10**9)
decimal_weights = st.decimals(min_value=0, max_value=10**7, places=2, allow_nan=False, allow_infinity=False)
weight_lists = st.lists(st.one_of(int_weights, decimal_weights), min_size=1, max_size=30)


@given(total=totals, weights=weight_lists)
def test_apportion_always_sums_exactly_and_stays_within_a_penny(total, weights):
    shares = apportion(total, weights)
    assert len(shares) == len(weights)
    assert sum(shares, D("0.00")) == total
    weight_sum = sum(Fraction(w) for w in weights)
    for share, weight in zip(shares, weights, strict=True):
        assert share == share.quantize(D("0.01")), "every share is whole pence"
        exact = (
            Fraction(to_pence(total)) * Fraction(weight) / weight_sum if weight_sum else Fraction(to_pence(total), len(weights))
        )
        assert abs(Fraction(to_pence(share)) - exact) < 1
        # A share never has the opposite sign to the total.
        assert share * total >= 0


@given(total=totals, weights=weight_lists)
def test_apportion_is_deterministic_for_any_input(total, weights):
    assert apportion(total, weights) == apportion(total, list(weights))


@given(
    value=st.integers(min_value=0, max_value=TEN_MILLION_POUNDS_IN_PENCE).map(from_pence),
    start=st.dates(min_value=dt.date(2022, 4, 1), max_value=dt.date(2023, 3, 30)),
    days=st.integers(min_value=1, max_value=400),
)
def test_quarterly_in_advance_sums_to_the_value_on_dates_within_the_period(value, start, days):
    end = start + dt.timedelta(days=days)
    schedule = quarterly_in_advance(2022, start, end, value)
    assert 1 <= len(schedule) <= 4
    assert sum(amount for _, amount in schedule) == value
    dues = [due for due, _ in schedule]
    assert dues == sorted(set(dues))
    assert all(start <= due <= min(end, dt.date(2023, 3, 31)) for due in dues)
    assert dues[0] == start or dues[0] in quarter_starts(2022)
