"""Forms for the shared outcomes framework: outcomes, and KPIs as they are proposed, discussed, agreed, refined and retired.

The forms only collect and tidy input; the rules (unique codes, who may change what, when a new version is made)
live in vcsgrants.monitoring.services, whose ValidationErrors are shown on these forms.
"""

from __future__ import annotations

from django import forms

from vcsgrants.core.concurrency import VersionField
from vcsgrants.core.forms import GovukForm, GovukModelForm
from vcsgrants.monitoring.models import KpiVersion, Outcome
from vcsgrants.monitoring.services import VERSION_FIELDS

TEXTAREA = {"rows": 4}


class OutcomeForm(GovukModelForm):
    class Meta:
        model = Outcome
        fields = ["title", "description"]
        widgets = {"description": forms.Textarea(attrs=TEXTAREA)}
        labels = {"title": "Outcome", "description": "What it means"}
        help_texts = {"title": "For example: Stronger voluntary and community groups"}


class KpiDefinitionForm(GovukForm):
    """What a KPI measures: the fields of a KPI version."""

    name = forms.CharField(max_length=200, label="Name", help_text="For example: Groups given one-to-one support")
    definition = forms.CharField(
        widget=forms.Textarea(attrs=TEXTAREA),
        label="Definition",
        help_text="What counts, what does not, and where the figure comes from.",
    )
    unit = forms.ChoiceField(choices=KpiVersion.Unit.choices, widget=forms.RadioSelect, label="Unit")
    aggregation = forms.ChoiceField(
        choices=KpiVersion._meta.get_field("aggregation").choices,
        widget=forms.RadioSelect,
        label="How it adds up over quarters and providers",
        help_text="Sum for counts and money, mean for rates and scores, latest for a snapshot at quarter end.",
    )
    direction = forms.ChoiceField(
        choices=KpiVersion._meta.get_field("direction").choices, widget=forms.RadioSelect, label="Which direction is better"
    )
    rba_type = forms.ChoiceField(
        choices=KpiVersion.RbaType.choices, widget=forms.RadioSelect, label="Results-Based Accountability type"
    )

    def definition_fields(self) -> dict[str, str]:
        return {f: self.cleaned_data[f] for f in VERSION_FIELDS}

    @staticmethod
    def initial_from(version: KpiVersion | None) -> dict[str, str]:
        return {f: getattr(version, f) for f in VERSION_FIELDS} if version else {}


class KpiProposeForm(KpiDefinitionForm):
    outcome = forms.ModelChoiceField(Outcome.objects.none(), label="Outcome it measures", empty_label=None)
    code = forms.CharField(max_length=12, label="Reference", help_text="A short reference such as SG1.")

    field_order = ["outcome", "code", "name", "definition", "unit", "aggregation", "direction", "rba_type"]

    def __init__(self, *args, programme, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["outcome"].queryset = Outcome.objects.filter(programme=programme)


class KpiDecideForm(KpiDefinitionForm):
    """Agree (amending the definition if need be) or reject with a reason."""

    AGREE, REJECT = "agree", "reject"

    decision = forms.ChoiceField(
        choices=[(AGREE, "Agree it, with any amendments below"), (REJECT, "Reject it")],
        widget=forms.RadioSelect,
        label="Decision",
    )
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        label="Reason",
        help_text="Needed to reject. When agreeing, say what you amended and why; it is added to the discussion.",
    )

    field_order = ["decision", "reason", *VERSION_FIELDS]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in VERSION_FIELDS:
            self.fields[name].required = False

    def clean(self):
        data = super().clean()
        if data.get("decision") == self.AGREE:
            for name in VERSION_FIELDS:
                if not data.get(name) and name not in self.errors:
                    self.add_error(name, "This is needed to agree the KPI.")
        return data

    @property
    def agree(self) -> bool:
        return self.cleaned_data["decision"] == self.AGREE


class KpiRefineForm(KpiDefinitionForm):
    version = VersionField()  # the page's (core.concurrency): the definition it showed
    change_note = forms.CharField(
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3}),
        label="What changed and why",
        help_text="Returns already made keep the version they were made against; new returns use the new version.",
    )

    field_order = [*VERSION_FIELDS, "change_note"]


class KpiRetireForm(GovukForm):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        label="Why is it retired?",
        help_text="The KPI stays in the framework's history, with its versions and the returns made against it.",
    )


class KpiCommentForm(GovukForm):
    text = forms.CharField(widget=forms.Textarea(attrs=TEXTAREA), label="Add a comment", max_length=5000)
