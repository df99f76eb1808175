"""Reads for a decision's page: what it authorises, and for each extension whether it has been applied."""

from __future__ import annotations

from dataclasses import dataclass, field

from vcsgrants.core.models import FinancialYear
from vcsgrants.funding.models import Allocation, Decision, Programme, ProgrammePeriod, Variation
from vcsgrants.funding.selectors.programmes import decision_extensions


@dataclass
class DecisionExtension:
    """A programme's extension for a financial year that the decision authorises, and what applying it wrote."""

    programme: Programme
    year: FinancialYear
    variations: list[Variation] = field(default_factory=list)
    periods: list[ProgrammePeriod] = field(default_factory=list)
    allocations: list[Allocation] = field(default_factory=list)

    @property
    def applied(self) -> bool:
        """Applied once the decision has extended the programme's agreements to the year's end, or a period citing it
        covers the year: offering it again would only find nothing to extend."""
        return bool(self.variations) or any(p.end >= self.year.end for p in self.periods)

    @property
    def applied_on(self):
        dates = [v.approved_on for v in self.variations] or [p.approved_on for p in self.periods]
        return max(dates) if dates else None


def decision_extension_status(decision: Decision) -> list[DecisionExtension]:
    """Each extension the decision can authorise (selectors.programmes.decision_extensions), with the variations,
    periods and allocations citing the decision for that programme and year (four queries)."""
    pairs = decision_extensions(decision)
    if not pairs:
        return []
    variations = list(
        decision.variations.filter(kind=Variation.Kind.EXTENSION, new_end_date__isnull=False)
        .select_related("agreement__organisation")
        .order_by("agreement__reference")
    )
    periods = list(decision.periods.all())
    allocations = list(decision.allocations.select_related("stream", "area", "financial_year"))
    return [
        DecisionExtension(
            programme=programme,
            year=year,
            variations=[v for v in variations if v.agreement.programme_id == programme.pk and v.new_end_date == year.end],
            periods=[p for p in periods if p.programme_id == programme.pk and p.start <= year.end and p.end >= year.start],
            allocations=[a for a in allocations if a.stream.programme_id == programme.pk and a.financial_year_id == year.pk],
        )
        for programme, year in pairs
    ]


DECISION_LIST_HEADERS = ["Date", "Meeting", "Minute reference", "Decision", "Amount approved"]


def decision_list_rows(decisions) -> list[list]:
    """The decisions list's rows for its CSV/XLSX download (dates YYYY-MM-DD, amounts as plain decimals)."""
    return [[d.decision_date.isoformat(), d.meeting, d.minute_reference, d.title, d.amount_approved] for d in decisions]
