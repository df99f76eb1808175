"""The money, top to bottom: programme → streams → allocations → agreements → payments.

Totals are never stored: every figure a page shows is summed from these records.
Agreements are append-only in their terms: the original funding lines stay as they were
and each variation adds its own lines (positive or negative), so current terms are the
original plus every variation in order.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Sum
from django.urls import reverse
from django.utils.functional import cached_property
from simple_history.models import HistoricalRecords

from vcsgrants.core.models import Area, FinancialYear, Organisation, UploadedDocument
from vcsgrants.core.money import long_date

ZERO = Decimal("0.00")


def money_field(**kwargs) -> models.DecimalField:
    return models.DecimalField(max_digits=12, decimal_places=2, **kwargs)


class MoneySum(Sum):
    """Sum of a money column, exact to the penny on every database.

    SQLite adds decimals as floats and Django returns the float's 15 significant digits, so
    £15,000.10 + -£15,000.00 comes back as 0.100000000000364; rounding to the penny restores the
    exact sum (PostgreSQL's is exact already).
    """

    @cached_property
    def convert_value(self):
        def to_penny(value, expression, connection):
            return None if value is None else Decimal(value).quantize(Decimal("0.01"))

        return to_penny


class Decision(models.Model):
    """A Cabinet or delegated decision that authorises periods, allocations and variations."""

    title = models.CharField(max_length=300)
    decision_date = models.DateField()
    meeting = models.CharField(max_length=200, help_text="For example: Cabinet, 10 February 2022.")
    minute_reference = models.CharField(max_length=60, blank=True)
    resolution = models.TextField(blank=True)
    amount_approved = money_field(null=True, blank=True, validators=[MinValueValidator(ZERO)])
    period_start = models.DateField(null=True, blank=True)
    period_end = models.DateField(null=True, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-decision_date", "-id"]

    def __str__(self) -> str:
        ref = f" (minute {self.minute_reference})" if self.minute_reference else ""
        return f"{self.meeting}{ref}: {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("funding:decision-detail", args=[self.pk])


class Programme(models.Model):
    name = models.CharField(max_length=200, unique=True)
    slug = models.SlugField(max_length=80, unique=True)
    description = models.TextField(blank=True)
    funder = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="programmes_led")
    is_demo = models.BooleanField(default=False, help_text="Created by the demo loader; its split by provider is illustrative.")
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("hub:programme-detail", args=[self.slug])


class ProgrammePeriod(models.Model):
    """The approved period and each extension: a dated record, never overwritten."""

    class Kind(models.TextChoices):
        APPROVED = "approved", "Approved period"
        EXTENSION = "extension", "Extension"

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="periods")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    start = models.DateField()
    end = models.DateField()
    approved_by = models.CharField(max_length=200, help_text="Who approved it, for example Cabinet.")
    approved_on = models.DateField()
    decision = models.ForeignKey(Decision, null=True, blank=True, on_delete=models.PROTECT, related_name="periods")
    note = models.TextField(blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["start", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {long_date(self.start)} – {long_date(self.end)}"

    @property
    def months(self) -> int:
        return months_between(self.start, self.end)


def months_between(start: dt.date, end: dt.date) -> int:
    """Whole calendar months from start to end inclusive (1 Oct – 31 Mar is 6)."""
    after_end = end + dt.timedelta(days=1)
    return (after_end.year - start.year) * 12 + (after_end.month - start.month)


class FundingStream(models.Model):
    class Recurrence(models.TextChoices):
        RECURRENT = "recurrent", "Recurrent"
        ONE_OFF = "one_off", "One-off"

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="streams")
    name = models.CharField(max_length=200)
    funder = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="streams_funded")
    recurrence = models.CharField(max_length=10, choices=Recurrence.choices)
    start = models.DateField()
    end = models.DateField(null=True, blank=True, help_text="Leave blank for recurrent money with no end date.")
    description = models.TextField(blank=True)
    cost_centre = models.CharField(
        max_length=30, blank=True, help_text="The finance system's cost centre that pays this stream's money."
    )
    account_code = models.CharField(
        max_length=30, blank=True, help_text="The finance system's account (nominal or subjective) code for these grants."
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["programme", "-recurrence", "name"]  # recurrent first
        constraints = [models.UniqueConstraint(fields=["programme", "name"], name="stream_name_unique_in_programme")]

    def __str__(self) -> str:
        return self.name

    @property
    def is_one_off(self) -> bool:
        return self.recurrence == self.Recurrence.ONE_OFF

    def runs_in(self, year: FinancialYear) -> bool:
        return self.start <= year.end and (self.end is None or self.end >= year.start)


class StreamBudget(models.Model):
    stream = models.ForeignKey(FundingStream, on_delete=models.CASCADE, related_name="budgets")
    financial_year = models.ForeignKey(FinancialYear, on_delete=models.PROTECT, related_name="+")
    amount = money_field(validators=[MinValueValidator(ZERO)])
    history = HistoricalRecords()

    class Meta:
        ordering = ["stream", "financial_year__start_year"]
        constraints = [models.UniqueConstraint(fields=["stream", "financial_year"], name="one_budget_per_stream_year")]

    def __str__(self) -> str:
        return f"{self.stream} {self.financial_year}: £{self.amount:,}"


class Allocation(models.Model):
    """Stream × financial year × area → amount. Never more, in total, than the stream's budget."""

    stream = models.ForeignKey(FundingStream, on_delete=models.CASCADE, related_name="allocations")
    financial_year = models.ForeignKey(FinancialYear, on_delete=models.PROTECT, related_name="+")
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="allocations")
    amount = money_field(validators=[MinValueValidator(ZERO)])
    decision = models.ForeignKey(Decision, null=True, blank=True, on_delete=models.PROTECT, related_name="allocations")
    history = HistoricalRecords()

    class Meta:
        ordering = ["stream", "financial_year__start_year", "area__kind", "area__name"]
        constraints = [
            models.UniqueConstraint(fields=["stream", "financial_year", "area"], name="one_allocation_per_stream_year_area")
        ]

    def __str__(self) -> str:
        return f"{self.stream} {self.financial_year} {self.area}: £{self.amount:,}"


class Agreement(models.Model):
    """A Service Level Agreement with one provider for one or more areas."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        ACTIVE = "active", "Active"
        ENDED = "ended", "Ended"

    reference = models.CharField(max_length=40, unique=True)
    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="agreements")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="agreements")
    areas = models.ManyToManyField(Area, related_name="agreements")
    title = models.CharField(max_length=200)
    start_date = models.DateField("Original start date")
    end_date = models.DateField("Original end date")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords(m2m_fields=[areas])

    class Meta:
        ordering = ["reference"]

    def __str__(self) -> str:
        return f"{self.reference} {self.organisation}"

    def get_absolute_url(self) -> str:
        return reverse("funding:agreement-detail", args=[self.pk])

    @property
    def current_end_date(self) -> dt.date:
        """The original end date moved by every extension, in order (uses prefetched variations if any)."""
        extensions = [v for v in self.variations.all() if v.new_end_date is not None]
        return max(extensions, key=lambda v: v.number).new_end_date if extensions else self.end_date

    def value_for(self, year: FinancialYear) -> Decimal:
        return self.funding_lines.filter(financial_year=year).aggregate(t=MoneySum("amount"))["t"] or ZERO


class Variation(models.Model):
    """A dated, approved change to an agreement's terms."""

    class Kind(models.TextChoices):
        EXTENSION = "extension", "Extension"
        VALUE_CHANGE = "value_change", "Change of value"
        MULTI_YEAR = "multi_year", "Conversion to multi-year"

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="variations")
    number = models.PositiveIntegerField()
    kind = models.CharField(max_length=20, choices=Kind.choices)
    new_end_date = models.DateField(null=True, blank=True)
    reason = models.TextField()
    approved_by = models.CharField(max_length=200, help_text="Who approved the change, for example Cabinet or a named officer.")
    approved_on = models.DateField()
    decision = models.ForeignKey(Decision, null=True, blank=True, on_delete=models.PROTECT, related_name="variations")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["agreement", "number"]
        constraints = [models.UniqueConstraint(fields=["agreement", "number"], name="variation_number_unique")]

    def __str__(self) -> str:
        return f"Variation {self.number}: {self.get_kind_display()}"


class FundingLine(models.Model):
    """Money in an agreement: stream × financial year × area. Original terms have no variation."""

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="funding_lines")
    variation = models.ForeignKey(Variation, null=True, blank=True, on_delete=models.CASCADE, related_name="funding_lines")
    stream = models.ForeignKey(FundingStream, on_delete=models.PROTECT, related_name="funding_lines")
    financial_year = models.ForeignKey(FinancialYear, on_delete=models.PROTECT, related_name="+")
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="funding_lines")
    amount = money_field()

    class Meta:
        ordering = ["financial_year__start_year", "stream", "area__name", "id"]
        # An agreement's lines for a year: the 360Giving export, schedules and value-by-year all read this way.
        indexes = [models.Index(fields=["agreement", "financial_year"], name="fundingline_agreement_year")]

    def __str__(self) -> str:
        return f"{self.stream} {self.financial_year} {self.area}: £{self.amount:,}"


class PaymentInstalment(models.Model):
    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="instalments")
    financial_year = models.ForeignKey(FinancialYear, on_delete=models.PROTECT, related_name="+")
    due_date = models.DateField()
    amount = money_field(validators=[MinValueValidator(ZERO)])
    history = HistoricalRecords()

    class Meta:
        ordering = ["due_date", "id"]
        # Finance's home page lists the instalments overdue and due soon by due date, oldest first, among 160,000.
        indexes = [models.Index(fields=["due_date", "id"], name="instalment_due_date")]

    def __str__(self) -> str:
        return f"{self.agreement.reference} due {long_date(self.due_date)}: £{self.amount:,}"


class PaymentRun(models.Model):
    """Several instalments recorded as paid in one step (one BACS run in the finance system): the file for the
    finance system is written from its payments."""

    paid_on = models.DateField()
    reference = models.CharField(max_length=60, help_text="The finance system's reference for the run.")
    duplicate_reference = models.BooleanField(
        default=False, help_text="The reference was already on an earlier payment or run, and was confirmed anyway."
    )
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-recorded_at", "-id"]

    def __str__(self) -> str:
        return f"Payment run {self.reference} ({long_date(self.paid_on)})"

    def get_absolute_url(self) -> str:
        return reverse("funding:payment-run-detail", args=[self.pk])


class Payment(models.Model):
    instalment = models.ForeignKey(PaymentInstalment, on_delete=models.PROTECT, related_name="payments")
    run = models.ForeignKey(PaymentRun, null=True, blank=True, on_delete=models.PROTECT, related_name="payments")
    paid_on = models.DateField()
    amount = money_field(validators=[MinValueValidator(Decimal("0.01"))])
    reference = models.CharField(max_length=60, blank=True, help_text="The finance system's payment reference.")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["paid_on", "id"]

    def __str__(self) -> str:
        return f"£{self.amount:,} paid {long_date(self.paid_on)}"


def document_path(instance: AgreementDocument, filename: str) -> str:
    return f"agreements/{instance.agreement_id}/{filename}"


class AgreementDocument(UploadedDocument):
    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="documents")
    file = models.FileField(upload_to=document_path)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-uploaded_at", "-id"]


# --- Funding partners and multi-year terms ---------------------------------------------


class StreamContribution(models.Model):
    """A partner's share of a stream's budget for a financial year; the stream's own funder pays the rest.

    A stream with no contributions is paid for entirely by its funder, as before. An agreement's money by
    funder follows from its funding lines: each stream's commitments for a year are shared between the
    funders in proportion to their shares of the budget (see funding.cofunding).
    """

    stream = models.ForeignKey(FundingStream, on_delete=models.CASCADE, related_name="contributions")
    financial_year = models.ForeignKey(FinancialYear, on_delete=models.PROTECT, related_name="+")
    funder = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="stream_contributions")
    amount = money_field(validators=[MinValueValidator(Decimal("0.01"))])
    note = models.CharField(max_length=300, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["stream", "financial_year__start_year", "funder__name"]
        constraints = [
            models.UniqueConstraint(fields=["stream", "financial_year", "funder"], name="one_contribution_per_stream_year_funder")
        ]

    def __str__(self) -> str:
        return f"{self.funder} to {self.stream} {self.financial_year}: £{self.amount:,}"


class MultiYearTerms(models.Model):
    """An agreement's multi-year terms: the years it runs, the annual uplift, the break clause and the reviews.

    Written once, when the agreement is created as multi-year (variation empty) or by the variation that
    converts it; the money itself is in funding lines, one set per year, like every other change.
    """

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="multiyear_terms")
    variation = models.OneToOneField(Variation, null=True, blank=True, on_delete=models.CASCADE, related_name="multiyear_terms")
    first_year = models.ForeignKey(FinancialYear, on_delete=models.PROTECT, related_name="+")
    last_year = models.ForeignKey(FinancialYear, on_delete=models.PROTECT, related_name="+")
    uplift_percent = models.DecimalField(
        "Annual uplift (%)", max_digits=6, decimal_places=3, default=Decimal("0"), validators=[MinValueValidator(0)]
    )
    notice_months = models.PositiveSmallIntegerField("Notice period (months)", null=True, blank=True)
    earliest_break_date = models.DateField(null=True, blank=True)
    first_review_date = models.DateField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["agreement", "first_year__start_year", "id"]

    def __str__(self) -> str:
        return f"{self.agreement.reference}: multi-year {self.first_year} to {self.last_year}"


class ProfileYear(models.Model):
    """The amount agreed for one financial year of multi-year terms (all the agreement's recurrent money that year)."""

    terms = models.ForeignKey(MultiYearTerms, on_delete=models.CASCADE, related_name="years")
    financial_year = models.ForeignKey(FinancialYear, on_delete=models.PROTECT, related_name="+")
    amount = money_field(validators=[MinValueValidator(ZERO)])
    added = models.BooleanField(default=True, help_text="False for the year the agreement already held when converted.")

    class Meta:
        ordering = ["terms", "financial_year__start_year"]
        constraints = [models.UniqueConstraint(fields=["terms", "financial_year"], name="one_profile_amount_per_year")]

    def __str__(self) -> str:
        return f"{self.financial_year}: £{self.amount:,}"
