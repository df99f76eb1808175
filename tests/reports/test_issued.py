"""An issued report is stored, not recomputed: the page, the PDF and the Word file served after issue are those
produced at issue, byte for byte, whatever changes in the records afterwards."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from docx import Document

from tests.factories import AreaFactory, OrganisationFactory, UserFactory, funded_programme, line, set_council
from vcsgrants.core.models import AuditEvent, Role
from vcsgrants.funding.models import Decision
from vcsgrants.funding.services import agreements as agreement_services
from vcsgrants.funding.services import programmes as programme_services
from vcsgrants.reports import services
from vcsgrants.reports.content import report_content
from vcsgrants.reports.docx_writer import report_docx
from vcsgrants.reports.models import CabinetReport, IssuedReport

pytestmark = pytest.mark.django_db


class World:
    def __init__(self):
        set_council(council_name="Testshire County Council")
        self.officer = UserFactory(roles=[Role.OFFICER], first_name="Ann", last_name="Officer")
        self.areas = [AreaFactory(name="District A"), AreaFactory(name="District B")]
        self.funded = funded_programme(actor=self.officer, areas=self.areas)
        self.fy = self.funded.years[0]
        self.agreement("First Voluntary Action", "12000.00")
        self.report = services.report_save(
            report=CabinetReport(
                programme=self.funded.programme,
                title="Voluntary sector grants 2022-23",
                meeting_date=dt.date(2022, 2, 10),
                report_of="Director of Corporate Services",
                purpose="To approve the grants.",
                progress="The grants were reviewed.",
                recommendations="Notes the progress.\nApproves the grants in Appendix 2.",
                financial_year=self.fy,
            ),
            actor=self.officer,
        )

    def agreement(self, name: str, amount: str):
        agreement = agreement_services.agreement_create(
            programme=self.funded.programme,
            organisation=OrganisationFactory(name=name),
            areas=self.areas[:1],
            title="Infrastructure support",
            start_date=dt.date(2022, 4, 1),
            end_date=dt.date(2023, 3, 31),
            actor=self.officer,
            lines=[line(self.funded.stream, self.fy, self.areas[0], amount)],
        )
        return agreement_services.agreement_set_status(agreement=agreement, status=agreement.Status.ACTIVE, actor=self.officer)

    def client(self, user=None) -> Client:
        client = Client()
        client.force_login(user or self.officer)
        return client


def report_part(page: str, issued: IssuedReport) -> str:
    """The 'As issued' notice and the stored report body (the rest of the page carries per-request tokens)."""
    notice = page[page.index('id="issued-notice"') :].split("</div>", 1)[0]
    start = page.index("The report as issued</h2>")
    end = page.index(issued.html) + len(issued.html)
    return notice + page[start:end]


@pytest.fixture
def world():
    return World()


def test_issuing_stores_the_page_pdf_and_word_file_and_serves_them_unchanged_after_the_records_change(world):
    officer = world.client()
    detail = reverse("reports:report-detail", args=[world.report.pk])
    confirm = officer.get(reverse("reports:report-issue", args=[world.report.pk]))
    assert "An issued report cannot be edited" in confirm.content.decode()
    response = officer.post(reverse("reports:report-issue", args=[world.report.pk]), follow=True)
    assert "Report issued. As issued on" in response.content.decode()
    issued = IssuedReport.objects.get(report=world.report)
    assert issued.issued_by == world.officer and issued.appendix_total == Decimal("12000.00")
    event = AuditEvent.objects.get(verb="report.issued")
    assert event.data["pdf_sha256"] == issued.pdf_sha256
    page_then = officer.get(detail).content.decode()
    pdf_then = officer.get(reverse("reports:report-download", args=[world.report.pk, "pdf"]))
    docx_then = officer.get(reverse("reports:report-download", args=[world.report.pk, "docx"]))
    assert pdf_then.content == bytes(issued.pdf) and docx_then.content == bytes(issued.docx)

    # The records change: a new agreement, a new allocation, a new council name.
    world.agreement("Second Community Trust", "5000.00")
    programme_services.allocations_set(
        stream=world.funded.stream, year=world.fy, amounts=dict.fromkeys(world.areas, Decimal("45000.00")), actor=world.officer
    )
    set_council(council_name="Renamed County Council")
    fresh = report_content(CabinetReport.objects.get(pk=world.report.pk))
    assert fresh.appendix.total == Decimal("17000.00")  # what a recomputed report would now say

    page_now = officer.get(detail).content.decode()
    assert "As issued on" in page_now and "by Ann Officer" in page_now
    assert issued.html in page_now and "Second Community Trust" not in page_now
    assert "£12,000.00" in page_now and "£17,000.00" not in page_now
    assert report_part(page_now, issued) == report_part(page_then, issued)  # the page around it (sign-out token) varies
    for fmt, then in (("pdf", pdf_then), ("docx", docx_then)):
        now = officer.get(reverse("reports:report-download", args=[world.report.pk, fmt]))
        assert now.content == then.content == bytes(getattr(issued, fmt))
        assert hashlib.sha256(now.content).hexdigest() == getattr(issued, f"{fmt}_sha256") == now["X-Report-SHA256"]
        assert now["X-Report-Issued"] == issued.label
        assert f"issued-{issued.issued_at:%Y-%m-%d}.{fmt}" in now["Content-Disposition"]
    assert hashlib.sha256(issued.html.encode()).hexdigest() == issued.html_sha256
    # A report cannot be issued twice.
    officer.post(reverse("reports:report-issue", args=[world.report.pk]))
    assert IssuedReport.objects.count() == 1


def test_an_issued_report_cannot_be_edited(world):
    services.report_issue(report=world.report, actor=world.officer)
    officer = world.client()
    edit = reverse("reports:report-edit", args=[world.report.pk])
    response = officer.get(edit, follow=True)
    assert "This report has been issued and cannot be changed" in response.content.decode()
    officer.post(edit, {"title": "Changed"}, follow=True)
    assert CabinetReport.objects.get(pk=world.report.pk).title == "Voluntary sector grants 2022-23"
    with pytest.raises(Exception, match="has been issued"):
        services.report_save(report=CabinetReport.objects.get(pk=world.report.pk), actor=world.officer)
    assert "Edit the report" not in officer.get(world.report.get_absolute_url()).content.decode()


def test_a_new_draft_copies_the_issued_reports_words_and_choices_and_can_be_edited(world):
    services.report_issue(report=world.report, actor=world.officer)
    response = world.client().post(reverse("reports:report-new-draft", args=[world.report.pk]))
    draft = CabinetReport.objects.exclude(pk=world.report.pk).get()
    assert response["Location"] == reverse("reports:report-edit", args=[draft.pk])
    for field in ("programme", "meeting", "meeting_date", "report_of", "purpose", "progress", "recommendations"):
        assert getattr(draft, field) == getattr(world.report, field), field
    assert draft.financial_year == world.report.financial_year
    assert draft.title == "Voluntary sector grants 2022-23 (revised)"
    assert not IssuedReport.objects.filter(report=draft).exists() and draft.decision is None
    page = world.client().get(draft.get_absolute_url()).content.decode()
    assert "Draft: the figures are computed" in page and "Issue the report" in page
    listing = world.client().get(reverse("reports:report-list", args=[world.report.programme.slug])).content.decode()
    assert listing.count(">Issued</strong>") == 1 and listing.count(">Draft</strong>") == 1


def test_the_decision_is_recorded_on_the_report_as_issued(world):
    issued = services.report_issue(report=world.report, actor=world.officer)
    world.agreement("Second Community Trust", "5000.00")  # after issue: not what the meeting was sent
    officer = world.client()
    page = officer.get(reverse("reports:report-decision", args=[world.report.pk])).content.decode()
    assert f"the report as issued on {issued.issued_at.day} {issued.issued_at:%B %Y}" in page
    assert 'value="12000.00"' in page  # the amount approved defaults to the issued total, not today's 17,000
    decision = services.report_record_decision(
        report=world.report,
        decision=Decision(title="Grants", decision_date=dt.date(2022, 2, 10), meeting="Cabinet, 10 February 2022"),
        actor=world.officer,
    )
    assert decision.report.issued_version == issued
    assert AuditEvent.objects.get(verb="report.decision_recorded").data["issued_id"] == issued.pk
    detail = officer.get(world.report.get_absolute_url()).content.decode()
    assert f"on the report as issued on {issued.issued_at.day} {issued.issued_at:%B %Y}" in detail


def test_recording_a_decision_on_a_draft_warns_that_its_figures_may_change(world):
    page = world.client().get(reverse("reports:report-decision", args=[world.report.pk])).content.decode()
    assert "This report has not been issued" in page


@pytest.mark.parametrize("role", [Role.PROVIDER, Role.FINANCE])
def test_providers_and_finance_may_not_issue_a_report(world, role):
    client = world.client(UserFactory(roles=[role]))
    assert client.post(reverse("reports:report-issue", args=[world.report.pk])).status_code == 403
    assert client.post(reverse("reports:report-new-draft", args=[world.report.pk])).status_code == 403
    assert not IssuedReport.objects.exists()


def test_the_word_file_is_a4_with_margins(world):
    document = Document(io.BytesIO(report_docx(report_content(world.report))))
    section = document.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    assert (round(section.left_margin.mm), round(section.top_margin.mm)) == (18, 20)


def test_the_command_writes_the_issued_file(world, tmp_path):
    issued = services.report_issue(report=world.report, actor=world.officer)
    decision = services.report_record_decision(
        report=world.report,
        decision=Decision(title="Grants", decision_date=dt.date(2022, 2, 10), meeting="Cabinet, 10 February 2022"),
        actor=world.officer,
    )
    world.agreement("Second Community Trust", "5000.00")
    out = tmp_path / "r.pdf"
    call_command("cabinet_report", decision=decision.pk, format="pdf", out=str(out), stdout=io.StringIO())
    assert out.read_bytes() == bytes(issued.pdf)
