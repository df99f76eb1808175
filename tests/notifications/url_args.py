"""URL args for tests/test_permissions.py: one failed notification, so an officer may view it and send it again."""

from __future__ import annotations

from vcsgrants.notifications.models import Notification, max_attempts
from vcsgrants.notifications.services import enqueue


def notification_url_args() -> dict[str, list]:
    enqueue(kind=Notification.Kind.RETURN_DUE, key="permissions walk", to_email="walk@example.org", subject="Walk", body="-")
    notification = Notification.objects.get(key="permissions walk")
    Notification.objects.filter(pk=notification.pk).update(attempts=max_attempts(), last_error="Walk")
    return {"notification-detail": [notification.pk], "notification-send-again": [notification.pk]}
