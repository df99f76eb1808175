"""Benchmark: exporting 100,000 grants as 360Giving JSON and XLSX, beside flattentool converting the same JSON.

Builds a large programme in a throwaway database (SQLite by default; DATABASE_URL for PostgreSQL): 10,000
agreements × 10 financial years = 100,000 grants (one in four agreements covers two districts, one in ten
was extended by a variation). Then, each in a fresh process so its memory is its own, it times:

- ours, from the database: every grant of one year (10,000) and of all ten years (100,000) mapped and
  written as a JSON package and as XLSX — what ``manage.py export_360giving --all`` does;
- ours, the published snapshots (what the public downloads serve), after publishing every grant;
- flattentool (360Giving's own converter) turning the same JSON packages into XLSX with the grant schema.

Memory is the peak resident size of the process during the export above its size just before it (sampled
from /proc every 5 ms), so it counts everything the export holds at once. Ours should stay nearly flat from
10,000 to 100,000 grants.

    .venv/bin/python bench/bench_360giving.py
    scripts/with_postgres.sh .venv/bin/python bench/bench_360giving.py
    .venv/bin/python bench/bench_360giving.py --agreements 1000   # a quick run: 10,000 grants in all
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SLUG = "bench-360"


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vcsgrants.settings")
    import django

    django.setup()


PAGE_MB = os.sysconf("SC_PAGE_SIZE") / 2**20


def rss_mb() -> float:
    """The process's resident size now (Linux /proc), in MB."""
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * PAGE_MB


def cpu_seconds() -> float:
    """CPU time this process has used (user + system): steadier than wall time on a shared, busy machine."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


class PeakMemory:
    """Samples the resident size every few milliseconds while the block runs; `.mb` is the peak above the start."""

    def __enter__(self):
        self.start = rss_mb()
        self.peak = self.start
        self.running = True
        self.thread = threading.Thread(target=self._sample, daemon=True)
        self.thread.start()
        return self

    def _sample(self):
        while self.running:
            self.peak = max(self.peak, rss_mb())
            time.sleep(0.005)

    def __exit__(self, *exc):
        self.running = False
        self.thread.join()
        self.peak = max(self.peak, rss_mb())

    @property
    def mb(self) -> float:
        return self.peak - self.start


# --- the data ---------------------------------------------------------------------------------


def generate(agreements: int, years: int, first_year: int) -> None:
    """Bulk rows with the services' invariants: allocations equal the lines, budgets equal the allocations."""
    import datetime as dt
    import random
    from decimal import Decimal

    from django.conf import settings
    from django.db import transaction
    from django.utils import timezone

    from vcsgrants.core.models import Area, FinancialYear, Organisation, User
    from vcsgrants.core.services import areas_load_districts
    from vcsgrants.funding.models import (
        Agreement,
        Allocation,
        Decision,
        FundingLine,
        FundingStream,
        Programme,
        ProgrammePeriod,
        StreamBudget,
        Variation,
    )

    rng = random.Random(1)  # noqa: S311 - benchmark data, not secrets
    batch = 5000
    with transaction.atomic():
        areas_load_districts(
            path=settings.BASE_DIR / "data" / "derbyshire_districts.csv", county_gss="E10000007", county_name="Derbyshire"
        )
        districts = list(Area.objects.filter(kind=Area.Kind.DISTRICT).order_by("gss_code"))
        actor, _ = User.objects.get_or_create(username="bench-officer")
        funder = Organisation.objects.create(
            name="Bench County Council (generated)", slug="bench-council", kind=Organisation.Kind.FUNDER
        )
        fys = [FinancialYear.objects.get_or_create(start_year=first_year + i)[0] for i in range(years)]
        decision = Decision.objects.create(
            title="Generated approval", decision_date=fys[0].start - dt.timedelta(days=60), meeting="Cabinet", recorded_by=actor
        )
        programme = Programme.objects.create(name="Bench programme (generated)", slug=SLUG, funder=funder)
        ProgrammePeriod.objects.create(
            programme=programme,
            kind=ProgrammePeriod.Kind.APPROVED,
            start=fys[0].start,
            end=fys[-1].end,
            approved_by="Cabinet",
            approved_on=decision.decision_date,
            decision=decision,
            recorded_by=actor,
        )
        stream = FundingStream.objects.create(
            programme=programme, name="Core (generated)", funder=funder, recurrence="recurrent", start=fys[0].start
        )
        orgs = Organisation.objects.bulk_create(
            (
                Organisation(
                    name=f"Generated provider {i:05d}",
                    slug=f"bench-p{i:05d}",
                    kind=Organisation.Kind.PROVIDER,
                    org_id=f"GB-CHC-{1100000 + i}",
                    charity_number=str(1100000 + i),
                )
                for i in range(agreements)
            ),
            batch_size=batch,
        )
        rows = Agreement.objects.bulk_create(
            (
                Agreement(
                    reference=f"BENCH-{i:05d}",
                    programme=programme,
                    organisation=org,
                    title=f"Infrastructure support: generated provider {i:05d}",
                    start_date=fys[0].start,
                    end_date=fys[-2].end if i % 10 == 0 else fys[-1].end,
                    status=Agreement.Status.ACTIVE,
                    created_by=actor,
                )
                for i, org in enumerate(orgs)
            ),
            batch_size=batch,
        )
        places = {
            a.pk: [districts[i % len(districts)]] + ([districts[(i + 1) % len(districts)]] if i % 4 == 0 else [])
            for i, a in enumerate(rows)
        }
        Agreement.areas.through.objects.bulk_create(
            (Agreement.areas.through(agreement=a, area=area) for a in rows for area in places[a.pk]), batch_size=batch
        )
        now = timezone.now()
        variations = Variation.objects.bulk_create(
            (
                Variation(
                    agreement=a,
                    number=1,
                    kind=Variation.Kind.EXTENSION,
                    new_end_date=fys[-1].end,
                    reason="Generated extension",
                    approved_by="Cabinet",
                    approved_on=fys[-1].start - dt.timedelta(days=50),
                    decision=decision,
                    created_by=actor,
                )
                for i, a in enumerate(rows)
                if i % 10 == 0
            ),
            batch_size=batch,
        )
        varied = {v.agreement_id: v for v in variations}
        allocations: dict[tuple[int, int], Decimal] = {}
        lines = []
        for a in rows:
            for n, year in enumerate(fys):
                for area in places[a.pk]:
                    amount = Decimal(rng.randrange(500_000, 9_000_000)) / 100
                    variation = varied.get(a.pk) if n == len(fys) - 1 else None
                    lines.append(
                        FundingLine(
                            agreement=a, variation=variation, stream=stream, financial_year=year, area=area, amount=amount
                        )
                    )
                    allocations[(year.pk, area.pk)] = allocations.get((year.pk, area.pk), Decimal(0)) + amount
            if len(lines) >= batch:
                FundingLine.objects.bulk_create(lines)
                lines = []
        FundingLine.objects.bulk_create(lines)
        Allocation.objects.bulk_create(
            Allocation(stream=stream, financial_year_id=y, area_id=area, amount=amount)
            for (y, area), amount in allocations.items()
        )
        StreamBudget.objects.bulk_create(
            StreamBudget(stream=stream, financial_year=y, amount=sum(v for (yid, _), v in allocations.items() if yid == y.pk))
            for y in fys
        )
        del now


def publish_all() -> None:
    from vcsgrants.core.models import FinancialYear, User
    from vcsgrants.funding.models import Programme
    from vcsgrants.opendata import services
    from vcsgrants.opendata.selectors import programme_years_with_money

    programme = Programme.objects.get(slug=SLUG)
    actor = User.objects.get(username="bench-officer")
    for year in programme_years_with_money(programme):
        services.grants_publish(
            programme=programme, year=FinancialYear.objects.get(pk=year.pk), actor=actor, acknowledge_findings=True
        )


# --- one measurement per process ---------------------------------------------------------------


def child(args) -> None:
    """Export (or convert) once and print {"seconds", "rss_mb", "count", "bytes"} as JSON."""
    warnings.simplefilter("ignore")
    if args.child == "flattentool":
        import flattentool

        from vcsgrants.opendata.conf import standard_dir  # noqa: F401 - imported before the baseline, like ours

        setup_django()
        schema = str(standard_dir() / "360-giving-schema.json")
        with PeakMemory() as memory:
            start, cpu = time.perf_counter(), cpu_seconds()
            flattentool.flatten(
                args.source,
                schema=schema,
                output_name=args.out,
                output_format="xlsx",
                main_sheet_name="grants",
                root_list_path="grants",
                rollup=True,
                use_titles=True,
            )
            seconds, cpu = time.perf_counter() - start, cpu_seconds() - cpu
        out = args.out if os.path.exists(args.out) else args.out + ".xlsx"
        print(json.dumps({"seconds": seconds, "cpu": cpu, "rss_mb": memory.mb, "count": None, "bytes": os.path.getsize(out)}))
        return

    setup_django()
    from django.db import connection
    from django.utils import timezone

    from vcsgrants.core.models import FinancialYear
    from vcsgrants.funding.models import Programme
    from vcsgrants.opendata import conf, selectors, writers  # noqa: F401 - loaded before the baseline
    from vcsgrants.opendata.grants import package_metadata
    from vcsgrants.opendata.management.commands.export_360giving import export

    programme = Programme.objects.get(slug=SLUG)
    year = FinancialYear.objects.get(start_year=args.year) if args.year else None
    selectors.geo_code_types()
    connection.ensure_connection()
    with PeakMemory() as memory:
        start, cpu = time.perf_counter(), cpu_seconds()
        publisher = selectors.publisher()
        meta = package_metadata(
            title="Bench grants",
            publisher=publisher.org,
            licence_url=conf.licence_url(),
            modified=None,
            issued=timezone.localdate(),
        )
        if args.child == "published":
            grants = selectors.published_data(programme=programme, year=year)
            extra = selectors.max_locations_published(programme=programme, year=year) - 1
        else:
            grants = (g.grant for g in selectors.grants_now(programme=programme, year=year, prefix=publisher.prefix))
            extra = selectors.max_locations_now(programme=programme, year=year) - 1
        count = export(args.fmt, args.out, grants, extra_locations=max(extra, 0), meta=meta)
        seconds, cpu = time.perf_counter() - start, cpu_seconds() - cpu
    print(json.dumps({"seconds": seconds, "cpu": cpu, "rss_mb": memory.mb, "count": count, "bytes": os.path.getsize(args.out)}))


def run_child(*extra: str) -> dict:
    result = subprocess.run(  # noqa: S603 - our own script, fixed arguments
        [sys.executable, __file__, *extra], capture_output=True, text=True, env=os.environ.copy(), check=False
    )
    if result.returncode != 0:
        raise SystemExit(f"The measurement {' '.join(extra)} failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agreements", type=int, default=10_000)
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument("--first-year", type=int, default=2013)
    parser.add_argument("--no-flattentool", action="store_true", help="Skip flattentool (it is slow at 100,000 grants).")
    parser.add_argument("--no-published", action="store_true", help="Skip publishing every grant and exporting the snapshots.")
    parser.add_argument("--child", choices=["now", "published", "flattentool"], help=argparse.SUPPRESS)
    parser.add_argument("--fmt", help=argparse.SUPPRESS)
    parser.add_argument("--year", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    parser.add_argument("--source", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return

    work = Path(tempfile.mkdtemp(prefix="vcsgrants-bench-360-"))
    os.environ.setdefault("VCSGRANTS_VAR_DIR", str(work))
    setup_django()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    generate(args.agreements, args.years, args.first_year)
    with connection.cursor() as cursor:
        # Statistics, as a live database has them (autovacuum had not run yet after a bulk load: without them
        # PostgreSQL picked a plan 10× slower for one year's grants).
        cursor.execute("ANALYZE")
    total = args.agreements * args.years
    print(
        f"database: {connection.vendor}; generated {args.agreements:,} agreements × {args.years} years = {total:,} grants "
        f"in {time.perf_counter() - started:.0f} s"
    )
    connection.close()  # children open their own connections

    one_year, everything = args.first_year, None
    sizes = [(args.agreements, one_year), (total, everything)]
    results: dict[tuple, dict] = {}
    for size, year in sizes:
        for fmt in ("json", "xlsx"):
            extra = ["--child", "now", "--fmt", fmt, "--out", str(work / f"now-{size}.{fmt}")]
            results[("now", fmt, size)] = run_child(*extra, *(["--year", str(year)] if year else []))
    if not args.no_published:
        setup_started = time.perf_counter()
        publish_all()
        connection.close()
        print(f"published all {total:,} grants (each validated and checked) in {time.perf_counter() - setup_started:.0f} s")
        for size, year in sizes:
            for fmt in ("json", "xlsx"):
                extra = ["--child", "published", "--fmt", fmt, "--out", str(work / f"published-{size}.{fmt}")]
                results[("published", fmt, size)] = run_child(*extra, *(["--year", str(year)] if year else []))
    if not args.no_flattentool:
        for size, _ in sizes:
            results[("flattentool", "xlsx", size)] = run_child(
                "--child", "flattentool", "--source", str(work / f"now-{size}.json"), "--out", str(work / f"flattentool-{size}")
            )

    labels = {
        "now": "ours, database → file (export_360giving --all)",
        "published": "ours, published snapshots → file (public downloads)",
        "flattentool": "flattentool, our JSON → XLSX",
    }
    print()
    print("time: wall clock; cpu: this process's CPU (steadier on a busy machine; on PostgreSQL it leaves out the server's)")
    print(f"{'what':<52} {'format':<6} {'grants':>8} {'time':>8} {'cpu':>8} {'grants/s':>9} {'peak memory':>12} {'size':>8}")
    for (kind, fmt, size), r in results.items():
        print(
            f"{labels[kind]:<52} {fmt:<6} {size:>8,} {r['seconds']:>7.1f}s {r['cpu']:>7.1f}s {size / r['seconds']:>9,.0f} "
            f"{r['rss_mb']:>9.1f} MB {r['bytes'] / 1e6:>6.1f}MB"
        )
    small, big = sizes[0][0], sizes[1][0]
    print()
    for kind in ("now", "published"):
        for fmt in ("json", "xlsx"):
            if (kind, fmt, big) in results:
                a, b = results[(kind, fmt, small)], results[(kind, fmt, big)]
                print(
                    f"{labels[kind]}, {fmt}: {big // small}× the grants took {b['cpu'] / a['cpu']:.1f}× the CPU time; "
                    f"peak memory {a['rss_mb']:.0f} MB → {b['rss_mb']:.0f} MB ({b['rss_mb'] / max(a['rss_mb'], 0.1):.2f}×)"
                )
    if ("flattentool", "xlsx", big) in results:
        for kind in ("now", "published"):
            for size in (small, big):
                if (kind, "xlsx", size) not in results:
                    continue
                ours, theirs = results[(kind, "xlsx", size)], results[("flattentool", "xlsx", size)]
                print(
                    f"{size:,} grants to XLSX, flattentool / {labels[kind]}: CPU {theirs['cpu']:.1f} s / {ours['cpu']:.1f} s = "
                    f"{theirs['cpu'] / ours['cpu']:.1f}×; wall {theirs['seconds']:.1f} s / {ours['seconds']:.1f} s = "
                    f"{theirs['seconds'] / ours['seconds']:.1f}×; memory {theirs['rss_mb']:.0f} MB vs {ours['rss_mb']:.0f} MB"
                )
    print(f"(files in {work})")


if __name__ == "__main__":
    main()
