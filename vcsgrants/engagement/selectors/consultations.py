"""Reads for consultations: who sees which, and the summary of responses per question.

`consultation_summary(consultation)` is the one source of the summary page, its XLSX and the Cabinet
report: plain data (dataclasses of str, int, Decimal, bool and datetime), counted from the responses
when it is called. The counting itself (`summarise_question`) is pure: it takes plain values.

Percentages are of the respondents who answered the question, rounded half up to one decimal place
from the exact fraction; where rounding makes them add up to something other than 100% the summary
says so, and a share that rounds to 0.0% or 100.0% without being exactly that is written <0.1% or >99.9%.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from vcsgrants.core.rules import partner_lineage, sees_everything
from vcsgrants.engagement.models.consultations import (
    LIKERT_OPTIONS,
    Answer,
    Consultation,
    ConsultationResponse,
    Question,
)
from vcsgrants.funding.selectors.programmes import programmes_co_funded_by

ILLUSTRATIVE_NOTE = "Demo content: the consultation's dates and every response are illustrative, not real."

# --- Pure counting -----------------------------------------------------------------------------


def percent_of(count: int, base: int) -> Decimal:
    """count / base as a percentage rounded half up to one decimal place, exactly (integer arithmetic)."""
    if base <= 0:
        return Decimal("0.0")
    tenths = (2 * 1000 * count + base) // (2 * base)
    return Decimal(tenths) / 10


def percent_text(count: int, base: int) -> str:
    """The percentage as shown: never 0.0% for some or 100.0% for not all."""
    if base <= 0:
        return "–"
    pct = percent_of(count, base)
    if count and pct == 0:
        return "<0.1%"
    if count < base and pct == 100:
        return ">99.9%"
    return f"{pct:.1f}%"


@dataclass(frozen=True)
class OptionCount:
    label: str
    count: int
    percent: Decimal  # of those who answered the question, to 1 dp
    percent_text: str


@dataclass(frozen=True)
class TextAnswer:
    text: str
    respondent: str  # the provider organisation's name, or "Member of the public"


@dataclass(frozen=True)
class AnswerRow:
    """One respondent's answer to a question, as the pure summary needs it."""

    choices: Sequence[str] = ()
    text: str = ""
    respondent: str = ""


@dataclass(frozen=True)
class QuestionSummary:
    number: int
    text: str
    kind: str  # single, multiple, scale, text
    kind_label: str
    required: bool
    respondents: int  # responses counted in the summary
    answered: int
    not_answered: int
    options: list[OptionCount] = field(default_factory=list)  # choice questions, in the question's order
    scale_totals: list[OptionCount] = field(default_factory=list)  # scale: agree (strongly + agree), neither, disagree
    text_answers: list[TextAnswer] = field(default_factory=list)  # free text, in the order received
    notes: list[str] = field(default_factory=list)  # what the percentages are of, and why they may not add up

    @property
    def is_choice(self) -> bool:
        return self.kind != "text"


def summarise_question(
    *,
    number: int,
    text: str,
    kind: str,
    kind_label: str,
    required: bool,
    choices: Sequence[str],
    answers: Sequence[AnswerRow],
    respondents: int,
) -> QuestionSummary:
    """Counts and percentages for one question from its answers (one per respondent who answered)."""
    answered = len(answers)
    base = dict(
        number=number,
        text=text,
        kind=kind,
        kind_label=kind_label,
        required=required,
        respondents=respondents,
        answered=answered,
        not_answered=respondents - answered,
    )
    unanswered_note: list[str] = []
    if respondents - answered:
        people = "respondent" if respondents - answered == 1 else "respondents"
        unanswered_note.append(f"{respondents - answered} {people} did not answer this question.")
    if kind == "text":
        return QuestionSummary(
            **base, text_answers=[TextAnswer(a.text, a.respondent) for a in answers if a.text], notes=unanswered_note
        )
    counts = Counter(choice for a in answers for choice in dict.fromkeys(a.choices))
    options = [OptionCount(c, counts[c], percent_of(counts[c], answered), percent_text(counts[c], answered)) for c in choices]
    scale_totals: list[OptionCount] = []
    if kind == "scale":
        groups = [
            ("Agree or strongly agree", LIKERT_OPTIONS[:2]),
            ("Neither agree nor disagree", LIKERT_OPTIONS[2:3]),
            ("Disagree or strongly disagree", LIKERT_OPTIONS[3:]),
        ]
        for label, members in groups:
            n = sum(counts[m] for m in members)
            scale_totals.append(OptionCount(label, n, percent_of(n, answered), percent_text(n, answered)))
    notes: list[str] = []
    if answered:
        total = sum((o.percent for o in options), Decimal("0.0"))
        who = f"the {answered} respondent{'s' if answered != 1 else ''} who answered this question"
        notes.append(f"Percentages are of {who}, rounded to one decimal place.")
        if kind == "multiple":
            notes.append("Respondents could choose more than one option, so the percentages can add up to more than 100%.")
        elif total != 100:
            notes.append(f"Because of rounding they add up to {total:.1f}%, not 100%.")
    notes += unanswered_note
    return QuestionSummary(**base, options=options, scale_totals=scale_totals, notes=notes)


# --- The summary from the records ------------------------------------------------------------


@dataclass(frozen=True)
class ConsultationSummary:
    consultation_id: int
    title: str
    programme: str
    opens_at: dt.datetime
    closes_at: dt.datetime
    opens_text: str  # "9am on 1 November 2021", UK time
    closes_text: str  # "5pm on 24 January 2022"
    is_closed: bool  # False: an interim summary while the consultation is open
    is_demo: bool
    responses: int  # counted in the summary
    from_providers: int
    from_public: int
    excluded: int  # left out by an officer (spam, duplicates)
    questions: list[QuestionSummary]
    illustrative_note: str = ""


def consultation_summary(consultation: Consultation, now: dt.datetime | None = None) -> ConsultationSummary:
    """Every question's counts and percentages (choice questions) or answers (free text), from the counted responses.

    Four queries whatever the number of responses.
    """
    responses = {
        r.pk: r
        for r in ConsultationResponse.objects.filter(consultation=consultation, excluded_reason="").select_related("organisation")
    }
    excluded = ConsultationResponse.objects.filter(consultation=consultation).exclude(excluded_reason="").count()
    questions = list(consultation.questions.all())
    by_question: dict[int, list[AnswerRow]] = {q.pk: [] for q in questions}
    for answer in Answer.objects.filter(response_id__in=list(responses)).order_by("response__submitted_at", "response_id"):
        respondent = responses[answer.response_id].respondent_label
        by_question[answer.question_id].append(AnswerRow(tuple(answer.choices), answer.text, respondent))
    total = len(responses)
    return ConsultationSummary(
        consultation_id=consultation.pk,
        title=consultation.title,
        programme=str(consultation.programme),
        opens_at=consultation.opens_at,
        closes_at=consultation.closes_at,
        opens_text=consultation.opens_text,
        closes_text=consultation.closes_text,
        is_closed=consultation.is_closed(now),
        is_demo=consultation.is_demo,
        responses=total,
        from_providers=sum(1 for r in responses.values() if r.channel == ConsultationResponse.Channel.PROVIDER),
        from_public=sum(1 for r in responses.values() if r.channel == ConsultationResponse.Channel.PUBLIC),
        excluded=excluded,
        questions=[
            summarise_question(
                number=q.number,
                text=q.text,
                kind=q.kind,
                kind_label=q.get_kind_display(),
                required=q.required,
                choices=q.choices,
                answers=by_question[q.pk],
                respondents=total,
            )
            for q in questions
        ],
        illustrative_note=ILLUSTRATIVE_NOTE if consultation.is_demo else "",
    )


def summary_sheets(summary: ConsultationSummary) -> list[tuple[str, list[str], list[list]]]:
    """The summary as workbook sheets: about, counts (one row per question and option), free-text answers."""
    status = "Final: the consultation has closed" if summary.is_closed else "Interim: the consultation is still open"
    about = [
        ["Consultation", summary.title],
        ["Programme", summary.programme],
        ["Opened", summary.opens_text],
        ["Closed" if summary.is_closed else "Closes", summary.closes_text],
        ["Status", status],
        ["Responses counted", summary.responses],
        ["From provider organisations", summary.from_providers],
        ["From the public", summary.from_public],
        ["Left out by an officer (spam or duplicates)", summary.excluded],
        ["Percentages", "Of the respondents who answered each question, rounded half up to one decimal place."],
    ]
    if summary.illustrative_note:
        about.append(["Note", summary.illustrative_note])
    counts = []
    for q in summary.questions:
        for o in q.options:
            counts.append([q.number, q.text, q.kind_label, o.label, o.count, o.percent, q.answered, q.not_answered])
        for o in q.scale_totals:
            counts.append([q.number, q.text, q.kind_label, f"Total: {o.label}", o.count, o.percent, q.answered, q.not_answered])
        if not q.is_choice:
            counts.append(
                [
                    q.number,
                    q.text,
                    q.kind_label,
                    "(free text: see the Free text sheet)",
                    q.answered,
                    None,
                    q.answered,
                    q.not_answered,
                ]
            )
    free_text = [[q.number, q.text, a.respondent, a.text] for q in summary.questions for a in q.text_answers]
    return [
        ("About", ["Item", "Value"], about),
        (
            "Counts",
            ["Question", "Question text", "Kind", "Answer", "Count", "Percent of those answering", "Answered", "Not answered"],
            counts,
        ),
        ("Free text", ["Question", "Question text", "Respondent", "Answer"], free_text),
    ]


# --- Who sees which consultation ------------------------------------------------------------------


def consultations_visible_to(user, now: dt.datetime | None = None) -> QuerySet[Consultation]:
    """Council staff see every consultation; providers and partners see those of their programmes once open."""
    qs = Consultation.objects.select_related("programme")
    if sees_everything(user):
        return qs
    opened = Q(opens_at__lte=now or timezone.now())
    if user.has_role("provider") and user.organisation_id:
        return qs.filter(opened, programme__agreements__organisation_id=user.organisation_id).distinct()
    if user.has_role("partner") and user.organisation_id:
        return qs.filter(opened, programme__in=programmes_co_funded_by(partner_lineage(user)))
    return qs.none()


def consultation_list_rows(user) -> list[Consultation]:
    """The consultations a user sees, with counts of responses counted (staff) and of questions."""
    return list(
        consultations_visible_to(user).annotate(
            response_count=Count("responses", filter=Q(responses__excluded_reason=""), distinct=True),
            question_count=Count("questions", distinct=True),
        )
    )


def response_counts(consultation: Consultation) -> dict[str, int]:
    counted = Q(excluded_reason="")
    return consultation.responses.aggregate(
        providers=Count("pk", filter=counted & Q(channel=ConsultationResponse.Channel.PROVIDER)),
        public=Count("pk", filter=counted & Q(channel=ConsultationResponse.Channel.PUBLIC)),
        excluded=Count("pk", filter=~counted),
    )


def organisation_response(consultation: Consultation, organisation_id: int | None) -> ConsultationResponse | None:
    if not organisation_id:
        return None
    return (
        consultation.responses.filter(organisation_id=organisation_id)
        .select_related("submitted_by", "updated_by")
        .prefetch_related("answers")
        .first()
    )


def responses_with_answers(consultation: Consultation) -> list[ConsultationResponse]:
    """Every response (counted or left out) with its answers, for the officers' list: three queries."""
    return list(
        consultation.responses.select_related("organisation", "updated_by", "excluded_by").prefetch_related("answers__question")
    )


def answers_by_question(response: ConsultationResponse | None) -> dict[int, Answer]:
    return {a.question_id: a for a in response.answers.all()} if response else {}


def question_rows(consultation: Consultation) -> list[Question]:
    return list(consultation.questions.all())
