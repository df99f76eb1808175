"""GOV.UK Design System markup for every Django form, from our own templates."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.core.exceptions import ValidationError
from django.forms.renderers import TemplatesSetting
from django.utils import timezone

from vcsgrants.core.concurrency import VersionField
from vcsgrants.core.form_messages import write_form_messages
from vcsgrants.core.models import Area, AreaIndicator, Organisation
from vcsgrants.core.money import implausible_date_message, is_plain_number, looks_like_money, plain_number_message
from vcsgrants.core.widgets import GovukDateInput, style_widget


class GovukBoundField(forms.BoundField):
    """A field as the GOV.UK templates show it: the ids its error and hint carry, and what the summary links to."""

    @property
    def error_id(self) -> str:
        return f"{self.html_name}-error"

    @property
    def hint_id(self) -> str:
        return f"{self.auto_id}_helptext" if self.help_text and self.auto_id else ""

    @property
    def described_by(self) -> str:
        """The ids of the hint and the error message, for the aria-describedby of the input or its fieldset."""
        return " ".join(i for i in (self.hint_id, self.error_id if self.errors else "") if i)

    def build_widget_attrs(self, attrs, widget=None):
        """An input outside a fieldset is described by its hint and error (a fieldset's markup carries them)."""
        attrs = super().build_widget_attrs(attrs, widget)
        widget = widget or self.field.widget
        if not self.use_fieldset and self.described_by:
            given = attrs.get("aria-describedby") or widget.attrs.get("aria-describedby", "")
            ids = [*given.split(), *self.described_by.split()]
            attrs["aria-describedby"] = " ".join(dict.fromkeys(ids))
        return attrs

    @property
    def error_target_id(self) -> str:
        """The id the error summary links to: the input's, or for radios and checkboxes the first option's."""
        if self.id_for_label:
            return self.id_for_label
        options = self.subwidgets
        return (options[0].id_for_label if options else "") or self.auto_id


class GovukFormRenderer(TemplatesSetting):
    form_template_name = "govuk/form.html"
    field_template_name = "govuk/field.html"
    bound_field_class = GovukBoundField  # every form, the sign-in and password ones too


# The date input is GOV.UK's day, month and year (core.widgets); DateInput stays the name forms import.
DateInput = GovukDateInput


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, attrs=None):
        super().__init__(attrs={"class": "govuk-input govuk-input--width-10", **(attrs or {})}, format="%H:%M")


def refuse_exponents(field: forms.DecimalField, label: str) -> None:
    """Make field refuse 1e3, 1E-2, Infinity and NaN (Decimal would take them) with a message naming it."""
    if getattr(field, "refuses_exponents", False):
        return
    to_python = field.to_python
    message = plain_number_message(label, money=looks_like_money(field.max_digits, field.decimal_places, label))
    own = str(field.error_messages.get("invalid", ""))
    if own and own != str(forms.DecimalField.default_error_messages["invalid"]):
        message = own  # the form's own words for a number it cannot read

    def plain_to_python(value):
        if value not in field.empty_values and not isinstance(value, int | float) and not is_plain_number(value):
            raise ValidationError(message, code="invalid")
        return to_python(value)

    field.to_python = plain_to_python
    field.refuses_exponents = True


def plausible_date_validator(label: str):
    """A validator refusing a date before 2000 or more than ten years ahead (core.money's window), naming the field."""

    def validate(value):
        if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
            return
        message = implausible_date_message(label, value, timezone.localdate())
        if message:
            raise ValidationError(message, code="implausible_date")

    validate.plausible_date = True
    return validate


def keep_dates_plausible(field: forms.DateField, label: str) -> None:
    """Add the date window to field, unless the form opted out (field.any_date = True) or it is already there."""
    if getattr(field, "any_date", False) or any(getattr(v, "plausible_date", False) for v in field.validators):
        return
    field.validators = [*field.validators, plausible_date_validator(label)]


class GovukFormMixin:
    """Adds GOV.UK classes to widgets and marks fields with errors.

    Every form built on it also refuses careless input, in one place: a decimal typed as 1e3, 1E-2, Infinity or
    NaN, and a date before 1 January 2000 or more than ten years after today (core.money's window; a field with
    `any_date = True` is left alone), each with a message naming the field. And no field shows one of Django's
    default messages ("This field is required."): core.form_messages writes them for the question before validating.
    """

    bound_field_class = GovukBoundField

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            self._prepare_field(name, field)

    def __getitem__(self, name):
        field = self.fields.get(name)
        if field is not None and not getattr(field, "govuk_prepared", False):
            self._prepare_field(name, field)  # a field the form added after __init__
        return super().__getitem__(name)

    def _prepare_field(self, name, field):
        label = str(field.label) if field.label else name.replace("_", " ").capitalize()
        if isinstance(field, forms.DecimalField):
            refuse_exponents(field, label)
        if isinstance(field, forms.DateField):
            keep_dates_plausible(field, label)
        style_widget(field, label)  # core.widgets: classes, the date input, numbers as text, first options
        field.govuk_prepared = True

    def full_clean(self):
        self._write_messages()
        super().full_clean()
        self._mark_error_widgets()

    def add_error(self, field, error):
        super().add_error(field, error)
        self._mark_error_widgets()

    def _write_messages(self):
        """Words written for each question in place of Django's default messages (core.form_messages)."""
        write_form_messages(self)

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
        fields = [
            "name",
            "kind",
            "org_id",
            "charity_number",
            "company_number",
            "supplier_reference",
            "parent",
            "successor",
            "succeeded_on",
        ]
        widgets = {"succeeded_on": DateInput, "kind": forms.RadioSelect}
        error_messages = {"kind": {"required": "Select the kind of organisation"}}


class AnyChoiceField(forms.ChoiceField):
    """Radios whose value the service checks (so every problem on the page is reported at once, in our words)."""

    def valid_value(self, value) -> bool:
        return True


class AnyMultipleChoiceField(forms.MultipleChoiceField):
    def valid_value(self, value) -> bool:
        return True


class AreaForm(GovukModelForm):
    """An area: its name, kind (in the council's words), optional GSS code, population and need indicators."""

    version = VersionField()  # the edit page's (core.concurrency); blank when adding an area

    class Meta:
        model = Area
        fields = ["name", "kind", "gss_code", "population"]
        widgets = {"kind": forms.RadioSelect}

    def __init__(self, *args, indicators: list[AreaIndicator], **kwargs):
        super().__init__(*args, **kwargs)
        from vcsgrants.core.council import area_word, whole_area_name

        self.indicators = indicators
        self.fields["kind"].choices = [
            (Area.Kind.DISTRICT, f"{area_word(capital=True)}: an area the council allocates to"),
            (Area.Kind.COUNTY, f"{whole_area_name()}: the council's whole area"),
        ]
        self.fields["kind"].label = "Kind of area"
        self.fields["gss_code"].required = False
        self.fields["population"].help_text = "Needed to model allocations per head; leave blank if not known."
        for indicator in indicators:
            value = self.instance.indicator_value(indicator.key) if self.instance.pk else None
            self.fields[f"indicator_{indicator.key}"] = forms.DecimalField(
                label=indicator.name,
                required=False,
                max_digits=16,
                decimal_places=6,
                initial=value,
                help_text=indicator.description
                or ("A higher value means more need." if indicator.higher_is_more_need else "A lower value means more need."),
            )
        for name in [f"indicator_{i.key}" for i in indicators]:
            widget = self.fields[name].widget
            widget.attrs["class"] = "govuk-input govuk-input--width-10"
            widget.attrs.setdefault("inputmode", "decimal")

    def clean_gss_code(self):
        return (self.cleaned_data.get("gss_code") or "").strip().upper() or None

    def save(self, commit: bool = True):
        area = super().save(commit=False)
        values = dict(area.indicators or {})
        for indicator in self.indicators:
            value = self.cleaned_data.get(f"indicator_{indicator.key}")
            if value is None:
                values.pop(indicator.key, None)
            else:
                values[indicator.key] = str(value)
        area.indicators = values
        if commit:
            area.save()
        return area


class AreaRetireForm(GovukForm):
    """Retire an area from a date, or (when it is retired) reinstate it."""

    version = VersionField()
    action = forms.ChoiceField(choices=[("retire", "Retire"), ("reinstate", "Reinstate")], widget=forms.HiddenInput)
    retired_on = forms.DateField(
        label="Retired from", required=False, widget=DateInput, help_text="From this date no new allocation can go to it."
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("action") == "retire" and not cleaned.get("retired_on"):
            self.add_error("retired_on", "Enter the date the area is retired from.")
        return cleaned


class AreaIndicatorForm(GovukModelForm):
    version = VersionField()

    class Meta:
        model = AreaIndicator
        fields = ["name", "key", "description", "higher_is_more_need"]
