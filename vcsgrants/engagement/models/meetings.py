"""Meetings (monitoring, partnership, NHS partner), who attended, and the actions agreed at them.

A meeting belongs to one programme. A monitoring meeting is with one provider, a partnership meeting with the
programme's providers together, a partner meeting with one partner body (the NHS partner: the CCG, and from
1 July 2022 its successor the ICB). Meetings link to the agreements and KPIs they discussed. Actions have an
owner (a user, or a named person with their organisation), a due date and a status. Both are kept with
field-by-field history (simple-history) and every change is in the business event log.

How often each provider should have a monitoring meeting is a per-programme setting (EngagementSettings):
a small model of its own so that the engagement rules do not reach into the monitoring app's tables.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from simple_history.models import HistoricalRecords

from vcsgrants.core.models import Organisation
from vcsgrants.funding.models import Agreement, Programme
from vcsgrants.monitoring.models import Kpi

__all__ = ["DEFAULT_MEETING_INTERVAL_DAYS", "Action", "EngagementSettings", "Meeting"]

DEFAULT_MEETING_INTERVAL_DAYS = 90


class EngagementSettings(models.Model):
    """Per-programme engagement settings: how long a provider may go without a monitoring meeting."""

    programme = models.OneToOneField(Programme, on_delete=models.CASCADE, related_name="engagement_settings")
    meeting_interval_days = models.PositiveSmallIntegerField(
        "Longest time between monitoring meetings (days)",
        default=DEFAULT_MEETING_INTERVAL_DAYS,
        validators=[MinValueValidator(7), MaxValueValidator(730)],
        help_text="A provider not met for longer than this is flagged on the programme page. 90 days is about a quarter.",
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name_plural = "engagement settings"

    def __str__(self) -> str:
        return f"Engagement settings for {self.programme}"


class Meeting(models.Model):
    class Kind(models.TextChoices):
        MONITORING = "monitoring", "Monitoring meeting"
        PARTNERSHIP = "partnership", "Partnership meeting"
        PARTNER = "partner", "Meeting with the NHS partner"

    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="meetings")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    organisation = models.ForeignKey(
        Organisation,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="meetings",
        help_text="The provider of a monitoring meeting or the partner body of a partner meeting; none for partnership meetings.",
    )
    date = models.DateField(db_index=True)
    title = models.CharField("Subject", max_length=200, blank=True)
    location = models.CharField("Where", max_length=200, blank=True)
    attendee_users = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="meetings_attended")
    guests = models.TextField(
        blank=True, help_text="People who attended and are not users of this service, one a line: name, role, organisation."
    )
    attending_organisations = models.ManyToManyField(Organisation, blank=True, related_name="meetings_attended")
    agenda = models.TextField(blank=True)
    notes = models.TextField(blank=True)
    decisions = models.TextField(blank=True)
    share_notes = models.BooleanField(
        "Share the notes with the programme's providers",
        default=False,
        help_text="Partnership meetings only. Providers always see the agenda, the decisions and their own actions.",
    )
    agreements = models.ManyToManyField(Agreement, blank=True, related_name="meetings")
    kpis = models.ManyToManyField(Kpi, blank=True, related_name="meetings", verbose_name="KPIs")
    is_demo = models.BooleanField(default=False, help_text="An illustrative meeting created by the demo loader.")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords(m2m_fields=[attendee_users, attending_organisations, agreements, kpis])

    class Meta:
        ordering = ["-date", "-id"]
        indexes = [models.Index(fields=["programme", "kind", "organisation", "date"])]

    def __str__(self) -> str:
        subject = f": {self.title}" if self.title else ""
        return f"{self.label}, {self.date.day} {self.date:%B %Y}{subject}"

    def get_absolute_url(self) -> str:
        return reverse("engagement:meeting-detail", args=[self.pk])

    @property
    def label(self) -> str:
        """What kind of meeting, with whom: "Monitoring meeting with …", "Meeting with …" or "Partnership meeting"."""
        if self.kind == self.Kind.MONITORING:
            return f"Monitoring meeting with {self.organisation}"
        if self.kind == self.Kind.PARTNER:
            return f"Meeting with {self.organisation}"
        return "Partnership meeting"


class Action(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", "Open"
        DONE = "done", "Done"
        CANCELLED = "cancelled", "Cancelled"

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="actions")
    description = models.TextField()
    owner_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="meeting_actions"
    )
    owner_name = models.CharField(max_length=200, blank=True, help_text="When the owner is not a user of this service.")
    owner_organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="meeting_actions"
    )
    due_date = models.DateField(db_index=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    done_on = models.DateField(null=True, blank=True)
    note = models.TextField(blank=True, help_text="What was done, or why the action was cancelled.")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["due_date", "id"]
        indexes = [models.Index(fields=["status", "due_date"])]

    def __str__(self) -> str:
        text = self.description if len(self.description) <= 60 else f"{self.description[:57]}…"
        return f"{text} ({self.owner_label}, due {self.due_date.day} {self.due_date:%B %Y})"

    def get_absolute_url(self) -> str:
        return f"{self.meeting.get_absolute_url()}#action-{self.pk}"

    @property
    def owner_label(self) -> str:
        person = self.owner_user.display_name if self.owner_user_id else self.owner_name
        organisation = self.owner_organisation.name if self.owner_organisation_id else ""
        return f"{person}, {organisation}" if person and organisation else (person or organisation)

    def is_overdue(self, as_at: dt.date) -> bool:
        return self.status == self.Status.OPEN and self.due_date < as_at
