"""Co-funding arithmetic, exact to the penny: shares by funder add up to every agreement and to every funder."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vcsgrants.core.money import apportion, from_pence
from vcsgrants.funding.cofunding import OrgNode, names_for_period, responsible, split_stream

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


def split(amounts, *, budget=None, contributions=(), key_periods=None):
    result = split_stream(
        amounts,
        lead_id=COUNCIL,
        budget=budget,
        contributions=list(contributions),
        start=FY_START,
        end=FY_END,
        orgs=ORGS,
        key_periods=key_periods,
    )
    return result.totals, result.by_key


def test_a_contribution_spanning_the_succession_is_shared_by_days():
    totals, by_key = split({"whole stream": D("452228.00")}, budget=D("452228.00"), contributions=[(CCG, D("20000.00"))])
    assert {p.label: v for p, v in totals.items()} == {
        "Test CCG (to 30 June 2022)": D("4986.30"),
        "Test ICB (from 1 July 2022)": D("15013.70"),
        "County Council": D("432228.00"),
    }
    assert by_key["whole stream"] == totals


def test_no_contributions_means_the_stream_funder_pays_everything():
    totals, by_key = split({"a": D("10.01"), "b": D("0.00")})
    [council] = totals
    assert [(p.label, v) for p, v in totals.items()] == [("County Council", D("10.01"))]
    assert by_key == {"a": {council: D("10.01")}, "b": {}}


def test_negative_commitments_are_refused():
    with pytest.raises(ValueError, match="cannot be negative"):
        split({"a": D("-1.00")})


def test_the_succession_split_follows_the_agreements_own_days():
    """An agreement that ran 1 April to 30 June 2022 owes the ICB (from 1 July 2022) nothing; one from 1 October
    owes the CCG nothing; a whole-year one is shared 91:274; the names' totals add up over the agreements."""
    amounts = {"April to June": D("10000.00"), "October on": D("6000.00"), "whole year": D("3650.00")}
    totals, by_key = split(
        amounts,
        budget=D("19650.00"),
        contributions=[(CCG, D("19650.00"))],
        key_periods={
            "April to June": (dt.date(2022, 4, 1), dt.date(2022, 6, 30)),
            "October on": (dt.date(2022, 10, 1), dt.date(2024, 3, 31)),
        },
    )
    labels = {k: {p.label: v for p, v in parts.items()} for k, parts in by_key.items()}
    assert labels == {
        "April to June": {"Test CCG (to 30 June 2022)": D("10000.00")},
        "October on": {"Test ICB (from 1 July 2022)": D("6000.00")},
        "whole year": {"Test CCG (to 30 June 2022)": D("910.00"), "Test ICB (from 1 July 2022)": D("2740.00")},
    }
    assert {p.label: v for p, v in totals.items()} == {
        "Test CCG (to 30 June 2022)": D("10910.00"),
        "Test ICB (from 1 July 2022)": D("8740.00"),
        "County Council": D("0.00"),
    }


def test_an_over_commitment_falls_on_the_stream_funder_never_on_a_fixed_pledge():
    """A foundation pledged £15,000.00 of a £100,000.00 budget; £107,118.20 is committed: the foundation stays at
    £15,000.00 (not 15% of the commitments, £16,067.73) and the council carries the £7,118.20 excess."""
    result = split_stream(
        {"a": D("57118.20"), "b": D("50000.00")},
        lead_id=COUNCIL,
        budget=D("100000.00"),
        contributions=[(HEALTH, D("15000.00"))],
        start=FY_START,
        end=FY_END,
        orgs=ORGS,
    )
    assert {p.label: v for p, v in result.totals.items()} == {"Public Health": D("15000.00"), "County Council": D("92118.20")}
    assert result.lead_excess == D("7118.20")
    assert {k: sum(v.values(), D("0")) for k, v in result.by_key.items()} == {"a": D("57118.20"), "b": D("50000.00")}


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


periods = st.sampled_from(
    [
        None,  # the whole year
        (dt.date(2022, 4, 1), dt.date(2022, 6, 30)),  # wholly before the handover
        (dt.date(2022, 10, 1), dt.date(2025, 3, 31)),  # wholly after it
        (dt.date(2021, 4, 1), dt.date(2022, 12, 31)),  # across it, ending mid-year
        (dt.date(2022, 5, 17), dt.date(2022, 7, 2)),
    ]
)


@given(stream_years(), st.lists(periods, min_size=12, max_size=12), st.integers(min_value=0, max_value=3))
def test_shares_reconcile_to_each_agreement_and_each_funder_to_the_penny(example, own_periods, overcommit):
    """Stream and funder figures add up to the totals both ways, and a partner is never shown committed above its
    pledge, whether the stream is under, exactly or over committed, and whatever the agreements' own dates."""
    budget, contributions, commitments = example
    if overcommit and commitments:
        commitments = [*commitments, from_pence(overcommit * 12_345_67)]
    amounts = {f"agreement {i}": amount for i, amount in enumerate(commitments)}
    key_periods = {k: p for k, p in zip(amounts, own_periods, strict=False) if p is not None}
    result = split_stream(
        amounts,
        lead_id=COUNCIL,
        budget=budget,
        contributions=contributions,
        start=FY_START,
        end=FY_END,
        orgs=ORGS,
        key_periods=key_periods,
    )
    totals, by_key = result.totals, result.by_key
    committed = sum(commitments, D("0"))
    # Every agreement's shares add up to its funding; no share is negative.
    for key, amount in amounts.items():
        assert sum(by_key[key].values(), D("0")) == amount
        assert all(v >= 0 for v in by_key[key].values())
    # Every funder's shares over the agreements add up to its total; the totals add up to the commitment.
    for payer, total in totals.items():
        assert sum((by_key[k].get(payer, D("0")) for k in amounts), D("0")) == total
    assert sum(totals.values(), D("0")) == committed
    # By body (a CCG and its ICB are one body): the commitment apportioned by shares of the budget, to the penny,
    # but never more than a partner pledged; the excess over the budget is the stream funder's, and is reported.
    by_body: dict[int, Decimal] = {}
    for payer, total in totals.items():
        body = CCG if payer.org_id == ICB else payer.org_id
        by_body[body] = by_body.get(body, D("0")) + total
    weights = dict(payer_weights_by_body(budget, contributions))
    for org, pledged in contributions:
        assert by_body.get(org, D("0")) <= pledged
        if committed <= budget:
            exact = Fraction(committed) * weights[org] / sum(weights.values())
            assert abs(Fraction(by_body.get(org, D("0"))) - exact) < Fraction(1, 100)
        if committed == budget:
            assert by_body.get(org, D("0")) == pledged
    assert result.lead_excess == (max(committed - budget, D("0")) if contributions else D("0"))
    # A name is owed nothing by an agreement whose own days all fell under the other name.
    for key, (start, end) in key_periods.items():
        names = {p.org_id for p in by_key[key]}
        if end < dt.date(2022, 7, 1):
            assert ICB not in names
        if start >= dt.date(2022, 7, 1):
            assert CCG not in names


def payer_weights_by_body(budget, contributions):
    contributed = sum((a for _, a in contributions), D("0"))
    return [(org, Fraction(a)) for org, a in contributions] + [(COUNCIL, Fraction(max(budget - contributed, D("0"))))]
