"""python manage.py run_worker: the background worker (reports, exports and imports asked for on pages) and the
scheduler (e-mails, reminders, tidying up). Run one or more, on any server, against the same database.

    manage.py run_worker                 # runs until stopped (SIGTERM or Ctrl+C ends it after the current task)
    manage.py run_worker --once          # one turn: enqueue what is due, run what is waiting, exit
    manage.py run_worker --interval 2    # look for new tasks every 2 seconds when idle (default 5)
    manage.py run_worker --no-schedule   # background jobs only: enqueue no scheduled task (make run does this)

See docs/operations/worker.md. deploy/vcsgrants-worker.service runs it under systemd.
"""

from __future__ import annotations

import logging

from django.core.management.base import BaseCommand, CommandError

from vcsgrants.core import schedule
from vcsgrants.core.worker import make_worker, new_worker_id, run_forever, run_once


class Command(BaseCommand):
    help = "Run background tasks and the scheduled ones (e-mails, reminders) until stopped; --once for one turn."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="Enqueue what is due, run every waiting task, then exit")
        parser.add_argument("--interval", type=float, default=5.0, help="Seconds to wait between looks for new tasks (default 5)")
        parser.add_argument("--worker-id", default="", help="A name unique among the workers (default: host and random)")
        parser.add_argument(
            "--no-schedule",
            action="store_false",
            dest="scheduling",
            help="Run the tasks that are asked for, but enqueue no scheduled one (e-mails, reminders, tidying)",
        )

    def handle(self, *args, once: bool, interval: float, worker_id: str, scheduling: bool, verbosity: int, **options):
        if interval <= 0:
            raise CommandError("--interval must be more than 0 seconds.")
        # Each task's start and end (django_tasks) and the scheduled tasks enqueued; not the backend's own "Starting
        # worker … No more tasks" pair, which each turn of the loop (every few seconds) would repeat.
        logging.getLogger("django_tasks_db").setLevel(logging.WARNING if verbosity < 3 else logging.DEBUG)
        if verbosity >= 1:
            for name in ("vcsgrants.core.worker", "django_tasks"):
                logging.getLogger(name).setLevel(logging.INFO)
        worker = make_worker(worker_id or new_worker_id())
        if once:
            enqueued, ran = run_once(worker, scheduling=scheduling)
            self.stdout.write(f"Scheduled: {', '.join(enqueued) or 'nothing due'}. Tasks run: {ran}.")
            return
        worker.configure_signals()  # from here SIGTERM or Ctrl+C lets the current task finish, then stops
        names = ", ".join(f"{s.name} {schedule.every_text(s.every)}" for s in schedule.scheduled()) if scheduling else "none"
        self.stdout.write(f"Worker {worker.worker_id} started; scheduled tasks: {names}.")
        self.stdout.flush()
        run_forever(worker, interval=interval, scheduling=scheduling)
