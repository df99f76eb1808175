"""Reads for multi-year terms: an agreement's profile against the uplift rule, its break clause and review dates."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from vcsgrants.funding.models import ZERO, Agreement, MultiYearTerms
from vcsgrants.funding.multiyear import UPLIFT_RULE, notice_deadline, review_dates, uplift_profile


@dataclass
class ProfileLine:
    year: object
    amount: Decimal
    rule_amount: Decimal
    added: bool
    current: Decimal  # what the agreement's funding lines hold for the year now, after any later variation

    @property
    def by_rule(self) -> bool:
        return self.amount == self.rule_amount


@dataclass
class MultiYearView:
    terms: MultiYearTerms
    lines: list[ProfileLine]
    reviews: list[dt.date]
    notice_by: dt.date | None
    rule: str = UPLIFT_RULE

    @property
    def total(self) -> Decimal:
        return sum((ln.amount for ln in self.lines), ZERO)

    @property
    def years(self) -> int:
        return len(self.lines)


def agreement_multiyear(agreement: Agreement, value_by_year: dict | None = None) -> MultiYearView | None:
    """The agreement's multi-year terms, if it has any (the latest, should there be several)."""
    terms = (
        agreement.multiyear_terms.select_related("first_year", "last_year", "variation")
        .prefetch_related("years__financial_year")
        .order_by("-first_year__start_year", "-id")
        .first()
    )
    if terms is None:
        return None
    years = list(terms.years.all())
    rule = uplift_profile(years[0].amount, terms.uplift_percent, len(years)) if years else []
    if value_by_year is None:
        value_by_year = {y: agreement.value_for(y) for y in (p.financial_year for p in years)}
    lines = [
        ProfileLine(p.financial_year, p.amount, r, p.added, value_by_year.get(p.financial_year, ZERO))
        for p, r in zip(years, rule, strict=True)
    ]
    end = agreement.current_end_date
    return MultiYearView(
        terms=terms,
        lines=lines,
        reviews=review_dates(terms.first_review_date, end) if terms.first_review_date else [],
        notice_by=notice_deadline(terms.earliest_break_date, terms.notice_months)
        if terms.earliest_break_date and terms.notice_months
        else None,
    )
