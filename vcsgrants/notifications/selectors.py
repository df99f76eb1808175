"""Reads for the outbox page and the command's summary."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from vcsgrants.notifications.models import Notification, max_attempts


def status_filter(status: str) -> Q:
    """Queued: not sent, attempts left. Failed: not sent, every attempt used. Held: waiting for the daily digest.
    Sent: sent (alone, or in a digest)."""
    if status == Notification.Status.SENT:
        return Q(sent_at__isnull=False)
    if status == Notification.Status.HELD:
        return Q(sent_at=None, held_for_digest=True)
    if status == Notification.Status.FAILED:
        return Q(sent_at=None, held_for_digest=False, attempts__gte=max_attempts())
    if status == Notification.Status.QUEUED:
        return Q(sent_at=None, held_for_digest=False, attempts__lt=max_attempts())
    return Q()


def status_counts() -> dict[str, int]:
    """How many notifications are queued, sent and failed (one query each)."""
    return {status: Notification.objects.filter(status_filter(status)).count() for status in Notification.Status.values}


def outbox(*, kind: str = "", status: str = "") -> QuerySet[Notification]:
    """Notifications newest first, of one kind and/or status when given (unknown values are ignored)."""
    notifications = Notification.objects.select_related("recipient").order_by("-created_at", "-id")
    if kind in Notification.Kind.values:
        notifications = notifications.filter(kind=kind)
    if status in Notification.Status.values:
        notifications = notifications.filter(status_filter(status))
    return notifications
