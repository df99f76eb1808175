from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from vcsgrants.core.forms import GovukForm
from vcsgrants.core.permissions import require
from vcsgrants.monitoring.imports import quarter_label, return_import, return_template
from vcsgrants.monitoring.models import Return
from vcsgrants.monitoring.spreadsheets import MAX_UPLOAD_BYTES, ImportRefused

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class ReturnUploadForm(GovukForm):
    file = forms.FileField(
        label="Completed return (XLSX template or CSV)", help_text="CSV files need two columns: kpi_code,value"
    )


def _return(request, pk, perm) -> Return:
    record = get_object_or_404(
        Return.objects.select_related("agreement__programme", "agreement__organisation", "financial_year"), pk=pk
    )
    require(request.user, perm, record)
    return record


def return_template_download(request, pk):
    record = _return(request, pk, "monitoring.view_return")
    name, data = return_template(record)
    response = HttpResponse(data, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@require_http_methods(["GET", "POST"])
def return_upload(request, pk):
    record = _return(request, pk, "monitoring.edit_return")
    form = ReturnUploadForm(request.POST or None, request.FILES or None)
    problems: list[str] = []
    problem_count = 0
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            problems, problem_count = [f"The file is larger than {MAX_UPLOAD_BYTES // (1024 * 1024)} MB."], 1
        else:
            try:
                return_import(return_record=record, filename=upload.name, data=upload.read(), actor=request.user)
            except ImportRefused as refused:
                problems, problem_count = refused.problems.lines(), refused.problems.total  # the first 200, then a count
            except ValidationError as exc:
                problems, problem_count = exc.messages, len(exc.messages)
            else:
                messages.success(request, f"{upload.name} was read and saved. Check the values, then submit the return.")
                return redirect(record.get_absolute_url())
    return render(
        request,
        "monitoring/imports/upload.html",
        {
            "form": form,
            "record": record,
            "problems": problems,
            "problem_count": f"{problem_count:,}",
            "problems_plural": problem_count != 1,
            "quarter": quarter_label(record),
            "page_title": f"Upload a return: {record}",
        },
    )
