"""The report as a PDF: the shared report HTML laid out by WeasyPrint with A4 pages and page numbers, tagged as
PDF/UA-1 (headings, paragraphs, tables and the logo's text alternative in a structure tree, the language and the
title), so a screen reader can read it as it reads the page."""

from __future__ import annotations

from django.template.loader import render_to_string
from weasyprint import HTML

from vcsgrants.reports.content import ReportContent


def report_pdf(content: ReportContent) -> bytes:
    html = render_to_string("reports/report_pdf.html", {"content": content})
    return HTML(string=html).write_pdf(pdf_variant="pdf/ua-1")
