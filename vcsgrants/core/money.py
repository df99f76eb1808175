"""Pure money and calendar arithmetic (no Django): exact pence, financial years, quarters."""

from __future__ import annotations

import datetime as dt
import re
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


# --- Careless input: amounts written as exponents, dates far outside the service's life ---------------------------

# An amount as people type one: digits, optionally a point and more digits, optionally signed. Python's Decimal
# (and so Django's and DRF's decimal fields) would also take "1e3", "1E-2", "Infinity" and "NaN"; nobody means
# those in a money box, and "1e3" silently becoming £1,000.00 is how a careless paste becomes a payment.
PLAIN_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")

# The window of dates an officer or a provider may type: nothing in this service happened before 1 January 2000,
# and nothing is planned more than ten years ahead. A constant, not a setting: a date outside it is a typing slip
# (1900-01-01 from a spreadsheet, 1432 for 2023), whichever council runs the service.
EARLIEST_DATE = dt.date(2000, 1, 1)
YEARS_AHEAD = 10


def is_plain_number(text: str) -> bool:
    """Whether text is an amount written plainly (1000, 1000.00, -5.5), not 1e3, Infinity or NaN."""
    return bool(PLAIN_NUMBER.match(str(text).strip()))


def looks_like_money(max_digits: int | None, decimal_places: int | None, label: str = "") -> bool:
    """Pounds and pence (the MONEY precision: 12 digits, 2 decimals, or a label with £ or "amount"), rather than a
    percentage, score or KPI figure: which words the refusal uses."""
    words = label.lower()
    return (max_digits == 12 and decimal_places == 2) or "£" in words or "amount" in words


def plain_number_message(label: str, money: bool = True) -> str:
    what = label[:1].lower() + label[1:] if label else "the amount"
    if money:
        return f"Enter {what} in pounds and pence, such as 1000.00"
    return f"Enter {what} as a plain number, such as 12.5"


def latest_plausible_date(today: dt.date) -> dt.date:
    """Ten years after today (28 February for a 29 February)."""
    try:
        return today.replace(year=today.year + YEARS_AHEAD)
    except ValueError:
        return today.replace(year=today.year + YEARS_AHEAD, day=28)


def implausible_date_message(label: str, day: dt.date, today: dt.date) -> str | None:
    """Why day cannot be right for the field labelled label, or None when it is inside the window."""
    name = label or "The date"
    if day < EARLIEST_DATE:
        return f"{name} must be on or after {long_date(EARLIEST_DATE)}: check the year"
    latest = latest_plausible_date(today)
    if day > latest:
        return f"{name} must be no later than {long_date(latest)}, ten years from today: check the year"
    return None
