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
        ACTION_OVERDUE = "action_overdue", "Action overdue"
        INVITATION = "invitation", "Invitation to the service"
        RETURN_SUBMITTED = "return_submitted", "Monitoring return submitted"
        RETURN_QUERIED = "return_queried", "Monitoring return queried"
        RETURN_ACCEPTED = "return_accepted", "Monitoring return accepted"
        KPI_DECIDED = "kpi_decided", "KPI proposal decided"
        DIGEST = "digest", "Daily digest"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"
        HELD = "held", "Held for the daily digest"

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
    # Sending: a run claims a batch (claim + not_before a few minutes ahead) so that a second run started at
    # the same time skips it; a failure pushes not_before back (waiting longer after each attempt).
    not_before = models.DateTimeField(null=True, blank=True, help_text="Not to be tried before this time.")
    claim = models.CharField(max_length=32, blank=True, help_text="The sending run holding it now.")
    # Daily digest: the recipient chose one e-mail a day, so this one is held (never sent on its own) until the daily
    # run gathers it into their digest (`digest`), and counts as sent when the digest is.
    held_for_digest = models.BooleanField(default=False)
    digest = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="items")

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} to {self.to_email}"

    @property
    def status(self) -> str:
        """Sent; failed once it has used every attempt (settings.VCSGRANTS_NOTIFICATION_MAX_ATTEMPTS); else queued."""
        if self.sent_at:
            return self.Status.SENT
        if self.held_for_digest:
            return self.Status.HELD
        return self.Status.FAILED if self.attempts >= max_attempts() else self.Status.QUEUED

    @property
    def status_label(self) -> str:
        return self.Status(self.status).label


def max_attempts() -> int:
    """How many times sending is tried before a notification counts as failed (an officer can send it again)."""
    return int(getattr(settings, "VCSGRANTS_NOTIFICATION_MAX_ATTEMPTS", 5))


# Which e-mails a person may take as a daily digest instead of one by one: the work e-mails and reminders.
# Invitations and applicants' e-mails always go at once.
DIGESTIBLE_KINDS = frozenset(
    {
        Notification.Kind.RETURN_DUE,
        Notification.Kind.RETURN_OVERDUE,
        Notification.Kind.ACTION_DUE,
        Notification.Kind.ACTION_OVERDUE,
        Notification.Kind.RETURN_SUBMITTED,
        Notification.Kind.RETURN_QUERIED,
        Notification.Kind.RETURN_ACCEPTED,
        Notification.Kind.KPI_DECIDED,
    }
)


class EmailPreference(models.Model):
    """How a person takes the service's work e-mails: each at once (the default, when there is no row), or one
    daily digest gathering them, sent by the daily run of `manage.py send_notifications`."""

    class Frequency(models.TextChoices):
        IMMEDIATE = "immediate", "Immediately, one e-mail for each thing"
        DAILY = "daily", "Once a day, in one daily digest"

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="email_preference")
    frequency = models.CharField(max_length=10, choices=Frequency.choices, default=Frequency.IMMEDIATE)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.user}: {self.get_frequency_display()}"
