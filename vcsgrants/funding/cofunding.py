"""Pure co-funding arithmetic (no Django): who pays for a stream's commitments, and under which name.

A stream's budget for a year is shared between its own funder and any partners who contribute to it;
its commitments (the agreements' funding lines) are shared the same way. Shares are exact to the penny
in both directions: each agreement's funders add up to its funding lines, and each funder's share of the
stream adds up over the agreements (see `split_commitments`).

A partner body can be succeeded by another from a date (a CCG by its Integrated Care Board on 1 July
2022). The successor takes over the commitments and the history from that date: money for a year that
spans the date is shared between the two names by days (largest remainder, to the penny), and each part
keeps the name it was under, for example "NHS Northshire Clinical Commissioning Group (to 30 June 2022)" and
"NHS Northshire Integrated Care Board (from 1 July 2022)".
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import TypeVar

from vcsgrants.core.money import apportion, long_date

ZERO = Decimal("0.00")
ONE_DAY = dt.timedelta(days=1)
SHARE_RULE = (
    "Where partners contribute to a stream, each agreement's funding from it is shared between the funders in "
    "proportion to their shares of that year's budget, to the penny; a year that spans a change of name (a "
    "successor body taking over) is shared by days."
)

K = TypeVar("K", bound=Hashable)
P = TypeVar("P", bound=Hashable)


@dataclass(frozen=True)
class OrgNode:
    """What succession needs to know of an organisation."""

    pk: int
    name: str
    successor_id: int | None = None
    succeeded_on: dt.date | None = None


@dataclass(frozen=True)
class Payer:
    """One organisation paying for the part of a period (usually a financial year) it was responsible for."""

    org_id: int
    name: str
    start: dt.date
    end: dt.date
    period_start: dt.date
    period_end: dt.date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def whole_period(self) -> bool:
        return self.start == self.period_start and self.end == self.period_end

    @property
    def dates(self) -> str:
        if self.whole_period:
            return ""
        if self.start > self.period_start and self.end < self.period_end:
            return f"{long_date(self.start)} to {long_date(self.end)}"
        if self.end < self.period_end:
            return f"to {long_date(self.end)}"
        return f"from {long_date(self.start)}"

    @property
    def label(self) -> str:
        return f"{self.name} ({self.dates})" if self.dates else self.name


def responsible(org_id: int, start: dt.date, end: dt.date, orgs: Mapping[int, OrgNode]) -> list[Payer]:
    """Who was responsible for org_id's commitments from start to end: the organisation, then each successor
    from the day it took over. An organisation succeeded before start hands everything to its successor."""
    current = orgs[org_id]
    seen = {current.pk}

    def next_of(node: OrgNode) -> OrgNode | None:
        if node.successor_id is None or node.succeeded_on is None or node.successor_id in seen:
            return None  # no successor, or a loop in the data: stop here
        seen.add(node.successor_id)
        return orgs[node.successor_id]

    while current.succeeded_on is not None and current.succeeded_on <= start and (following := next_of(current)):
        current = following
    payers = []
    segment_start = start
    while True:
        hand_over = current.succeeded_on
        following = next_of(current) if hand_over is not None and segment_start < hand_over <= end else None
        if following is None:
            payers.append(Payer(current.pk, current.name, segment_start, end, start, end))
            return payers
        payers.append(Payer(current.pk, current.name, segment_start, hand_over - ONE_DAY, start, end))
        segment_start, current = hand_over, following


def names_for_period(payers: Sequence[Payer]) -> str:
    """Both names for their periods: "A (to 30 June 2022), then B"."""
    if len(payers) == 1:
        return payers[0].name
    parts = [f"{p.name} ({p.dates})" if i == 0 else p.name for i, p in enumerate(payers)]
    return ", then ".join(parts)


def payer_weights(
    *,
    lead_id: int,
    budget: Decimal | None,
    contributions: Sequence[tuple[int, Decimal]],
    start: dt.date,
    end: dt.date,
    orgs: Mapping[int, OrgNode],
) -> list[tuple[Payer, Fraction]]:
    """Each payer's share of a stream for the period: contributors first (by name), the stream's funder last with
    what the contributions leave of the budget; each split by days where a successor took over mid-period.

    With no contributions, or no budget to share, the stream's funder pays everything.
    """
    weighted: list[tuple[int, Fraction]] = []
    contributed = sum((amount for _, amount in contributions), ZERO)
    if contributions and budget is not None and contributed > 0:
        for org_id, amount in sorted(contributions, key=lambda c: (orgs[c[0]].name, c[0])):
            if amount > 0:
                weighted.append((org_id, Fraction(amount)))
        weighted.append((lead_id, Fraction(max(budget - contributed, ZERO))))
    else:
        weighted.append((lead_id, Fraction(1)))
    result: list[tuple[Payer, Fraction]] = []
    for org_id, weight in weighted:
        payers = responsible(org_id, start, end, orgs)
        total_days = sum(p.days for p in payers)
        result.extend((p, weight * p.days / total_days) for p in payers)
    return result


def share(amount: Decimal, weights: Sequence[tuple[P, Fraction]]) -> dict[P, Decimal]:
    """amount shared between payers in proportion to their weights, to the penny (largest remainder)."""
    parts = apportion(amount, [w for _, w in weights])
    result: dict[P, Decimal] = {}
    for (payer, _), part in zip(weights, parts, strict=True):
        result[payer] = result.get(payer, ZERO) + part
    return result


def split_commitments(
    amounts: Mapping[K, Decimal], weights: Sequence[tuple[P, Fraction]]
) -> tuple[dict[P, Decimal], dict[K, dict[P, Decimal]]]:
    """Share a stream's commitments (amount per key: agreement and district) between payers, exact both ways.

    The payers' totals are the whole commitment apportioned by their weights; each key's amounts add up to
    its commitment. Payers are taken in order: each one's total is apportioned over what the keys still
    have to find, and the last payer takes what is left, so every share is at least zero and each key's
    shares are within a penny or two of its exact proportion.
    """
    if any(v < 0 for v in amounts.values()):
        raise ValueError("A commitment to share cannot be negative.")
    if not weights:
        raise ValueError("Somebody has to pay: give at least one payer.")
    keys = list(amounts)
    total = sum(amounts.values(), ZERO)
    totals = share(total, weights)
    payers = list(totals)
    remaining = {k: amounts[k] for k in keys}
    by_key: dict[K, dict[P, Decimal]] = {k: {} for k in keys}
    for index, payer in enumerate(payers):
        if index == len(payers) - 1:
            parts = [remaining[k] for k in keys]
        elif keys:
            parts = apportion(totals[payer], [remaining[k] for k in keys])
        else:
            parts = []
        for key, part in zip(keys, parts, strict=True):
            if part:
                by_key[key][payer] = part
            remaining[key] -= part
    return totals, by_key
