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

from vcsgrants.core.money import apportion, from_pence, long_date

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
    weighted = funder_weights(lead_id=lead_id, budget=budget, contributions=contributions, orgs=orgs)
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


def funder_weights(
    *, lead_id: int, budget: Decimal | None, contributions: Sequence[tuple[int, Decimal]], orgs: Mapping[int, OrgNode]
) -> list[tuple[int, Fraction]]:
    """Each funding body's share of a stream for a year, before succession: contributors first (by name), the
    stream's funder last with what the contributions leave of the budget (everything when nobody contributes)."""
    contributed = sum((amount for _, amount in contributions), ZERO)
    if not (contributions and budget is not None and contributed > 0):
        return [(lead_id, Fraction(1))]
    weighted = [
        (org_id, Fraction(amount))
        for org_id, amount in sorted(contributions, key=lambda c: (orgs[c[0]].name, c[0]))
        if amount > 0
    ]
    weighted.append((lead_id, Fraction(max(budget - contributed, ZERO))))
    return weighted


@dataclass
class StreamSplit:
    """A stream's commitments for a year by payer (``totals``) and by key and payer (``by_key``), exact both ways.

    ``lead_excess`` is what is committed beyond the budget where partners have pledged fixed sums: it falls on the
    stream's own funder (partners are never shown committed above their pledges), and pages flag it.
    """

    totals: dict[Payer, Decimal]
    by_key: dict
    lead_excess: Decimal = ZERO


def _distribute(totals: Sequence[Decimal], amounts: Mapping[K, Decimal]) -> list[dict[K, Decimal]]:
    """Each total apportioned over what the keys still have to find, in order; the last takes what is left.

    The totals must add up to the amounts; every part is then at least zero and each key's parts add up to it."""
    keys = list(amounts)
    remaining = dict(amounts)
    result = []
    for index, total in enumerate(totals):
        if index == len(totals) - 1:
            parts = [remaining[k] for k in keys]
        elif keys:
            parts = apportion(total, [remaining[k] for k in keys])
        else:
            parts = []
        for key, part in zip(keys, parts, strict=True):
            remaining[key] -= part
        result.append(dict(zip(keys, parts, strict=True)))
    return result


def _by_own_days(
    parts: Mapping[K, Decimal],
    payers: Sequence[Payer],
    org_id: int,
    start: dt.date,
    end: dt.date,
    periods: Mapping[K, tuple[dt.date, dt.date]],
    orgs: Mapping[int, OrgNode],
) -> dict[Payer, dict[K, Decimal]]:
    """One body's part of each key shared between it and its successor(s) by the days of the key's own period.

    Exactly, both ways: key k's exact share for payer p is part_k x (k's days under p) / (k's days); each payer's
    total is the body's total apportioned by the sums of those (so a stream-long agreement gives the same figures
    as the budget's split by days); then each payer but the last takes the whole pence of its exact shares plus a
    penny on the keys with the largest fractions until it reaches its total, and the last takes what is left. A
    key whose own days fall wholly under one name has a whole-penny exact share there, so it owes the other
    name nothing: an agreement that ended before the successor existed shows nothing from it.
    """
    keys = list(parts)
    index = {p.org_id: i for i, p in enumerate(payers)}
    exact: dict[K, list[Fraction]] = {}
    for key in keys:
        pence = Fraction(int(parts[key] * 100))
        key_start, key_end = periods.get(key, (start, end))
        key_start, key_end = max(key_start, start), min(key_end, end)
        if key_start > key_end:
            key_start, key_end = start, end
        own = responsible(org_id, key_start, key_end, orgs)
        days = sum(p.days for p in own)
        row = [Fraction(0)] * len(payers)
        for p in own:
            row[index[p.org_id]] += pence * p.days / days
        exact[key] = row
    column_sums = [sum((exact[k][j] for k in keys), Fraction(0)) for j in range(len(payers))]
    body_total = sum(parts.values(), ZERO)
    payer_totals = [int(t * 100) for t in apportion(body_total, column_sums)] if body_total else [0] * len(payers)
    left = {k: int(parts[k] * 100) for k in keys}
    result: dict[Payer, dict[K, Decimal]] = {}
    for j, payer in enumerate(payers):
        if j == len(payers) - 1:
            column = dict(left)
        else:
            column = {k: int(exact[k][j]) for k in keys}
            fractional = sorted((k for k in keys if exact[k][j] != column[k]), key=lambda k: -(exact[k][j] - column[k]))
            for k in fractional[: max(payer_totals[j] - sum(column.values()), 0)]:
                column[k] += 1
            column = {k: min(v, left[k]) for k, v in column.items()}
        for k in keys:
            left[k] -= column[k]
        result[payer] = {k: from_pence(v) for k, v in column.items()}
    return result


def split_stream(
    amounts: Mapping[K, Decimal],
    *,
    lead_id: int,
    budget: Decimal | None,
    contributions: Sequence[tuple[int, Decimal]],
    start: dt.date,
    end: dt.date,
    orgs: Mapping[int, OrgNode],
    key_periods: Mapping[K, tuple[dt.date, dt.date]] | None = None,
) -> StreamSplit:
    """Share a stream's commitments for the period start-end (amount per key: agreement and district) by payer.

    1. Between the funding bodies: the whole commitment apportioned by their shares of the budget (largest
       remainder, to the penny), except that a partner's part never exceeds what it pledged: when more is
       committed than the budget, the excess falls on the stream's own funder (``lead_excess``).
    2. Over the keys: each body's total is apportioned over what the keys still have to find, the stream's funder
       (last) taking what is left, so every share is at least zero and each key's shares add up to it.
    3. Between a body and its successor: each key's part by the days of the key's own period (``key_periods``,
       the agreement's dates within start-end; the whole period when not given) before and from the handover,
       so an agreement that ended before the successor existed owes it nothing.
    """
    if any(v < 0 for v in amounts.values()):
        raise ValueError("A commitment to share cannot be negative.")
    weights = funder_weights(lead_id=lead_id, budget=budget, contributions=contributions, orgs=orgs)
    total = sum(amounts.values(), ZERO)
    org_totals = apportion(total, [w for _, w in weights]) if total else [ZERO] * len(weights)
    lead_excess = ZERO
    if len(weights) > 1 and budget is not None:
        pledged = dict(contributions)
        capped = [min(t, pledged[o]) if o != lead_id else t for (o, _), t in zip(weights, org_totals, strict=True)]
        capped[-1] = total - sum(capped[:-1], ZERO)
        org_totals = capped
        lead_excess = max(total - budget, ZERO)
    per_org = _distribute(org_totals, amounts)
    periods = key_periods or {}
    totals: dict[Payer, Decimal] = {}
    by_key: dict = {k: {} for k in amounts}
    for (org_id, _), parts in zip(weights, per_org, strict=True):
        payers = responsible(org_id, start, end, orgs)
        if len(payers) == 1:
            columns = {payers[0]: parts}
        else:
            columns = _by_own_days(parts, payers, org_id, start, end, periods, orgs)
        for payer, column in columns.items():
            totals[payer] = sum(column.values(), ZERO)
            for key, amount in column.items():
                if amount:
                    by_key[key][payer] = amount
    return StreamSplit(totals=totals, by_key=by_key, lead_excess=lead_excess)
