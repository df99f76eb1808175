"""What each request of the load benchmark costs, measured inside the server and sent back in response headers.

Only bench/load_settings.py puts this middleware in front of the app; the load generator (bench/bench_load.py) reads
the headers and prints each page's averages beside its latency:

- X-Bench-App-CPU-us: the CPU time of the gunicorn worker while it handled the request (a sync worker is one process
  with one thread, so the process's CPU is the request's: Python, templates, SQLite when that is the database);
- X-Bench-DB-CPU-us: PostgreSQL's share, the CPU time of the connection's backend process during the request, read
  from Linux's /proc/<pid>/schedstat (nanoseconds on the CPU), as the server runs on the same machine; 0 on SQLite,
  whose work is in the app's figure;
- X-Bench-Queries: the SQL statements the request ran;
- the body's length is the response's own (the client counts the bytes).
"""

from __future__ import annotations

import time
from pathlib import Path

from django.db import connection


def backend_cpu() -> tuple[int, int] | None:
    """(pid, CPU nanoseconds so far) of the PostgreSQL backend serving this process's connection, or None (SQLite,
    no connection open, or a server this machine cannot see)."""
    if connection.vendor != "postgresql" or connection.connection is None:
        return None
    pid = connection.connection.info.backend_pid
    try:
        return pid, int(Path(f"/proc/{pid}/schedstat").read_text().split()[0])
    except (OSError, ValueError, IndexError):  # another machine's server, or a kernel without schedstats
        return None


class RequestCostMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        queries = 0

        def count(execute, sql, params, many, context):
            nonlocal queries
            queries += 1
            return execute(sql, params, many, context)

        db_before = backend_cpu()
        cpu_before = time.process_time_ns()
        with connection.execute_wrapper(count):
            response = self.get_response(request)
        app_ns = time.process_time_ns() - cpu_before
        db_after = backend_cpu()
        if db_after is None:
            db_ns = 0
        elif db_before is None or db_before[0] != db_after[0]:
            db_ns = db_after[1]  # a connection opened during the request: its backend's whole life (start-up included)
        else:
            db_ns = db_after[1] - db_before[1]
        response["X-Bench-App-CPU-us"] = str(app_ns // 1000)
        response["X-Bench-DB-CPU-us"] = str(db_ns // 1000)
        response["X-Bench-Queries"] = str(queries)
        return response
