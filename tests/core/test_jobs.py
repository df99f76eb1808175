"""Background work with progress: a page enqueues, the real worker (`manage.py run_worker`) runs the task against
the test database, and the job's page shows its progress and then its file, to the person who asked only.

The worker runs for real here: `call_command("run_worker", "--once")` in this process (the tests commit, as the
worker's own transactions need: transaction=True), and once as a subprocess against the database file, two at a
time, to show that two workers never both send a scheduled slot.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from django.core import mail
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.db.models import Count
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from tests.factories import UserFactory
from tests.reports.test_issued import World
from vcsgrants.core import schedule
from vcsgrants.core.models import BackgroundJob, Role, ScheduledRun
from vcsgrants.notifications.models import Notification
from vcsgrants.notifications.services import enqueue

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    return settings.MEDIA_ROOT


def run_worker() -> str:
    from io import StringIO

    out = StringIO()
    call_command("run_worker", "--once", stdout=out)
    return out.getvalue()


@pytest.mark.django_db(transaction=True)
def test_a_draft_report_pdf_is_made_by_the_worker_and_offered_to_the_person_who_asked(media):
    world = World()
    officer = world.client()
    response = officer.post(reverse("reports:report-prepare", args=[world.report.pk, "pdf"]))
    job = BackgroundJob.objects.get()
    assert response.status_code == 302 and response["Location"] == job.get_absolute_url()
    assert (job.requested_by, job.kind, job.state) == (world.officer, "report-pdf", "queued")

    # Before the worker: the page says it is waiting, and asks the browser to look again (no JavaScript needed).
    waiting = officer.get(job.get_absolute_url())
    assert waiting["Refresh"] == "3"
    assert "Waiting to start" in waiting.content.decode()
    assert "Refresh" not in officer.get(job.get_absolute_url() + "?refresh=off")
    assert officer.get(reverse("core:job-download", args=[job.pk])).status_code == 404

    # Only the person who asked (and administrators) may see it: another officer may not.
    colleague = Client()
    colleague.force_login(UserFactory(roles=[Role.OFFICER]))
    assert colleague.get(job.get_absolute_url()).status_code == 403
    assert colleague.get(reverse("core:job-download", args=[job.pk])).status_code == 403
    assert world.report.title not in colleague.get(reverse("core:job-list")).content.decode()

    assert "Tasks run: 4" in run_worker()  # the report, and the three scheduled tasks of this slot

    job.refresh_from_db()
    assert (job.state, job.done, job.total, job.error) == ("done", 3, 3, "")
    done = officer.get(job.get_absolute_url())
    assert "Refresh" not in done
    page = done.content.decode()
    assert "The draft report as a PDF file is ready" in page and f"cabinet-report-{world.report.pk}-draft.pdf" in page
    download = officer.get(reverse("core:job-download", args=[job.pk]))
    data = b"".join(download.streaming_content)
    assert data.startswith(b"%PDF")
    assert f'filename="cabinet-report-{world.report.pk}-draft.pdf"' in download["Content-Disposition"]
    # Kept in the default storage (so any app server can serve it), under jobs/.
    assert (media / job.result_file.name).read_bytes() == data and job.result_file.name.startswith("jobs/")
    assert world.report.title in officer.get(reverse("core:job-list")).content.decode()

    admin = Client()
    admin.force_login(UserFactory(roles=[Role.ADMIN]))
    assert admin.get(reverse("core:job-download", args=[job.pk])).status_code == 200


@pytest.mark.django_db(transaction=True)
def test_a_job_that_fails_says_so_on_its_page_and_the_queue_keeps_the_traceback(media):
    world = World()
    officer = world.client()
    officer.post(reverse("reports:report-prepare", args=[world.report.pk, "docx"]))
    job = BackgroundJob.objects.get()
    world.report.delete()  # gone before the worker reached it

    call_command("run_worker", "--once", "--no-schedule", verbosity=0)  # as `make run` starts it: jobs only
    assert not ScheduledRun.objects.exists()

    job.refresh_from_db()
    assert job.state == "failed"
    page = officer.get(job.get_absolute_url()).content.decode()
    assert "This could not be finished" in page and "Something went wrong" in page
    task = DBTaskResult.objects.get(id=job.task_id)
    assert task.status == "FAILED" and "DoesNotExist" in task.traceback


@pytest.mark.django_db(transaction=True)
def test_the_worker_sends_the_outbox_and_enqueues_each_scheduled_slot_once(media):
    receipt = {"kind": Notification.Kind.SUBMISSION_RECEIPT, "to_email": "someone@example.org", "subject": "Got it"}
    enqueue(key="receipt:1", body="Hi", **receipt)

    out = run_worker()

    assert "send-outbox" in out and "queue-reminders" in out
    assert [m.subject for m in mail.outbox] == ["Got it"]
    assert Notification.objects.get().sent_at is not None
    # The same slot is not enqueued again, by this worker or another.
    assert "nothing due" in run_worker()
    assert ScheduledRun.objects.filter(name="send-outbox").count() == 1
    with pytest.raises(IntegrityError), transaction.atomic():
        run = ScheduledRun.objects.first()
        ScheduledRun.objects.create(name=run.name, slot=run.slot)


def test_slots_are_cut_from_midnight_utc():
    every10 = dt.timedelta(minutes=10)
    at = dt.datetime(2026, 12, 7, 7, 19, 59, tzinfo=dt.UTC)
    assert schedule.slot_for(at, every10) == dt.datetime(2026, 12, 7, 7, 10, tzinfo=dt.UTC)
    assert schedule.slot_for(at, dt.timedelta(hours=1)) == dt.datetime(2026, 12, 7, 7, 0, tzinfo=dt.UTC)
    assert schedule.slot_for(at, dt.timedelta(days=1)) == dt.datetime(2026, 12, 7, tzinfo=dt.UTC)
    assert [schedule.every_text(every10), schedule.every_text(dt.timedelta(hours=2))] == ["every 10 minutes", "every 2 hours"]
    with pytest.raises(ValueError, match="divides a day"):
        schedule.register("odd", None, every=dt.timedelta(minutes=7))


@pytest.mark.django_db(transaction=True)
def test_readyz_reports_the_task_backlog_and_fails_when_no_worker_takes_it(media):
    world = World()
    world.client().post(reverse("reports:report-prepare", args=[world.report.pk, "pdf"]))
    ready = Client().get("/readyz").json()["checks"]["tasks"]
    assert (ready["status"], ready["waiting"], ready["oldest_minutes"]) == ("ok", 1, 0)

    DBTaskResult.objects.update(enqueued_at=timezone.now() - dt.timedelta(minutes=16))
    response = Client().get("/readyz")
    assert response.status_code == 503
    assert "1 background tasks waiting, the oldest for 16 minutes" in response.json()["checks"]["tasks"]["error"]

    run_worker()
    assert Client().get("/readyz").json()["checks"]["tasks"] | {"ms": 0} == {
        "status": "ok",
        "waiting": 0,
        "running": 0,
        "oldest_minutes": 0,
        "ms": 0,
    }


@pytest.mark.django_db(transaction=True)
def test_two_worker_processes_on_one_database_send_each_e_mail_once_and_enqueue_each_slot_once(media, tmp_path):
    """Two workers started together on one database (as on two servers): a long-running `manage.py run_worker` and a
    `run_worker --once`. Each scheduled slot is enqueued by one of them only, and the e-mail sent once; SIGTERM
    stops the long-running one cleanly (exit status 0, its task finished). On SQLite they share a file copied from
    the in-memory test database (and copied back); on PostgreSQL they use the test database itself."""
    receipt = {"kind": Notification.Kind.SUBMISSION_RECEIPT, "to_email": "someone@example.org", "subject": "Got it"}
    enqueue(key="receipt:2", body="Hi", **receipt)
    if connection.vendor == "sqlite":  # the test database is in memory: the workers share a copy of it in a file
        database = tmp_path / "shared.sqlite3"
        with sqlite3.connect(database) as copy:
            connection.ensure_connection()
            connection.connection.backup(copy)
        url = f"sqlite:///{database}"
    else:  # the test database itself, whose rows this test has committed
        db = connection.settings_dict
        url = f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    env = {key: value for key, value in os.environ.items() if not key.startswith(("PYTEST", "DJANGO_"))}
    env.update(
        DATABASE_URL=url,
        DJANGO_SETTINGS_MODULE="tests.core.worker_settings",
        MEDIA_ROOT=str(media),
        VCSGRANTS_VAR_DIR=str(tmp_path),
        VCSGRANTS_TEST_MAIL_DIR=str(tmp_path / "mail"),
        PYTHONPATH=str(ROOT),
        PYTHONUNBUFFERED="1",
    )
    command = [sys.executable, "manage.py", "run_worker"]
    popen = {"cwd": ROOT, "env": env, "stdout": subprocess.PIPE, "stderr": subprocess.PIPE, "text": True}
    running = subprocess.Popen([*command, "--interval", "0.2"], **popen)  # noqa: S603
    once = subprocess.Popen([*command, "--once"], **popen)  # noqa: S603
    try:
        started = running.stdout.readline()  # written once its signal handlers are in place
        assert started.startswith("Worker "), started + running.stderr.read()
        once_out, once_err = once.communicate(timeout=120)
        assert once.returncode == 0, once_out + once_err
        running.send_signal(signal.SIGTERM)
        running_out, running_err = running.communicate(timeout=60)
        assert running.returncode == 0, running_out + running_err
    finally:
        for process in (running, once):
            if process.poll() is None:
                process.kill()
                process.wait()
    if connection.vendor == "sqlite":  # read back what the workers wrote
        with sqlite3.connect(database) as copy:
            copy.backup(connection.connection)
    runs = dict(ScheduledRun.objects.values("name").annotate(n=Count("id")).values_list("name", "n"))
    assert runs == {"prune-jobs": 1, "send-outbox": 1, "queue-reminders": 1}
    assert set(DBTaskResult.objects.values_list("status", flat=True)) == {"SUCCESSFUL"}
    assert Notification.objects.exclude(sent_at=None).count() == 1
    written = "".join(path.read_text() for path in (tmp_path / "mail").iterdir())
    assert written.count("Subject: Got it") == 1  # written by one of the two workers only


@pytest.mark.django_db
def test_old_jobs_their_files_and_the_queues_old_rows_are_pruned(media):
    from vcsgrants.core.jobs import prune_jobs

    owner = UserFactory()
    old, new = BackgroundJob(requested_by=owner, kind="x", title="Old"), BackgroundJob(requested_by=owner, kind="x", title="New")
    for job in (old, new):
        job.result_file.save(f"{job.title}.csv", ContentFile(b"a\n"), save=False)
        job.state, job.finished_at = BackgroundJob.State.DONE, timezone.now()
        job.save()
    BackgroundJob.objects.filter(pk=old.pk).update(finished_at=timezone.now() - dt.timedelta(days=8))
    ScheduledRun.objects.create(name="send-outbox", slot=timezone.now() - dt.timedelta(days=8))

    assert prune_jobs() == 1

    assert list(BackgroundJob.objects.values_list("title", flat=True)) == ["New"]
    assert not (media / old.result_file.name).exists() and (media / new.result_file.name).exists()
    assert not ScheduledRun.objects.exists()
