"""Background jobs' pages: a person's list, one job's progress and result, and its file."""

from __future__ import annotations

from django.conf import settings
from django.http import Http404
from django.shortcuts import get_object_or_404, render

from vcsgrants.core import jobs
from vcsgrants.core.downloads import stored_file_response
from vcsgrants.core.models import BackgroundJob
from vcsgrants.core.permissions import require

# While a job is unfinished its page asks the browser to load it again after this many seconds (the HTTP Refresh
# header; no JavaScript). ?refresh=off stops that, for anyone who finds a page that changes by itself hard to use.
REFRESH_SECONDS = 3


def _job(request, pk) -> BackgroundJob:
    job = get_object_or_404(BackgroundJob.objects.select_related("requested_by"), pk=pk)
    require(request.user, "core.view_job", job)
    return job


def job_list(request):
    require(request.user, "core.view_job_list")
    everyone = request.user.has_perm("core.view_all_jobs")
    return render(
        request,
        "core/job_list.html",
        {
            "jobs": jobs.jobs_for(request.user)[:100],
            "everyone": everyone,
            "page_title": "Background jobs",
            "keep_days": settings.VCSGRANTS_JOB_KEEP_DAYS,
        },
    )


def job_detail(request, pk):
    job = _job(request, pk)
    refresh = not job.finished and request.GET.get("refresh") != "off"
    response = render(
        request,
        "core/job_detail.html",
        {"job": job, "refresh": refresh, "refresh_seconds": REFRESH_SECONDS, "page_title": job.title},
    )
    if refresh:
        response["Refresh"] = str(REFRESH_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


def job_download(request, pk):
    job = _job(request, pk)
    if job.state != BackgroundJob.State.DONE:
        raise Http404("This job has no file yet.")
    return stored_file_response(job.result_file, job.result_name, job.result_content_type)
