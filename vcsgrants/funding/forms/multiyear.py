"""Forms for multi-year agreements, conversions, partners' contributions and the forecast's starting year."""

from __future__ import annotations

from decimal import Decimal

from django import forms

from vcsgrants.core.concurrency import VersionField
from vcsgrants.core.council import area_word
from vcsgrants.core.forms import DateInput, GovukForm
from vcsgrants.core.models import Area, FinancialYear, Organisation
from vcsgrants.core.years import FinancialYearField
from vcsgrants.funding.forms.programmes import MONEY, ApprovalForm
from vcsgrants.funding.models import FundingStream
from vcsgrants.funding.multiyear import UPLIFT_RULE

YEAR_HELP = "The whole financial year, 1 April to 31 March. For example: 2025-26"


class StreamChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: FundingStream) -> str:
        return f"{obj.programme}: {obj.name}"


class TermsFields(forms.Form):
    """What every multi-year agreement states: uplift, break clause, reviews."""

    uplift_percent = forms.DecimalField(
        label="Annual uplift (%)",
        min_value=0,
        max_value=100,
        max_digits=6,
        decimal_places=3,
        initial=Decimal("0"),
        help_text=f"0 for the same amount each year, or for example 2.7. {UPLIFT_RULE}",
    )
    notice_months = forms.IntegerField(
        label="Break clause: notice period in months",
        required=False,
        min_value=1,
        max_value=24,
        help_text="Leave empty for no break clause",
        widget=forms.NumberInput(attrs={"class": "govuk-input govuk-input--width-3"}),
    )
    earliest_break_date = forms.DateField(
        widget=DateInput, required=False, label="Break clause: earliest date the agreement can end early"
    )
    first_review_date = forms.DateField(
        widget=DateInput, required=False, label="First annual review", help_text="Reviews then fall on the same day each year"
    )


class MultiYearAgreementForm(GovukForm, TermsFields):
    stream = StreamChoiceField(FundingStream.objects.select_related("programme"), label="Funding stream")
    organisation = forms.ModelChoiceField(Organisation.objects.filter(kind=Organisation.Kind.PROVIDER), label="Provider")
    area = forms.ModelChoiceField(Area.objects.filter(retired_on__isnull=True), label="District")
    title = forms.CharField(max_length=200)
    first_year = FinancialYearField(label="First financial year", help_text=YEAR_HELP)
    last_year = FinancialYearField(label="Last financial year", help_text=YEAR_HELP)
    first_amount = forms.DecimalField(label="Amount for the first year", min_value=Decimal("0.01"), **MONEY)
    field_order = [
        "stream",
        "organisation",
        "area",
        "title",
        "first_year",
        "last_year",
        "first_amount",
        "uplift_percent",
        "notice_months",
        "earliest_break_date",
        "first_review_date",
    ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].label = area_word(capital=True)


class ConversionForm(ApprovalForm, TermsFields):
    last_year = FinancialYearField(label="Last financial year", help_text=YEAR_HELP)
    field_order = [
        "last_year",
        "uplift_percent",
        "notice_months",
        "earliest_break_date",
        "first_review_date",
        "reason",
        "approved_by",
        "approved_on",
        "decision",
    ]


def profile_form_class(years: list[FinancialYear]):
    """One amount per year the profile adds, prefilled by the uplift rule and free to change."""
    fields = {
        f"amount_{y.start_year}": forms.DecimalField(label=f"Amount for {y}", min_value=Decimal("0.01"), **MONEY) for y in years
    }
    return type("ProfileForm", (GovukForm,), fields)


class ContributionForm(GovukForm):
    funder = forms.ModelChoiceField(Organisation.objects.none(), label="Partner")
    financial_year = forms.ModelChoiceField(FinancialYear.objects.none(), label="Financial year", empty_label=None)
    amount = forms.DecimalField(label="Contribution", min_value=0, help_text="Enter 0 to remove a contribution", **MONEY)
    note = forms.CharField(max_length=300, required=False, label="Note", help_text="For example: the agreement it rests on")
    version = VersionField()  # the page's (core.concurrency): the contributions as it showed them

    def __init__(self, *args, stream: FundingStream, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["funder"].queryset = Organisation.objects.filter(
            kind__in=[Organisation.Kind.FUNDER, Organisation.Kind.PARTNER]
        ).exclude(pk=stream.funder_id)
        self.fields["financial_year"].queryset = FinancialYear.objects.filter(
            pk__in=stream.budgets.values("financial_year_id")
        ).order_by("start_year")
