"""Forms for assessment, moderation and award. They only collect input; the services decide."""

from __future__ import annotations

from decimal import Decimal

from django import forms

from vcsgrants.calls.models import Application, Assignment, Criterion
from vcsgrants.core.concurrency import VersionField
from vcsgrants.core.forms import GovukForm

# Fields added after the form is made miss GovukFormMixin's styling, so they carry the GOV.UK classes themselves.
TEXTAREA = {"class": "govuk-textarea"}


class CriterionForm(GovukForm):
    version = VersionField()  # the edit page's (core.concurrency); blank when adding a criterion
    title = forms.CharField(max_length=200, label="Criterion", error_messages={"required": "Enter the criterion."})
    guidance = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 5}),
        label="Scoring guidance",
        error_messages={"required": "Say what each score means."},
        help_text="What each score means, for example: 0 = no answer; 1 = poor; 3 = good; 5 = excellent.",
    )
    weight = forms.IntegerField(
        min_value=1,
        max_value=100,
        label="Weight (per cent)",
        help_text="The weights add up to 100.",
        error_messages={
            "required": "Enter the weight, a whole number of per cent.",
            "invalid": "Enter the weight as a whole number, like 20.",
        },
    )
    max_score = forms.IntegerField(
        min_value=1,
        max_value=100,
        initial=5,
        label="Highest score",
        help_text="Scores run from 0.",
        error_messages={
            "required": "Enter the highest score, like 5.",
            "invalid": "Enter the highest score as a whole number, like 5.",
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("weight", "max_score"):
            self.fields[name].widget.attrs["class"] += " govuk-input--width-3"


class CallKpisForm(GovukForm):
    """One annual target per agreed KPI of the framework; a blank target leaves the KPI out."""

    version = VersionField()  # the page's (core.concurrency): the call's KPIs as it showed them

    def __init__(self, *args, kpis, current: dict[int, Decimal], **kwargs):
        super().__init__(*args, **kwargs)
        self.kpis = list(kpis)
        for kpi in self.kpis:
            version = kpi.current_version
            self.fields[f"kpi_{kpi.pk}"] = forms.DecimalField(
                required=False,
                min_value=0,
                max_digits=14,
                decimal_places=2,
                label=f"{kpi.code}: {version.name}",
                help_text=f"Annual target ({version.get_unit_display().lower()}); leave blank to leave this KPI out.",
                initial=current.get(kpi.pk),
                widget=forms.NumberInput(
                    attrs={"class": "govuk-input govuk-input--width-10", "inputmode": "decimal", "step": "any"}
                ),
            )

    def targets(self) -> dict[int, Decimal | None]:
        return {kpi.pk: self.cleaned_data.get(f"kpi_{kpi.pk}") for kpi in self.kpis}


def _assessor_label(user) -> str:
    name = user.display_name
    roles = ", ".join(user.role_names)
    return f"{name} ({user.username}; {roles})"


class AssessorChoiceField(forms.ModelMultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def label_from_instance(self, obj) -> str:
        return _assessor_label(obj)


class PanelForm(GovukForm):
    lot = forms.ModelChoiceField(queryset=None, required=False, empty_label="Every lot", label="Lot")
    assessors = AssessorChoiceField(
        queryset=None, label="Assessors", error_messages={"required": "Choose at least one assessor."}
    )

    def __init__(self, *args, call, assessors, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lot"].queryset = call.lots.all()
        self.fields["assessors"].queryset = assessors


class ApplicationPanelForm(GovukForm):
    assessors = AssessorChoiceField(queryset=None, required=False, label="Assessors for this application")

    def __init__(self, *args, assessors, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assessors"].queryset = assessors


class ConflictForm(GovukForm):
    conflict = forms.ChoiceField(
        choices=[
            (Assignment.Conflict.NONE, "I have no conflict of interest"),
            (Assignment.Conflict.CONFLICT, "I have a conflict of interest"),
        ],
        widget=forms.RadioSelect,
        label="Do you have a conflict of interest with this applicant?",
        error_messages={"required": "Select whether you have a conflict of interest with this applicant."},
        help_text="For example: you work for, volunteer with, or are related to someone at the applicant or a co-applicant.",
    )
    conflict_details = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        label="If you have a conflict, what is it?",
        help_text="A conflict of interest means you cannot score this application.",
    )


class ScoreForm(GovukForm):
    """A score (0 to the criterion's maximum) and a comment per criterion; all optional while a draft."""

    def __init__(self, *args, criteria: list[Criterion], scores: dict, **kwargs):
        super().__init__(*args, **kwargs)
        self.criteria = criteria
        for criterion in criteria:
            existing = scores.get(criterion.pk)
            self.fields[f"score_{criterion.pk}"] = forms.TypedChoiceField(
                choices=[(i, str(i)) for i in range(criterion.max_score + 1)],
                coerce=int,
                empty_value=None,
                required=False,
                widget=forms.RadioSelect,
                label=f"Score for {criterion.title} (0–{criterion.max_score})",
                initial=existing.score if existing else None,
            )
            self.fields[f"comment_{criterion.pk}"] = forms.CharField(
                required=False,
                widget=forms.Textarea(attrs={**TEXTAREA, "rows": 3}),
                label=f"Comment on {criterion.title}",
                initial=existing.comment if existing else "",
            )

    def pairs(self):
        """(criterion, score field, comment field) for the template."""
        return [(c, self[f"score_{c.pk}"], self[f"comment_{c.pk}"]) for c in self.criteria]

    def entries(self):
        from vcsgrants.calls.services.assess import ScoreInput

        return [
            ScoreInput(c, self.cleaned_data.get(f"score_{c.pk}"), self.cleaned_data.get(f"comment_{c.pk}") or "")
            for c in self.criteria
        ]


class ReasonForm(GovukForm):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        label="Why are the scores reopened?",
        error_messages={"required": "Say why the scores are reopened."},
    )


class ReopenModerationForm(GovukForm):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        label="Why is moderation reopened?",
        error_messages={"required": "Say why moderation is reopened."},
    )


class ModerationForm(GovukForm):
    moderated_score = forms.DecimalField(
        min_value=0,
        max_value=100,
        max_digits=5,
        decimal_places=2,
        label="Moderated score (per cent)",
        help_text="The panel mean unless the panel agreed another score.",
        error_messages={
            "required": "Enter the moderated score, a percentage like 65.00.",
            "invalid": "Enter the moderated score as a number, like 65.00.",
        },
    )
    score_reason = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        label="Why does the moderated score differ from the panel mean?",
        help_text="Needed only when it differs.",
    )
    recommendation = forms.ChoiceField(
        choices=Application.Recommendation.choices,
        widget=forms.RadioSelect,
        label="Recommendation",
        error_messages={"required": "Select a recommendation: fund, fund with conditions or do not fund."},
    )
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        label="Reasons for the recommendation",
        error_messages={"required": "Give the reasons for the recommendation."},
    )
    conditions = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        label="Conditions",
        help_text="Needed to fund with conditions.",
    )


class AwardForm(GovukForm):
    """The feedback each applicant will receive, prefilled from the moderation."""

    def __init__(self, *args, rows, **kwargs):
        super().__init__(*args, **kwargs)
        self.rows = rows
        for row in rows:
            application = row.application
            self.fields[f"feedback_{application.pk}"] = forms.CharField(
                widget=forms.Textarea(attrs={**TEXTAREA, "rows": 5}),
                label=f"Feedback to {application.organisation} ({application.reference})",
                initial=row.default_feedback,
                error_messages={"required": f"Write the feedback for {application.organisation} ({application.reference})."},
            )

    def field_for(self, application):
        return self[f"feedback_{application.pk}"]

    def feedback(self) -> dict[int, str]:
        return {row.application.pk: self.cleaned_data.get(f"feedback_{row.application.pk}", "") for row in self.rows}
