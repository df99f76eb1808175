"""The Cabinet report's section "Ranked recommendations by lot": on the page, in Word and in PDF."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.test import Client
from django.urls import reverse
from docx import Document
from pypdf import PdfReader

from tests.calls.fixtures_assess import assess_and_moderate, build_assess_call
from tests.factories import year
from vcsgrants.reports.content import report_content
from vcsgrants.reports.docx_writer import report_docx
from vcsgrants.reports.models import CabinetReport
from vcsgrants.reports.pdf_writer import report_pdf

pytestmark = pytest.mark.django_db
HEADERS = ["Rank", "Organisation", "Moderated score", "Recommendation", "A year", "Within the money"]


@pytest.fixture
def report(officer, districts):
    ac = build_assess_call(officer, districts)
    assess_and_moderate(
        ac, {"INFRA-001": "fund", "INFRA-002": "fund_with_conditions", "INFRA-003": "do_not_fund", "INFRA-004": "fund"}
    )
    return CabinetReport.objects.create(
        programme=ac.call.programme,
        title="Re-commissioning infrastructure support",
        meeting_date=dt.date(2024, 2, 8),
        purpose="To agree the awards.",
        recommendations="Approves the awards.",
        financial_year=year(2024),
        call=ac.call,
        author=officer,
    )


def test_the_section_ranks_each_lot_with_totals(report):
    section = next(s for s in report_content(report).sections if s.heading == "Ranked recommendations by lot")
    tables = [b.table for b in section.blocks if b.kind == "table"]
    assert [t.headers for t in tables] == [HEADERS, HEADERS]
    lot1 = tables[0]
    assert [r[:2] + r[3:] for r in lot1.rows] == [
        ["1", "Applicant INFRA-002 (test)", "Fund with conditions", "£15,000.00", "In"],
        ["2", "Applicant INFRA-001 (test)", "Fund", "£20,000.00", "Out"],
        ["—", "Applicant INFRA-003 (test)", "Do not fund", "£10,000.00", "Out"],
    ]
    assert lot1.rows[0][2] == "80.00%"
    assert lot1.total == ["", "Total funded a year", "", "", "£15,000.00", "£15,000.00 left"]
    assert tables[1].total[4] == "£20,000.00"
    assert "£35,000.00 a year" in section.blocks[-1].text


def test_the_section_is_in_the_word_file_the_pdf_and_the_page(report, officer):
    content = report_content(report)
    document = Document(io.BytesIO(report_docx(content)))
    assert any(
        p.text.endswith("Ranked recommendations by lot") for p in document.paragraphs if p.style.name.startswith("Heading")
    )
    table = next(t for t in document.tables if [c.text for c in t.rows[0].cells] == HEADERS)
    assert [c.text for c in table.rows[1].cells] == [
        "1",
        "Applicant INFRA-002 (test)",
        "80.00%",
        "Fund with conditions",
        "£15,000.00",
        "In",
    ]
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(report_pdf(content))).pages)
    text = " ".join(text.split())  # table cells wrap across lines
    number = next(s.number for s in content.sections if s.heading == "Ranked recommendations by lot")
    assert f"{number}. Ranked recommendations by lot" in text
    assert "1 Applicant INFRA-002 (test) 80.00% Fund with conditions £15,000.00 In" in text
    assert "In all, £35,000.00 a year is recommended across 2 lots" in text
    client = Client()
    client.force_login(officer)
    page = client.get(reverse("reports:report-detail", args=[report.pk])).content.decode()
    assert "Ranked recommendations by lot" in page and "£15,000.00 left" in page
    form = client.get(reverse("reports:report-edit", args=[report.pk])).content.decode()
    assert 'name="call"' in form and "Infrastructure support 2024-26" in form
