"""Forms for payment schedules and payments."""

from __future__ import annotations

from django import forms

from vcsgrants.core.forms import DateInput, GovukForm
from vcsgrants.funding.forms.programmes import MONEY


class _ConfirmsDuplicateReference(GovukForm):
    """A form with a date paid, a reference and, once a duplicate reference has been warned about (or is being
    confirmed), the box that confirms it."""

    CONFIRM_LABEL = "Record it anyway: this is another payment with the same reference"

    paid_on = forms.DateField(widget=DateInput, label="Date paid")
    confirm_duplicate_reference = forms.BooleanField(
        required=False, help_text="Only when the finance system really did use this reference twice."
    )

    def __init__(self, *args, duplicate_warned: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not duplicate_warned and not self.data.get("confirm_duplicate_reference"):
            del self.fields["confirm_duplicate_reference"]
        else:
            self.fields["confirm_duplicate_reference"].label = self.CONFIRM_LABEL
            self.order_fields([name for name in self.fields if name != "confirm_duplicate_reference"])


class PaymentForm(_ConfirmsDuplicateReference):
    amount = forms.DecimalField(label="Amount paid", min_value=0, **MONEY)
    reference = forms.CharField(max_length=60, required=False, label="Payment reference")


class PaymentRunForm(_ConfirmsDuplicateReference):
    """A payment run: the date and reference of the run; the instalments are the ticked rows of the payments table."""

    CONFIRM_LABEL = "Record it anyway: this is another payment run with the same reference"

    reference = forms.CharField(
        max_length=60, label="Payment run reference", help_text="The finance system's reference for this run."
    )


class InstalmentForm(GovukForm):
    due_date = forms.DateField(widget=DateInput, label="Due date", required=False)
    amount = forms.DecimalField(label="Amount", min_value=0, required=False, **MONEY)


InstalmentFormSet = forms.formset_factory(InstalmentForm, extra=2, can_delete=False)
