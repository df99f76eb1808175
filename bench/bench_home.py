"""Benchmark: each role's home page beside the agreement page, on the database in use.

Run it on a throwaway database that already holds the demo users and the scale data (see the page
docs/development/benchmarks.md#home-pages-benchhomepy), so building the data is not timed:

    export VCSGRANTS_VAR_DIR=/tmp/vcsgrants-scale
    .venv/bin/python manage.py migrate && .venv/bin/python manage.py load_demo
    .venv/bin/python manage.py generate_scale_data --preset large
    .venv/bin/python bench/bench_home.py

Times, side by side in one run, with the shared figures cache off and on, GET / as the demo's officer, finance, cabinet,
partner and a provider, and GET /agreements/<id>/ (the budget the home pages are held to), with each page's query
count; the pages are viewed in turn, round after round (`--repeat` rounds). Prints medians and each home page's ratio
to the agreement page.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from common import start_django  # noqa: E402 - bench/common.py, beside this script

ROLES = ["officer", "finance", "cabinet", "partner", "provider-kestrel-voluntary-action-demo"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    start_django(throwaway=False, migrate=False)  # the database the docstring's commands built
    from django.conf import settings
    from django.db import connection
    from django.test import Client

    from vcsgrants.core.models import User
    from vcsgrants.funding.models import Agreement

    cached_for = settings.VCSGRANTS_FIGURES_CACHE_SECONDS

    def measure(pages: list[tuple[str, str, str]], *, cache: bool) -> list[tuple[float, int]]:
        """Each page's median of repeated views and the queries of the last-but-one (the warm-up is the first view):
        with the shared figures cache off, everything is worked out on every view, as before the figures were cached;
        on, what a repeated view costs when nothing has changed. The pages are viewed in turn, round after round, so
        that whatever else the machine does falls on every page alike."""
        settings.VCSGRANTS_FIGURES_CACHE_SECONDS = cached_for if cache else 0
        clients, queries = [], []
        for _, username, url in pages:
            client = Client()
            client.force_login(User.objects.get(username=username))
            counted = []

            def count(execute, sql, params, many, context, counted=counted):
                counted.append(sql)
                return execute(sql, params, many, context)

            status = client.get(url).status_code  # the warm-up (and, with the cache on, the figures stored)
            with connection.execute_wrapper(count):
                client.get(url)
            if status != 200:
                raise SystemExit(f"{url} as {username} answered {status}")
            clients.append(client)
            queries.append(len(counted))
        times: list[list[float]] = [[] for _ in pages]
        for _ in range(args.repeat):
            for (_, _, url), client, page_times in zip(pages, clients, times, strict=True):
                start = time.perf_counter()
                client.get(url)
                page_times.append(time.perf_counter() - start)
        return [(statistics.median(t), n) for t, n in zip(times, queries, strict=True)]

    agreement = Agreement.objects.order_by("-pk").first()
    pages = [("agreement page (officer)", "officer", f"/agreements/{agreement.pk}/")]
    pages += [(f"home: {role[:33]}", role, "/") for role in ROLES]
    off, on = measure(pages, cache=False), measure(pages, cache=True)
    print(f"{'':<40} {'figures cache off':>28}   {'cache on, a repeated view':>28}")
    print(f"{'page':<40} {'median':>9} {'queries':>8} {'ratio':>9}   {'median':>9} {'queries':>8} {'ratio':>9}")
    for (name, _, _), *results in zip(pages, off, on, strict=True):
        row = f"{name:<40}"
        for (seconds, queries), (base, _) in zip(results, (off[0], on[0]), strict=True):
            row += f" {seconds * 1000:>7.0f}ms {queries:>8} {seconds / base:>9.2f}  "
        print(row)
    count = Agreement.objects.count()
    print(f"{count:,} agreements; median of {args.repeat} rounds after one warm-up; ratio: to the agreement page")


if __name__ == "__main__":
    main()
