"""The reports' background tasks (core.jobs): a draft report rendered as PDF or Word in the worker."""

from __future__ import annotations

from django_tasks import task

from vcsgrants.core import jobs
from vcsgrants.reports.content import report_content
from vcsgrants.reports.docx_writer import report_docx
from vcsgrants.reports.models import CabinetReport
from vcsgrants.reports.pdf_writer import report_pdf

FORMATS = {
    "docx": ("Word", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", report_docx),
    "pdf": ("PDF", "application/pdf", report_pdf),
}


def draft_filename(report: CabinetReport, fmt: str) -> str:
    return f"cabinet-report-{report.pk}-draft.{fmt}"


@task()
def render_report(job_id: str, report_id: int, fmt: str) -> None:
    """The draft report's figures from today's records, laid out as `fmt` and kept as the job's file."""
    label, content_type, write = FORMATS[fmt]
    with jobs.running(job_id) as job:
        job.progress(0, 3, "Gathering the figures from the records")
        report = CabinetReport.objects.select_related("programme__funder", "financial_year", "option_set").get(pk=report_id)
        content = report_content(report)
        job.progress(1, 3, f"Laying out the {label} file")
        data = write(content)
        job.progress(2, 3, "Storing the file")
        job.finish_with_file(
            data, draft_filename(report, fmt), content_type, summary=f"The draft report as a {label} file is ready"
        )
