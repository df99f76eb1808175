"""The reminders' scheduled task: every hour the worker queues the reminders due today and, once a day from
VCSGRANTS_DIGEST_HOUR, the daily digests (as `manage.py send_notifications --only-queue` does); the outbox task
(notifications.tasks.send_outbox) sends them."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django_tasks import task

from vcsgrants.hub import reminders
from vcsgrants.notifications.services import build_digests, digests_due

QUEUE_EVERY = dt.timedelta(hours=1)


@task(priority=10)  # before the outbox task of the same slot, so that it sends what this queued
def queue_reminders() -> dict:
    today = timezone.localdate()
    queued = reminders.queue_reminders(reminders.due_reminders(today))
    digests = build_digests(today=today) if digests_due() else 0
    return {"reminders": dict(queued), "digests": digests}
