"""Issue 16's test: the demo's report for the 2023-24 decision, issued, stays as issued — page, Word and PDF — when
the extension is applied, more returns are accepted and a new KPI is agreed; and a draft taken as at the same
date says what the issued report says."""

from __future__ import annotations

import datetime as dt
import html
import io
import re
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from docx import Document
from pypdf import PdfReader

from vcsgrants.core.models import FinancialYear, User
from vcsgrants.funding.models import Decision, Programme
from vcsgrants.funding.services import programmes as programme_services
from vcsgrants.funding.services.extension import bulk_extension_apply, bulk_extension_preview
from vcsgrants.monitoring import services as monitoring
from vcsgrants.monitoring.models import KpiTarget, KpiVersion, Outcome, Return
from vcsgrants.reports import services
from vcsgrants.reports.content import report_content
from vcsgrants.reports.models import CabinetReport, IssuedReport

pytestmark = pytest.mark.django_db

AS_AT = dt.date(2023, 1, 31)
MEETING = dt.date(2023, 2, 9)


def client_as(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def body_text(page: str) -> str:
    """The report's text as a reader sees it on the page (the stored body, tags removed)."""
    body = page[page.index('id="report-body"') :]
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", body)).split())


def figures(text: str) -> list[str]:
    """Every sum of money, count "n of m", percentage and date-free number pair in the text, in order."""
    return re.findall(r"−?£[\d,]+\.\d\d|\d+ of \d+|\d+(?:\.\d+)?%", text)


@pytest.fixture
def world(demo_module, db):
    officer = User.objects.get(username="officer")
    programme = Programme.objects.get(slug="vcs-infrastructure")
    year = FinancialYear.objects.get(start_year=2023)
    report = services.report_save(
        report=CabinetReport(
            programme=programme,
            title="VCS infrastructure: grants for 2023-24",
            meeting="Cabinet",
            meeting_date=MEETING,
            figures_as_at=AS_AT,
            report_of="Executive Director – Corporate Services",
            purpose="To seek approval to extend every infrastructure grant for 2023-24 at its current level.",
            recommendations="Approves the grants for 2023-24 as set out in Appendix 2.",
            reasons="To keep infrastructure support in place.",
            financial_implications="Met from the 2023-24 budget.",
            financial_year=year,
        ),
        actor=officer,
    )
    return officer, programme, year, report


def apply_the_extension(officer, programme, year, report) -> None:
    decision = services.report_record_decision(
        report=report,
        decision=Decision(title="VCS grants 2023-24", decision_date=MEETING, meeting="Cabinet, 9 February 2023"),
        actor=officer,
    )
    preview = bulk_extension_preview(programme=programme, year=year)
    needed: dict = {}
    for row in preview.rows:
        for ln in row.lines:
            needed.setdefault(ln.stream, {}).setdefault(ln.area, Decimal("0"))
            needed[ln.stream][ln.area] += ln.amount
    for stream, amounts in needed.items():  # the year's allocations, so that the extension is covered
        programme_services.allocations_set(stream=stream, year=year, amounts=amounts, actor=officer)
    bulk_extension_apply(
        programme=programme,
        year=year,
        reason="Cabinet, 9 February 2023",
        approved_by="Cabinet",
        approved_on=MEETING,
        decision=decision,
        actor=officer,
    )


def accept_more_returns(officer, programme) -> int:
    """Returns the latest quarter as at the report's date lacked, and the next quarter's: submitted and accepted
    now, after the figures-as-at date. Returns how many were accepted."""
    year = FinancialYear.objects.get(start_year=2022)
    accepted = 0
    for quarter in (2, 3):
        for agreement in programme.agreements.filter(status="active"):
            record = monitoring.return_for(agreement=agreement, year=year, quarter=quarter)
            if record.status in (Return.Status.ACCEPTED, Return.Status.QUERIED):
                continue
            if record.status == Return.Status.DRAFT:
                due = KpiTarget.objects.filter(agreement=agreement, financial_year=year).select_related("kpi")
                values = {target.kpi: Decimal("50") for target in due}
                monitoring.return_save(return_record=record, values=values, narrative="Delivered as planned.", actor=officer)
                monitoring.return_submit(return_record=record, actor=officer)
            monitoring.return_review(return_record=record, accept=True, actor=officer)
            accepted += 1
    return accepted


def agree_a_new_kpi(officer, programme) -> None:
    kpi = monitoring.kpi_propose(
        outcome=Outcome.objects.filter(programme=programme).first(),
        code="NEW1",
        actor=officer,
        name="Groups helped to apply for other funding",
        definition="Groups the provider helped to apply for funding from elsewhere.",
        unit=KpiVersion.Unit.COUNT,
        aggregation="sum",
        direction="higher_is_better",
        rba_type=KpiVersion.RbaType.HOW_MUCH,
    )
    monitoring.kpi_decide(kpi=kpi, agree=True, actor=officer)


def test_the_issued_report_for_the_2023_24_decision_is_unchanged_after_the_extension_returns_and_a_new_kpi(world):
    officer, programme, year, report = world
    client = client_as(officer)
    detail = reverse("reports:report-detail", args=[report.pk])
    client.post(reverse("reports:report-issue", args=[report.pk]))
    issued = IssuedReport.objects.get(report=report)
    page_then = body_text(client.get(detail).content.decode())
    files_then = {fmt: client.get(reverse("reports:report-download", args=[report.pk, fmt])).content for fmt in ("pdf", "docx")}
    assert files_then == {"pdf": bytes(issued.pdf), "docx": bytes(issued.docx)}

    # What the meeting was sent: as at 31 January 2023, the grants proposed at current levels, nothing yet committed,
    # performance at the latest quarter with every expected return accepted by then.
    assert "Figures as at 31 January 2023" in page_then
    assert "the agreements commit £0.00 of recurrent funding" in page_then
    assert "Appendix 2 lists the grants proposed by extending every agreement at its current level" in page_then
    assert "Q1 2022-23" in page_then and issued.appendix_total == Decimal("452228.00")
    pdf_text = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(bytes(issued.pdf))).pages).split())
    assert "Figures as at 31 January 2023" in pdf_text and "Appendix 1: Implications" in pdf_text
    assert "£452,228.00" in pdf_text and "Met from the 2023-24 budget." in pdf_text
    word = Document(io.BytesIO(bytes(issued.docx)))
    headings = [p.text for p in word.paragraphs if p.style.name.startswith("Heading")]
    assert headings[-2:] == ["Appendix 1: Implications", "Appendix 2: grants for 1 April 2023 to 31 March 2024"]
    assert [c.text for c in word.tables[-1].rows[-1].cells] == ["Total", "", "£452,228.00"]

    apply_the_extension(officer, programme, year, report)
    assert accept_more_returns(officer, programme) >= 2
    # A draft taken as at the same date still says what the issued report says: later changes do not count.
    assert services.render_body(CabinetReport.objects.get(pk=report.pk)) == issued.html
    agree_a_new_kpi(officer, programme)

    # Today's records say something else: computed as at today, the figures have moved ...
    report.refresh_from_db()
    report.figures_as_at = dt.date.today()
    today = report_content(report)
    funding = next(s for s in today.sections if s.heading == "Funding")
    assert "the agreements commit £452,228.00 of recurrent funding" in " ".join(b.text for b in funding.blocks)
    assert "Q1 2022-23" not in " ".join(b.text for s in today.sections for b in s.blocks)

    # ... but the issued report, page, Word file and PDF, is exactly as it was.
    page_now = body_text(client.get(detail).content.decode())
    assert page_now == page_then and figures(page_now) == figures(page_then)
    assert "NEW1" not in page_now and "£452,228.00 of recurrent funding" not in page_now
    for fmt in ("pdf", "docx"):
        assert client.get(reverse("reports:report-download", args=[report.pk, fmt])).content == files_then[fmt]
    issued.refresh_from_db()
    assert bytes(issued.pdf) == files_then["pdf"] and bytes(issued.docx) == files_then["docx"]
