"""Reads for building and applying: call lists, lot totals, an application's task list and answers."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone

from vcsgrants.calls.models import Answer, Application, Call, FormQuestion, FormSection, Lot
from vcsgrants.calls.services.apply import answer_problem, budget_total, is_answered, parse_money, word_count
from vcsgrants.core.rules import partner_lineage
from vcsgrants.core.templatetags.money import gbp
from vcsgrants.funding.models import Programme

ZERO = Decimal("0.00")


def programme_calls(programme: Programme):
    return (
        programme.calls.select_related("stream")
        .annotate(
            lot_count=Count("lots", distinct=True),
            submitted_count=Count("applications", filter=Q(applications__status=Application.Status.SUBMITTED), distinct=True),
        )
        .order_by("-opens_at", "-id")
    )


RECENTLY_CLOSED = dt.timedelta(days=365)


def public_calls(now: dt.datetime | None = None) -> dict[str, list[Call]]:
    """Published calls that are open, not open yet, or closed in the last year (newest first, listed apart)."""
    now = now or timezone.now()
    published = Call.objects.filter(published_at__isnull=False).prefetch_related("lots__area")
    current = published.filter(closes_at__gt=now)
    return {
        "open": [c for c in current.order_by("closes_at") if c.opens_at <= now],
        "upcoming": [c for c in current.order_by("opens_at") if c.opens_at > now],
        "closed": list(published.filter(closes_at__lte=now, closes_at__gt=now - RECENTLY_CLOSED).order_by("-closes_at")),
    }


def public_call(reference: str) -> Call | None:
    return Call.objects.filter(reference=reference, published_at__isnull=False).select_related("programme").first()


def call_money(call: Call) -> Decimal:
    """The money across the call's lots each year."""
    return sum((lot.amount for lot in call.lots.all()), ZERO)


@dataclass
class LotSummary:
    lot: Lot
    applications: list[Application]
    submitted: int
    requested: Decimal  # the yearly amounts asked for in submitted applications
    eligible_requested: Decimal

    @property
    def over(self) -> Decimal:
        """How far the submitted requests exceed the lot's money (negative: money to spare)."""
        return self.requested - self.lot.amount


@dataclass
class CallApplications:
    lots: list[LotSummary]
    money: Decimal
    requested: Decimal
    submitted: int
    drafts: int
    withdrawn: int
    ineligible: int


def call_applications(call: Call) -> CallApplications:
    applications = list(
        call.applications.select_related("organisation", "lot", "eligibility_overridden_by").order_by("lot__number", "reference")
    )
    lots = []
    for lot in call.lots.select_related("area"):
        mine = [a for a in applications if a.lot_id == lot.pk]
        submitted = [a for a in mine if a.status == Application.Status.SUBMITTED]
        lots.append(
            LotSummary(
                lot=lot,
                applications=mine,
                submitted=len(submitted),
                requested=sum((a.amount_requested for a in submitted), ZERO),
                eligible_requested=sum((a.amount_requested for a in submitted if a.is_eligible), ZERO),
            )
        )
    submitted = [a for a in applications if a.status == Application.Status.SUBMITTED]
    return CallApplications(
        lots=lots,
        money=sum((s.lot.amount for s in lots), ZERO),
        requested=sum((s.requested for s in lots), ZERO),
        submitted=len(submitted),
        drafts=sum(1 for a in applications if a.status == Application.Status.DRAFT),
        withdrawn=sum(1 for a in applications if a.status == Application.Status.WITHDRAWN),
        ineligible=sum(1 for a in submitted if a.is_eligible is False),
    )


def applications_for(user):
    """The applications of the user's organisation (with its predecessors and successors), newest first."""
    if not user.organisation_id:
        return Application.objects.none()
    return (
        Application.objects.filter(organisation_id__in=partner_lineage(user))
        .select_related("call", "lot", "organisation")
        .order_by("-created_at", "-id")
    )


def visible_application(user, pk: int) -> Application | None:
    application = (
        Application.objects.select_related("call__programme", "lot__area", "organisation", "created_by", "submitted_by")
        .filter(pk=pk)
        .first()
    )
    if application is None or not user.has_perm("calls.view_application", application):
        return None
    return application


# --- An application's answers and task list ------------------------------------------------------------


@dataclass
class AnswerRow:
    question: FormQuestion
    answer: Answer | None
    problem: str
    display: str = ""
    budget: list[tuple[str, str]] = field(default_factory=list)  # heading, amount as money ('£1,234.00') or as typed
    budget_total: Decimal | None = None
    words: int | None = None

    @property
    def answered(self) -> bool:
        return is_answered(self.question, self.answer.value if self.answer else None, bool(self.answer and self.answer.file))


def _display(question: FormQuestion, answer: Answer | None) -> str:
    if answer is None:
        return ""
    if question.kind == FormQuestion.Kind.FILE:
        return answer.original_name if answer.file else ""
    if question.kind == FormQuestion.Kind.MONEY:
        try:
            return gbp(parse_money(answer.value))
        except ValueError:
            return str(answer.value or "")
    if question.kind == FormQuestion.Kind.BUDGET:
        return ""
    return str(answer.value or "")


def _budget_amount(text: str) -> str:
    """A budget table amount as money (£24,490.00, like the total); as typed if it is not an amount; '' if blank."""
    if not (text or "").strip():
        return ""
    try:
        return gbp(parse_money(text))
    except ValueError:
        return text


def answer_row(question: FormQuestion, answer: Answer | None) -> AnswerRow:
    value = answer.value if answer else None
    has_file = bool(answer and answer.file)
    row = AnswerRow(
        question=question, answer=answer, problem=answer_problem(question, value, has_file), display=_display(question, answer)
    )
    if question.kind == FormQuestion.Kind.BUDGET:
        typed = value if isinstance(value, dict) else {}
        amounts = {h: typed.get(h, "") for h in question.budget_lines}
        row.budget = [(h, _budget_amount(text)) for h, text in amounts.items()]
        try:
            row.budget_total = budget_total(amounts)
        except ValueError:
            row.budget_total = None
    if question.kind in (FormQuestion.Kind.SHORT_TEXT, FormQuestion.Kind.LONG_TEXT):
        row.words = word_count(str(value or ""))
    return row


@dataclass
class SectionRows:
    section: FormSection
    rows: list[AnswerRow]

    @property
    def status(self) -> str:
        """GOV.UK task list statuses: not started, in progress, completed, or has problems."""
        if any(r.problem and r.answered for r in self.rows):
            return "problems"
        if not any(r.answered for r in self.rows):
            return "not_started" if any(r.problem for r in self.rows) else "completed"
        return "in_progress" if any(r.problem for r in self.rows) else "completed"


def section_rows(application: Application) -> list[SectionRows]:
    answers = {a.question_id: a for a in application.answers.all()}
    sections = application.call.sections.prefetch_related("questions")
    return [SectionRows(s, [answer_row(q, answers.get(q.pk)) for q in s.questions.all()]) for s in sections]


def eligibility_rows(application: Application) -> list[tuple]:
    """(question, answer given or '', passes?) for each eligibility question."""
    given = dict(application.eligibility_answers.values_list("question_id", "answer"))
    rows = []
    for question in application.call.eligibility_questions.all():
        answer = given.get(question.pk, "")
        rows.append((question, answer, bool(answer) and answer in question.passing_answers))
    return rows


STATUS_LABELS = {
    "not_started": "Not yet started",
    "in_progress": "In progress",
    "completed": "Completed",
    "problems": "There is a problem",
    "optional": "Optional",
}


@dataclass
class Task:
    label: str
    url: str
    status: str
    anchor: str

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]


def task_list(application: Application, sections: list[SectionRows] | None = None) -> list[Task]:
    sections = sections if sections is not None else section_rows(application)
    pk = application.pk
    details_status = "problems" if application.amount_requested > application.lot.amount else "completed"
    eligibility = eligibility_rows(application)
    answered = sum(1 for _, answer, _ in eligibility if answer)
    eligibility_status = "completed" if answered == len(eligibility) else ("in_progress" if answered else "not_started")
    tasks = [
        Task("Project and amount", reverse("calls:application-edit", args=[pk]), details_status, "task-details"),
    ]
    if eligibility:
        tasks.append(
            Task(
                "Eligibility questions",
                reverse("calls:application-eligibility", args=[pk]),
                eligibility_status,
                "task-eligibility",
            )
        )
    for rows in sections:
        tasks.append(
            Task(
                f"{rows.section.number}. {rows.section.title}",
                reverse("calls:application-section", args=[pk, rows.section.pk]),
                rows.status,
                f"task-section-{rows.section.number}",
            )
        )
    co_status = "completed" if application.co_applicants.exists() else "optional"
    tasks.append(
        Task("Co-applicants (optional)", reverse("calls:application-co-applicants", args=[pk]), co_status, "task-co-applicants")
    )
    return tasks
