"""The database's own upkeep, as its makers advise: planner statistics after bulk loads, and SQLite's
`PRAGMA optimize` now and then.

- `analyse()` after a bulk load (`generate_scale_data`, `load_demo`, the bulk returns import, the workbook import):
  `ANALYZE` on both databases. Without statistics SQLite's planner guesses, and at 200,000 targets it scanned the
  whole `KpiTarget` table for one agreement's targets (issue 21); PostgreSQL's autovacuum would catch up, but only
  after the first pages were planned for empty tables.
- `optimise()`: SQLite's `PRAGMA optimize` (https://sqlite.org/pragma.html#pragma_optimize), which re-analyses only
  the tables whose statistics the connection's own queries found missing or stale, within `analysis_limit` rows
  each so it never takes long. SQLite advises running it before a connection closes or, for long-lived
  connections, periodically: `optimise_now_and_then` runs it at the end of every `SQLITE_OPTIMIZE_EVERY`th request
  of each process (gunicorn recycles a worker after about 1,000). PostgreSQL needs nothing: autovacuum analyses.
- `make_cache_tables()` after every `migrate`: the table of a database cache (the production settings' shared cache),
  so a deploy cannot forget `createcachetable` and leave the dashboards answering 500.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable

from django.conf import settings
from django.core.management import call_command
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Model

ANALYSIS_LIMIT = 1000  # rows sampled per index by PRAGMA optimize's own ANALYZE (SQLite's advice: 100 to 1000)
_requests = itertools.count(1)


def analyse(connection: BaseDatabaseWrapper | None = None, models: Iterable[type[Model]] = ()) -> None:
    """Fresh planner statistics after a bulk load: `ANALYZE` of the models' tables, or of every table when none is
    named (both databases)."""
    connection = connection or connections[DEFAULT_DB_ALIAS]
    tables = [connection.ops.quote_name(model._meta.db_table) for model in models]
    with connection.cursor() as cursor:
        for table in tables or [""]:
            cursor.execute(f"ANALYZE {table}".strip())


def optimise(connection: BaseDatabaseWrapper | None = None) -> None:
    """SQLite: `PRAGMA optimize` on the connection (bounded by `analysis_limit`); PostgreSQL: nothing to do."""
    connection = connection or connections[DEFAULT_DB_ALIAS]
    if connection.vendor != "sqlite" or connection.connection is None or connection.in_atomic_block:
        return
    with connection.cursor() as cursor:
        cursor.execute(f"PRAGMA analysis_limit = {ANALYSIS_LIMIT}")
        cursor.execute("PRAGMA optimize")


def optimise_now_and_then(sender=None, **kwargs) -> None:
    """A `request_finished` receiver: `optimise()` at the end of every `SQLITE_OPTIMIZE_EVERY`th request of the
    process (0: never). Django's own receiver closes a connection not kept (CONN_MAX_AGE=0) before this one runs,
    so it works on the connections that are kept open, whose queries PRAGMA optimize learns from, and opens none."""
    every = int(getattr(settings, "SQLITE_OPTIMIZE_EVERY", 0))
    if every > 0 and next(_requests) % every == 0:
        optimise()


def make_cache_tables(using: str = DEFAULT_DB_ALIAS, **kwargs) -> None:
    """After `migrate` (post_migrate): Django's `createcachetable` when a cache in CACHES is a database table. It makes
    only tables that are missing, so running it on every migrate is safe."""
    if any(cache["BACKEND"].endswith(".DatabaseCache") for cache in settings.CACHES.values()):
        call_command("createcachetable", database=using, verbosity=0)
