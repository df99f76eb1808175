"""GOV.UK Design System inputs for every Django form: the date input, number inputs, selects.

Conventions (docs/development/how-it-is-built.md, "Forms and inputs"):

- every date is the GOV.UK date input: day, month and year boxes in a fieldset (GovukDateInput), never
  <input type="date">; a date field without it is given it by core.forms.GovukFormMixin;
- no type="number": numbers are text inputs with inputmode="numeric" (whole numbers) or "decimal" (money and
  other decimals), spellcheck off, so a browser never rounds, steps or silently drops what was typed;
- a select never starts with Django's "---------": a required choice starts "Choose a …", an optional one "None".
"""

from __future__ import annotations

import calendar
import datetime as dt
import re

from django import forms
from django.core.exceptions import ValidationError

DATE_PARTS = ("day", "month", "year")
DATE_EXAMPLE = "For example, 27 3 2024"
MONTH_NAMES = {
    **{name.lower(): number for number, name in enumerate(calendar.month_name) if name},
    **{name.lower(): number for number, name in enumerate(calendar.month_abbr) if name},
    "sept": 9,
}


def _join(words: list[str]) -> str:
    return words[0] if len(words) == 1 else f"{words[0]} and {words[1]}"


class DateParts(str):
    """What a date input's three boxes held.

    A str so that Django treats it as the field's raw data: a whole date reads as YYYY-MM-DD. It keeps the boxes as
    typed (shown again on the page) and, for a date that cannot be read, which boxes are wrong and why.
    """

    day: str
    month: str
    year: str
    date: dt.date | None
    wrong: tuple[str, ...]
    problem: str  # "missing", "year", "real" or ""

    def __new__(cls, day: str, month: str, year: str):
        date, wrong, problem = cls._read(day, month, year)
        parts = str.__new__(cls, date.isoformat() if date else f"{year}-{month}-{day}")
        parts.day, parts.month, parts.year = day, month, year
        parts.date, parts.wrong, parts.problem = date, wrong, problem
        return parts

    @staticmethod
    def _read(day: str, month: str, year: str) -> tuple[dt.date | None, tuple[str, ...], str]:
        boxes = {"day": day, "month": month, "year": year}
        missing = tuple(part for part in DATE_PARTS if not boxes[part])
        if missing:
            return None, missing, "missing"
        month_number = MONTH_NAMES.get(month.lower()) if not month.isdigit() else int(month)
        not_numbers = tuple(
            part for part, ok in (("day", day.isdigit()), ("month", month_number is not None), ("year", year.isdigit())) if not ok
        )
        if not_numbers:
            return None, not_numbers, "real"
        if len(year) != 4:
            return None, ("year",), "year"
        if not 1 <= month_number <= 12:
            return None, ("month",), "real"
        try:
            return dt.date(int(year), month_number, int(day)), (), ""
        except ValueError:
            return None, ("day",), "real"

    def message(self, label: str) -> str:
        """The GOV.UK error message for a date that cannot be read, naming the field."""
        if self.problem == "missing":
            return f"{label} must include a {_join(list(self.wrong))}"
        if self.problem == "year":
            return f"{label} must include a year with 4 numbers"
        return f"{label} must be a real date"


class GovukDateInput(forms.MultiWidget):
    """The GOV.UK date input: day, month and year boxes in a fieldset with a legend and an example hint.

    The boxes post NAME_day, NAME_month and NAME_year. A single NAME=YYYY-MM-DD, when posted, is read instead
    (what tests and scripts post; a browser never sends it), so either works. The field's error marks only the wrong
    boxes when the date could not be read, and all three for any other error (missing, out of range, in the past).
    """

    template_name = "govuk/widgets/date_input.html"
    field_template_name = "govuk/widgets/date_field.html"
    part_labels = {"day": "Day", "month": "Month", "year": "Year"}
    part_widths = {"day": 2, "month": 2, "year": 4}

    def __init__(self, attrs=None):
        parts = {
            part: forms.TextInput(attrs={"inputmode": "numeric", "spellcheck": "false", "autocomplete": "off"})
            for part in DATE_PARTS
        }
        super().__init__(parts, attrs={"class": "govuk-input", **(attrs or {})})

    def decompress(self, value) -> list[str | None]:
        if isinstance(value, DateParts):
            return [value.day, value.month, value.year]
        if isinstance(value, dt.datetime):
            value = value.date()
        if isinstance(value, str) and value:
            try:
                value = dt.date.fromisoformat(value)
            except ValueError:
                return [None, None, None]
        if isinstance(value, dt.date):
            return [str(value.day), str(value.month), str(value.year)]
        return [None, None, None]

    def value_from_datadict(self, data, files, name):
        if data.get(name) is not None:
            return data.get(name)  # a single YYYY-MM-DD (tests, scripts): a browser posts only the boxes
        boxes = [data.get(f"{name}_{part}") for part in DATE_PARTS]
        if all(box is None for box in boxes):
            return None
        boxes = [(box or "").strip() for box in boxes]
        if not any(boxes):
            return ""
        return DateParts(*boxes)

    def value_omitted_from_data(self, data, files, name):
        return name not in data and all(f"{name}_{part}" not in data for part in DATE_PARTS)

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        widget = context["widget"]
        own_class = widget["attrs"].get("class", "")
        in_error = "govuk-input--error" in own_class
        wrong = getattr(value, "wrong", ()) or DATE_PARTS
        field_id = widget["attrs"].get("id")
        for part, sub in zip(DATE_PARTS, widget["subwidgets"], strict=True):
            sub_attrs = sub["attrs"]
            sub_attrs.pop("aria-describedby", None)  # the fieldset is described by the hint and the error
            sub_attrs.pop("required", None)
            classes = f"govuk-input govuk-date-input__input govuk-input--width-{self.part_widths[part]}"
            if in_error and part in wrong:
                classes += " govuk-input--error"
            else:
                sub_attrs.pop("aria-invalid", None)
            sub_attrs["class"] = classes
            if field_id:
                # The day box takes the field's own id, so the error summary's link lands in the date.
                sub_attrs["id"] = field_id if part == "day" else f"{field_id}_{part}"
            sub["part_label"] = self.part_labels[part]
        widget["date_id"] = f"{field_id}_date" if field_id else ""
        return context

    def id_for_label(self, id_):
        return id_


def date_field(field: forms.DateField, label: str) -> None:
    """Give a date field the GOV.UK date input, its fieldset template and GOV.UK messages for a date it can't read."""
    if isinstance(field.widget, forms.HiddenInput):
        return
    if not isinstance(field.widget, GovukDateInput):
        field.widget = GovukDateInput(attrs={k: v for k, v in field.widget.attrs.items() if k != "class"})
    if field.template_name is None:
        field.template_name = GovukDateInput.field_template_name
    if getattr(field, "reads_date_parts", False):
        return
    to_python = field.to_python

    def parts_to_python(value):
        if isinstance(value, DateParts):
            if value.date is None:
                raise ValidationError(value.message(label), code="invalid")
            return value.date
        return to_python(value)

    field.to_python = parts_to_python
    field.reads_date_parts = True


def number_input(field: forms.Field) -> None:
    """A number as a text input (no type="number"): inputmode numeric for whole numbers, decimal otherwise."""
    widget = field.widget
    if not isinstance(widget, forms.NumberInput):
        return
    widget.input_type = "text"
    whole = isinstance(field, forms.IntegerField) and not isinstance(field, forms.DecimalField)  # a subclass
    widget.attrs["inputmode"] = "numeric" if whole else "decimal"
    widget.attrs["spellcheck"] = "false"
    for attr in ("step", "min", "max"):
        widget.attrs.pop(attr, None)


def _article(noun: str) -> str:
    return "an" if noun[:1].lower() in "aeiou" else "a"


def choose_label(label: str) -> str:
    """'Financial year' → 'Choose a financial year'."""
    noun = label.strip().rstrip(":")
    noun = noun[:1].lower() + noun[1:] if noun[1:2].islower() or len(noun) == 1 else noun
    return f"Choose {_article(noun)} {noun}"


def select_first_option(field: forms.Field, label: str) -> None:
    """Replace Django's '---------' with 'Choose a …' (a value is required) or 'None' (it may be left blank).

    Radios have no blank first choice when one is required (the question is the choice), and 'None' when not.
    """
    if isinstance(field.widget, forms.RadioSelect) and field.required:
        if isinstance(field, forms.ModelChoiceField):
            field.empty_label = None
            field.widget.choices = field.choices
        else:
            choices = list(getattr(field, "choices", []))
            if choices and choices[0][0] in ("", None) and choices[0][1] == "---------":
                field.choices = choices[1:]
        return
    if not isinstance(field.widget, forms.Select | forms.RadioSelect):
        return
    first = "None" if not field.required else choose_label(label)
    if isinstance(field, forms.ModelChoiceField):
        if field.empty_label == "---------":
            field.empty_label = first
            field.widget.choices = field.choices
        return
    choices = list(getattr(field, "choices", []))
    if choices and choices[0][0] in ("", None) and choices[0][1] == "---------":
        field.choices = [("", first), *choices[1:]]


WIDGET_CLASSES = {
    forms.Select: "govuk-select",
    forms.Textarea: "govuk-textarea",
    forms.ClearableFileInput: "govuk-file-upload",
    forms.FileInput: "govuk-file-upload",
}


def style_widget(field: forms.Field, label: str) -> None:
    """Every GOV.UK touch a field's widget needs; safe to call twice (core.forms calls it for fields added late)."""
    if isinstance(field, forms.DateField) and not isinstance(field, forms.DateTimeField):
        date_field(field, label)
    select_first_option(field, label)
    widget = field.widget
    if isinstance(widget, forms.CheckboxSelectMultiple):
        widget.template_name = "govuk/widgets/checkboxes.html"
        return
    if isinstance(widget, forms.RadioSelect):
        widget.template_name = "govuk/widgets/radios.html"
        return
    if isinstance(widget, forms.CheckboxInput | GovukDateInput):
        return
    css = next((c for t, c in WIDGET_CLASSES.items() if isinstance(widget, t)), "govuk-input")
    existing = widget.attrs.get("class", "")
    if css not in existing.split():
        widget.attrs["class"] = f"{css} {existing}".strip()
    if isinstance(field, forms.DecimalField):
        widget.attrs.setdefault("inputmode", "decimal")
    number_input(field)
    if isinstance(field, forms.DecimalField | forms.IntegerField) and not re.search(
        r"govuk-input--width-|govuk-!-width-", widget.attrs["class"]
    ):
        widget.attrs["class"] += f" govuk-input--width-{10 if isinstance(field, forms.DecimalField) else 5}"
