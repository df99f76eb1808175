"""A report for a decision: the officer's words (purpose, progress, recommendations) around figures the
system computes when the report is opened or downloaded (`content.report_content`), never typed in."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from vcsgrants.core.models import FinancialYear
from vcsgrants.equity.models import OptionSet
from vcsgrants.funding.models import Decision, Programme

# What an officer writes on a report's edit page (reports.forms.ReportForm), and so what a new draft copies from
# the report it starts from, with the programme (its decision, author and issue are its own).
EDITABLE_FIELDS = [
    "title",
    "meeting",
    "meeting_date",
    "figures_as_at",
    "report_of",
    "areas_affected",
    "key_decision",
    "purpose",
    "progress",
    "alternatives",
    "financial_implications",
    "legal_implications",
    "hr_implications",
    "equality_implications",
    "climate_implications",
    "background_papers",
    "recommendations",
    "reasons",
    "contact_officer",
    "financial_year",
    "include_one_off",
    "option_set",
    "consultation",
    "call",
    "performance_year",
    "performance_quarter",
]

# The implications, and every standard section of a committee report written as text (the council may rename them).
IMPLICATION_FIELDS = [
    "financial_implications",
    "legal_implications",
    "hr_implications",
    "equality_implications",
    "climate_implications",
]
SECTION_TEXT_FIELDS = ["alternatives", *IMPLICATION_FIELDS, "background_papers", "reasons", "contact_officer"]

# The choices behind the figures and the dates: "start from last year's report" leaves them for the new year.
FIGURE_FIELDS = {
    "meeting_date",
    "figures_as_at",
    "financial_year",
    "option_set",
    "consultation",
    "call",
    "performance_year",
    "performance_quarter",
}
# The officer's words, which "start from last year's report" copies.
TEXT_FIELDS = [name for name in EDITABLE_FIELDS if name not in FIGURE_FIELDS]


class CabinetReport(models.Model):
    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="reports")
    title = models.CharField(max_length=300)
    meeting = models.CharField(max_length=200, default="Cabinet", help_text="For example: Cabinet.")
    meeting_date = models.DateField()
    figures_as_at = models.DateField(
        "Figures as at",
        null=True,
        blank=True,
        help_text="The report's figures are those of this date: variations, periods and returns after it do not count. "
        "Leave blank for the meeting date.",
    )
    report_of = models.CharField(
        max_length=200, blank=True, help_text="Whose report it is, for example: Executive Director – Corporate Services."
    )
    purpose = models.TextField(help_text="Why the report comes to the meeting. Blank lines separate paragraphs.")
    progress = models.TextField("Progress", blank=True, help_text="What has happened since the last decision.")
    recommendations = models.TextField(help_text="One recommendation per line; they are numbered in the report.")
    # The standard sections of a committee report; each council may switch them off or rename them (council settings).
    areas_affected = models.CharField(
        "Areas affected", max_length=300, blank=True, help_text="For example: All, or the areas named."
    )
    key_decision = models.BooleanField("This is a key decision", default=False)
    alternatives = models.TextField("Alternative options considered", blank=True)
    financial_implications = models.TextField("Financial implications", blank=True)
    legal_implications = models.TextField("Legal implications", blank=True)
    hr_implications = models.TextField("Human resources implications", blank=True)
    equality_implications = models.TextField("Equality implications", blank=True)
    climate_implications = models.TextField("Climate change implications", blank=True)
    background_papers = models.TextField("Background papers", blank=True, help_text="One paper per line.")
    reasons = models.TextField("Reasons for the recommendations", blank=True)
    contact_officer = models.TextField(
        "Contact officer", blank=True, help_text="Name, job title, telephone and e-mail, one per line."
    )
    financial_year = models.ForeignKey(
        FinancialYear, on_delete=models.PROTECT, related_name="+", help_text="The year whose grants the grants appendix lists."
    )
    include_one_off = models.BooleanField(
        "Include one-off funding in the grants appendix",
        default=False,
        help_text="Leave unticked to list recurrent funding only.",
    )
    option_set = models.ForeignKey(
        OptionSet,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reports",
        help_text="Allocation options to compare in the report, if any.",
    )
    consultation = models.ForeignKey(
        "engagement.Consultation",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reports",
        help_text="A consultation whose summary of responses the report includes, if any.",
    )
    call = models.ForeignKey(
        "calls.Call",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reports",
        help_text="An open call whose ranked recommendations by lot the report includes, if any.",
    )
    performance_year = models.ForeignKey(
        FinancialYear,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Leave blank for the latest quarter with returns.",
    )
    performance_quarter = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(4)]
    )
    decision = models.OneToOneField(Decision, null=True, blank=True, on_delete=models.SET_NULL, related_name="report")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-meeting_date", "-id"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("reports:report-detail", args=[self.pk])

    @property
    def issued_version(self) -> IssuedReport | None:
        """The version issued to the meeting, if the report has been issued."""
        try:
            return self.issued
        except IssuedReport.DoesNotExist:
            return None

    @property
    def as_at(self) -> dt.date:
        """The date the report's figures are taken at: its 'figures as at' date, else the meeting date."""
        return self.figures_as_at or self.meeting_date

    @property
    def recommendation_list(self) -> list[str]:
        return [line.strip() for line in self.recommendations.splitlines() if line.strip()]


class IssuedReport(models.Model):
    """A report as issued to the meeting: the page, the PDF and the Word file exactly as they were produced at that
    moment, each with its SHA-256, served from then on instead of being recomputed from today's records."""

    report = models.OneToOneField(CabinetReport, on_delete=models.PROTECT, related_name="issued")
    issued_at = models.DateTimeField()
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    appendix_total = models.DecimalField(max_digits=14, decimal_places=2)
    html = models.TextField(help_text="The body of the report page as rendered at issue.")
    html_sha256 = models.CharField(max_length=64)
    pdf = models.BinaryField()
    pdf_sha256 = models.CharField(max_length=64)
    docx = models.BinaryField()
    docx_sha256 = models.CharField(max_length=64)

    def __str__(self) -> str:
        return f"{self.report} as issued on {self.issued_at:%d %B %Y}"

    @property
    def label(self) -> str:
        """'As issued on 6 December 2026 by Ann Officer', shown on the page and sent with the downloads."""
        when = timezone.localtime(self.issued_at)
        return f"As issued on {when.day} {when:%B %Y} by {self.issued_by.display_name}"


class ReportTemplate(models.Model):
    """The council's own Word template that reports' Word files are rendered into (docxtpl); at most one is in use.

    Checked when uploaded (reports.word_template.template_check); without one, the built-in layout is used."""

    file = models.FileField(upload_to="council/report-template/")
    name = models.CharField(max_length=200, help_text="The uploaded file's name.")
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name
