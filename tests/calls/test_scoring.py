"""The panel's arithmetic: weighted totals, spreads, the panel mean and the award rule (pure, no database)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vcsgrants.calls.scoring import (
    Candidate,
    CriterionSpec,
    criterion_spread,
    panel_mean,
    plan_lot,
    weighted_total,
    weights_problem,
)

FIVE = [
    CriterionSpec(1, 30, 5),  # method statement
    CriterionSpec(2, 20, 5),  # added value
    CriterionSpec(3, 20, 5),  # safeguarding
    CriterionSpec(4, 15, 5),  # inclusion
    CriterionSpec(5, 15, 5),  # price
]


def test_weighted_total_is_a_percentage_of_the_best_possible():
    assert weighted_total(FIVE, {1: 5, 2: 5, 3: 5, 4: 5, 5: 5}) == Decimal("100.00")
    assert weighted_total(FIVE, {1: 0, 2: 0, 3: 0, 4: 0, 5: 0}) == Decimal("0.00")
    # 30×4/5 + 20×3/5 + 20×5/5 + 15×2/5 + 15×4/5 = 24 + 12 + 20 + 6 + 12
    assert weighted_total(FIVE, {1: 4, 2: 3, 3: 5, 4: 2, 5: 4}) == Decimal("74.00")


def test_criteria_with_different_maxima_are_scaled_to_their_own_maximum():
    criteria = [CriterionSpec(1, 50, 10), CriterionSpec(2, 50, 3)]
    # 50×7/10 + 50×1/3 = 35 + 16.666… = 51.67 (rounded once, half up)
    assert weighted_total(criteria, {1: 7, 2: 1}) == Decimal("51.67")


def test_a_score_above_the_maximum_or_missing_is_refused():
    with pytest.raises(ValueError, match="between 0 and 5"):
        weighted_total(FIVE, {1: 6, 2: 0, 3: 0, 4: 0, 5: 0})
    with pytest.raises(KeyError):
        weighted_total(FIVE, {1: 3})


def test_weights_must_add_up_to_100():
    assert weights_problem([30, 20, 20, 15, 15]) is None
    assert weights_problem([30, 20, 20, 15]) == (
        "The criteria's weights add up to 85; they must add up to 100 before assessment can start."
    )
    assert "Add the criteria" in weights_problem([])


def test_spread_is_flagged_from_two_points_on_a_five_point_scale():
    assert criterion_spread([3, 4, 4], 5) == criterion_spread([4, 3, 4], 5)
    assert criterion_spread([3, 4, 4], 5).mean == Decimal("3.67")
    assert criterion_spread([3, 4, 4], 5).spread == 1
    assert not criterion_spread([3, 4, 4], 5).flagged
    assert criterion_spread([2, 4], 5).flagged
    assert not criterion_spread([2, 5], 10).flagged  # 3 of 10 is under 40%
    assert criterion_spread([1, 5], 10).flagged
    assert criterion_spread([], 5).mean is None


def test_panel_mean_is_the_mean_of_weighted_totals_rounded_once():
    a = {1: 4, 2: 3, 3: 5, 4: 2, 5: 4}  # 74
    b = {1: 3, 2: 3, 3: 4, 4: 3, 5: 3}  # 18 + 12 + 16 + 9 + 9 = 64
    c = {1: 5, 2: 4, 3: 4, 4: 4, 5: 3}  # 30 + 16 + 16 + 12 + 9 = 83
    assert panel_mean(FIVE, [a, b, c]) == Decimal("73.67")  # 221 / 3
    assert panel_mean(FIVE, []) is None


criteria_strategy = st.lists(st.tuples(st.integers(1, 100), st.integers(1, 10)), min_size=1, max_size=8).map(
    lambda pairs: [CriterionSpec(i, w, m) for i, (w, m) in enumerate(pairs)]
)


@st.composite
def criteria_and_scores(draw):
    criteria = draw(criteria_strategy)
    scores = {c.key: draw(st.integers(0, c.max_score)) for c in criteria}
    return criteria, scores


def normalised(criteria):
    """Weights rescaled to add up to exactly 100 (the last takes the remainder), as a real call's must."""
    total = sum(c.weight for c in criteria)
    weights = [c.weight * 100 // total for c in criteria]
    weights[-1] += 100 - sum(weights)
    return [CriterionSpec(c.key, w, c.max_score) for c, w in zip(criteria, weights, strict=True)]


@given(criteria_and_scores())
def test_total_stays_within_0_and_100_and_is_exact_to_the_penny(pair):
    criteria, scores = pair
    criteria = normalised(criteria)
    total = weighted_total(criteria, scores)
    assert Decimal("0") <= total <= Decimal("100")
    assert total == total.quantize(Decimal("0.01"))


@given(criteria_and_scores(), st.randoms(use_true_random=False))
def test_order_of_criteria_and_of_assessors_does_not_matter(pair, random):
    criteria, scores = pair
    shuffled = list(criteria)
    random.shuffle(shuffled)
    assert weighted_total(shuffled, scores) == weighted_total(criteria, scores)
    other = {k: 0 for k in scores}
    assert panel_mean(criteria, [scores, other]) == panel_mean(criteria, [other, scores])


@given(criteria_and_scores())
def test_raising_one_score_never_lowers_the_total(pair):
    criteria, scores = pair
    for c in criteria:
        if scores[c.key] < c.max_score:
            better = {**scores, c.key: scores[c.key] + 1}
            assert weighted_total(criteria, better) >= weighted_total(criteria, scores)


def candidate(key, score, amount, reference=None):
    return Candidate(key, reference or f"A{key:03}", Decimal(score), Decimal(amount))


def test_award_rule_takes_the_best_first_and_skips_what_does_not_fit():
    plan = plan_lot(
        Decimal("50000.00"),
        [
            candidate(1, "70.00", "20000.00"),
            candidate(2, "82.50", "30000.00"),
            candidate(3, "75.00", "25000.00"),  # does not fit after #2
            candidate(4, "60.00", "15000.00"),  # fits what is left after #1
        ],
    )
    assert [(p.key, p.rank, p.funded) for p in plan.placings] == [(2, 1, True), (3, 2, False), (1, 3, True), (4, 4, False)]
    assert plan.awarded == Decimal("50000.00")
    assert plan.left == Decimal("0.00")
    assert "only £20,000.00 is left" in plan.placings[1].why


def test_award_rule_ties_go_to_the_smaller_request():
    plan = plan_lot(Decimal("10000.00"), [candidate(1, "70", "9000"), candidate(2, "70", "8000")])
    assert [(p.key, p.funded) for p in plan.placings] == [(2, True), (1, False)]
    assert plan.left == Decimal("2000.00")


@given(
    st.decimals(min_value=0, max_value=1_000_000, places=2),
    st.lists(
        st.tuples(st.decimals(min_value=0, max_value=100, places=2), st.decimals(min_value=0, max_value=500_000, places=2)),
        max_size=8,
    ),
)
def test_award_never_exceeds_the_lot_and_reconciles(budget, pairs):
    candidates = [Candidate(i, f"A{i:03}", s, a) for i, (s, a) in enumerate(pairs)]
    plan = plan_lot(budget, candidates)
    funded = sum((c.amount for c in candidates if any(p.key == c.key and p.funded for p in plan.placings)), Decimal(0))
    assert funded == plan.awarded <= budget
    assert plan.awarded + plan.left == budget
    # Nothing left out would have fitted in what was left at the end.
    assert all(c.amount > plan.left for c in candidates if not any(p.key == c.key and p.funded for p in plan.placings))
