"""Registering to apply, and applying: writes only, keyword-only, each in one transaction and audited.

A draft is never lost: `section_save` stores exactly what was typed, even when it is wrong, and reports the
problems; only `application_submit` refuses while anything is missing or wrong, or after the deadline. Once
submitted (or withdrawn) an application is read-only. Money is parsed exactly (Decimal; "£" and commas allowed).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from vcsgrants.calls import eligibility
from vcsgrants.calls.emails import notify_submission_receipt
from vcsgrants.calls.models import (
    Answer,
    ApplicantProfile,
    Application,
    Call,
    CoApplicant,
    EligibilityAnswer,
    FormQuestion,
    FormSection,
    Lot,
)
from vcsgrants.core import uploads
from vcsgrants.core.audit import record_event
from vcsgrants.core.concurrency import check_version
from vcsgrants.core.dates import moment_text
from vcsgrants.core.models import Organisation, Role, User, org_id_validator
from vcsgrants.core.services import unique_organisation_slug

PENNY = Decimal("0.01")
MONEY_PATTERN = re.compile(r"^-?\d+(\.\d{1,2})?$")
NUMBER_PATTERN = re.compile(r"^-?\d+(\.\d+)?$")


def _now(now: dt.datetime | None) -> dt.datetime:
    return now or timezone.now()


# --- Parsing and checking answers (pure) ---------------------------------------------------------------------


def parse_money(text: str) -> Decimal:
    """'£1,234.5' → Decimal('1234.50'); raises ValueError with a message a person can act on."""
    cleaned = (text or "").strip().replace("£", "").replace(",", "").replace(" ", "")
    if not MONEY_PATTERN.match(cleaned):
        raise ValueError("Enter an amount in pounds, like 1,250 or £1,250.50")
    amount = Decimal(cleaned).quantize(PENNY)
    if amount < 0:
        raise ValueError("Enter an amount of £0 or more")
    return amount


def parse_number(text: str) -> Decimal:
    cleaned = (text or "").strip().replace(",", "")
    if not NUMBER_PATTERN.match(cleaned):
        raise ValueError("Enter a number, like 12 or 3.5")
    try:
        return Decimal(cleaned)
    except InvalidOperation as exc:  # pragma: no cover - the pattern admits only valid decimals
        raise ValueError("Enter a number, like 12 or 3.5") from exc


def word_count(text: str) -> int:
    return len((text or "").split())


def budget_total(amounts: dict[str, str]) -> Decimal:
    """The exact total of a budget table's amounts; blank headings count as £0. Raises ValueError on a bad amount."""
    total = Decimal("0.00")
    for heading, text in amounts.items():
        if (text or "").strip():
            try:
                total += parse_money(text)
            except ValueError as exc:
                raise ValueError(f"{heading}: {exc}") from exc
    return total.quantize(PENNY)


def is_answered(question: FormQuestion, value, has_file: bool) -> bool:
    if question.kind == FormQuestion.Kind.FILE:
        return has_file
    if question.kind == FormQuestion.Kind.BUDGET:
        return isinstance(value, dict) and any((v or "").strip() for v in value.values())
    return bool(str(value or "").strip())


def answer_problem(question: FormQuestion, value, has_file: bool = False) -> str:
    """What is wrong with an answer ('' when nothing): missing when required, or not valid for its kind."""
    kind = question.kind
    if not is_answered(question, value, has_file):
        if not question.required:
            return ""
        return {
            FormQuestion.Kind.FILE: "Upload a file",
            FormQuestion.Kind.CHOICE: "Choose an answer",
            FormQuestion.Kind.YES_NO: "Answer yes or no",
            FormQuestion.Kind.BUDGET: "Enter the budget's amounts",
        }.get(kind, "Answer this question")
    if kind in (FormQuestion.Kind.SHORT_TEXT, FormQuestion.Kind.LONG_TEXT):
        words = word_count(value)
        if question.word_limit and words > question.word_limit:
            return f"Use {question.word_limit:,} words or fewer (you have {words:,})"
    elif kind == FormQuestion.Kind.NUMBER:
        try:
            parse_number(value)
        except ValueError as exc:
            return str(exc)
    elif kind == FormQuestion.Kind.MONEY:
        try:
            parse_money(value)
        except ValueError as exc:
            return str(exc)
    elif kind == FormQuestion.Kind.CHOICE:
        if value not in question.options:
            return "Choose one of the options"
    elif kind == FormQuestion.Kind.YES_NO:
        if value not in ("Yes", "No"):
            return "Answer yes or no"
    elif kind == FormQuestion.Kind.BUDGET:
        amounts = {h: (value or {}).get(h, "") for h in question.budget_lines}
        try:
            budget_total(amounts)
        except ValueError as exc:
            return str(exc)
        if question.required and (missing := [h for h, v in amounts.items() if not (v or "").strip()]):
            return f"Enter an amount for {missing[0]} (enter 0 if none)"
    return ""


# --- Registration -------------------------------------------------------------------------------------------------


ALREADY_REGISTERED = (
    "is already registered. If you work there, ask a colleague who has an account to contact the council "
    "to add you; otherwise contact the council's grants team."
)


@transaction.atomic
def register_organisation(
    *,
    name: str,
    org_id: str,
    charity_number: str = "",
    company_number: str = "",
    contact_name: str,
    contact_email: str,
    contact_phone: str = "",
    address: str = "",
    postcode: str = "",
    username: str,
    email: str,
    password: str,
) -> User:
    """An applicant organisation with its profile and first user (role applicant), in one go; returns the user."""
    name, org_id, username = name.strip(), org_id.strip().upper(), username.strip()
    errors: dict[str, list[str]] = {}

    def problem(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    if not name:
        problem("name", "Enter your organisation's name.")
    elif Organisation.objects.filter(name__iexact=name).exists():
        problem("name", f"“{name}” {ALREADY_REGISTERED}")
    if not org_id:
        problem("org_id", "Enter your organisation's Org-ID, for example GB-CHC-1234567.")
    else:
        try:
            org_id_validator(org_id)
        except ValidationError as exc:
            problem("org_id", exc.messages[0])
        else:
            if Organisation.objects.filter(org_id__iexact=org_id).exists():
                problem("org_id", f"An organisation with the Org-ID {org_id} {ALREADY_REGISTERED}")
    if not contact_name.strip():
        problem("contact_name", "Enter the name of the person we should contact.")
    if not contact_email.strip():
        problem("contact_email", "Enter the contact's e-mail address.")
    if not username:
        problem("username", "Choose a username.")
    elif User.objects.filter(username__iexact=username).exists():
        problem("username", f"The username “{username}” is taken: choose another.")
    if not email.strip():
        problem("email", "Enter your e-mail address.")
    candidate = User(username=username, email=email.strip())
    try:
        validate_password(password, user=candidate)
    except ValidationError as exc:
        for message in exc.messages:
            problem("password", message)
    if errors:
        raise ValidationError(errors)
    organisation = Organisation.objects.create(
        name=name,
        slug=unique_organisation_slug(name),
        kind=Organisation.Kind.APPLICANT,
        org_id=org_id,
        charity_number=charity_number.strip(),
        company_number=company_number.strip(),
    )
    ApplicantProfile.objects.create(
        organisation=organisation,
        contact_name=contact_name.strip(),
        contact_email=contact_email.strip(),
        contact_phone=contact_phone.strip(),
        address=address.strip(),
        postcode=postcode.strip().upper(),
    )
    user = User.objects.create_user(username=username, email=email.strip(), password=password, organisation=organisation)
    user.groups.add(Group.objects.get_or_create(name=Role.APPLICANT.value)[0])
    record_event(
        actor=user,
        verb="applicant.registered",
        obj=organisation,
        summary=f"{organisation} ({org_id}) registered to apply for funding; first user {username}",
    )
    return user


# --- Applications -------------------------------------------------------------------------------------------------


def deadline_text(call: Call) -> str:
    return f"by {moment_text(call.closes_at)} (UK time)"


def _ensure_open(call: Call, now: dt.datetime, doing: str) -> None:
    if not call.is_open(now):
        if call.is_closed(now):
            raise ValidationError(
                f"The deadline for this call was {moment_text(call.closes_at)} (UK time), so you can no longer {doing}."
            )
        raise ValidationError(f"This call is not open yet, so you cannot {doing}.")


def ensure_editable(application: Application, now: dt.datetime | None = None) -> None:
    """Only a draft, before the deadline, may change."""
    if application.status != Application.Status.DRAFT:
        raise ValidationError(
            f"This application has been {application.get_status_display().lower()}, so it can no longer be changed."
        )
    _ensure_open(application.call, _now(now), "change this application")


def _locked(application: Application) -> Application:
    return Application.objects.select_for_update().select_related("call", "lot", "organisation").get(pk=application.pk)


def _check_amount(lot: Lot, amount: Decimal | None) -> None:
    if amount is None or amount <= 0:
        raise ValidationError({"amount_requested": "Enter the amount you are asking for each year, more than £0."})
    if amount != amount.quantize(PENNY):
        raise ValidationError({"amount_requested": "Enter the amount in pounds and pence, for example 25000.00."})
    if amount > lot.amount:
        raise ValidationError(
            {"amount_requested": f"{lot} has £{lot.amount:,.2f} a year: ask for that or less (you asked for £{amount:,.2f})."}
        )


def _next_reference(call: Call) -> str:
    number = call.applications.count() + 1
    reference = f"{call.reference.upper()}-{number:03d}"
    while Application.objects.filter(reference=reference).exists():
        number += 1
        reference = f"{call.reference.upper()}-{number:03d}"
    return reference


@transaction.atomic
def application_start(
    *, call: Call, lot: Lot, project_title: str, amount_requested: Decimal, actor: User, now: dt.datetime | None = None
) -> Application:
    call = Call.objects.select_for_update().get(pk=call.pk)
    _ensure_open(call, _now(now), "start an application")
    if actor.organisation_id is None:
        raise ValidationError("Your account has no organisation, so it cannot apply. Contact the council.")
    if lot.call_id != call.pk:
        raise ValidationError({"lot": "Choose one of this call's lots."})
    if not project_title.strip():
        raise ValidationError({"project_title": "Enter your project's title."})
    _check_amount(lot, amount_requested)
    existing = Application.objects.filter(lot=lot, organisation_id=actor.organisation_id).exclude(
        status=Application.Status.WITHDRAWN
    )
    if existing.exists():
        raise ValidationError(
            {
                "lot": f"Your organisation already has an application for {lot} ({existing.first().reference}): "
                "carry on with that one."
            }
        )
    application = Application.objects.create(
        call=call,
        lot=lot,
        organisation_id=actor.organisation_id,
        reference=_next_reference(call),
        project_title=project_title.strip(),
        amount_requested=amount_requested,
        created_by=actor,
    )
    record_event(
        actor=actor,
        verb="application.started",
        obj=application,
        summary=f"{application.reference}: {application.organisation} started an application for {lot} of “{call}”",
    )
    return application


def application_details_state(application: Application) -> dict[str, str]:
    """The application's project and amount as their page shows them (core.concurrency)."""
    return {"Project title": application.project_title, "Amount asked for each year": f"£{application.amount_requested:,.2f}"}


@transaction.atomic
def application_update_details(
    *,
    application: Application,
    project_title: str,
    amount_requested: Decimal,
    actor: User,
    now: dt.datetime | None = None,
    version: str | None = None,
) -> Application:
    """Change the project's title and the amount asked for; refused (`version`, core.concurrency) if a colleague
    changed them since the page was opened."""
    application = _locked(application)
    check_version(version, application_details_state(application), records=[application])
    ensure_editable(application, now)
    if not project_title.strip():
        raise ValidationError({"project_title": "Enter your project's title."})
    _check_amount(application.lot, amount_requested)
    application.project_title, application.amount_requested = project_title.strip(), amount_requested
    application.save(update_fields=["project_title", "amount_requested", "updated_at"])
    record_event(
        actor=actor,
        verb="application.details_saved",
        obj=application,
        summary=f"{application.reference}: saved the project details",
    )
    return application


@transaction.atomic
def eligibility_save(*, application: Application, answers: dict[int, str], actor: User, now: dt.datetime | None = None) -> None:
    """Store the eligibility answers given (by question pk); a blank answer clears one. Checked at submission."""
    application = _locked(application)
    ensure_editable(application, now)
    for question in application.call.eligibility_questions.all():
        answer = (answers.get(question.pk) or "").strip()
        if answer and answer not in question.choices:
            raise ValidationError({f"e{question.pk}": f"Choose one of: {', '.join(question.choices)}."})
        if answer:
            EligibilityAnswer.objects.update_or_create(application=application, question=question, defaults={"answer": answer})
        else:
            EligibilityAnswer.objects.filter(application=application, question=question).delete()
    application.save(update_fields=["updated_at"])
    record_event(
        actor=actor,
        verb="application.eligibility_saved",
        obj=application,
        summary=f"{application.reference}: saved the eligibility answers",
    )


@dataclass
class SectionSaved:
    problems: dict[int, str]  # question pk → what is wrong, for the page to show (the draft is saved regardless)


@transaction.atomic
def section_save(
    *,
    application: Application,
    section: FormSection,
    values: dict[int, object],
    files: dict[int, object] | None = None,
    remove_files: set[int] | None = None,
    actor: User,
    now: dt.datetime | None = None,
) -> SectionSaved:
    """Save what was typed for a section's questions, right or wrong, and say what is wrong.

    `values` maps question pk → the text typed (for a budget table, heading → text); `files` maps question pk → an
    uploaded file, which is stored only if it passes the upload checks (otherwise the problem says why).
    """
    application = _locked(application)
    ensure_editable(application, now)
    if section.call_id != application.call_id:
        raise ValidationError("That section belongs to another call.")
    files, remove_files = files or {}, remove_files or set()
    upload_problems: dict[int, str] = {}
    for question in section.questions.all():
        answer = Answer.objects.filter(application=application, question=question).first() or Answer(
            application=application, question=question
        )
        if question.kind == FormQuestion.Kind.FILE:
            upload = files.get(question.pk)
            if upload is not None:
                try:
                    uploads.check_upload(upload, field=str(question.pk))
                except ValidationError as exc:
                    upload_problems[question.pk] = exc.message_dict[str(question.pk)][0]
                else:
                    if answer.file:
                        answer.file.delete(save=False)
                    answer.original_name = upload.name
                    answer.content_type = uploads.content_type_of(upload)
                    answer.size = upload.size
                    answer.file.save(upload.name, upload, save=False)
            elif question.pk in remove_files and answer.file:
                answer.file.delete(save=False)
                answer.original_name, answer.content_type, answer.size = "", "", 0
            if answer.file or answer.pk:
                answer.save()
            continue
        if question.pk not in values:
            continue
        value = values[question.pk]
        if question.kind == FormQuestion.Kind.BUDGET:
            typed = value if isinstance(value, dict) else {}
            value = {h: str(typed.get(h, "") or "").strip() for h in question.budget_lines}
        else:
            value = str(value or "")
            value = value.strip() if question.kind != FormQuestion.Kind.LONG_TEXT else value.strip().replace("\r\n", "\n")
        answer.value = value
        answer.save()
    application.save(update_fields=["updated_at"])
    record_event(
        actor=actor,
        verb="application.section_saved",
        obj=application,
        summary=f"{application.reference}: saved section {section}",
    )
    answers = {a.question_id: a for a in application.answers.filter(question__section=section)}
    problems = {}
    for question in section.questions.all():
        answer = answers.get(question.pk)
        message = upload_problems.get(question.pk) or answer_problem(
            question, answer.value if answer else None, bool(answer and answer.file)
        )
        if message:
            problems[question.pk] = message
    return SectionSaved(problems=problems)


@transaction.atomic
def co_applicant_add(
    *, application: Application, name: str, org_id: str = "", role: str = "", actor: User, now: dt.datetime | None = None
) -> CoApplicant:
    application = _locked(application)
    ensure_editable(application, now)
    name, org_id = name.strip(), org_id.strip().upper()
    errors = {}
    if not name:
        errors["name"] = "Enter the organisation's name."
    elif application.co_applicants.filter(name__iexact=name).exists():
        errors["name"] = f"{name} is already a co-applicant."
    if org_id:
        try:
            org_id_validator(org_id)
        except ValidationError as exc:
            errors["org_id"] = exc.messages[0]
    if errors:
        raise ValidationError(errors)
    co_applicant = CoApplicant.objects.create(application=application, name=name, org_id=org_id, role=role.strip())
    record_event(
        actor=actor,
        verb="application.co_applicant_added",
        obj=application,
        summary=f"{application.reference}: added co-applicant {name}",
    )
    return co_applicant


@transaction.atomic
def co_applicant_remove(*, co_applicant: CoApplicant, actor: User, now: dt.datetime | None = None) -> None:
    application = _locked(co_applicant.application)
    ensure_editable(application, now)
    name = co_applicant.name
    co_applicant.delete()
    record_event(
        actor=actor,
        verb="application.co_applicant_removed",
        obj=application,
        summary=f"{application.reference}: removed co-applicant {name}",
    )


@dataclass(frozen=True)
class Problem:
    where: str  # the task: "Eligibility", "2. Your project", "Project and amount"
    question: str
    message: str
    url: str  # the page (and field) to fix it on


def application_problems(application: Application) -> list[Problem]:
    """Everything missing or wrong that blocks submission, in the order of the task list."""
    problems: list[Problem] = []
    lot = application.lot
    if application.amount_requested > lot.amount:
        problems.append(
            Problem(
                "Project and amount",
                "Amount requested each year",
                f"{lot} has £{lot.amount:,.2f} a year: ask for that or less",
                reverse("calls:application-edit", args=[application.pk]) + "#id_amount_requested",
            )
        )
    given = dict(application.eligibility_answers.values_list("question_id", "answer"))
    for question in application.call.eligibility_questions.all():
        if not given.get(question.pk):
            problems.append(
                Problem(
                    "Eligibility",
                    f"{question.number}. {question.text}",
                    "Answer this question",
                    reverse("calls:application-eligibility", args=[application.pk]) + f"#id_e{question.pk}_0",
                )
            )
    answers = {a.question_id: a for a in application.answers.all()}
    for section in application.call.sections.prefetch_related("questions"):
        for question in section.questions.all():
            answer = answers.get(question.pk)
            message = answer_problem(question, answer.value if answer else None, bool(answer and answer.file))
            if message:
                problems.append(
                    Problem(
                        f"{section.number}. {section.title}",
                        f"{question.number}. {question.text}",
                        message,
                        reverse("calls:application-section", args=[application.pk, section.pk]) + f"#q{question.pk}",
                    )
                )
    return problems


def _eligibility_result(application: Application) -> eligibility.Result:
    questions = list(application.call.eligibility_questions.all())
    given = dict(application.eligibility_answers.values_list("question_id", "answer"))
    rules = [eligibility.Rule(q.number, q.text, tuple(q.passing_answers), q.failure_reason) for q in questions]
    return eligibility.check(rules, {q.number: given.get(q.pk, "") for q in questions})


@transaction.atomic
def application_submit(*, application: Application, actor: User, now: dt.datetime | None = None) -> Application:
    now = _now(now)
    application = _locked(application)
    if application.status != Application.Status.DRAFT:
        raise ValidationError(f"This application has already been {application.get_status_display().lower()}.")
    call = application.call
    if not call.is_open(now):
        if call.is_closed(now):
            raise ValidationError(
                f"The deadline was {moment_text(call.closes_at)} (UK time). Late applications cannot be accepted."
            )
        raise ValidationError("This call is not open yet.")
    problems = application_problems(application)
    if problems:
        raise ValidationError(
            f"Your application has {len(problems)} problem{'s' if len(problems) != 1 else ''} to fix before you can submit it."
        )
    result = _eligibility_result(application)
    application.status = Application.Status.SUBMITTED
    application.submitted_at, application.submitted_by = now, actor
    application.eligible, application.ineligible_reasons = result.eligible, list(result.reasons)
    application.save()
    record_event(
        actor=actor,
        verb="application.submitted",
        obj=application,
        summary=f"{application.reference}: {application.organisation} submitted its application to “{call}”"
        + ("" if result.eligible else " (ineligible: " + "; ".join(result.reasons) + ")"),
        data={
            "eligible": result.eligible,
            "reasons": list(result.reasons),
            "amount_requested": str(application.amount_requested),
        },
    )
    notify_submission_receipt(application)
    return application


@transaction.atomic
def application_withdraw(*, application: Application, actor: User, now: dt.datetime | None = None) -> Application:
    now = _now(now)
    application = _locked(application)
    if application.status == Application.Status.WITHDRAWN:
        raise ValidationError("This application has already been withdrawn.")
    if application.call.is_closed(now):
        raise ValidationError(
            f"The call closed at {moment_text(application.call.closes_at)} (UK time): contact the council to withdraw."
        )
    application.status = Application.Status.WITHDRAWN
    application.save(update_fields=["status", "updated_at"])
    record_event(
        actor=actor,
        verb="application.withdrawn",
        obj=application,
        summary=f"{application.reference}: withdrawn by {actor.display_name}",
    )
    return application


@transaction.atomic
def eligibility_override(*, application: Application, reason: str, actor: User, now: dt.datetime | None = None) -> Application:
    """An officer treats an ineligible application as eligible, saying why (kept and audited)."""
    application = _locked(application)
    if application.status != Application.Status.SUBMITTED or application.eligible is not False:
        raise ValidationError("Only a submitted application that failed the eligibility check can be overridden.")
    if application.eligibility_override_reason:
        raise ValidationError("This application's eligibility has already been overridden.")
    if not reason.strip():
        raise ValidationError({"reason": "Say why the application should be treated as eligible."})
    application.eligibility_override_reason = reason.strip()
    application.eligibility_overridden_by, application.eligibility_overridden_at = actor, _now(now)
    application.save()
    record_event(
        actor=actor,
        verb="application.eligibility_overridden",
        obj=application,
        summary=f"{application.reference}: treated as eligible despite "
        f"“{'; '.join(application.ineligible_reasons)}” because {reason.strip()}",
    )
    return application
