"""Consultations on proposals: questions of four kinds, documents, and responses from providers and the public.

A consultation is open from `opens_at` until `closes_at` (stored in UTC, entered and shown in UK time).
Until it opens an officer may change everything; from the moment it opens its dates, questions and
documents are frozen, so every respondent answers the same questions. Providers answer signed in, one
response per organisation; the public answer through the consultation's public link (an unguessable
token), giving a name, organisation or e-mail address only where the officer asks for one.
"""

from __future__ import annotations

import datetime as dt
import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from vcsgrants.core.dates import moment_text
from vcsgrants.core.models import Organisation, UploadedDocument
from vcsgrants.funding.models import Programme

# What `engagement.models` re-exports: the models only.
__all__ = ["Answer", "Consultation", "ConsultationDocument", "ConsultationResponse", "Question"]

# The agree/disagree scale: five points, most agreeing first.
LIKERT_OPTIONS = ["Strongly agree", "Agree", "Neither agree nor disagree", "Disagree", "Strongly disagree"]

DEFAULT_PRIVACY_NOTICE = (
    "The council uses your answers only to understand views on these proposals and to report a summary of them, "
    "in which no one who responds as a member of the public is named. We keep no record of your IP address. "
    "Any name, organisation or e-mail address you choose to give is seen only by the officers running the "
    "consultation and is deleted when the review is complete."
)


def new_public_token() -> str:
    return secrets.token_urlsafe(16)  # 128 random bits: the public link cannot be guessed


class Consultation(models.Model):
    class State(models.TextChoices):
        NOT_OPEN = "not_open", "Not yet open"
        OPEN = "open", "Open"
        CLOSED = "closed", "Closed"

    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="consultations")
    title = models.CharField(max_length=200)
    description = models.TextField(help_text="The proposals and what you want to know, in plain English.")
    opens_at = models.DateTimeField()
    closes_at = models.DateTimeField()
    accepts_public = models.BooleanField(
        "Accept responses from the public", default=True, help_text="Through a public link that needs no sign-in."
    )
    ask_name = models.BooleanField("Ask the public for a name (optional to give)", default=False)
    ask_organisation = models.BooleanField("Ask the public for an organisation (optional to give)", default=False)
    ask_email = models.BooleanField("Ask the public for an e-mail address (optional to give)", default=False)
    privacy_notice = models.TextField(help_text="Shown on the response pages; kept with the consultation.")
    public_token = models.CharField(max_length=40, unique=True, default=new_public_token, editable=False)
    is_demo = models.BooleanField(default=False, help_text="Created by the demo loader; its responses are illustrative.")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords(excluded_fields=["public_token"])

    class Meta:
        ordering = ["-closes_at", "-id"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("engagement:consultation-detail", args=[self.pk])

    def public_path(self) -> str:
        return reverse("engagement:consultation-public", args=[self.public_token])

    def state(self, now: dt.datetime | None = None) -> str:
        now = now or timezone.now()
        if now < self.opens_at:
            return self.State.NOT_OPEN
        return self.State.OPEN if now < self.closes_at else self.State.CLOSED

    def state_label(self) -> str:
        return self.State(self.state()).label

    def has_opened(self, now: dt.datetime | None = None) -> bool:
        return (now or timezone.now()) >= self.opens_at

    def is_open(self, now: dt.datetime | None = None) -> bool:
        return self.state(now) == self.State.OPEN

    def is_closed(self, now: dt.datetime | None = None) -> bool:
        return self.state(now) == self.State.CLOSED

    @property
    def deadline_text(self) -> str:
        """'by 5pm on 15 July 2022'."""
        return f"by {moment_text(self.closes_at)}"

    @property
    def opens_text(self) -> str:
        return moment_text(self.opens_at)

    @property
    def closes_text(self) -> str:
        return moment_text(self.closes_at)

    @property
    def asks_for_details(self) -> bool:
        return self.ask_name or self.ask_organisation or self.ask_email

    @property
    def details_asked(self) -> list[str]:
        """What the public are asked about themselves (each optional for them to give)."""
        asked = [(self.ask_name, "name"), (self.ask_organisation, "organisation"), (self.ask_email, "e-mail address")]
        return [label for flag, label in asked if flag]


class Question(models.Model):
    class Kind(models.TextChoices):
        SINGLE = "single", "Single choice"
        MULTIPLE = "multiple", "Multiple choice"
        SCALE = "scale", "Agree/disagree scale"
        TEXT = "text", "Free text"

    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="questions")
    number = models.PositiveIntegerField()
    text = models.CharField(max_length=500)
    hint = models.CharField(max_length=500, blank=True)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    required = models.BooleanField(default=True)
    options = models.JSONField(default=list, blank=True, help_text="The choices, in order (choice questions only).")
    max_length = models.PositiveIntegerField(default=2000, help_text="The longest answer allowed (free text only).")
    history = HistoricalRecords()

    class Meta:
        ordering = ["consultation", "number"]
        constraints = [models.UniqueConstraint(fields=["consultation", "number"], name="question_number_unique")]

    def __str__(self) -> str:
        return f"{self.number}. {self.text}"

    @property
    def choices(self) -> list[str]:
        """The options a respondent picks from: the officer's, or the five-point scale."""
        return list(LIKERT_OPTIONS) if self.kind == self.Kind.SCALE else list(self.options)

    @property
    def is_choice(self) -> bool:
        return self.kind != self.Kind.TEXT


def consultation_document_path(instance: ConsultationDocument, filename: str) -> str:
    return f"consultations/{instance.consultation_id}/{filename}"


class ConsultationDocument(UploadedDocument):
    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="documents")
    file = models.FileField(upload_to=consultation_document_path)
    history = HistoricalRecords()

    class Meta:
        ordering = ["uploaded_at", "id"]


class ConsultationResponse(models.Model):
    """One response: a provider organisation's (one each, shared by its users) or a member of the public's."""

    class Channel(models.TextChoices):
        PROVIDER = "provider", "Provider organisation"
        PUBLIC = "public", "Member of the public"

    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="responses")
    channel = models.CharField(max_length=10, choices=Channel.choices)
    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="consultation_responses"
    )
    # Public respondents' details: kept only where the consultation asks for them, and each optional.
    respondent_name = models.CharField(max_length=200, blank=True)
    respondent_organisation = models.CharField(max_length=200, blank=True)
    respondent_email = models.EmailField(blank=True)
    submitted_at = models.DateTimeField()
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField()
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    is_illustrative = models.BooleanField(default=False, help_text="Written by the demo loader, not a real respondent.")
    excluded_reason = models.CharField(
        max_length=300, blank=True, help_text="Set when an officer leaves the response out of the summary (spam, duplicate)."
    )
    excluded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    excluded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["submitted_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["consultation", "organisation"],
                condition=Q(organisation__isnull=False),
                name="one_response_per_organisation",
            ),
            models.CheckConstraint(
                condition=Q(channel="public", organisation__isnull=True)
                | Q(channel="provider", organisation__isnull=False, respondent_name="", respondent_email=""),
                name="response_channel_matches_respondent",
            ),
        ]

    def __str__(self) -> str:
        return f"Response {self.pk} to {self.consultation}"

    @property
    def respondent_label(self) -> str:
        return self.organisation.name if self.organisation_id else "Member of the public"

    @property
    def is_excluded(self) -> bool:
        return bool(self.excluded_reason)


class Answer(models.Model):
    """One question's answer: the chosen options (choice questions) or the text (free text)."""

    response = models.ForeignKey(ConsultationResponse, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="answers")
    choices = models.JSONField(default=list, blank=True)
    text = models.TextField(blank=True)

    class Meta:
        ordering = ["question__number"]
        constraints = [models.UniqueConstraint(fields=["response", "question"], name="one_answer_per_question")]

    def __str__(self) -> str:
        return f"Answer to {self.question}"
