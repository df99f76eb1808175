"""core's scheduled task: each night the worker removes background jobs (and their files) past their keeping."""

from __future__ import annotations

import datetime as dt

from django_tasks import task

from vcsgrants.core.jobs import prune_jobs

PRUNE_EVERY = dt.timedelta(days=1)


@task()
def prune_old_jobs() -> dict:
    return {"removed": prune_jobs()}
