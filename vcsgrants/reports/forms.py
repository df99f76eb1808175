from __future__ import annotations

from django import forms

from vcsgrants.core import council
from vcsgrants.core.concurrency import VersionField
from vcsgrants.core.forms import DateInput, GovukForm, GovukModelForm
from vcsgrants.reports.models import EDITABLE_FIELDS, SECTION_TEXT_FIELDS, CabinetReport
from vcsgrants.reports.word_template import TEMPLATE_HINT


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
            "figures_as_at": DateInput,
            **{name: forms.Textarea(attrs={"rows": 3}) for name in SECTION_TEXT_FIELDS},
        }
        labels = {
            "financial_year": "Financial year of the grants (the grants appendix)",
            "performance_quarter": "Performance quarter (1–4)",
        }

    def __init__(self, *args, programme, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["option_set"].queryset = programme.option_sets.all()
        self.fields["consultation"].queryset = programme.consultations.all()
        self.fields["call"].queryset = programme.calls.all()
        # The standard sections in the council's words; those it has switched off are not asked for.
        headings = council.report_section_headings()
        for key, heading in headings.items():
            if key not in self.fields:
                continue
            if not heading:
                del self.fields[key]
            elif key.endswith("_implications"):
                self.fields[key].label = f"{heading} implications" if headings["implications"] else heading
                if not headings["implications"]:
                    del self.fields[key]
            else:
                self.fields[key].label = heading if key != "key_decision" else f"This is a {heading[:1].lower()}{heading[1:]}"


class TemplateForm(GovukForm):
    file = forms.FileField(label="Word template", help_text=TEMPLATE_HINT)
