"""E-mails waiting to go, and those sent: an outbox that `manage.py send_notifications` empties.

Anything that should tell someone by e-mail adds a Notification (see services.enqueue); the command,
run from cron or a systemd timer, sends what is due through Django's e-mail backend and records the
outcome. `key` makes each notification idempotent: the same reminder is never queued twice.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Notification(models.Model):
    class Kind(models.TextChoices):
        SUBMISSION_RECEIPT = "submission_receipt", "Application received"
        ASSESSMENT_ASSIGNED = "assessment_assigned", "Assessment assigned"
        OUTCOME = "outcome", "Application outcome"
        RETURN_DUE = "return_due", "Monitoring return due"
        RETURN_OVERDUE = "return_overdue", "Monitoring return overdue"
        ACTION_DUE = "action_due", "Action due"

    kind = models.CharField(max_length=24, choices=Kind.choices)
    key = models.CharField(max_length=200, unique=True, help_text="One notification per key, e.g. 'return_due:12:2022:1:5'.")
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="notifications"
    )
    to_email = models.EmailField()
    subject = models.CharField(max_length=200)
    body = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    sent_at = models.DateTimeField(null=True, blank=True, db_index=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} to {self.to_email}"
