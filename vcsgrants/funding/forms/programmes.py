"""Forms for programmes: periods, streams, budgets, allocations, the bulk extension and decisions."""

from __future__ import annotations

from django import forms

from vcsgrants.core.concurrency import VersionField
from vcsgrants.core.forms import DateInput, GovukForm, GovukModelForm
from vcsgrants.core.models import Area, Organisation
from vcsgrants.funding.models import Decision, FundingStream, ProgrammePeriod

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
    version = VersionField()

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
    version = VersionField()


class FinancialYearChoiceForm(GovukForm):
    financial_year = forms.CharField(label="Financial year", help_text="For example: 2023-24", max_length=7)


def allocation_form_class(areas: list[Area]):
    fields = {f"area_{a.pk}": forms.DecimalField(label=str(a), required=False, min_value=0, **MONEY) for a in areas}
    fields["version"] = VersionField()
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
