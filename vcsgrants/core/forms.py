"""GOV.UK Design System markup for every Django form, from our own templates."""

from __future__ import annotations

from django import forms
from django.forms.renderers import TemplatesSetting

from vcsgrants.core.concurrency import VersionField
from vcsgrants.core.models import Organisation


class GovukFormRenderer(TemplatesSetting):
    form_template_name = "govuk/form.html"
    field_template_name = "govuk/field.html"


WIDGET_CLASSES = {
    forms.Select: "govuk-select",
    forms.Textarea: "govuk-textarea",
    forms.ClearableFileInput: "govuk-file-upload",
    forms.FileInput: "govuk-file-upload",
}


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs={"class": "govuk-input govuk-input--width-10", **(attrs or {})}, format="%Y-%m-%d")


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, attrs=None):
        super().__init__(attrs={"class": "govuk-input govuk-input--width-10", **(attrs or {})}, format="%H:%M")


class GovukFormMixin:
    """Adds GOV.UK classes to widgets and marks fields with errors."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxSelectMultiple):
                widget.template_name = "govuk/widgets/checkboxes.html"
                continue
            if isinstance(widget, forms.RadioSelect):
                widget.template_name = "govuk/widgets/radios.html"
                continue
            if isinstance(widget, forms.CheckboxInput):
                continue
            css = next((c for t, c in WIDGET_CLASSES.items() if isinstance(widget, t)), "govuk-input")
            if isinstance(field, forms.DecimalField):
                css += " govuk-input--width-10"
                widget.attrs.setdefault("inputmode", "decimal")
            existing = widget.attrs.get("class", "")
            widget.attrs["class"] = f"{css} {existing}".strip() if css not in existing else existing

    def full_clean(self):
        super().full_clean()
        self._mark_error_widgets()

    def add_error(self, field, error):
        super().add_error(field, error)
        self._mark_error_widgets()

    def _mark_error_widgets(self):
        """Give the widgets of fields with errors GOV.UK's error classes."""
        for name in self._errors or {}:
            if name not in self.fields:
                continue
            widget = self.fields[name].widget
            first_class = widget.attrs.get("class", "").split(" ")[0]
            error_class = {"govuk-select": "govuk-select--error", "govuk-textarea": "govuk-textarea--error"}.get(
                first_class, "govuk-input--error"
            )
            if error_class not in widget.attrs.get("class", ""):
                widget.attrs["class"] = f"{widget.attrs.get('class', '')} {error_class}".strip()
            described_by = f"{self.add_prefix(name)}-error"
            if self.fields[name].help_text:
                described_by = f"{self[name].auto_id}_helptext {described_by}"
            widget.attrs["aria-describedby"] = described_by


class GovukForm(GovukFormMixin, forms.Form):
    pass


class GovukModelForm(GovukFormMixin, forms.ModelForm):
    pass


def apply_validation_error(form: forms.BaseForm, error) -> None:
    """Show a service's ValidationError on the form: at the field it names, else at the top."""
    if hasattr(error, "error_dict"):
        for field, messages in error.message_dict.items():
            form.add_error(field if field in form.fields else None, messages)
    else:
        form.add_error(None, error.messages)


class OrganisationForm(GovukModelForm):
    version = VersionField()  # the edit page's (core.concurrency); blank when adding an organisation

    class Meta:
        model = Organisation
        fields = ["name", "kind", "org_id", "charity_number", "company_number", "parent", "successor", "succeeded_on"]
        widgets = {"succeeded_on": DateInput, "kind": forms.RadioSelect}


class AnyChoiceField(forms.ChoiceField):
    """Radios whose value the service checks (so every problem on the page is reported at once, in our words)."""

    def valid_value(self, value) -> bool:
        return True


class AnyMultipleChoiceField(forms.MultipleChoiceField):
    def valid_value(self, value) -> bool:
        return True
