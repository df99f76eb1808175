"""Forms for consultations: they parse what people type; the services decide what is allowed.

Dates and times are entered in UK time (Europe/London) and stored in UTC. The response form is built
from the consultation's questions; every answer rule (required, valid options, length) is checked by
`services_consultations.clean_answers`, so a provider's page, the public page and the demo share one rule.
"""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone

from vcsgrants.core import uploads
from vcsgrants.core.concurrency import VersionField, form_token
from vcsgrants.core.dates import uk_moment
from vcsgrants.core.forms import AnyChoiceField, AnyMultipleChoiceField, DateInput, GovukForm, TimeInput
from vcsgrants.engagement.models.consultations import DEFAULT_PRIVACY_NOTICE, Consultation, Question
from vcsgrants.engagement.services.consultations import answer_field, consultation_state, question_state


class ConsultationForm(GovukForm):
    version = VersionField()  # the edit page's (core.concurrency); blank when adding a consultation
    title = forms.CharField(max_length=200, error_messages={"required": "Enter a title."})
    description = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 8}),
        error_messages={"required": "Describe the proposals you are consulting on."},
        help_text="The proposals and what you want to know, in plain English. Respondents see this first.",
    )
    opens_at = forms.DateField(
        label="Opening date", widget=DateInput, error_messages={"required": "Enter the date the consultation opens."}
    )
    opens_at_time = forms.TimeField(
        label="Opening time (UK time)",
        widget=TimeInput,
        initial=dt.time(9, 0),
        error_messages={"required": "Enter the time the consultation opens, for example 09:00."},
    )
    closes_at = forms.DateField(
        label="Closing date", widget=DateInput, error_messages={"required": "Enter the date the consultation closes."}
    )
    closes_at_time = forms.TimeField(
        label="Closing time (UK time)",
        widget=TimeInput,
        error_messages={"required": "Enter the time the consultation closes, for example 17:00."},
        initial=dt.time(17, 0),
        help_text="Respondents see the deadline as, for example, “by 5pm on 15 July 2022”.",
    )
    accepts_public = forms.BooleanField(
        label="Accept responses from the public through a public link (no sign-in)", required=False, initial=True
    )
    ask_name = forms.BooleanField(label="Ask the public for their name (optional for them to give)", required=False)
    ask_organisation = forms.BooleanField(label="Ask the public for an organisation (optional for them to give)", required=False)
    ask_email = forms.BooleanField(label="Ask the public for an e-mail address (optional for them to give)", required=False)
    privacy_notice = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 6}),
        initial=DEFAULT_PRIVACY_NOTICE,
        error_messages={"required": "Enter the privacy notice respondents will see."},
        help_text="Shown on every response page and kept with the consultation. Ask for no more personal data than you need.",
    )

    @classmethod
    def for_consultation(cls, consultation: Consultation, data=None) -> ConsultationForm:
        opens, closes = timezone.localtime(consultation.opens_at), timezone.localtime(consultation.closes_at)
        initial = {
            "title": consultation.title,
            "description": consultation.description,
            "opens_at": opens.date(),
            "opens_at_time": opens.time().replace(second=0, microsecond=0),
            "closes_at": closes.date(),
            "closes_at_time": closes.time().replace(second=0, microsecond=0),
            "accepts_public": consultation.accepts_public,
            "ask_name": consultation.ask_name,
            "ask_organisation": consultation.ask_organisation,
            "ask_email": consultation.ask_email,
            "privacy_notice": consultation.privacy_notice,
            "version": form_token(consultation_state(consultation)),
        }
        return cls(data, initial=initial)

    def values(self) -> dict:
        """The cleaned data as the services take it."""
        data = self.cleaned_data
        return {
            "title": data["title"],
            "description": data["description"],
            "opens_at": uk_moment(data["opens_at"], data["opens_at_time"]),
            "closes_at": uk_moment(data["closes_at"], data["closes_at_time"]),
            "accepts_public": data["accepts_public"],
            "ask_name": data["ask_name"],
            "ask_organisation": data["ask_organisation"],
            "ask_email": data["ask_email"],
            "privacy_notice": data["privacy_notice"],
        }


class QuestionForm(GovukForm):
    version = VersionField()  # the edit page's (core.concurrency); blank when adding a question
    text = forms.CharField(label="Question", max_length=500, error_messages={"required": "Enter the question."})
    hint = forms.CharField(label="Hint (optional)", max_length=500, required=False, help_text="Shown under the question.")
    kind = forms.ChoiceField(
        label="Kind of question",
        choices=Question.Kind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the kind of question."},
    )
    required = forms.BooleanField(label="Respondents must answer this question", required=False, initial=True)
    options = forms.CharField(
        label="Options (choice questions)",
        widget=forms.Textarea(attrs={"rows": 6}),
        required=False,
        help_text="For single and multiple choice questions: one option on each line, in the order to show them. The "
        "agree/disagree scale always has five points, from strongly agree to strongly disagree.",
    )
    max_length = forms.IntegerField(
        label="Longest answer allowed, in characters (free text)", required=False, initial=2000, min_value=1
    )

    @classmethod
    def for_question(cls, question: Question, data=None) -> QuestionForm:
        initial = {
            "text": question.text,
            "hint": question.hint,
            "kind": question.kind,
            "required": question.required,
            "options": "\n".join(question.options),
            "max_length": question.max_length,
            "version": form_token(question_state(question)),
        }
        return cls(data, initial=initial)

    def values(self) -> dict:
        data = self.cleaned_data
        return {
            "text": data["text"],
            "hint": data["hint"],
            "kind": data["kind"],
            "required": data["required"],
            "options": data["options"].splitlines(),
            "max_length": data["max_length"],
        }


class DocumentForm(GovukForm):
    title = forms.CharField(max_length=200, required=False, help_text="Leave blank to use the file name")
    file = forms.FileField(label="File", error_messages={"required": "Choose a file to upload."})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = uploads.help_text()  # read when the form is made: MAX_DOCUMENT_BYTES may change


class ResponseForm(GovukForm):
    """Answers to a consultation's questions: make one with `response_form(...)`, which adds a field per question."""

    questions: list[Question] = []

    def answers(self) -> dict[int, str | list[str]]:
        return {q.pk: self.cleaned_data.get(answer_field(q)) for q in self.questions}

    def details(self) -> dict[str, str]:
        return {
            "name": self.cleaned_data.get("respondent_name", ""),
            "organisation": self.cleaned_data.get("respondent_organisation", ""),
            "email": self.cleaned_data.get("respondent_email", ""),
        }


def _field_for(question: Question) -> forms.Field:
    label = f"{question.number}. {question.text}" + ("" if question.required else " (optional)")
    choices = [(c, c) for c in question.choices]
    if question.kind == Question.Kind.TEXT:
        hint = f"{question.hint} " if question.hint else ""
        return forms.CharField(
            label=label,
            required=False,
            help_text=f"{hint}At most {question.max_length:,} characters.",
            widget=forms.Textarea(attrs={"rows": 5}),
        )
    if question.kind == Question.Kind.MULTIPLE:
        return AnyMultipleChoiceField(
            label=label,
            required=False,
            help_text=question.hint or "Select all that apply.",
            choices=choices,
            widget=forms.CheckboxSelectMultiple,
        )
    return AnyChoiceField(label=label, required=False, help_text=question.hint, choices=choices, widget=forms.RadioSelect)


def response_form(
    *, consultation: Consultation, questions: list[Question], public: bool = False, data=None, initial=None
) -> ResponseForm:
    """A form with one field (q<pk>) per question and, on the public page, the details the consultation asks for.

    Every field is optional and lenient here: the services say which answers and details are missing or wrong, so the
    page lists every problem at once.
    """
    fields: dict[str, forms.Field] = {}
    if public:
        details = [
            ("respondent_name", consultation.ask_name, "Your name (optional)"),
            ("respondent_organisation", consultation.ask_organisation, "Your organisation (optional)"),
            ("respondent_email", consultation.ask_email, "Your e-mail address (optional)"),
        ]
        for name, asked, label in details:
            if asked:
                attrs = {
                    "respondent_name": {"autocomplete": "name", "spellcheck": "false"},
                    "respondent_organisation": {"autocomplete": "organization"},
                    "respondent_email": {"autocomplete": "email", "spellcheck": "false"},
                }[name]
                fields[name] = forms.CharField(label=label, required=False, widget=forms.TextInput(attrs=attrs))
    for question in questions:
        fields[answer_field(question)] = _field_for(question)
    # Declared as a class so GovukFormMixin gives every field its GOV.UK classes.
    form_class = type(ResponseForm)("ConsultationResponseForm", (ResponseForm,), {**fields, "questions": questions})
    return form_class(data, initial=initial)


def initial_answers(questions: list[Question], answers: dict) -> dict[str, object]:
    """A saved response as the form's initial values."""
    initial: dict[str, object] = {}
    for question in questions:
        answer = answers.get(question.pk)
        if answer is None:
            continue
        if question.kind == Question.Kind.TEXT:
            initial[answer_field(question)] = answer.text
        elif question.kind == Question.Kind.MULTIPLE:
            initial[answer_field(question)] = list(answer.choices)
        else:
            initial[answer_field(question)] = answer.choices[0] if answer.choices else ""
    return initial


class ExcludeForm(GovukForm):
    reason = forms.CharField(
        label="Why leave this response out of the summary?",
        max_length=300,
        help_text="For example: spam, or a duplicate of response 12. The response is kept and can be counted again.",
        error_messages={"required": "Say why the response is left out of the summary, for example “spam”."},
    )
