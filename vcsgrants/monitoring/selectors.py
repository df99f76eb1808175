"""Read-only queries for quarterly monitoring: per-agreement RAG ratings, the quarters an agreement owes, overdue returns.

Everything here reads; nothing writes (no get_or_create). Ratings are computed every time through
`rag.rate_quarter` with the programme's thresholds, never stored. Each function runs a bounded number
of queries whatever the number of agreements, KPIs or returns, so dashboards can build on them.

Plain functions returning plain dataclasses:

- `thresholds_for(programme)` → `rag.Thresholds`
- `agreement_years(agreement)` → the financial years an agreement runs in
- `agreement_quarters(agreement, today)` → `list[YearQuarters]`: each quarter's return, due date and overdue flag
- `kpi_ratings(agreement, year, quarter)` → `list[KpiRow]`: each KPI's actual and target to date, RAG and trend
- `kpi_ratings_for_agreements(agreements, year, quarter)` → `{agreement_id: list[KpiRow]}` in the same few queries
- `overdue_returns(today)` → `list[OverdueReturn]` (the late quarters worked out in the database)
- `overdue_keys(today)` → `list[OverdueKey]`: the same rows as plain values, for a page; `overdue_rows(today, keys)` builds them
- `late_quarters(today)` → `list[LateQuarter]`: plain values, one query; `late_returns(today, limit=)` → count and first few
- `returns_to_do(today, organisation_id)` → one organisation's `overdue_returns`, kept in the shared cache
- `format_kpi_value(value, unit)` → "1,234", "85.5%", "£1,200.00"
- `programme_returns(programme)` → `ReturnsIndex`: which returns each quarter expects and which are in (three queries)
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import (
    Case,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
    prefetch_related_objects,
)

from vcsgrants.core.figures_cache import VersionQuery, histories, history_model, read_versions, remember, version_of
from vcsgrants.core.models import FinancialYear, Organisation
from vcsgrants.core.money import financial_year_start, quarter_end, quarter_starts
from vcsgrants.funding.models import Agreement, Programme, Variation
from vcsgrants.funding.selectors.agreements import current_end_sql
from vcsgrants.monitoring import coverage
from vcsgrants.monitoring.models import Kpi, KpiTarget, KpiVersion, Outcome, ProgrammeMonitoring, Return, ReturnValue
from vcsgrants.monitoring.rag import Aggregation, Direction, KpiRating, Rating, Thresholds, Trend, rate_quarter
from vcsgrants.monitoring.services import due_date_for, quarter_in_agreement

QUARTERS = (1, 2, 3, 4)

# Returns whose values count towards ratings: a draft is the provider's work in progress.
REPORTED_STATUSES: tuple[str, ...] = (Return.Status.SUBMITTED, Return.Status.QUERIED, Return.Status.ACCEPTED)

# Agreements that owe returns.
MONITORED_AGREEMENT_STATUSES: tuple[str, ...] = (Agreement.Status.ACTIVE, Agreement.Status.ENDED)

RATING_LABELS = {Rating.GREEN: "Green", Rating.AMBER: "Amber", Rating.RED: "Red", Rating.GREY: "Grey"}
RATING_TAG_CLASSES = {
    Rating.GREEN: "govuk-tag--green",
    Rating.AMBER: "govuk-tag--orange",
    Rating.RED: "govuk-tag--red",
    Rating.GREY: "govuk-tag--grey",
}
TREND_ARROWS = {Trend.UP: "↑", Trend.DOWN: "↓", Trend.SAME: "→", Trend.NONE: ""}
TREND_WORDS = {Trend.UP: "Up", Trend.DOWN: "Down", Trend.SAME: "No change", Trend.NONE: "No comparison"}
RETURN_STATUS_TAG_CLASSES = {
    Return.Status.DRAFT: "govuk-tag--grey",
    Return.Status.SUBMITTED: "govuk-tag--blue",
    Return.Status.QUERIED: "govuk-tag--yellow",
    Return.Status.ACCEPTED: "govuk-tag--green",
}
NOT_STARTED = "Not started"


# --- Settings and the calendar ---------------------------------------------------------


def _settings_by_programme(programme_ids: Iterable[int]) -> dict[int, ProgrammeMonitoring]:
    """Each programme's monitoring settings in one query; unsaved defaults where none are stored yet."""
    ids = set(programme_ids)
    found = {s.programme_id: s for s in ProgrammeMonitoring.objects.filter(programme_id__in=ids)}
    return {pk: found.get(pk) or ProgrammeMonitoring(programme_id=pk) for pk in ids}


def monitoring_settings_for(programme: Programme) -> ProgrammeMonitoring:
    """The programme's monitoring settings as stored, or the defaults (unsaved) when none are stored yet."""
    return _settings_by_programme([programme.pk])[programme.pk]


def thresholds_of(settings: ProgrammeMonitoring) -> Thresholds:
    """The RAG thresholds of a programme's monitoring settings (as `monitoring_settings_for` gives them)."""
    return Thresholds(amber_within=Decimal(settings.amber_within))


def thresholds_for(programme: Programme) -> Thresholds:
    """The programme's RAG thresholds (defaults when it has no monitoring settings yet)."""
    return thresholds_of(_settings_by_programme([programme.pk])[programme.pk])


def agreement_years(agreement: Agreement) -> list[FinancialYear]:
    """The financial years the agreement runs in, first to last (only years already recorded; one query)."""
    first, last = financial_year_start(agreement.start_date), financial_year_start(agreement.current_end_date)
    return list(FinancialYear.objects.filter(start_year__gte=first, start_year__lte=last).order_by("start_year"))


def is_overdue(status: str | None, due_date: dt.date, today: dt.date) -> bool:
    """A return is overdue once its due date has passed and it is not in: none yet, or still a draft."""
    return due_date < today and status in (None, Return.Status.DRAFT)


# --- The quarters an agreement owes ----------------------------------------------------


@dataclass(frozen=True)
class QuarterRow:
    """One quarter of an agreement: its return (if started), when it is due and whether it is late."""

    agreement: Agreement
    year: FinancialYear
    quarter: int
    due_date: dt.date
    in_agreement: bool
    has_targets: bool
    return_record: Return | None
    overdue: bool

    @property
    def status(self) -> str | None:
        return self.return_record.status if self.return_record else None

    @property
    def status_label(self) -> str:
        if not self.in_agreement:
            return "Outside the agreement"
        return self.return_record.get_status_display() if self.return_record else NOT_STARTED

    @property
    def status_tag_class(self) -> str:
        return RETURN_STATUS_TAG_CLASSES.get(self.status, "govuk-tag--grey")

    @property
    def label(self) -> str:
        return f"{self.year} Q{self.quarter}"

    @property
    def quarter_end(self) -> dt.date:
        return quarter_end(quarter_starts(self.year.start_year)[self.quarter - 1])


@dataclass(frozen=True)
class YearQuarters:
    year: FinancialYear
    has_targets: bool
    quarters: list[QuarterRow]


def agreement_quarters(agreement: Agreement, today: dt.date, settings: ProgrammeMonitoring | None = None) -> list[YearQuarters]:
    """Every quarter of every financial year the agreement runs in, with its return status and due date.

    A quarter is overdue when the year has targets (so there is something to report), the quarter is
    within the agreement, its due date has passed and no return is in (none, or a draft). Five queries at most
    (the agreement's variations, read once for its current end date, unless already prefetched), whatever the
    number of years. `settings`: the programme's monitoring settings, when the caller has them already.
    """
    prefetch_related_objects([agreement], "variations")  # each quarter's check reads the current end date
    years = agreement_years(agreement)
    if settings is None:
        settings = monitoring_settings_for(agreement.programme)
    returns = {(r.financial_year_id, r.quarter): r for r in Return.objects.filter(agreement=agreement)}
    years_with_targets = set(
        KpiTarget.objects.filter(agreement=agreement)
        .exclude(kpi__status=Kpi.Status.RETIRED)
        .values_list("financial_year_id", flat=True)
    )
    result = []
    for year in years:
        has_targets = year.pk in years_with_targets
        rows = []
        for quarter in QUARTERS:
            record = returns.get((year.pk, quarter))
            due = due_date_for(year.start_year, quarter, settings.return_due_days)
            inside = quarter_in_agreement(agreement, year.start_year, quarter)
            rows.append(
                QuarterRow(
                    agreement=agreement,
                    year=year,
                    quarter=quarter,
                    due_date=due,
                    in_agreement=inside,
                    has_targets=has_targets,
                    return_record=record,
                    overdue=inside and has_targets and is_overdue(record.status if record else None, due, today),
                )
            )
        result.append(YearQuarters(year=year, has_targets=has_targets, quarters=rows))
    return result


# --- RAG ratings ------------------------------------------------------------------------


@dataclass(frozen=True)
class KpiRow:
    """One KPI of one agreement at one quarter: its own value, the year to date, the rating and the trend."""

    target: KpiTarget
    quarter: int
    value: Decimal | None  # this quarter's own value
    year_before_value: Decimal | None  # the same quarter a year before
    rating: KpiRating  # actual and target to date, Red/Amber/Green/Grey, trend
    values: tuple[Decimal | None, ...] = field(default=())  # Q1..Q4 values this year

    @property
    def kpi(self) -> Kpi:
        return self.target.kpi

    @property
    def version(self) -> KpiVersion:
        return self.target.kpi.current_version

    @property
    def outcome(self) -> Outcome:
        return self.target.kpi.outcome

    @property
    def unit(self) -> str:
        return self.version.unit

    @property
    def quarter_target(self) -> Decimal:
        return self.target.quarter_targets[self.quarter - 1]

    @property
    def rating_label(self) -> str:
        return RATING_LABELS[self.rating.rating]

    @property
    def rating_tag_class(self) -> str:
        return RATING_TAG_CLASSES[self.rating.rating]

    @property
    def trend_arrow(self) -> str:
        return TREND_ARROWS[self.rating.trend]

    @property
    def trend_text(self) -> str:
        """Words for the arrow (for screen readers and tables): which way, and whether that is better."""
        words = TREND_WORDS[self.rating.trend]
        if self.rating.trend == Trend.NONE:
            return "No value for the same quarter a year before"
        better = {True: "better", False: "not better"}.get(self.rating.improving, "")
        return f"{words} on the same quarter a year before ({format_kpi_value(self.year_before_value, self.unit)})" + (
            f", {better}" if better else ""
        )

    def display(self, value: Decimal | None) -> str:
        return format_kpi_value(value, self.unit)

    @property
    def value_display(self) -> str:
        return self.display(self.value)

    @property
    def quarter_target_display(self) -> str:
        return self.display(self.quarter_target)

    @property
    def actual_display(self) -> str:
        return self.display(self.rating.actual)

    @property
    def target_to_date_display(self) -> str:
        return self.display(self.rating.target)


def kpi_ratings_for_agreements(
    agreements: Sequence[Agreement],
    year: FinancialYear,
    quarter: int,
    *,
    statuses: Sequence[str] = REPORTED_STATUSES,
    include_return: Return | None = None,
    settings: Mapping[int, ProgrammeMonitoring] | None = None,
) -> dict[int, list[KpiRow]]:
    """Each agreement's KPIs rated at the quarter, keyed by agreement id, in four queries whatever the count.

    Values come from returns with one of `statuses` (submitted, queried or accepted by default), plus
    `include_return` whatever its status (so a draft can be shown against its targets). The actual is
    the year to date; the trend compares the quarter's value with the same quarter a year before.
    Thresholds are each agreement's programme's (`settings`, by programme id, when the caller has them already). KPIs
    in order of outcome, then code.
    """
    if quarter not in QUARTERS:
        raise ValueError(f"Quarter {quarter} does not exist: use 1 to 4.")
    ids = [a.pk for a in agreements]
    if settings is None:
        settings = _settings_by_programme(a.programme_id for a in agreements)
    thresholds = {pk: thresholds_of(s) for pk, s in settings.items()}
    targets = (
        KpiTarget.objects.filter(agreement_id__in=ids, financial_year=year)
        .exclude(kpi__status=Kpi.Status.RETIRED)
        .select_related("kpi__outcome", "financial_year")
        .prefetch_related("kpi__versions")
        .order_by("agreement_id", "kpi__outcome__order", "kpi__outcome_id", "kpi__code")
    )
    counted = Q(return_record__status__in=list(statuses))
    if include_return is not None:
        counted |= Q(return_record_id=include_return.pk)
    # values[(agreement_id, start_year, kpi_id)][quarter - 1]
    values: dict[tuple[int, int, int], list[Decimal | None]] = defaultdict(lambda: [None] * 4)
    for agreement_id, start_year, quarter_number, kpi_id, value in ReturnValue.objects.filter(
        counted,
        return_record__agreement_id__in=ids,
        return_record__financial_year__start_year__in=[year.start_year, year.start_year - 1],
    ).values_list(
        "return_record__agreement_id",
        "return_record__financial_year__start_year",
        "return_record__quarter",
        "kpi_version__kpi_id",
        "value",
    ):
        values[(agreement_id, start_year, kpi_id)][quarter_number - 1] = value
    programme_of = {a.pk: a.programme_id for a in agreements}
    result: dict[int, list[KpiRow]] = {pk: [] for pk in ids}
    for target in targets:
        version = target.kpi.current_version
        this_year = values.get((target.agreement_id, year.start_year, target.kpi_id), [None] * 4)
        year_before = values.get((target.agreement_id, year.start_year - 1, target.kpi_id))
        rating = rate_quarter(
            this_year,
            target.quarter_targets,
            quarter - 1,
            Aggregation(version.aggregation),
            Direction(version.direction),
            thresholds[programme_of[target.agreement_id]],
            year_before_values=year_before,
        )
        result[target.agreement_id].append(
            KpiRow(
                target=target,
                quarter=quarter,
                value=this_year[quarter - 1],
                year_before_value=year_before[quarter - 1] if year_before else None,
                rating=rating,
                values=tuple(this_year),
            )
        )
    return result


def kpi_ratings(
    agreement: Agreement,
    year: FinancialYear,
    quarter: int,
    *,
    statuses: Sequence[str] = REPORTED_STATUSES,
    include_return: Return | None = None,
    settings: ProgrammeMonitoring | None = None,
) -> list[KpiRow]:
    """One agreement's KPIs rated at the quarter: see kpi_ratings_for_agreements. `settings`: its programme's
    monitoring settings, when the caller has them already."""
    by_programme = {agreement.programme_id: settings} if settings is not None else None
    return kpi_ratings_for_agreements(
        [agreement], year, quarter, statuses=statuses, include_return=include_return, settings=by_programme
    )[agreement.pk]


def rating_counts(rows: Iterable[KpiRow]) -> dict[str, int]:
    """How many KPIs are Green, Amber, Red and Grey, in that order."""
    counts = dict.fromkeys(RATING_LABELS.values(), 0)
    for row in rows:
        counts[row.rating_label] += 1
    return counts


# --- Overdue returns ------------------------------------------------------------------------


@dataclass(frozen=True)
class OverdueReturn:
    """A quarter whose return is late (none, or a draft, after the due date) or queried and awaiting the provider."""

    agreement: Agreement
    year: FinancialYear
    quarter: int
    due_date: dt.date
    days_overdue: int  # 0 for a queried return whose due date has not passed
    return_record: Return | None

    @property
    def organisation(self) -> Organisation:
        return self.agreement.organisation

    @property
    def status(self) -> str | None:
        return self.return_record.status if self.return_record else None

    @property
    def status_label(self) -> str:
        return self.return_record.get_status_display() if self.return_record else NOT_STARTED

    @property
    def status_tag_class(self) -> str:
        return RETURN_STATUS_TAG_CLASSES.get(self.status, "govuk-tag--grey")


def _stored_due_days() -> dict[int, int]:
    """Each programme's return_due_days where its monitoring settings are stored (one query; programmes are few)."""
    return dict(ProgrammeMonitoring.objects.values_list("programme_id", "return_due_days"))


def _due_days(stored: dict[int, int]) -> Case:
    """The agreement's programme's return_due_days in SQL, as constants: the stored ones, else the default."""
    by_days: dict[int, list[int]] = defaultdict(list)
    for programme_id, days in stored.items():
        by_days[days].append(programme_id)
    default = ProgrammeMonitoring._meta.get_field("return_due_days").get_default()
    whens = [When(programme_id__in=ids, then=Value(days)) for days, ids in sorted(by_days.items())]
    return Case(*whens, default=Value(default), output_field=IntegerField())


def _years_with_targets(organisation_id: int | None = None) -> dict[int, FinancialYear]:
    """Every financial year recorded, each marked `has_targets` when some agreement (of the organisation, if given) has
    a target for it (one query): late quarters are looked for only in those, each a SELECT to build."""
    targets = KpiTarget.objects.filter(financial_year_id=OuterRef("pk"))
    if organisation_id is not None:
        targets = targets.filter(agreement__organisation_id=organisation_id)
    years = FinancialYear.objects.annotate(has_targets=Exists(targets)).order_by("start_year")
    return {y.pk: y for y in years}


@dataclass(frozen=True, order=True)
class LateQuarter:
    """A quarter not in by its due date, as plain values in the order the lists show them (oldest due first)."""

    sort_days: int  # minus the days overdue, so that sorting puts the longest overdue first
    reference: str
    quarter: int
    agreement_id: int
    year_id: int
    draft_id: int | None  # the draft return, if one is started

    @property
    def days_overdue(self) -> int:
        return -self.sort_days


def late_quarters(today: dt.date, *, organisation_id: int | None = None) -> list[LateQuarter]:
    """Every quarter whose return is not in by its due date (no return, or a draft), as plain values, longest
    overdue first, then by agreement reference and quarter. Three queries (four on PostgreSQL), whatever the number of
    agreements."""
    years = _years_with_targets(organisation_id).values()
    return _late_quarters(today, [y for y in years if y.has_targets], _stored_due_days(), organisation_id)


def _late_quarters(
    today: dt.date, years: Iterable[FinancialYear], due_days: dict[int, int], organisation_id: int | None
) -> list[LateQuarter]:
    """The rule of `overdue_returns`, worked out in the database in one query.

    For each financial year and quarter that has ended: the active or ended agreements that run on some day of the
    quarter (their end moved by extensions), have a target for a KPI not retired in the year, whose programme's due
    date (quarter end + return_due_days) is before today, and have no return for the quarter other than a draft.
    One SELECT per quarter, joined by UNION ALL (so the query grows with the years recorded, not the agreements).
    """
    quarters = []
    for year in years:
        for quarter, start in zip(QUARTERS, quarter_starts(year.start_year), strict=True):
            end = quarter_end(start)
            since_end = (today - end).days  # overdue when return_due_days < since_end
            if since_end > 0:  # return_due_days is never negative: else not due yet
                quarters.append({_YEAR: year.pk, _QUARTER: quarter, _START: start, _END: end, _SINCE_END: since_end})
    if not quarters:
        return []
    # Django takes a few milliseconds to build each SELECT, so it builds one, with stand-in values, and each quarter
    # runs it with its own values in their places.
    sql, params = _late_branch(due_days, organisation_id).query.sql_with_params()
    prepare = connection.ops.adapt_datefield_value
    stand_ins = {prepare(v) if isinstance(v, dt.date) else v: k for k, v in _STAND_INS.items()}
    slots = [stand_ins.get(p) for p in params]
    all_params = []
    for values in quarters:
        all_params += [p if slot is None else _prepared(values[slot], prepare) for p, slot in zip(params, slots, strict=True)]
    union = " UNION ALL ".join([sql] * len(quarters))
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # PostgreSQL estimates the UNION of many quarters as costly enough to compile it (JIT), which took 5.5 s
            # of the 6 s at 20,000 agreements; the query itself runs in 0.4 s. So no JIT, for this query only.
            cursor.execute("SET LOCAL jit = off")
        cursor.execute(union, all_params)
        return sorted(LateQuarter(*row) for row in cursor.fetchall())


_YEAR, _QUARTER, _START, _END, _SINCE_END = "year", "quarter", "start", "end", "since_end"
# Values no real quarter has, to find each one's place among a built SELECT's parameters. Within each field's range
# (Django drops a condition on an integer out of its field's range as matching nothing).
_STAND_INS = {
    _YEAR: 2_147_480_001,
    _QUARTER: 32_001,
    _START: dt.date(1901, 2, 3),
    _END: dt.date(1901, 4, 5),
    _SINCE_END: 2_147_480_003,
}


def _prepared(value, prepare):
    return prepare(value) if isinstance(value, dt.date) else value


def _late_branch(due_days: dict[int, int], organisation_id: int | None):
    """The SELECT of one quarter's late returns, with the stand-in values of `_STAND_INS` for the quarter."""
    year_id, quarter, start, end, since_end = (_STAND_INS[k] for k in (_YEAR, _QUARTER, _START, _END, _SINCE_END))
    agreements = Agreement.objects.filter(status__in=MONITORED_AGREEMENT_STATUSES, start_date__lte=end)
    if organisation_id is not None:
        agreements = agreements.filter(organisation_id=organisation_id)
    this_quarter = Return.objects.filter(agreement_id=OuterRef("pk"), financial_year_id=year_id, quarter=quarter)
    targets = KpiTarget.objects.filter(agreement_id=OuterRef("pk"), financial_year_id=year_id)
    return (
        agreements.annotate(current_end=current_end_sql(), due_days=_due_days(due_days))
        .filter(current_end__gte=start, due_days__lt=since_end)
        .filter(Exists(targets.exclude(kpi__status=Kpi.Status.RETIRED)))
        .exclude(Exists(this_quarter.exclude(status=Return.Status.DRAFT)))
        .annotate(
            sort_days=ExpressionWrapper(F("due_days") - Value(since_end), output_field=IntegerField()),
            row_quarter=Value(quarter, output_field=IntegerField()),
            row_year=Value(year_id, output_field=IntegerField()),
            draft_id=Subquery(this_quarter.order_by().values("pk")[:1]),  # any return left is a draft
        )
        .order_by()
        .values_list("sort_days", "reference", "row_quarter", "pk", "row_year", "draft_id")
    )


def _overdue_rows(
    today: dt.date,
    late: Sequence[LateQuarter],
    years: dict[int, FinancialYear],
    due_days: dict[int, int],
    queried: Q | None,
) -> list[OverdueReturn]:
    """The late quarters, and the returns `queried` selects, as OverdueReturn rows, ordered by due date, then agreement
    reference and quarter (two queries, whatever the number)."""
    columns = ("pk", "agreement_id", "financial_year_id", "quarter", "status")
    wanted = Return.objects.filter(pk__in=[q.draft_id for q in late if q.draft_id is not None]).only(*columns).order_by()
    if queried is not None:
        # A UNION, not an OR: each part is planned on its own index (an OR across the join had SQLite read every
        # agreement's returns for one organisation's few).
        wanted = wanted.union(Return.objects.filter(queried, status=Return.Status.QUERIED).only(*columns).order_by())
    records = list(wanted)
    by_pk = {r.pk: r for r in records}
    queried_records = [r for r in records if r.status == Return.Status.QUERIED]
    agreements = {
        a.pk: a
        for a in Agreement.objects.filter(
            pk__in={q.agreement_id for q in late} | {r.agreement_id for r in queried_records}
        ).select_related("programme", "organisation")
    }

    default = ProgrammeMonitoring._meta.get_field("return_due_days").get_default()

    def row(agreement: Agreement, year: FinancialYear, quarter: int, record: Return | None) -> OverdueReturn:
        due = due_date_for(year.start_year, quarter, due_days.get(agreement.programme_id, default))
        return OverdueReturn(agreement, year, quarter, due, max((today - due).days, 0), record)

    rows = [row(agreements[q.agreement_id], years[q.year_id], q.quarter, by_pk.get(q.draft_id)) for q in late]
    rows += [row(agreements[r.agreement_id], years[r.financial_year_id], r.quarter, r) for r in queried_records]
    rows.sort(key=lambda r: (r.due_date, r.agreement.reference, r.quarter))
    return rows


def overdue_returns(today: dt.date, *, organisation_id: int | None = None) -> list[OverdueReturn]:
    """Every return not in by its due date, plus every queried return awaiting the provider's answer (only one
    organisation's agreements', if organisation_id is given).

    Not in: no Return at all, or a draft, for a quarter of an active or ended agreement that has
    targets (for a KPI not retired) in that financial year, where the quarter is within the agreement
    and its due date (quarter end + the programme's return_due_days) is before today (worked out in the database:
    `late_quarters`). Ordered by due date (oldest first), then agreement reference and quarter. Five queries (six on
    PostgreSQL),
    whatever the number of agreements; the time grows with what is listed, not with every agreement's quarters.
    """
    years, due_days = _years_with_targets(organisation_id), _stored_due_days()
    late = _late_quarters(today, [y for y in years.values() if y.has_targets], due_days, organisation_id)
    own = Q(agreement__organisation_id=organisation_id) if organisation_id is not None else Q()
    return _overdue_rows(today, late, years, due_days, own)


@dataclass(frozen=True, order=True)
class OverdueKey:
    """One row of the overdue list as plain values, in the list's order (due date, agreement reference, quarter):
    cheap enough to hold every row, so a page builds only its own `OverdueReturn`s (`overdue_rows`)."""

    due_date: dt.date
    reference: str
    quarter: int
    agreement_id: int
    year_id: int
    return_id: int | None  # the draft or queried return, if any
    year: FinancialYear = field(compare=False)  # loaded with the keys (years are few), so a page need not ask again


def overdue_keys(today: dt.date) -> list[OverdueKey]:
    """Every row of `overdue_returns(today)` as plain values in the same order: how many there are, and what to show
    a page at a time with `overdue_rows`. Four queries (five on PostgreSQL), whatever the number of rows."""
    years, due_days = _years_with_targets(), _stored_due_days()
    late = _late_quarters(today, [y for y in years.values() if y.has_targets], due_days, None)
    keys = [
        OverdueKey(
            today + dt.timedelta(days=q.sort_days),
            q.reference,
            q.quarter,
            q.agreement_id,
            q.year_id,
            q.draft_id,
            years[q.year_id],
        )
        for q in late
    ]
    default = ProgrammeMonitoring._meta.get_field("return_due_days").get_default()
    queried = Return.objects.filter(status=Return.Status.QUERIED).values_list(
        "pk", "agreement_id", "financial_year_id", "quarter", "agreement__reference", "agreement__programme_id"
    )
    for pk, agreement_id, year_id, quarter, reference, programme_id in queried.order_by():
        due = due_date_for(years[year_id].start_year, quarter, due_days.get(programme_id, default))
        keys.append(OverdueKey(due, reference, quarter, agreement_id, year_id, pk, years[year_id]))
    keys.sort()
    return keys


def overdue_rows(today: dt.date, keys: Sequence[OverdueKey]) -> list[OverdueReturn]:
    """The `OverdueReturn`s of the given rows of `overdue_keys(today)`, in their order (two queries, one without a
    return among them, none for no rows)."""
    return_ids = [k.return_id for k in keys if k.return_id is not None]
    records = {r.pk: r for r in Return.objects.filter(pk__in=return_ids).only("pk", "status").order_by()} if return_ids else {}
    agreements = Agreement.objects.filter(pk__in={k.agreement_id for k in keys}).select_related("programme", "organisation")
    by_pk = {a.pk: a for a in agreements} if keys else {}
    return [
        OverdueReturn(
            by_pk[k.agreement_id],
            k.year,
            k.quarter,
            k.due_date,
            max((today - k.due_date).days, 0),
            records.get(k.return_id),
        )
        for k in keys
    ]


def returns_changed() -> tuple[type, str, str]:
    """The returns' history other than a draft saved again (which providers do all day, and which changes no queue or
    figure but the draft's own values), as a (model, column, condition) of `core.figures_cache.version_of`."""
    qn = connection.ops.quote_name
    return history_model(Return), "history_id", f"{qn('status')} <> '{Return.Status.DRAFT}' OR {qn('history_type')} <> '~'"


def late_returns_version_query() -> VersionQuery:
    """A version of what the late returns read: the highest id of the returns (a draft started is
    linked) and the highest history id of their changes other than a draft saved again (which changes nothing in
    them, and happens all day), of the agreements, programmes, organisations, targets, KPIs and monitoring settings,
    and the highest id of the variations and financial years."""
    return version_of(
        (Return, "id"),
        returns_changed(),
        *histories(Agreement, Programme, Organisation, KpiTarget, Kpi, ProgrammeMonitoring),
        (Variation, "id"),
        (FinancialYear, "id"),
    )


def late_returns_version() -> tuple[int | None, ...]:
    return read_versions(late_returns_version_query())[0]


def late_returns(today: dt.date, *, limit: int, version: tuple | None = None) -> tuple[int, list[OverdueReturn]]:
    """How many returns are late (not in by their due date; queried ones are not counted) and the first `limit` of
    them, longest overdue first, then by agreement reference and quarter: for a home page's queue.

    Worked out once a day per change of what it reads (0.5 s of SQL at 20,000 agreements), and kept in the shared
    cache under `late_returns_version` (pass `version` when it was read with others). One query when nothing has
    changed; five (six on PostgreSQL) more when it has."""
    version = late_returns_version() if version is None else version
    return remember("late-returns", (today, limit, version), lambda: _late_returns(today, limit))


def returns_to_do(today: dt.date, organisation_id: int) -> list[OverdueReturn]:
    """One organisation's `overdue_returns` (late or queried), for its provider's home page: kept in the shared cache
    under `late_returns_version`, as PostgreSQL takes longer to plan the late quarters' UNION (5 ms) than the rest of
    the page takes to build."""
    version = late_returns_version()
    return remember(
        "returns-to-do", (today, organisation_id, version), lambda: overdue_returns(today, organisation_id=organisation_id)
    )


def _late_returns(today: dt.date, limit: int) -> tuple[int, list[OverdueReturn]]:
    years, due_days = _years_with_targets(), _stored_due_days()
    late = _late_quarters(today, [y for y in years.values() if y.has_targets], due_days, None)
    return len(late), _overdue_rows(today, late[:limit], years, due_days, None)


# --- Returns expected and in, for like-for-like dashboards -----------------------------------


@dataclass(frozen=True)
class ReturnsIndex:
    """A programme's returns by quarter, as plain values: what each quarter expects, and what is in."""

    # agreement → (start, current end), for agreements that owe returns (active or ended)
    spans: dict[int, tuple[dt.date, dt.date]]
    # (agreement, start year) with a target for a KPI not retired
    target_years: frozenset[tuple[int, int]]
    # (start year, quarter) → {agreement: status} for returns in (submitted, queried or accepted)
    statuses: dict[tuple[int, int], dict[int, str]]
    # quarters with at least one counted value, oldest first
    periods: tuple[tuple[int, int], ...]
    # every agreement of the programme: (id, reference, organisation's name, organisation's id)
    agreements: tuple[tuple[int, str, str, int], ...] = ()
    _expected: dict[tuple[int, int], frozenset[int]] = field(default_factory=dict, compare=False, repr=False)

    def expected(self, start_year: int, quarter: int) -> frozenset[int]:
        """Worked out once a quarter: every KPI and group of a dashboard asks again."""
        key = (start_year, quarter)
        if key not in self._expected:
            self._expected[key] = coverage.expected_agreements(self.spans, self.target_years, start_year, quarter)
        return self._expected[key]

    def coverage_at(self, start_year: int, quarter: int, scope: Iterable[int] | None = None) -> coverage.Coverage:
        statuses = self.statuses.get((start_year, quarter), {})
        return coverage.coverage_of(self.expected(start_year, quarter), statuses, None if scope is None else set(scope))


OVERDUE_HEADERS = ["Agreement", "Organisation", "Year", "Quarter", "Due", "Days overdue", "Status"]


def overdue_returns_rows(rows: list[OverdueReturn]) -> list[list]:
    """The overdue returns list's rows for its CSV/XLSX download, as the page shows them (due dates YYYY-MM-DD)."""
    return [
        [
            row.agreement.reference,
            row.organisation.name,
            str(row.year),
            f"Q{row.quarter}",
            row.due_date.isoformat(),
            row.days_overdue,
            row.status_label,
        ]
        for row in rows
    ]


def programme_returns(programme: Programme, as_at: dt.date | None = None) -> ReturnsIndex:
    """Which returns each quarter of the programme expects and which are in: three queries, whatever the size (the
    first also names every agreement, so the dashboards need not read the agreements again).

    Expected: as `overdue_returns` counts them — an active or ended agreement with a target (for a KPI not retired)
    in the quarter's financial year, running on at least one day of the quarter (its end moved by extensions).
    In: submitted (by the end of `as_at`, a report's 'figures as at' date, when given).
    """
    spans: dict[int, tuple[dt.date, dt.date]] = {}
    agreements: list[tuple[int, str, str, int]] = []
    for pk, reference, organisation, organisation_id, status, start, end in (
        Agreement.objects.filter(programme=programme)
        .annotate(current_end=current_end_sql())
        .order_by()
        .values_list("pk", "reference", "organisation__name", "organisation_id", "status", "start_date", "current_end")
    ):
        agreements.append((pk, reference, organisation, organisation_id))
        if status in MONITORED_AGREEMENT_STATUSES:
            spans[pk] = (start, end)
    target_years = frozenset(
        KpiTarget.objects.filter(agreement__programme=programme, agreement__status__in=MONITORED_AGREEMENT_STATUSES)
        .exclude(kpi__status=Kpi.Status.RETIRED)
        .order_by()
        .values_list("agreement_id", "financial_year__start_year")
        .distinct()
    )
    statuses: dict[tuple[int, int], dict[int, str]] = defaultdict(dict)
    periods: set[tuple[int, int]] = set()
    for agreement_id, start_year, quarter, status, has_values in (
        Return.objects.filter(agreement__programme=programme, status__in=REPORTED_STATUSES)
        .filter(**({"submitted_at__date__lte": as_at} if as_at else {}))
        .annotate(has_values=Exists(ReturnValue.objects.filter(return_record=OuterRef("pk"))))
        .order_by()
        .values_list("agreement_id", "financial_year__start_year", "quarter", "status", "has_values")
    ):
        statuses[(start_year, quarter)][agreement_id] = status
        if has_values:
            periods.add((start_year, quarter))
    return ReturnsIndex(spans, target_years, dict(statuses), tuple(sorted(periods)), tuple(agreements))


# --- Display ------------------------------------------------------------------------------


def format_kpi_value(value: Decimal | None, unit: str) -> str:
    """A KPI value for a page: "1,234", "12.5", "85.5%", "£1,200.00"; an en dash when there is none."""
    if value is None:
        return "–"
    if unit == KpiVersion.Unit.MONEY:
        sign = "−" if value < 0 else ""
        return f"{sign}£{abs(value):,.2f}"
    text = f"{value.quantize(Decimal('0.01')):,.2f}".rstrip("0").rstrip(".")
    if text.startswith("-"):
        text = "−" + text[1:]
    return f"{text}%" if unit == KpiVersion.Unit.PERCENT else text
