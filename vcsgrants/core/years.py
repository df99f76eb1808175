"""The financial year a request or a form names ('2022-23'), for the views of every app."""

from __future__ import annotations

import datetime as dt

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
    return financial_year_get(start_year=year_start_or_404(label))


def year_from_form(form, field: str = "financial_year") -> FinancialYear | None:
    """The year a form's field names, or None with the reason added to the form's field."""
    try:
        return financial_year_get(start_year=parse_financial_year_label(form.cleaned_data[field]))
    except ValidationError as exc:
        form.add_error(field, exc.messages)
        return None
