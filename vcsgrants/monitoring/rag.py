"""Pure KPI arithmetic for quarterly monitoring (no Django): profiling, aggregation, RAG ratings and trends.

Ratings are computed from returns and targets every time they are shown, never stored by hand, so
this module holds the single definition of "green", "amber" and "red". Everything is exact: Decimal
and Fraction, never float, so a value exactly on a boundary always lands on the same side.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

QUARTERS_IN_YEAR = 4
MEAN_PLACES = 4


class Aggregation(enum.StrEnum):
    """How a KPI combines over quarters (year to date) and over providers (roll-ups)."""

    SUM = "sum"  # counts and money: groups supported, £ secured
    MEAN = "mean"  # rates and scores: % satisfied, average rating
    LATEST = "latest"  # snapshots: active volunteers at quarter end


class Direction(enum.StrEnum):
    """Which way is better, so the same rating rules serve "more groups" and "fewer days to answer"."""

    HIGHER_IS_BETTER = "higher_is_better"
    LOWER_IS_BETTER = "lower_is_better"


class Rating(enum.StrEnum):
    GREEN = "green"
    AMBER = "amber"
    RED = "red"
    GREY = "grey"  # no data or no target: nothing to judge


class Trend(enum.StrEnum):
    """Direction of travel of the value itself; whether that is good depends on the KPI's Direction."""

    UP = "up"
    DOWN = "down"
    SAME = "same"
    NONE = "none"  # no value now or a year before


@dataclass(frozen=True)
class Thresholds:
    """A programme's RAG tolerance: amber covers shortfalls up to amber_within (a fraction) of the target."""

    amber_within: Decimal = Decimal("0.10")

    def __post_init__(self) -> None:
        if isinstance(self.amber_within, bool) or not isinstance(self.amber_within, Decimal | int):
            raise TypeError(f"amber_within must be a Decimal fraction such as Decimal('0.10'), not {self.amber_within!r}.")
        amber_within = Decimal(self.amber_within)
        if not amber_within.is_finite() or not Decimal(0) <= amber_within < Decimal(1):
            raise ValueError(
                f"amber_within must be a fraction from 0 up to (not including) 1, e.g. 0.10 for 10%; got {self.amber_within}."
            )
        object.__setattr__(self, "amber_within", amber_within)


def profile_evenly(
    annual_target: Decimal, quarters: int = QUARTERS_IN_YEAR, aggregation: Aggregation = Aggregation.SUM, *, places: int = 2
) -> list[Decimal]:
    """The default quarterly profile of an annual target.

    SUM: split so the quarters add up exactly to the annual target, in units of 10**-places; the odd
    units go to the earlier quarters (largest remainder with ties to the earlier quarter), so the split
    is deterministic. Pass places=0 to profile a count in whole units.
    MEAN and LATEST: the annual target is a level to hold, so every quarter carries it (80% is 80% each quarter).
    """
    if quarters < 1:
        raise ValueError(f"A target is profiled over at least one quarter, not {quarters}.")
    if aggregation != Aggregation.SUM:
        return [annual_target] * quarters
    if places < 0:
        raise ValueError(f"places cannot be negative, got {places}.")
    units = annual_target.scaleb(places)
    if units != units.to_integral_value():
        raise ValueError(f"An annual target of {annual_target} cannot be split exactly to {places} decimal places.")
    total_units = int(units)
    sign = -1 if total_units < 0 else 1
    base, odd_units = divmod(abs(total_units), quarters)
    # Equal quotas have equal remainders, so largest-remainder reduces to: the first odd_units quarters get one more.
    split = [base + 1 if q < odd_units else base for q in range(quarters)]
    return [Decimal(sign * u).scaleb(-places).quantize(Decimal(1).scaleb(-places)) for u in split]


def _round_half_up(value: Fraction, places: int) -> Decimal:
    """Round an exact fraction to places decimals, halves away from zero (Decimal's ROUND_HALF_UP)."""
    scaled = abs(value) * 10**places
    rounded = int(scaled + Fraction(1, 2))  # int() floors a non-negative Fraction
    sign = -1 if value < 0 else 1
    return Decimal(sign * rounded).scaleb(-places).quantize(Decimal(1).scaleb(-places))


def aggregate(values: Sequence[Decimal | None], aggregation: Aggregation) -> Decimal | None:
    """Combine values over quarters (year to date) or over providers (roll-ups); missing values are skipped.

    None when there is no value at all, so "no data" stays distinguishable from zero.
    MEAN is exact before one final rounding to 4 decimal places (ROUND_HALF_UP).
    """
    present = [v for v in values if v is not None]
    if not present:
        return None
    if aggregation == Aggregation.SUM:
        return sum(present[1:], start=present[0])
    if aggregation == Aggregation.MEAN:
        return _round_half_up(sum((Fraction(v) for v in present), start=Fraction(0)) / len(present), MEAN_PLACES)
    if aggregation == Aggregation.LATEST:
        return present[-1]
    raise ValueError(f"Unknown aggregation {aggregation!r}.")


def target_to_date(quarter_targets: Sequence[Decimal | None], quarter_index: int, aggregation: Aggregation) -> Decimal | None:
    """The target a year-to-date value is judged against at quarter_index (0 = Q1 … 3 = Q4).

    SUM: the profiled targets so far add up. MEAN and LATEST: a level to hold, so the quarter's own
    target applies (or the latest one set before it, if this quarter has none).
    """
    if not 0 <= quarter_index < QUARTERS_IN_YEAR:
        raise ValueError(f"quarter_index must be 0 (Q1) to {QUARTERS_IN_YEAR - 1} (Q4), got {quarter_index}.")
    if quarter_index >= len(quarter_targets):
        raise ValueError(f"No target given for Q{quarter_index + 1}: only {len(quarter_targets)} quarterly targets.")
    so_far = quarter_targets[: quarter_index + 1]
    return aggregate(so_far, Aggregation.SUM if aggregation == Aggregation.SUM else Aggregation.LATEST)


def rate(actual: Decimal | None, target: Decimal | None, direction: Direction, thresholds: Thresholds = Thresholds()) -> Rating:
    """Red/Amber/Green for a value against its target to date.

    Green on or beyond the target; amber when short of it by at most amber_within of the target
    (inclusive); red when further short; grey when there is no value or no target. With a zero
    target there is no band to be within, so it is green or red.
    """
    if actual is None or target is None:
        return Rating.GREY
    exact_actual, exact_target = Fraction(actual), Fraction(target)
    shortfall = exact_target - exact_actual if direction == Direction.HIGHER_IS_BETTER else exact_actual - exact_target
    if shortfall <= 0:
        return Rating.GREEN
    if exact_target == 0:
        return Rating.RED
    if shortfall <= Fraction(thresholds.amber_within) * abs(exact_target):
        return Rating.AMBER
    return Rating.RED


def trend(current: Decimal | None, year_before: Decimal | None) -> Trend:
    """Which way the value moved against the same quarter a year before."""
    if current is None or year_before is None:
        return Trend.NONE
    if current > year_before:
        return Trend.UP
    if current < year_before:
        return Trend.DOWN
    return Trend.SAME


def is_improvement(value_trend: Trend, direction: Direction) -> bool | None:
    """True when the value moved the better way, False when it stood still or got worse, None when unknown."""
    if value_trend == Trend.NONE:
        return None
    if value_trend == Trend.SAME:
        return False
    better = Trend.UP if direction == Direction.HIGHER_IS_BETTER else Trend.DOWN
    return value_trend == better


@dataclass(frozen=True)
class KpiRating:
    """One KPI's standing at one quarter: year-to-date actual and target, its rating, and its direction of travel."""

    actual: Decimal | None
    target: Decimal | None
    rating: Rating
    trend: Trend
    improving: bool | None = None


def _value_at(values: Sequence[Decimal | None] | None, quarter_index: int) -> Decimal | None:
    if values is None or quarter_index >= len(values):
        return None
    return values[quarter_index]


def rate_quarter(
    quarter_values: Sequence[Decimal | None],
    quarter_targets: Sequence[Decimal | None],
    quarter_index: int,
    aggregation: Aggregation,
    direction: Direction,
    thresholds: Thresholds = Thresholds(),
    year_before_values: Sequence[Decimal | None] | None = None,
) -> KpiRating:
    """Rate a KPI at quarter_index (0 = Q1) from the year's quarterly values and profiled targets.

    The actual is the year to date (values Q1..this quarter, aggregated); values after this quarter
    are ignored and missing ones count as no data. A quarter whose own value is missing is grey with
    no actual: judging it on earlier quarters alone would show an unsubmitted return as a shortfall.
    The trend compares this quarter's own value with the same quarter of year_before_values.
    """
    target = target_to_date(quarter_targets, quarter_index, aggregation)
    this_quarter = _value_at(quarter_values, quarter_index)
    actual = None if this_quarter is None else aggregate(quarter_values[: quarter_index + 1], aggregation)
    value_trend = trend(this_quarter, _value_at(year_before_values, quarter_index))
    return KpiRating(
        actual=actual,
        target=target,
        rating=rate(actual, target, direction, thresholds),
        trend=value_trend,
        improving=is_improvement(value_trend, direction),
    )
