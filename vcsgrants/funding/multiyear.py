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
from dataclasses import dataclass
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


ANNUALISE_RULE = (
    "A part-year agreement's level is annualised: an agreement that ran whole calendar months of the year is scaled "
    "to twelve months (1 October to 31 March is 6 months, so £5,000.00 is £10,000.00 a year); any other part of a "
    "year is scaled by days (365 or 366). Rounded to the nearest penny, half a penny up."
)


@dataclass(frozen=True)
class AnnualLevel:
    """A year's amount as a level for a whole year, and what it is based on."""

    amount: Decimal  # what the agreement had in the year
    annual: Decimal  # the level for twelve months
    start: dt.date  # the part of the year the agreement ran
    end: dt.date
    months: int | None  # whole calendar months it ran (None when not whole months)
    days: int
    year_days: int

    @property
    def part_year(self) -> bool:
        return self.days < self.year_days

    @property
    def basis(self) -> str:
        """For example "6 months (1 October 2022 to 31 March 2023)"."""
        span = f"{self.start.day} {self.start:%B %Y} to {self.end.day} {self.end:%B %Y}"
        if self.months is not None:
            return f"{self.months} month{'s' if self.months != 1 else ''} ({span})"
        return f"{self.days} days of {self.year_days} ({span})"


def whole_months(start: dt.date, end: dt.date) -> int | None:
    """Calendar months from start to end inclusive when they are whole months (1 Oct – 31 Mar is 6), else None."""
    after_end = end + dt.timedelta(days=1)
    if start.day != 1 or after_end.day != 1:
        return None
    return (after_end.year - start.year) * 12 + (after_end.month - start.month)


def annual_level(amount: Decimal, *, start: dt.date, end: dt.date, year_start: dt.date, year_end: dt.date) -> AnnualLevel:
    """The year's amount for an agreement running start to end, as a level for the whole year (ANNUALISE_RULE)."""
    first, last = max(start, year_start), min(end, year_end)
    year_days = (year_end - year_start).days + 1
    if last < first:
        first, last = year_start, year_end
    days = (last - first).days + 1
    months = whole_months(first, last)
    pence = to_pence(amount)
    if days >= year_days:
        annual = pence
    elif months is not None:
        annual = (2 * pence * 12 + months) // (2 * months)
    else:
        annual = (2 * pence * year_days + days) // (2 * days)
    return AnnualLevel(amount, from_pence(annual), first, last, months, days, year_days)
