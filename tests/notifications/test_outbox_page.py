"""The outbox page: officers see queued, sent and failed e-mails, filter them, and queue a failed one again."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import UserFactory
from vcsgrants.core.models import AuditEvent, Role
from vcsgrants.notifications.models import Notification
from vcsgrants.notifications.services import enqueue, send_queued

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.notifications.urls")]


def notification(key: str, kind=Notification.Kind.RETURN_DUE, **fields) -> Notification:
    n = enqueue(kind=kind, key=key, to_email=f"{key}@example.org", subject=f"About {key}", body=f"Body of {key}\n")
    Notification.objects.filter(pk=n.pk).update(**fields)
    n.refresh_from_db()
    return n


@pytest.fixture
def outbox(settings):
    settings.VCSGRANTS_NOTIFICATION_MAX_ATTEMPTS = 3
    return {
        "queued": notification("queued"),
        "sent": notification("sent", kind=Notification.Kind.OUTCOME, sent_at=timezone.now(), attempts=1),
        "failed": notification("failed", attempts=3, last_error="SMTPRecipientsRefused: mailbox unavailable"),
    }


def rows(page: str) -> str:
    return page.split('id="outbox"', 1)[1].split("</table>", 1)[0]


def test_officer_sees_every_status_and_filters_by_status_and_kind(client, officer, outbox):
    client.force_login(officer)
    page = client.get(reverse("notifications:notification-list")).content.decode()
    table = rows(page)
    assert "About queued" in table and "About sent" in table and "About failed" in table
    assert "mailbox unavailable (attempt 3 of 3)" in table
    assert ">1 queued<" in page and ">1 sent<" in page and ">1 failed<" in page

    failed_only = rows(client.get(reverse("notifications:notification-list"), {"status": "failed"}).content.decode())
    assert "About failed" in failed_only and "About queued" not in failed_only and "Send again" in failed_only
    outcomes = rows(client.get(reverse("notifications:notification-list"), {"kind": "outcome"}).content.decode())
    assert "About sent" in outcomes and "About queued" not in outcomes


def test_the_email_itself_is_shown(client, officer, outbox):
    client.force_login(officer)
    page = client.get(reverse("notifications:notification-detail", args=[outbox["failed"].pk])).content.decode()
    assert "Body of failed" in page and "mailbox unavailable" in page and "3 of 3" in page


def test_send_again_queues_a_failed_email_which_the_next_run_sends(client, officer, outbox, smtp):
    client.force_login(officer)
    failed = outbox["failed"]
    response = client.post(reverse("notifications:notification-send-again", args=[failed.pk]), follow=True)
    assert "is queued again" in response.content.decode()
    failed.refresh_from_db()
    assert failed.status == "queued" and failed.attempts == 0
    assert AuditEvent.objects.filter(verb="notification.send_again", object_id=failed.pk, actor=officer).exists()
    send_queued()
    assert "failed@example.org" in [r[0] for r in smtp.recipients]
    # Only a failed e-mail can be sent again.
    page = client.post(reverse("notifications:notification-send-again", args=[outbox["sent"].pk]), follow=True).content.decode()
    assert "Only a notification that failed to send can be sent again." in page


@pytest.mark.parametrize("role", [Role.PROVIDER, Role.FINANCE, Role.CABINET, Role.APPLICANT, Role.ASSESSOR])
def test_other_roles_cannot_see_the_outbox(client, outbox, role):
    client.force_login(UserFactory(roles=[role]))
    assert client.get(reverse("notifications:notification-list")).status_code == 403
    assert client.get(reverse("notifications:notification-detail", args=[outbox["sent"].pk])).status_code == 403
    assert client.post(reverse("notifications:notification-send-again", args=[outbox["failed"].pk])).status_code == 403
