"""Reads for programmes: the year's money summary, years, who may see which, decisions' extensions."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q, QuerySet

from vcsgrants.core.models import Area, FinancialYear
from vcsgrants.core.money import apportion, financial_year_start, pounds, quarterly_in_advance
from vcsgrants.core.rules import partner_lineage
from vcsgrants.funding.models import (
    ZERO,
    Agreement,
    Allocation,
    Decision,
    FundingLine,
    FundingStream,
    MoneySum,
    Payment,
    Programme,
    StreamBudget,
)


@dataclass
class MoneyRow:
    label: str
    budget: Decimal = ZERO
    allocated: Decimal = ZERO
    committed: Decimal = ZERO
    paid: Decimal = ZERO
    obj: object = None
    is_stream: bool = False

    @property
    def unallocated(self) -> Decimal:
        return self.budget - self.allocated

    @property
    def uncommitted(self) -> Decimal:
        """Streams: budget not yet committed in agreements. Areas (no budget): allocation not yet committed."""
        return (self.budget if self.is_stream else self.allocated) - self.committed

    @property
    def over_committed(self) -> Decimal:
        """How far a stream's commitments exceed its budget (zero if they do not)."""
        return max(self.committed - self.budget, ZERO) if self.is_stream else ZERO

    @property
    def remaining(self) -> Decimal:
        """Remaining to pay, the one definition on every table: committed − paid."""
        return self.committed - self.paid

    def add(self, other: MoneyRow) -> None:
        self.budget += other.budget
        self.allocated += other.allocated
        self.committed += other.committed
        self.paid += other.paid


@dataclass
class YearSummary:
    programme: Programme
    year: FinancialYear
    streams: list[MoneyRow] = field(default_factory=list)
    districts: list[MoneyRow] = field(default_factory=list)
    stream_total: MoneyRow = field(default_factory=lambda: MoneyRow("Total", is_stream=True))
    district_total: MoneyRow = field(default_factory=lambda: MoneyRow("Total"))
    committed_recurrent: Decimal = ZERO
    committed_one_off: Decimal = ZERO

    @property
    def over_committed(self) -> list[MoneyRow]:
        """Streams whose commitments for the year exceed their budget."""
        return [row for row in self.streams if row.over_committed > 0]

    @property
    def reconciles(self) -> bool:
        s, d = self.stream_total, self.district_total
        return (s.allocated, s.committed, s.paid) == (d.allocated, d.committed, d.paid)


PlanKey = tuple[int, int]  # (stream, area)


def attribute_paid(paid: Decimal, plan: list[tuple[dt.date, PlanKey, Decimal]]) -> dict[PlanKey, Decimal]:
    """Share what an agreement has been paid for a year over its lines, in the order their money falls due.

    plan: each line's money by due date (as the default schedule sets it: quarterly in advance within the
    stream's dates). Paid money meets the earliest due date first, then the next; within the due date it runs
    out on, it is shared between the lines due then in proportion to their amounts, to the penny (largest
    remainder, ties to the earlier line in (stream, area) order). Pure: no database.

    So a line is never shown paid more than it commits, and the shares add up to what was paid exactly. If more
    was paid than the plan holds (only after a reduction), the excess is shared over the lines by their amounts.
    """
    result: dict[PlanKey, Decimal] = defaultdict(lambda: ZERO)
    by_date: dict[dt.date, dict[PlanKey, Decimal]] = defaultdict(lambda: defaultdict(lambda: ZERO))
    for due, key, amount in plan:
        if amount > 0:
            by_date[due][key] += amount
            result[key] += ZERO
    left = paid
    for due in sorted(by_date):
        if left <= 0:
            break
        lines = by_date[due]
        keys = sorted(lines)
        due_total = sum(lines.values(), ZERO)
        if left >= due_total:
            for key in keys:
                result[key] += lines[key]
            left -= due_total
        else:
            for key, share in zip(keys, apportion(left, [lines[k] for k in keys]), strict=True):
                result[key] += share
            left = ZERO
    if left > 0 and result:
        keys = sorted(result)
        totals: dict[PlanKey, Decimal] = defaultdict(lambda: ZERO)
        for _, key, amount in plan:
            if amount > 0:
                totals[key] += amount
        for key, share in zip(keys, apportion(left, [totals[k] for k in keys]), strict=True):
            result[key] += share
    return dict(result)


def line_plan(
    *,
    year: FinancialYear,
    agreement_start: dt.date,
    agreement_end: dt.date,
    lines: dict[PlanKey, Decimal],
    streams: dict[int, FundingStream],
) -> list[tuple[dt.date, PlanKey, Decimal]]:
    """Each line's money by due date, as the default schedule (services.payments) spreads it: quarterly in advance
    within the dates both the agreement and the line's stream run in the year (the agreement's own if they miss)."""
    plan: list[tuple[dt.date, PlanKey, Decimal]] = []
    a_start, a_end = max(agreement_start, year.start), min(agreement_end, year.end)
    for key in sorted(lines):
        amount = lines[key]
        if amount <= 0:
            continue
        stream = streams[key[0]]
        start, end = max(a_start, stream.start), min(a_end, stream.end or a_end)
        if end < start:
            start, end = a_start, a_end
        dues = quarterly_in_advance(year.start_year, start, end, amount) if start <= end else []
        plan += [(due, key, share) for due, share in dues] or [(year.start, key, amount)]
    return plan


def paid_by_line(*, programme: Programme, year: FinancialYear) -> dict[tuple[int, int, int], Decimal]:
    """What has been paid, per (agreement, stream, area) for the year.

    Payments are made against an agreement's instalments, which follow its lines' money by due date; each
    agreement's paid total is attributed to its lines in the order their money falls due (attribute_paid), so a
    one-off stream's instalments paid in full show the stream fully paid.
    """
    net: dict[int, dict[PlanKey, Decimal]] = defaultdict(dict)
    for row in (
        FundingLine.objects.filter(agreement__programme=programme, financial_year=year)
        .values("agreement_id", "stream_id", "area_id")
        .annotate(total=MoneySum("amount"))
        .order_by("agreement_id", "stream_id", "area_id")
    ):
        net[row["agreement_id"]][(row["stream_id"], row["area_id"])] = row["total"]
    result: dict[tuple[int, int, int], Decimal] = {}
    paid_rows = {
        row["instalment__agreement_id"]: row["total"]
        for row in Payment.objects.filter(instalment__agreement__programme=programme, instalment__financial_year=year)
        .values("instalment__agreement_id")
        .annotate(total=MoneySum("amount"))
    }
    if not paid_rows:
        return result
    streams = FundingStream.objects.in_bulk({k[0] for a in paid_rows for k in net[a]})
    agreements = Agreement.objects.prefetch_related("variations").in_bulk(list(paid_rows))
    for agreement_id, paid in paid_rows.items():
        agreement = agreements[agreement_id]
        plan = line_plan(
            year=year,
            agreement_start=agreement.start_date,
            agreement_end=agreement.current_end_date,
            lines=net[agreement_id],
            streams=streams,
        )
        for key, share in attribute_paid(paid, plan).items():
            result[(agreement_id, *key)] = share
    return result


def agreement_paid_by_line(agreement: Agreement, years: list[FinancialYear]) -> dict[tuple[int, int, int], Decimal]:
    """What has been paid on each of one agreement's lines, per (year, stream, area), as paid_by_line attributes it:
    the year's payments meet the lines in the order their money falls due (four queries, whatever the lines)."""
    year_ids = [y.pk for y in years]
    paid_rows = {
        row["instalment__financial_year_id"]: row["total"]
        for row in Payment.objects.filter(instalment__agreement=agreement, instalment__financial_year_id__in=year_ids)
        .values("instalment__financial_year_id")
        .annotate(total=MoneySum("amount"))
    }
    if not paid_rows:
        return {}
    net: dict[int, dict[PlanKey, Decimal]] = defaultdict(dict)
    for row in (
        FundingLine.objects.filter(agreement=agreement, financial_year_id__in=list(paid_rows))
        .values("financial_year_id", "stream_id", "area_id")
        .annotate(total=MoneySum("amount"))
        .order_by("financial_year_id", "stream_id", "area_id")
    ):
        net[row["financial_year_id"]][(row["stream_id"], row["area_id"])] = row["total"]
    streams = FundingStream.objects.in_bulk({k[0] for lines in net.values() for k in lines})
    end = agreement.current_end_date
    result: dict[tuple[int, int, int], Decimal] = {}
    for year in years:
        if year.pk not in paid_rows:
            continue
        plan = line_plan(year=year, agreement_start=agreement.start_date, agreement_end=end, lines=net[year.pk], streams=streams)
        for key, share in attribute_paid(paid_rows[year.pk], plan).items():
            result[(year.pk, *key)] = share
    return result


MONEY_TABLES = ("streams", "districts")


def money_table(summary: YearSummary, table: str, area_heading: str) -> tuple[list[str], list[list]]:
    """The programme page's money table for the year ("streams" or "districts"), its rows then its Total row, for
    its CSV/XLSX download: exactly the page's figures, amounts as plain decimals."""
    if table == "streams":
        headers = ["Stream", "One-off", "Budget", "Allocated", "Committed in agreements", "Uncommitted", "Paid"]
        headers.append("Remaining to pay")
        rows = [
            [r.label, "Yes" if r.obj.is_one_off else "No", r.budget, r.allocated, r.committed, r.uncommitted, r.paid, r.remaining]
            for r in summary.streams
        ]
        t = summary.stream_total
        rows.append(["Total", None, t.budget, t.allocated, t.committed, t.uncommitted, t.paid, t.remaining])
        return headers, rows
    headers = [area_heading, "Allocated", "Committed in agreements", "Not yet committed", "Paid", "Remaining to pay"]
    rows = [[r.label, r.allocated, r.committed, r.uncommitted, r.paid, r.remaining] for r in summary.districts]
    t = summary.district_total
    rows.append(["Total", t.allocated, t.committed, t.uncommitted, t.paid, t.remaining])
    return headers, rows


def programme_year_summary(*, programme: Programme, year: FinancialYear) -> YearSummary:
    summary = YearSummary(programme=programme, year=year)
    streams = [s for s in programme.streams.select_related("funder") if s.runs_in(year)]
    stream_rows = {s.pk: MoneyRow(s.name, obj=s, is_stream=True) for s in streams}
    areas = list(Area.objects.all())
    area_rows = {a.pk: MoneyRow(str(a), obj=a) for a in areas}
    for budget in StreamBudget.objects.filter(stream__programme=programme, financial_year=year):
        if budget.stream_id in stream_rows:
            stream_rows[budget.stream_id].budget = budget.amount
    for alloc in Allocation.objects.filter(stream__programme=programme, financial_year=year).values(
        "stream_id", "area_id", "amount"
    ):
        stream_rows[alloc["stream_id"]].allocated += alloc["amount"]
        area_rows[alloc["area_id"]].allocated += alloc["amount"]
    one_off = {s.pk for s in streams if s.is_one_off}
    for line in (
        FundingLine.objects.filter(agreement__programme=programme, financial_year=year)
        .values("stream_id", "area_id")
        .annotate(total=MoneySum("amount"))
    ):
        stream_rows[line["stream_id"]].committed += line["total"]
        area_rows[line["area_id"]].committed += line["total"]
        if line["stream_id"] in one_off:
            summary.committed_one_off += line["total"]
        else:
            summary.committed_recurrent += line["total"]
    for (_, stream_id, area_id), paid in paid_by_line(programme=programme, year=year).items():
        stream_rows[stream_id].paid += paid
        area_rows[area_id].paid += paid
    summary.streams = list(stream_rows.values())
    summary.districts = [row for row in area_rows.values() if row.allocated or row.committed or row.paid]
    for row in summary.streams:
        summary.stream_total.add(row)
    for row in summary.districts:
        summary.district_total.add(row)
    return summary


def programme_years(programme: Programme) -> list[FinancialYear]:
    """Financial years with any budget or any commitment for the programme, oldest first: a year that multi-year
    terms commit money to before its budget is known is listed too."""
    budgeted = StreamBudget.objects.filter(stream__programme=programme).values_list("financial_year_id", flat=True)
    committed = FundingLine.objects.filter(agreement__programme=programme).values_list("financial_year_id", flat=True)
    return list(FinancialYear.objects.filter(Q(pk__in=budgeted) | Q(pk__in=committed)).order_by("start_year"))


def programmes_co_funded_by(lineage: set[int]) -> QuerySet[Programme]:
    """Programmes in which any of these organisations funds a stream or contributes to one (as rules.co_funds_programme)."""
    return Programme.objects.filter(
        Q(streams__funder_id__in=lineage) | Q(streams__contributions__funder_id__in=lineage)
    ).distinct()


def programmes_visible_to(user) -> QuerySet[Programme]:
    if user.has_perm("funding.view_payment_list"):  # council staff
        return Programme.objects.all()
    return programmes_co_funded_by(partner_lineage(user))


def stream_totals(stream: FundingStream) -> Decimal:
    return stream.budgets.aggregate(t=MoneySum("amount"))["t"] or ZERO


def programme_default_year(programme: Programme) -> FinancialYear | None:
    """This financial year if the programme has money committed in it, else the latest year it committed money, else
    the latest year with a budget: always one of programme_years (None when that list is empty)."""
    today = FinancialYear.objects.filter(start_year=financial_year_start(dt.date.today())).first()
    lines = FundingLine.objects.filter(agreement__programme=programme)
    if today and lines.filter(financial_year=today).exists():
        return today
    latest = lines.order_by("-financial_year__start_year").values_list("financial_year_id", flat=True).first()
    if latest is None:
        budgets = StreamBudget.objects.filter(stream__programme=programme).order_by("-financial_year__start_year")
        latest = budgets.values_list("financial_year_id", flat=True).first()
    return FinancialYear.objects.filter(pk=latest).first() if latest else None


def decision_extensions(decision: Decision) -> list[tuple[Programme, FinancialYear]]:
    """The bulk extensions a decision can authorise: each whole financial year its period covers, for each
    programme it concerns (the programme of its report, or of the periods and variations it authorised,
    else every programme)."""
    if not decision.period_start or not decision.period_end:
        return []
    years = [
        y
        for y in FinancialYear.objects.filter(
            start_year__gte=decision.period_start.year - 1, start_year__lte=decision.period_end.year
        )
        if decision.period_start <= y.start and y.end <= decision.period_end
    ]
    report = getattr(decision, "report", None)
    if report is not None:
        programmes = [report.programme]
    else:
        ids = {p.programme_id for p in decision.periods.all()} | {
            v.agreement.programme_id for v in decision.variations.select_related("agreement")
        }
        programmes = list(Programme.objects.filter(pk__in=ids) if ids else Programme.objects.all())
    return [(p, y) for p in programmes for y in years]


# --- What the edit pages show, as a state for their version (core.concurrency) ---------------------------------


def allocations_state(stream: FundingStream, year: FinancialYear) -> dict[str, str]:
    """The allocations page's figures: each district's allocation from the stream for the year (blank: none)."""
    amounts = {a.area_id: a.amount for a in Allocation.objects.filter(stream=stream, financial_year=year)}
    return {area.name: pounds(amounts[area.pk]) if area.pk in amounts else "" for area in Area.objects.all()}


def budget_key(year: FinancialYear) -> str:
    return f"Budget for {year.label}"


def budgets_state(stream: FundingStream) -> dict[str, str]:
    """The budget page's list: the stream's budget for each year it has one."""
    budgets = StreamBudget.objects.filter(stream=stream).select_related("financial_year").order_by("financial_year__start_year")
    return {budget_key(b.financial_year): pounds(b.amount) for b in budgets}
