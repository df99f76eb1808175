"""Reads for finance: the payments list (what is due and overdue, with totals) and payment runs with their file.

The finance-system file of a payment run has one row per payment and funding stream: a payment is against an
agreement's instalment, which names no stream, so it is coded to streams the way "paid" is everywhere else
(`attribute_paid`: the money meets the lines in the order it falls due), as the difference between what the
agreement-year had been paid before the payment and after it. The rows add up to the run's total exactly.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property

from django.db.models import Count

from vcsgrants.core.models import FinancialYear
from vcsgrants.funding.models import (
    ZERO,
    Agreement,
    FundingLine,
    FundingStream,
    MoneySum,
    Payment,
    PaymentInstalment,
    PaymentRun,
)
from vcsgrants.funding.selectors.agreements import instalment_status
from vcsgrants.funding.selectors.programmes import PlanKey, attribute_paid, line_plan

DUE_WINDOW_DAYS = 30

# The payments page's views: key → label. The first is the default (what finance acts on).
VIEWS = {
    "due": "Due and overdue",
    "overdue": "Overdue",
    "later": "Scheduled later",
    "paid": "Paid",
    "all": "All instalments",
}


@dataclass
class ListedInstalment:
    instalment: PaymentInstalment
    paid: Decimal
    status: str
    days_overdue: int | None

    @property
    def outstanding(self) -> Decimal:
        return self.instalment.amount - self.paid


@dataclass(frozen=True)
class ListedKey:
    """One listed instalment in brief (no model instances): enough for the totals and for choosing a page."""

    pk: int
    amount: Decimal
    due_date: dt.date
    paid: Decimal
    status: str
    days_overdue: int | None

    @property
    def outstanding(self) -> Decimal:
        return self.amount - self.paid


@dataclass
class PaymentListPage:
    view: str
    year: FinancialYear | None
    keys: list[ListedKey]  # every listed instalment, in the list's order
    amount: Decimal
    paid: Decimal
    outstanding: Decimal
    overdue_count: int
    overdue_outstanding: Decimal
    due_soon_count: int
    due_soon_outstanding: Decimal

    @cached_property
    def rows(self) -> list[ListedInstalment]:
        """Every listed instalment in full (the download); a page shows `listed_rows(a page of keys)`."""
        return listed_rows(self.keys)


def listed_rows(keys: Sequence[ListedKey]) -> list[ListedInstalment]:
    """The instalments of `keys` in full, in the same order: one query, however many instalments the view holds."""
    instalments = PaymentInstalment.objects.select_related("agreement__organisation", "financial_year").in_bulk(
        [k.pk for k in keys]
    )
    return [ListedInstalment(instalments[k.pk], k.paid, k.status, k.days_overdue) for k in keys]


def payment_list(*, view: str = "due", year: FinancialYear | None = None, today: dt.date | None = None) -> PaymentListPage:
    """The instalments of one view (VIEWS), oldest due first, with totals of exactly the rows listed.

    "due": not yet paid in full and due within the next 30 days or already overdue; "overdue": not paid in full
    and past its due date; "later": not paid in full and due after the next 30 days; "paid": paid in full; "all".
    The totals come from a light read of every listed instalment (amount, due date, paid: no model instances);
    the rows in full are read for the page shown (`listed_rows`) or, for the download, all of them (`rows`).
    """
    today = today or dt.date.today()
    if view not in VIEWS:
        view = "due"
    window = today + dt.timedelta(days=DUE_WINDOW_DAYS)
    instalments = PaymentInstalment.objects.order_by("due_date", "agreement__reference", "id")
    if year is not None:
        instalments = instalments.filter(financial_year=year)
    if view == "due":
        instalments = instalments.filter(due_date__lte=window)
    elif view == "overdue":
        instalments = instalments.filter(due_date__lt=today)
    elif view == "later":
        instalments = instalments.filter(due_date__gt=window)
    keys = []
    for pk, amount, due_date, paid_total in instalments.annotate(paid_total=MoneySum("payments__amount")).values_list(
        "pk", "amount", "due_date", "paid_total"
    ):
        paid = paid_total or ZERO
        unpaid = paid < amount
        if view in ("due", "overdue", "later") and not unpaid:
            continue
        if view == "paid" and unpaid:
            continue
        overdue = unpaid and due_date < today
        days = (today - due_date).days if overdue else None
        keys.append(ListedKey(pk, amount, due_date, paid, instalment_status(amount, paid, due_date, today), days))
    overdue_keys = [k for k in keys if k.days_overdue is not None]
    due_soon_keys = [k for k in keys if k.days_overdue is None and k.outstanding > 0 and k.due_date <= window]
    return PaymentListPage(
        view=view,
        year=year,
        keys=keys,
        amount=sum((k.amount for k in keys), ZERO),
        paid=sum((k.paid for k in keys), ZERO),
        outstanding=sum((k.outstanding for k in keys), ZERO),
        overdue_count=len(overdue_keys),
        overdue_outstanding=sum((k.outstanding for k in overdue_keys), ZERO),
        due_soon_count=len(due_soon_keys),
        due_soon_outstanding=sum((k.outstanding for k in due_soon_keys), ZERO),
    )


LIST_HEADERS = ["Agreement", "Organisation", "Due", "Amount", "Paid", "Outstanding", "Days overdue", "Status"]


def payment_list_rows(page: PaymentListPage) -> list[list]:
    """The payments list's rows for its CSV/XLSX download, in LIST_HEADERS order, then its Total row: the page's
    figures exactly (amounts as plain decimals, dates YYYY-MM-DD)."""
    rows = [
        [
            row.instalment.agreement.reference,
            row.instalment.agreement.organisation.name,
            row.instalment.due_date.isoformat(),
            row.instalment.amount,
            row.paid,
            row.outstanding,
            row.days_overdue,
            row.status,
        ]
        for row in page.rows
    ]
    rows.append(["Total", None, None, page.amount, page.paid, page.outstanding, None, None])
    return rows


# --- Payment runs -----------------------------------------------------------------------------------------------


def payment_runs():
    """Every payment run, newest first, with its number of payments and total."""
    return PaymentRun.objects.select_related("recorded_by").annotate(
        total=MoneySum("payments__amount"), payment_count=Count("payments")
    )


@dataclass(frozen=True)
class RunLine:
    """One row of a payment run's finance-system file: a payment's money from one funding stream."""

    supplier_reference: str
    organisation: str
    agreement: str
    financial_year: str
    instalment_due: dt.date
    stream: str
    cost_centre: str
    account_code: str
    amount: Decimal


FILE_HEADERS = [
    "Run reference",
    "Payment date",
    "Supplier reference",
    "Organisation",
    "Agreement",
    "Financial year",
    "Instalment due",
    "Funding stream",
    "Cost centre",
    "Account code",
    "Amount",
]


def run_file_rows(run: PaymentRun, lines: list[RunLine]) -> list[list]:
    """The file's rows, in FILE_HEADERS order: dates as YYYY-MM-DD, amounts as plain decimals (1234.50)."""
    return [
        [
            run.reference,
            run.paid_on.isoformat(),
            line.supplier_reference,
            line.organisation,
            line.agreement,
            line.financial_year,
            line.instalment_due.isoformat(),
            line.stream,
            line.cost_centre,
            line.account_code,
            line.amount,
        ]
        for line in lines
    ]


def code_payment(*, before: Decimal, amount: Decimal, plan: list[tuple[dt.date, PlanKey, Decimal]]) -> dict[int, Decimal]:
    """A payment of `amount` to an agreement-year already paid `before`, by funding stream: what the lines of each
    stream are attributed (attribute_paid) after it less before it. The shares add up to `amount` exactly; with no
    lines to code it to, the whole amount is under stream 0 (uncoded). Pure: no database."""
    after_shares, before_shares = attribute_paid(before + amount, plan), attribute_paid(before, plan)
    by_stream: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for key, share in after_shares.items():
        by_stream[key[0]] += share - before_shares.get(key, ZERO)
    coded = {stream_id: share for stream_id, share in by_stream.items() if share != 0}
    if sum(coded.values(), ZERO) != amount:
        return {0: amount}
    return coded


def payment_run_lines(run: PaymentRun) -> list[RunLine]:
    """The run's payments coded to funding streams (see the module's docstring), by agreement and due date."""
    payments = list(
        run.payments.select_related("instalment__agreement__organisation", "instalment__financial_year").order_by(
            "instalment__agreement__reference", "instalment__due_date", "id"
        )
    )
    if not payments:
        return []
    pairs = {(p.instalment.agreement_id, p.instalment.financial_year_id) for p in payments}
    agreement_ids = {a for a, _ in pairs}
    year_ids = {y for _, y in pairs}
    net: dict[tuple[int, int], dict[PlanKey, Decimal]] = defaultdict(dict)
    for row in (
        FundingLine.objects.filter(agreement_id__in=agreement_ids, financial_year_id__in=year_ids)
        .values("agreement_id", "financial_year_id", "stream_id", "area_id")
        .annotate(total=MoneySum("amount"))
        .order_by()
    ):
        if (row["agreement_id"], row["financial_year_id"]) in pairs:
            net[(row["agreement_id"], row["financial_year_id"])][(row["stream_id"], row["area_id"])] = row["total"]
    earlier: dict[tuple[int, int], list[tuple[int, Decimal]]] = defaultdict(list)
    for row in Payment.objects.filter(
        instalment__agreement_id__in=agreement_ids, instalment__financial_year_id__in=year_ids
    ).values_list("id", "amount", "instalment__agreement_id", "instalment__financial_year_id"):
        earlier[(row[2], row[3])].append((row[0], row[1]))
    streams = FundingStream.objects.in_bulk({key[0] for lines in net.values() for key in lines})
    agreements = Agreement.objects.prefetch_related("variations").in_bulk(agreement_ids)
    years = FinancialYear.objects.in_bulk(year_ids)
    result: list[RunLine] = []
    for payment in payments:
        instalment = payment.instalment
        pair = (instalment.agreement_id, instalment.financial_year_id)
        agreement = agreements[instalment.agreement_id]
        before = sum((amount for pk, amount in earlier[pair] if pk < payment.pk), ZERO)
        plan = line_plan(
            year=years[instalment.financial_year_id],
            agreement_start=agreement.start_date,
            agreement_end=agreement.current_end_date,
            lines=net[pair],
            streams=streams,
        )
        coded = code_payment(before=before, amount=payment.amount, plan=plan)
        organisation = instalment.agreement.organisation
        for stream_id in sorted(coded, key=lambda s: streams[s].name if s else ""):
            stream = streams.get(stream_id)
            result.append(
                RunLine(
                    supplier_reference=organisation.supplier_reference,
                    organisation=organisation.name,
                    agreement=agreement.reference,
                    financial_year=str(instalment.financial_year),
                    instalment_due=instalment.due_date,
                    stream=stream.name if stream else "",
                    cost_centre=stream.cost_centre if stream else "",
                    account_code=stream.account_code if stream else "",
                    amount=coded[stream_id],
                )
            )
    return result
