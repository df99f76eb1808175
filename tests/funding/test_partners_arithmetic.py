"""Co-funding arithmetic, exact to the penny: shares by funder add up to every agreement and to every funder."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vcsgrants.core.money import apportion, from_pence
from vcsgrants.funding.cofunding import OrgNode, names_for_period, payer_weights, responsible, split_commitments

D = Decimal
FY_START, FY_END = dt.date(2022, 4, 1), dt.date(2023, 3, 31)
COUNCIL, CCG, ICB, HEALTH = 1, 2, 3, 4
ORGS = {
    COUNCIL: OrgNode(COUNCIL, "County Council"),
    CCG: OrgNode(CCG, "Test CCG", successor_id=ICB, succeeded_on=dt.date(2022, 7, 1)),
    ICB: OrgNode(ICB, "Test ICB"),
    HEALTH: OrgNode(HEALTH, "Public Health"),
}


def test_a_year_spanning_the_succession_is_under_both_names_for_their_periods():
    payers = responsible(CCG, FY_START, FY_END, ORGS)
    assert [(p.name, p.start, p.end) for p in payers] == [
        ("Test CCG", FY_START, dt.date(2022, 6, 30)),
        ("Test ICB", dt.date(2022, 7, 1), FY_END),
    ]
    assert [p.label for p in payers] == ["Test CCG (to 30 June 2022)", "Test ICB (from 1 July 2022)"]
    assert names_for_period(payers) == "Test CCG (to 30 June 2022), then Test ICB"
    assert [p.days for p in payers] == [91, 274]


def test_before_and_after_the_succession_only_one_name_applies():
    assert [p.label for p in responsible(CCG, dt.date(2021, 4, 1), dt.date(2022, 3, 31), ORGS)] == ["Test CCG"]
    assert [p.label for p in responsible(CCG, dt.date(2023, 4, 1), dt.date(2024, 3, 31), ORGS)] == ["Test ICB"]


def test_a_loop_in_the_succession_data_does_not_hang():
    looped = {1: OrgNode(1, "A", 2, dt.date(2022, 7, 1)), 2: OrgNode(2, "B", 1, dt.date(2022, 10, 1))}
    assert [p.name for p in responsible(1, FY_START, FY_END, looped)] == ["A", "B"]


def test_a_contribution_spanning_the_succession_is_shared_by_days():
    weights = payer_weights(
        lead_id=COUNCIL, budget=D("452228.00"), contributions=[(CCG, D("20000.00"))], start=FY_START, end=FY_END, orgs=ORGS
    )
    totals, by_key = split_commitments({"whole stream": D("452228.00")}, weights)
    assert {p.label: v for p, v in totals.items()} == {
        "Test CCG (to 30 June 2022)": D("4986.30"),
        "Test ICB (from 1 July 2022)": D("15013.70"),
        "County Council": D("432228.00"),
    }
    assert by_key["whole stream"] == totals


def test_no_contributions_means_the_stream_funder_pays_everything():
    weights = payer_weights(lead_id=COUNCIL, budget=None, contributions=[], start=FY_START, end=FY_END, orgs=ORGS)
    totals, by_key = split_commitments({"a": D("10.01"), "b": D("0.00")}, weights)
    assert [(p.label, v) for p, v in totals.items()] == [("County Council", D("10.01"))]
    assert by_key == {"a": {weights[0][0]: D("10.01")}, "b": {}}


def test_negative_commitments_are_refused():
    weights = payer_weights(lead_id=COUNCIL, budget=None, contributions=[], start=FY_START, end=FY_END, orgs=ORGS)
    with pytest.raises(ValueError, match="cannot be negative"):
        split_commitments({"a": D("-1.00")}, weights)


money = st.integers(min_value=0, max_value=2_000_000_00).map(from_pence)


@st.composite
def stream_years(draw):
    """A stream's budget, partners' contributions within it, and commitments (per agreement) up to or beyond it."""
    budget = draw(st.integers(min_value=1, max_value=2_000_000_00))
    contributors = draw(st.lists(st.sampled_from([CCG, HEALTH]), unique=True, max_size=2))
    contributions = []
    left = budget
    for org in contributors:
        amount = draw(st.integers(min_value=1, max_value=max(1, left)))
        if amount <= left:
            contributions.append((org, from_pence(amount)))
            left -= amount
    commitments = draw(st.lists(money, min_size=0, max_size=12))
    if draw(st.booleans()) and commitments:
        # Fully committed: the partners' totals must then be their contributions exactly.
        scale = sum(commitments, D("0"))
        commitments = apportion(from_pence(budget), commitments) if scale else commitments
    return from_pence(budget), contributions, commitments


@given(stream_years())
def test_shares_reconcile_to_each_agreement_and_each_funder_to_the_penny(example):
    budget, contributions, commitments = example
    weights = payer_weights(lead_id=COUNCIL, budget=budget, contributions=contributions, start=FY_START, end=FY_END, orgs=ORGS)
    amounts = {f"agreement {i}": amount for i, amount in enumerate(commitments)}
    totals, by_key = split_commitments(amounts, weights)
    committed = sum(commitments, D("0"))
    # Every agreement's shares add up to its funding; no share is negative.
    for key, amount in amounts.items():
        assert sum(by_key[key].values(), D("0")) == amount
        assert all(v >= 0 for v in by_key[key].values())
    # Every funder's shares over the agreements add up to its total, which is the commitment apportioned exactly.
    for payer, total in totals.items():
        assert sum((by_key[k].get(payer, D("0")) for k in amounts), D("0")) == total
    assert sum(totals.values(), D("0")) == committed
    exact = {p: Fraction(committed) * Fraction(w) / sum(Fraction(x) for _, x in weights) for p, w in weights}
    for payer, total in totals.items():
        assert abs(Fraction(total) - exact[payer]) < Fraction(1, 100)
    if committed == budget:
        by_org: dict[int, Decimal] = {}
        for payer, total in totals.items():
            by_org[payer.org_id] = by_org.get(payer.org_id, D("0")) + total
        for org, amount in contributions:
            assert by_org.get(org, D("0")) + (by_org.get(ICB, D("0")) if org == CCG else D("0")) == amount
