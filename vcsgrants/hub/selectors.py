"""The home page's work queues: what is waiting for each role, read from the apps below the hub.

Each queue is bounded: it holds the oldest `limit` items (so a home page does not grow with the data), the count
of all of them and a link to the full list. Queries per queue are fixed whatever the number of records, except
where a docstring says otherwise. Money is exact (Decimal pounds to the penny, summed with `MoneySum`).

- `officer_queues(user, today)` → returns to review, returns overdue, queries awaiting the provider, KPI proposals,
  actions due or overdue (the user's own, then everyone's), consultations closing, decisions with an extension
  still to apply, data-quality findings before publishing
- `finance_queues(today)` → instalments overdue and due in the next 30 days (with totals and days overdue),
  payments recorded this month
- `cabinet_overview(today)` → each programme's budget, committed and paid for its year with the performance headline;
  decisions coming up and recently taken
- `partner_overview_for(user)` → the partner's contributions by year and the performance of what it co-funds
- `full_queue(key, user, today)` → every item of one queue, for its own page (`hub:queue`)
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection
from django.db.models import Count, DecimalField, F, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone

from vcsgrants.core.figures_cache import VersionQuery, highest_ids, histories, read_versions, remember, version_of
from vcsgrants.core.models import Area, FinancialYear, Organisation
from vcsgrants.core.money import long_date
from vcsgrants.engagement.models import Action, Consultation
from vcsgrants.funding.models import (
    ZERO,
    Agreement,
    Allocation,
    Decision,
    FundingLine,
    FundingStream,
    MoneySum,
    Payment,
    PaymentInstalment,
    Programme,
    ProgrammePeriod,
    StreamBudget,
    Variation,
)
from vcsgrants.funding.selectors import partners as partner_selectors
from vcsgrants.funding.selectors import programmes as programme_selectors
from vcsgrants.monitoring import dashboards
from vcsgrants.monitoring.models import Kpi, KpiVersion, Outcome, Return
from vcsgrants.monitoring.selectors import late_returns, late_returns_version_query, returns_changed
from vcsgrants.opendata import selectors as opendata_selectors
from vcsgrants.reports.models import CabinetReport

LIMIT = 5  # items a queue shows on the home page
DUE_WITHIN_DAYS = 30  # instalments due this soon are finance's
ACTIONS_DUE_WITHIN_DAYS = 14  # actions due this soon are listed with the overdue ones


@dataclass(frozen=True)
class Item:
    """One thing waiting: what it is, where it is done, and how old or how late it is."""

    label: str
    url: str
    detail: str = ""
    days_overdue: int = 0
    amount: Decimal | None = None


@dataclass
class Queue:
    key: str
    title: str
    items: list[Item]
    count: int
    more_url: str = ""
    more_label: str = ""
    total: Decimal | None = None  # money queues: the total of all `count` items, not only those shown
    empty: str = "Nothing waiting."

    @property
    def more(self) -> int:
        return max(self.count - len(self.items), 0)


# --- Officers --------------------------------------------------------------------------------


def _return_item(record: Return, detail: str) -> Item:
    agreement = record.agreement
    return Item(
        label=f"{agreement.reference}, {agreement.organisation}: {record.financial_year} Q{record.quarter}",
        url=reverse("monitoring:return-detail", args=[record.pk]),
        detail=detail,
    )


def _returns(status: str) -> QuerySet[Return]:
    return (
        Return.objects.filter(status=status)
        .select_related("agreement__organisation", "financial_year")
        .order_by(F("submitted_at").asc(nulls_first=True), "pk")
    )


def returns_to_review() -> QuerySet[Return]:
    """Submitted returns awaiting an officer's review, oldest submission first."""
    return _returns(Return.Status.SUBMITTED)


def queries_awaiting_provider() -> QuerySet[Return]:
    """Returns an officer has queried and the provider has not yet answered, oldest submission first."""
    return _returns(Return.Status.QUERIED)


def _submitted_detail(record: Return) -> str:
    return f"submitted {long_date(timezone.localtime(record.submitted_at).date())}" if record.submitted_at else ""


def _queried_detail(record: Return) -> str:
    return "queried: awaiting the provider's answer"


def kpi_proposals() -> QuerySet[Kpi]:
    """KPIs proposed and not yet agreed or rejected, oldest first."""
    return (
        Kpi.objects.filter(status=Kpi.Status.PROPOSED)
        .select_related("outcome__programme", "proposed_by_organisation")
        .prefetch_related("versions")
        .order_by("created_at", "pk")
    )


def _kpi_item(kpi: Kpi) -> Item:
    by = kpi.proposed_by_organisation or "the council"
    return Item(
        label=f"{kpi.code} {kpi.current_version.name}",
        url=reverse("monitoring:kpi-detail", args=[kpi.pk]),
        detail=f"{kpi.outcome.programme}; proposed by {by} on {long_date(timezone.localtime(kpi.created_at).date())}",
    )


def actions_due(today: dt.date, *, owner=None) -> QuerySet[Action]:
    """Open actions due within two weeks or overdue (of one owner, if given), the longest overdue first."""
    actions = Action.objects.filter(status=Action.Status.OPEN, due_date__lte=today + dt.timedelta(days=ACTIONS_DUE_WITHIN_DAYS))
    if owner is not None:
        actions = actions.filter(owner_user=owner)
    return actions.select_related("meeting__programme", "owner_user", "owner_organisation").order_by("due_date", "pk")


def _action_item(today: dt.date) -> Callable[[Action], Item]:
    def item(action: Action) -> Item:
        late = (today - action.due_date).days
        when = f"{late} days overdue" if late > 0 else f"due {long_date(action.due_date)}"
        return Item(
            label=action.description if len(action.description) <= 80 else f"{action.description[:77]}…",
            url=reverse("engagement:action-list", args=[action.meeting.programme.slug]) + "?show=open",
            detail=f"{action.owner_label}; {when}",
            days_overdue=max(late, 0),
        )

    return item


def consultations_closing(now: dt.datetime) -> QuerySet[Consultation]:
    """Consultations open now, the soonest to close first."""
    return (
        Consultation.objects.filter(opens_at__lte=now, closes_at__gt=now).select_related("programme").order_by("closes_at", "pk")
    )


def _consultation_item(consultation: Consultation) -> Item:
    return Item(
        label=consultation.title,
        url=consultation.get_absolute_url(),
        detail=f"{consultation.programme}; closes {consultation.closes_text}",
    )


def decisions_version_query() -> VersionQuery:
    """A version of what `decisions_to_apply` reads."""
    return version_of(
        *histories(Agreement, Decision, Programme, ProgrammePeriod, CabinetReport),
        (Variation, "id"),
        (FinancialYear, "id"),
    )


def decisions_to_apply(*, version: tuple | None = None) -> list[Decision]:
    """Decisions whose period authorises a year's extension that some active agreement still waits for.

    An agreement waits for the extension of a year when it is active and ends the day before the year starts
    (as `bulk_extension_preview` chooses). It reads every active agreement's end date (20,000 at a large funder's
    scale), so it is worked out once per change of what it reads and kept in the shared cache, under the highest
    history id of the agreements, decisions, programmes, their periods and Cabinet reports, and the highest id of the
    variations and financial years (`decisions_version_query`; pass `version` when it was read with others): one query
    when nothing has changed; three, plus a few for each decision whose period covers such a year (few: a decision
    per year or two), when it has.
    """
    version = read_versions(decisions_version_query())[0] if version is None else version
    return remember("decisions-to-apply", version, _decisions_to_apply)


def _decisions_to_apply() -> list[Decision]:
    active = Agreement.objects.filter(status=Agreement.Status.ACTIVE)
    # Read as plain values, not model instances, so 20,000 agreements take a fraction of a second.
    programme_of, ends = {}, {}
    for pk, programme_id, end in active.values_list("pk", "programme_id", "end_date"):
        programme_of[pk], ends[pk] = programme_id, end
    # An agreement's current end: its latest extension's new end date (as Agreement.current_end_date).
    for agreement_id, new_end in (
        Variation.objects.filter(agreement__in=active, new_end_date__isnull=False)
        .order_by("agreement_id", "number")
        .values_list("agreement_id", "new_end_date")
    ):
        ends[agreement_id] = new_end
    pending = {(programme_of[pk], end + dt.timedelta(days=1)) for pk, end in ends.items()}
    if not pending:
        return []
    starts = {start for _, start in pending}
    covering = Q()
    for start in starts:
        covering |= Q(period_start__lte=start, period_end__gte=start)
    found = []
    for decision in Decision.objects.filter(covering).order_by("decision_date", "pk"):
        if any((p.pk, y.start) in pending for p, y in programme_selectors.decision_extensions(decision)):
            found.append(decision)
    return found


def _decision_item(decision: Decision) -> Item:
    return Item(label=str(decision), url=decision.get_absolute_url(), detail=f"taken {long_date(decision.decision_date)}")


FINDINGS_CHECK_LIMIT = 200  # grants the home page checks at most; the open data page checks every one


@dataclass(frozen=True)
class FindingsRow:
    programme: Programme
    year: object
    unpublished: int  # grants not yet published for the year
    checked: int  # of those, how many were checked here
    with_findings: int
    findings: int


def findings_before_publishing(
    today: dt.date, *, check_limit: int = FINDINGS_CHECK_LIMIT, version: tuple | None = None
) -> list[FindingsRow]:
    """Each programme's grants for its current year not yet published, with their data-quality findings, where there
    are any. At most `check_limit` grants are checked in all (programmes in name order), so the home page does not
    grow with the grants: a programme checked only in part says so, and its open data page checks them all.

    Building and checking 200 grants takes a tenth of a second, so the rows are worked out once a day per change of
    what the grants read (`opendata.selectors.grants_version`, one query; pass `version` when it was read with others)
    and kept in the shared cache."""
    version = opendata_selectors.grants_version() if version is None else version
    return remember("findings", (today, check_limit, version), lambda: _findings_before_publishing(today, check_limit))


def _findings_before_publishing(today: dt.date, check_limit: int) -> list[FindingsRow]:
    rows = []
    budget = check_limit
    for programme in Programme.objects.order_by("name"):
        if budget <= 0:
            break
        year = programme_selectors.programme_default_year(programme)
        if year is None:
            continue
        found = opendata_selectors.unpublished_findings(programme=programme, year=year, today=today, limit=budget)
        budget -= found.checked
        if found.findings:
            rows.append(FindingsRow(programme, year, found.unpublished, found.checked, found.with_findings, found.findings))
    return rows


def _findings_item(row: FindingsRow) -> Item:
    checked = "" if row.checked == row.unpublished else f" (the first {row.checked} of {row.unpublished} checked here)"
    return Item(
        label=f"{row.programme}, {row.year}",
        url=reverse("opendata:opendata-manage", args=[row.programme.slug]) + f"?year={row.year.label}",
        detail=f"{row.findings} findings on {row.with_findings} grants not yet published{checked}",
    )


def _bounded(key, title, rows, count, make: Callable, *, more_url="", more_label="", empty="Nothing waiting.") -> Queue:
    return Queue(key, title, [make(r) for r in rows], count, more_url, more_label, empty=empty)


def _count(first: list, queryset: QuerySet, limit: int) -> int:
    """How many rows `queryset` has, given its first `limit`: a query only when those are all there is room for."""
    return len(first) if len(first) < limit else queryset.count()


def _queryset_queue(key, title, queryset: QuerySet, make: Callable, limit: int, **kwargs) -> Queue:
    """The queue of the first `limit` rows and the count of all."""
    rows = list(queryset[:limit])
    return _bounded(key, title, rows, _count(rows, queryset, limit), make, **kwargs)


def _list_queue(key, title, rows: Sequence, make: Callable, limit: int, **kwargs) -> Queue:
    return _bounded(key, title, rows[:limit], len(rows), make, **kwargs)


def _overdue_item(row) -> Item:
    return Item(
        label=f"{row.agreement.reference}, {row.organisation}: {row.year} Q{row.quarter}",
        url=reverse("monitoring:agreement-monitoring", args=[row.agreement.pk]),
        detail=f"due {long_date(row.due_date)}; {row.days_overdue} days overdue",
        days_overdue=row.days_overdue,
    )


def _queue_link(key: str) -> str:
    return reverse("hub:queue", args=[key])


def review_version_query() -> VersionQuery:
    """A version of what the returns and KPI proposals queues read: the highest history id of the returns
    other than a draft saved again (not in these queues, and saved all day), of the agreements, organisations, KPIs,
    outcomes and programmes, and the highest id of the KPIs' versions and the financial years (only ever added)."""
    return version_of(
        returns_changed(),
        *histories(Agreement, Organisation, Kpi, Outcome, Programme),
        (KpiVersion, "id"),
        (FinancialYear, "id"),
    )


def _review_queues(limit: int) -> list[Queue]:
    return [
        _queryset_queue(
            "returns-to-review",
            "Returns submitted, awaiting your review",
            returns_to_review(),
            lambda r: _return_item(r, _submitted_detail(r)),
            limit,
            more_url=_queue_link("returns-to-review"),
        ),
        _queryset_queue(
            "queries",
            "Queries awaiting the provider's answer",
            queries_awaiting_provider(),
            lambda r: _return_item(r, _queried_detail(r)),
            limit,
            more_url=_queue_link("queries"),
        ),
        _queryset_queue(
            "kpi-proposals",
            "KPI proposals awaiting a decision",
            kpi_proposals(),
            _kpi_item,
            limit,
            more_url=_queue_link("kpi-proposals"),
        ),
    ]


def officer_queues(user, today: dt.date, *, limit: int = LIMIT) -> list[Queue]:
    """Each of the officer's queues. Those that read returns and KPIs are kept in the shared cache under
    `review_version_query` (they build three queues of model rows: a quarter of the page's time at 20,000 agreements); the
    actions and consultations are read on each view (an action's owner is a person, whose name has no version). The
    versions of what is cached are read in one query."""
    late_version, decisions_version, findings_version, version = read_versions(
        late_returns_version_query(),
        decisions_version_query(),
        opendata_selectors.grants_version_query(),
        review_version_query(),
    )
    late_count, late = late_returns(today, limit=limit, version=late_version)  # the longest overdue first; not queried
    decisions = decisions_to_apply(version=decisions_version)
    findings = findings_before_publishing(today, version=findings_version)
    review, queries, proposals = remember("review-queues", (today, limit, version), lambda: _review_queues(limit))
    return [
        review,
        _bounded(
            "returns-overdue",
            "Returns overdue",
            late,
            late_count,
            _overdue_item,
            more_url=reverse("monitoring:returns-overdue"),
        ),
        queries,
        proposals,
        _queryset_queue(
            "my-actions",
            "Your actions due or overdue",
            actions_due(today, owner=user),
            _action_item(today),
            limit,
            more_url=_queue_link("my-actions"),
        ),
        _queryset_queue(
            "actions",
            "All actions due or overdue",
            actions_due(today),
            _action_item(today),
            limit,
            more_url=_queue_link("actions"),
        ),
        _queryset_queue(
            "consultations",
            "Consultations closing",
            consultations_closing(timezone.now()),
            _consultation_item,
            limit,
            more_url=reverse("engagement:consultation-list"),
        ),
        _list_queue(
            "decisions-to-apply",
            "Decisions with an extension still to apply",
            decisions,
            _decision_item,
            limit,
            more_url=reverse("funding:decision-list"),
        ),
        _list_queue(
            "findings",
            "Data-quality findings before publishing",
            findings,
            _findings_item,
            limit,
        ),
    ]


# --- Finance ---------------------------------------------------------------------------------


def _paid_so_far() -> Subquery:
    paid = (
        Payment.objects.filter(instalment=OuterRef("pk"))
        .order_by()
        .values("instalment")
        .annotate(total=MoneySum("amount"))
        .values("total")
    )
    money = DecimalField(max_digits=14, decimal_places=2)
    return Coalesce(Subquery(paid, output_field=money), Value(ZERO, output_field=money), output_field=money)


def instalments_outstanding(*, due_before: dt.date | None = None, due_from: dt.date | None = None, due_by: dt.date | None = None):
    """Instalments not yet paid in full, with `paid` and `outstanding` annotated, the earliest due first.

    "Not paid in full" is asked as "more than nothing due, and not among those whose payments reach their amount":
    the payments are summed once for the whole query (a hashed subquery), not once per instalment, so a day with
    20,000 instalments due is sorted in a fraction of the time; `paid` is summed only for the rows returned."""
    paid_in_full = (
        Payment.objects.order_by()
        .values("instalment_id")
        .annotate(total=Sum("amount"))
        .filter(total__gte=F("instalment__amount"))
        .values("instalment_id")
    )
    instalments = (
        PaymentInstalment.objects.filter(amount__gt=0)
        .exclude(pk__in=paid_in_full)
        .annotate(paid=_paid_so_far())
        .annotate(outstanding=F("amount") - F("paid"))
    )
    if due_before is not None:
        instalments = instalments.filter(due_date__lt=due_before)
    if due_from is not None:
        instalments = instalments.filter(due_date__gte=due_from)
    if due_by is not None:
        instalments = instalments.filter(due_date__lte=due_by)
    return instalments.select_related("agreement__organisation", "financial_year").order_by(
        "due_date", "agreement__reference", "pk"
    )


def count_and_outstanding(
    *, due_before: dt.date | None = None, due_from: dt.date | None = None, due_by: dt.date | None = None
) -> tuple[int, Decimal]:
    """How many instalments (due as `instalments_outstanding` filters them) are not yet paid in full, and the exact
    total still to pay on them (amounts less payments), in one query.

    Set-based: the payments summed once per instalment and joined, rather than a sum per instalment (a correlated
    subquery run twice on each of 140,000 instalments took 0.8 s on PostgreSQL; this, a tenth of that)."""
    qn = connection.ops.quote_name
    where, params = [], []
    for column_test, day in (("<", due_before), (">=", due_from), ("<=", due_by)):
        if day is not None:
            where.append(f"i.{qn('due_date')} {column_test} %s")
            params.append(connection.ops.adapt_datefield_value(day))
    amount, paid = f"i.{qn('amount')}", f"COALESCE(p.{qn('paid')}, 0)"
    where.append(f"{amount} - {paid} > 0")
    sql = (
        f"SELECT COUNT(*), SUM({amount} - {paid}) FROM {qn(PaymentInstalment._meta.db_table)} i "  # noqa: S608
        f"LEFT JOIN (SELECT {qn('instalment_id')}, SUM({qn('amount')}) AS {qn('paid')} "
        f"FROM {qn(Payment._meta.db_table)} GROUP BY {qn('instalment_id')}) p ON p.{qn('instalment_id')} = i.{qn('id')} "
        f"WHERE {' AND '.join(where)}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)  # our own table and column names; the dates as parameters
        count, total = cursor.fetchone()
    # SQLite adds decimals as floats: to the penny restores the exact sum (as MoneySum).
    return count, ZERO if total is None else Decimal(total).quantize(Decimal("0.01"))


def overdue_instalments(today: dt.date):
    return instalments_outstanding(due_before=today)


def instalments_due_soon(today: dt.date):
    return instalments_outstanding(due_from=today, due_by=today + dt.timedelta(days=DUE_WITHIN_DAYS))


def _instalment_item(today: dt.date) -> Callable[[PaymentInstalment], Item]:
    def item(instalment: PaymentInstalment) -> Item:
        late = (today - instalment.due_date).days
        outstanding = instalment.amount - instalment.paid
        part = f" (£{instalment.paid:,.2f} of £{instalment.amount:,.2f} paid)" if instalment.paid else ""
        when = f"due {long_date(instalment.due_date)}" + (f"; {late} days overdue" if late > 0 else "")
        return Item(
            label=f"{instalment.agreement.reference}, {instalment.agreement.organisation}: £{outstanding:,.2f}",
            url=reverse("funding:payment-record", args=[instalment.agreement_id, instalment.pk]),
            detail=when + part,
            days_overdue=max(late, 0),
            amount=outstanding,
        )

    return item


def payments_this_month(today: dt.date) -> QuerySet[Payment]:
    """Payments made from the first of this month to today, the latest first."""
    return (
        Payment.objects.filter(paid_on__gte=today.replace(day=1), paid_on__lte=today)
        .select_related("instalment__agreement__organisation")
        .order_by("-paid_on", "-pk")
    )


def _payment_item(payment: Payment) -> Item:
    agreement = payment.instalment.agreement
    reference = f", reference {payment.reference}" if payment.reference else ""
    return Item(
        label=f"{agreement.reference}, {agreement.organisation}: £{payment.amount:,.2f}",
        url=agreement.get_absolute_url(),
        detail=f"paid {long_date(payment.paid_on)}{reference}",
        amount=payment.amount,
    )


def finance_version() -> tuple[int | None, ...]:
    """A version of what finance's queues read: the highest history id of the instalments, payments, agreements and
    organisations (each change through the services writes one), in one query."""
    return highest_ids(*histories(PaymentInstalment, Payment, Agreement, Organisation))


def finance_queues(today: dt.date, *, limit: int = LIMIT) -> list[Queue]:
    """Instalments overdue and due in the next 30 days, with their totals, and the payments recorded this month.

    The counts and totals read every instalment due (160,000 at a large funder's scale), and the first items of a
    day with 20,000 instalments due are sorted by agreement: all are worked out once a day per change of the
    instalments, payments, agreements and organisations (`finance_version`), and kept in the shared cache. One query
    when nothing has changed."""
    version = finance_version()
    payments_url = reverse("funding:payment-list")
    soon = today + dt.timedelta(days=DUE_WITHIN_DAYS)
    queues = []
    for key, title, instalments, due in (
        ("instalments-overdue", "Instalments overdue", overdue_instalments(today), {"due_before": today}),
        (
            "instalments-due",
            f"Instalments due in the next {DUE_WITHIN_DAYS} days",
            instalments_due_soon(today),
            {"due_from": today, "due_by": soon},
        ),
    ):

        def work_out(instalments=instalments, due=due) -> tuple[int, Decimal, list[Item]]:
            count, total = count_and_outstanding(**due)
            return count, total, [_instalment_item(today)(i) for i in instalments[:limit]]

        count, total, items = remember(key, (today, limit, version), work_out)
        queues.append(Queue(key, title, items, count, more_url=payments_url, total=total))

    def payments() -> tuple[int, Decimal, list[Item]]:
        paid = payments_this_month(today)
        found = paid.order_by().aggregate(n=Count("pk"), t=MoneySum("amount"))
        return found["n"], found["t"] or ZERO, [_payment_item(p) for p in paid[:limit]]

    count, total, items = remember("payments-this-month", (today, limit, version), payments)
    title = f"Payments recorded in {today:%B %Y}"
    queues.append(Queue("payments-this-month", title, items, count, more_url=payments_url, total=total))
    return queues


# --- Cabinet and partners: money and performance at a glance -------------------------------------


@dataclass
class ProgrammeGlance:
    programme: Programme
    year: object | None
    budget: Decimal = ZERO
    committed: Decimal = ZERO
    paid: Decimal = ZERO
    headline: str = ""
    performance_url: str = ""

    @property
    def remaining(self) -> Decimal:
        return self.committed - self.paid


def money_version() -> tuple[int | None, ...]:
    return read_versions(money_version_query())[0]


def money_version_query() -> VersionQuery:
    """A version of what a programme's money for a year reads: the highest history id of the streams,
    their budgets and allocations, agreements, instalments, payments and areas, and the highest id of the funding
    lines, variations and financial years (only ever added)."""
    return version_of(
        *histories(FundingStream, StreamBudget, Allocation, Agreement, PaymentInstalment, Payment, Area),
        (FundingLine, "id"),
        (Variation, "id"),
        (FinancialYear, "id"),
    )


def programme_year_money(programme: Programme, year: FinancialYear | None) -> programme_selectors.YearSummary:
    """The programme page's money for a year (`programme_year_summary`: by stream and by district), kept in the shared
    cache under `money_version`: working it out sums every funding line and payment of the programme's year."""
    version = money_version()
    summary = remember(
        "programme-year-money",
        (programme.pk, year.pk if year else None, *version),
        lambda: programme_selectors.programme_year_summary(programme=programme, year=year),
    )
    summary.programme = programme  # the page's own record, with its current name
    return summary


def _programme_money(programme: Programme) -> tuple[FinancialYear | None, Decimal, Decimal, Decimal]:
    year = programme_selectors.programme_default_year(programme)
    if year is None:
        return None, ZERO, ZERO, ZERO
    total = programme_selectors.programme_year_summary(programme=programme, year=year).stream_total
    return year, total.budget, total.committed, total.paid


def programme_glance(
    programme: Programme, *, money: bool = True, version: tuple | None = None, figures_version: tuple | None = None
) -> ProgrammeGlance:
    """The programme's budget, committed and paid for its current year (as its page opens on), and the
    performance headline (the dashboard's, at the latest quarter with data).

    Both are kept in the shared cache, the money under `money_version` and today's date, the headline under the
    performance figures' version (pass `version` and `figures_version` when glancing at several programmes, to read
    them all at once): two queries a programme when nothing has changed and the versions are not passed, a dozen
    when something has."""
    glance = ProgrammeGlance(programme, None)
    if money:
        version = money_version() if version is None else version
        key = (programme.pk, dt.date.today(), version)  # today: the current year is the default year's first choice
        glance.year, glance.budget, glance.committed, glance.paid = remember(
            "programme-money", key, lambda: _programme_money(programme)
        )
    glance.headline = dashboards.performance_headline(programme, version=figures_version)
    glance.performance_url = reverse("monitoring:performance", args=[programme.slug])
    return glance


@dataclass
class CabinetOverview:
    programmes: list[ProgrammeGlance]
    coming_up: Queue
    recent: Queue
    programme_count: int = 0  # all programmes; `programmes` holds the first `limit` by name

    @property
    def more_programmes(self) -> int:
        return max(self.programme_count - len(self.programmes), 0)


def cabinet_overview(today: dt.date, *, limit: int = LIMIT) -> CabinetOverview:
    reports = CabinetReport.objects.filter(meeting_date__gte=today).select_related("programme").order_by("meeting_date", "pk")
    upcoming_decisions = Decision.objects.filter(decision_date__gt=today).order_by("decision_date", "pk")
    first_reports, first_decisions = list(reports[:limit]), list(upcoming_decisions[:limit])
    coming = [
        Item(label=r.title, url=r.get_absolute_url(), detail=f"{r.meeting}, {long_date(r.meeting_date)}; {r.programme}")
        for r in first_reports
    ] + [Item(label=str(d), url=d.get_absolute_url(), detail=f"on {long_date(d.decision_date)}") for d in first_decisions]
    coming_up = Queue(
        "coming-up",
        "Decisions coming up",
        coming[:limit],
        _count(first_reports, reports, limit) + _count(first_decisions, upcoming_decisions, limit),
        more_url=reverse("funding:decision-list"),
        empty="No report or decision is due at a meeting yet.",
    )
    recent = Decision.objects.filter(decision_date__lte=today).order_by("-decision_date", "-pk")
    recent_queue = _queryset_queue(
        "recent-decisions",
        "Decisions taken, the latest first",
        recent,
        _decision_item,
        limit,
        more_url=reverse("funding:decision-list"),
        empty="No decision is recorded yet.",
    )
    programmes = Programme.objects.select_related("funder").order_by("name")
    shown = list(programmes[:limit])
    version, *figures_versions = read_versions(money_version_query(), *map(dashboards.figures_version_query, shown))
    glances = [
        programme_glance(p, version=version, figures_version=figures) for p, figures in zip(shown, figures_versions, strict=True)
    ]
    return CabinetOverview(glances, coming_up, recent_queue, _count(shown, programmes, limit))


@dataclass
class PartnerHome:
    by_year: list = field(default_factory=list)  # funding.selectors.partners.YearTotal
    total_pledged: Decimal = ZERO
    total_committed: Decimal = ZERO
    programmes: list[ProgrammeGlance] = field(default_factory=list)  # the first `limit` it co-funds, by name
    detail_url: str = ""
    programme_count: int = 0

    @property
    def more_programmes(self) -> int:
        return max(self.programme_count - len(self.programmes), 0)


def partner_home(user, *, limit: int = LIMIT) -> PartnerHome:
    """The partner's contributions by year (pledged and committed, as its partner page) and the performance of each
    programme it co-funds."""
    if not user.organisation_id:
        return PartnerHome()
    overview = partner_selectors.partner_overview(user.organisation)
    shown = overview.programmes[:limit]
    figures_versions = read_versions(*map(dashboards.figures_version_query, shown))
    return PartnerHome(
        by_year=overview.by_year,
        total_pledged=overview.total_pledged,
        total_committed=overview.total_committed,
        programmes=[
            programme_glance(p, money=False, figures_version=figures) for p, figures in zip(shown, figures_versions, strict=True)
        ],
        detail_url=reverse("funding:partner-detail", args=[user.organisation_id]),
        programme_count=len(overview.programmes),
    )


# --- A queue's full list ---------------------------------------------------------------------

FULL_QUEUES: dict[str, tuple[str, str]] = {
    # key → (title, permission)
    "returns-to-review": ("Returns submitted, awaiting review", "monitoring.review_return"),
    "queries": ("Queries awaiting the provider's answer", "monitoring.review_return"),
    "kpi-proposals": ("KPI proposals awaiting a decision", "monitoring.manage_framework"),
    "my-actions": ("Your actions due or overdue", "funding.manage_programme"),
    "actions": ("All actions due or overdue", "funding.manage_programme"),
}


QUEUE_HEADERS = ["Item", "Detail", "Link"]


def queue_rows(items: list[Item], link: Callable[[str], str]) -> list[list]:
    """A queue's items for its CSV/XLSX download: what each is and its detail as on the page, and its full link
    (`link` makes an item's path a full address)."""
    return [[item.label, item.detail, link(item.url)] for item in items]


def full_queue(key: str, user, today: dt.date) -> tuple[Iterable, Callable[[object], Item]]:
    """Every item of one queue (a queryset, for paging) and how each becomes an item."""
    if key == "returns-to-review":
        return returns_to_review(), lambda r: _return_item(r, _submitted_detail(r))
    if key == "queries":
        return queries_awaiting_provider(), lambda r: _return_item(r, _queried_detail(r))
    if key == "kpi-proposals":
        return kpi_proposals(), _kpi_item
    if key == "my-actions":
        return actions_due(today, owner=user), _action_item(today)
    if key == "actions":
        return actions_due(today), _action_item(today)
    raise KeyError(key)
