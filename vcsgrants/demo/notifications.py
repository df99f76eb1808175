"""The demo's outbox: illustrative e-mail addresses for the demo users, and the reminders of one day queued.

`load_notifications_demo(users=…)` gives each demo user who has no address `<username>@example.org` (a domain
reserved for examples: nothing can be delivered there), then queues the reminders due on DEMO_DAY in the demo
programme's timeline — returns for 2022-23 Q3 a week overdue, one queried return, open meeting actions — so that
the outbox page has something in it and `manage.py send_notifications --only-send` prints them on the console.
Idempotent: a second run changes no address and queues nothing new (the reminders' keys).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import transaction

from vcsgrants.core.models import User
from vcsgrants.hub.reminders import due_reminders, queue_reminders

DEMO_DAY = dt.date(2023, 2, 6)
DEMO_DOMAIN = "example.org"


def load_notifications_demo(*, users: Iterable[User], today: dt.date = DEMO_DAY) -> int:
    """Addresses for the demo users who have none, and the demo day's reminders queued; how many were queued."""
    with transaction.atomic():
        for user in users:
            if not user.email:
                user.email = f"{user.username}@{DEMO_DOMAIN}"
                user.save(update_fields=["email"])
        return sum(queue_reminders(due_reminders(today)).values())
