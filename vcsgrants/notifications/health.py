"""The outbox's readiness check for /readyz (core.health): e-mails waiting longer than they should.

A queued e-mail older than VCSGRANTS_READYZ_OUTBOX_MINUTES (60 by default) means `send_notifications` is not
running (its timer stopped) or cannot reach the mail server: /readyz reports the outbox failing, with how many
are waiting and the age of the oldest, and answers 503. Held digest items and e-mails that used every attempt are
not counted (an officer sends those again by hand).
"""

from __future__ import annotations

import os

from django.utils import timezone

from vcsgrants.core.health import NotReady
from vcsgrants.notifications.models import Notification, max_attempts


def stale_minutes() -> int:
    return int(os.environ.get("VCSGRANTS_READYZ_OUTBOX_MINUTES", "60"))


def check_outbox() -> dict:
    waiting = Notification.objects.filter(sent_at=None, held_for_digest=False, attempts__lt=max_attempts())
    oldest = waiting.order_by("created_at").values_list("created_at", flat=True).first()
    count = waiting.count()
    age = int((timezone.now() - oldest).total_seconds() // 60) if oldest else 0
    if oldest and age > stale_minutes():
        raise NotReady(f"{count} e-mails waiting, the oldest for {age} minutes: is send_notifications running?")
    return {"waiting": count, "oldest_minutes": age}
