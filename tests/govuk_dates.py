"""Filling GOV.UK date inputs (core.widgets.GovukDateInput) in browser tests, and posting them in Django tests."""

from __future__ import annotations

import datetime as dt


def fill_date(page, legend: str, iso: str) -> None:
    """Type an ISO date into the day, month and year boxes of the date input whose legend is legend."""
    date = dt.date.fromisoformat(iso)
    group = page.get_by_role("group", name=legend, exact=True)
    group.get_by_label("Day", exact=True).fill(str(date.day))
    group.get_by_label("Month", exact=True).fill(str(date.month))
    group.get_by_label("Year", exact=True).fill(str(date.year))


def date_parts(name: str, iso: str) -> dict[str, str]:
    """What the date input posts for an ISO date: NAME_day, NAME_month and NAME_year."""
    date = dt.date.fromisoformat(iso)
    return {f"{name}_day": str(date.day), f"{name}_month": str(date.month), f"{name}_year": str(date.year)}
