"""Open calls: a funder invites applications for lots, a panel scores them, the best become agreements.

The life of a call:
- An officer builds it (lots with their money, eligibility questions, an application form in sections,
  documents, assessment criteria) and publishes it. Until it opens, everything can change; from the
  moment it opens the lots, eligibility questions and form are frozen, so every applicant answers the
  same questions.
- Registered organisations apply between `opens_at` and `closes_at` (stored in UTC, shown in UK time):
  drafts are saved as they go, and a submission after the deadline is refused.
- On submission the eligibility answers are checked against each question's passing answers; a failing
  application is marked ineligible with the reasons, which an officer may override with a recorded reason.
- Assessors assigned to an application declare any conflict of interest (a conflict blocks scoring) and
  score each criterion independently; moderation records the panel's score and a recommendation.
- Award turns the recommended applications that fit within each lot's money into draft agreements.

Money asked for and awarded is per financial year: a lot's `amount` is what it may award each year, and
an application's `amount_requested` is a yearly amount over the call's agreement period (whole years).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from vcsgrants.core.models import Area, Organisation, UploadedDocument
from vcsgrants.funding.models import ZERO, Agreement, FundingStream, Programme, money_field
from vcsgrants.monitoring.models import Kpi


class Call(models.Model):
    class State(models.TextChoices):
        DRAFT = "draft", "Draft (not published)"
        NOT_OPEN = "not_open", "Published, not yet open"
        OPEN = "open", "Open for applications"
        CLOSED = "closed", "Closed"

    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="calls")
    title = models.CharField(max_length=200)
    reference = models.SlugField(max_length=40, unique=True, help_text="Short, for the address and references.")
    description = models.TextField(help_text="What the call funds and who may apply, in plain English.")
    stream = models.ForeignKey(
        FundingStream,
        on_delete=models.PROTECT,
        related_name="calls",
        help_text="The programme's funding stream that will pay for the agreements awarded.",
    )
    opens_at = models.DateTimeField()
    closes_at = models.DateTimeField()
    agreement_start = models.DateField(help_text="The first day of the agreements awarded (1 April).")
    agreement_end = models.DateField(help_text="The last day of the agreements awarded (31 March).")
    published_at = models.DateTimeField(null=True, blank=True, help_text="Applicants see the call once published.")
    kpis = models.ManyToManyField(Kpi, through="CallKpi", related_name="+", blank=True)
    is_demo = models.BooleanField(default=False, help_text="Created by the demo loader; its applications are illustrative.")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-closes_at", "-id"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("calls:call-detail", args=[self.pk])

    def state(self, now: dt.datetime | None = None) -> str:
        if self.published_at is None:
            return self.State.DRAFT
        now = now or timezone.now()
        if now < self.opens_at:
            return self.State.NOT_OPEN
        return self.State.OPEN if now < self.closes_at else self.State.CLOSED

    def state_label(self) -> str:
        return self.State(self.state()).label

    def has_opened(self, now: dt.datetime | None = None) -> bool:
        return self.published_at is not None and (now or timezone.now()) >= self.opens_at

    def is_open(self, now: dt.datetime | None = None) -> bool:
        return self.state(now) == self.State.OPEN

    def is_closed(self, now: dt.datetime | None = None) -> bool:
        return self.state(now) == self.State.CLOSED


class Lot(models.Model):
    """A part of the call with its own money, usually one district or the whole county."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="lots")
    number = models.PositiveSmallIntegerField()
    name = models.CharField(max_length=200)
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+")
    amount = money_field(validators=[MinValueValidator(ZERO)], help_text="The money available each financial year.")
    history = HistoricalRecords()

    class Meta:
        ordering = ["call", "number"]
        constraints = [models.UniqueConstraint(fields=["call", "number"], name="one_lot_number_per_call")]

    def __str__(self) -> str:
        return f"Lot {self.number}: {self.name}"


def call_document_path(instance: CallDocument, filename: str) -> str:
    return f"calls/{instance.call_id}/documents/{filename}"


class CallDocument(UploadedDocument):
    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="documents")
    file = models.FileField(upload_to=call_document_path)

    class Meta:
        ordering = ["call", "uploaded_at", "id"]


class EligibilityQuestion(models.Model):
    """A yes/no or choice question; an answer outside `passing_answers` makes the application ineligible."""

    class Kind(models.TextChoices):
        YES_NO = "yes_no", "Yes or no"
        CHOICE = "choice", "Choice"

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="eligibility_questions")
    number = models.PositiveSmallIntegerField()
    text = models.CharField(max_length=500)
    hint = models.CharField(max_length=500, blank=True)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.YES_NO)
    options = models.JSONField(default=list, blank=True, help_text="The choices, for a choice question.")
    passing_answers = models.JSONField(default=list, help_text="The answers that pass, e.g. ['Yes'].")
    failure_reason = models.CharField(max_length=300, help_text="Shown to the officer when an answer fails.")

    class Meta:
        ordering = ["call", "number"]
        constraints = [models.UniqueConstraint(fields=["call", "number"], name="one_eligibility_number_per_call")]

    def __str__(self) -> str:
        return f"{self.number}. {self.text}"

    @property
    def choices(self) -> list[str]:
        return ["Yes", "No"] if self.kind == self.Kind.YES_NO else list(self.options)


class FormSection(models.Model):
    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="sections")
    number = models.PositiveSmallIntegerField()
    title = models.CharField(max_length=200)
    intro = models.TextField(blank=True)

    class Meta:
        ordering = ["call", "number"]
        constraints = [models.UniqueConstraint(fields=["call", "number"], name="one_section_number_per_call")]

    def __str__(self) -> str:
        return f"{self.number}. {self.title}"


class FormQuestion(models.Model):
    class Kind(models.TextChoices):
        SHORT_TEXT = "short_text", "Short text"
        LONG_TEXT = "long_text", "Long text"
        NUMBER = "number", "Number"
        MONEY = "money", "Money (£)"
        CHOICE = "choice", "Choice"
        YES_NO = "yes_no", "Yes or no"
        FILE = "file", "File upload"
        BUDGET = "budget", "Budget table"

    section = models.ForeignKey(FormSection, on_delete=models.CASCADE, related_name="questions")
    number = models.PositiveSmallIntegerField()
    text = models.CharField(max_length=500)
    hint = models.CharField(max_length=500, blank=True)
    kind = models.CharField(max_length=12, choices=Kind.choices)
    required = models.BooleanField(default=True)
    word_limit = models.PositiveIntegerField(null=True, blank=True, help_text="For text answers.")
    options = models.JSONField(default=list, blank=True, help_text="The choices, for a choice question.")
    budget_lines = models.JSONField(
        default=list, blank=True, help_text="For a budget table: the cost headings, e.g. ['Staff', 'Premises']."
    )

    class Meta:
        ordering = ["section__number", "number"]
        constraints = [models.UniqueConstraint(fields=["section", "number"], name="one_question_number_per_section")]

    def __str__(self) -> str:
        return f"{self.section.number}.{self.number} {self.text}"


class Criterion(models.Model):
    """What the panel scores, with its weight (the weights of a call add up to 100)."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="criteria")
    number = models.PositiveSmallIntegerField()
    title = models.CharField(max_length=200)
    guidance = models.TextField(help_text="What each score means, e.g. 0 = no answer … 5 = excellent.")
    weight = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(100)])
    max_score = models.PositiveSmallIntegerField(default=5, validators=[MinValueValidator(1), MaxValueValidator(100)])

    class Meta:
        ordering = ["call", "number"]
        constraints = [models.UniqueConstraint(fields=["call", "number"], name="one_criterion_number_per_call")]

    def __str__(self) -> str:
        return f"{self.number}. {self.title} ({self.weight}%)"


class CallKpi(models.Model):
    """A KPI from the programme's framework that agreements awarded under the call will report against."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="call_kpis")
    kpi = models.ForeignKey(Kpi, on_delete=models.PROTECT, related_name="+")
    annual_target = models.DecimalField(max_digits=14, decimal_places=2, validators=[MinValueValidator(Decimal("0"))])

    class Meta:
        ordering = ["call", "kpi__code"]
        constraints = [models.UniqueConstraint(fields=["call", "kpi"], name="one_kpi_per_call")]

    def __str__(self) -> str:
        return f"{self.kpi} (target {self.annual_target} a year)"


class ApplicantProfile(models.Model):
    """The contact details an organisation gives when it registers to apply."""

    organisation = models.OneToOneField(Organisation, on_delete=models.CASCADE, related_name="applicant_profile")
    contact_name = models.CharField(max_length=200)
    contact_email = models.EmailField()
    contact_phone = models.CharField(max_length=40, blank=True)
    address = models.TextField(blank=True)
    postcode = models.CharField(max_length=10, blank=True)
    registered_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    def __str__(self) -> str:
        return f"{self.organisation}: {self.contact_name}"


class Application(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SUBMITTED = "submitted", "Submitted"
        WITHDRAWN = "withdrawn", "Withdrawn"

    class Recommendation(models.TextChoices):
        FUND = "fund", "Fund"
        FUND_WITH_CONDITIONS = "fund_with_conditions", "Fund with conditions"
        DO_NOT_FUND = "do_not_fund", "Do not fund"

    class Outcome(models.TextChoices):
        PENDING = "pending", "Awaiting decision"
        AWARDED = "awarded", "Awarded"
        UNSUCCESSFUL = "unsuccessful", "Unsuccessful"

    call = models.ForeignKey(Call, on_delete=models.PROTECT, related_name="applications")
    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="applications")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="applications")
    reference = models.CharField(max_length=60, unique=True)
    project_title = models.CharField(max_length=200)
    amount_requested = money_field(validators=[MinValueValidator(ZERO)], help_text="A year's funding asked for, in pounds.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    # Eligibility: worked out on submission; an officer may override with a reason.
    eligible = models.BooleanField(null=True, blank=True)
    ineligible_reasons = models.JSONField(default=list, blank=True)
    eligibility_override_reason = models.TextField(blank=True)
    eligibility_overridden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    eligibility_overridden_at = models.DateTimeField(null=True, blank=True)
    # Moderation: the panel's agreed score (a percentage of the weighted maximum) and recommendation.
    moderated_score = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    recommendation = models.CharField(max_length=24, choices=Recommendation.choices, blank=True)
    recommendation_reason = models.TextField(blank=True)
    conditions = models.TextField(blank=True)
    moderated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    moderated_at = models.DateTimeField(null=True, blank=True)
    # Outcome: awarded (with its draft agreement) or unsuccessful (with the feedback sent).
    outcome = models.CharField(max_length=12, choices=Outcome.choices, default=Outcome.PENDING)
    feedback = models.TextField(blank=True)
    outcome_at = models.DateTimeField(null=True, blank=True)
    agreement = models.OneToOneField(Agreement, null=True, blank=True, on_delete=models.PROTECT, related_name="application")
    history = HistoricalRecords()

    class Meta:
        ordering = ["call", "reference"]
        constraints = [
            models.UniqueConstraint(
                fields=["lot", "organisation"],
                condition=~models.Q(status="withdrawn"),
                name="one_live_application_per_organisation_per_lot",
            )
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.organisation}"

    def get_absolute_url(self) -> str:
        return reverse("calls:application-detail", args=[self.pk])

    @property
    def is_eligible(self) -> bool | None:
        """Eligible after the check or the officer's override; None before submission."""
        if self.eligibility_override_reason:
            return True
        return self.eligible

    @property
    def is_moderated(self) -> bool:
        """The panel has recorded its moderated score and recommendation (scoring on it is then closed)."""
        return self.moderated_score is not None and bool(self.recommendation)


class CoApplicant(models.Model):
    """Another organisation named as delivering with the lead applicant."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="co_applicants")
    name = models.CharField(max_length=200)
    org_id = models.CharField("Org-ID", max_length=60, blank=True)
    role = models.CharField(max_length=300, blank=True, help_text="What they will do.")

    class Meta:
        ordering = ["application", "id"]

    def __str__(self) -> str:
        return self.name


class EligibilityAnswer(models.Model):
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="eligibility_answers")
    question = models.ForeignKey(EligibilityQuestion, on_delete=models.PROTECT, related_name="answers")
    answer = models.CharField(max_length=200)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["application", "question"], name="one_eligibility_answer_per_question")]

    def __str__(self) -> str:
        return f"{self.question.number}: {self.answer}"


def answer_file_path(instance: Answer, filename: str) -> str:
    return f"calls/applications/{instance.application_id}/{filename}"


class Answer(models.Model):
    """An answer to a form question. `value` holds text, a number or money as a string, a choice, 'Yes'/'No',
    or for a budget table a mapping of heading to amount as strings; a file answer uses `file`."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(FormQuestion, on_delete=models.PROTECT, related_name="answers")
    value = models.JSONField(null=True, blank=True)
    file = models.FileField(upload_to=answer_file_path, blank=True)
    original_name = models.CharField(max_length=255, blank=True)
    content_type = models.CharField(max_length=120, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["application", "question"], name="one_form_answer_per_question")]

    def __str__(self) -> str:
        return f"Answer to {self.question_id} on {self.application_id}"


class Assignment(models.Model):
    """An assessor asked to score an application; a declared conflict of interest blocks scoring."""

    class Conflict(models.TextChoices):
        UNDECLARED = "undeclared", "Not yet declared"
        NONE = "none", "No conflict"
        CONFLICT = "conflict", "Conflict of interest"

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="assignments")
    assessor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="assignments")
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    assigned_at = models.DateTimeField(auto_now_add=True)
    conflict = models.CharField(max_length=10, choices=Conflict.choices, default=Conflict.UNDECLARED)
    conflict_details = models.TextField(blank=True)
    declared_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True, help_text="When the assessor submitted their scores.")
    history = HistoricalRecords()

    class Meta:
        ordering = ["application", "assessor__username"]
        constraints = [models.UniqueConstraint(fields=["application", "assessor"], name="one_assignment_per_assessor")]

    def __str__(self) -> str:
        return f"{self.assessor} on {self.application.reference}"


class Score(models.Model):
    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="scores")
    criterion = models.ForeignKey(Criterion, on_delete=models.PROTECT, related_name="scores")
    score = models.PositiveSmallIntegerField()
    comment = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["assignment", "criterion__number"]
        constraints = [models.UniqueConstraint(fields=["assignment", "criterion"], name="one_score_per_criterion")]

    def __str__(self) -> str:
        return f"{self.criterion_id}: {self.score}"
