"""Benchmark: the programme dashboard at scale, beside the bare SQL it needs.

Builds a large programme in a throwaway database (SQLite by default; DATABASE_URL for PostgreSQL),
then times, side by side in one run, the whole performance page (Django view, roll-ups, template)
and the bare SQL fetch of the values and targets it aggregates. Prints medians and their ratio.

    .venv/bin/python bench/bench_dashboard.py --orgs 200 --kpis 40 --years 10
    scripts/with_postgres.sh .venv/bin/python bench/bench_dashboard.py
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from common import start_django  # noqa: E402 - bench/common.py, beside this script


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orgs", type=int, default=200)
    parser.add_argument("--kpis", type=int, default=40)
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()

    start_django()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from vcsgrants.core.models import Role, User
    from vcsgrants.funding.models import Programme
    from vcsgrants.monitoring.dashboards import COUNTED_STATUSES
    from vcsgrants.monitoring.models import KpiTarget, ReturnValue

    # The figures worked out on every view, as before they were cached (bench/bench_tuning.py measures the cache).
    settings.VCSGRANTS_FIGURES_CACHE_SECONDS = 0
    call_command(
        "generate_scale_data", orgs=args.orgs, kpis=args.kpis, years=args.years, slug="bench", stdout=open(os.devnull, "w")
    )
    programme = Programme.objects.get(slug="bench")
    last_year = programme.streams.get().budgets.order_by("-financial_year__start_year").first().financial_year
    from django.contrib.auth.models import Group

    officer = User.objects.create(username="bench-officer")
    officer.groups.add(Group.objects.get_or_create(name=Role.OFFICER)[0])
    client = Client()
    client.force_login(officer)
    # Keep one connection across requests, as a pooled production server does, so both sides share it.
    from django.core.signals import request_finished
    from django.db import close_old_connections

    request_finished.disconnect(close_old_connections)
    url = f"/programmes/bench/performance/?year={last_year.label}&quarter=4"

    years = [last_year.start_year - 1, last_year.start_year]  # the year and the year before, for trends
    # The bare fetch of every figure the page aggregates, as plainly as SQL can give it: no ORDER BY (the
    # models' default orderings would add a sort and a join), no conversion, rows straight off the cursor.
    values = (
        ReturnValue.objects.filter(
            return_record__agreement__programme=programme,
            return_record__status__in=COUNTED_STATUSES,
            return_record__financial_year__start_year__in=years,
        )
        .order_by()
        .values_list(
            "kpi_version__kpi_id",
            "kpi_version__number",
            "return_record__agreement_id",
            "return_record__financial_year__start_year",
            "return_record__quarter",
            "value",
        )
    )
    targets = (
        KpiTarget.objects.filter(agreement__programme=programme, financial_year__start_year__in=years)
        .order_by()
        .values_list("kpi_id", "agreement_id", "financial_year__start_year", "q1_target", "q2_target", "q3_target", "q4_target")
    )
    bare = [q.query.sql_with_params() for q in (values, targets)]

    def page() -> int:
        response = client.get(url)
        if response.status_code != 200:
            raise SystemExit(f"The performance page answered {response.status_code}.")
        return len(response.content)

    def bare_sql() -> int:
        count = 0
        with connection.cursor() as cursor:
            for sql, params in bare:
                cursor.execute(sql, params)
                count += len(cursor.fetchall())
        return count

    executed = []

    def count_queries(execute, sql, params, many, context):
        executed.append(sql)
        return execute(sql, params, many, context)

    page()  # the first read stores the programme's monitoring settings; count a steady request
    with connection.execute_wrapper(count_queries):
        page()
    rows = bare_sql()
    page_times, sql_times = [], []
    for _ in range(args.repeat):  # interleaved, so machine noise hits both alike
        start = time.perf_counter()
        page()
        page_times.append(time.perf_counter() - start)
        start = time.perf_counter()
        bare_sql()
        sql_times.append(time.perf_counter() - start)
    page_median, sql_median = statistics.median(page_times), statistics.median(sql_times)
    print(f"database: {connection.vendor}; data: {args.orgs} providers × {args.kpis} KPIs × {args.years * 4} quarters")
    print(f"performance page: {len(executed)} SQL queries, median {page_median * 1000:.0f} ms over {args.repeat} runs")
    print(f"bare SQL of the same figures ({rows:,} rows): median {sql_median * 1000:.0f} ms")
    print(f"ratio page / bare SQL: {page_median / sql_median:.2f}x (aim: at most 2x)")


if __name__ == "__main__":
    main()
