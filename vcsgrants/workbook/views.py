"""The import pages: the template to download, and the upload that shows every problem or what was brought in."""

from __future__ import annotations

import uuid

from django import forms
from django.core.files.storage import default_storage
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from vcsgrants.core.council import current as current_council
from vcsgrants.core.exports import XLSX_TYPE
from vcsgrants.core.forms import GovukForm
from vcsgrants.core.jobs import job_start
from vcsgrants.core.permissions import require
from vcsgrants.monitoring.spreadsheets import ImportRefused
from vcsgrants.workbook import tasks
from vcsgrants.workbook.services import import_workbook
from vcsgrants.workbook.sheets import MAX_UPLOAD_BYTES, SHEETS, template_xlsx

PERM = "workbook.import_workbook"


class WorkbookUploadForm(GovukForm):
    file = forms.FileField(
        label="The filled-in workbook (XLSX)",
        help_text=(
            "Up to 25 MB through this page (the web server's limit on an upload); a larger workbook, up to "
            f"{MAX_UPLOAD_BYTES // (1024 * 1024)} MB, with manage.py import_workbook."
        ),
    )


def workbook_template(request):
    require(request.user, PERM)
    data = template_xlsx(whole_area_name=current_council().whole_area_name)
    response = HttpResponse(data, content_type=XLSX_TYPE)
    response["Content-Disposition"] = 'attachment; filename="existing-data-template.xlsx"'
    return response


@require_http_methods(["GET", "POST"])
def workbook_import(request):
    require(request.user, PERM)
    form = WorkbookUploadForm(request.POST or None, request.FILES or None)
    context = {"form": form, "sheets": SHEETS, "page_title": "Bring in existing data"}
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        context["filename"] = upload.name
        if upload.size > MAX_UPLOAD_BYTES:
            context["problems"] = [f"The file is larger than {MAX_UPLOAD_BYTES // (1024 * 1024)} MB: split it."]
            context["problem_count"] = 1
        elif upload.size > tasks.BACKGROUND_BYTES:  # a large workbook: brought in by the worker (core.jobs)
            stored = default_storage.save(f"jobs/uploads/{uuid.uuid4().hex}.xlsx", upload)
            job = job_start(
                actor=request.user,
                kind="workbook-import",
                title=f"Bring in existing data from {upload.name}",
                task=tasks.import_workbook_job,
                args=[stored, upload.name],
                back_url=reverse("workbook:workbook-import"),
            )
            return redirect(job)
        else:
            try:
                result = import_workbook(data=upload.read(), filename=upload.name, actor=request.user)
            except ImportRefused as refused:
                context["problems"] = list(refused.problems)
                context["more"] = refused.problems.summary()
                context["problem_count"] = refused.problems.total
            else:
                context["result"] = result
                context["page_title"] = "Existing data brought in" if result.changed else "Nothing to change"
                return render(request, "workbook/result.html", context)
    return render(request, "workbook/import.html", context)
