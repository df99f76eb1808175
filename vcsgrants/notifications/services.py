"""Queue e-mails (enqueue) and send them (send_queued, called by `manage.py send_notifications`).

A notification is sent at most once by the command however many copies run: a run claims a batch before
sending it (see _claim). If a run is killed between handing a message to the mail server and recording it, that
message may go twice after the claim expires (CLAIM_MINUTES): at least once, never silently lost.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from email.mime.image import MIMEImage

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage, EmailMultiAlternatives, get_connection
from django.core.mail.message import make_msgid
from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from vcsgrants.core.audit import record_event
from vcsgrants.core.council import display_name, email_domain, from_address, logo_bytes
from vcsgrants.core.models import User
from vcsgrants.notifications.messages import greeting, html_version, sign_off
from vcsgrants.notifications.models import DIGESTIBLE_KINDS, EmailPreference, Notification, max_attempts


def enqueue(*, kind: str, key: str, to_email: str, subject: str, body: str, recipient: User | None = None) -> Notification | None:
    """Queue one e-mail unless one with the same key was queued before; returns the new one, or None.

    Call it inside the transaction that does the thing being notified, so a rolled-back action sends nothing.
    An empty address queues nothing (not everyone has given one).
    """
    if not to_email:
        return None
    held = kind in DIGESTIBLE_KINDS and recipient is not None and wants_digest(recipient)
    notification, created = Notification.objects.get_or_create(
        key=key[:200],
        defaults={
            "kind": kind,
            "to_email": to_email,
            "subject": subject[:200],
            "body": body,
            "recipient": recipient,
            "held_for_digest": held,
        },
    )
    return notification if created else None


# --- Each person's choice: every e-mail at once, or a daily digest ------------------------------------------


def email_frequency(user: User) -> str:
    """'immediate' (the default, when the person has never chosen) or 'daily'."""
    preference = EmailPreference.objects.filter(user=user).values_list("frequency", flat=True).first()
    return preference or EmailPreference.Frequency.IMMEDIATE


def wants_digest(user: User) -> bool:
    return email_frequency(user) == EmailPreference.Frequency.DAILY


@transaction.atomic
def email_frequency_set(*, user: User, frequency: str) -> EmailPreference:
    """A person chooses how they take their work e-mails. Choosing 'immediate' releases what is held for the
    digest, so the next sending run sends it one by one; nothing is lost either way."""
    if frequency not in EmailPreference.Frequency.values:
        raise ValidationError({"frequency": "Choose how often you want e-mails."})
    preference, _ = EmailPreference.objects.update_or_create(user=user, defaults={"frequency": frequency})
    if frequency == EmailPreference.Frequency.IMMEDIATE:
        Notification.objects.filter(recipient=user, held_for_digest=True, sent_at=None, digest=None).update(held_for_digest=False)
    record_event(
        actor=user, verb="notification.frequency", obj=preference, summary=f"E-mails: {preference.get_frequency_display()}"
    )
    return preference


def _digest_body(user: User, items: list[Notification]) -> str:
    """One e-mail: a numbered section for each held e-mail (its subject, then its words without greeting and
    sign-off, its links kept), oldest first."""
    closing = sign_off().strip()
    sections = []
    for number, item in enumerate(items, start=1):
        paragraphs = [p for p in item.body.strip().split("\n\n") if p.strip()]
        if paragraphs and paragraphs[0].startswith(("Dear ", "Hello,")):
            paragraphs = paragraphs[1:]
        if paragraphs and paragraphs[-1].strip() == closing:
            paragraphs = paragraphs[:-1]
        sections.append("\n\n".join([f"{number}. {item.subject}", *paragraphs]))
    intro = f"Here is your daily digest: {len(items)} {'thing' if len(items) == 1 else 'things'} from the grants service."
    parts = [greeting(user), intro, *sections, "You chose a daily digest in your account; you can change it there.", closing]
    return "\n\n".join(p.strip() for p in parts if p.strip()) + "\n"


def digest_hour() -> int:
    """From what hour (local time) the day's digests are made: settings.VCSGRANTS_DIGEST_HOUR, default 7."""
    return int(getattr(settings, "VCSGRANTS_DIGEST_HOUR", 7))


def digests_due(now: dt.datetime | None = None) -> bool:
    return timezone.localtime(now).hour >= digest_hour()


def build_digests(*, today: dt.date | None = None) -> int:
    """Gather each person's held e-mails into one digest for `today` (one a day: key digest:<user>:<date>); returns
    how many digests were queued. What is held after today's digest waits for tomorrow's."""
    today = today or timezone.localdate()
    held = (
        Notification.objects.filter(held_for_digest=True, sent_at=None, digest=None, recipient__isnull=False)
        .select_related("recipient")
        .order_by("recipient_id", "created_at", "id")
    )
    by_person: dict[int, list[Notification]] = {}
    for item in held:
        by_person.setdefault(item.recipient_id, []).append(item)
    made = 0
    for items in by_person.values():
        person = items[0].recipient
        with transaction.atomic():
            digest, created = Notification.objects.get_or_create(
                key=f"digest:{person.pk}:{today.isoformat()}",
                defaults={
                    "kind": Notification.Kind.DIGEST,
                    "to_email": person.email or items[-1].to_email,
                    "subject": f"Your daily digest from {display_name()}: {today:%-d %B %Y}"[:200],
                    "body": _digest_body(person, items),
                    "recipient": person,
                },
            )
            if not created:
                continue  # today's digest is made; these wait for tomorrow's
            Notification.objects.filter(pk__in=[i.pk for i in items]).update(digest=digest)
            made += 1
    return made


# --- Sending ---------------------------------------------------------------------------------------------

BATCH_SIZE = 100
CLAIM_MINUTES = 15  # a run that dies mid-batch leaves its claim; another run may try again after this
RETRY_MINUTES = 5  # wait after the first failure; doubled after each further one (5, 10, 20, 40 minutes)


@dataclass
class SendResult:
    sent: int = 0
    failed: int = 0  # attempts that failed this run (the notification stays queued unless it has used its attempts)
    gave_up: int = 0  # of those, notifications that have now used every attempt and are shown as failed
    errors: list[str] = field(default_factory=list)


def sendable(now: dt.datetime) -> QuerySet[Notification]:
    """Queued notifications that may be tried now: not sent, attempts left, not waiting for a retry or claimed."""
    return Notification.objects.filter(sent_at=None, held_for_digest=False, attempts__lt=max_attempts()).filter(
        Q(not_before=None) | Q(not_before__lte=now)
    )


def _claim(now: dt.datetime, limit: int) -> list[Notification]:
    """Take up to `limit` sendable notifications for this run, so that a run started at the same time skips them.

    The conditional UPDATE is the guard on every database: a row another run claimed first no longer matches
    (on PostgreSQL the second UPDATE waits for the first and re-checks; SQLite takes writes one at a time).
    On PostgreSQL the rows are also picked with SKIP LOCKED, so the two runs share the queue without waiting.
    """
    token = uuid.uuid4().hex
    with transaction.atomic():
        candidates = sendable(now).order_by("created_at", "id")
        if connection.features.has_select_for_update_skip_locked:
            candidates = candidates.select_for_update(skip_locked=True)
        ids = list(candidates.values_list("pk", flat=True)[:limit])
        sendable(now).filter(pk__in=ids).update(claim=token, not_before=now + dt.timedelta(minutes=CLAIM_MINUTES))
    return list(Notification.objects.filter(claim=token, sent_at=None).order_by("created_at", "id"))


def _message(notification: Notification, mail_connection, sender: str | None = None, logo: bytes | None = None) -> EmailMessage:
    """The e-mail to send: its plain text, and when the council has a logo (`logo`, its bytes), the same words as
    HTML headed by the logo, carried inline (multipart/related) so no mail reader fetches anything."""
    body = notification.body
    if notification.kind == Notification.Kind.INVITATION:
        from vcsgrants.notifications.invitations import with_link  # it queues through this module

        body = with_link(notification)  # the set-your-password link is made now, never stored
    message = EmailMultiAlternatives(
        subject=notification.subject,
        from_email=sender or from_address(),
        body=body,
        to=[notification.to_email],
        connection=mail_connection,
        headers={
            "Auto-Submitted": "auto-generated",
            "X-VCS-Grants-Notification": notification.kind,
            "X-VCS-Grants-Outbox-Id": str(notification.pk),  # GOV.UK Notify's reference (notify.py)
            # Under the service's own domain (VCSGRANTS_BASE_URL), not the machine's name (often "localhost").
            "Message-ID": make_msgid(domain=email_domain()),
        },
    )
    if logo:
        cid = make_msgid("logo", domain=email_domain())[1:-1]
        message.attach_alternative(html_version(body, logo_cid=cid, logo_alt=f"{display_name()} logo"), "text/html")
        image = MIMEImage(logo, _subtype="png" if logo.startswith(b"\x89PNG") else "jpeg")
        image.add_header("Content-ID", f"<{cid}>")
        image.add_header("Content-Disposition", "inline", filename="logo.png" if logo.startswith(b"\x89PNG") else "logo.jpg")
        message.mixed_subtype = "related"
        message.attach(image)
    return message


def _record_failure(notification: Notification, error: BaseException, now: dt.datetime, result: SendResult) -> None:
    attempts = notification.attempts + 1
    text = f"{type(error).__name__}: {error}"[:1000]
    Notification.objects.filter(pk=notification.pk).update(
        attempts=attempts,
        last_error=text,
        claim="",
        not_before=now + dt.timedelta(minutes=RETRY_MINUTES * 2 ** (attempts - 1)),
    )
    result.failed += 1
    result.gave_up += attempts >= max_attempts()
    result.errors.append(f"{notification.to_email} ({notification.get_kind_display()}): {text}")


def send_queued(*, now: dt.datetime | None = None, batch_size: int = BATCH_SIZE) -> SendResult:
    """Send every notification that may be tried now, through one connection to the e-mail backend per batch.

    Each success records sent_at (and the attempt); each failure records the attempt and the error and leaves the
    notification queued for a later run, which waits longer after each failure, until it has used
    settings.VCSGRANTS_NOTIFICATION_MAX_ATTEMPTS and counts as failed. If the mail server cannot be reached at all,
    the batch in hand counts one failed attempt and the rest wait untouched for the next run.
    """
    now = now or timezone.now()
    result = SendResult()
    while batch := _claim(now, batch_size):
        mail_connection = get_connection(fail_silently=False)
        try:
            mail_connection.open()
        except Exception as error:  # noqa: BLE001 - any failure to connect is recorded against the batch
            for notification in batch:
                _record_failure(notification, error, now, result)
            break
        sender, logo = from_address(), logo_bytes()
        try:
            for notification in batch:
                try:
                    mail_connection.send_messages([_message(notification, mail_connection, sender, logo)])
                except Exception as error:  # noqa: BLE001 - recorded, and tried again by a later run
                    _record_failure(notification, error, now, result)
                    continue
                sent_at = timezone.now()
                Notification.objects.filter(pk=notification.pk).update(
                    sent_at=sent_at, attempts=notification.attempts + 1, last_error="", claim="", not_before=None
                )
                if notification.kind == Notification.Kind.DIGEST:  # what it gathered went with it
                    Notification.objects.filter(digest=notification, sent_at=None).update(sent_at=sent_at)
                result.sent += 1
        finally:
            try:
                mail_connection.close()
            except Exception:  # noqa: BLE001, S110 - the messages are recorded; a failed QUIT changes nothing
                pass
    return result


def notification_send_again(*, notification: Notification, actor: User) -> Notification:
    """An officer puts a failed notification back in the queue with its attempts reset; the next run sends it."""
    with transaction.atomic():
        notification = Notification.objects.select_for_update().get(pk=notification.pk)
        if notification.status != Notification.Status.FAILED:
            raise ValidationError("Only a notification that failed to send can be sent again.")
        notification.attempts = 0
        notification.not_before = None
        notification.claim = ""
        notification.save(update_fields=["attempts", "not_before", "claim"])
        record_event(
            actor=actor,
            verb="notification.send_again",
            summary=f"Queued again: {notification.get_kind_display().lower()} to {notification.to_email}",
            obj=notification,
            data={"subject": notification.subject, "last_error": notification.last_error},
        )
    return notification
