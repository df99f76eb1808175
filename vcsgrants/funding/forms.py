from __future__ import annotations

from decimal import Decimal

from django import forms
from django.core.validators import MinValueValidator

from vcsgrants.core import uploads
from vcsgrants.core.forms import DateInput, GovukForm, GovukModelForm
from vcsgrants.core.models import Area, FinancialYear, Organisation
from vcsgrants.funding.models import Agreement, Decision, FundingStream, ProgrammePeriod, Variation

MONEY = {"max_digits": 12, "decimal_places": 2}


class PeriodForm(GovukForm):
    kind = forms.ChoiceField(choices=ProgrammePeriod.Kind.choices, widget=forms.RadioSelect, label="Kind of period")
    start = forms.DateField(widget=DateInput, label="Start date")
    end = forms.DateField(widget=DateInput, label="End date")
    approved_by = forms.CharField(max_length=200, label="Approved by", help_text="For example: Cabinet")
    approved_on = forms.DateField(widget=DateInput, label="Date approved")
    decision = forms.ModelChoiceField(Decision.objects.all(), required=False, label="Decision it rests on")
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)


class StreamForm(GovukModelForm):
    class Meta:
        model = FundingStream
        fields = ["name", "funder", "recurrence", "start", "end", "description"]
        widgets = {
            "start": DateInput,
            "end": DateInput,
            "recurrence": forms.RadioSelect,
            "description": forms.Textarea(attrs={"rows": 3}),
        }
        labels = {"start": "Start date", "end": "End date"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["funder"].queryset = Organisation.objects.filter(
            kind__in=[Organisation.Kind.FUNDER, Organisation.Kind.PARTNER]
        )

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["end"] <= data["start"]:
            self.add_error("end", "The end date must be after the start date.")
        return data


class BudgetForm(GovukForm):
    financial_year = forms.CharField(label="Financial year", help_text="For example: 2023-24", max_length=7)
    amount = forms.DecimalField(label="Budget", min_value=0, **MONEY)


class FinancialYearChoiceForm(GovukForm):
    financial_year = forms.CharField(label="Financial year", help_text="For example: 2023-24", max_length=7)


def allocation_form_class(areas: list[Area]):
    fields = {f"area_{a.pk}": forms.DecimalField(label=str(a), required=False, min_value=0, **MONEY) for a in areas}
    return type("AllocationForm", (GovukForm,), fields)


class BulkExtensionForm(GovukForm):
    financial_year = forms.CharField(
        label="Extend for financial year", help_text="The whole year, 1 April to 31 March. For example: 2023-24", max_length=7
    )


class ApprovalForm(GovukForm):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), label="Reason")
    approved_by = forms.CharField(
        max_length=200, label="Approved by", help_text="For example: Cabinet, or the officer with delegated authority"
    )
    approved_on = forms.DateField(widget=DateInput, label="Date approved")
    decision = forms.ModelChoiceField(Decision.objects.all(), required=False, label="Decision it rests on")


class AgreementForm(GovukModelForm):
    areas = forms.ModelMultipleChoiceField(Area.objects.all(), widget=forms.CheckboxSelectMultiple, label="Districts")

    class Meta:
        model = Agreement
        fields = ["programme", "organisation", "title", "areas", "start_date", "end_date"]
        widgets = {"start_date": DateInput, "end_date": DateInput}
        labels = {"start_date": "Start date", "end_date": "End date"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = Organisation.objects.filter(kind=Organisation.Kind.PROVIDER)


class AgreementEditForm(GovukModelForm):
    areas = forms.ModelMultipleChoiceField(Area.objects.all(), widget=forms.CheckboxSelectMultiple, label="Districts")

    class Meta:
        model = Agreement
        fields = ["title", "areas", "start_date", "end_date"]
        widgets = {"start_date": DateInput, "end_date": DateInput}
        labels = {"start_date": "Start date", "end_date": "End date"}


class FundingLineForm(GovukForm):
    stream = forms.ModelChoiceField(FundingStream.objects.none(), label="Funding stream")
    financial_year = forms.ModelChoiceField(FinancialYear.objects.none(), label="Financial year")
    area = forms.ModelChoiceField(Area.objects.none(), label="District")
    amount = forms.DecimalField(label="Amount", **MONEY)

    def __init__(self, *args, agreement: Agreement, allow_negative: bool = False, optional: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.required = not optional
        self.fields["stream"].queryset = agreement.programme.streams.all()
        self.fields["financial_year"].queryset = FinancialYear.objects.all()
        self.fields["area"].queryset = agreement.areas.all()
        if not allow_negative:
            self.fields["amount"].validators.append(MinValueValidator(Decimal("0.01"), "Enter an amount more than £0.00."))
        else:
            self.fields["amount"].help_text = "A reduction is a negative amount, for example -500.00"


class VariationForm(ApprovalForm):
    kind = forms.ChoiceField(
        # A conversion to multi-year has its own page: it needs a profile, an uplift and a break clause.
        choices=[c for c in Variation.Kind.choices if c[0] != Variation.Kind.MULTI_YEAR],
        widget=forms.RadioSelect,
        label="Kind of variation",
    )
    new_end_date = forms.DateField(widget=DateInput, required=False, label="New end date", help_text="For an extension only")
    field_order = ["kind", "new_end_date", "reason", "approved_by", "approved_on", "decision"]


class StatusForm(GovukForm):
    status = forms.ChoiceField(choices=Agreement.Status.choices, widget=forms.RadioSelect, label="New status")


class PaymentForm(GovukForm):
    paid_on = forms.DateField(widget=DateInput, label="Date paid")
    amount = forms.DecimalField(label="Amount paid", min_value=0, **MONEY)
    reference = forms.CharField(max_length=60, required=False, label="Payment reference")


class InstalmentForm(GovukForm):
    due_date = forms.DateField(widget=DateInput, label="Due date", required=False)
    amount = forms.DecimalField(label="Amount", min_value=0, required=False, **MONEY)


InstalmentFormSet = forms.formset_factory(InstalmentForm, extra=2, can_delete=False)


class DocumentForm(GovukForm):
    title = forms.CharField(max_length=200, required=False, help_text="Leave blank to use the file name")
    file = forms.FileField(label="File", error_messages={"required": "Choose a file to upload."})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = uploads.help_text()  # read when the form is made: MAX_DOCUMENT_BYTES may change


class DecisionForm(GovukModelForm):
    class Meta:
        model = Decision
        fields = [
            "title",
            "decision_date",
            "meeting",
            "minute_reference",
            "resolution",
            "amount_approved",
            "period_start",
            "period_end",
        ]
        widgets = {
            "decision_date": DateInput,
            "period_start": DateInput,
            "period_end": DateInput,
            "resolution": forms.Textarea(attrs={"rows": 5}),
        }

    def clean(self):
        data = super().clean()
        if data.get("period_start") and data.get("period_end") and data["period_end"] <= data["period_start"]:
            self.add_error("period_end", "The end of the approved period must be after its start.")
        return data
