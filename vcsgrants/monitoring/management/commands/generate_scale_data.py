"""Build a large programme for benchmarks: --orgs 200 --kpis 40 --years 10 gives 320,000 KPI values.

Rows are written in bulk (the services validate one change at a time, far too slowly for this), but
the data keeps every invariant the services enforce: allocations equal the lines they fund, budgets
equal the allocations, schedules sum to each year's value, and every value fits its KPI's unit.
"""

from __future__ import annotations

import datetime as dt
import random
import sys
import time
from decimal import Decimal

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from vcsgrants.core.models import Area, FinancialYear, Organisation, User
from vcsgrants.core.money import quarterly_in_advance
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

UNITS = [("count", "sum", 400), ("percent", "mean", 80), ("money", "sum", 20000), ("score", "mean", 4)]
BATCH = 5000


class Progress:
    def __init__(self, stream, total: int, label: str):
        self.stream, self.total, self.label, self.done, self.started = stream, max(total, 1), label, 0, time.monotonic()

    def advance(self, n: int) -> None:
        self.done += n
        filled = int(30 * self.done / self.total)
        rate = self.done / max(time.monotonic() - self.started, 1e-6)
        self.stream.write(
            f"\r{self.label:<14} [{'#' * filled}{'.' * (30 - filled)}] {self.done:>9,}/{self.total:,} {rate:,.0f}/s"
        )
        self.stream.flush()

    def finish(self) -> None:
        self.stream.write("\n")


class Command(BaseCommand):
    help = "Generate a large programme (providers × KPIs × quarters of KPI values) for benchmarks."

    def add_arguments(self, parser):
        parser.add_argument("--orgs", type=int, default=200)
        parser.add_argument("--kpis", type=int, default=40)
        parser.add_argument("--years", type=int, default=10)
        parser.add_argument("--first-year", type=int, default=2013, help="Start year of the first financial year")
        parser.add_argument("--slug", default="scale-test")
        parser.add_argument("--seed", type=int, default=1)

    def handle(self, *args, orgs, kpis, years, first_year, slug, seed, **options):
        if min(orgs, kpis, years) < 1:
            raise CommandError("--orgs, --kpis and --years must each be at least 1.")
        if Programme.objects.filter(slug=slug).exists():
            raise CommandError(f"A programme with slug '{slug}' exists already: choose another --slug.")
        started = time.monotonic()
        with transaction.atomic():
            values = self.generate(orgs, kpis, years, first_year, slug, random.Random(seed))  # noqa: S311 - benchmark data, not secrets
        self.stdout.write(f"Generated {values:,} KPI values in {time.monotonic() - started:.1f} s (programme '{slug}').")

    def generate(self, n_orgs, n_kpis, n_years, first_year, slug, rng) -> int:
        out = sys.stderr
        actor, _ = User.objects.get_or_create(username="scale-generator", defaults={"is_active": False})
        funder, _ = Organisation.objects.get_or_create(
            slug="scale-funder", defaults={"name": "Scale test funder (generated)", "kind": Organisation.Kind.FUNDER}
        )
        areas = list(Area.objects.all()) or [
            Area.objects.create(gss_code=f"E0799{i:04d}", name=f"Generated district {i}", population=100000) for i in range(8)
        ]
        programme = Programme.objects.create(
            name=f"Scale test programme {slug}", slug=slug, funder=funder, description="Generated."
        )
        years = [FinancialYear.objects.get_or_create(start_year=first_year + i)[0] for i in range(n_years)]
        stream = FundingStream.objects.create(
            programme=programme, name="Core (generated)", funder=funder, recurrence="recurrent", start=years[0].start
        )
        providers = Organisation.objects.bulk_create(
            Organisation(name=f"Generated provider {slug} {i:05d}", slug=f"{slug}-p{i:05d}", kind=Organisation.Kind.PROVIDER)
            for i in range(n_orgs)
        )
        agreements = Agreement.objects.bulk_create(
            Agreement(
                reference=f"{slug.upper()}-{i:05d}",
                programme=programme,
                organisation=org,
                title=f"Generated SLA {i}",
                start_date=years[0].start,
                end_date=years[-1].end,
                status=Agreement.Status.ACTIVE,
                created_by=actor,
            )
            for i, org in enumerate(providers)
        )
        area_of = {a.pk: areas[i % len(areas)] for i, a in enumerate(agreements)}
        Agreement.areas.through.objects.bulk_create(Agreement.areas.through(agreement=a, area=area_of[a.pk]) for a in agreements)
        amounts = {a.pk: Decimal(rng.randrange(2_000_000, 9_000_000)) / 100 for a in agreements}
        lines, instalments, allocations = [], [], {}
        for year in years:
            for a in agreements:
                lines.append(
                    FundingLine(agreement=a, stream=stream, financial_year=year, area=area_of[a.pk], amount=amounts[a.pk])
                )
                allocations[(year.pk, area_of[a.pk].pk)] = (
                    allocations.get((year.pk, area_of[a.pk].pk), Decimal(0)) + amounts[a.pk]
                )
                for due, amount in quarterly_in_advance(year.start_year, year.start, year.end, amounts[a.pk]):
                    instalments.append(PaymentInstalment(agreement=a, financial_year=year, due_date=due, amount=amount))
        FundingLine.objects.bulk_create(lines, batch_size=BATCH)
        PaymentInstalment.objects.bulk_create(instalments, batch_size=BATCH)
        areas_by_pk = {a.pk: a for a in areas}
        Allocation.objects.bulk_create(
            Allocation(stream=stream, financial_year_id=y, area=areas_by_pk[area_pk], amount=amount)
            for (y, area_pk), amount in allocations.items()
        )
        StreamBudget.objects.bulk_create(
            StreamBudget(stream=stream, financial_year=year, amount=sum(v for (y, _), v in allocations.items() if y == year.pk))
            for year in years
        )
        outcomes = Outcome.objects.bulk_create(
            Outcome(programme=programme, title=f"Outcome {i + 1}", order=i + 1) for i in range(5)
        )
        kpi_rows = Kpi.objects.bulk_create(
            Kpi(outcome=outcomes[i % 5], code=f"K{i + 1:03d}", status=Kpi.Status.AGREED, proposed_by=actor) for i in range(n_kpis)
        )
        kinds = {k.pk: UNITS[i % len(UNITS)] for i, k in enumerate(kpi_rows)}
        versions = KpiVersion.objects.bulk_create(
            KpiVersion(
                kpi=k,
                number=1,
                name=f"Generated KPI {k.code}",
                definition="Generated for benchmarks.",
                unit=kinds[k.pk][0],
                aggregation=kinds[k.pk][1],
                direction="higher_is_better",
                rba_type="how_much",
                created_by=actor,
            )
            for k in kpi_rows
        )
        targets = []
        for year in years:
            for a in agreements:
                for k in kpi_rows:
                    unit, aggregation, base = kinds[k.pk]
                    annual = Decimal(base)
                    q = profile_evenly(annual, 4, aggregation)
                    targets.append(
                        KpiTarget(
                            agreement=a,
                            kpi=k,
                            financial_year=year,
                            annual_target=annual,
                            q1_target=q[0],
                            q2_target=q[1],
                            q3_target=q[2],
                            q4_target=q[3],
                        )
                    )
        progress = Progress(out, len(targets), "targets")
        for i in range(0, len(targets), BATCH):
            KpiTarget.objects.bulk_create(targets[i : i + BATCH])
            progress.advance(len(targets[i : i + BATCH]))
        progress.finish()
        submitted = timezone.make_aware(dt.datetime(first_year, 4, 1))
        returns = Return.objects.bulk_create(
            (
                Return(
                    agreement=a,
                    financial_year=year,
                    quarter=q,
                    status=Return.Status.ACCEPTED,
                    narrative="Generated.",
                    submitted_at=submitted,
                )
                for year in years
                for a in agreements
                for q in (1, 2, 3, 4)
            ),
            batch_size=BATCH,
        )
        total = len(returns) * len(versions)
        progress = Progress(out, total, "KPI values")
        batch = []
        for r in returns:
            for v in versions:
                unit, aggregation, base = kinds[v.kpi_id]
                quarter_target = base / 4 if aggregation == "sum" else base
                low, high = (0, 100) if unit == "percent" else (0, int(quarter_target * 1.6) + 1)
                value = min(max(int(rng.gauss(quarter_target, quarter_target * 0.2)), low), high)
                batch.append(ReturnValue(return_record=r, kpi_version=v, value=value))
                if len(batch) == BATCH:
                    ReturnValue.objects.bulk_create(batch)
                    progress.advance(len(batch))
                    batch = []
        if batch:
            ReturnValue.objects.bulk_create(batch)
            progress.advance(len(batch))
        progress.finish()
        return total
