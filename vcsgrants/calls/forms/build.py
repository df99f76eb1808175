"""Forms for building a call: they parse what officers type; services_build decides what is allowed.

Opening and closing times are entered in UK time (Europe/London) and stored in UTC; the agreement period is
chosen as a first financial year and a number of whole years.
"""

from __future__ import annotations

from django import forms
from django.utils import timezone

from vcsgrants.calls.models import Call, EligibilityQuestion, FormQuestion, FormSection, Lot
from vcsgrants.calls.services.build import MAX_AGREEMENT_YEARS, agreement_period, call_state, part_state
from vcsgrants.core.concurrency import VersionField, form_token
from vcsgrants.core.dates import uk_moment
from vcsgrants.core.forms import DateInput, GovukForm, TimeInput
from vcsgrants.core.models import Area
from vcsgrants.funding.models import Programme


def _lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


class CallForm(GovukForm):
    version = VersionField()  # the edit page's (core.concurrency); blank when creating a call
    title = forms.CharField(max_length=200, error_messages={"required": "Enter a title."})
    reference = forms.SlugField(
        max_length=40,
        help_text="Short, lower case, for the call's address and application references, for example vcs-infra-2024.",
        error_messages={"required": "Enter a reference.", "invalid": "Use only letters, numbers and hyphens."},
    )
    description = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text="What the call funds and who may apply, in plain English. Applicants see this first.",
        error_messages={"required": "Describe what the call funds and who may apply."},
    )
    stream = forms.ModelChoiceField(
        label="Funding stream",
        queryset=None,
        help_text="The programme's stream that will pay for the agreements awarded.",
        error_messages={"required": "Choose the funding stream."},
    )
    opens_at = forms.DateField(label="Opening date", widget=DateInput, error_messages={"required": "Enter the opening date."})
    opens_at_time = forms.TimeField(
        label="Opening time (UK time)",
        widget=TimeInput,
        error_messages={"required": "Enter the opening time, for example 09:00."},
    )
    closes_at = forms.DateField(label="Closing date", widget=DateInput, error_messages={"required": "Enter the closing date."})
    closes_at_time = forms.TimeField(
        label="Closing time (UK time)",
        widget=TimeInput,
        help_text="Applicants see the deadline as, for example, “by 5pm on 15 July 2022”.",
        error_messages={"required": "Enter the closing time, for example 17:00."},
    )
    first_year = forms.TypedChoiceField(
        label="Agreements start in financial year",
        coerce=int,
        help_text="Agreements run from 1 April of this year.",
        error_messages={"required": "Choose the first financial year of the agreements."},
    )
    agreement_years = forms.TypedChoiceField(
        label="Length of the agreements",
        coerce=int,
        choices=[(n, f"{n} year{'s' if n > 1 else ''}") for n in range(1, MAX_AGREEMENT_YEARS + 1)],
        help_text="Whole financial years, to 31 March.",
        error_messages={"required": "Choose how many years the agreements last."},
    )

    def __init__(self, *args, programme: Programme, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["stream"].queryset = programme.streams.all()
        this_year = timezone.localdate().year
        self.fields["first_year"].choices = [(y, f"{y}-{(y + 1) % 100:02d}") for y in range(this_year - 3, this_year + 6)]
        self.fields["first_year"].initial = this_year + 1

    @classmethod
    def for_call(cls, call: Call, data=None) -> CallForm:
        opens, closes = timezone.localtime(call.opens_at), timezone.localtime(call.closes_at)
        initial = {
            "title": call.title,
            "reference": call.reference,
            "description": call.description,
            "stream": call.stream_id,
            "opens_at": opens.date(),
            "opens_at_time": opens.time().replace(second=0, microsecond=0),
            "closes_at": closes.date(),
            "closes_at_time": closes.time().replace(second=0, microsecond=0),
            "first_year": call.agreement_start.year,
            "agreement_years": call.agreement_end.year - call.agreement_start.year,
            "version": form_token(call_state(call)),
        }
        form = cls(data, initial=initial, programme=call.programme)
        if call.agreement_start.year not in dict(form.fields["first_year"].choices):
            form.fields["first_year"].choices.insert(0, (call.agreement_start.year, str(call.agreement_start.year)))
        return form

    def values(self) -> dict:
        data = self.cleaned_data
        start, end = agreement_period(data["first_year"], data["agreement_years"])
        return {
            "title": data["title"],
            "reference": data["reference"],
            "description": data["description"],
            "stream": data["stream"],
            "opens_at": uk_moment(data["opens_at"], data["opens_at_time"]),
            "closes_at": uk_moment(data["closes_at"], data["closes_at_time"]),
            "agreement_start": start,
            "agreement_end": end,
        }


class LotForm(GovukForm):
    version = VersionField()  # the edit page's (core.concurrency); blank when adding a lot
    name = forms.CharField(
        max_length=200,
        help_text="For example the name of the area the lot covers.",
        error_messages={"required": "Enter the lot's name."},
    )
    area = forms.ModelChoiceField(
        queryset=Area.objects.filter(retired_on__isnull=True), error_messages={"required": "Choose the area the lot covers."}
    )
    amount = forms.DecimalField(
        label="Money available each year (£)",
        max_digits=14,
        decimal_places=2,
        min_value=0,
        error_messages={"required": "Enter the money available each year.", "invalid": "Enter an amount in pounds, like 40000."},
    )

    @classmethod
    def for_lot(cls, lot: Lot, data=None) -> LotForm:
        return cls(
            data,
            initial={"name": lot.name, "area": lot.area_id, "amount": lot.amount, "version": form_token(part_state(lot))},
        )

    def values(self) -> dict:
        return {name: self.cleaned_data[name] for name in ("name", "area", "amount")}


class EligibilityForm(GovukForm):
    version = VersionField()  # the edit page's (core.concurrency); blank when adding a question
    text = forms.CharField(label="Question", max_length=500, error_messages={"required": "Enter the question."})
    hint = forms.CharField(label="Hint (optional)", max_length=500, required=False)
    kind = forms.ChoiceField(
        label="Kind of question",
        choices=EligibilityQuestion.Kind.choices,
        widget=forms.RadioSelect,
        initial=EligibilityQuestion.Kind.YES_NO,
        error_messages={"required": "Choose the kind of question."},
    )
    options = forms.CharField(
        label="Options (choice questions)",
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        help_text="One on each line.",
    )
    passing_answers = forms.CharField(
        label="Answers that pass",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="One on each line, exactly as the options are written: Yes or No for a yes/no question.",
        error_messages={"required": "Say which answers pass."},
        initial="Yes",
    )
    failure_reason = forms.CharField(
        label="Why a failing answer makes an application ineligible",
        max_length=300,
        help_text="The officer sees this against an ineligible application.",
        error_messages={"required": "Say why a failing answer makes an application ineligible."},
    )

    @classmethod
    def for_question(cls, question: EligibilityQuestion, data=None) -> EligibilityForm:
        initial = {
            "text": question.text,
            "hint": question.hint,
            "kind": question.kind,
            "options": "\n".join(question.options),
            "passing_answers": "\n".join(question.passing_answers),
            "failure_reason": question.failure_reason,
            "version": form_token(part_state(question)),
        }
        return cls(data, initial=initial)

    def values(self) -> dict:
        data = self.cleaned_data
        return {
            "text": data["text"],
            "hint": data["hint"],
            "kind": data["kind"],
            "options": _lines(data["options"]),
            "passing_answers": _lines(data["passing_answers"]),
            "failure_reason": data["failure_reason"],
        }


class SectionForm(GovukForm):
    version = VersionField()  # the edit page's (core.concurrency); blank when adding a section
    title = forms.CharField(max_length=200, error_messages={"required": "Enter the section's title."})
    intro = forms.CharField(
        label="Introduction (optional)",
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        help_text="Shown at the top of the section.",
    )

    @classmethod
    def for_section(cls, section: FormSection, data=None) -> SectionForm:
        return cls(data, initial={"title": section.title, "intro": section.intro, "version": form_token(part_state(section))})

    def values(self) -> dict:
        return {"title": self.cleaned_data["title"], "intro": self.cleaned_data["intro"]}


class QuestionForm(GovukForm):
    version = VersionField()  # the edit page's (core.concurrency); blank when adding a question
    text = forms.CharField(label="Question", max_length=500, error_messages={"required": "Enter the question."})
    hint = forms.CharField(label="Hint (optional)", max_length=500, required=False, help_text="Shown under the question.")
    kind = forms.ChoiceField(
        label="Kind of answer",
        choices=FormQuestion.Kind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the kind of answer."},
    )
    required = forms.BooleanField(label="Applicants must answer this question", required=False, initial=True)
    word_limit = forms.IntegerField(label="Word limit (text answers, optional)", required=False, min_value=1)
    options = forms.CharField(
        label="Options (choice questions)",
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        help_text="One on each line.",
    )
    budget_lines = forms.CharField(
        label="Cost headings (budget tables)",
        widget=forms.Textarea(attrs={"rows": 5}),
        required=False,
        help_text="One on each line, for example Staff, Premises, Volunteer expenses. "
        "Applicants give an amount for each; the total is added up for them.",
    )

    @classmethod
    def for_question(cls, question: FormQuestion, data=None) -> QuestionForm:
        initial = {
            "text": question.text,
            "hint": question.hint,
            "kind": question.kind,
            "required": question.required,
            "word_limit": question.word_limit,
            "options": "\n".join(question.options),
            "budget_lines": "\n".join(question.budget_lines),
            "version": form_token(part_state(question)),
        }
        return cls(data, initial=initial)

    def values(self) -> dict:
        data = self.cleaned_data
        return {
            "text": data["text"],
            "hint": data["hint"],
            "kind": data["kind"],
            "required": data["required"],
            "word_limit": data["word_limit"],
            "options": _lines(data["options"]),
            "budget_lines": _lines(data["budget_lines"]),
        }


class DocumentForm(GovukForm):
    title = forms.CharField(max_length=200, required=False, help_text="Leave blank to use the file name.")
    file = forms.FileField(label="File", error_messages={"required": "Choose a file to upload."})
