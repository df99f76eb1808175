"""Error messages written for the question, the GOV.UK way, in place of Django's defaults.

GovukFormMixin calls `write_messages` for every field of every form. A message the form wrote itself (in the field's
`error_messages`, or a ValidationError it raises) is kept; only Django's own defaults ("This field is required.",
"Enter a valid date.", "Enter a number.", "Select a valid choice...") are replaced, by words derived from the label:

- a text, number or date box: "Enter the <label>";
- radios, checkboxes, a select or a file: "Select the <label>";
- a single checkbox that must be ticked: "Select ‘<label>’ to continue";
- a date it cannot read: "<Label> must be a real date"; a number: "<Label> must be a number"; and so on.

When the derived words read badly for a question, write them in the form (`error_messages={"required": "..."}`).
The rules for writing error messages are in docs/development (forms).
"""

from __future__ import annotations

import functools
import re

from django import forms
from django.core import validators
from django.db import models
from django.utils.text import capfirst

from vcsgrants.core.money import looks_like_money, plain_number_message

# Labels that already read as a noun phrase with its own determiner, or as a question.
_DETERMINERS = ("the ", "a ", "an ", "your ", "its ", "their ", "his ", "her ", "any ", "each ", "every ", "this ", "how ")
_QUESTION_WORDS = ("what ", "which ", "who ", "whom ", "when ", "where ", "why ", "how ", "whether ")

# Where the derived words read badly: the message for a field left empty, by its label.
REQUIRED = {
    "Approved by": "Enter who approved it",
    "Add a comment": "Enter a comment",
    "Extend for financial year": "Enter the financial year to extend for",
    "What kind of meeting was it?": "Select what kind of meeting it was",
    "Why is it retired?": "Enter why it is retired",
    "Word template": "Select the Word template to upload",
    "Date done": "Enter the date the action was done",
    "Action": "Describe the action",
    "Meeting": "Enter the meeting that made the decision, for example Cabinet, 10 February 2022",
    "Contribution": "Enter the amount of the contribution",
    "Longest time between monitoring meetings (days)": "Enter the longest time between monitoring meetings, in days",
}


@functools.cache
def django_defaults() -> frozenset[str]:
    """Every default message of Django's form fields, validators and model fields (as shown in English)."""
    texts: set[str] = set()

    def walk(cls):
        yield cls
        for sub in cls.__subclasses__():
            yield from walk(sub)

    for base in (forms.Field, models.Field):
        for cls in walk(base):
            if cls.__module__.startswith("django."):
                texts.update(str(m) for m in getattr(cls, "default_error_messages", {}).values())
    for cls in walk(validators.BaseValidator):
        if cls.__module__.startswith("django."):
            texts.add(str(cls.message))
    texts.update(str(m) for m in validators.DecimalValidator.messages.values())
    for v in (validators.EmailValidator, validators.URLValidator, validators.RegexValidator):
        texts.add(str(v.message))
    texts.add(str(validators.ProhibitNullCharactersValidator.message))
    return frozenset(texts - {""})


def is_django_default(message) -> bool:
    return str(message) in django_defaults()


def is_question(label: str) -> bool:
    """A question the officer wrote (a consultation's, an application form's): quoted rather than reworded."""
    text = label.strip()
    return text.endswith("?") or len(text) > 80


def phrase(label: str) -> str:
    """The label as words inside a sentence: 'Start date' -> 'the start date', 'GSS code' -> 'the GSS code',
    'Annual uplift (%)' -> 'the annual uplift', 'Which direction is better' -> 'which direction is better'."""
    text = re.sub(r"\s*\([^()]*\)\s*$", "", label.strip()).rstrip(":").strip() or label.strip()
    words = [w for w in text.split() if w[:1].isalpha()]
    if len(words) > 1 and all(w[0].isupper() for w in words):  # a name, such as a district's: Amber Valley
        return text
    first_word = text.split(" ")[0]
    if not any(c.isupper() for c in first_word[1:]):  # keep GSS, KPI, Org-ID, Results-Based as they are
        text = text[0].lower() + text[1:]
    if text.lower().startswith(_DETERMINERS + _QUESTION_WORDS):
        return text
    return f"the {text}"


def _kind(field: forms.Field) -> str:
    widget = field.widget
    if isinstance(field, forms.BooleanField) or isinstance(widget, forms.CheckboxInput):
        return "checkbox"
    if isinstance(field, forms.FileField):
        return "file"
    if isinstance(field, forms.ChoiceField | forms.ModelChoiceField) or isinstance(
        widget, forms.Select | forms.RadioSelect | forms.CheckboxSelectMultiple
    ):
        return "choice"
    return "text"


def required_message(field: forms.Field, label: str) -> str:
    if label.strip() in REQUIRED:
        return REQUIRED[label.strip()]
    kind = _kind(field)
    if kind == "checkbox":
        return f"Select ‘{label.strip()}’ to continue"
    if is_question(label):
        verb = "Select" if kind in ("choice", "file") else "Enter"
        return f"{verb} an answer to ‘{label.strip()}’"
    if kind == "file":
        return f"Select {phrase(label)} to upload"
    if kind == "choice":
        return f"Select {phrase(label)}"
    return f"Enter {phrase(label)}"


def _written(field: forms.Field, label: str, *, model_name: str = "") -> dict[str, str]:
    """The messages for field, by Django's error code."""
    what = phrase(label)
    if is_question(label) or what.lower().startswith(_QUESTION_WORDS):
        what = f"the answer to ‘{label.strip()}’"
    name = capfirst(what)
    words = {"required": required_message(field, label)}
    if isinstance(field, forms.DateTimeField):
        words["invalid"] = f"{name} must be a real date and time"
    elif isinstance(field, forms.DateField):
        words["invalid"] = f"{name} must be a real date"
    elif isinstance(field, forms.TimeField):
        words["invalid"] = f"{name} must be a real time, like 14:30"
    elif isinstance(field, forms.IntegerField):
        words["invalid"] = f"{name} must be a whole number, like 12"
    elif isinstance(field, forms.DecimalField):
        money = looks_like_money(field.max_digits, field.decimal_places, label) and not is_question(label)
        words["invalid"] = plain_number_message(label if not is_question(label) else "your answer", money=money)
    elif isinstance(field, forms.FloatField):
        words["invalid"] = f"{name} must be a number, like 12.5"
    elif isinstance(field, forms.EmailField):
        words["invalid"] = "Enter an email address in the correct format, like name@example.com"
    elif isinstance(field, forms.URLField):
        words["invalid"] = "Enter a web address in the correct format, like https://www.example.org"
    elif isinstance(field, forms.FileField):
        words.update(
            invalid=f"Select {what} to upload",
            missing=f"Select {what} to upload",
            empty="The selected file is empty",
            contradiction="Either select a new file or tick the box to remove the current one, not both",
            max_length="The file’s name must be %(max)d characters or fewer",
        )
    if isinstance(field, forms.MultipleChoiceField | forms.ModelMultipleChoiceField):
        words.update(
            invalid_list=f"Select {what}",
            invalid_choice=f"Select {what} again: that choice is not one of the options",
            invalid_pk_value=f"Select {what} again: that choice is not one of the options",
        )
    elif isinstance(field, forms.ChoiceField | forms.ModelChoiceField):
        words["invalid_choice"] = f"Select {what} again: that choice is not one of the options"
    words.update(
        max_length=f"{name} must be %(limit_value)d characters or fewer",
        min_length=f"{name} must be %(limit_value)d characters or more",
        max_value=f"{name} must be %(limit_value)s or less",
        min_value=f"{name} must be %(limit_value)s or more",
        step_size=f"{name} must be a multiple of %(limit_value)s",
        max_digits=f"{name} must have no more than %(max)s digits",
        max_decimal_places=f"{name} must have no more than %(max)s decimal places",
        max_whole_digits=f"{name} is too large: it must have no more than %(max)s digits before the decimal point",
        null_characters_not_allowed=f"{name} must not contain the null character",
    )
    if model_name:
        article = "An" if model_name[:1].lower() in "aeiou" else "A"
        words["unique"] = f"{article} {model_name} with this {phrase(label).removeprefix('the ')} already exists"
    return words


def write_messages(field: forms.Field, label: str, *, model_name: str = "") -> None:
    """Replace each of Django's default messages on field by words written for its question (keep the form's own)."""
    if getattr(field, "messages_written", False):
        return
    for code, message in _written(field, label, model_name=model_name).items():
        current = field.error_messages.get(code)
        if current is None or is_django_default(current):
            field.error_messages[code] = message
    field.messages_written = True


def write_form_messages(form: forms.BaseForm) -> None:
    """write_messages for every field of form (GovukFormMixin does it; so do the sign-in and password forms)."""
    model = getattr(getattr(form, "_meta", None), "model", None)
    model_name = str(model._meta.verbose_name) if model is not None else ""
    for name, field in form.fields.items():
        label = str(field.label) if field.label else name.replace("_", " ").capitalize()
        write_messages(field, label, model_name=model_name)
