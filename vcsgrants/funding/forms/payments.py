"""Forms for payment schedules and payments."""

from __future__ import annotations

from django import forms

from vcsgrants.core.forms import DateInput, GovukForm
from vcsgrants.funding.forms.programmes import MONEY


class PaymentForm(GovukForm):
    paid_on = forms.DateField(widget=DateInput, label="Date paid")
    amount = forms.DecimalField(label="Amount paid", min_value=0, **MONEY)
    reference = forms.CharField(max_length=60, required=False, label="Payment reference")
    confirm_duplicate_reference = forms.BooleanField(
        required=False,
        label="Record it anyway: this is another payment with the same reference",
        help_text="Only when the finance system really did use this reference twice.",
    )

    def __init__(self, *args, duplicate_warned: bool = False, **kwargs):
        """The confirmation box shows only once a duplicate reference has been warned about (or is being confirmed)."""
        super().__init__(*args, **kwargs)
        if not duplicate_warned and not self.data.get("confirm_duplicate_reference"):
            del self.fields["confirm_duplicate_reference"]


class PaymentRunForm(GovukForm):
    """A payment run: the date and reference of the run; the instalments are the ticked rows of the payments table."""

    paid_on = forms.DateField(widget=DateInput, label="Date paid")
    reference = forms.CharField(
        max_length=60, label="Payment run reference", help_text="The finance system's reference for this run."
    )
    confirm_duplicate_reference = forms.BooleanField(
        required=False,
        label="Record it anyway: this is another payment run with the same reference",
        help_text="Only when the finance system really did use this reference twice.",
    )

    def __init__(self, *args, duplicate_warned: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not duplicate_warned and not self.data.get("confirm_duplicate_reference"):
            del self.fields["confirm_duplicate_reference"]


class InstalmentForm(GovukForm):
    due_date = forms.DateField(widget=DateInput, label="Due date", required=False)
    amount = forms.DecimalField(label="Amount", min_value=0, required=False, **MONEY)


InstalmentFormSet = forms.formset_factory(InstalmentForm, extra=2, can_delete=False)
