from __future__ import annotations

from django import forms

from vcsgrants.core.concurrency import VersionField
from vcsgrants.core.forms import DateInput, GovukModelForm
from vcsgrants.reports.models import EDITABLE_FIELDS, CabinetReport


class ReportForm(GovukModelForm):
    version = VersionField()

    class Meta:
        model = CabinetReport
        fields = EDITABLE_FIELDS
        widgets = {
            "meeting_date": DateInput,
            "purpose": forms.Textarea(attrs={"rows": 4}),
            "progress": forms.Textarea(attrs={"rows": 8}),
            "recommendations": forms.Textarea(attrs={"rows": 4}),
        }
        labels = {
            "financial_year": "Financial year of the grants (Appendix 2)",
            "performance_quarter": "Performance quarter (1–4)",
        }

    def __init__(self, *args, programme, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["option_set"].queryset = programme.option_sets.all()
        self.fields["consultation"].queryset = programme.consultations.all()
        self.fields["call"].queryset = programme.calls.all()
