"""The demo outbox: addresses for the demo users, the demo day's reminders queued once."""

from __future__ import annotations

import pytest

from vcsgrants.core.models import User
from vcsgrants.demo.notifications import load_notifications_demo
from vcsgrants.notifications.models import Notification

pytestmark = pytest.mark.django_db


def test_demo_outbox_has_reminders_for_the_demo_providers_and_loads_once(demo_module):
    assert "Queued the demo reminders" in demo_module  # load_demo queues the demo day's reminders
    users = list(User.objects.all())
    kestrel = User.objects.get(username="provider-kestrel-voluntary-action-demo")
    assert kestrel.email == "provider-kestrel-voluntary-action-demo@example.org"
    kinds = set(Notification.objects.values_list("kind", flat=True))
    assert {"return_overdue", "action_overdue"} <= kinds
    assert Notification.objects.filter(to_email=kestrel.email, kind="return_overdue").exists()
    # Each e-mail to a provider is about their own organisation's agreement or action.
    for n in Notification.objects.filter(recipient__organisation=kestrel.organisation, kind="return_overdue"):
        assert "Kestrel" in n.body
    assert load_notifications_demo(users=users) == 0
