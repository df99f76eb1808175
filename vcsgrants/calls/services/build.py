"""Building a call: its details, lots, eligibility questions, form and documents; then publishing it.

Writes only, keyword-only, each in one transaction and audited. Until a call opens everything may change;
from the moment it opens (published and past `opens_at`) every applicant must answer the same questions,
so the services refuse any change to the call, its lots, eligibility questions and form with a clear message
(`ensure_editable`). Documents may still be added while it is open (clarifications), never removed.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.text import capfirst

from vcsgrants.calls.models import Call, CallDocument, EligibilityQuestion, FormQuestion, FormSection, Lot
from vcsgrants.core import uploads
from vcsgrants.core.audit import record_event
from vcsgrants.core.concurrency import check_version, model_state
from vcsgrants.core.dates import moment_text
from vcsgrants.core.models import Area, User
from vcsgrants.funding.models import FundingStream, Programme

# Call references are used in addresses under /open-calls/: these words name other pages there.
RESERVED_REFERENCES = {"register", "documents", "apply"}
MAX_AGREEMENT_YEARS = 5


def _now(now: dt.datetime | None) -> dt.datetime:
    return now or timezone.now()


def ensure_editable(call: Call, now: dt.datetime | None = None) -> None:
    """Until it opens a call may change; from then on every applicant answers the same questions."""
    if call.has_opened(_now(now)):
        raise ValidationError(
            f"This call opened at {moment_text(call.opens_at)}, so its details, lots, eligibility questions and "
            "application form can no longer be changed: every applicant must answer the same questions."
        )


def _locked(call: Call) -> Call:
    return Call.objects.select_for_update().get(pk=call.pk)


def call_state(call: Call) -> dict[str, str]:
    """The call as its edit page shows it (core.concurrency)."""
    return model_state(call)


def part_state(part: Lot | EligibilityQuestion | FormSection | FormQuestion) -> dict[str, str]:
    """A lot, eligibility question, section or question as its edit page shows it (core.concurrency): the fields the
    page edits, lists (options, passing answers, cost headings) one per line as the page shows them. Not its number
    or call: a move is not overwritten by a save from the edit page."""
    lists = [f.name for f in part._meta.concrete_fields if f.get_internal_type() == "JSONField"]
    state = model_state(part, exclude=["call", "section", "number", *lists])
    for name in lists:
        state[str(capfirst(part._meta.get_field(name).verbose_name))] = "\n".join(getattr(part, name) or [])
    return state


def agreement_period(first_year: int, years: int) -> tuple[dt.date, dt.date]:
    """Whole financial years: 1 April of the first to 31 March after the last."""
    return dt.date(first_year, 4, 1), dt.date(first_year + years, 3, 31)


def _check_call(
    *,
    programme: Programme,
    title: str,
    reference: str,
    description: str,
    stream: FundingStream,
    opens_at: dt.datetime,
    closes_at: dt.datetime,
    agreement_start: dt.date,
    agreement_end: dt.date,
    call: Call | None = None,
) -> None:
    errors: dict[str, str] = {}
    if not title.strip():
        errors["title"] = "Enter a title."
    if not description.strip():
        errors["description"] = "Describe what the call funds and who may apply."
    if reference in RESERVED_REFERENCES:
        errors["reference"] = f"“{reference}” names another page: choose another reference."
    elif Call.objects.filter(reference=reference).exclude(pk=getattr(call, "pk", None)).exists():
        errors["reference"] = f"Another call already has the reference “{reference}”."
    if stream.programme_id != programme.pk:
        errors["stream"] = f"Choose one of {programme}'s funding streams."
    if closes_at <= opens_at:
        errors["closes_at"] = "The call must close after it opens."
    if (agreement_start.month, agreement_start.day) != (4, 1) or (agreement_end.month, agreement_end.day) != (3, 31):
        errors["agreement_years"] = "Agreements run for whole financial years, 1 April to 31 March."
    elif agreement_end <= agreement_start:
        errors["agreement_years"] = "The agreements must end after they start."
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def call_create(
    *,
    programme: Programme,
    title: str,
    reference: str,
    description: str,
    stream: FundingStream,
    opens_at: dt.datetime,
    closes_at: dt.datetime,
    agreement_start: dt.date,
    agreement_end: dt.date,
    actor: User,
    is_demo: bool = False,
) -> Call:
    values = {
        "title": title.strip(),
        "reference": reference,
        "description": description.strip(),
        "stream": stream,
        "opens_at": opens_at,
        "closes_at": closes_at,
        "agreement_start": agreement_start,
        "agreement_end": agreement_end,
    }
    _check_call(programme=programme, **values)
    call = Call.objects.create(programme=programme, created_by=actor, is_demo=is_demo, **values)
    record_event(actor=actor, verb="call.created", obj=call, summary=f"Created the call “{call}” ({call.reference})")
    return call


@transaction.atomic
def call_update(
    *,
    call: Call,
    title: str,
    reference: str,
    description: str,
    stream: FundingStream,
    opens_at: dt.datetime,
    closes_at: dt.datetime,
    agreement_start: dt.date,
    agreement_end: dt.date,
    actor: User,
    now: dt.datetime | None = None,
    version: str | None = None,
) -> Call:
    """Change a call's details; refused (`version`, core.concurrency) if the call changed since its page was opened."""
    call = _locked(call)
    check_version(version, call_state(call), records=[call])
    ensure_editable(call, now)
    values = {
        "title": title.strip(),
        "reference": reference,
        "description": description.strip(),
        "stream": stream,
        "opens_at": opens_at,
        "closes_at": closes_at,
        "agreement_start": agreement_start,
        "agreement_end": agreement_end,
    }
    _check_call(programme=call.programme, call=call, **values)
    for name, value in values.items():
        setattr(call, name, value)
    call.save()
    record_event(actor=actor, verb="call.updated", obj=call, summary=f"Edited the call “{call}”")
    return call


def publish_problems(call: Call, now: dt.datetime | None = None) -> list[str]:
    """What stops the call being published, in words an officer can act on."""
    problems = []
    if not call.lots.exists():
        problems.append("Add at least one lot, with the money available each year.")
    if not FormQuestion.objects.filter(section__call=call).exists():
        problems.append("Add at least one section with a question to the application form.")
    for section in call.sections.filter(questions__isnull=True):
        problems.append(f"Section {section.number} ({section.title}) has no questions: add one or delete the section.")
    if call.closes_at <= _now(now):
        problems.append(f"The closing time, {moment_text(call.closes_at)}, has passed: change it first.")
    return problems


@transaction.atomic
def call_publish(*, call: Call, actor: User, now: dt.datetime | None = None) -> Call:
    call = _locked(call)
    if call.published_at is not None:
        raise ValidationError("This call is already published.")
    problems = publish_problems(call, now)
    if problems:
        raise ValidationError(problems)
    call.published_at = _now(now)
    call.save(update_fields=["published_at"])
    record_event(
        actor=actor,
        verb="call.published",
        obj=call,
        summary=f"Published the call “{call}”: open from {moment_text(call.opens_at)} to {moment_text(call.closes_at)}",
    )
    return call


@transaction.atomic
def call_unpublish(*, call: Call, actor: User, now: dt.datetime | None = None) -> Call:
    """Take a published call back to draft, only before it opens."""
    call = _locked(call)
    ensure_editable(call, now)
    if call.published_at is None:
        raise ValidationError("This call is not published.")
    call.published_at = None
    call.save(update_fields=["published_at"])
    record_event(actor=actor, verb="call.unpublished", obj=call, summary=f"Took the call “{call}” back to draft")
    return call


# --- Numbering (lots, questions, sections are numbered from 1 without gaps) ------------------------


def _next_number(queryset) -> int:
    return (queryset.aggregate(n=Max("number"))["n"] or 0) + 1


def _renumber(queryset) -> None:
    """Close the gap a deletion leaves, in two passes so the unique (parent, number) constraint holds."""
    items = list(queryset.order_by("number"))
    offset = 1000
    for item in items:
        item.number += offset
        item.save(update_fields=["number"])
    for position, item in enumerate(items, start=1):
        item.number = position
        item.save(update_fields=["number"])


def _swap(item, queryset, direction: str, what: str) -> int:
    """Swap an item with its neighbour up or down; returns its new number."""
    if direction not in ("up", "down"):
        raise ValidationError(f"Move a {what} up or down.")
    neighbour_number = item.number - 1 if direction == "up" else item.number + 1
    neighbour = queryset.filter(number=neighbour_number).first()
    if neighbour is None:
        raise ValidationError(f"{what.capitalize()} {item.number} is already {'first' if direction == 'up' else 'last'}.")
    old = item.number
    item.number = 0
    item.save(update_fields=["number"])
    neighbour.number = old
    neighbour.save(update_fields=["number"])
    item.number = neighbour_number
    item.save(update_fields=["number"])
    return neighbour_number


def _clean_lines(lines: list[str]) -> list[str]:
    seen: list[str] = []
    for line in (line.strip() for line in lines):
        if line and line not in seen:
            seen.append(line)
    return seen


# --- Lots --------------------------------------------------------------------------------------------


def _check_lot(*, name: str, amount: Decimal) -> None:
    errors = {}
    if not name.strip():
        errors["name"] = "Enter the lot's name, for example the area it covers."
    if amount is None or amount <= 0:
        errors["amount"] = "Enter the money available each year, more than £0."
    elif amount != amount.quantize(Decimal("0.01")):
        errors["amount"] = "Enter the money in pounds and pence, for example 40000.00."
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def lot_add(*, call: Call, name: str, area: Area, amount: Decimal, actor: User, now: dt.datetime | None = None) -> Lot:
    call = _locked(call)
    ensure_editable(call, now)
    _check_lot(name=name, amount=amount)
    lot = Lot.objects.create(call=call, number=_next_number(call.lots), name=name.strip(), area=area, amount=amount)
    record_event(actor=actor, verb="call.lot_added", obj=call, summary=f"“{call}”: added {lot} (£{amount:,.2f} a year)")
    return lot


@transaction.atomic
def lot_update(
    *, lot: Lot, name: str, area: Area, amount: Decimal, actor: User, now: dt.datetime | None = None, version: str | None = None
) -> Lot:
    """Change a lot; refused (`version`, core.concurrency) if it changed since its edit page was opened."""
    call = _locked(lot.call)
    lot = Lot.objects.select_for_update().get(pk=lot.pk)
    check_version(version, part_state(lot), records=[call])
    ensure_editable(call, now)
    _check_lot(name=name, amount=amount)
    lot.name, lot.area, lot.amount = name.strip(), area, amount
    lot.save()
    record_event(actor=actor, verb="call.lot_updated", obj=call, summary=f"“{call}”: edited {lot} (£{amount:,.2f} a year)")
    return lot


@transaction.atomic
def lot_delete(*, lot: Lot, actor: User, now: dt.datetime | None = None) -> None:
    call = _locked(lot.call)
    ensure_editable(call, now)
    if lot.applications.exists():
        raise ValidationError(f"{lot} has applications, so it cannot be deleted.")
    label = str(lot)
    lot.delete()
    _renumber(call.lots.all())
    record_event(actor=actor, verb="call.lot_deleted", obj=call, summary=f"“{call}”: deleted {label}")


# --- Eligibility questions ------------------------------------------------------------------------------


def _eligibility_values(*, text: str, hint: str, kind: str, options: list[str], passing_answers: list[str], failure_reason: str):
    options = _clean_lines(options) if kind == EligibilityQuestion.Kind.CHOICE else []
    passing = _clean_lines(passing_answers)
    choices = ["Yes", "No"] if kind == EligibilityQuestion.Kind.YES_NO else options
    errors = {}
    if not text.strip():
        errors["text"] = "Enter the question."
    if kind not in EligibilityQuestion.Kind.values:
        errors["kind"] = "Choose yes or no, or a choice."
    elif kind == EligibilityQuestion.Kind.CHOICE and len(options) < 2:
        errors["options"] = "Give at least two options, one on each line."
    if not passing:
        errors["passing_answers"] = "Say which answers pass."
    elif choices and (unknown := [p for p in passing if p not in choices]):
        errors["passing_answers"] = f"“{unknown[0]}” is not one of the question's answers ({', '.join(choices)})."
    elif choices and len(passing) == len(choices):
        errors["passing_answers"] = "Every answer passes, so the question rules nobody out: leave at least one failing answer."
    if not failure_reason.strip():
        errors["failure_reason"] = "Say why a failing answer makes an application ineligible; the officer sees this."
    if errors:
        raise ValidationError(errors)
    return {
        "text": text.strip(),
        "hint": hint.strip(),
        "kind": kind,
        "options": options,
        "passing_answers": passing,
        "failure_reason": failure_reason.strip(),
    }


@transaction.atomic
def eligibility_add(*, call: Call, actor: User, now: dt.datetime | None = None, **fields) -> EligibilityQuestion:
    call = _locked(call)
    ensure_editable(call, now)
    values = _eligibility_values(**fields)
    question = EligibilityQuestion.objects.create(call=call, number=_next_number(call.eligibility_questions), **values)
    record_event(actor=actor, verb="call.eligibility_added", obj=call, summary=f"“{call}”: added eligibility question {question}")
    return question


@transaction.atomic
def eligibility_update(
    *, question: EligibilityQuestion, actor: User, now: dt.datetime | None = None, version: str | None = None, **fields
):
    """Change an eligibility question; refused (`version`, core.concurrency) if it changed since its page was opened."""
    call = _locked(question.call)
    question = EligibilityQuestion.objects.select_for_update().get(pk=question.pk)
    check_version(version, part_state(question), records=[call])
    ensure_editable(call, now)
    for name, value in _eligibility_values(**fields).items():
        setattr(question, name, value)
    question.save()
    record_event(
        actor=actor, verb="call.eligibility_updated", obj=call, summary=f"“{call}”: edited eligibility question {question}"
    )
    return question


@transaction.atomic
def eligibility_delete(*, question: EligibilityQuestion, actor: User, now: dt.datetime | None = None) -> None:
    call = _locked(question.call)
    ensure_editable(call, now)
    if question.answers.exists():
        raise ValidationError("Applicants have answered this question, so it cannot be deleted.")
    label = str(question)
    question.delete()
    _renumber(call.eligibility_questions.all())
    record_event(
        actor=actor, verb="call.eligibility_deleted", obj=call, summary=f"“{call}”: deleted eligibility question {label}"
    )


# --- Form sections ------------------------------------------------------------------------------------------


@transaction.atomic
def section_add(*, call: Call, title: str, intro: str = "", actor: User, now: dt.datetime | None = None) -> FormSection:
    call = _locked(call)
    ensure_editable(call, now)
    if not title.strip():
        raise ValidationError({"title": "Enter the section's title."})
    section = FormSection.objects.create(call=call, number=_next_number(call.sections), title=title.strip(), intro=intro.strip())
    record_event(actor=actor, verb="call.section_added", obj=call, summary=f"“{call}”: added section {section}")
    return section


@transaction.atomic
def section_update(
    *, section: FormSection, title: str, intro: str = "", actor: User, now: dt.datetime | None = None, version: str | None = None
):
    """Change a section's title and introduction; refused (`version`, core.concurrency) if they changed since its page
    was opened."""
    call = _locked(section.call)
    section = FormSection.objects.select_for_update().get(pk=section.pk)
    check_version(version, part_state(section), records=[call])
    ensure_editable(call, now)
    if not title.strip():
        raise ValidationError({"title": "Enter the section's title."})
    section.title, section.intro = title.strip(), intro.strip()
    section.save()
    record_event(actor=actor, verb="call.section_updated", obj=call, summary=f"“{call}”: edited section {section}")
    return section


@transaction.atomic
def section_delete(*, section: FormSection, actor: User, now: dt.datetime | None = None) -> None:
    call = _locked(section.call)
    ensure_editable(call, now)
    if FormQuestion.objects.filter(section=section, answers__isnull=False).exists():
        raise ValidationError("Applicants have answered this section's questions, so it cannot be deleted.")
    label = str(section)
    section.delete()  # its questions go with it
    _renumber(call.sections.all())
    record_event(
        actor=actor, verb="call.section_deleted", obj=call, summary=f"“{call}”: deleted section {label} and its questions"
    )


@transaction.atomic
def section_move(*, section: FormSection, direction: str, actor: User, now: dt.datetime | None = None) -> FormSection:
    call = _locked(section.call)
    ensure_editable(call, now)
    section = FormSection.objects.get(pk=section.pk)
    old = section.number
    new = _swap(section, call.sections.all(), direction, "section")
    record_event(actor=actor, verb="call.section_moved", obj=call, summary=f"“{call}”: moved section {old} to {new}")
    return section


# --- Form questions ------------------------------------------------------------------------------------------

TEXT_KINDS = {FormQuestion.Kind.SHORT_TEXT, FormQuestion.Kind.LONG_TEXT}


def _question_values(
    *,
    text: str,
    hint: str,
    kind: str,
    required: bool,
    word_limit: int | None,
    options: list[str],
    budget_lines: list[str],
) -> dict:
    errors = {}
    if not text.strip():
        errors["text"] = "Enter the question."
    if kind not in FormQuestion.Kind.values:
        errors["kind"] = "Choose the kind of question."
    options = _clean_lines(options) if kind == FormQuestion.Kind.CHOICE else []
    budget_lines = _clean_lines(budget_lines) if kind == FormQuestion.Kind.BUDGET else []
    if kind == FormQuestion.Kind.CHOICE and len(options) < 2:
        errors["options"] = "Give at least two options, one on each line."
    if kind == FormQuestion.Kind.BUDGET and not budget_lines:
        errors["budget_lines"] = "Give the budget's cost headings, one on each line, for example Staff and Premises."
    if kind not in TEXT_KINDS:
        word_limit = None
    elif word_limit is not None and word_limit < 1:
        errors["word_limit"] = "Enter a word limit of at least 1, or leave it blank for none."
    if errors:
        raise ValidationError(errors)
    return {
        "text": text.strip(),
        "hint": hint.strip(),
        "kind": kind,
        "required": required,
        "word_limit": word_limit,
        "options": options,
        "budget_lines": budget_lines,
    }


@transaction.atomic
def question_add(*, section: FormSection, actor: User, now: dt.datetime | None = None, **fields) -> FormQuestion:
    call = _locked(section.call)
    ensure_editable(call, now)
    values = _question_values(**fields)
    question = FormQuestion.objects.create(section=section, number=_next_number(section.questions), **values)
    record_event(actor=actor, verb="call.question_added", obj=call, summary=f"“{call}”: added question {question}")
    return question


@transaction.atomic
def question_update(
    *, question: FormQuestion, actor: User, now: dt.datetime | None = None, version: str | None = None, **fields
) -> FormQuestion:
    """Change a question; refused (`version`, core.concurrency) if it changed since its edit page was opened."""
    call = _locked(question.section.call)
    question = FormQuestion.objects.select_for_update().select_related("section").get(pk=question.pk)
    check_version(version, part_state(question), records=[call])
    ensure_editable(call, now)
    values = _question_values(**fields)
    if values["kind"] != question.kind and question.answers.exists():
        raise ValidationError({"kind": "Applicants have answered this question, so its kind cannot change."})
    for name, value in values.items():
        setattr(question, name, value)
    question.save()
    record_event(actor=actor, verb="call.question_updated", obj=call, summary=f"“{call}”: edited question {question}")
    return question


@transaction.atomic
def question_delete(*, question: FormQuestion, actor: User, now: dt.datetime | None = None) -> None:
    section = question.section
    call = _locked(section.call)
    ensure_editable(call, now)
    if question.answers.exists():
        raise ValidationError("Applicants have answered this question, so it cannot be deleted.")
    label = str(question)
    question.delete()
    _renumber(section.questions.all())
    record_event(actor=actor, verb="call.question_deleted", obj=call, summary=f"“{call}”: deleted question {label}")


@transaction.atomic
def question_move(*, question: FormQuestion, direction: str, actor: User, now: dt.datetime | None = None) -> FormQuestion:
    section = question.section
    call = _locked(section.call)
    ensure_editable(call, now)
    question = FormQuestion.objects.get(pk=question.pk)
    old = question.number
    new = _swap(question, section.questions.all(), direction, "question")
    record_event(
        actor=actor,
        verb="call.question_moved",
        obj=call,
        summary=f"“{call}”: moved question {old} of section {section.number} to {new}",
    )
    return question


# --- Documents ------------------------------------------------------------------------------------------------


@transaction.atomic
def document_add(*, call: Call, title: str, upload, actor: User, now: dt.datetime | None = None) -> CallDocument:
    """Documents may be added until the call closes (guidance, clarifications); they are public once it is published."""
    call = _locked(call)
    if call.is_closed(_now(now)):
        raise ValidationError(f"This call closed at {moment_text(call.closes_at)}, so no more documents can be added.")
    uploads.check_upload(upload)
    document = CallDocument(
        call=call,
        title=title.strip() or upload.name,
        original_name=upload.name,
        content_type=uploads.content_type_of(upload),
        size=upload.size,
        uploaded_by=actor,
    )
    document.file.save(upload.name, upload, save=False)
    document.save()
    record_event(actor=actor, verb="call.document_added", obj=call, summary=f"“{call}”: uploaded {document.title}")
    return document


@transaction.atomic
def document_delete(*, document: CallDocument, actor: User, now: dt.datetime | None = None) -> None:
    call = _locked(document.call)
    ensure_editable(call, now)
    title = document.title
    document.file.delete(save=False)
    document.delete()
    record_event(actor=actor, verb="call.document_deleted", obj=call, summary=f"“{call}”: deleted the document {title}")
