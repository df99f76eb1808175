"""Equity measures of an allocation: how evenly money per head is spread over the population.

Pure numpy, no Django. Every measure is population-weighted: with per-head funding ``y_i`` (an area's
allocation over its population ``n_i``) and population shares ``p_i = n_i / sum(n)``, the mean per head is
``mu = sum(p_i * y_i)`` (which is simply the total over the total population), and

- Gini ``G = sum_i sum_j p_i p_j |y_i - y_j| / (2 mu)``: no small-sample correction; computed in
  O(n log n) from the sorted values as ``sum_i p_i y_i (P_below_i - P_above_i) / mu``;
- Theil ``T = sum_i p_i (y_i / mu) ln(y_i / mu)`` with ``0 ln 0 = 0``;
- Atkinson ``A(e) = 1 - (sum_i p_i (y_i / mu) ** (1 - e)) ** (1 / (1 - e))`` for e = 0.5, and
  ``A(1) = 1 - exp(sum_i p_i ln y_i) / mu`` (the geometric over the arithmetic mean; 1 when any y_i is 0);
- coefficient of variation ``CV = sqrt(sum_i p_i (y_i - mu) ** 2) / mu``;
- max/min ratio of per-head funding (None when some area gets nothing).

Every measure is 0 when per-head funding is equal everywhere; values are never negative (floating-point
dust below zero is clamped to 0).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

__all__ = [
    "Measures",
    "atkinson",
    "coefficient_of_variation",
    "compute_measures",
    "gini",
    "max_min_ratio",
    "theil",
]


def _pounds(pence: int) -> str:
    sign = "-" if pence < 0 else ""
    whole, part = divmod(abs(int(pence)), 100)
    return f"{sign}{whole}.{part:02d}"


@dataclass(frozen=True)
class Measures:
    """The equity measures of one allocation (see the module docstring for the formulas)."""

    gini: float
    theil: float
    atkinson_05: float
    atkinson_1: float
    cv: float
    max_min_ratio: float | None
    money_from_target_pence: int
    winners: int
    winners_pence: int
    losers: int
    losers_pence: int

    def to_json(self, *, places: int | None = 6) -> dict:
        """The measures as JSON-ready values; the ratios rounded to ``places`` decimals (None: unrounded)."""

        def r(value: float | None) -> float | None:
            if value is None or places is None:
                return value
            return round(value, places)

        return {
            "gini": r(self.gini),
            "theil": r(self.theil),
            "atkinson_0.5": r(self.atkinson_05),
            "atkinson_1": r(self.atkinson_1),
            "cv": r(self.cv),
            "max_min_ratio": r(self.max_min_ratio),
            "money_from_target": _pounds(self.money_from_target_pence),
            "winners": self.winners,
            "winners_total": _pounds(self.winners_pence),
            "losers": self.losers,
            "losers_total": _pounds(self.losers_pence),
        }


def _wsum(a: np.ndarray, b: np.ndarray) -> float:
    # Elementwise product then numpy's pairwise sum: as accurate as np.dot and, unlike np.dot, never hands
    # the work to a multi-threaded BLAS (which can cost milliseconds on a busy machine).
    return float((a * b).sum())


def _prepare(values, weights) -> tuple[np.ndarray, np.ndarray, float]:
    """Per-head values as floats, population shares summing to 1, and the weighted mean."""
    y = np.asarray(values, dtype=np.float64)
    w = np.asarray(weights, dtype=np.float64)
    if y.ndim != 1 or y.shape != w.shape or y.size == 0:
        raise ValueError("values and weights must be one-dimensional, of the same non-zero length")
    if not (np.isfinite(y).all() and np.isfinite(w).all()):
        raise ValueError("values and weights must be finite")
    if (y < 0).any() or (w <= 0).any():
        raise ValueError("values must be >= 0 and weights > 0")
    p = w / w.sum()
    return y, p, _wsum(p, y)


def _equal(y: np.ndarray) -> bool:
    return bool(y.max() == y.min())


def _gini(y: np.ndarray, p: np.ndarray, mu: float) -> float:
    order = np.argsort(y, kind="stable")
    ys = y[order]
    ps = p[order]
    cum = np.cumsum(ps)
    below = cum - ps  # population share strictly before i in sorted order
    above = cum[-1] - cum  # population share strictly after i
    # sum_i sum_j p_i p_j |y_i - y_j| = 2 sum_i p_i y_i (below_i - above_i); shifting y by a constant leaves
    # it unchanged (sum_i p_i (below_i - above_i) = 0), so shift by the minimum to keep the sums small.
    g = _wsum(ps * (ys - ys[0]), below - above) / mu
    return min(max(g, 0.0), 1.0)


def _theil(r: np.ndarray, p: np.ndarray, positive: np.ndarray) -> float:
    safe = np.where(positive, r, 1.0)
    return max(_wsum(p, r * np.log(safe)), 0.0)  # r ln r with 0 ln 0 = 0 (ln 1 = 0 where r = 0)


def _atkinson(r: np.ndarray, p: np.ndarray, epsilon: float, any_zero: bool) -> float:
    if epsilon == 1:
        if any_zero:
            return 1.0
        return min(max(1.0 - math.exp(_wsum(p, np.log(r))), 0.0), 1.0)
    if epsilon > 1 and any_zero:
        return 1.0
    e = 1.0 - epsilon
    powered = np.sqrt(r) if epsilon == 0.5 else r**e
    return min(max(1.0 - _wsum(p, powered) ** (1.0 / e), 0.0), 1.0)


def _cv(y: np.ndarray, p: np.ndarray, mu: float) -> float:
    d = y - mu
    return math.sqrt(max(_wsum(p, d * d), 0.0)) / mu


def gini(values, weights) -> float:
    """Population-weighted Gini of ``values`` (no small-sample correction), O(n log n)."""
    y, p, mu = _prepare(values, weights)
    return 0.0 if _equal(y) or mu == 0 else _gini(y, p, mu)


def theil(values, weights) -> float:
    """Theil T index: sum p_i r_i ln r_i with r_i = y_i / mu and 0 ln 0 = 0."""
    y, p, mu = _prepare(values, weights)
    return 0.0 if _equal(y) or mu == 0 else _theil(y / mu, p, y > 0)


def atkinson(values, weights, epsilon: float) -> float:
    """Atkinson index with inequality aversion ``epsilon`` (>= 0)."""
    if epsilon < 0:
        raise ValueError("epsilon must be >= 0")
    y, p, mu = _prepare(values, weights)
    return 0.0 if _equal(y) or mu == 0 else _atkinson(y / mu, p, float(epsilon), bool((y == 0).any()))


def coefficient_of_variation(values, weights) -> float:
    """Population-weighted standard deviation over the mean."""
    y, p, mu = _prepare(values, weights)
    return 0.0 if _equal(y) or mu == 0 else _cv(y, p, mu)


def max_min_ratio(values) -> float | None:
    """Largest over smallest value; None when the smallest is 0."""
    y = np.asarray(values, dtype=np.float64)
    low = float(y.min())
    if low == 0:
        return None
    return float(y.max()) / low


def compute_measures(allocation_pence, population, target_pence=None, current_pence=None) -> Measures:
    """All the measures of one allocation (whole pence per area) over areas with these populations.

    ``target_pence`` gives the money away from target (0 when omitted); ``current_pence`` the winners and
    losers (none when omitted). Arrays may be any sequence; order does not matter as long as it is shared.
    """
    alloc = np.asarray(allocation_pence, dtype=np.int64)
    pop = np.asarray(population, dtype=np.int64)
    if alloc.shape != pop.shape:
        raise ValueError("allocation and population must have the same length")
    y = alloc / pop  # pence per head
    if target_pence is not None:
        away = int(np.abs(alloc - np.asarray(target_pence, dtype=np.int64)).sum())
        # Half the sum of |allocation - target|: both sums equal the budget, so it is a whole number of pence
        # whenever the gains and losses balance; round half up otherwise (it cannot be, but be safe).
        money_from_target = (away + 1) // 2
    else:
        money_from_target = 0
    if current_pence is not None:
        change = alloc - np.asarray(current_pence, dtype=np.int64)
        gains = change > 0
        losses = change < 0
        winners, winners_pence = int(gains.sum()), int(change[gains].sum())
        losers, losers_pence = int(losses.sum()), int(-change[losses].sum())
    else:
        winners = winners_pence = losers = losers_pence = 0
    yf, p, mu = _prepare(y, pop)
    if _equal(yf) or mu == 0:
        g = t = a05 = a1 = cv = 0.0
    else:
        r = yf / mu
        positive = yf > 0
        any_zero = not bool(positive.all())
        g = _gini(yf, p, mu)
        t = _theil(r, p, positive)
        a05 = _atkinson(r, p, 0.5, any_zero)
        a1 = _atkinson(r, p, 1.0, any_zero)
        cv = _cv(yf, p, mu)
    return Measures(
        gini=g,
        theil=t,
        atkinson_05=a05,
        atkinson_1=a1,
        cv=cv,
        max_min_ratio=max_min_ratio(yf),
        money_from_target_pence=money_from_target,
        winners=winners,
        winners_pence=winners_pence,
        losers=losers,
        losers_pence=losers_pence,
    )
