"""Option sets: the areas an allocation is shared between, and the options modelled on them.

Results are never stored: `selectors.comparison` runs the pure engine (`engine.py`) on the stored
inputs every time, so a page, the XLSX export, the API and the Cabinet report all show the same
figures. Adopting an option writes the stream's allocations (funding.Allocation) with an audit event.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from simple_history.models import HistoricalRecords

from vcsgrants.core.models import Area, FinancialYear
from vcsgrants.funding.models import ZERO, Decision, FundingStream, Programme, money_field


def share_field(**kwargs) -> models.DecimalField:
    """A fraction between 0 and 1 with four places (12.5% is 0.1250)."""
    return models.DecimalField(max_digits=5, decimal_places=4, validators=[MinValueValidator(0), MaxValueValidator(1)], **kwargs)


class OptionSet(models.Model):
    """The areas and budget that a set of allocation options is modelled on."""

    class Source(models.TextChoices):
        DISTRICTS = "districts", "The council's districts"
        UPLOAD = "upload", "An uploaded CSV of areas"

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="option_sets")
    stream = models.ForeignKey(FundingStream, on_delete=models.PROTECT, related_name="option_sets")
    financial_year = models.ForeignKey(FinancialYear, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=200)
    budget = money_field(validators=[MinValueValidator(ZERO)], help_text="The money shared between the areas.")
    source = models.CharField(max_length=10, choices=Source.choices)
    source_filename = models.CharField(max_length=200, blank=True)
    baseline = models.CharField(
        max_length=200, help_text="Where today's allocations came from, e.g. 'the 2022-23 allocations of <stream>'."
    )
    indicators = models.JSONField(default=list, help_text="Names of the need indicators every area carries.")
    notes = models.TextField(blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.financial_year})"

    def get_absolute_url(self) -> str:
        return reverse("equity:equity-detail", args=[self.pk])


class OptionArea(models.Model):
    """One area's inputs: population, today's allocation and need indicators (a snapshot, kept as modelled)."""

    option_set = models.ForeignKey(OptionSet, on_delete=models.CASCADE, related_name="areas")
    area = models.ForeignKey(
        Area, null=True, blank=True, on_delete=models.PROTECT, related_name="+", help_text="Set when code is a known area."
    )
    code = models.CharField(max_length=40, help_text="The area's id: a GSS code, ward or LSOA code.")
    name = models.CharField(max_length=200)
    population = models.PositiveIntegerField()
    current = money_field(validators=[MinValueValidator(ZERO)], help_text="Today's allocation.")
    indicators = models.JSONField(default=dict, help_text="Indicator name → value, as decimal text.")

    class Meta:
        ordering = ["option_set", "id"]
        constraints = [models.UniqueConstraint(fields=["option_set", "code"], name="one_row_per_area_in_option_set")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Option(models.Model):
    """One way of sharing the budget: a blend of methods, need weights and constraints."""

    option_set = models.ForeignKey(OptionSet, on_delete=models.CASCADE, related_name="options")
    label = models.CharField(max_length=120)
    blend = models.JSONField(help_text="Method → share (decimal text), shares adding up to 1.")
    weights = models.JSONField(default=dict, blank=True, help_text="Need indicator → weight (decimal text).")
    core = money_field(default=ZERO, validators=[MinValueValidator(ZERO)], help_text="Fixed core sum per area.")
    floor = money_field(null=True, blank=True, validators=[MinValueValidator(ZERO)])
    floor_share = share_field(null=True, blank=True, help_text="Floor as a share of the area's current level.")
    ceiling = money_field(null=True, blank=True, validators=[MinValueValidator(ZERO)])
    damping = share_field(null=True, blank=True, help_text="Largest change against the year before, as a share.")
    years = models.PositiveSmallIntegerField(default=1, validators=[MinValueValidator(1), MaxValueValidator(20)])
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    adopted_at = models.DateTimeField(null=True, blank=True)
    adopted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    adopted_decision = models.ForeignKey(Decision, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    history = HistoricalRecords()

    class Meta:
        ordering = ["option_set", "id"]

    def __str__(self) -> str:
        return self.label
