"""The outbox's scheduled task: the worker sends every queued e-mail every 10 minutes (core.schedule)."""

from __future__ import annotations

import datetime as dt

from django_tasks import task

from vcsgrants.notifications.services import send_queued

# How often the worker sends the outbox: an application's receipt arrives within this (the same as the old timer).
SEND_EVERY = dt.timedelta(minutes=10)


@task()
def send_outbox() -> dict:
    """`manage.py send_notifications --only-send`, as a task: two at once never send an e-mail twice (_claim)."""
    result = send_queued()
    return {"sent": result.sent, "failed": result.failed, "gave_up": result.gave_up}
