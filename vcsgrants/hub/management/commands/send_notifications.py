"""Queue today's reminders and send every queued e-mail, by hand or from cron. The worker (`manage.py run_worker`)
does the same on its schedule (hub.tasks.queue_reminders hourly, notifications.tasks.send_outbox every 10 minutes),
so a server running the worker needs no timer (docs/operations/worker.md).

    manage.py send_notifications                      # queue reminders, then send
    manage.py send_notifications --dry-run            # list what would be queued and sent; writes and sends nothing
    manage.py send_notifications --only-send          # just empty the outbox (e.g. every 10 minutes)
    manage.py send_notifications --only-queue         # just queue reminders (and the daily digests)
    manage.py send_notifications --today 2022-07-20   # reminders as on that day (testing, catching up)

What is sent when and to whom: vcsgrants/hub/reminders.py. A run that queues reminders (not --only-send) also
gathers, for each person who chose a daily digest, what is held for them into one digest e-mail: one a day, made
by the first such run at or after settings.VCSGRANTS_DIGEST_HOUR (7am), or whenever --today is given
(docs/operations/email.md).
Two copies started at once never send the same e-mail twice (see services._claim); a run queues nothing it
queued before (each reminder has a key).
Ends with a summary: queued by kind, sent, failed. A failure to send is not an error of the command (it exits 0;
the e-mail waits for the next run); the errors are listed on stderr.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from vcsgrants.hub import reminders
from vcsgrants.notifications.models import Notification
from vcsgrants.notifications.selectors import status_counts
from vcsgrants.notifications.services import build_digests, digests_due, send_queued, sendable


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError as error:
        raise CommandError(f"--today must be a date written YYYY-MM-DD, like 2022-07-20, not {text!r}.") from error


def _kinds(counts: Counter) -> str:
    labels = dict(Notification.Kind.choices)
    return ", ".join(f"{counts[k]} {labels[k].lower()}" for k in labels if counts.get(k)) or "none"


class Command(BaseCommand):
    help = "Queue reminders (returns due and overdue, meeting actions) and send queued e-mails."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="List what would be queued and sent; change nothing")
        only = parser.add_mutually_exclusive_group()
        only.add_argument("--only-queue", action="store_true", help="Queue reminders; send nothing")
        only.add_argument("--only-send", action="store_true", help="Send what is queued; queue no reminders")
        parser.add_argument("--today", type=_date, help="Work out reminders as on this date, YYYY-MM-DD (default: today)")
        parser.add_argument(
            "--return-days",
            type=int,
            default=reminders.RETURN_DAYS,
            help=f"Remind about returns due within this many days (default {reminders.RETURN_DAYS})",
        )
        parser.add_argument(
            "--action-days",
            type=int,
            default=reminders.ACTION_DAYS,
            help=f"Remind about actions due within this many days (default {reminders.ACTION_DAYS})",
        )
        parser.add_argument(
            "--overdue-weeks",
            type=int,
            default=reminders.OVERDUE_WEEKS,
            help=f"Chase overdue returns and actions weekly for this many weeks (default {reminders.OVERDUE_WEEKS})",
        )

    def handle(self, *args, **options):
        today = options["today"] or timezone.localdate()
        dry_run = options["dry_run"]
        queued: Counter = Counter()
        if not options["only_send"]:
            due = reminders.due_reminders(
                today,
                return_days=options["return_days"],
                action_days=options["action_days"],
                overdue_weeks=options["overdue_weeks"],
            )
            if dry_run:
                for r in due:
                    self.stdout.write(f"Would queue: {r.kind} to {r.to_email}: {r.subject}")
                queued = Counter(r.kind for r in due)
            else:
                queued = reminders.queue_reminders(due)
        word = "Would queue" if dry_run else "Queued"
        self.stdout.write(f"{word} reminders as on {today:%d %B %Y}: {_kinds(queued)}.")
        if not options["only_send"] and not dry_run and (options["today"] or digests_due()):
            self.stdout.write(f"Queued {build_digests(today=today)} daily digests.")
        if options["only_queue"]:
            return
        if dry_run:
            waiting = list(sendable(timezone.now()).order_by("created_at", "id"))
            for n in waiting:
                self.stdout.write(f"Would send: {n.kind} to {n.to_email}: {n.subject}")
            planned = sum(queued.values())
            extra = f" (and the {planned} reminders above, once queued)" if planned else ""
            self.stdout.write(f"Would send {len(waiting)} queued e-mails{extra}.")
            return
        result = send_queued()
        for error in result.errors:
            self.stderr.write(f"Not sent: {error}")
        counts = status_counts()
        self.stdout.write(
            f"Sent {result.sent}; failed {result.failed} (of which {result.gave_up} gave up after the last attempt). "
            f"In the outbox now: {counts['queued']} queued, {counts['failed']} failed."
        )
