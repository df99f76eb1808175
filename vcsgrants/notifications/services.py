"""Queue e-mails; `manage.py send_notifications` sends them (see models.Notification)."""

from __future__ import annotations

from vcsgrants.core.models import User
from vcsgrants.notifications.models import Notification


def enqueue(*, kind: str, key: str, to_email: str, subject: str, body: str, recipient: User | None = None) -> Notification | None:
    """Queue one e-mail unless one with the same key was queued before; returns the new one, or None.

    Call it inside the transaction that does the thing being notified, so a rolled-back action sends nothing.
    An empty address queues nothing (not everyone has given one).
    """
    if not to_email:
        return None
    notification, created = Notification.objects.get_or_create(
        key=key[:200],
        defaults={"kind": kind, "to_email": to_email, "subject": subject[:200], "body": body, "recipient": recipient},
    )
    return notification if created else None
