"""Every form built on GovukForm refuses an exponent or infinity in a number box and a date outside the window
(1 January 2000 to ten years ahead), naming the field: the rule is written once, in core."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django import forms

from vcsgrants.core.forms import GovukForm
from vcsgrants.core.money import EARLIEST_DATE, implausible_date_message, is_plain_number, latest_plausible_date


class Sample(GovukForm):
    budget = forms.DecimalField(label="Budget", max_digits=12, decimal_places=2, required=False)
    share = forms.DecimalField(label="Share", max_digits=5, decimal_places=1, required=False)
    starts = forms.DateField(label="Start date", required=False)
    born = forms.DateField(label="Any date", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)


@pytest.mark.parametrize(("text", "plain"), [("1000", True), ("1000.00", True), ("-5.5", True), (".5", True),
                                             ("1e3", False), ("1E-2", False), ("Infinity", False), ("NaN", False),
                                             ("sNaN", False), ("1_000", False)])  # fmt: skip
def test_plain_numbers(text, plain):
    assert is_plain_number(text) is plain


def test_the_date_window():
    today = dt.date(2024, 2, 29)
    assert EARLIEST_DATE == dt.date(2000, 1, 1)
    assert latest_plausible_date(today) == dt.date(2034, 2, 28)
    assert implausible_date_message("Paid on", dt.date(2000, 1, 1), today) is None
    assert implausible_date_message("Paid on", dt.date(2034, 2, 28), today) is None
    assert "on or after 1 January 2000" in implausible_date_message("Paid on", dt.date(1999, 12, 31), today)
    assert "no later than 28 February 2034" in implausible_date_message("Paid on", dt.date(2034, 3, 1), today)


def test_a_form_refuses_exponents_naming_the_field_and_takes_plain_amounts():
    form = Sample({"budget": "1e3", "share": "1E-2"})
    assert not form.is_valid()
    assert form.errors["budget"] == ["Enter budget in pounds and pence, such as 1000.00"]
    assert form.errors["share"] == ["Enter share as a plain number, such as 12.5"]
    form = Sample({"budget": "1000", "share": "12.5"})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["budget"] == Decimal("1000")


def test_a_form_refuses_dates_outside_the_window_naming_the_field():
    ahead = dt.date.today() + dt.timedelta(days=366 * 11)
    form = Sample({"starts": "1432-05-01", "born": ahead.isoformat()})
    assert not form.is_valid()
    assert form.errors["starts"] == ["Start date must be on or after 1 January 2000: check the year"]
    assert "Any date must be no later than" in form.errors["born"][0]
    assert Sample({"starts": "2000-01-01", "born": dt.date.today().isoformat()}).is_valid()


def test_a_field_may_opt_out_of_the_window():
    class Historic(GovukForm):
        founded = forms.DateField(label="Founded")

        def __init__(self, *args, **kwargs):
            self.base_fields["founded"].any_date = True
            super().__init__(*args, **kwargs)

    assert Historic({"founded": "1905-06-01"}).is_valid()
