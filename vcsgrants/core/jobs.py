"""Background jobs: long work a person asks for, run by the worker (`manage.py run_worker`), with its progress.

A page that starts long work calls `job_start`: it records a `BackgroundJob` (who asked, what, from which page)
and enqueues the app's task (Django's tasks framework, the django-tasks backport, with its database backend) in
the same transaction, then sends the person to the job's page, which refreshes itself until the job is done
and then offers the file (or a link to the result, or says what went wrong).

A task is an ordinary function decorated with `@task()` in its app's `tasks.py`, taking the job's id first:

    @task()
    def render_report(job_id: str, report_id: int, fmt: str) -> None:
        with jobs.running(job_id) as job:
            job.progress(1, 3, "Gathering the figures")
            ...
            job.finish_with_file(data, "report.pdf", "application/pdf")

`running` marks the job started, and on the way out done, or failed: a `ValidationError` is the person's to fix
and its messages are shown on the page; anything else shows a general message, is logged, and is raised again
so the task queue records the traceback too.

The rule for what runs here (docs/adr/0023-background-work-with-progress.md): work that renders a document
from the records, or reads or writes a whole workbook, runs as a job when a page asks for it; a stored file
(an issued report, an upload) and a page's own table as CSV are sent at once.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from vcsgrants.core.models import BackgroundJob, ScheduledRun

logger = logging.getLogger(__name__)

FAILED_MESSAGE = (
    "Something went wrong and this could not be finished. Try again; if it fails again, tell the council's "
    "VCS funding team the time it failed."
)


def job_start(*, actor, kind: str, title: str, task, args: list, back_url: str = "") -> BackgroundJob:
    """Record the job and enqueue `task(job_id, *args)`: both or neither (one transaction)."""
    with transaction.atomic():
        job = BackgroundJob.objects.create(requested_by=actor, kind=kind, title=title, back_url=back_url)
        result = task.enqueue(str(job.pk), *args)
        job.task_id = str(result.id)
        job.save(update_fields=["task_id"])
    return job


@dataclass
class JobRun:
    """The running job, as its task sees it: report progress, then finish with a file or a link."""

    job: BackgroundJob

    def progress(self, done: int, total: int, step: str = "") -> None:
        """Record how far it has got: `done` of `total`, and what it is doing now (saved at once, so the page
        shows it; not inside a transaction the task holds open, which nobody else could see until it ends)."""
        self.job.done, self.job.total, self.job.step = done, total, step[:200]
        BackgroundJob.objects.filter(pk=self.job.pk).update(done=done, total=total, step=step[:200])

    def finish_with_file(self, data: bytes, filename: str, content_type: str, summary: str = "") -> None:
        self.job.result_file.save(filename, ContentFile(data), save=False)
        self.job.result_name = filename
        self.job.result_content_type = content_type
        self.job.result_summary = summary[:500]

    def finish(self, summary: str) -> None:
        """Done, with no file: the summary says what it did."""
        self.job.result_summary = summary[:500]

    def finish_with_link(self, url: str, summary: str = "") -> None:
        self.job.result_url = url
        self.job.result_summary = summary[:500]


@contextmanager
def running(job_id: str) -> Iterator[JobRun]:
    job = BackgroundJob.objects.get(pk=job_id)
    job.state = BackgroundJob.State.RUNNING
    job.started_at = timezone.now()
    job.step = job.step or "Started"
    job.save(update_fields=["state", "started_at", "step"])
    run = JobRun(job)
    try:
        yield run
    except ValidationError as exc:
        _finish(job, BackgroundJob.State.FAILED, error="\n".join(exc.messages))
        return
    except BaseException:
        logger.exception("Background job %s (%s) failed", job.pk, job.kind)
        _finish(job, BackgroundJob.State.FAILED, error=FAILED_MESSAGE)
        raise
    if job.total:
        job.done = job.total
    _finish(job, BackgroundJob.State.DONE)


def _finish(job: BackgroundJob, state: str, error: str = "") -> None:
    job.state = state
    job.error = error
    job.finished_at = timezone.now()
    job.step = "" if state == BackgroundJob.State.DONE else job.step
    job.save()


def jobs_for(user):
    """The jobs a person sees on their list: their own (an administrator's list shows everyone's)."""
    jobs = BackgroundJob.objects.select_related("requested_by")
    if user.has_perm("core.view_all_jobs"):
        return jobs
    return jobs.filter(requested_by=user)


def prune_jobs(*, now=None) -> int:
    """Remove jobs (and their files) finished more than VCSGRANTS_JOB_KEEP_DAYS ago, and the task queue's rows
    finished, and the scheduled slots run, as long ago. Returns how many jobs went."""
    from django_tasks_db.models import DBTaskResult

    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=settings.VCSGRANTS_JOB_KEEP_DAYS)
    old = BackgroundJob.objects.filter(Q(finished_at__lt=cutoff) | Q(finished_at=None, created_at__lt=cutoff))
    count = 0
    for job in old:
        if job.result_file:
            job.result_file.delete(save=False)
        job.delete()
        count += 1
    DBTaskResult.objects.finished().filter(finished_at__lt=cutoff).delete()
    ScheduledRun.objects.filter(slot__lt=cutoff).delete()
    return count
