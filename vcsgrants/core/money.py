"""Pure money and calendar arithmetic (no Django): exact pence, financial years, quarters."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

PENNY = Decimal("0.01")


def to_pence(amount: Decimal) -> int:
    pence = amount * 100
    if pence != pence.to_integral_value():
        raise ValueError(f"£{amount} is not a whole number of pence.")
    return int(pence)


def from_pence(pence: int) -> Decimal:
    return (Decimal(pence) / 100).quantize(PENNY)


def round_to_penny(amount: Decimal) -> Decimal:
    return amount.quantize(PENNY, rounding=ROUND_HALF_UP)


def apportion(total: Decimal, weights: Sequence[Decimal | int]) -> list[Decimal]:
    """Split total into len(weights) penny amounts proportional to weights that sum exactly to total.

    Largest-remainder rounding; ties go to the earlier position, so the result is deterministic.
    With all weights zero the split is even.
    """
    if not weights:
        raise ValueError("Nothing to apportion between.")
    if any(w < 0 for w in weights):
        raise ValueError("Weights cannot be negative.")
    total_pence = to_pence(total)
    sign = -1 if total_pence < 0 else 1
    total_pence = abs(total_pence)
    weight_values = [Fraction(w) for w in weights]
    weight_sum = sum(weight_values)
    if weight_sum == 0:
        weight_values = [Fraction(1)] * len(weights)
        weight_sum = Fraction(len(weights))
    # Fractions keep every quota exact, so the remainders compare truly.
    quotas = [total_pence * w / weight_sum for w in weight_values]
    floors = [int(q) for q in quotas]
    short = total_pence - sum(floors)
    order = sorted(range(len(quotas)), key=lambda i: (-(quotas[i] - floors[i]), i))
    for i in order[:short]:
        floors[i] += 1
    return [from_pence(sign * p) for p in floors]


def pounds(amount: Decimal) -> str:
    """Money as pages, e-mails and audit entries write it: £1,234.56 (-£5.00 for a reduction)."""
    sign = "-" if amount < 0 else ""
    return f"{sign}£{abs(amount):,.2f}"


def long_date(day: dt.date) -> str:
    """A UK date as pages and reports write it: 1 July 2022."""
    return f"{day.day} {day:%B %Y}"


def financial_year_start(day: dt.date) -> int:
    """The calendar year in which the financial year containing day begins."""
    return day.year if day.month >= 4 else day.year - 1


def quarter_starts(start_year: int) -> list[dt.date]:
    """Q1 (Apr–Jun) to Q4 (Jan–Mar) of financial year start_year."""
    return [dt.date(start_year, 4, 1), dt.date(start_year, 7, 1), dt.date(start_year, 10, 1), dt.date(start_year + 1, 1, 1)]


def quarter_end(quarter_start: dt.date) -> dt.date:
    month = quarter_start.month + 3
    year = quarter_start.year + (1 if month > 12 else 0)
    month = month - 12 if month > 12 else month
    return dt.date(year, month, 1) - dt.timedelta(days=1)


def quarterly_in_advance(
    start_year: int, period_start: dt.date, period_end: dt.date, value: Decimal
) -> list[tuple[dt.date, Decimal]]:
    """The default schedule: one instalment at the start of each quarter the period touches, split evenly."""
    due_dates = [max(q, period_start) for q in quarter_starts(start_year) if q <= period_end and quarter_end(q) >= period_start]
    if not due_dates:
        return []
    return list(zip(due_dates, apportion(value, [1] * len(due_dates)), strict=True))
