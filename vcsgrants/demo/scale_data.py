"""The scale dataset behind `manage.py generate_scale_data`: programmes × agreements × KPIs × quarters of values.

Rows are written in bulk — COPY on PostgreSQL, executemany of plain tuples on SQLite — because the
services validate one change at a time, far too slowly for a million values. The data still keeps every
invariant the services enforce: a programme's allocations equal the funding lines they fund and its
budgets equal the allocations, each year's instalments sum to the agreement's value for that year, every
target's quarters add up to (or, for a rate, carry) its annual target, and every value fits its KPI's unit.
Organisations, programmes and agreements get their "Created" history record; the other generated rows
have none (nobody changed them).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
import time
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import TextIO

from django.db import connection, models
from django.utils import timezone

from vcsgrants.core import database
from vcsgrants.core.models import Area, FinancialYear, Organisation, User
from vcsgrants.core.money import financial_year_start, quarterly_in_advance
from vcsgrants.funding.models import (
    Agreement,
    Allocation,
    FundingLine,
    FundingStream,
    PaymentInstalment,
    Programme,
    StreamBudget,
)
from vcsgrants.monitoring.models import Kpi, KpiTarget, KpiVersion, Outcome, Return, ReturnValue
from vcsgrants.monitoring.rag import profile_evenly

# (unit, aggregation, annual target): values are drawn around each quarter's target and kept inside the unit.
UNITS = [("count", "sum", 400), ("percent", "mean", 80), ("money", "sum", 20000), ("score", "mean", 4)]
OUTCOMES_PER_PROGRAMME = 5
BATCH = 5000


@dataclasses.dataclass(frozen=True)
class Size:
    programmes: int
    orgs: int
    agreements: int
    kpis: int  # per programme
    years: int
    open_quarters: int  # the last quarters of the last year, left without a return (for providers to file)
    first_year: int

    @property
    def reported_quarters(self) -> int:
        return 4 * self.years - self.open_quarters

    @property
    def values(self) -> int:
        return self.agreements * self.kpis * self.reported_quarters

    def per_programme(self) -> list[int]:
        """Agreements in each programme: as even as can be, the first programmes taking the odd ones."""
        return [self.agreements // self.programmes + (p < self.agreements % self.programmes) for p in range(self.programmes)]

    def expected_rows(self, areas: int) -> dict[str, int]:
        """Rows per table, given the number of districts the agreements are spread over."""
        return {
            "organisations": self.orgs,
            "programmes": self.programmes,
            "funding streams": self.programmes,
            "agreements": self.agreements,
            "agreement areas": self.agreements,
            "funding lines": self.agreements * self.years,
            "instalments": self.agreements * self.years * 4,
            "allocations": self.years * sum(min(n, areas) for n in self.per_programme()),
            "budgets": self.programmes * self.years,
            "history": self.orgs + self.programmes + self.agreements,
            "outcomes": self.programmes * OUTCOMES_PER_PROGRAMME,
            "KPIs": self.programmes * self.kpis,
            "KPI versions": self.programmes * self.kpis,
            "targets": self.agreements * self.kpis * self.years,
            "returns": self.agreements * self.reported_quarters,
            "KPI values": self.values,
        }


# The benchmark programme (one programme, 320,000 values; docs/development/benchmarks.md) and a very large funder's whole estate.
PRESETS = {
    "benchmark": dict(programmes=1, orgs=200, agreements=None, kpis=40, years=10, open_quarters=0, first_year=2013),
    # 50 programmes of 400 agreements each (5,000 providers with 4 agreements each), 10 KPIs, the last two financial
    # years (ending with the current one) with Q2–Q4 of the current year still to report: 20,000 × 10 × 5 = 1,000,000.
    "large": dict(programmes=50, orgs=5000, agreements=20000, kpis=10, years=2, open_quarters=3, first_year=None),
}


def size_for(preset: str, *, today: dt.date | None = None, **given) -> Size:
    """The preset's size with every option given (not None) in its place; checks the combination."""
    chosen = {**PRESETS[preset], **{k: v for k, v in given.items() if v is not None}}
    if chosen["agreements"] is None:
        chosen["agreements"] = chosen["orgs"]  # one agreement per provider
    if chosen["first_year"] is None:  # the last generated year is the current financial year
        chosen["first_year"] = financial_year_start(today or timezone.localdate()) - chosen["years"] + 1
    size = Size(**chosen)
    for name in ("programmes", "orgs", "agreements", "kpis", "years"):
        if getattr(size, name) < 1:
            raise ValueError(f"--{name} must be at least 1.")
    if size.agreements < size.programmes:
        raise ValueError(f"--agreements ({size.agreements}) must be at least --programmes ({size.programmes}).")
    if not 0 <= size.open_quarters <= 3:
        raise ValueError("--open-quarters must be 0 to 3: every agreement keeps at least one quarter of returns.")
    return size


class Progress:
    """One bar on stderr for the whole run: rows written of rows expected, the table being written, rate and ETA."""

    def __init__(self, stream: TextIO | None, total: int):
        self.stream, self.total, self.done = stream, max(total, 1), 0
        self.started = self.shown = time.monotonic()
        self.label = ""

    def advance(self, n: int, label: str) -> None:
        self.done += n
        self.label = label
        now = time.monotonic()
        if self.stream is None or (now - self.shown < 0.2 and self.done < self.total):
            return
        self.shown = now
        rate = self.done / max(now - self.started, 1e-6)
        eta = (self.total - self.done) / rate if rate else 0
        filled = min(30, int(30 * self.done / self.total))
        self.stream.write(
            f"\r{self.label:<15} [{'#' * filled}{'.' * (30 - filled)}] {self.done:>10,}/{self.total:,} rows"
            f"  {rate:>8,.0f}/s  ETA {eta:4.0f} s "
        )
        self.stream.flush()

    def finish(self) -> None:
        if self.stream is not None:
            self.stream.write("\n")
            self.stream.flush()


class TableWriter:
    """Append plain tuples to a model's table in bulk, timing and counting each table.

    Columns the caller does not give take the field's default (auto_now_add: now), as a model instance would,
    so a column added later with a default does not break the generator.
    """

    def __init__(self, progress: Progress):
        self.progress = progress
        self.rows: dict[str, int] = {}
        self.seconds: dict[str, float] = {}
        self.postgres = connection.vendor == "postgresql"

    def _count(self, label: str, n: int, started: float) -> None:
        self.rows[label] = self.rows.get(label, 0) + n
        self.seconds[label] = self.seconds.get(label, 0.0) + time.monotonic() - started

    def objects(
        self, label: str, model: type[models.Model], instances: list[models.Model], actor: User | None = None
    ) -> list[models.Model]:
        """bulk_create, for the few thousand rows whose ids are needed straight away.

        With an actor, each also gets its "Created" history record (the pages that show a record's history
        show who created it), as the services would have written.
        """
        started = time.monotonic()
        made = []
        for i in range(0, len(instances), BATCH):
            made += model.objects.bulk_create(instances[i : i + BATCH])
            self.progress.advance(len(instances[i : i + BATCH]), label)
        self._count(label, len(made), started)
        if actor is not None:
            started = time.monotonic()
            model.history.bulk_history_create(made, batch_size=BATCH, default_user=actor)
            self.progress.advance(len(made), "history")
            self._count("history", len(made), started)
        return made

    def rows_of(self, label: str, model: type[models.Model], fields: list[str], rows: Iterable[tuple]) -> int:
        started = time.monotonic()
        given = [model._meta.get_field(f) for f in fields]
        rest = [f for f in model._meta.concrete_fields if not f.primary_key and f not in given]
        now = timezone.now()
        extra = tuple(_default(f, now) for f in rest)
        columns = given + rest
        adapt = [_adapter(f) for f in columns]
        names = ", ".join(connection.ops.quote_name(f.column) for f in columns)
        table = connection.ops.quote_name(model._meta.db_table)
        n = 0
        with connection.cursor() as cursor:
            if self.postgres:
                with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row + extra)
                        n += 1
                        if n % BATCH == 0:
                            self.progress.advance(BATCH, label)
                self.progress.advance(n % BATCH, label)
            else:
                sql = f"INSERT INTO {table} ({names}) VALUES ({', '.join(['%s'] * len(columns))})"  # noqa: S608 - model names
                needs_adapting = any(a is not None for a in adapt)
                for batch in _batches(rows, BATCH):
                    if needs_adapting:
                        batch = [
                            tuple(v if a is None else a(v) for v, a in zip(row + extra, adapt, strict=True)) for row in batch
                        ]
                    else:
                        batch = [row + extra for row in batch]
                    cursor.executemany(sql, batch)
                    n += len(batch)
                    self.progress.advance(len(batch), label)
        self._count(label, n, started)
        return n


def _default(field: models.Field, now: dt.datetime):
    """What a model instance would hold: now for auto_now(_add), else the field's default ("" for text, None if null)."""
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        return now
    return field.get_default()


def _adapter(field: models.Field):
    """SQLite stores dates and times as Django's own text; sqlite3's adapters would write aware times differently."""
    if connection.vendor != "sqlite":
        return None
    kind = field.get_internal_type()
    if kind == "DateTimeField":
        return lambda v: connection.ops.adapt_datetimefield_value(v)
    if kind == "DateField":
        return lambda v: connection.ops.adapt_datefield_value(v)
    return None


def _batches(rows: Iterable[tuple], size: int) -> Iterator[list[tuple]]:
    batch: list[tuple] = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def programme_slugs(slug: str, programmes: int) -> list[str]:
    return [slug] if programmes == 1 else [f"{slug}-{p + 1:02d}" for p in range(programmes)]


@dataclasses.dataclass
class Generated:
    size: Size
    slugs: list[str]
    rows: dict[str, int]
    seconds: dict[str, float]
    elapsed: float


def generate(*, size: Size, slug: str, seed: int = 1, progress_stream: TextIO | None = None) -> Generated:
    """Write the whole dataset. Call inside one transaction; the caller checks the slugs are free."""
    started = time.monotonic()
    rng = random.Random(seed)  # noqa: S311 - benchmark data, not secrets
    slugs = programme_slugs(slug, size.programmes)

    actor, _ = User.objects.get_or_create(username="scale-generator", defaults={"is_active": False})
    funder, _ = Organisation.objects.get_or_create(
        slug="scale-funder", defaults={"name": "Scale test funder (generated)", "kind": Organisation.Kind.FUNDER}
    )
    areas = list(Area.objects.order_by("pk")) or [
        Area.objects.create(gss_code=f"E0799{i:04d}", name=f"Generated district {i}", population=100000) for i in range(8)
    ]
    years = [FinancialYear.objects.get_or_create(start_year=size.first_year + i)[0] for i in range(size.years)]
    progress = Progress(progress_stream, sum(size.expected_rows(len(areas)).values()))
    out = TableWriter(progress)
    start, end = years[0].start, years[-1].end
    reported = [(year, q) for year in years for q in (1, 2, 3, 4)][: size.reported_quarters]
    submitted_at = timezone.make_aware(dt.datetime(size.first_year, 4, 1))

    providers = out.objects(
        "organisations",
        Organisation,
        [
            Organisation(name=f"Generated provider {slug} {i:05d}", slug=f"{slug}-p{i:05d}", kind=Organisation.Kind.PROVIDER)
            for i in range(size.orgs)
        ],
        actor,
    )
    programmes = out.objects(
        "programmes",
        Programme,
        [
            Programme(name=f"Scale test programme {s}", slug=s, funder=funder, description="Generated for benchmarks.")
            for s in slugs
        ],
        actor,
    )
    streams = out.objects(
        "funding streams",
        FundingStream,
        [
            FundingStream(programme=p, name="Core (generated)", funder=funder, recurrence="recurrent", start=start)
            for p in programmes
        ],
    )

    # Agreements: programme p holds a contiguous block; agreement i goes to provider i mod orgs, so a provider's
    # agreements (agreements ÷ orgs of them) fall in different programmes.
    per_programme = size.per_programme()
    agreements: list[Agreement] = []
    i = 0
    for p, (programme, count) in enumerate(zip(programmes, per_programme, strict=True)):
        for k in range(count):
            reference = f"{slug.upper()}-{k:05d}" if size.programmes == 1 else f"{slug.upper()}-{p + 1:02d}-{k:05d}"
            agreements.append(
                Agreement(
                    reference=reference,
                    programme=programme,
                    organisation=providers[i % size.orgs],
                    title=f"Generated SLA {reference}",
                    start_date=start,
                    end_date=end,
                    status=Agreement.Status.ACTIVE,
                    created_by=actor,
                )
            )
            i += 1
    agreements = out.objects("agreements", Agreement, agreements, actor)
    area_of = {a.pk: areas[n % len(areas)].pk for n, a in enumerate(agreements)}
    out.rows_of("agreement areas", Agreement.areas.through, ["agreement", "area"], ((a.pk, area_of[a.pk]) for a in agreements))

    # Money: one recurrent line a year per agreement; allocations and budgets are the sums of the lines.
    stream_of = {p.pk: s.pk for p, s in zip(programmes, streams, strict=True)}
    amount_of = {a.pk: Decimal(rng.randrange(2_000_000, 9_000_000)) / 100 for a in agreements}
    out.rows_of(
        "funding lines",
        FundingLine,
        ["agreement", "stream", "financial_year", "area", "amount"],
        ((a.pk, stream_of[a.programme_id], y.pk, area_of[a.pk], amount_of[a.pk]) for y in years for a in agreements),
    )
    out.rows_of(
        "instalments",
        PaymentInstalment,
        ["agreement", "financial_year", "due_date", "amount"],
        (
            (a.pk, y.pk, due, amount)
            for y in years
            for a in agreements
            for due, amount in quarterly_in_advance(y.start_year, y.start, y.end, amount_of[a.pk])
        ),
    )
    allocated: dict[tuple[int, int, int], Decimal] = {}
    for a in agreements:
        for y in years:
            key = (stream_of[a.programme_id], y.pk, area_of[a.pk])
            allocated[key] = allocated.get(key, Decimal(0)) + amount_of[a.pk]
    out.rows_of(
        "allocations", Allocation, ["stream", "financial_year", "area", "amount"], (k + (v,) for k, v in allocated.items())
    )
    budgets: dict[tuple[int, int], Decimal] = {}
    for (stream, year, _), amount in allocated.items():
        budgets[(stream, year)] = budgets.get((stream, year), Decimal(0)) + amount
    out.rows_of("budgets", StreamBudget, ["stream", "financial_year", "amount"], (k + (v,) for k, v in budgets.items()))

    # The outcomes framework: five outcomes and --kpis agreed KPIs per programme, the units taking turns.
    outcomes = out.objects(
        "outcomes",
        Outcome,
        [Outcome(programme=p, title=f"Outcome {n + 1}", order=n + 1) for p in programmes for n in range(OUTCOMES_PER_PROGRAMME)],
    )
    outcomes_of = {p.pk: [o for o in outcomes if o.programme_id == p.pk] for p in programmes}
    kpis = out.objects(
        "KPIs",
        Kpi,
        [
            Kpi(
                outcome=outcomes_of[p.pk][n % OUTCOMES_PER_PROGRAMME],
                code=f"K{n + 1:03d}",
                status=Kpi.Status.AGREED,
                proposed_by=actor,
            )
            for p in programmes
            for n in range(size.kpis)
        ],
    )
    kind_of = {k.pk: UNITS[n % size.kpis % len(UNITS)] for n, k in enumerate(kpis)}
    versions = out.objects(
        "KPI versions",
        KpiVersion,
        [
            KpiVersion(
                kpi=k,
                number=1,
                name=f"Generated KPI {k.code}",
                definition="Generated for benchmarks.",
                unit=kind_of[k.pk][0],
                aggregation=kind_of[k.pk][1],
                direction="higher_is_better",
                rba_type="how_much",
                created_by=actor,
            )
            for k in kpis
        ],
    )
    programme_of_outcome = {o.pk: o.programme_id for o in outcomes}
    kpis_of: dict[int, list[Kpi]] = {p.pk: [] for p in programmes}
    for k in kpis:
        kpis_of[programme_of_outcome[k.outcome_id]].append(k)
    programme_of_kpi = {k.pk: programme_of_outcome[k.outcome_id] for k in kpis}
    versions_of: dict[int, list[KpiVersion]] = {p.pk: [] for p in programmes}
    for v in versions:
        versions_of[programme_of_kpi[v.kpi_id]].append(v)
    profile = {}
    for k in kpis:
        unit, aggregation, base = kind_of[k.pk]
        annual = Decimal(base)
        profile[k.pk] = (annual, *profile_evenly(annual, 4, aggregation))
    out.rows_of(
        "targets",
        KpiTarget,
        ["agreement", "kpi", "financial_year", "annual_target", "q1_target", "q2_target", "q3_target", "q4_target"],
        ((a.pk, k.pk, y.pk, *profile[k.pk]) for a in agreements for y in years for k in kpis_of[a.programme_id]),
    )

    # Returns (accepted) for every reported quarter, then a value per KPI in each, a programme at a time.
    draw = {}
    for v in versions:
        unit, aggregation, base = kind_of[v.kpi_id]
        quarter_target = base / 4 if aggregation == "sum" else base
        high = 100 if unit == "percent" else int(quarter_target * 1.6) + 1
        draw[v.pk] = (quarter_target, quarter_target * 0.2, high)
    gauss = rng.gauss
    agreements_of: dict[int, list[Agreement]] = {p.pk: [] for p in programmes}
    for a in agreements:
        agreements_of[a.programme_id].append(a)
    for programme in programmes:
        mine = agreements_of[programme.pk]
        out.rows_of(
            "returns",
            Return,
            ["agreement", "financial_year", "quarter", "status", "narrative", "submitted_at"],
            ((a.pk, y.pk, q, Return.Status.ACCEPTED, "Generated.", submitted_at) for a in mine for y, q in reported),
        )
        # Read before the values are written: a COPY holds the connection until it ends.
        return_ids = list(Return.objects.filter(agreement__programme=programme).values_list("pk", flat=True))
        programme_versions = [(v.pk, *draw[v.pk]) for v in versions_of[programme.pk]]
        out.rows_of(
            "KPI values",
            ReturnValue,
            ["return_record", "kpi_version", "value"],
            ((r, v, min(max(int(gauss(mu, sigma)), 0), high)) for r in return_ids for v, mu, sigma, high in programme_versions),
        )
    progress.finish()
    return Generated(size=size, slugs=slugs, rows=out.rows, seconds=out.seconds, elapsed=time.monotonic() - started)


def analyse() -> None:
    """Fresh planner statistics on both databases (core.database.analyse), so the first pages after a bulk load are not
    planned for empty tables (PostgreSQL) or without statistics at all (SQLite, which then scanned every target)."""
    database.analyse(connection)
