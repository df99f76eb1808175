"""The whole-workbook import as a background job (core.jobs), for a workbook larger than `BACKGROUND_BYTES`.

The page saves the upload in the default storage (so a worker on another server can read it) and starts the job;
the task reads it, imports it exactly as the page does (`services.import_workbook`: read, check, then write all or
nothing), and removes it. A refused workbook fails the job with every problem listed, as the page would list them.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django_tasks import task

from vcsgrants.core import jobs
from vcsgrants.monitoring.spreadsheets import ImportRefused
from vcsgrants.workbook.services import import_workbook

# A workbook larger than this (about 10,000 rows) is brought in by the worker; a smaller one within the request.
BACKGROUND_BYTES = 2 * 1024 * 1024


@task()
def import_workbook_job(job_id: str, stored_name: str, filename: str) -> None:
    with jobs.running(job_id) as job:
        try:
            with default_storage.open(stored_name, "rb") as upload:
                data = upload.read()
            try:
                result = import_workbook(data=data, filename=filename, actor=job.job.requested_by, progress=job.progress)
            except ImportRefused as refused:
                problems = refused.problems
                heading = f"Nothing from {filename} has been saved. Correct " + (
                    "this problem" if problems.total == 1 else f"these {problems.total:,} problems"
                )
                raise ValidationError([heading + " and upload the workbook again:", *problems.lines()]) from refused
        finally:
            default_storage.delete(stored_name)
        if result.changed:
            job.finish(f"{filename} was checked and saved. " + "; ".join(result.lines()) + ".")
        else:
            job.finish(f"Everything in {filename} is already in the service: nothing was changed.")
