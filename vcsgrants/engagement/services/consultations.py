"""Consultations: every write goes through here — validated, in one transaction, audited where someone is signed in.

A refused change raises ValidationError naming the field and saying what is wrong; nothing is
half-written because each function runs in a single transaction. Every function takes `now` so
tests and the demo can act at a given moment; pages leave it to the clock.

Public responses have no signed-in actor, so they are not in the audit log; the response record
itself carries when it arrived. Spam protection (the honeypot and the rate limit) lives here too.
"""

from __future__ import annotations

import datetime as dt
import hashlib

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from vcsgrants.core import uploads
from vcsgrants.core.audit import record_event
from vcsgrants.core.concurrency import check_version, model_state
from vcsgrants.core.dates import moment_text
from vcsgrants.core.models import Organisation, User
from vcsgrants.engagement.models.consultations import (
    Answer,
    Consultation,
    ConsultationDocument,
    ConsultationResponse,
    Question,
)
from vcsgrants.funding.models import Programme

MIN_OPTIONS, MAX_OPTIONS = 2, 20
OPTION_MAX_LENGTH = 200
TEXT_LIMIT_MIN, TEXT_LIMIT_MAX = 50, 10_000
DETAIL_MAX_LENGTH = 200

# The public link's rate limit: at most this many responses from one IP address to one consultation in an
# hour (a fixed window from the first). Set CONSULTATION_PUBLIC_RESPONSES_PER_HOUR to change it.
DEFAULT_PUBLIC_RESPONSES_PER_HOUR = 10
RATE_WINDOW_SECONDS = 60 * 60


def _now(now: dt.datetime | None) -> dt.datetime:
    return now or timezone.now()


def answer_field(question: Question) -> str:
    """The form field (and error key) for a question's answer."""
    return f"q{question.pk}"


# --- The consultation itself -----------------------------------------------------------------


def ensure_editable(consultation: Consultation, now: dt.datetime | None = None) -> None:
    """Until it opens a consultation may change; from then on every respondent sees the same thing."""
    if consultation.has_opened(_now(now)):
        raise ValidationError(
            f"This consultation opened at {consultation.opens_text}, so its dates, questions and documents "
            "can no longer be changed."
        )


def _check_fields(*, title: str, description: str, privacy_notice: str, opens_at, closes_at, now: dt.datetime) -> None:
    errors: dict[str, str] = {}
    if not title.strip():
        errors["title"] = "Enter a title."
    if not description.strip():
        errors["description"] = "Describe the proposals you are consulting on."
    if not privacy_notice.strip():
        errors["privacy_notice"] = "Enter the privacy notice respondents will see."
    if opens_at <= now:
        errors["opens_at"] = "The opening time must be in the future: questions can be added only before it opens."
    if closes_at <= opens_at:
        errors["closes_at"] = "The consultation must close after it opens."
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def consultation_create(
    *,
    programme: Programme,
    title: str,
    description: str,
    opens_at: dt.datetime,
    closes_at: dt.datetime,
    privacy_notice: str,
    actor: User,
    accepts_public: bool = True,
    ask_name: bool = False,
    ask_organisation: bool = False,
    ask_email: bool = False,
    is_demo: bool = False,
    now: dt.datetime | None = None,
) -> Consultation:
    _check_fields(
        title=title,
        description=description,
        privacy_notice=privacy_notice,
        opens_at=opens_at,
        closes_at=closes_at,
        now=_now(now),
    )
    consultation = Consultation.objects.create(
        programme=programme,
        title=title.strip(),
        description=description.strip(),
        opens_at=opens_at,
        closes_at=closes_at,
        accepts_public=accepts_public,
        ask_name=ask_name,
        ask_organisation=ask_organisation,
        ask_email=ask_email,
        privacy_notice=privacy_notice.strip(),
        is_demo=is_demo,
        created_by=actor,
    )
    record_event(
        actor=actor,
        verb="consultation.created",
        obj=consultation,
        summary=f"Created the consultation “{consultation}”, open from {consultation.opens_text} {consultation.deadline_text}",
    )
    return consultation


EDITABLE_FIELDS = (
    "title",
    "description",
    "opens_at",
    "closes_at",
    "accepts_public",
    "ask_name",
    "ask_organisation",
    "ask_email",
    "privacy_notice",
)


def consultation_state(consultation: Consultation) -> dict[str, str]:
    """The consultation as its edit page shows it (core.concurrency)."""
    return model_state(consultation)


@transaction.atomic
def consultation_update(
    *, consultation: Consultation, actor: User, now: dt.datetime | None = None, version: str | None = None, **changes
) -> Consultation:
    """Change a draft consultation; refused (`version`, core.concurrency) if it changed since its page was opened."""
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"These fields cannot be changed here: {', '.join(sorted(unknown))}")
    consultation = Consultation.objects.select_for_update().get(pk=consultation.pk)
    check_version(version, consultation_state(consultation), records=[consultation])
    ensure_editable(consultation, now)
    for name, value in changes.items():
        setattr(consultation, name, value.strip() if isinstance(value, str) else value)
    _check_fields(
        title=consultation.title,
        description=consultation.description,
        privacy_notice=consultation.privacy_notice,
        opens_at=consultation.opens_at,
        closes_at=consultation.closes_at,
        now=_now(now),
    )
    consultation.save()
    record_event(actor=actor, verb="consultation.updated", obj=consultation, summary=f"Edited the consultation “{consultation}”")
    return consultation


# --- Questions --------------------------------------------------------------------------------


def _clean_question(
    *, text: str, hint: str, kind: str, required: bool, options: list[str] | None, max_length: int | None
) -> dict:
    """The question's fields as they are saved, or ValidationError naming each field that is wrong."""
    errors: dict[str, str] = {}
    if not text.strip():
        errors["text"] = "Enter the question."
    elif len(text.strip()) > 500:
        errors["text"] = "The question must be 500 characters or fewer."
    if len(hint.strip()) > 500:
        errors["hint"] = "The hint must be 500 characters or fewer."
    if kind not in Question.Kind.values:
        errors["kind"] = "Choose the kind of question."
    cleaned = [o.strip() for o in options or [] if o.strip()]
    if kind in (Question.Kind.SINGLE, Question.Kind.MULTIPLE):
        seen: set[str] = set()
        duplicates = [o for o in cleaned if o.casefold() in seen or seen.add(o.casefold())]
        if not MIN_OPTIONS <= len(cleaned) <= MAX_OPTIONS:
            errors["options"] = f"Give between {MIN_OPTIONS} and {MAX_OPTIONS} options, one on each line."
        elif duplicates:
            errors["options"] = f"Each option must be different: “{duplicates[0]}” is given twice."
        elif any(len(o) > OPTION_MAX_LENGTH for o in cleaned):
            errors["options"] = f"Each option must be {OPTION_MAX_LENGTH} characters or fewer."
    else:
        cleaned = []  # the scale has its own five points; free text has none
    limit = 2000 if max_length is None else max_length
    if kind == Question.Kind.TEXT and not TEXT_LIMIT_MIN <= limit <= TEXT_LIMIT_MAX:
        errors["max_length"] = f"The longest answer must be between {TEXT_LIMIT_MIN:,} and {TEXT_LIMIT_MAX:,} characters."
    if errors:
        raise ValidationError(errors)
    fields = {"text": text.strip(), "hint": hint.strip(), "kind": kind, "required": required}
    return fields | {"options": cleaned, "max_length": limit}


@transaction.atomic
def question_add(
    *,
    consultation: Consultation,
    text: str,
    kind: str,
    actor: User,
    hint: str = "",
    required: bool = True,
    options: list[str] | None = None,
    max_length: int | None = None,
    now: dt.datetime | None = None,
) -> Question:
    consultation = Consultation.objects.select_for_update().get(pk=consultation.pk)
    ensure_editable(consultation, now)
    fields = _clean_question(text=text, hint=hint, kind=kind, required=required, options=options, max_length=max_length)
    number = (consultation.questions.aggregate(n=Max("number"))["n"] or 0) + 1
    question = Question.objects.create(consultation=consultation, number=number, **fields)
    record_event(
        actor=actor,
        verb="consultation.question_added",
        obj=consultation,
        summary=f"“{consultation}”: added question {number} ({question.get_kind_display().lower()})",
    )
    return question


def question_state(question: Question) -> dict[str, str]:
    """A question as its edit page shows it (core.concurrency): the options one per line; not its number (a move is
    not a conflict)."""
    state = model_state(question, exclude=["consultation", "number", "options"])
    state["Options"] = "\n".join(question.options or [])
    return state


@transaction.atomic
def question_update(
    *,
    question: Question,
    text: str,
    kind: str,
    actor: User,
    hint: str = "",
    required: bool = True,
    options: list[str] | None = None,
    max_length: int | None = None,
    now: dt.datetime | None = None,
    version: str | None = None,
) -> Question:
    """Change a question before the consultation opens; refused (`version`, core.concurrency) if it changed since its
    edit page was opened."""
    consultation = Consultation.objects.select_for_update().get(pk=question.consultation_id)
    question = Question.objects.select_for_update().get(pk=question.pk)
    check_version(version, question_state(question), records=[consultation])
    ensure_editable(consultation, now)
    fields = _clean_question(text=text, hint=hint, kind=kind, required=required, options=options, max_length=max_length)
    for name, value in fields.items():
        setattr(question, name, value)
    question.save()
    record_event(
        actor=actor,
        verb="consultation.question_changed",
        obj=consultation,
        summary=f"“{consultation}”: changed question {question.number}",
    )
    return question


@transaction.atomic
def question_delete(*, question: Question, actor: User, now: dt.datetime | None = None) -> None:
    consultation = Consultation.objects.select_for_update().get(pk=question.consultation_id)
    ensure_editable(consultation, now)
    number = question.number
    Question.objects.filter(pk=question.pk).delete()
    for later in consultation.questions.filter(number__gt=number).order_by("number"):
        later.number -= 1
        later.save(update_fields=["number"])
    record_event(
        actor=actor,
        verb="consultation.question_removed",
        obj=consultation,
        summary=f"“{consultation}”: removed question {number} ({question.text[:80]})",
    )


@transaction.atomic
def question_move(*, question: Question, direction: str, actor: User, now: dt.datetime | None = None) -> Question:
    """Swap a question with the one above ("up") or below ("down")."""
    if direction not in ("up", "down"):
        raise ValidationError("Move a question up or down.")
    consultation = Consultation.objects.select_for_update().get(pk=question.consultation_id)
    ensure_editable(consultation, now)
    question = Question.objects.get(pk=question.pk)
    neighbour_number = question.number - 1 if direction == "up" else question.number + 1
    neighbour = consultation.questions.filter(number=neighbour_number).first()
    if neighbour is None:
        raise ValidationError(f"Question {question.number} is already {'first' if direction == 'up' else 'last'}.")
    old = question.number
    question.number = 0  # out of the way of the unique (consultation, number) constraint
    question.save(update_fields=["number"])
    neighbour.number = old
    neighbour.save(update_fields=["number"])
    question.number = neighbour_number
    question.save(update_fields=["number"])
    record_event(
        actor=actor,
        verb="consultation.question_moved",
        obj=consultation,
        summary=f"“{consultation}”: moved question {old} {direction} to {neighbour_number}",
    )
    return question


# --- Documents --------------------------------------------------------------------------------


@transaction.atomic
def document_upload(
    *, consultation: Consultation, title: str, upload, actor: User, now: dt.datetime | None = None
) -> ConsultationDocument:
    consultation = Consultation.objects.select_for_update().get(pk=consultation.pk)
    ensure_editable(consultation, now)
    uploads.check_upload(upload)  # empty, too large, a type we do not accept, or not what its name says
    document = ConsultationDocument(
        consultation=consultation,
        title=(title or upload.name).strip()[:200],
        original_name=upload.name,
        content_type=uploads.content_type_of(upload),
        size=upload.size,
        uploaded_by=actor,
    )
    document.file.save(upload.name, upload, save=False)
    document.save()
    record_event(
        actor=actor,
        verb="consultation.document_uploaded",
        obj=consultation,
        summary=f"“{consultation}”: uploaded {document.title}",
    )
    return document


# --- Answers ----------------------------------------------------------------------------------


def clean_answers(questions: list[Question], raw: dict[int, str | list[str]]) -> dict[int, tuple[list[str], str]]:
    """Check every answer against its question: question pk → (chosen options, text).

    Refuses (naming the question's field) a missing answer to a required question, an option that is not one
    of the question's, and free text longer than the question allows. Unanswered optional questions are left out.
    """
    by_pk = {q.pk: q for q in questions}
    unknown = set(raw) - set(by_pk)
    if unknown:
        raise ValidationError(f"These answers are to questions this consultation does not ask: {sorted(unknown)}.")
    errors: dict[str, str] = {}
    cleaned: dict[int, tuple[list[str], str]] = {}
    for question in questions:
        value = raw.get(question.pk)
        field, n = answer_field(question), question.number
        if question.kind == Question.Kind.TEXT:
            text = (value if isinstance(value, str) else "").strip()
            if not text:
                if question.required:
                    errors[field] = f"Enter an answer to question {n}."
                continue
            if "\x00" in text:
                errors[field] = f"Your answer to question {n} contains a character that cannot be stored."
            elif len(text) > question.max_length:
                errors[field] = (
                    f"Your answer to question {n} must be {question.max_length:,} characters or fewer; it has {len(text):,}."
                )
            else:
                cleaned[question.pk] = ([], text)
            continue
        picked = [value] if isinstance(value, str) else list(value or [])
        picked = [p for p in picked if p]
        if not picked:
            if question.required:
                errors[field] = (
                    f"Select at least one option for question {n}."
                    if question.kind == Question.Kind.MULTIPLE
                    else f"Select an answer to question {n}."
                )
            continue
        choices = question.choices
        if any(p not in choices for p in picked):
            errors[field] = f"Select one of the options given for question {n}."
        elif question.kind != Question.Kind.MULTIPLE and len(picked) > 1:
            errors[field] = f"Select only one answer to question {n}."
        else:
            cleaned[question.pk] = ([c for c in choices if c in picked], "")  # in the question's order, once each
    if errors:
        raise ValidationError(errors)
    return cleaned


def _write_answers(response: ConsultationResponse, cleaned: dict[int, tuple[list[str], str]]) -> None:
    response.answers.all().delete()
    Answer.objects.bulk_create(
        Answer(response=response, question_id=pk, choices=choices, text=text) for pk, (choices, text) in cleaned.items()
    )


def ensure_open(consultation: Consultation, now: dt.datetime | None = None) -> None:
    state = consultation.state(_now(now))
    if state == Consultation.State.NOT_OPEN:
        raise ValidationError(f"This consultation opens at {consultation.opens_text}: it is not taking responses yet.")
    if state == Consultation.State.CLOSED:
        raise ValidationError(closed_message(consultation))


def not_open_message(consultation: Consultation, now: dt.datetime | None = None) -> str:
    """Why the consultation cannot take a response now, or "" while it is open."""
    try:
        ensure_open(consultation, now)
    except ValidationError as exc:
        return exc.messages[0]
    return ""


@transaction.atomic
def provider_response_save(
    *,
    consultation: Consultation,
    organisation: Organisation,
    answers: dict[int, str | list[str]],
    actor: User,
    is_illustrative: bool = False,
    now: dt.datetime | None = None,
) -> ConsultationResponse:
    """The organisation's one response: created by its first user, changed by any of them until the consultation closes."""
    now = _now(now)
    ensure_open(consultation, now)
    if not consultation.programme.agreements.filter(organisation=organisation).exists():
        raise ValidationError(
            f"{organisation} holds no agreement in {consultation.programme}, so it cannot respond as a provider."
        )
    cleaned = clean_answers(list(consultation.questions.all()), answers)
    response = (
        ConsultationResponse.objects.select_for_update().filter(consultation=consultation, organisation=organisation).first()
    )
    created = response is None
    if created:
        try:
            with transaction.atomic():
                response = ConsultationResponse.objects.create(
                    consultation=consultation,
                    channel=ConsultationResponse.Channel.PROVIDER,
                    organisation=organisation,
                    submitted_at=now,
                    submitted_by=actor,
                    updated_at=now,
                    updated_by=actor,
                    is_illustrative=is_illustrative,
                )
        except IntegrityError:  # a colleague's response arrived first: change that one
            created = False
            response = ConsultationResponse.objects.select_for_update().get(consultation=consultation, organisation=organisation)
    if not created:
        response.updated_at, response.updated_by = now, actor
        response.save(update_fields=["updated_at", "updated_by"])
    _write_answers(response, cleaned)
    record_event(
        actor=actor,
        verb="consultation.response_saved",
        obj=consultation,
        summary=f"“{consultation}”: {'sent' if created else 'changed'} the response of {organisation}",
        data={"response": response.pk, "answers": len(cleaned)},
    )
    return response


def _clean_details(consultation: Consultation, *, name: str, organisation: str, email: str) -> dict[str, str]:
    details = {
        "respondent_name": name.strip(),
        "respondent_organisation": organisation.strip(),
        "respondent_email": email.strip(),
    }
    asked = {
        "respondent_name": consultation.ask_name,
        "respondent_organisation": consultation.ask_organisation,
        "respondent_email": consultation.ask_email,
    }
    errors: dict[str, str] = {}
    for field, value in details.items():
        if value and not asked[field]:
            errors[field] = "This consultation does not ask for this, so it is not kept."
        elif len(value) > DETAIL_MAX_LENGTH:
            errors[field] = f"This must be {DETAIL_MAX_LENGTH} characters or fewer."
    if details["respondent_email"] and "respondent_email" not in errors:
        try:
            validate_email(details["respondent_email"])
        except ValidationError:
            errors["respondent_email"] = "Enter an e-mail address in the right format, like name@example.com, or leave it blank."
    if errors:
        raise ValidationError(errors)
    return details


@transaction.atomic
def public_response_save(
    *,
    consultation: Consultation,
    answers: dict[int, str | list[str]],
    name: str = "",
    organisation: str = "",
    email: str = "",
    is_illustrative: bool = False,
    now: dt.datetime | None = None,
) -> ConsultationResponse:
    """A member of the public's response through the public link: kept as sent (it cannot be changed later)."""
    now = _now(now)
    if not consultation.accepts_public:
        raise ValidationError("This consultation does not take responses from the public.")
    ensure_open(consultation, now)
    errors: dict[str, list[str]] = {}
    details: dict[str, str] = {}
    cleaned: dict[int, tuple[list[str], str]] = {}
    try:
        details = _clean_details(consultation, name=name, organisation=organisation, email=email)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    try:
        cleaned = clean_answers(list(consultation.questions.all()), answers)
    except ValidationError as exc:
        errors.update(exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages})
    if errors:
        raise ValidationError(errors)
    response = ConsultationResponse.objects.create(
        consultation=consultation,
        channel=ConsultationResponse.Channel.PUBLIC,
        submitted_at=now,
        updated_at=now,
        is_illustrative=is_illustrative,
        **details,
    )
    _write_answers(response, cleaned)
    return response


# --- Officers' moderation --------------------------------------------------------------------


@transaction.atomic
def response_exclude(
    *, response: ConsultationResponse, reason: str, actor: User, now: dt.datetime | None = None
) -> ConsultationResponse:
    """Leave a response out of the summary (spam, a duplicate), saying why; it is kept and can be counted again."""
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": "Say why the response is left out of the summary, for example “spam”."})
    if len(reason) > 300:
        raise ValidationError({"reason": "The reason must be 300 characters or fewer."})
    response = ConsultationResponse.objects.select_for_update().get(pk=response.pk)
    response.excluded_reason, response.excluded_by, response.excluded_at = reason, actor, _now(now)
    response.save(update_fields=["excluded_reason", "excluded_by", "excluded_at"])
    record_event(
        actor=actor,
        verb="consultation.response_excluded",
        obj=response.consultation,
        summary=f"“{response.consultation}”: left response {response.pk} ({response.respondent_label}) out of the summary: "
        f"{reason}",
    )
    return response


@transaction.atomic
def response_include(*, response: ConsultationResponse, actor: User) -> ConsultationResponse:
    response = ConsultationResponse.objects.select_for_update().get(pk=response.pk)
    if not response.excluded_reason:
        raise ValidationError("This response is already counted in the summary.")
    response.excluded_reason, response.excluded_by, response.excluded_at = "", None, None
    response.save(update_fields=["excluded_reason", "excluded_by", "excluded_at"])
    record_event(
        actor=actor,
        verb="consultation.response_included",
        obj=response.consultation,
        summary=f"“{response.consultation}”: counted response {response.pk} ({response.respondent_label}) in the summary again",
    )
    return response


# --- Spam protection for the public link ------------------------------------------------------


def public_responses_per_hour() -> int:
    return int(getattr(settings, "CONSULTATION_PUBLIC_RESPONSES_PER_HOUR", DEFAULT_PUBLIC_RESPONSES_PER_HOUR))


def _rate_key(consultation: Consultation, client_ip: str) -> str:
    # The address is hashed with the secret key: the cache never holds it in the clear, and nothing is stored with the response.
    digest = hashlib.sha256(f"{settings.SECRET_KEY}|{client_ip}".encode()).hexdigest()[:32]
    return f"consultation-public:{consultation.pk}:{digest}"


def public_rate_limited(*, consultation: Consultation, client_ip: str) -> bool:
    """True when this address has sent as many responses to this consultation this hour as are allowed."""
    return int(cache.get(_rate_key(consultation, client_ip), 0)) >= public_responses_per_hour()


def public_rate_count(*, consultation: Consultation, client_ip: str) -> int:
    """Count one submission from this address (the window starts with the first and lasts an hour)."""
    key = _rate_key(consultation, client_ip)
    cache.add(key, 0, timeout=RATE_WINDOW_SECONDS)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=RATE_WINDOW_SECONDS)
        return 1


def rate_limit_message() -> str:
    return (
        f"You have sent {public_responses_per_hour()} responses from this connection in the last hour, which is as many "
        "as we accept. Please try again in an hour."
    )


def closed_message(consultation: Consultation) -> str:
    return f"This consultation closed at {moment_text(consultation.closes_at)}: responses are no longer accepted."
