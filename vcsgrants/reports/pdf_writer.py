"""The report as a PDF: the shared report HTML laid out by WeasyPrint with A4 pages and page numbers."""

from __future__ import annotations

from django.template.loader import render_to_string
from weasyprint import HTML

from vcsgrants.reports.content import ReportContent


def report_pdf(content: ReportContent) -> bytes:
    html = render_to_string("reports/report_pdf.html", {"content": content})
    return HTML(string=html).write_pdf()
