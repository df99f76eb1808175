"""What the open calls' e-mails say. The call services call one function per event, inside the transaction
that does the thing:

- `notify_submission_receipt(application)` — to whoever submitted it, whoever started it if someone else, and
  the contact the organisation gave when it registered (ApplicantProfile.contact_email) if another address;
- `notify_assessment_assigned(assignment)` — to the assessor;
- `notify_outcome(application)` — to the same people: awarded, or unsuccessful with the feedback. Never a
  score, a recommendation or a reason the panel recorded: only what the applicant may see.

Each returns the notifications it queued (none when they were queued before: the keys make them idempotent)
and accepts `link=` for the page to point at, when the default page is not the right one.
"""

from __future__ import annotations

from vcsgrants.calls.models import Application, Assignment
from vcsgrants.core.dates import moment_text
from vcsgrants.core.models import User
from vcsgrants.core.money import long_date
from vcsgrants.notifications.messages import body_text, page_for, people_with_email
from vcsgrants.notifications.models import Notification
from vcsgrants.notifications.services import enqueue


def _applicant_addresses(application: Application) -> list[tuple[str, User | None, str]]:
    """(key suffix, user or None, address): the users who submitted and started it, then the organisation's
    registered contact (its applicant profile) when that is another address."""
    people = people_with_email(application.submitted_by, application.created_by)
    addresses = [(f"u{user.pk}", user, user.email) for user in people]
    profile = getattr(application.organisation, "applicant_profile", None)
    contact = (profile.contact_email or "").strip() if profile else ""
    if contact and contact.lower() not in {user.email.lower() for user in people}:
        addresses.append(("contact", None, contact))
    return addresses


def notify_submission_receipt(application: Application, *, link: str | None = None) -> list[Notification]:
    """'We have received your application': to the submitter, the user who started it, the registered contact."""
    call, page = application.call, page_for(application, link)
    when = f" at {moment_text(application.submitted_at)}" if application.submitted_at else ""
    subject = f"Application received: {application.reference}, {call.title}"
    queued = []
    for suffix, user, address in _applicant_addresses(application):
        body = body_text(
            user,
            [
                f"We have received {application.organisation}'s application {application.reference}, "
                f"“{application.project_title}”, for {application.lot} of {call.title}{when}.",
                "What happens next: we check that the application is eligible, then a panel assesses it against "
                "the criteria published with the call. We will e-mail you when a decision has been made.",
                "You can no longer change the application. You can still read it:",
            ],
            page,
            "Your application:",
        )
        queued.append(
            enqueue(
                kind=Notification.Kind.SUBMISSION_RECEIPT,
                key=f"submission_receipt:{application.pk}:{suffix}",
                to_email=address,
                subject=subject,
                body=body,
                recipient=user,
            )
        )
    return [n for n in queued if n]


def notify_assessment_assigned(assignment: Assignment, *, link: str | None = None) -> list[Notification]:
    """'You have been asked to assess': to the assessor, once per assignment."""
    application = assignment.application
    call = application.call
    people = people_with_email(assignment.assessor)
    if not people:
        return []
    user = people[0]
    body = body_text(
        user,
        [
            f"You have been asked to assess application {application.reference} from {application.organisation} "
            f"for {application.lot} of {call.title}.",
            "Before you read it in full, tell us whether you have a conflict of interest: for example if you work "
            "for, volunteer with or are related to someone at the organisation. You cannot score an application "
            "you have a conflict with.",
            "Score each criterion on your own, without discussing the application with other assessors. The panel "
            "compares scores at moderation.",
        ],
        page_for(application, link),
        "Declare any conflict and score the application:",
    )
    notification = enqueue(
        kind=Notification.Kind.ASSESSMENT_ASSIGNED,
        key=f"assessment_assigned:{assignment.pk}",
        to_email=user.email,
        subject=f"Application to assess: {application.reference}, {call.title}",
        body=body,
        recipient=user,
    )
    return [notification] if notification else []


def notify_outcome(application: Application, *, link: str | None = None) -> list[Notification]:
    """The decision, to the same people as the receipt: feedback if unsuccessful, never scores or panel reasons."""
    call = application.call
    awarded = application.outcome == application.Outcome.AWARDED
    if application.outcome not in (application.Outcome.AWARDED, application.Outcome.UNSUCCESSFUL):
        raise ValueError(f"Application {application.reference} has no outcome to tell the applicant yet.")
    if awarded:
        subject = f"Your application has been successful: {application.reference}, {call.title}"
        paragraphs = [
            f"We are pleased to tell you that {application.organisation}'s application {application.reference}, "
            f"“{application.project_title}”, for {application.lot} of {call.title} has been successful.",
            f"We will contact you about the agreement, which is to run from {long_date(call.agreement_start)} "
            f"to {long_date(call.agreement_end)}, and about anything we need from you before it starts.",
        ]
    else:
        subject = f"Your application has not been successful: {application.reference}, {call.title}"
        paragraphs = [
            f"Thank you for applying. We are sorry to tell you that {application.organisation}'s application "
            f"{application.reference}, “{application.project_title}”, for {application.lot} of {call.title} "
            "has not been successful.",
        ]
        if application.feedback.strip():
            paragraphs.append(f"Feedback from the panel:\n\n{application.feedback.strip()}")
        paragraphs.append("We hope this helps with future applications.")
    queued = []
    for suffix, user, address in _applicant_addresses(application):
        queued.append(
            enqueue(
                kind=Notification.Kind.OUTCOME,
                key=f"outcome:{application.pk}:{application.outcome}:{suffix}",
                to_email=address,
                subject=subject,
                body=body_text(user, paragraphs, page_for(application, link), "Your application:"),
                recipient=user,
            )
        )
    return [n for n in queued if n]
