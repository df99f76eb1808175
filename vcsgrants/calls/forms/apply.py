"""Forms for registering and applying: they parse what people type; services_apply decides what is allowed.

The section form is lenient on purpose: every field is optional and takes any text, so a draft is always saved
exactly as typed; `services_apply.answer_problem` says what is missing or wrong, and only submission is blocked.
"""

from __future__ import annotations

from decimal import Decimal

from django import forms

from vcsgrants.calls.models import Answer, Application, Call, EligibilityQuestion, FormQuestion, FormSection
from vcsgrants.calls.services.apply import application_details_state, parse_money
from vcsgrants.core.concurrency import VersionField, form_token
from vcsgrants.core.forms import AnyChoiceField, GovukForm


class MoneyField(forms.CharField):
    """Pounds as people write them ("£25,000", "25000.5"), parsed exactly to a Decimal with 2 places."""

    def to_python(self, value) -> Decimal | None:
        text = super().to_python(value)
        if not text:
            return None
        try:
            return parse_money(text)
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from exc

    def widget_attrs(self, widget):
        return {
            **super().widget_attrs(widget),
            "inputmode": "decimal",
            "spellcheck": "false",
            "class": "govuk-input govuk-input--width-10",
        }


class RegistrationForm(GovukForm):
    name = forms.CharField(
        label="Organisation name", max_length=200, error_messages={"required": "Enter your organisation's name."}
    )
    org_id = forms.CharField(
        label="Org-ID",
        max_length=60,
        help_text="From org-id.guide: GB-CHC- and your charity number, or GB-COH- and your company number, "
        "for example GB-CHC-1234567.",
        error_messages={"required": "Enter your organisation's Org-ID, for example GB-CHC-1234567."},
    )
    charity_number = forms.CharField(label="Charity number (optional)", max_length=20, required=False)
    company_number = forms.CharField(label="Company number (optional)", max_length=20, required=False)
    contact_name = forms.CharField(
        label="Contact name", max_length=200, error_messages={"required": "Enter the name of the person we should contact."}
    )
    contact_email = forms.EmailField(
        label="Contact e-mail address",
        help_text="We send receipts and outcomes here as well as to the person who applies.",
        error_messages={
            "required": "Enter the contact's e-mail address.",
            "invalid": "Enter an e-mail address like name@example.org.",
        },
    )
    contact_phone = forms.CharField(label="Contact telephone (optional)", max_length=40, required=False)
    address = forms.CharField(label="Address (optional)", widget=forms.Textarea(attrs={"rows": 3}), required=False)
    postcode = forms.CharField(label="Postcode (optional)", max_length=10, required=False)
    username = forms.CharField(
        label="Choose a username",
        max_length=150,
        help_text="You sign in with this.",
        error_messages={"required": "Choose a username."},
    )
    email = forms.EmailField(
        label="Your e-mail address",
        error_messages={"required": "Enter your e-mail address.", "invalid": "Enter an e-mail address like name@example.org."},
    )
    password = forms.CharField(
        label="Choose a password",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="At least 10 characters, not too common and not like your username.",
        error_messages={"required": "Choose a password."},
    )
    password_again = forms.CharField(
        label="Type the password again",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        error_messages={"required": "Type the password again."},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, autocomplete in [
            ("name", "organization"),
            ("contact_name", "name"),
            ("contact_email", "email"),
            ("contact_phone", "tel"),
            ("postcode", "postal-code"),
            ("username", "username"),
            ("email", "email"),
        ]:
            self.fields[name].widget.attrs["autocomplete"] = autocomplete
        self.fields["contact_phone"].widget.attrs["class"] += " govuk-input--width-20"
        self.fields["postcode"].widget.attrs["class"] += " govuk-input--width-10"

    def clean(self):
        data = super().clean()
        if data.get("password") and data.get("password_again") and data["password"] != data["password_again"]:
            self.add_error("password_again", "The passwords do not match.")
        return data

    def values(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("password_again")
        return data


class StartForm(GovukForm):
    lot = forms.ModelChoiceField(
        queryset=None,
        widget=forms.RadioSelect,
        empty_label=None,
        label="Which lot are you applying for?",
        error_messages={"required": "Choose a lot."},
    )
    project_title = forms.CharField(
        max_length=200, help_text="A short name for what you will do.", error_messages={"required": "Enter your project's title."}
    )
    amount_requested = MoneyField(
        label="Amount you are asking for each year (£)",
        help_text="For each financial year of the agreement; no more than the lot's money each year.",
        error_messages={"required": "Enter the amount you are asking for each year."},
    )

    def __init__(self, *args, call: Call, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lot"].queryset = call.lots.select_related("area")
        self.fields["lot"].label_from_instance = lambda lot: f"{lot} — £{lot.amount:,.2f} a year"


class DetailsForm(GovukForm):
    version = VersionField()  # the page's (core.concurrency): the project and amount it showed
    project_title = forms.CharField(max_length=200, error_messages={"required": "Enter your project's title."})
    amount_requested = MoneyField(
        label="Amount you are asking for each year (£)",
        error_messages={"required": "Enter the amount you are asking for each year."},
    )

    @classmethod
    def for_application(cls, application: Application, data=None) -> DetailsForm:
        initial = {
            "project_title": application.project_title,
            "amount_requested": f"{application.amount_requested:,.2f}",
            "version": form_token(application_details_state(application)),
        }
        form = cls(data, initial=initial)
        form.fields["amount_requested"].help_text = f"{application.lot} has £{application.lot.amount:,.2f} a year."
        return form


def eligibility_field(question: EligibilityQuestion) -> str:
    return f"e{question.pk}"


def eligibility_form(questions: list[EligibilityQuestion], answers: dict[int, str], data=None) -> GovukForm:
    fields = {
        eligibility_field(q): AnyChoiceField(
            label=f"{q.number}. {q.text}",
            required=False,
            help_text=q.hint,
            choices=[(c, c) for c in q.choices],
            widget=forms.RadioSelect,
        )
        for q in questions
    }
    form_class = type(GovukForm)("EligibilityAnswersForm", (GovukForm,), fields)
    return form_class(data, initial={eligibility_field(q): answers.get(q.pk, "") for q in questions})


def question_field(question: FormQuestion) -> str:
    return f"q{question.pk}"


def budget_field(question: FormQuestion, index: int) -> str:
    return f"q{question.pk}_{index}"


def _field_for(question: FormQuestion) -> dict[str, forms.Field]:
    name, label, kind = question_field(question), question.text, question.kind
    common = {"label": label, "required": False, "help_text": question.hint}
    if kind == FormQuestion.Kind.SHORT_TEXT:
        return {name: forms.CharField(**common)}
    if kind == FormQuestion.Kind.LONG_TEXT:
        widget = forms.Textarea(attrs={"rows": 8, "class": "govuk-textarea govuk-js-character-count"})
        return {name: forms.CharField(widget=widget, **common)}
    if kind in (FormQuestion.Kind.NUMBER, FormQuestion.Kind.MONEY):
        attrs = {"inputmode": "decimal", "spellcheck": "false", "class": "govuk-input govuk-input--width-10"}
        return {name: forms.CharField(widget=forms.TextInput(attrs=attrs), **common)}
    if kind in (FormQuestion.Kind.CHOICE, FormQuestion.Kind.YES_NO):
        choices = question.options if kind == FormQuestion.Kind.CHOICE else ["Yes", "No"]
        return {name: AnyChoiceField(choices=[(c, c) for c in choices], widget=forms.RadioSelect, **common)}
    if kind == FormQuestion.Kind.FILE:
        return {
            name: forms.FileField(**common),
            f"{name}_remove": forms.BooleanField(label="Remove the file uploaded", required=False),
        }
    attrs = {"inputmode": "decimal", "spellcheck": "false", "class": "govuk-input govuk-input--width-10"}
    return {
        budget_field(question, i): forms.CharField(label=heading, required=False, widget=forms.TextInput(attrs=attrs))
        for i, heading in enumerate(question.budget_lines)
    }


class SectionAnswersForm(GovukForm):
    questions: list[FormQuestion] = []

    def values(self) -> dict[int, object]:
        values: dict[int, object] = {}
        for q in self.questions:
            if q.kind == FormQuestion.Kind.FILE:
                continue
            if q.kind == FormQuestion.Kind.BUDGET:
                values[q.pk] = {h: self.cleaned_data.get(budget_field(q, i)) or "" for i, h in enumerate(q.budget_lines)}
            else:
                values[q.pk] = self.cleaned_data.get(question_field(q)) or ""
        return values

    def files_given(self) -> dict[int, object]:
        return {
            q.pk: f
            for q in self.questions
            if q.kind == FormQuestion.Kind.FILE and (f := self.cleaned_data.get(question_field(q)))
        }

    def files_removed(self) -> set[int]:
        return {
            q.pk
            for q in self.questions
            if q.kind == FormQuestion.Kind.FILE and self.cleaned_data.get(f"{question_field(q)}_remove")
        }

    def add_problem(self, question: FormQuestion, message: str) -> None:
        name = budget_field(question, 0) if question.kind == FormQuestion.Kind.BUDGET else question_field(question)
        if name in self.fields:
            self.add_error(name, message)


def section_form(section: FormSection, answers: dict[int, Answer], data=None, files=None) -> SectionAnswersForm:
    questions = list(section.questions.all())
    fields: dict[str, forms.Field] = {}
    initial: dict[str, object] = {}
    for q in questions:
        fields.update(_field_for(q))
        answer = answers.get(q.pk)
        value = answer.value if answer else None
        if q.kind == FormQuestion.Kind.BUDGET:
            typed = value if isinstance(value, dict) else {}
            for i, heading in enumerate(q.budget_lines):
                initial[budget_field(q, i)] = typed.get(heading, "")
        elif q.kind != FormQuestion.Kind.FILE and value is not None:
            initial[question_field(q)] = value
    form_class = type(SectionAnswersForm)("SectionForm", (SectionAnswersForm,), {**fields, "questions": questions})
    return form_class(data, files, initial=initial)


class CoApplicantForm(GovukForm):
    name = forms.CharField(
        label="Organisation name", max_length=200, error_messages={"required": "Enter the organisation's name."}
    )
    org_id = forms.CharField(label="Org-ID (optional)", max_length=60, required=False, help_text="For example GB-CHC-1234567.")
    role = forms.CharField(
        label="What they will do (optional)", max_length=300, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class OverrideForm(GovukForm):
    reason = forms.CharField(
        label="Why should this application be treated as eligible?",
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Kept with the application and in the audit log.",
        error_messages={"required": "Say why the application should be treated as eligible."},
    )
