"""The shared outcomes framework and quarterly monitoring.

Outcome → KPI (co-designed, versioned) → targets per agreement and year (profiled by quarter)
→ quarterly returns (a value per KPI version, narrative, case studies) → RAG, computed, never stored.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from simple_history.models import HistoricalRecords

from vcsgrants.core.models import FinancialYear, Organisation
from vcsgrants.core.money import quarter_end, quarter_starts
from vcsgrants.funding.models import Agreement, Programme
from vcsgrants.monitoring.rag import Aggregation, Direction


class ProgrammeMonitoring(models.Model):
    """Per-programme monitoring settings: RAG thresholds and when returns are due."""

    programme = models.OneToOneField(Programme, on_delete=models.CASCADE, related_name="monitoring")
    amber_within = models.DecimalField(
        "Amber band",
        max_digits=4,
        decimal_places=3,
        default=Decimal("0.100"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("0.999"))],
        help_text="Amber when within this fraction of the target to date (0.100 = 10%); red beyond it.",
    )
    return_due_days = models.PositiveSmallIntegerField(
        "Days after quarter end a return is due", default=30, validators=[MaxValueValidator(120)]
    )
    minimum_coverage = models.PositiveSmallIntegerField(
        "Returns accepted before a quarter is shown by default (%)",
        default=100,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text="The performance dashboard opens at the latest quarter with at least this percentage of its expected "
        "returns accepted (100: every one).",
    )
    history = HistoricalRecords()

    def __str__(self) -> str:
        return f"Monitoring settings for {self.programme}"


class Outcome(models.Model):
    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="outcomes")
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    order = models.PositiveSmallIntegerField(default=0)
    history = HistoricalRecords()

    class Meta:
        ordering = ["programme", "order", "id"]

    def __str__(self) -> str:
        return self.title


class Kpi(models.Model):
    """A KPI's identity and where it is in co-design; what it measures lives in its versions."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", "Proposed"
        AGREED = "agreed", "Agreed"
        REJECTED = "rejected", "Rejected"
        RETIRED = "retired", "Retired"

    outcome = models.ForeignKey(Outcome, on_delete=models.PROTECT, related_name="kpis")
    code = models.CharField(max_length=12, help_text="A short reference such as SG1.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PROPOSED)
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    proposed_by_organisation = models.ForeignKey(Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["outcome__order", "code"]
        constraints = [models.UniqueConstraint(fields=["outcome", "code"], name="kpi_code_unique_in_outcome")]

    def __str__(self) -> str:
        current = self.current_version
        return f"{self.code} {current.name}" if current else self.code

    def get_absolute_url(self) -> str:
        return reverse("monitoring:kpi-detail", args=[self.pk])

    @property
    def current_version(self) -> KpiVersion | None:
        versions = list(self.versions.all())
        return max(versions, key=lambda v: v.number) if versions else None


class KpiVersion(models.Model):
    """What a KPI measures. Refining an agreed KPI adds a version; returns keep the version they used."""

    class Unit(models.TextChoices):
        COUNT = "count", "Count"
        MONEY = "money", "£"
        PERCENT = "percent", "%"
        SCORE = "score", "Score"

    class RbaType(models.TextChoices):
        HOW_MUCH = "how_much", "How much did we do?"
        HOW_WELL = "how_well", "How well did we do it?"
        BETTER_OFF = "better_off", "Is anyone better off?"

    kpi = models.ForeignKey(Kpi, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveSmallIntegerField()
    name = models.CharField(max_length=200)
    definition = models.TextField()
    unit = models.CharField(max_length=10, choices=Unit.choices)
    aggregation = models.CharField(max_length=10, choices=[(a.value, a.value.title()) for a in Aggregation])
    direction = models.CharField(
        max_length=20,
        choices=[(Direction.HIGHER_IS_BETTER.value, "Higher is better"), (Direction.LOWER_IS_BETTER.value, "Lower is better")],
    )
    rba_type = models.CharField("Results-Based Accountability type", max_length=12, choices=RbaType.choices)
    change_note = models.CharField(max_length=300, blank=True, help_text="What changed from the version before, and why.")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["kpi", "number"]
        constraints = [models.UniqueConstraint(fields=["kpi", "number"], name="kpi_version_number_unique")]

    def __str__(self) -> str:
        return f"{self.kpi.code} v{self.number}: {self.name}"


class KpiComment(models.Model):
    kpi = models.ForeignKey(Kpi, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.author}: {self.text[:40]}"


class KpiTarget(models.Model):
    """An agreement's target for a KPI in a financial year, profiled by quarter."""

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="kpi_targets")
    kpi = models.ForeignKey(Kpi, on_delete=models.PROTECT, related_name="targets")
    financial_year = models.ForeignKey(FinancialYear, on_delete=models.PROTECT, related_name="+")
    annual_target = models.DecimalField(max_digits=14, decimal_places=2, validators=[MinValueValidator(Decimal("0"))])
    q1_target = models.DecimalField("Q1 target", max_digits=14, decimal_places=2)
    q2_target = models.DecimalField("Q2 target", max_digits=14, decimal_places=2)
    q3_target = models.DecimalField("Q3 target", max_digits=14, decimal_places=2)
    q4_target = models.DecimalField("Q4 target", max_digits=14, decimal_places=2)
    history = HistoricalRecords()

    class Meta:
        ordering = ["agreement", "financial_year__start_year", "kpi__code"]
        constraints = [
            models.UniqueConstraint(fields=["agreement", "kpi", "financial_year"], name="one_target_per_agreement_kpi_year")
        ]

    def __str__(self) -> str:
        return f"{self.agreement.reference} {self.kpi.code} {self.financial_year}: {self.annual_target}"

    @property
    def quarter_targets(self) -> list[Decimal]:
        return [self.q1_target, self.q2_target, self.q3_target, self.q4_target]


class Return(models.Model):
    """A provider's quarterly return for one agreement."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SUBMITTED = "submitted", "Submitted"
        QUERIED = "queried", "Queried"
        ACCEPTED = "accepted", "Accepted"

    agreement = models.ForeignKey(Agreement, on_delete=models.PROTECT, related_name="returns")
    financial_year = models.ForeignKey(FinancialYear, on_delete=models.PROTECT, related_name="+")
    quarter = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(4)])
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    narrative = models.TextField(blank=True)
    case_studies = models.TextField(blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["agreement", "financial_year__start_year", "quarter"]
        constraints = [models.UniqueConstraint(fields=["agreement", "financial_year", "quarter"], name="one_return_per_quarter")]
        # The officer's home page counts and lists the few returns submitted or queried among 100,000 accepted ones.
        # Partial indexes, holding only those few: an index of every return by status led SQLite (which keeps no
        # statistics) to read the accepted ones through it for the performance figures, twice as slow as by agreement.
        indexes = [
            models.Index(fields=["submitted_at", "id"], condition=Q(status="submitted"), name="return_submitted"),
            models.Index(fields=["submitted_at", "id"], condition=Q(status="queried"), name="return_queried"),
        ]

    def __str__(self) -> str:
        return f"{self.agreement.reference} {self.financial_year} Q{self.quarter}"

    def get_absolute_url(self) -> str:
        return reverse("monitoring:return-detail", args=[self.pk])

    @property
    def quarter_start(self) -> dt.date:
        return quarter_starts(self.financial_year.start_year)[self.quarter - 1]

    @property
    def quarter_end(self) -> dt.date:
        return quarter_end(self.quarter_start)


class ReturnValue(models.Model):
    return_record = models.ForeignKey(Return, on_delete=models.CASCADE, related_name="values")
    kpi_version = models.ForeignKey(KpiVersion, on_delete=models.PROTECT, related_name="values")
    value = models.DecimalField(max_digits=14, decimal_places=2)

    class Meta:
        ordering = ["kpi_version__kpi__code"]
        constraints = [models.UniqueConstraint(fields=["return_record", "kpi_version"], name="one_value_per_kpi_in_return")]

    def __str__(self) -> str:
        return f"{self.kpi_version.kpi.code} = {self.value}"


class ReturnEvent(models.Model):
    """Each step of a return — submitted, queried, answered, accepted — dated, with who and why."""

    class Action(models.TextChoices):
        SUBMITTED = "submitted", "Submitted"
        QUERIED = "queried", "Queried"
        RESUBMITTED = "resubmitted", "Answered and resubmitted"
        ACCEPTED = "accepted", "Accepted"

    return_record = models.ForeignKey(Return, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=12, choices=Action.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    comment = models.TextField(blank=True)
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.get_action_display()} by {self.actor} at {self.at:%d %b %Y}"
