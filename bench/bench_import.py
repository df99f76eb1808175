"""Benchmark: the bulk return import (with all its validation) beside a bare executemany and django-import-export.

Builds a programme with generate_scale_data in a throwaway database (SQLite by default; DATABASE_URL for
PostgreSQL), keeps 100,000 of its KPI values (250 agreements × 40 KPIs × 10 quarters) as a CSV, deletes its
returns and values, then imports the same values three ways, resetting the tables between runs:

(a) ours: ``import_returns_csv`` — parse the CSV, validate every row, create the returns (with their history),
    insert the values, audit; timed from the bytes to the commit.
(b) the lower bound: a raw ``cursor.executemany`` INSERT of the same (return id, KPI version id, value) rows
    in one transaction. The Return rows are created beforehand with one bulk_create, untimed, and the ids
    are resolved beforehand, untimed: only the INSERT is timed.
(c) django-import-export 4: a ModelResource on ReturnValue given a dataset of return_record and kpi_version
    ids and the value (the Return rows created beforehand, untimed, as for (b)), in its fastest setting
    (use_bulk, batch_size, skip_diff, force_init_instance, no dry run). What it checks: each foreign key id
    exists (ForeignKeyWidget fetches the row: a query per key per row) and the value parses as a number
    (DecimalWidget). What it does not: KPI units (negative counts, percentages over 100, fractional counts),
    agreed KPIs, quarters inside the agreement, accepted returns, duplicate rows — nor does it create the
    returns or resolve agreement references, year labels and KPI codes.

(a) and (b) run --repeat times each, taking turns, and their medians are compared; (c) runs once (it is slow).

    .venv/bin/python bench/bench_import.py
    scripts/with_postgres.sh .venv/bin/python bench/bench_import.py
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def check(ok: bool, message: str) -> None:
    if not ok:
        raise SystemExit(message)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orgs", type=int, default=250)
    parser.add_argument("--kpis", type=int, default=40)
    parser.add_argument("--quarters", type=int, default=10, help="Quarters of values to import (of the 12 generated)")
    parser.add_argument("--repeat", type=int, default=5, help="Runs of (a) and (b) each, taking turns; medians")
    parser.add_argument("--skip-import-export", action="store_true")
    args = parser.parse_args()

    os.environ.setdefault("VCSGRANTS_VAR_DIR", tempfile.mkdtemp(prefix="vcsgrants-bench-"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vcsgrants.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction

    from vcsgrants.core.models import User
    from vcsgrants.funding.models import Programme
    from vcsgrants.monitoring.bulk_import import import_returns_csv
    from vcsgrants.monitoring.models import Return, ReturnValue

    call_command("migrate", verbosity=0)
    call_command(
        "generate_scale_data", orgs=args.orgs, kpis=args.kpis, years=3, slug="bench-import", stdout=open(os.devnull, "w")
    )
    programme = Programme.objects.get(slug="bench-import")
    officer = User.objects.create(username="bench-officer")

    # The values to import: the first --quarters quarters of every agreement, every KPI.
    quarters = sorted(
        set(Return.objects.filter(agreement__programme=programme).values_list("financial_year__start_year", "quarter"))
    )[: args.quarters]
    source = list(
        ReturnValue.objects.filter(return_record__agreement__programme=programme)
        .values_list(
            "return_record__agreement__reference",
            "return_record__agreement_id",
            "return_record__financial_year__start_year",
            "return_record__financial_year_id",
            "return_record__quarter",
            "kpi_version__kpi__code",
            "kpi_version_id",
            "value",
        )
        .order_by("return_record__agreement__reference", "return_record__financial_year__start_year", "return_record__quarter")
    )
    wanted = set(quarters)
    source = [s for s in source if (s[2], s[4]) in wanted]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["agreement", "financial_year", "quarter", "kpi_code", "value"])
    for reference, _, start_year, _, quarter, code, _, value in source:
        writer.writerow([reference, f"{start_year}-{(start_year + 1) % 100:02d}", quarter, code, value])
    data = out.getvalue().encode()
    n = len(source)

    def reset() -> None:
        with transaction.atomic():
            ReturnValue.objects.filter(return_record__agreement__programme=programme).delete()
            Return.objects.filter(agreement__programme=programme).delete()

    def make_returns() -> dict[tuple[int, int, int], int]:
        keys = sorted({(s[1], s[3], s[4]) for s in source})
        made = Return.objects.bulk_create(
            [Return(agreement_id=a, financial_year_id=y, quarter=q, status=Return.Status.SUBMITTED) for a, y, q in keys],
            batch_size=5000,
        )
        if any(r.pk is None for r in made):
            made = Return.objects.filter(agreement__programme=programme)
        return {(r.agreement_id, r.financial_year_id, r.quarter): r.pk for r in made}

    def ours() -> float:
        start = time.perf_counter()
        result = import_returns_csv(programme=programme, data=data, actor=officer)
        seconds = time.perf_counter() - start
        check(result.values_written == n == ReturnValue.objects.count(), "our import did not write every value")
        return seconds

    table = ReturnValue._meta.db_table
    sql = f"INSERT INTO {table} (return_record_id, kpi_version_id, value) VALUES (%s, %s, %s)"  # noqa: S608 - a model's table name

    def bare() -> float:
        ids = make_returns()
        rows = [(ids[(s[1], s[3], s[4])], s[6], s[7]) for s in source]
        start = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.executemany(sql, rows)
        seconds = time.perf_counter() - start
        check(ReturnValue.objects.count() == n, "executemany did not write every value")
        return seconds

    # (a) and (b) take turns, --repeat times each, so machine noise hits both alike; medians are reported.
    reset()
    times: dict[str, list[float]] = {"ours": [], "executemany": []}
    for _ in range(args.repeat):
        times["ours"].append(ours())
        reset()
        times["executemany"].append(bare())
        reset()
    figures = {key: statistics.median(runs) for key, runs in times.items()}

    # (c) django-import-export
    iie_note = ""
    if args.skip_import_export:
        iie_note = "skipped (--skip-import-export)"
    else:
        try:
            import tablib
            from import_export import resources
        except ImportError as exc:
            iie_note = f"NOT RUN: django-import-export could not be imported ({exc})"
        else:

            class ReturnValueResource(resources.ModelResource):
                class Meta:
                    model = ReturnValue
                    fields = ("return_record", "kpi_version", "value")
                    import_id_fields = ("return_record", "kpi_version")
                    use_bulk = True
                    batch_size = 5000
                    skip_diff = True
                    force_init_instance = True

            ids = make_returns()
            dataset = tablib.Dataset(headers=["return_record", "kpi_version", "value"])
            for s in source:
                dataset.append([ids[(s[1], s[3], s[4])], s[6], str(s[7])])
            start = time.perf_counter()
            imported = ReturnValueResource().import_data(dataset, dry_run=False, raise_errors=True, use_transactions=True)
            figures["django-import-export"] = time.perf_counter() - start
            check(
                not imported.has_errors() and ReturnValue.objects.count() == n, "django-import-export did not write every value"
            )
            reset()

    import django as dj

    print(f"database: {connection.vendor}; {n:,} values ({args.orgs} agreements × {args.kpis} KPIs × {len(quarters)} quarters)")
    print(f"django {dj.get_version()}; CSV {len(data) / 1e6:.1f} MB")
    labels = {
        "ours": "(a) import_returns_csv (parse + validate + returns + values + audit)",
        "executemany": "(b) bare cursor.executemany INSERT (returns made untimed)",
        "django-import-export": "(c) django-import-export ModelResource (use_bulk; returns made untimed)",
    }
    runs = {"ours": f"median of {args.repeat}", "executemany": f"median of {args.repeat}", "django-import-export": "one run"}
    for key, seconds in figures.items():
        print(f"{labels[key]:<75} {seconds:7.2f} s  {n / seconds:>10,.0f} values/s  ({runs[key]})")
    if iie_note:
        print(f"(c) django-import-export: {iie_note}")
    print(f"ours / executemany speed: {figures['executemany'] / figures['ours']:.2f} (aim: at least 0.33)")
    if "django-import-export" in figures:
        print(f"ours / django-import-export speed: {figures['django-import-export'] / figures['ours']:.1f}x (aim: several times)")


if __name__ == "__main__":
    main()
