"""Panel scoring and the award rule, as plain arithmetic (no Django): exact, with Decimal results.

Weighted total (one assessor, one application), as a percentage of the best possible:

    total = Σ weight_c × score_c / max_c      (the weights of a call add up to 100)

so scoring every criterion at its maximum gives 100.00 and scoring nothing gives 0.00. Sums are done in
exact fractions and rounded once, half up, to 2 places; the order of the criteria cannot change a result.

Per criterion across the panel: the mean score and the spread (highest − lowest). A spread of 40% of the
criterion's maximum or more (2 points on a 0–5 scale) is flagged for the moderation meeting to discuss.
The panel mean is the mean of the assessors' weighted totals; it is the default moderated score.

The award rule for a lot (see `plan_lot`): take the recommended applications (fund, fund with conditions) in
order of moderated score, highest first (a tie goes to the smaller request, then the earlier reference); fund
each one whose yearly request fits within the money the lot has left that year, and skip one that does not fit
— then try the next, so a smaller application further down can still use what is left.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from vcsgrants.core.money import pounds

TWO_PLACES = Decimal("0.01")
WEIGHTS_TOTAL = 100
# A spread of this share of the maximum score (2 on a 0–5 scale) or more is flagged for moderation.
SPREAD_FLAG_SHARE = Fraction(2, 5)


@dataclass(frozen=True)
class CriterionSpec:
    key: int
    weight: int
    max_score: int


def _decimal(value: Fraction) -> Decimal:
    """An exact fraction rounded half up to 2 places."""
    return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(TWO_PLACES, rounding=ROUND_HALF_UP)


def weights_problem(weights: Sequence[int]) -> str | None:
    """Why assessment cannot start with these weights, or None when they add up to 100."""
    if not weights:
        return "Add the criteria the panel will score before assessment can start."
    total = sum(weights)
    if total != WEIGHTS_TOTAL:
        return f"The criteria's weights add up to {total}; they must add up to {WEIGHTS_TOTAL} before assessment can start."
    return None


def check_score(score: int, max_score: int) -> None:
    if not 0 <= score <= max_score:
        raise ValueError(f"A score must be between 0 and {max_score}, not {score}.")


def weighted_total_fraction(criteria: Sequence[CriterionSpec], scores: Mapping[int, int]) -> Fraction:
    total = Fraction(0)
    for criterion in criteria:
        score = scores[criterion.key]
        check_score(score, criterion.max_score)
        total += Fraction(criterion.weight * score, criterion.max_score)
    return total


def weighted_total(criteria: Sequence[CriterionSpec], scores: Mapping[int, int]) -> Decimal:
    """One assessor's weighted total as a percentage (2 places): Σ weight × score / max. Every criterion needs a score."""
    return _decimal(weighted_total_fraction(criteria, scores))


@dataclass(frozen=True)
class CriterionSpread:
    mean: Decimal | None  # None with no scores yet
    spread: int
    flagged: bool


def criterion_spread(scores: Sequence[int], max_score: int) -> CriterionSpread:
    """The panel's mean score on one criterion, the spread (max − min) and whether it needs discussing."""
    if not scores:
        return CriterionSpread(mean=None, spread=0, flagged=False)
    spread = max(scores) - min(scores)
    return CriterionSpread(
        mean=_decimal(Fraction(sum(scores), len(scores))),
        spread=spread,
        flagged=Fraction(spread) >= SPREAD_FLAG_SHARE * max_score,
    )


def panel_mean(criteria: Sequence[CriterionSpec], score_sets: Sequence[Mapping[int, int]]) -> Decimal | None:
    """The mean of the assessors' weighted totals (exact, then rounded once); None with no complete score set."""
    if not score_sets:
        return None
    totals = [weighted_total_fraction(criteria, scores) for scores in score_sets]
    return _decimal(sum(totals, Fraction(0)) / len(totals))


# --- The award rule --------------------------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    key: int
    reference: str
    score: Decimal
    amount: Decimal  # a year's funding asked for


@dataclass(frozen=True)
class Placing:
    key: int
    rank: int
    funded: bool
    left_before: Decimal  # what the lot had left that year when this application's turn came
    why: str


@dataclass(frozen=True)
class LotPlan:
    placings: list[Placing]
    awarded: Decimal
    left: Decimal


def ranked(candidates: Sequence[Candidate]) -> list[Candidate]:
    """Highest moderated score first; a tie goes to the smaller request, then the earlier reference."""
    return sorted(candidates, key=lambda c: (-c.score, c.amount, c.reference))


def plan_lot(budget: Decimal, candidates: Sequence[Candidate]) -> LotPlan:
    """Which recommended applications the lot's yearly money funds (see the module docstring)."""
    left = budget
    placings = []
    for rank, candidate in enumerate(ranked(candidates), start=1):
        if candidate.amount <= left:
            placings.append(
                Placing(
                    candidate.key,
                    rank,
                    True,
                    left,
                    f"Fits: asks {pounds(candidate.amount)} a year and {pounds(left)} was left.",
                )
            )
            left -= candidate.amount
        else:
            placings.append(
                Placing(
                    candidate.key,
                    rank,
                    False,
                    left,
                    f"Does not fit: asks {pounds(candidate.amount)} a year but only {pounds(left)} is left; "
                    "the next in rank was tried.",
                )
            )
    return LotPlan(placings=placings, awarded=budget - left, left=left)
