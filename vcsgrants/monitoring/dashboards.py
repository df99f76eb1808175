"""Performance roll-ups of the shared outcomes framework: by programme, outcome, provider and district.

Reads load everything a page needs in a fixed number of queries, whatever the size of the programme
(`values()` rows grouped in Python), then the roll-ups are plain arithmetic with `rag`:

- **Across providers** a quarter's figure combines the providers' values: SUM KPIs add up; MEAN and
  LATEST KPIs take the mean of the providers' values. Targets combine by the same rule.
- **Like for like**: a roll-up at a quarter counts the providers whose return for that quarter is in
  (submitted, queried or accepted; drafts never count), with their values and targets for every
  quarter of the year so far. A late return therefore shows as missing data (grey, and in the
  "returns in" count), not as a shortfall; a provider whose return is in is judged on its whole year
  to date, exactly as `rag.rate_quarter` judges one agreement.
- **Coverage**: each figure says how many of the quarter's expected returns are in (`coverage`): accepted, and
  submitted or queried but not yet accepted. A quarter expects a return from each active or ended agreement live
  in it with a KPI target for its year.
- **Default quarter**: the latest quarter with figures whose accepted returns reach the programme's minimum
  coverage (100% unless changed); the latest with any figures when none does yet (and the page says so).
- **Year to date** aggregates the quarters with `rag.aggregate` and `rag.target_to_date`; the rating
  is `rag.rate` with the programme's amber band; the trend compares the quarter's own figure with
  the same quarter a year before **over the same agreements only** (those with a value in both quarters).
- A KPI's aggregation, direction and unit are its current version's; a roll-up notes when values
  were made against more than one version.
- An agreement covering several districts counts in full in each district's roll-up.
- An outcome (or provider, or district) is red if any of its KPIs is red, else amber if any is amber,
  else green if any is green, else grey.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from functools import cached_property

from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import BigIntegerField, Exists, F, OuterRef, Q
from django.db.models.functions import Cast, Round
from django.utils import timezone

from vcsgrants.core.council import area_word, whole_area_name
from vcsgrants.core.figures_cache import VersionQuery, histories, history_model, read_versions, remember, version_of
from vcsgrants.core.models import Area, CouncilSettings, Organisation
from vcsgrants.core.money import financial_year_start
from vcsgrants.core.services import parse_financial_year_label
from vcsgrants.funding.models import Agreement, Programme, Variation
from vcsgrants.monitoring.coverage import (
    DEFAULT_MINIMUM_PERCENT,
    Coverage,
    combine,
    compared_text,
    default_quarter,
    like_for_like,
)
from vcsgrants.monitoring.models import Kpi, KpiTarget, KpiVersion, Outcome, ProgrammeMonitoring, Return, ReturnValue
from vcsgrants.monitoring.rag import (
    Aggregation,
    Direction,
    Rating,
    Thresholds,
    Trend,
    is_improvement,
    rate_quarter,
    trend,
)
from vcsgrants.monitoring.selectors import ReturnsIndex, programme_returns
from vcsgrants.monitoring.services import monitoring_settings

COUNTED_STATUSES = (Return.Status.SUBMITTED, Return.Status.QUERIED, Return.Status.ACCEPTED)
SHOWN_KPI_STATUSES = (Kpi.Status.AGREED, Kpi.Status.RETIRED)
RATING_ORDER = (Rating.GREEN, Rating.AMBER, Rating.RED, Rating.GREY)
RATING_LABELS = {Rating.GREEN: "Green", Rating.AMBER: "Amber", Rating.RED: "Red", Rating.GREY: "No data"}
RATING_TAGS = {Rating.GREEN: "green", Rating.AMBER: "yellow", Rating.RED: "red", Rating.GREY: "grey"}
RATING_FILLS = {Rating.GREEN: "#00703c", Rating.AMBER: "#ffdd00", Rating.RED: "#d4351c", Rating.GREY: "#b1b4b6"}
RATING_TEXT_COLOURS = {Rating.GREEN: "#ffffff", Rating.AMBER: "#0b0c0c", Rating.RED: "#ffffff", Rating.GREY: "#0b0c0c"}
UNIT_LABELS = dict(KpiVersion.Unit.choices)
CENT = Decimal("0.01")

OUTCOME_RULE = (
    "An outcome is red if any of its KPIs is red; otherwise amber if any is amber; otherwise green if any is green; "
    "grey (no data) if none of its KPIs has data."
)


def district_rule() -> str:
    """How agreements count by area, in the council's words."""
    words, whole = area_word(plural=True), whole_area_name()
    return (
        f"An agreement that covers several {words} counts in full in each of them, so the {words}' figures "
        f"do not add up to the programme's. {whole} agreements appear under {whole}, not spread across {words}."
    )


LIKE_FOR_LIKE_RULE = (
    "Each figure counts the providers whose return for the quarter is in (submitted, queried or accepted; drafts are "
    "not counted), with their values and targets for every quarter of the year so far, and says how many of the "
    "returns expected are in. A late return shows as missing data, not as a shortfall."
)
TREND_RULE = (
    "The quarter's own figure against the same quarter a year before, for the same providers only: those with a value "
    'in both quarters ("same 9 providers"), so a provider missing from either quarter does not move the arrow.'
)


def year_label(start_year: int) -> str:
    return f"{start_year}-{(start_year + 1) % 100:02d}"


# --- What is loaded ---------------------------------------------------------------------


@dataclass(frozen=True, order=True)
class Period:
    start_year: int
    quarter: int

    @property
    def year_label(self) -> str:
        return year_label(self.start_year)

    @property
    def label(self) -> str:
        return f"Q{self.quarter} {self.year_label}"

    @property
    def year_before(self) -> Period:
        return Period(self.start_year - 1, self.quarter)


@dataclass(frozen=True)
class OutcomeInfo:
    id: int
    title: str
    order: int


@dataclass(frozen=True)
class KpiInfo:
    id: int
    code: str
    name: str
    definition: str
    unit: str
    aggregation: Aggregation
    direction: Direction
    outcome_id: int
    status: str
    version: int

    @property
    def label(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def unit_label(self) -> str:
        return UNIT_LABELS.get(self.unit, self.unit)

    @property
    def across(self) -> Aggregation:
        """How providers' figures for one quarter combine: counts and money add up; rates and levels average."""
        return Aggregation.SUM if self.aggregation == Aggregation.SUM else Aggregation.MEAN

    @property
    def better_when(self) -> str:
        return "Higher" if self.direction == Direction.HIGHER_IS_BETTER else "Lower"

    @property
    def retired(self) -> bool:
        return self.status == Kpi.Status.RETIRED


@dataclass(frozen=True)
class AgreementInfo:
    id: int
    reference: str
    organisation: str
    area_ids: tuple[int, ...]
    organisation_id: int = 0

    @property
    def label(self) -> str:
        return f"{self.organisation} ({self.reference})"


@dataclass(frozen=True)
class AreaInfo:
    id: int
    name: str
    kind: str

    @property
    def label(self) -> str:
        return whole_area_name() if self.kind == Area.Kind.COUNTY else self.name


@dataclass
class PerformanceData:
    """Everything the roll-ups read for some financial years of one programme, keyed by ids."""

    start_years: tuple[int, ...]
    thresholds: Thresholds
    outcomes: list[OutcomeInfo]
    kpis: list[KpiInfo]
    agreements: dict[int, AgreementInfo]
    areas: list[AreaInfo]
    # every version of the programme's KPIs (shown or not): version id → (kpi id, version number)
    versions: dict[int, tuple[int, int]] = field(default_factory=dict)
    # Figures are kept as whole hundredths (int): see load_figures and combine.
    # (kpi, start year, quarter) → {agreement: value}
    values: dict[tuple[int, int, int], dict[int, int]] = field(default_factory=dict)
    # (kpi, start year) → {agreement: (Q1, Q2, Q3, Q4 targets)}
    targets: dict[tuple[int, int], dict[int, tuple[int | None, ...]]] = field(default_factory=dict)
    # (kpi, start year) → version numbers the values were made against
    versions_used: dict[tuple[int, int], set[int]] = field(default_factory=dict)
    # which returns each quarter expects and which are in (None: expected is every agreement with a target)
    returns: ReturnsIndex | None = None

    def expected_in(self, period: Period) -> frozenset[int] | None:
        return None if self.returns is None else self.returns.expected(period.start_year, period.quarter)

    def statuses_in(self, period: Period) -> dict[int, str]:
        return {} if self.returns is None else self.returns.statuses.get((period.start_year, period.quarter), {})

    def coverage(self, period: Period, agreement_ids: Collection[int] | None = None) -> Coverage | None:
        if self.returns is None:
            return None
        return self.returns.coverage_at(period.start_year, period.quarter, agreement_ids)

    @cached_property
    def touched(self) -> dict[tuple[int, int], set[int]]:
        """(kpi, start year) → the agreements with a target or a counted value for it."""
        index: dict[tuple[int, int], set[int]] = defaultdict(set)
        for (kpi_id, y), per_agreement in self.targets.items():
            index[(kpi_id, y)].update(per_agreement)
        for (kpi_id, y, _), per_agreement in self.values.items():
            index[(kpi_id, y)].update(per_agreement)
        return index

    def kpis_with_data(self, start_year: int, agreement_ids: Collection[int] | None = None) -> list[KpiInfo]:
        """KPIs for which any of the agreements (any at all when None) has a target or a counted value in the year."""
        return [
            k
            for k in self.kpis
            if (ids := self.touched.get((k.id, start_year))) and (agreement_ids is None or not ids.isdisjoint(agreement_ids))
        ]

    def kpis_shown(self, start_year: int) -> list[KpiInfo]:
        """The framework's KPIs for a year: every agreed one, and retired ones only where they have figures that year."""
        return [k for k in self.kpis if not k.retired or self.touched.get((k.id, start_year))]

    def agreements_with_data(self, start_year: int) -> list[AgreementInfo]:
        ids: set[int] = set()
        for (_, y), agreement_ids in self.touched.items():
            if y == start_year:
                ids.update(agreement_ids)
        return sorted((self.agreements[i] for i in ids if i in self.agreements), key=lambda a: (a.organisation, a.reference))


def as_at_filter(as_at: dt.date | None, prefix: str = "") -> Q:
    """Returns counted as at a date (a report's 'figures as at'): those submitted by the end of that day."""
    return Q(**{f"{prefix}submitted_at__date__lte": as_at}) if as_at else Q()


def load_framework(
    programme: Programme,
    start_years: Iterable[int],
    settings: ProgrammeMonitoring | None = None,
    returns: ReturnsIndex | None = None,
) -> PerformanceData:
    """The programme's settings, outcomes, KPIs (current versions, and every version's number), agreements and
    areas: five queries (six or seven the first time the programme's monitoring settings are read; one fewer for
    each of the settings and the returns index given, whose agreements are then used), no figures yet.

    KPIs shown: every agreed one, and retired ones that carried a target in any of the years.
    """
    years = tuple(sorted(set(start_years)))
    thresholds = Thresholds(amber_within=(settings or monitoring_settings(programme)).amber_within)
    outcomes = [
        OutcomeInfo(o["id"], o["title"], o["order"])
        for o in Outcome.objects.filter(programme=programme).order_by("order", "id").values("id", "title", "order")
    ]
    current: dict[int, dict] = {}
    versions: dict[int, tuple[int, int]] = {}
    version_fields = ("number", "name", "definition", "unit", "aggregation", "direction")
    targeted = KpiTarget.objects.filter(kpi_id=OuterRef("kpi_id"), financial_year__start_year__in=years)
    for v in (
        KpiVersion.objects.filter(kpi__outcome__programme=programme)
        .annotate(targeted=Exists(targeted))
        .values("id", "kpi_id", "kpi__code", "kpi__status", "kpi__outcome_id", "targeted", *version_fields)
    ):
        versions[v["id"]] = (v["kpi_id"], v["number"])
        if v["kpi__status"] not in SHOWN_KPI_STATUSES or (v["kpi__status"] == Kpi.Status.RETIRED and not v["targeted"]):
            continue
        if v["kpi_id"] not in current or v["number"] > current[v["kpi_id"]]["number"]:
            current[v["kpi_id"]] = v

    area_ids: dict[int, list[int]] = defaultdict(list)
    areas: dict[int, AreaInfo] = {}
    for agreement_id, area_id, name, kind in Agreement.areas.through.objects.filter(agreement__programme=programme).values_list(
        "agreement_id", "area_id", "area__name", "area__kind"
    ):
        area_ids[agreement_id].append(area_id)
        areas[area_id] = AreaInfo(area_id, name, kind)
    rows = (
        returns.agreements
        if returns is not None
        else Agreement.objects.filter(programme=programme).values_list("pk", "reference", "organisation__name", "organisation_id")
    )
    agreements = {
        pk: AgreementInfo(pk, reference, organisation, tuple(sorted(area_ids[pk])), organisation_id)
        for pk, reference, organisation, organisation_id in rows
    }
    outcome_order = {o.id: i for i, o in enumerate(outcomes)}
    kpis = sorted(
        (
            KpiInfo(
                id=kpi_id,
                code=v["kpi__code"],
                name=v["name"],
                definition=v["definition"],
                unit=v["unit"],
                aggregation=Aggregation(v["aggregation"]),
                direction=Direction(v["direction"]),
                outcome_id=v["kpi__outcome_id"],
                status=v["kpi__status"],
                version=v["number"],
            )
            for kpi_id, v in current.items()
        ),
        key=lambda k: (outcome_order.get(k.outcome_id, len(outcome_order)), k.code),
    )
    return PerformanceData(
        returns=returns,
        start_years=years,
        thresholds=thresholds,
        outcomes=outcomes,
        kpis=kpis,
        agreements=agreements,
        areas=sorted(areas.values(), key=lambda a: (a.kind != Area.Kind.COUNTY, a.name)),
        versions=versions,
    )


def _hundredths(column: str):
    return Cast(Round(F(column) * 100), BigIntegerField())


def _fetch(queryset) -> list[tuple]:
    """The queryset's rows as the database driver returns them, without Django's per-value converters."""
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def load_figures(
    programme: Programme, data: PerformanceData, kpi_ids: Collection[int] | None = None, as_at: dt.date | None = None
) -> PerformanceData:
    """Add the counted values and the targets for data's years (all KPIs, or only kpi_ids): two queries.

    Figures are read as whole hundredths (every value and target has two decimal places), straight off the
    cursor, and stay integers until `combine` has added them up: at 100,000 values, making a Decimal of each
    (and a Fraction of each for a mean) was most of the page's time. Values are read by KPI version id, which
    `data.versions` resolves, so the query needs no join to the versions; nothing is sorted in SQL.
    """
    years = data.start_years
    rows = ReturnValue.objects.filter(
        return_record__agreement__programme=programme,
        return_record__status__in=COUNTED_STATUSES,
        return_record__financial_year__start_year__in=years,
    ).filter(as_at_filter(as_at, "return_record__"))
    target_rows = KpiTarget.objects.filter(agreement__programme=programme, financial_year__start_year__in=years)
    if kpi_ids is not None:
        wanted = set(kpi_ids)
        rows = rows.filter(kpi_version_id__in=[pk for pk, (kpi_id, _) in data.versions.items() if kpi_id in wanted])
        target_rows = target_rows.filter(kpi_id__in=wanted)
    # (KPI version, start year, quarter) → {agreement: value}
    by_version: dict[tuple[int, int, int], dict[int, int]] = defaultdict(dict)
    for version_id, agreement_id, start_year, quarter, hundredths in _fetch(
        rows.annotate(hundredths=_hundredths("value"))
        .order_by()
        .values_list(
            "kpi_version_id",
            "return_record__agreement_id",
            "return_record__financial_year__start_year",
            "return_record__quarter",
            "hundredths",
        )
    ):
        by_version[(version_id, start_year, quarter)][agreement_id] = hundredths
    values: dict[tuple[int, int, int], dict[int, int]] = {}
    versions_used: dict[tuple[int, int], set[int]] = defaultdict(set)
    # A version of another programme's KPI cannot carry this programme's values (the services refuse it).
    groups = [(data.versions[v], y, q, per_agreement) for (v, y, q), per_agreement in by_version.items() if v in data.versions]
    # In order of version number, so that, were a return ever to hold two versions of one KPI, the later one wins.
    for (kpi_id, number), start_year, quarter, per_agreement in sorted(groups, key=lambda group: group[0][1]):
        values.setdefault((kpi_id, start_year, quarter), {}).update(per_agreement)
        versions_used[(kpi_id, start_year)].add(number)
    targets: dict[tuple[int, int], dict[int, tuple[int | None, ...]]] = defaultdict(dict)
    target_rows = target_rows.annotate(**{f"h{q}": _hundredths(f"q{q}_target") for q in range(1, 5)}).order_by()
    for row in _fetch(target_rows.values_list("kpi_id", "agreement_id", "financial_year__start_year", "h1", "h2", "h3", "h4")):
        targets[(row[0], row[2])][row[1]] = row[3:]
    data.values, data.targets, data.versions_used = values, dict(targets), dict(versions_used)
    data.__dict__.pop("touched", None)
    return data


def load_performance(programme: Programme, start_years: Iterable[int], as_at: dt.date | None = None) -> PerformanceData:
    """Everything the roll-ups read for the years: seven queries (up to nine the first time), whatever the data's size.

    `as_at` (a report's 'figures as at' date) counts only the returns submitted by then."""
    return load_figures(programme, load_framework(programme, start_years), as_at=as_at)


def choose_period(
    periods: Sequence[Period],
    year: str | None,
    quarter: str | None,
    today: dt.date | None = None,
    default: Period | None = None,
) -> Period:
    """The period asked for (?year=2022-23&quarter=2), defaulting to `default` when neither is given, else to the
    latest quarter with data.

    Raises ValueError, with a message for the user, for a year or quarter that is not one.
    """
    start_year = None
    if year:
        try:
            start_year = parse_financial_year_label(year)
        except ValidationError as exc:
            raise ValueError(exc.messages[0]) from exc
    number = None
    if quarter:
        if quarter.strip() not in {"1", "2", "3", "4"}:
            raise ValueError(f"'{quarter}' is not a quarter: use 1 (April to June) to 4 (January to March).")
        number = int(quarter)
    if start_year is None and number is None and default is not None:
        return default
    if start_year is None:
        if periods:
            latest = periods[-1]
            return Period(latest.start_year, number or latest.quarter)
        start_year = financial_year_start(today or dt.date.today())
    if number is None:
        in_year = [p.quarter for p in periods if p.start_year == start_year]
        number = max(in_year) if in_year else 1
    return Period(start_year, number)


# --- Roll-ups -----------------------------------------------------------------------------


@dataclass(frozen=True)
class KpiRollup:
    """One KPI at one quarter, over a set of agreements (the programme, one provider, one district)."""

    kpi: KpiInfo
    period: Period
    actual: Decimal | None  # year to date
    target: Decimal | None  # target to date
    rating: Rating
    trend: Trend
    improving: bool | None
    quarter_actual: Decimal | None  # the quarter's own figure
    quarter_target: Decimal | None
    year_before: Decimal | None  # the same quarter a year before, of the agreements compared only
    reporting: int  # returns in for the quarter (submitted, queried or accepted)
    expected: int  # returns the quarter expects with a target for this KPI (and any other return in)
    versions: tuple[int, ...] = ()
    accepted: int = 0  # of the returns in, those accepted
    compared: int = 0  # agreements with a value both this quarter and the same quarter a year before
    compared_providers: int = 0  # their providers
    compared_actual: Decimal | None = None  # the quarter's own figure of the agreements compared only

    @property
    def awaiting(self) -> int:
        return self.reporting - self.accepted

    @property
    def coverage(self) -> Coverage:
        return Coverage(self.expected, self.accepted, self.awaiting)

    @property
    def compared_text(self) -> str:
        return compared_text(self.compared, self.compared_providers)


def kpi_rollup(data: PerformanceData, kpi: KpiInfo, period: Period, agreement_ids: Collection[int] | None = None) -> KpiRollup:
    """Year to date at `period` for the agreements given (all of the programme's when None); see the module notes."""

    scope = None if agreement_ids is None else set(agreement_ids)

    def in_scope(per_agreement: dict[int, object]) -> list[int]:
        if scope is None:
            return list(per_agreement)
        if len(scope) < len(per_agreement):  # one provider among many: look it up rather than scan
            return [a for a in scope if a in per_agreement]
        return [a for a in per_agreement if a in scope]

    y, q = period.start_year, period.quarter
    across = kpi.across
    now = data.values.get((kpi.id, y, q), {})
    reporters = in_scope(now)
    year_targets = data.targets.get((kpi.id, y), {})
    actuals: list[Decimal | None] = []
    targets: list[Decimal | None] = []
    for i in range(4):
        quarter_values = data.values.get((kpi.id, y, i + 1), {})
        actuals.append(combine([h for a in reporters if (h := quarter_values.get(a)) is not None], across))
        quarter_targets = [year_targets[a][i] for a in reporters if a in year_targets]
        targets.append(combine([h for h in quarter_targets if h is not None], across))
    before = data.values.get((kpi.id, y - 1, q), {})
    # Like for like: only the agreements with a value in both quarters.
    now_values, before_values, common = like_for_like({a: now[a] for a in reporters}, {a: before[a] for a in in_scope(before)})
    compared_actual, year_before = combine(now_values, across), combine(before_values, across)
    result = rate_quarter(actuals, targets, q - 1, kpi.aggregation, kpi.direction, data.thresholds)
    value_trend = trend(compared_actual, year_before)
    expected_now = data.expected_in(period)
    with_target = in_scope(year_targets)
    if expected_now is not None:
        with_target = [a for a in with_target if a in expected_now]
    statuses = data.statuses_in(period)
    return KpiRollup(
        kpi=kpi,
        period=period,
        actual=result.actual,
        target=result.target,
        rating=result.rating,
        trend=value_trend,
        improving=is_improvement(value_trend, kpi.direction),
        quarter_actual=actuals[q - 1],
        quarter_target=targets[q - 1],
        year_before=year_before,
        reporting=len(reporters),
        expected=len(set(with_target) | set(reporters)),
        versions=tuple(sorted(data.versions_used.get((kpi.id, y), ()))),
        accepted=sum(1 for a in reporters if statuses.get(a) == Return.Status.ACCEPTED),
        compared=len(common),
        compared_providers=len({data.agreements[a].organisation_id if a in data.agreements else -a for a in common}),
        compared_actual=compared_actual,
    )


def overall_rating(ratings: Iterable[Rating]) -> Rating:
    """Red if any is red, else amber if any is amber, else green if any is green, else grey."""
    seen = set(ratings)
    for rating in (Rating.RED, Rating.AMBER, Rating.GREEN):
        if rating in seen:
            return rating
    return Rating.GREY


def rating_counts(ratings: Iterable[Rating]) -> dict[Rating, int]:
    counts = Counter(ratings)
    return {r: counts.get(r, 0) for r in RATING_ORDER}


@dataclass
class GroupRollup:
    """A group's KPIs (an outcome's, a provider's or a district's) with their counts and overall rating."""

    label: str
    rollups: list[KpiRollup]
    obj: object = None
    agreements: int = 0
    coverage: Coverage | None = None  # the quarter's returns for the group's agreements

    @property
    def counts(self) -> dict[Rating, int]:
        return rating_counts(r.rating for r in self.rollups)

    @property
    def overall(self) -> Rating:
        return overall_rating(r.rating for r in self.rollups)

    @property
    def overall_label(self) -> str:
        return RATING_LABELS[self.overall]

    @property
    def overall_tag(self) -> str:
        return RATING_TAGS[self.overall]


def programme_rollup(data: PerformanceData, period: Period) -> list[KpiRollup]:
    return [kpi_rollup(data, kpi, period) for kpi in data.kpis_shown(period.start_year)]


def outcome_rollups(
    data: PerformanceData, period: Period, programme_rows: Sequence[KpiRollup] | None = None
) -> list[GroupRollup]:
    rows = programme_rollup(data, period) if programme_rows is None else programme_rows
    by_outcome: dict[int, list[KpiRollup]] = defaultdict(list)
    for row in rows:
        by_outcome[row.kpi.outcome_id].append(row)
    whole = data.coverage(period)
    return [GroupRollup(o.title, by_outcome.get(o.id, []), obj=o, coverage=whole) for o in data.outcomes]


def provider_rollups(
    data: PerformanceData, period: Period, agreements: Iterable[AgreementInfo] | None = None
) -> list[GroupRollup]:
    """Each agreement with targets or values in the year (or each of `agreements`: a page of them), rated on its own KPIs."""
    groups = []
    for agreement in data.agreements_with_data(period.start_year) if agreements is None else agreements:
        ids = {agreement.id}
        rows = [kpi_rollup(data, kpi, period, ids) for kpi in data.kpis_with_data(period.start_year, ids)]
        groups.append(GroupRollup(agreement.label, rows, obj=agreement, agreements=1, coverage=data.coverage(period, ids)))
    return groups


def agreements_matching(report: PerformanceReport, text: str = "") -> list[AgreementInfo]:
    """The agreements with data in the report's year whose provider's name or reference holds `text` (any case)."""
    agreements = report.data.agreements_with_data(report.period.start_year)
    if not text:
        return agreements
    needle = text.casefold()
    return [a for a in agreements if needle in a.organisation.casefold() or needle in a.reference.casefold()]


def district_rollups(data: PerformanceData, period: Period) -> list[GroupRollup]:
    """Each area covered by an agreement with data in the year; an agreement with several areas counts in each."""
    by_area: dict[int, set[int]] = defaultdict(set)
    for agreement in data.agreements_with_data(period.start_year):
        for area_id in agreement.area_ids:
            by_area[area_id].add(agreement.id)
    groups = []
    for area in data.areas:
        ids = by_area.get(area.id)
        if not ids:
            continue
        rows = [kpi_rollup(data, kpi, period, ids) for kpi in data.kpis_with_data(period.start_year, ids)]
        groups.append(GroupRollup(area.label, rows, obj=area, agreements=len(ids), coverage=data.coverage(period, ids)))
    return groups


def headline(rows: Sequence[KpiRollup], period: Period, coverage: Coverage | None = None) -> str:
    """For example: 8 of 14 KPIs are on track (green) at Q2 2022-23 year to date; 3 amber, 2 red, 1 without data
    (from 9 of 10 expected returns accepted; 1 more submitted, not yet accepted)."""
    if not rows:
        return "The outcomes framework has no agreed KPIs yet."
    counts = rating_counts(r.rating for r in rows)
    green, total = counts[Rating.GREEN], len(rows)
    verb = "is" if green == 1 else "are"
    noun = "KPI" if total == 1 else "KPIs"
    text = (
        f"{green} of {total} {noun} {verb} on track (green) at {period.label} year to date; "
        f"{counts[Rating.AMBER]} amber, {counts[Rating.RED]} red, {counts[Rating.GREY]} without data"
    )
    return f"{text} (from {coverage.text})." if coverage is not None else f"{text}."


# --- Reports the pages show -------------------------------------------------------------


@dataclass
class PerformanceReport:
    programme: Programme
    period: Period
    periods: list[Period]
    data: PerformanceData
    minimum_coverage: int = DEFAULT_MINIMUM_PERCENT
    default_found: bool = True  # some quarter meets the minimum coverage (else the default is the latest with data)
    cache_key: tuple | None = None  # set when the report came through the shared cache: its roll-ups are kept there too

    def _remembered(self, name: str, compute):
        return compute() if self.cache_key is None else remember(f"performance-{name}", self.cache_key, compute)

    @cached_property
    def coverage(self) -> Coverage | None:
        return self.data.coverage(self.period)

    @property
    def default_rule(self) -> str:
        """How the quarter shown by default is chosen, for this programme, in words."""
        at = (
            "every expected return"
            if self.minimum_coverage == 100
            else f"at least {self.minimum_coverage}% of its expected returns"
        )
        rule = f"Unless another quarter is chosen, this shows the latest quarter with {at} accepted (this programme's setting)."
        if not self.default_found:
            rule += " No quarter meets that yet, so it shows the latest quarter with any return in."
        return rule

    @cached_property
    def kpis(self) -> list[KpiRollup]:
        return programme_rollup(self.data, self.period)

    @cached_property
    def outcomes(self) -> list[GroupRollup]:
        return outcome_rollups(self.data, self.period, self.kpis)

    @cached_property
    def providers(self) -> list[GroupRollup]:
        return self._remembered("providers", lambda: provider_rollups(self.data, self.period))

    @cached_property
    def districts(self) -> list[GroupRollup]:
        return self._remembered("districts", lambda: district_rollups(self.data, self.period))

    @property
    def counts(self) -> dict[Rating, int]:
        return rating_counts(r.rating for r in self.kpis)

    @property
    def headline(self) -> str:
        return headline(self.kpis, self.period, self.coverage)

    @property
    def years(self) -> list[str]:
        return [year_label(y) for y in sorted({p.start_year for p in self.periods} | {self.period.start_year}, reverse=True)]

    @property
    def has_data(self) -> bool:
        return any(r.reporting for r in self.kpis)


def performance_report(
    programme: Programme, year: str | None = None, quarter: str | None = None, *, as_at: dt.date | None = None
) -> PerformanceReport:
    """The programme at one quarter, with the year before for direction of travel.

    Default: the latest quarter with figures whose accepted returns reach the programme's minimum coverage; the
    latest with any figures when none does yet. Nine queries (ten or eleven the first time the settings are read).
    `as_at` (a report's 'figures as at' date): only the returns submitted by then count, for the default quarter and
    the coverage too (a return's status is today's: when it was accepted is not recorded).

    Without `as_at`, the figures are kept in the shared cache under `figures_version` (one query): a repeated view
    of the same quarter costs that query and reading the cache; any change the figures read makes a new version,
    so the next view works them out afresh. The providers' and districts' roll-ups are kept the same way.
    """
    if as_at is not None:
        return _performance_report(programme, year, quarter, as_at)
    key = ("report", programme.pk, year, quarter, timezone.localdate(), figures_version(programme))
    period, periods, data, minimum, found = remember(
        "performance", key, lambda: _report_parts(_performance_report(programme, year, quarter, None))
    )
    return PerformanceReport(programme, period, periods, data, minimum, default_found=found, cache_key=key)


def _performance_report(programme: Programme, year: str | None, quarter: str | None, as_at: dt.date | None) -> PerformanceReport:
    settings, returns, periods, period, found = _report_period(programme, year, quarter, as_at)
    framework = load_framework(programme, [period.start_year - 1, period.start_year], settings, returns)
    data = load_figures(programme, framework, as_at=as_at)
    return PerformanceReport(programme, period, periods, data, settings.minimum_coverage, default_found=found is not None)


def _report_parts(report: PerformanceReport) -> tuple:
    """What a report keeps in the cache: everything but the programme itself (read afresh on every view)."""
    return report.period, report.periods, report.data, report.minimum_coverage, report.default_found


def figures_version(programme: Programme) -> tuple[int | None, ...]:
    return read_versions(figures_version_query(programme))[0]


def figures_version_query(programme: Programme) -> VersionQuery:
    """A version of everything the programme's performance figures read: the highest history id of the
    programme's returns other than drafts (a submission, query, answer, acceptance, an answer's changed values, a
    bulk import), and the highest history (or row) id of the framework, targets, monitoring settings, agreements,
    variations, organisations, areas and the council's settings (rarely changed, so read across all programmes,
    each one index lookup). Every change to them through the services writes a history row with a higher id, so
    the version rises: figures keyed by it are never stale. Drafts are left out: saving one changes no figure.
    """
    qn = connection.ops.quote_name
    returns, agreements = history_model(Return)._meta.db_table, Agreement._meta.db_table
    programme_returns = (
        f"(SELECT MAX(h.{qn('history_id')}) FROM {qn(returns)} h WHERE h.{qn('status')} <> %s AND "  # noqa: S608
        f"h.{qn('agreement_id')} IN (SELECT a.{qn('id')} FROM {qn(agreements)} a WHERE a.{qn('programme_id')} = %s))"
    )
    shared = version_of(
        *histories(Outcome, Kpi, KpiTarget, ProgrammeMonitoring, Agreement, Organisation, Area, CouncilSettings),
        (KpiVersion, "id"),
        (Variation, "id"),
    )
    return VersionQuery((programme_returns, *shared.parts), (Return.Status.DRAFT, programme.pk))  # no user input


def _report_period(programme: Programme, year: str | None, quarter: str | None, as_at: dt.date | None):
    """The programme's monitoring settings, its returns index, the periods with figures, the period a report shows and
    the default quarter found by coverage (None when no quarter meets it): four queries (five or six the first time
    the settings are read)."""
    settings = monitoring_settings(programme)
    returns = programme_returns(programme, as_at=as_at)
    periods = [Period(y, q) for y, q in returns.periods]
    found = default_quarter(returns.periods, {p: returns.coverage_at(*p) for p in returns.periods}, settings.minimum_coverage)
    period = choose_period(periods, year, quarter, default=Period(*found) if found else None)
    return settings, returns, periods, period, found


def performance_headline(programme: Programme, *, version: tuple | None = None) -> str:
    """The headline of `performance_report(programme)` (its default quarter's RAG counts and coverage), the same words
    and figures, reading only what it needs: the quarter's own financial year, not the year before (which only the
    direction of travel reads). Nine queries (ten or eleven the first time the settings are read), whatever the size,
    as the full report, but about half the figures it reads; for the home pages, which show five programmes' headlines.
    Kept in the shared cache under `figures_version` (pass `version` when it was read with others): a repeated view
    costs one query.

    Equal to the report's headline because the KPIs shown and their ratings read only the quarter's year: the
    framework's retired KPIs are shown only where they have figures that year, and a rating is the year to date."""
    version = figures_version(programme) if version is None else version
    return remember("headline", (programme.pk, timezone.localdate(), version), lambda: _performance_headline(programme))


def _performance_headline(programme: Programme) -> str:
    settings, returns, _, period, _ = _report_period(programme, None, None, None)
    data = load_figures(programme, load_framework(programme, [period.start_year], settings, returns))
    return headline(programme_rollup(data, period), period, data.coverage(period))


@dataclass
class TrendReport:
    programme: Programme
    kpis: list[KpiInfo]
    kpi: KpiInfo | None
    points: list[KpiRollup]


def trend_report(programme: Programme, kpi_code: str | None = None) -> TrendReport:
    """One KPI, programme-wide, every quarter from the first year with data to the latest quarter with data.

    Only the chosen KPI's figures are loaded, since the span covers every year.
    """
    returns = programme_returns(programme)
    periods = [Period(y, q) for y, q in returns.periods]
    years = range(periods[0].start_year, periods[-1].start_year + 1) if periods else range(0)
    data = load_framework(programme, years, returns=returns)
    kpis = data.kpis
    if kpi_code:
        chosen = next((k for k in kpis if k.code == kpi_code.strip().upper()), None)
        if chosen is None:
            raise ValueError(f"There is no KPI {kpi_code} in this programme's framework.")
    else:
        chosen = kpis[0] if kpis else None
    points = []
    if chosen and periods:
        load_figures(programme, data, [chosen.id])
        span = [Period(y, q) for y in years for q in range(1, 5) if Period(y, q) <= periods[-1]]
        points = [kpi_rollup(data, chosen, p) for p in span]
    return TrendReport(programme, kpis, chosen, points)


# --- Tables: what the pages show and the files download, from one definition --------------------


@dataclass(frozen=True)
class Cell:
    value: str | int | Decimal | None  # what a download holds
    text: str  # what the page shows
    kind: str = "text"  # text, number, rating or trend
    tag: str = ""  # the govuk-tag colour of a rating
    hidden: str = ""  # words for screen readers (a trend arrow's meaning)


@dataclass
class Table:
    key: str
    title: str
    headers: list[str]
    numeric: list[bool]
    rows: list[list[Cell]]

    def export_rows(self) -> list[list[str | int | Decimal | None]]:
        return [[c.value for c in row] for row in self.rows]

    @property
    def columns(self) -> list[tuple[str, bool]]:
        return list(zip(self.headers, self.numeric, strict=True))


def figure(value: Decimal | int | None, unit: str) -> int | Decimal | None:
    """A figure as shown and downloaded: to the penny (or hundredth), whole counts as integers."""
    if value is None:
        return None
    rounded = Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)
    if unit == KpiVersion.Unit.COUNT and rounded == rounded.to_integral_value():
        return int(rounded)
    return rounded


def figure_text(value: Decimal | int | None, unit: str) -> str:
    shown = figure(value, unit)
    if shown is None:
        return "–"
    if isinstance(shown, int):
        return f"{shown:,}"
    if unit == KpiVersion.Unit.MONEY:
        sign = "−" if shown < 0 else ""
        return f"{sign}£{abs(shown):,.2f}"
    text = f"{shown:,.2f}".rstrip("0").rstrip(".")
    return f"{text}%" if unit == KpiVersion.Unit.PERCENT else text


def text_cell(value: str) -> Cell:
    return Cell(value, value)


def number_cell(value: Decimal | int | None, unit: str = KpiVersion.Unit.COUNT) -> Cell:
    if isinstance(value, int):
        return Cell(value, f"{value:,}", "number")
    return Cell(figure(value, unit), figure_text(value, unit), "number")


def rating_cell(rating: Rating) -> Cell:
    label = RATING_LABELS[rating]
    return Cell(label, label, "rating", RATING_TAGS[rating])


def trend_cell(row: KpiRollup) -> Cell:
    compared = f"the same quarter a year before ({row.period.year_before.label})"
    if row.trend == Trend.NONE:
        return Cell("No comparison", "–", "trend", hidden=f"No figure for {compared} from the same providers to compare with")
    if row.trend == Trend.SAME:
        return Cell("Same", "→ no change", "trend", hidden=f"The same as {compared}, {row.compared_text}")
    word = "better" if row.improving else "worse"
    arrow, direction = ("↑", "Up") if row.trend == Trend.UP else ("↓", "Down")
    hidden = f"{direction} on {compared}, {row.compared_text}: {word}"
    return Cell(f"{direction}, {word}", f"{arrow} {word}", "trend", hidden=hidden)


def compared_cell(row: KpiRollup) -> Cell:
    """How many agreements the trend compares: the number in a download, 'same 9 providers' on the page."""
    return Cell(row.compared, row.compared_text)


KPI_HEADERS = [
    ("KPI code", False),
    ("KPI", False),
    ("Unit", False),
    ("Better when", False),
    ("Target to date", True),
    ("Actual to date", True),
    ("Rating", False),
    ("This quarter", True),
    ("Returns in", True),
    ("Returns accepted", True),
    ("Returns expected", True),
    ("Compared with a year before", False),
    ("This quarter, same providers", True),
    ("Same quarter a year before, same providers", True),
    ("Trend", False),
]


def kpi_cells(row: KpiRollup) -> list[Cell]:
    kpi, unit = row.kpi, row.kpi.unit
    name = kpi.name + (" (retired)" if kpi.retired else "")
    if len(row.versions) > 1:
        name += f" (values against versions {', '.join(str(v) for v in row.versions)})"
    return [
        text_cell(kpi.code),
        text_cell(name),
        text_cell(kpi.unit_label),
        text_cell(kpi.better_when),
        number_cell(row.target, unit),
        number_cell(row.actual, unit),
        rating_cell(row.rating),
        number_cell(row.quarter_actual, unit),
        number_cell(row.reporting),
        number_cell(row.accepted),
        number_cell(row.expected),
        compared_cell(row),
        number_cell(row.compared_actual, unit),
        number_cell(row.year_before, unit),
        trend_cell(row),
    ]


def _table(key: str, title: str, lead: list[tuple[str, bool]], rows: list[list[Cell]], tail=KPI_HEADERS) -> Table:
    columns = [*lead, *tail]
    return Table(key, title, [h for h, _ in columns], [n for _, n in columns], rows)


def framework_table(report: PerformanceReport) -> Table:
    """Every KPI of the framework, programme-wide, with its outcome."""
    titles = {o.id: o.title for o in report.data.outcomes}
    rows = [[text_cell(titles.get(r.kpi.outcome_id, "")), *kpi_cells(r)] for r in report.kpis]
    return _table("framework", f"Outcomes framework at {report.period.label}, year to date", [("Outcome", False)], rows)


def outcome_kpi_table(report: PerformanceReport, group: GroupRollup) -> Table:
    """One outcome's KPIs as the main page shows them (the framework table's rows for that outcome)."""
    return _table("framework", group.label, [], [kpi_cells(r) for r in group.rollups])


SUMMARY_HEADERS = [
    ("Green", True),
    ("Amber", True),
    ("Red", True),
    ("No data", True),
    ("Overall rating", False),
    ("Returns accepted", True),
    ("Submitted, not yet accepted", True),
    ("Returns expected", True),
]


def coverage_cells(coverage: Coverage | None) -> list[Cell]:
    """A group's returns for the quarter: accepted, in but not yet accepted, expected."""
    if coverage is None:
        return [number_cell(None)] * 3
    return [number_cell(coverage.accepted), number_cell(coverage.awaiting), number_cell(coverage.expected)]


def _summary_cells(group: GroupRollup) -> list[Cell]:
    counts = group.counts
    return [*(number_cell(counts[r]) for r in RATING_ORDER), rating_cell(group.overall), *coverage_cells(group.coverage)]


def outcomes_table(report: PerformanceReport) -> Table:
    groups = [*report.outcomes, GroupRollup("All outcomes", report.kpis, coverage=report.coverage)]
    rows = [[text_cell(g.label), *_summary_cells(g)] for g in groups]
    return _table("outcomes", f"Outcomes at {report.period.label}", [("Outcome", False)], rows, SUMMARY_HEADERS)


def _areas_text(data: PerformanceData, agreement: AgreementInfo) -> str:
    names = {a.id: a.label for a in data.areas}
    return ", ".join(names[i] for i in agreement.area_ids if i in names)


def providers_summary_table(report: PerformanceReport, groups: Sequence[GroupRollup] | None = None) -> Table:
    """Every provider's summary row (the download), or those of `groups` (a page of them)."""
    rows = [
        [text_cell(g.obj.organisation), text_cell(g.obj.reference), text_cell(_areas_text(report.data, g.obj))]
        + _summary_cells(g)
        for g in (report.providers if groups is None else groups)
    ]
    lead = [("Provider", False), ("Agreement", False), (area_word(plural=True, capital=True), False)]
    return _table("providers-summary", f"Providers at {report.period.label}", lead, rows, SUMMARY_HEADERS)


def providers_table(report: PerformanceReport, groups: Sequence[GroupRollup] | None = None) -> Table:
    """Every provider's KPIs (the download), or those of `groups` (a page of them)."""
    groups = report.providers if groups is None else groups
    rows = [[text_cell(g.obj.organisation), text_cell(g.obj.reference), *kpi_cells(r)] for g in groups for r in g.rollups]
    lead = [("Provider", False), ("Agreement", False)]
    return _table("providers", f"KPIs by provider at {report.period.label}, year to date", lead, rows)


def districts_summary_table(report: PerformanceReport) -> Table:
    rows = [[text_cell(g.label), number_cell(g.agreements), *_summary_cells(g)] for g in report.districts]
    lead = [(area_word(capital=True), False), ("Agreements", True)]
    title = f"{area_word(plural=True, capital=True)} at {report.period.label}"
    return _table("districts-summary", title, lead, rows, SUMMARY_HEADERS)


def districts_table(report: PerformanceReport, groups: Sequence[GroupRollup] | None = None) -> Table:
    """Every district's KPIs (the download), or those of `groups` (a page of them)."""
    groups = report.districts if groups is None else groups
    rows = [[text_cell(g.label), *kpi_cells(r)] for g in groups for r in g.rollups]
    title = f"KPIs by {area_word()} at {report.period.label}, year to date"
    return _table("districts", title, [(area_word(capital=True), False)], rows)


def trends_table(report: TrendReport) -> Table:
    unit = report.kpi.unit if report.kpi else KpiVersion.Unit.COUNT
    rows = [
        [
            text_cell(p.period.label),
            number_cell(p.quarter_target, unit),
            number_cell(p.quarter_actual, unit),
            number_cell(p.reporting),
            number_cell(p.accepted),
            number_cell(p.expected),
            number_cell(p.target, unit),
            number_cell(p.actual, unit),
            rating_cell(p.rating),
        ]
        for p in report.points
    ]
    headers = [
        ("Quarter", False),
        ("Target for the quarter", True),
        ("Actual for the quarter", True),
        ("Returns in", True),
        ("Returns accepted", True),
        ("Returns expected", True),
        ("Target to date", True),
        ("Actual to date", True),
        ("Rating to date", False),
    ]
    title = f"{report.kpi.label}, programme-wide, by quarter" if report.kpi else "No KPI"
    return _table("trends", title, [], rows, headers)
