"""Forms for agreements: the agreement, funding lines, variations, status and documents."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.core.validators import MinValueValidator
from django.db.models import Q

from vcsgrants.core import uploads
from vcsgrants.core.concurrency import VersionField
from vcsgrants.core.council import area_word
from vcsgrants.core.forms import DateInput, GovukForm, GovukModelForm
from vcsgrants.core.models import Area, FinancialYear, Organisation
from vcsgrants.funding.forms.programmes import MONEY, ApprovalForm
from vcsgrants.funding.models import Agreement, FundingStream, Variation


class AgreementForm(GovukModelForm):
    areas = forms.ModelMultipleChoiceField(
        Area.objects.filter(retired_on__isnull=True), widget=forms.CheckboxSelectMultiple, label="Districts"
    )

    class Meta:
        model = Agreement
        fields = ["programme", "organisation", "title", "areas", "start_date", "end_date"]
        widgets = {"start_date": DateInput, "end_date": DateInput}
        labels = {"start_date": "Start date", "end_date": "End date"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = Organisation.objects.filter(kind=Organisation.Kind.PROVIDER)
        self.fields["areas"].label = area_word(plural=True, capital=True)


class AgreementEditForm(GovukModelForm):
    areas = forms.ModelMultipleChoiceField(Area.objects.all(), widget=forms.CheckboxSelectMultiple, label="Districts")
    version = VersionField()

    class Meta:
        model = Agreement
        fields = ["title", "areas", "start_date", "end_date"]
        widgets = {"start_date": DateInput, "end_date": DateInput}
        labels = {"start_date": "Start date", "end_date": "End date"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The active areas, and those the agreement already covers (a retired one stays on its record).
        self.fields["areas"].queryset = Area.objects.filter(
            Q(retired_on__isnull=True) | Q(pk__in=self.instance.areas.all() if self.instance.pk else [])
        )
        self.fields["areas"].label = area_word(plural=True, capital=True)


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
        self.fields["area"].label = area_word(capital=True)
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


class DocumentForm(GovukForm):
    title = forms.CharField(max_length=200, required=False, help_text="Leave blank to use the file name")
    file = forms.FileField(label="File", error_messages={"required": "Choose a file to upload."})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = uploads.help_text()  # read when the form is made: MAX_DOCUMENT_BYTES may change
