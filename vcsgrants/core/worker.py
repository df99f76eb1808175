"""The worker: runs the background tasks waiting in the database and enqueues the scheduled ones by the clock.

`manage.py run_worker` loops: enqueue the scheduled tasks whose slot has come (core.schedule), run every task
that is ready (the django-tasks database backend's own worker, in batch mode: it claims each task with a row
lock, so several workers on several servers each take different tasks), then wait `interval` seconds and go
round again. `--once` goes round once and exits: for tests, and for a council that prefers cron to a service.
On SIGTERM or Ctrl+C it finishes the task it is running, then stops (a second signal stops it at once).
"""

from __future__ import annotations

import logging
import socket
import time

from django.utils.crypto import get_random_string
from django_tasks_db.management.commands.db_worker import Worker

from vcsgrants.core import schedule

logger = logging.getLogger(__name__)


def new_worker_id() -> str:
    """Unique across the pool, and says which server it is on (shown in the task queue's admin)."""
    return f"{socket.gethostname()[:40]}-{get_random_string(12)}"


def make_worker(worker_id: str) -> Worker:
    return Worker(
        queue_names=["*"],
        interval=0,
        batch=True,  # run what is ready, then return to the loop below (which sleeps and looks at the clock)
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id=worker_id,
        excluded_queue_names=[],
    )


def run_once(worker: Worker, *, scheduling: bool = True) -> tuple[list[str], int]:
    """One turn: enqueue what the schedule says is due (unless `scheduling` is off), then run every ready task.
    Returns (the scheduled tasks enqueued, how many tasks ran)."""
    before = worker._run_tasks
    enqueued = schedule.enqueue_due(worker=worker.worker_id) if scheduling else []
    if enqueued:
        logger.info("Scheduled tasks enqueued: %s", ", ".join(enqueued))
    worker.run()
    return enqueued, worker._run_tasks - before


def run_forever(worker: Worker, *, interval: float, scheduling: bool = True) -> None:
    """Turn after turn until SIGTERM or Ctrl+C (the caller has called `worker.configure_signals()`)."""
    while worker.running:
        run_once(worker, scheduling=scheduling)
        if worker.running:
            time.sleep(interval)
