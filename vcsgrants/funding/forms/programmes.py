"""Forms for programmes: periods, streams, budgets, allocations, the bulk extension and decisions."""

from __future__ import annotations

from django import forms

from vcsgrants.core.concurrency import VersionField
from vcsgrants.core.forms import DateInput, GovukForm, GovukModelForm
from vcsgrants.core.models import Area, Organisation
from vcsgrants.core.years import FinancialYearField
from vcsgrants.funding.models import Decision, FundingStream, Programme, ProgrammePeriod

MONEY = {"max_digits": 12, "decimal_places": 2}


class ProgrammeForm(GovukModelForm):
    """A programme's name, web address, description and funder; the rules (unique name and address, a funder
    organisation) are the service's, so the page and the API refuse alike."""

    version = VersionField()  # the edit page's (core.concurrency); blank when creating a programme

    class Meta:
        model = Programme
        fields = ["name", "slug", "description", "funder"]
        labels = {"name": "Programme name", "slug": "Web address", "funder": "Funder"}
        help_texts = {
            "name": "For example: Voluntary sector infrastructure support.",
            "slug": "The last part of the programme page's address, such as warm-spaces. Leave blank to make it from the name.",
            "description": "What the programme funds and why, as officers and partners will read it.",
            "funder": "The organisation whose programme this is: usually the council.",
        }
        widgets = {"description": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["slug"].required = False
        funders = Organisation.objects.filter(kind=Organisation.Kind.FUNDER)
        if self.instance.funder_id:  # an existing programme keeps its funder on offer, whatever its kind
            funders = Organisation.objects.filter(pk=self.instance.funder_id) | funders
        self.fields["funder"].queryset = funders.distinct()
        self.fields["funder"].empty_label = "Choose the funder"
        self.fields["funder"].error_messages["required"] = "Choose the funder: the organisation whose programme this is."
        self.fields["name"].error_messages["required"] = "Enter the programme's name."
        self.fields["slug"].error_messages["invalid"] = (
            "The web address may use only letters, numbers, hyphens and underscores, such as warm-spaces."
        )

    def validate_unique(self):
        """Uniqueness is the service's check, in its own words."""


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
        fields = ["name", "funder", "recurrence", "start", "end", "description", "cost_centre", "account_code"]
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
    financial_year = FinancialYearField(label="Financial year")
    amount = forms.DecimalField(label="Budget", min_value=0, **MONEY)
    version = VersionField()


class FinancialYearChoiceForm(GovukForm):
    financial_year = FinancialYearField(label="Financial year")


def allocation_form_class(areas: list[Area]):
    fields = {
        f"area_{a.pk}": forms.DecimalField(
            label=str(a),
            required=False,
            min_value=0,
            **MONEY,
            error_messages={
                "invalid": f"Enter the allocation for {a} in pounds and pence, such as 1000.00",
                "min_value": f"The allocation for {a} must be £0 or more",
                "max_digits": f"The allocation for {a} must be less than £10,000,000,000",
                "max_whole_digits": f"The allocation for {a} must be less than £10,000,000,000",
                "max_decimal_places": f"Enter the allocation for {a} in pounds and pence, with no more than 2 decimal places",
            },
        )
        for a in areas
    }
    fields["version"] = VersionField()
    return type("AllocationForm", (GovukForm,), fields)


class BulkExtensionForm(GovukForm):
    financial_year = FinancialYearField(
        label="Extend for financial year", help_text="The whole year, 1 April to 31 March. For example: 2023-24"
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
