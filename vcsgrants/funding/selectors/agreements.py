"""Reads for agreements: who may see which, current terms step by step, instalments and their status."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import F, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from vcsgrants.core.concurrency import model_state
from vcsgrants.core.council import area_word
from vcsgrants.core.models import FinancialYear
from vcsgrants.core.money import long_date, pounds
from vcsgrants.core.rules import partner_lineage
from vcsgrants.funding.models import (
    ZERO,
    Agreement,
    FundingLine,
    MoneySum,
    PaymentInstalment,
    Variation,
)


def current_end_sql() -> Coalesce:
    """An agreement's current end date in SQL, as `Agreement.current_end_date`: its latest extension's, or its own."""
    extended_to = (
        Variation.objects.filter(agreement_id=OuterRef("pk"), new_end_date__isnull=False)
        .order_by("-number")
        .values("new_end_date")[:1]
    )
    return Coalesce(Subquery(extended_to), F("end_date"))


def agreements_visible_to(user) -> QuerySet[Agreement]:
    agreements = Agreement.objects.select_related("organisation", "programme").prefetch_related("areas")
    if user.has_perm("funding.view_payment_list"):
        return agreements
    allowed = Q(pk__in=[])
    if user.has_role("provider") and user.organisation_id:
        allowed |= Q(organisation_id=user.organisation_id)
    if user.has_role("partner") and user.organisation_id:
        lineage = partner_lineage(user)
        allowed |= Q(funding_lines__stream__funder_id__in=lineage) | Q(
            funding_lines__stream__contributions__funder_id__in=lineage,
            funding_lines__stream__contributions__financial_year=F("funding_lines__financial_year"),
        )
    return agreements.filter(allowed).distinct()


def agreement_list_filtered(
    user, *, status: str | None = None, programme: str | None = None, search: str | None = None
) -> QuerySet[Agreement]:
    """The agreements list as its page shows it: those the user may see, by ?status=, ?programme= and ?q= (words
    in the reference or the organisation's name)."""
    agreements = agreements_visible_to(user)
    if search:
        agreements = agreements.filter(Q(reference__icontains=search) | Q(organisation__name__icontains=search))
    if status in Agreement.Status.values:
        agreements = agreements.filter(status=status)
    if programme:
        agreements = agreements.filter(programme__slug=programme)
    return agreements


def agreement_list_table(agreements) -> tuple[list[str], list[list]]:
    """The agreements list's columns and rows for its CSV/XLSX download (the page's columns, dates YYYY-MM-DD)."""
    headers = ["Reference", "Organisation", area_word(plural=True, capital=True), "Start", "Status"]
    rows = [
        [
            a.reference,
            a.organisation.name,
            ", ".join(str(area) for area in a.areas.all()),
            a.start_date.isoformat(),
            a.get_status_display(),
        ]
        for a in agreements
    ]
    return headers, rows


@dataclass
class TermsStep:
    label: str
    variation: object
    end_date: dt.date
    lines: list[FundingLine]


def agreement_terms(agreement: Agreement) -> dict:
    """The original terms, every variation in order, and the current value by year."""
    lines = list(agreement.funding_lines.select_related("stream", "financial_year", "area", "variation"))
    steps = [TermsStep("Original terms", None, agreement.end_date, [ln for ln in lines if ln.variation_id is None])]
    end = agreement.end_date
    for variation in agreement.variations.select_related("decision", "created_by").order_by("number"):
        end = variation.new_end_date or end
        steps.append(TermsStep(str(variation), variation, end, [ln for ln in lines if ln.variation_id == variation.pk]))
    by_year: dict[FinancialYear, Decimal] = defaultdict(lambda: ZERO)
    by_key: dict[tuple, Decimal] = defaultdict(lambda: ZERO)
    for line in lines:
        by_year[line.financial_year] += line.amount
        by_key[(line.financial_year, line.stream, line.area)] += line.amount
    current_lines = [
        {"financial_year": k[0], "stream": k[1], "area": k[2], "amount": v}
        for k, v in sorted(by_key.items(), key=lambda kv: (kv[0][0].start_year, kv[0][1].name, kv[0][2].name))
    ]
    return {
        "steps": steps,
        "current_end": end,
        "value_by_year": sorted(by_year.items(), key=lambda kv: kv[0].start_year),
        "current_lines": current_lines,
        "total_value": sum(by_year.values(), ZERO),
    }


@dataclass
class InstalmentRow:
    instalment: PaymentInstalment
    paid: Decimal
    status: str

    @property
    def outstanding(self) -> Decimal:
        return self.instalment.amount - self.paid


def instalment_status(amount: Decimal, paid: Decimal, due: dt.date, today: dt.date) -> str:
    if paid >= amount:
        return "Paid"
    if due < today:
        return "Overdue" if paid == 0 else "Part paid, overdue"
    if due <= today + dt.timedelta(days=30):
        return "Due"
    return "Scheduled"


def instalment_rows(instalments: QuerySet[PaymentInstalment], today: dt.date | None = None) -> list[InstalmentRow]:
    today = today or dt.date.today()
    rows = []
    for inst in instalments.annotate(paid_total=MoneySum("payments__amount")).select_related(
        "agreement__organisation", "financial_year"
    ):
        paid = inst.paid_total or ZERO
        rows.append(InstalmentRow(inst, paid, instalment_status(inst.amount, paid, inst.due_date, today)))
    return rows


# --- What the edit pages show, as a state for their version (core.concurrency) ---------------------------------


def schedule_state(agreement: Agreement, year: FinancialYear) -> dict[str, str]:
    """The schedule page's rows: each instalment of the year in date order, its due date and amount."""
    instalments = agreement.instalments.filter(financial_year=year).order_by("due_date", "id")
    return {f"Instalment {n}": f"due {long_date(i.due_date)}, {pounds(i.amount)}" for n, i in enumerate(instalments, 1)}


def agreement_state(agreement: Agreement) -> dict[str, str]:
    """The agreement as its edit page shows it (and every other field a save writes back)."""
    return model_state(agreement, exclude=["created_by"])
