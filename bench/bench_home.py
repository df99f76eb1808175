"""Benchmark: each role's home page beside the agreement page, on the database in use.

Run it on a throwaway database that already holds the demo users and the scale data (see the page
docs/development/benchmarks.md#home-pages-benchhomepy), so building the data is not timed:

    export VCSGRANTS_VAR_DIR=/tmp/vcsgrants-scale
    .venv/bin/python manage.py migrate && .venv/bin/python manage.py load_demo
    .venv/bin/python manage.py generate_scale_data --preset large
    .venv/bin/python bench/bench_home.py

Times, side by side in one run, GET / as the demo's officer, finance, cabinet, partner and a provider, and
GET /agreements/<id>/ (the budget the home pages are held to), with each page's query count. Prints medians
and each home page's ratio to the agreement page.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

ROLES = ["officer", "finance", "cabinet", "partner", "provider-kestrel-voluntary-action-demo"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vcsgrants.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client

    from vcsgrants.core.models import User
    from vcsgrants.funding.models import Agreement

    settings.ALLOWED_HOSTS = ["testserver"]
    settings.DEBUG = False
    # The figures worked out on every view, as before they were cached (bench/bench_tuning.py measures the cache).
    settings.VCSGRANTS_FIGURES_CACHE_SECONDS = 0

    def measure(username: str, url: str) -> tuple[float, int]:
        client = Client()
        client.force_login(User.objects.get(username=username))
        queries = []

        def count(execute, sql, params, many, context):
            queries.append(sql)
            return execute(sql, params, many, context)

        with connection.execute_wrapper(count):
            status = client.get(url).status_code
        if status != 200:
            raise SystemExit(f"{url} as {username} answered {status}")
        times = []
        for _ in range(args.repeat):
            start = time.perf_counter()
            client.get(url)
            times.append(time.perf_counter() - start)
        return statistics.median(times), len(queries)

    agreement = Agreement.objects.order_by("-pk").first()
    base, base_queries = measure("officer", f"/agreements/{agreement.pk}/")
    print(f"{'page':<40} {'median':>9} {'queries':>8} {'ratio':>7}")
    print(f"{'agreement page (officer)':<40} {base * 1000:>7.0f}ms {base_queries:>8} {1:>7.2f}")
    for role in ROLES:
        seconds, queries = measure(role, "/")
        print(f"{'home: ' + role[:33]:<40} {seconds * 1000:>7.0f}ms {queries:>8} {seconds / base:>7.2f}")
    print(f"{Agreement.objects.count():,} agreements; median of {args.repeat} after one warm-up")


if __name__ == "__main__":
    main()
