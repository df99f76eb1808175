from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from vcsgrants.core.concurrency import form_token
from vcsgrants.core.forms import apply_validation_error
from vcsgrants.core.jobs import job_start as start_job
from vcsgrants.core.permissions import require
from vcsgrants.funding.forms.programmes import DecisionForm
from vcsgrants.funding.models import Programme
from vcsgrants.reports import services, tasks, word_template
from vcsgrants.reports.content import report_content
from vcsgrants.reports.docx_writer import report_docx
from vcsgrants.reports.forms import ReportForm, TemplateForm
from vcsgrants.reports.models import CabinetReport, IssuedReport
from vcsgrants.reports.pdf_writer import report_pdf

DOWNLOADS = {
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", report_docx),
    "pdf": ("application/pdf", report_pdf),
}


def _report(request, pk, perm) -> CabinetReport:
    report = get_object_or_404(
        CabinetReport.objects.select_related(
            "programme__funder", "financial_year", "decision", "option_set", "author", "issued__issued_by"
        ),
        pk=pk,
    )
    require(request.user, perm, report.programme)
    return report


def _issued(report: CabinetReport) -> IssuedReport | None:
    return report.issued_version


def report_list(request, slug):
    programme = get_object_or_404(Programme, slug=slug)
    require(request.user, "reports.view_report", programme)
    return render(
        request,
        "reports/report_list.html",
        {
            "programme": programme,
            "last_report": services.last_report(programme),
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
        if _issued(report):
            messages.error(request, services.ISSUED_MESSAGE)
            return redirect(report)
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
    issued = _issued(report)
    can_manage = request.user.has_perm("reports.manage_report", report.programme)
    content = None if issued else report_content(report)
    return render(
        request,
        "reports/report_detail.html",
        {
            "report": report,
            "programme": report.programme,
            "issued": issued,
            # An issued report is shown as stored at issue, never recomputed from today's records.
            "body": issued.html if issued else services.render_body(report, content),
            "appendix_total": issued.appendix_total if issued else content.appendix.total,
            "appendix_label": content.appendix.label if content else "",
            "warnings": content.warnings if content else [],
            "can_manage": can_manage,
            "can_edit": can_manage and not issued,
            "template": None if issued else word_template.current_template(),
            "can_issue": can_manage and not issued,
            "can_decide": request.user.has_perm("funding.record_decision") and not report.decision_id,
            "page_title": report.title,
        },
    )


def report_download(request, pk, fmt):
    report = _report(request, pk, "reports.view_report")
    if fmt not in DOWNLOADS:
        raise Http404("Reports download as docx or pdf.")
    content_type, write = DOWNLOADS[fmt]
    issued = _issued(report)
    if issued:
        data = bytes(getattr(issued, fmt))
        filename = f"cabinet-report-{report.pk}-issued-{issued.issued_at:%Y-%m-%d}.{fmt}"
    else:
        data = write(report_content(report))
        filename = f"cabinet-report-{report.pk}-draft.{fmt}"
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    if issued:
        response["X-Report-Issued"] = issued.label
        response["X-Report-SHA256"] = getattr(issued, f"{fmt}_sha256")
    return response


@require_http_methods(["POST"])
def report_prepare(request, pk, fmt):
    """A draft's PDF or Word file, made in the background (core.jobs): the person is sent to the job's page, which
    shows its progress and then offers the file. (report_download still makes it at once, for scripts and links.)"""
    report = _report(request, pk, "reports.view_report")
    if fmt not in DOWNLOADS:
        raise Http404("Reports download as docx or pdf.")
    if _issued(report):
        return redirect("reports:report-download", report.pk, fmt)  # stored at issue: nothing to make
    label = tasks.FORMATS[fmt][0]
    job = start_job(
        actor=request.user,
        kind=f"report-{fmt}",
        title=f"{report.title}: the draft as a {label} file",
        task=tasks.render_report,
        args=[report.pk, fmt],
        back_url=report.get_absolute_url(),
    )
    return redirect(job)


@require_http_methods(["GET", "POST"])
def report_issue(request, pk):
    report = _report(request, pk, "reports.manage_report")
    if _issued(report):
        messages.info(request, f"This report was already issued: {report.issued.label.lower()}.")
        return redirect(report)
    if request.method == "POST":
        try:
            issued = services.report_issue(report=report, actor=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, f"Report issued. {issued.label}; it will no longer change.")
        return redirect(report)
    return render(
        request,
        "reports/report_issue.html",
        {"report": report, "programme": report.programme, "page_title": f"Issue the report: {report.title}"},
    )


@require_http_methods(["POST"])
def report_new_draft(request, pk):
    report = _report(request, pk, "reports.manage_report")
    draft = services.report_new_draft(report=report, actor=request.user)
    messages.success(request, "New draft started from the report. Change what you need and save it.")
    return redirect("reports:report-edit", draft.pk)


@require_http_methods(["GET", "POST"])
def report_decision(request, pk):
    report = _report(request, pk, "reports.view_report")
    require(request.user, "funding.record_decision")
    if report.decision_id:
        messages.info(request, "The decision on this report is already recorded.")
        return redirect(report.decision)
    issued = _issued(report)
    year = report.financial_year
    initial = {
        "title": report.title,
        "decision_date": report.meeting_date,
        "meeting": f"{report.meeting}, {report.meeting_date.day} {report.meeting_date:%B %Y}",
        "resolution": "; ".join(f"({i}) {r}" for i, r in enumerate(report.recommendation_list, start=1)),
        # The total the meeting was sent if the report was issued, else today's.
        "amount_approved": issued.appendix_total if issued else report_content(report).appendix.total,
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
        "reports/report_decision.html",
        {
            "form": form,
            "report": report,
            "issued": issued,
            "page_title": f"Record the decision: {report.title}",
            "back": report.get_absolute_url(),
            "submit_label": "Record the decision",
        },
    )


@require_http_methods(["POST"])
def report_from_last_year(request, slug):
    programme = get_object_or_404(Programme, slug=slug)
    require(request.user, "reports.manage_report", programme)
    try:
        draft = services.report_from_last_year(programme=programme, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("reports:report-list", programme.slug)
    messages.success(
        request, "New report started from last year's words. Check every section, the dates and the figures' choices."
    )
    return redirect("reports:report-edit", draft.pk)


@require_http_methods(["GET", "POST"])
def report_template(request):
    """The council's own Word template for reports (administrators): upload, see what is in use, remove."""
    require(request.user, "core.manage_council_settings")
    form = TemplateForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            template = word_template.template_upload(upload=form.cleaned_data["file"], actor=request.user)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, f"Word template “{template.name}” saved: reports' Word files now use it.")
            return redirect("reports:report-template")
    return render(
        request,
        "reports/report_template.html",
        {
            "form": form,
            "template": word_template.current_template(),
            "variables": word_template.VARIABLES,
            "page_title": "Word template for reports",
            "multipart": True,
            "back": reverse("core:council-settings"),
            "submit_label": "Upload the template",
        },
    )


@require_http_methods(["POST"])
def report_template_remove(request):
    require(request.user, "core.manage_council_settings")
    if word_template.template_remove(actor=request.user):
        messages.success(request, "Word template removed: reports' Word files use the built-in layout again.")
    return redirect("reports:report-template")
