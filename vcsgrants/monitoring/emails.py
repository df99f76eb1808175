"""The e-mails that move a return or a KPI proposal along, queued in the transaction that does the thing
(notifications.services.enqueue; one per event and person, by key):

- **Return submitted** (or answered and submitted again) — to the officer who set up the agreement, the same
  person the overdue reminders go to (hub/reminders.py), if still an active officer or administrator with an
  e-mail; failing that, to every active officer with an e-mail. Links to the return, where it is reviewed.
- **Return queried** — to the provider organisation's users (provider role, active, with an e-mail), as the
  return reminders; links to the return's form, where the query is answered.
- **Return accepted** — to the same provider users; links to the return.
- **KPI proposal agreed or refused** — to the person who proposed it; links to the KPI.

Nobody is told about what they did themselves (an officer who submits a return for a provider, or decides a KPI
they proposed). A person who chose a daily digest gets these in it (notifications.services.build_digests).
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager

from django.urls import reverse

from vcsgrants.core.models import Role, User
from vcsgrants.monitoring.models import Kpi, Return, ReturnEvent
from vcsgrants.notifications.messages import body_text, people_with_email
from vcsgrants.notifications.models import Notification
from vcsgrants.notifications.services import enqueue

_quiet: contextvars.ContextVar[bool] = contextvars.ContextVar("monitoring_emails_quiet", default=False)


@contextmanager
def not_emailed() -> Iterator[None]:
    """Record steps without e-mailing anyone: for loading history (the demo's past returns), not for real work."""
    token = _quiet.set(True)
    try:
        yield
    finally:
        _quiet.reset(token)


def _active(queryset) -> list[User]:
    return list(queryset.filter(is_active=True).exclude(email="").distinct().order_by("username"))


def programme_officers(return_record: Return) -> list[User]:
    """Who is told that a return is in: the agreement's responsible officer, else every active officer."""
    creator = _active(User.objects.filter(pk=return_record.agreement.created_by_id, groups__name__in=[Role.OFFICER, Role.ADMIN]))
    return creator or _active(User.objects.filter(groups__name=Role.OFFICER))


def provider_users(return_record: Return) -> list[User]:
    return _active(User.objects.filter(organisation_id=return_record.agreement.organisation_id, groups__name=Role.PROVIDER))


def _what(return_record: Return) -> str:
    agreement = return_record.agreement
    year, quarter = return_record.financial_year, return_record.quarter
    return f"the monitoring return for {agreement.reference} ({agreement.title}) for {year} quarter {quarter}"


def _short(return_record: Return) -> str:
    return f"{return_record.agreement.reference}, {return_record.financial_year} Q{return_record.quarter}"


def _queue(kind: str, event_key: str, people: list[User], actor: User, subject: str, paragraphs, link: str, intro: str) -> int:
    queued = 0
    if _quiet.get():
        return queued
    for person in people:
        if person.pk == actor.pk:
            continue
        queued += (
            enqueue(
                kind=kind,
                key=f"{event_key}:u{person.pk}",
                to_email=person.email,
                subject=subject,
                body=body_text(person, paragraphs, link, intro),
                recipient=person,
            )
            is not None
        )
    return queued


def return_event_emails(event: ReturnEvent) -> int:
    """Queue the e-mails for one step of a return (submitted, resubmitted, queried, accepted); returns how many."""
    record, actor = event.return_record, event.actor
    comment = f"The comment: {event.comment}" if event.comment else ""
    if event.action in (ReturnEvent.Action.SUBMITTED, ReturnEvent.Action.RESUBMITTED):
        again = " again, answering your query" if event.action == ReturnEvent.Action.RESUBMITTED else ""
        organisation = record.agreement.organisation
        return _queue(
            Notification.Kind.RETURN_SUBMITTED,
            f"return_submitted:{event.pk}",
            programme_officers(record),
            actor,
            f"Monitoring return submitted: {_short(record)}",
            [f"{organisation} has submitted {_what(record)}{again}. It is waiting for your review.", comment],
            reverse("monitoring:return-detail", args=[record.pk]),
            "Review the return (accept it, or query it):",
        )
    if event.action == ReturnEvent.Action.QUERIED:
        return _queue(
            Notification.Kind.RETURN_QUERIED,
            f"return_queried:{event.pk}",
            provider_users(record),
            actor,
            f"Monitoring return queried: {_short(record)}",
            [
                f"The council has queried {_what(record)}. It is waiting for your answer.",
                comment,
                "Correct the return if needed, answer the query and submit it again.",
            ],
            reverse("monitoring:return-edit", args=[record.agreement_id, str(record.financial_year), record.quarter]),
            "Answer the query:",
        )
    if event.action == ReturnEvent.Action.ACCEPTED:
        return _queue(
            Notification.Kind.RETURN_ACCEPTED,
            f"return_accepted:{event.pk}",
            provider_users(record),
            actor,
            f"Monitoring return accepted: {_short(record)}",
            [f"The council has accepted {_what(record)}. There is nothing more to do for this quarter.", comment],
            reverse("monitoring:return-detail", args=[record.pk]),
            "See the return:",
        )
    return 0


def kpi_decided_email(kpi: Kpi, actor: User, reason: str = "") -> int:
    """Tell the proposer that their KPI was agreed or refused (a KPI is decided once)."""
    agreed = kpi.status == Kpi.Status.AGREED
    word = "agreed" if agreed else "refused"
    paragraphs = [
        f"The council has {word} the KPI you proposed: {kpi} under {kpi.outcome}.",
        f"The reason given: {reason.strip()}" if reason.strip() else "",
        "It can now be given targets and reported on in returns." if agreed else "It will not be used.",
    ]
    return _queue(
        Notification.Kind.KPI_DECIDED,
        f"kpi_decided:{kpi.pk}",
        people_with_email(kpi.proposed_by),
        actor,
        f"KPI proposal {word}: {kpi.code}",
        paragraphs,
        reverse("monitoring:kpi-detail", args=[kpi.pk]),
        "See the KPI:",
    )
