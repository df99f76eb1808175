"""The financial year a request or a form names ('2022-23'), for the views of every app."""

from __future__ import annotations

import datetime as dt
import re

from django import forms
from django.core.exceptions import ValidationError
from django.http import Http404

from vcsgrants.core.models import FinancialYear
from vcsgrants.core.money import financial_year_start
from vcsgrants.core.services import financial_year_get, parse_financial_year_label


def year_start_or_404(label: str) -> int:
    """'2022-23' → 2022; a label that is not a financial year is a page that does not exist."""
    try:
        return parse_financial_year_label(label)
    except ValidationError as exc:
        raise Http404(exc.messages[0]) from exc


def year_from_label(label: str | None, default: FinancialYear | None = None) -> FinancialYear:
    """The year a label names; with no label, the default or else the financial year of today."""
    if not label:
        return default or financial_year_get(start_year=financial_year_start(dt.date.today()))
    return financial_year_get(start_year=year_start_or_404(normalise_year_label(label)))


def year_from_form(form, field: str = "financial_year") -> FinancialYear | None:
    """The year a form's field names, or None with the reason added to the form's field."""
    try:
        return financial_year_get(start_year=parse_financial_year_label(form.cleaned_data[field]))
    except ValidationError as exc:
        form.add_error(field, exc.messages)
        return None


YEAR_SPELLINGS = re.compile(r"^\s*(\d{4})\s*(?:-|/|–|—|\bto\b)\s*(\d{4}|\d{2})\s*$", re.IGNORECASE)


def normalise_year_label(text: str) -> str:
    """'2023/24', '2023–24', '2023 to 2024' and '2023-2024' → '2023-24' (the canonical label); anything else as typed."""
    match = YEAR_SPELLINGS.match(text or "")
    if not match:
        return (text or "").strip()
    start, end = int(match.group(1)), match.group(2)
    if int(end) != (start + 1 if len(end) == 4 else (start + 1) % 100):
        return text.strip()
    return f"{start}-{(start + 1) % 100:02d}"


class FinancialYearField(forms.CharField):
    """A financial year typed as text, in any common spelling, cleaned to the canonical '2023-24'.

    For a year that may not exist yet (a budget, an extension, a multi-year agreement's years); a year that must
    already exist is a select of FinancialYear rows instead. year_from_form reads the cleaned value.
    """

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 20)
        kwargs.setdefault("help_text", "For example: 2023-24")
        super().__init__(**kwargs)
        self.widget.attrs.setdefault("spellcheck", "false")
        self.widget.attrs.setdefault("class", "govuk-input govuk-input--width-10")

    def to_python(self, value):
        return normalise_year_label(super().to_python(value))
