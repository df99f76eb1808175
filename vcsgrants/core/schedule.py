"""Scheduled tasks: what the worker (`manage.py run_worker`) enqueues by the clock, instead of cron or a systemd timer.

Apps register their tasks in AppConfig.ready (core cannot import the apps above it), each with how often it runs:

    schedule.register("send-outbox", send_outbox, every=dt.timedelta(minutes=10))

Time is cut into slots of that length counted from midnight UTC (every 10 minutes: 07:00, 07:10, …; every hour:
on the hour; every day: at midnight UTC). On each turn of its loop the worker asks `enqueue_due`, which enqueues
each task once for the slot now running: it first inserts a `ScheduledRun` row (name, slot), which a unique
constraint lets only one insert of win, so two workers (on two servers, or two started by mistake) never both
enqueue the same slot; the loser moves on. A worker that was stopped for a while does not catch up every slot
it missed: it enqueues the current slot once (as systemd's Persistent=true timers do), and the tasks themselves
work out what is due (reminders are each queued once; the outbox sends whatever is waiting).
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone

from vcsgrants.core.models import ScheduledRun

logger = logging.getLogger(__name__)

EPOCH = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)


@dataclass(frozen=True)
class Scheduled:
    name: str
    task: object  # a django-tasks Task taking no arguments
    every: dt.timedelta
    description: str = ""


_scheduled: dict[str, Scheduled] = {}


def register(name: str, task, *, every: dt.timedelta, description: str = "") -> None:
    if every < dt.timedelta(minutes=1) or dt.timedelta(days=1) % every:
        raise ValueError(f"{name}: a schedule's interval divides a day and is at least a minute, not {every}.")
    _scheduled[name] = Scheduled(name, task, every, description)


def every_text(every: dt.timedelta) -> str:
    """ "every 10 minutes", "every hour", "every day"."""
    minutes = int(every.total_seconds() // 60)
    for size, word in ((24 * 60, "day"), (60, "hour"), (1, "minute")):
        if minutes % size == 0:
            count = minutes // size
            return f"every {word}" if count == 1 else f"every {count} {word}s"
    return f"every {every}"


def scheduled() -> list[Scheduled]:
    return list(_scheduled.values())


def slot_for(now: dt.datetime, every: dt.timedelta) -> dt.datetime:
    """The start of the slot `now` falls in: the last multiple of `every` since midnight UTC."""
    now = now.astimezone(dt.UTC)
    return now - ((now - EPOCH) % every)


def enqueue_due(*, now: dt.datetime | None = None, worker: str = "") -> list[str]:
    """Enqueue each scheduled task whose current slot no worker has enqueued yet; the names enqueued."""
    now = now or timezone.now()
    enqueued = []
    for entry in _scheduled.values():
        slot = slot_for(now, entry.every)
        if ScheduledRun.objects.filter(name=entry.name, slot=slot).exists():
            continue
        try:
            with transaction.atomic():
                run = ScheduledRun.objects.create(name=entry.name, slot=slot, worker=worker[:100])
                result = entry.task.enqueue()
                run.task_id = str(result.id)
                run.save(update_fields=["task_id"])
        except IntegrityError:
            logger.info("Scheduled task %s for %s was enqueued by another worker", entry.name, slot)
            continue
        enqueued.append(entry.name)
    return enqueued
