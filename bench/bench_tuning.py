"""Benchmark: the figures cache and the process and database tuning (issue 21, items 2 and 4), side by side in one run.

On a generated dataset (SQLite by default; DATABASE_URL for PostgreSQL), in-process through Django's test client,
prints CPU milliseconds (this process: the app, and SQLite's own work, which runs in it) and queries per page:

- **figures cache**: each dashboard and the Cabinet home page with the cache off, then on (a repeated view, and
  the first view after a change (a return saved, as a submission or acceptance does), which works the figures
  out again and stores them);
- **SQLite statistics**: the same pages before and after `ANALYZE` (what `generate_scale_data` now runs);
- **persistent connection**: a connection per request (CONN_MAX_AGE=0) against one kept open (60);
- **gc.freeze()**: after warm-up, the same pages with the start-up objects frozen and not, alternating.

    .venv/bin/python bench/bench_tuning.py                       # 5 programmes × 400 agreements × 10 KPIs (100,000 values)
    .venv/bin/python bench/bench_tuning.py --programmes 2 --agreements 400   # smaller
    scripts/with_postgres.sh .venv/bin/python bench/bench_tuning.py
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from common import start_django  # noqa: E402 - bench/common.py, beside this script


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--programmes", type=int, default=5)
    parser.add_argument("--orgs", type=int, default=500)
    parser.add_argument("--agreements", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    start_django()
    from django.conf import settings
    from django.contrib.auth.models import Group
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from vcsgrants.core.models import Role, User
    from vcsgrants.funding.models import Programme
    from vcsgrants.monitoring.models import Return

    sqlite = connection.vendor == "sqlite"
    if not Programme.objects.filter(slug__startswith="tune").exists():
        started = time.perf_counter()
        # generate_scale_data runs ANALYZE at its end; to measure without statistics first, generate without it.
        from django.db import transaction

        from vcsgrants.demo import scale_data

        size = scale_data.size_for(
            "large",
            programmes=args.programmes,
            orgs=args.orgs,
            agreements=args.agreements,
            kpis=None,
            years=None,
            open_quarters=None,
            first_year=None,
        )
        with transaction.atomic():
            scale_data.generate(size=size, slug="tune", seed=1, progress_stream=None)
        print(f"generated {size.values:,} KPI values in {time.perf_counter() - started:.1f} s on {connection.vendor}")
    if sqlite:
        with connection.cursor() as cursor:  # start without statistics, as before this change on SQLite
            cursor.execute("SELECT name FROM sqlite_master WHERE name = 'sqlite_stat1'")
            if cursor.fetchone():
                cursor.execute("DELETE FROM sqlite_stat1")
                cursor.execute("ANALYZE sqlite_schema")  # makes the planner reread the (now empty) statistics
    programme = Programme.objects.filter(slug__startswith="tune").order_by("slug").first()  # "tune", or "tune-01"…
    users = {}
    for role in (Role.OFFICER, Role.CABINET):
        user, _ = User.objects.get_or_create(username=f"bench-{role}")
        user.groups.add(Group.objects.get_or_create(name=role)[0])
        client = Client()
        client.force_login(user)
        users[role] = (user, client)
    base = f"/programmes/{programme.slug}/performance"
    pages = {
        "performance dashboard": (Role.OFFICER, f"{base}/"),
        "performance by provider": (Role.OFFICER, f"{base}/providers/"),
        "performance by district": (Role.OFFICER, f"{base}/districts/"),
        "cabinet home (5 programmes)": (Role.CABINET, "/"),
    }
    print(f"database: {connection.vendor}; {Programme.objects.count()} programmes; load average {os.getloadavg()[0]:.1f}")

    def measure(name: str, repeat: int = args.repeat, before=None) -> tuple[float, int, int]:
        role, url = pages[name]
        client = users[role][1]
        cpu, queries, size = [], 0, 0
        for _ in range(repeat):
            if before:
                before()
            with CaptureQueriesContext(connection) as captured:
                start = time.process_time()
                response = client.get(url)
                cpu.append((time.process_time() - start) * 1000)
            if response.status_code != 200:
                raise SystemExit(f"{url} answered {response.status_code}")
            queries, size = len(captured), len(response.content)
        return statistics.median(cpu), queries, size

    def row(label: str, a: tuple, b: tuple, names=("before", "after")) -> None:
        print(
            f"  {label:<30} {names[0]} {a[0]:7.1f} ms {a[1]:3d} q   {names[1]} {b[0]:7.1f} ms {b[1]:3d} q   "
            f"ratio {a[0] / max(b[0], 0.01):5.1f}x  ({b[2]:,} bytes)"
        )

    for name in pages:  # warm up: templates compiled, monitoring settings stored
        measure(name, 1)

    print("SQLite statistics (ANALYZE), figures cache off:" if sqlite else "(statistics: PostgreSQL's own ANALYZE)")
    settings.VCSGRANTS_FIGURES_CACHE_SECONDS = 0
    if sqlite:
        before = {name: measure(name) for name in pages}
        from vcsgrants.core.database import analyse

        analyse(connection)
        for name in pages:
            measure(name, 1)
        for name in pages:
            row(name, before[name], measure(name), ("no stats", "ANALYZE"))

    print("figures cache (off, then on: a repeated view, and the first view after a change):")
    off = {name: measure(name) for name in pages}
    settings.VCSGRANTS_FIGURES_CACHE_SECONDS = 3600
    cache.clear()
    returns = list(Return.objects.filter(agreement__programme=programme).order_by("-pk")[: 4 * args.repeat])

    def change_one() -> None:
        """A change the figures read: a return's history row (as a submission, query or acceptance writes)."""
        returns.pop().save()

    for name in pages:
        measure(name, 1)
    for name in pages:
        warm = measure(name)
        row(name, off[name], warm, ("off", "repeated"))
    for name in pages:
        changed = measure(name, before=change_one)
        row(name, off[name], changed, ("off", "after a change"))

    settings.VCSGRANTS_FIGURES_CACHE_SECONDS = 0
    print("connection per request (CONN_MAX_AGE=0) against one kept open (60), figures cache off:")
    for name in pages:
        connection.settings_dict["CONN_MAX_AGE"] = 0
        connection.close()
        fresh = measure(name)
        connection.settings_dict["CONN_MAX_AGE"] = 60
        kept = measure(name)
        row(name, fresh, kept, ("per request", "kept"))
    connection.settings_dict["CONN_MAX_AGE"] = 0

    print("gc.freeze() after warm-up, figures cache off (alternating rounds):")
    for name in pages:
        plain, frozen = [], []
        for _ in range(3):
            gc.unfreeze()
            plain.append(measure(name))
            gc.collect()
            gc.freeze()
            frozen.append(measure(name))
        gc.unfreeze()
        pick = lambda runs: (statistics.median(r[0] for r in runs), runs[0][1], runs[0][2])  # noqa: E731
        row(name, pick(plain), pick(frozen), ("unfrozen", "frozen"))


if __name__ == "__main__":
    main()
