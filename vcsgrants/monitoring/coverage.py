"""Like-for-like performance, pure (no Django): which returns a quarter expects, how many are in, which quarter a
dashboard opens at, and a year-before comparison over the same agreements only.

- A quarter **expects** a return from each agreement that is live in the quarter (it runs on at least one day of
  it: the same rule as the quarters an agreement owes) and has a KPI target for the quarter's financial year: the
  returns that fall due, as the overdue list counts them.
- A quarter's **coverage** counts the expected returns accepted, and those submitted (or queried) but not yet
  accepted; the dashboards' figures count both, as "returns in".
- The **default quarter** is the latest quarter with figures whose accepted returns reach the programme's minimum
  coverage (100% unless changed): at 100%, the latest quarter with every expected return accepted.
- A **like-for-like** comparison of two quarters takes only the agreements with a value in both.

Everything is integers and sets; `combine` adds up figures kept as whole hundredths exactly.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TypeVar

from vcsgrants.core.money import quarter_end, quarter_starts
from vcsgrants.monitoring.rag import MEAN_PLACES, Aggregation

K = TypeVar("K")

ACCEPTED = "accepted"
AWAITING = ("submitted", "queried")  # in, and counted in the figures, but not yet accepted
DEFAULT_MINIMUM_PERCENT = 100


@dataclass(frozen=True)
class Coverage:
    """How many of a quarter's expected returns are in: accepted, and in but not yet accepted."""

    expected: int
    accepted: int
    awaiting: int  # submitted or queried, not yet accepted

    @property
    def returns_in(self) -> int:
        return self.accepted + self.awaiting

    @property
    def complete(self) -> bool:
        return self.expected > 0 and self.accepted == self.expected

    def meets(self, minimum_percent: int) -> bool:
        """At least minimum_percent of the expected returns accepted (exactly: no rounding); never with none expected."""
        return self.expected > 0 and self.accepted * 100 >= minimum_percent * self.expected

    @property
    def text(self) -> str:
        """For example: '9 of 10 expected returns accepted; 1 more submitted, not yet accepted'."""
        if self.expected == 0:
            return "no returns expected" if not self.returns_in else f"{self.returns_in} in, none expected"
        noun = "return" if self.expected == 1 else "returns"
        words = f"{self.accepted} of {self.expected} expected {noun} accepted"
        if self.awaiting:
            words += f"; {self.awaiting} more submitted, not yet accepted"
        return words


def coverage_of(expected: Collection[int], statuses: Mapping[int, str], scope: Collection[int] | None = None) -> Coverage:
    """Coverage of the expected agreements (within scope, when given) from each agreement's return status."""
    wanted = set(expected) if scope is None else set(expected) & set(scope)
    accepted = sum(1 for a in wanted if statuses.get(a) == ACCEPTED)
    awaiting = sum(1 for a in wanted if statuses.get(a) in AWAITING)
    return Coverage(len(wanted), accepted, awaiting)


def live_in_quarter(start: dt.date, end: dt.date, start_year: int, quarter: int) -> bool:
    """Whether an agreement running start to end runs on at least one day of the quarter."""
    first = quarter_starts(start_year)[quarter - 1]
    return quarter_end(first) >= start and first <= end


def expected_agreements(
    spans: Mapping[int, tuple[dt.date, dt.date]], target_years: Iterable[tuple[int, int]], start_year: int, quarter: int
) -> frozenset[int]:
    """The agreements a quarter expects a return from: a target in its financial year and live in the quarter.

    spans: agreement → (start, current end) of the agreements that owe returns; target_years: (agreement, start
    year) pairs with a KPI target.
    """
    return frozenset(
        a for a, y in target_years if y == start_year and a in spans and live_in_quarter(*spans[a], start_year, quarter)
    )


def default_quarter(
    candidates: Sequence[tuple[int, int]], coverages: Mapping[tuple[int, int], Coverage], minimum_percent: int
) -> tuple[int, int] | None:
    """The latest of the candidate quarters (start year, quarter) whose coverage meets the minimum; None if none does."""
    for period in sorted(candidates, reverse=True):
        found = coverages.get(period)
        if found is not None and found.meets(minimum_percent):
            return period
    return None


def like_for_like(now: Mapping[K, int], before: Mapping[K, int]) -> tuple[list[int], list[int], frozenset[K]]:
    """The values now and a year before of only the agreements with a value in both, and those agreements."""
    common = frozenset(now.keys() & before.keys())
    ordered = sorted(common, key=repr)
    return [now[k] for k in ordered], [before[k] for k in ordered], common


def combine(hundredths: Sequence[int], across: Aggregation) -> Decimal | None:
    """Providers' figures for one quarter, in whole hundredths, combined exactly as `rag.aggregate` combines the
    same figures as Decimals (the tests hold the two equal): SUM adds up; MEAN is the exact mean rounded half up
    to `rag.MEAN_PLACES` places. Integer arithmetic, and one Decimal at the end, rather than a Fraction per figure.
    None when there is no figure.
    """
    if not hundredths:
        return None
    total = sum(hundredths)
    if across == Aggregation.SUM:
        return Decimal(total).scaleb(-2)
    if across != Aggregation.MEAN:
        raise ValueError(f"Providers' figures combine by sum or mean, not {across!r}.")
    # |total| / 100 / n, scaled by 10**MEAN_PLACES, plus a half, floored: (2·|total|·10**MEAN_PLACES + 100n) // 200n
    n = len(hundredths)
    rounded = (2 * abs(total) * 10**MEAN_PLACES + 100 * n) // (200 * n)
    return Decimal(-rounded if total < 0 else rounded).scaleb(-MEAN_PLACES)


def compared_text(agreements: int, providers: int) -> str:
    """'same 9 providers', or 'same 3 agreements (2 providers)' where a provider holds more than one of them."""
    if agreements == 0:
        return "no provider reported in both quarters"
    if agreements == providers:
        return f"same {providers} provider{'s' if providers != 1 else ''}"
    return f"same {agreements} agreements ({providers} provider{'s' if providers != 1 else ''})"
