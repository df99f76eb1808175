"""A large option set's comparison workbook is made by the worker (core.jobs), not in the request: its download
link leads to a page offering to make it, the job's page then offers the file. (A council's districts download at
once: tests/equity/test_pages.py.) The threshold is lowered here so that three areas count as large."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from tests.equity.test_option_sets import areas, funded, option_set  # noqa: F401 - fixtures
from vcsgrants.core.models import BackgroundJob
from vcsgrants.equity import tasks


@pytest.mark.django_db(transaction=True)
def test_a_large_sets_comparison_is_offered_then_made_in_the_background(option_set, officer, monkeypatch, settings, tmp_path):  # noqa: F811
    settings.MEDIA_ROOT = tmp_path
    monkeypatch.setattr(tasks, "BACKGROUND_AREAS", 2)
    client = Client()
    client.force_login(officer)
    offer = client.get(reverse("equity:equity-export", args=[option_set.pk]))
    assert offer["Content-Type"].startswith("text/html")
    assert "This option set has 3 areas" in offer.content.decode()

    started = client.post(reverse("equity:equity-export-prepare", args=[option_set.pk]))
    job = BackgroundJob.objects.get()
    assert started["Location"] == job.get_absolute_url() and job.kind == "equity-comparison"

    call_command("run_worker", "--once", verbosity=0)

    job.refresh_from_db()
    assert (job.state, job.step) == ("done", "")
    assert "The comparison workbook (3 areas) is ready" in client.get(job.get_absolute_url()).content.decode()
    download = client.get(reverse("core:job-download", args=[job.pk]))
    workbook = load_workbook(io.BytesIO(b"".join(download.streaming_content)))
    assert workbook.sheetnames == ["Equity measures", "Allocations", "Glide paths", "Areas (inputs)", "About"]
