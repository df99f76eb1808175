"""Forms for payment schedules and payments."""

from __future__ import annotations

from django import forms

from vcsgrants.core.forms import DateInput, GovukForm
from vcsgrants.funding.forms.programmes import MONEY


class PaymentForm(GovukForm):
    paid_on = forms.DateField(widget=DateInput, label="Date paid")
    amount = forms.DecimalField(label="Amount paid", min_value=0, **MONEY)
    reference = forms.CharField(max_length=60, required=False, label="Payment reference")


class InstalmentForm(GovukForm):
    due_date = forms.DateField(widget=DateInput, label="Due date", required=False)
    amount = forms.DecimalField(label="Amount", min_value=0, required=False, **MONEY)


InstalmentFormSet = forms.formset_factory(InstalmentForm, extra=2, can_delete=False)
