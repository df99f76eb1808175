from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from vcsgrants.core.concurrency import form_token
from vcsgrants.core.forms import apply_validation_error
from vcsgrants.core.permissions import require
from vcsgrants.funding.forms.programmes import DecisionForm
from vcsgrants.funding.models import Programme
from vcsgrants.reports import services
from vcsgrants.reports.content import report_content
from vcsgrants.reports.docx_writer import report_docx
from vcsgrants.reports.forms import ReportForm
from vcsgrants.reports.models import CabinetReport
from vcsgrants.reports.pdf_writer import report_pdf

DOWNLOADS = {
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", report_docx),
    "pdf": ("application/pdf", report_pdf),
}


def _report(request, pk, perm) -> CabinetReport:
    report = get_object_or_404(
        CabinetReport.objects.select_related("programme__funder", "financial_year", "decision", "option_set", "author"), pk=pk
    )
    require(request.user, perm, report.programme)
    return report


def report_list(request, slug):
    programme = get_object_or_404(Programme, slug=slug)
    require(request.user, "reports.view_report", programme)
    return render(
        request,
        "reports/report_list.html",
        {
            "programme": programme,
            "reports": programme.reports.select_related("decision", "financial_year", "author"),
            "can_manage": request.user.has_perm("reports.manage_report", programme),
            "page_title": f"Reports for decisions: {programme}",
        },
    )


@require_http_methods(["GET", "POST"])
def report_edit(request, slug=None, pk=None):
    if pk is not None:
        report = _report(request, pk, "reports.manage_report")
        programme = report.programme
    else:
        programme = get_object_or_404(Programme, slug=slug)
        require(request.user, "reports.manage_report", programme)
        report = CabinetReport(programme=programme)
    initial = {"version": form_token(services.report_state(report))} if pk is not None else {}
    form = ReportForm(request.POST or None, instance=report, programme=programme, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            version = form.cleaned_data["version"] if pk is not None else None
            report = services.report_save(report=form.save(commit=False), actor=request.user, version=version)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, "Report saved.")
            return redirect(report)
    return render(
        request,
        "core/form_page.html",
        {
            "form": form,
            "page_title": f"Edit the report: {report.title}" if pk else "Draft a report for a decision",
            "back": report.get_absolute_url() if pk else programme.get_absolute_url(),
            "submit_label": "Save the report",
        },
    )


def report_detail(request, pk):
    report = _report(request, pk, "reports.view_report")
    return render(
        request,
        "reports/report_detail.html",
        {
            "report": report,
            "programme": report.programme,
            "content": report_content(report),
            "can_manage": request.user.has_perm("reports.manage_report", report.programme),
            "can_decide": request.user.has_perm("funding.record_decision") and not report.decision_id,
            "page_title": report.title,
        },
    )


def report_download(request, pk, fmt):
    report = _report(request, pk, "reports.view_report")
    if fmt not in DOWNLOADS:
        raise Http404("Reports download as docx or pdf.")
    content_type, write = DOWNLOADS[fmt]
    response = HttpResponse(write(report_content(report)), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="cabinet-report-{report.pk}.{fmt}"'
    return response


@require_http_methods(["GET", "POST"])
def report_decision(request, pk):
    report = _report(request, pk, "reports.view_report")
    require(request.user, "funding.record_decision")
    if report.decision_id:
        messages.info(request, "The decision on this report is already recorded.")
        return redirect(report.decision)
    content = report_content(report)
    year = report.financial_year
    initial = {
        "title": report.title,
        "decision_date": report.meeting_date,
        "meeting": f"{report.meeting}, {report.meeting_date.day} {report.meeting_date:%B %Y}",
        "resolution": "; ".join(f"({i}) {r}" for i, r in enumerate(report.recommendation_list, start=1)),
        "amount_approved": content.appendix.total,
        "period_start": year.start,
        "period_end": year.end,
    }
    form = DecisionForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            decision = services.report_record_decision(report=report, decision=form.save(commit=False), actor=request.user)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, "Decision recorded and linked to the report.")
            return redirect(decision)
    return render(
        request,
        "core/form_page.html",
        {
            "form": form,
            "page_title": f"Record the decision: {report.title}",
            "back": report.get_absolute_url(),
            "submit_label": "Record the decision",
        },
    )
