"""Build a large dataset for benchmarks and load tests, in one transaction, with a progress bar on stderr.

    manage.py generate_scale_data                      # one programme: 200 providers × 40 KPIs × 10 years = 320,000 values
    manage.py generate_scale_data --preset large       # 50 programmes, 5,000 providers, 20,000 agreements, 1,000,000 values
    manage.py generate_scale_data --orgs 6 --kpis 5 --years 2     # any size: options override the preset

The rows go in by COPY (PostgreSQL) or executemany (SQLite); see vcsgrants/demo/scale_data.py for what is
generated and the invariants it keeps. Ends with the elapsed time and the rows written per table.
"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from vcsgrants.demo import scale_data
from vcsgrants.funding.models import Programme


class Command(BaseCommand):
    help = "Generate programmes × agreements × KPIs × quarters of KPI values for benchmarks (--preset large: 1,000,000)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--preset",
            choices=sorted(scale_data.PRESETS),
            default="benchmark",
            help="benchmark (default): 1 programme, 200 providers, 40 KPIs, 10 years; large: 50 programmes, "
            "5,000 providers, 20,000 agreements, 10 KPIs, the last 2 years with Q2–Q4 of the current one open",
        )
        parser.add_argument("--programmes", type=int, help="Programmes (each with its own stream, outcomes and KPIs)")
        parser.add_argument("--orgs", type=int, help="Provider organisations")
        parser.add_argument("--agreements", type=int, help="Agreements, spread evenly over the programmes (default: --orgs)")
        parser.add_argument("--kpis", type=int, help="Agreed KPIs per programme")
        parser.add_argument("--years", type=int, help="Financial years of funding, targets and returns")
        parser.add_argument(
            "--open-quarters", type=int, help="The last 0–3 quarters of the last year get no return, for providers to file"
        )
        parser.add_argument(
            "--first-year", type=int, help="Start year of the first financial year (large: so the last is this one)"
        )
        parser.add_argument("--slug", default="scale-test", help="The programme's slug (with -01, -02 … for several)")
        parser.add_argument("--seed", type=int, default=1)

    def handle(self, *args, preset, slug, seed, verbosity=1, **options):
        given = {
            name: options.get(name)
            for name in ("programmes", "orgs", "agreements", "kpis", "years", "open_quarters", "first_year")
        }
        try:
            size = scale_data.size_for(preset, **given)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        slugs = scale_data.programme_slugs(slug, size.programmes)
        taken = sorted(Programme.objects.filter(slug__in=slugs).values_list("slug", flat=True))
        if taken:
            raise CommandError(f"A programme with slug '{taken[0]}' exists already: choose another --slug.")
        self.stdout.write(
            f"Generating {size.programmes:,} programme(s), {size.orgs:,} providers, {size.agreements:,} agreements, "
            f"{size.kpis} KPIs each, {size.years} year(s) from {size.first_year}: {size.values:,} KPI values "
            f"on {connection.vendor}."
        )
        stream = self.stderr._out if verbosity > 0 else None
        started = time.monotonic()
        with transaction.atomic():
            result = scale_data.generate(size=size, slug=slug, seed=seed, progress_stream=stream)
        committed = time.monotonic()
        scale_data.analyse()
        elapsed = time.monotonic() - started  # with the commit and (PostgreSQL) ANALYZE
        width = max(len(label) for label in result.rows)
        for label, rows in result.rows.items():
            self.stdout.write(f"  {label:<{width}} {rows:>10,} rows  {result.seconds[label]:6.1f} s")
        total = sum(result.rows.values())
        self.stdout.write(
            f"Generated {result.rows.get('KPI values', 0):,} KPI values ({total:,} rows) in {elapsed:.1f} s "
            f"({result.elapsed:.1f} s writing, {committed - started - result.elapsed:.1f} s committing, "
            f"{elapsed - committed + started:.1f} s statistics; {total / max(elapsed, 1e-6):,.0f} rows/s) "
            f"on {connection.vendor}; "
            f"programme{'s' if len(slugs) > 1 else ''} {slugs[0]!r}{f' … {slugs[-1]!r}' if len(slugs) > 1 else ''}."
        )
