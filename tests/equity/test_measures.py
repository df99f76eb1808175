"""Equity measures against worked examples done by hand, and the Gini against a brute-force O(n²) formula."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vcsgrants.equity.measures import (
    Measures,
    atkinson,
    coefficient_of_variation,
    compute_measures,
    gini,
    max_min_ratio,
    theil,
)


def brute_gini(y, pop) -> float:
    """G = sum_i sum_j p_i p_j |y_i - y_j| / (2 mu), straight from the definition."""
    p = [w / sum(pop) for w in pop]
    mu = sum(pi * yi for pi, yi in zip(p, y, strict=True))
    total = sum(p[i] * p[j] * abs(y[i] - y[j]) for i in range(len(y)) for j in range(len(y)))
    return total / (2 * mu)


def test_two_equal_areas_per_head_one_and_three():
    # Two areas of one person each, getting 1 and 3 a head. p = (1/2, 1/2), mu = 2.
    y, pop = [1.0, 3.0], [1, 1]
    # Gini: ordered pairs (1,3) and (3,1) each weigh 1/4 with |difference| 2: (1/4*2 + 1/4*2) / (2*2) = 1/4.
    assert gini(y, pop) == pytest.approx(0.25)
    # Theil: r = y/mu = (1/2, 3/2); T = 1/2 * 1/2 ln(1/2) + 1/2 * 3/2 ln(3/2) = 1/4 ln(1/2) + 3/4 ln(3/2)
    #        = -0.173287 + 0.304099 = 0.130812.
    assert theil(y, pop) == pytest.approx(0.25 * math.log(0.5) + 0.75 * math.log(1.5))
    assert theil(y, pop) == pytest.approx(0.130812, abs=1e-6)
    # Atkinson 0.5: sum p sqrt(r) = (sqrt(0.5) + sqrt(1.5)) / 2 = (0.707107 + 1.224745) / 2 = 0.965926;
    #               A = 1 - 0.965926^2 = 1 - 0.933013 = 0.066987.
    assert atkinson(y, pop, 0.5) == pytest.approx(1 - ((math.sqrt(0.5) + math.sqrt(1.5)) / 2) ** 2)
    assert atkinson(y, pop, 0.5) == pytest.approx(0.066987, abs=1e-6)
    # Atkinson 1: geometric mean sqrt(1*3) = 1.732051 over mu = 2 -> A = 1 - 0.866025 = 0.133975.
    assert atkinson(y, pop, 1.0) == pytest.approx(1 - math.sqrt(3) / 2)
    # CV: deviations -1 and +1, weighted variance 1/2*1 + 1/2*1 = 1, sd 1, CV = 1/2.
    assert coefficient_of_variation(y, pop) == pytest.approx(0.5)
    assert max_min_ratio(y) == pytest.approx(3.0)


def test_population_weighting_three_areas():
    # Populations 2, 1, 1 getting 1, 2 and 5 a head: p = (1/2, 1/4, 1/4); mu = 1/2 + 2/4 + 5/4 = 9/4.
    y, pop = [1.0, 2.0, 5.0], [2, 1, 1]
    # Gini: unordered pairs (1,2): 1/2*1/4*1 = 1/8; (1,5): 1/2*1/4*4 = 1/2; (2,5): 1/4*1/4*3 = 3/16.
    #   Sum 13/16, ordered pairs twice that = 13/8; G = (13/8) / (2 * 9/4) = 13/36 = 0.361111.
    assert gini(y, pop) == pytest.approx(13 / 36)
    # CV: deviations -5/4, -1/4, 11/4; variance = 1/2*25/16 + 1/4*1/16 + 1/4*121/16 = (50 + 1 + 121)/64 = 172/64
    #   sd = sqrt(2.6875) = 1.639360; CV = 1.639360 / 2.25 = 0.728604.
    assert coefficient_of_variation(y, pop) == pytest.approx(math.sqrt(172 / 64) / 2.25)
    # Atkinson 1: geometric mean = exp(1/2 ln 1 + 1/4 ln 2 + 1/4 ln 5) = 10 ** (1/4) = 1.778279; A = 1 - 1.778279/2.25.
    assert atkinson(y, pop, 1.0) == pytest.approx(1 - 10**0.25 / 2.25)
    # Theil: r = (4/9, 8/9, 20/9); T = 1/2 r1 ln r1 + 1/4 r2 ln r2 + 1/4 r3 ln r3.
    r = [4 / 9, 8 / 9, 20 / 9]
    assert theil(y, pop) == pytest.approx(
        0.5 * r[0] * math.log(r[0]) + 0.25 * r[1] * math.log(r[1]) + 0.25 * r[2] * math.log(r[2])
    )
    # Weighting matters: the same per-head figures with equal populations give a different Gini:
    #   pairs 1, 4, 3 each weigh 1/9: sum 8/9, ordered 16/9; mu = 8/3; G = (16/9)/(16/3) = 1/3.
    assert gini(y, [1, 1, 1]) == pytest.approx(1 / 3)
    assert max_min_ratio(y) == pytest.approx(5.0)


def test_an_area_with_nothing():
    # Populations 1 and 3; 4 a head and nothing: p = (1/4, 3/4), mu = 1.
    y, pop = [4.0, 0.0], [1, 3]
    # Gini: 2 * 1/4 * 3/4 * 4 / (2 * 1) = 3/4.
    assert gini(y, pop) == pytest.approx(0.75)
    # Theil: 1/4 * 4 ln 4 + 3/4 * 0 ln 0 (= 0) = ln 4 = 1.386294.
    assert theil(y, pop) == pytest.approx(math.log(4))
    # Atkinson 0.5: sum p sqrt(r) = 1/4 * 2 = 1/2; A = 1 - 1/4 = 3/4.  Atkinson 1: an area with nothing -> 1.
    assert atkinson(y, pop, 0.5) == pytest.approx(0.75)
    assert atkinson(y, pop, 1.0) == 1.0
    # CV: variance 1/4 * 9 + 3/4 * 1 = 3; sd sqrt(3); CV = sqrt(3).
    assert coefficient_of_variation(y, pop) == pytest.approx(math.sqrt(3))
    assert max_min_ratio(y) is None


def test_equal_per_head_gives_zero_everywhere():
    # 100, 200 and 300 people getting £10.00 a head: every measure is 0 and the ratio 1.
    m = compute_measures([100_000, 200_000, 300_000], [100, 200, 300], [100_000, 200_000, 300_000], [100_000, 200_000, 300_000])
    assert (m.gini, m.theil, m.atkinson_05, m.atkinson_1, m.cv) == (0.0, 0.0, 0.0, 0.0, 0.0)
    assert m.max_min_ratio == 1.0
    assert m.money_from_target_pence == 0
    assert (m.winners, m.winners_pence, m.losers, m.losers_pence) == (0, 0, 0, 0)


def test_money_from_target_winners_and_losers():
    # Allocations 120, 80, 100 against targets 100, 100, 100: |20| + |-20| + 0 = 40, half is 20.
    # Against current 100, 90, 110: +20 (winner), -10 (loser), -10 (loser).
    m = compute_measures([120, 80, 100], [1, 1, 1], target_pence=[100, 100, 100], current_pence=[100, 90, 110])
    assert m.money_from_target_pence == 20
    assert (m.winners, m.winners_pence) == (1, 20)
    assert (m.losers, m.losers_pence) == (2, 20)
    # Per head 120, 80, 100 over equal populations: mean 100, pairs |40|, |20|, |20| each 1/9: ordered sum 160/9;
    # G = (160/9) / 200 = 0.088889.
    assert m.gini == pytest.approx(160 / 9 / 200)


def test_to_json_keys_and_money_as_pounds():
    m = Measures(0.1, 0.2, 0.3, 0.4, 0.5, None, 123456, 2, 500, 1, 500)
    data = m.to_json()
    for key in ("gini", "theil", "atkinson_0.5", "atkinson_1", "cv", "max_min_ratio", "money_from_target"):
        assert key in data
    assert data["money_from_target"] == "1234.56"
    assert data["max_min_ratio"] is None
    assert data["atkinson_0.5"] == 0.3


def test_gini_matches_brute_force_on_random_data():
    rng = np.random.default_rng(7)
    for size in (2, 3, 10, 57, 200):
        y = rng.gamma(2.0, 10.0, size=size)
        y[: size // 4] = y[0]  # some ties
        pop = rng.integers(1, 5_000, size=size)
        assert gini(y, pop) == pytest.approx(brute_gini(list(y), list(pop)), rel=1e-12, abs=1e-15)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 10_000), st.integers(1, 10_000)),
        min_size=1,
        max_size=25,
    ).filter(lambda rows: any(v for v, _ in rows))
)
def test_gini_property_against_brute_force(rows):
    y = [float(v) for v, _ in rows]
    pop = [p for _, p in rows]
    expected = brute_gini(y, pop)
    assert gini(y, pop) == pytest.approx(expected, rel=1e-9, abs=1e-12)
    assert 0.0 <= gini(y, pop) <= 1.0


def test_gini_is_fast_and_right_at_lsoa_scale():
    rng = np.random.default_rng(1)
    n = 33_755
    y = rng.gamma(3.0, 1.0, size=n)
    pop = rng.integers(1_000, 3_000, size=n)
    g = gini(y, pop)
    # Against the brute force on a 2,000-area sample of the same distribution, and the known value
    # for a gamma(k=3) distribution, G = Gamma(k + 1/2) / (sqrt(pi) k Gamma(k)) = 0.3125 (roughly here).
    assert g == pytest.approx(0.3125, abs=0.01)
    assert gini(y[:2000], pop[:2000]) == pytest.approx(brute_gini(list(y[:2000]), list(pop[:2000])), rel=1e-9)


def test_bad_inputs_refused():
    with pytest.raises(ValueError):
        gini([1.0, -1.0], [1, 1])
    with pytest.raises(ValueError):
        gini([1.0, 1.0], [1, 0])
    with pytest.raises(ValueError):
        gini([], [])
    with pytest.raises(ValueError):
        atkinson([1.0], [1], -1)
