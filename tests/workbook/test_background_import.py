"""A large workbook is brought in by the worker (core.jobs): the page saves the upload and starts a job, the real
worker imports it all or nothing, and the job's page says what was saved, or lists every problem. (A small
workbook is brought in within the request: test_import.py.) The threshold is lowered here so that any counts."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client

from tests.workbook.conftest import agreement
from tests.workbook.test_import import workbook
from vcsgrants.core.models import BackgroundJob
from vcsgrants.funding.models import Agreement
from vcsgrants.workbook import tasks


@pytest.mark.django_db(transaction=True)
def test_a_large_workbook_is_brought_in_by_the_worker_or_refused_with_every_problem(
    setup, template, officer, monkeypatch, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    monkeypatch.setattr(tasks, "BACKGROUND_BYTES", 0)
    client = Client()
    client.force_login(officer)

    started = client.post("/import/", {"file": SimpleUploadedFile("ours.xlsx", workbook(setup, template))})
    job = BackgroundJob.objects.get()
    assert started["Location"] == job.get_absolute_url()
    assert list((tmp_path / "jobs" / "uploads").iterdir())  # kept for the worker, in the shared storage
    assert not Agreement.objects.exists()

    call_command("run_worker", "--once", verbosity=0)

    job.refresh_from_db()
    assert (job.state, job.done, job.total) == ("done", 3, 3)
    page = client.get(job.get_absolute_url()).content.decode()
    assert "ours.xlsx was checked and saved. " in page and "Agreements: 2 created" in page
    assert Agreement.objects.count() == 2
    assert not list((tmp_path / "jobs" / "uploads").iterdir())  # removed once read

    bad = workbook(setup, template, Agreements=[agreement(programme="Nope")])
    client.post("/import/", {"file": SimpleUploadedFile("bad.xlsx", bad)})
    call_command("run_worker", "--once", verbosity=0)
    refused = BackgroundJob.objects.get(title__endswith="bad.xlsx")
    assert refused.state == "failed"
    page = client.get(refused.get_absolute_url()).content.decode()
    assert "Nothing from bad.xlsx has been saved" in page and "Nope" in page
    assert Agreement.objects.count() == 2
