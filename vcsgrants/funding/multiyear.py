"""Pure arithmetic of multi-year terms (no Django): annual uplifts, profiles, break clauses and review dates.

Money is handled in whole pence (integers), so nothing is ever lost to floating point. The uplift rule:

    each year's amount is the year before's amount increased by the uplift percentage and rounded to the
    nearest penny, half a penny rounding up; the next year's uplift applies to that rounded amount.

So £38,250.00 at 2.7% a year is £38,250.00, £39,282.75, £40,343.38 (40,343.38425 rounded).
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Sequence
from decimal import Decimal

from vcsgrants.core.money import apportion, from_pence, to_pence

UPLIFT_RULE = (
    "Each year's amount is the year before's amount increased by the uplift and rounded to the nearest penny "
    "(half a penny rounds up); the next year's uplift applies to that rounded amount."
)
MAX_UPLIFT = Decimal("100")
UPLIFT_PLACES = 3  # thousandths of a per cent, for example 6.725%


def check_uplift(percent: Decimal) -> None:
    """An uplift is 0% to 100% with at most three decimal places."""
    if percent < 0:
        raise ValueError("An uplift cannot be negative: make a change of value to reduce an agreement.")
    if percent > MAX_UPLIFT:
        raise ValueError(f"An uplift of {percent}% is more than {MAX_UPLIFT}% a year.")
    if percent != percent.quantize(Decimal(1).scaleb(-UPLIFT_PLACES)):
        raise ValueError("Give the uplift to at most three decimal places, for example 2.725.")


def uplift(amount: Decimal, percent: Decimal) -> Decimal:
    """One year's uplift of amount by percent, rounded half up to the penny (exact: integer arithmetic)."""
    check_uplift(percent)
    pence = to_pence(amount)
    if pence < 0:
        raise ValueError("Only a positive amount can be uplifted.")
    scale = 10 ** (UPLIFT_PLACES + 2)  # percent with three decimals, as a fraction of 1
    factor = scale + int(percent.scaleb(UPLIFT_PLACES))
    numerator = pence * factor
    # Half up for non-negative numbers: add half the divisor, then floor.
    return from_pence((2 * numerator + scale) // (2 * scale))


def uplift_profile(first: Decimal, percent: Decimal, years: int) -> list[Decimal]:
    """The first year's amount, then each later year uplifted from the one before, for `years` years."""
    if years < 1:
        raise ValueError("A profile runs for at least one year.")
    amounts = [first]
    for _ in range(years - 1):
        amounts.append(uplift(amounts[-1], percent))
    return amounts


def continue_profile(previous: Decimal, percent: Decimal, years: int) -> list[Decimal]:
    """The `years` years after a year worth `previous`, each uplifted from the one before."""
    return uplift_profile(previous, percent, years + 1)[1:]


def split_profile(amounts: Sequence[Decimal], weights: Sequence[Decimal]) -> list[list[Decimal]]:
    """Each year's amount shared between components (stream × district) in proportion to weights, to the penny."""
    return [apportion(amount, list(weights)) for amount in amounts]


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` calendar months later (or earlier), kept inside a shorter month: 31 Mar − 1 month = 28/29 Feb."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def notice_deadline(break_date: dt.date, notice_months: int) -> dt.date:
    """The last day notice can be given for the agreement to end on break_date."""
    return add_months(break_date, -notice_months)


def review_dates(first: dt.date, end: dt.date) -> list[dt.date]:
    """Annual reviews: first, then the same day each year, up to and including end."""
    dates = []
    n = 0
    while (day := add_months(first, 12 * n)) <= end:
        dates.append(day)
        n += 1
    return dates


def is_year_start(day: dt.date) -> bool:
    return (day.month, day.day) == (4, 1)


def is_year_end(day: dt.date) -> bool:
    return (day.month, day.day) == (3, 31)
