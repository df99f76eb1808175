"""The Cabinet report: figures from the records, opened back from Word and PDF, and the decision it leads to."""

from __future__ import annotations

import io
import re
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from docx import Document
from pypdf import PdfReader

from vcsgrants.core.models import FinancialYear, User
from vcsgrants.equity.models import OptionSet
from vcsgrants.funding.models import Decision, Programme
from vcsgrants.reports.content import report_content
from vcsgrants.reports.docx_writer import report_docx
from vcsgrants.reports.models import CabinetReport
from vcsgrants.reports.pdf_writer import report_pdf

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(demo_module, db):
    return CabinetReport.objects.get()


def client_as(username: str) -> Client:
    client = Client()
    client.force_login(User.objects.get(username=username))
    return client


def test_appendix_2_of_the_demo_report_totals_the_minutes_figure_to_the_penny(demo):
    content = report_content(demo)
    assert content.appendix.total == Decimal("452228.00")
    assert len(content.appendix.rows) == 10
    # Recurrent funding only: the one-off Public Health money is left out.
    assert "excluding one-off funding" in content.appendix.scope
    assert [s.heading for s in content.sections] == [
        "Districts affected",
        "Key decision",
        "Purpose",
        "Progress",
        "Funding",
        "Performance against the outcomes framework",
        "Alternative options considered",
        "Implications",
        "Background papers",
        "Appendices",
        "Recommendations",
        "Reasons for the recommendations",
        "Contact officer",
    ]
    # The implications are Appendix 1 and the grants Appendix 2, as the demo's recommendation says.
    assert [part.heading for part in content.appendices] == [
        "Appendix 1: Implications",
        "Appendix 2: grants for 1 April 2022 to 31 March 2023",
    ]
    assert content.warnings == []
    assert demo.decision.resolution.startswith(
        "(1) notes progress and agrees the further work; (2) approves funding totalling £452,228"
    )


def test_including_one_off_funding_adds_it_to_appendix_2(demo):
    demo.include_one_off = True
    assert report_content(demo).appendix.total == Decimal("452228.00") + Decimal("125000.00")


def test_a_year_with_no_agreements_yet_lists_the_grants_proposed_at_current_levels(demo):
    demo.financial_year = FinancialYear.objects.get(start_year=2023)
    content = report_content(demo)
    assert content.appendix.basis.startswith("the grants proposed by extending every agreement")
    assert content.appendix.total == Decimal("452228.00")


def test_the_word_file_has_numbered_sections_recommendations_money_right_aligned_and_page_numbers(demo):
    document = Document(io.BytesIO(report_docx(report_content(demo))))
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert headings[:5] == ["1. Districts affected", "2. Key decision", "3. Purpose", "4. Progress", "5. Funding"]
    assert headings[-2:] == ["Appendix 1: Implications", "Appendix 2: grants for 1 April 2022 to 31 March 2023"]
    texts = [p.text for p in document.paragraphs]
    assert any(t.startswith("(1)\tNotes the progress made") for t in texts)
    assert any(t.startswith("(2)\tApproves funding totalling £452,228") for t in texts)
    appendix = document.tables[-1]
    assert [c.text for c in appendix.rows[0].cells] == ["Organisation", "District", "Grant"]
    total = appendix.rows[-1]
    assert [c.text for c in total.cells] == ["Total", "", "£452,228.00"]
    assert total.cells[2].paragraphs[0].alignment == 2  # right
    assert total.cells[2].paragraphs[0].runs[0].bold
    amounts = [Decimal(r.cells[2].text.lstrip("£").replace(",", "")) for r in appendix.rows[1:-1]]
    assert sum(amounts) == Decimal("452228.00")
    footer_xml = document.sections[0].footer.paragraphs[0]._p.xml
    assert "PAGE" in footer_xml and "NUMPAGES" in footer_xml


def test_the_pdf_has_the_report_appendix_and_page_numbers(demo):
    reader = PdfReader(io.BytesIO(report_pdf(report_content(demo))))
    pages = [page.extract_text() for page in reader.pages]
    assert len(pages) >= 2
    assert "3. Purpose" in pages[0]
    assert f"Page 1 of {len(pages)}" in pages[0]
    assert "Appendix 2" in pages[-1] and "£452,228.00" in pages[-1]
    assert "Total" in pages[-1]
    # Tagged for assistive technology (PDF/UA-1): a structure tree, marked content, the language and the title.
    root = reader.trailer["/Root"]
    assert "/StructTreeRoot" in root and root["/MarkInfo"]["/Marked"]
    assert root["/Lang"] == "en-GB"
    assert root["/ViewerPreferences"]["/DisplayDocTitle"]
    assert reader.metadata.title == report_content(demo).report.title


def test_the_report_carries_the_councils_name_and_logo_in_pdf_and_word(demo, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    from vcsgrants.core import council

    settings.MEDIA_ROOT = tmp_path
    buffer = io.BytesIO()
    Image.new("RGB", (300, 100), (0, 94, 165)).save(buffer, format="PNG")
    admin = User.objects.get(username="admin")
    council.council_settings_save(
        actor=admin,
        changes={"council_name": "Northshire County Council"},
        logo=SimpleUploadedFile("crest.png", buffer.getvalue()),
    )
    content = report_content(demo)
    assert content.heading_lines[0] == "NORTHSHIRE COUNTY COUNCIL"

    reader = PdfReader(io.BytesIO(report_pdf(content)))
    first = reader.pages[0]
    assert first.extract_text().lstrip().startswith("NORTHSHIRE COUNTY COUNCIL")
    assert len(first.images) == 1  # the logo, above the heading

    document = Document(io.BytesIO(report_docx(content)))
    assert [p.text for p in document.paragraphs if p.text][0] == "NORTHSHIRE COUNTY COUNCIL"
    assert document.core_properties.author == "Northshire County Council"
    assert len(document.inline_shapes) == 1
    images = [r.target_part for r in document.part.rels.values() if "image" in r.reltype]
    assert len(images) == 1 and images[0].content_type == "image/png" and images[0].blob == buffer.getvalue()


def paragraph_numbers(text: str) -> list[str]:
    return re.findall(r"(?m)^\s*(\d+\.\d+)\s", text)


def test_paragraphs_are_numbered_without_gaps_after_tables_the_same_in_pdf_and_word(demo):
    """Section 5 (Funding) has tables between its paragraphs: the paragraph after a table is 5.2, not 5.3."""
    content = report_content(demo)
    in_pdf = paragraph_numbers("\n".join(page.extract_text() for page in PdfReader(io.BytesIO(report_pdf(content))).pages))
    in_word = [p.text.split("\t")[0] for p in Document(io.BytesIO(report_docx(content))).paragraphs if "\t" in p.text]
    in_word = [n for n in in_word if re.fullmatch(r"\d+\.\d+", n)]
    assert in_pdf == in_word
    by_section: dict[str, list[int]] = {}
    for number in in_word:
        section, paragraph = number.split(".")
        by_section.setdefault(section, []).append(int(paragraph))
    assert content.sections[4].heading == "Funding"
    assert any(block.kind == "table" for block in content.sections[4].blocks)
    assert by_section["5"] == list(range(1, len(by_section["5"]) + 1))
    assert all(numbers == list(range(1, len(numbers) + 1)) for numbers in by_section.values()), by_section


def test_the_command_writes_both_formats_for_a_decision(demo, tmp_path):
    for fmt in ("docx", "pdf"):
        out = tmp_path / f"report.{fmt}"
        call_command(
            "cabinet_report", "--decision", str(demo.decision_id), "--format", fmt, "--out", str(out), stdout=io.StringIO()
        )
        assert out.stat().st_size > 5000
    assert PdfReader(tmp_path / "report.pdf").pages[0].extract_text().count("DERBYSHIRE COUNTY COUNCIL") == 1
    lone = Decision.objects.exclude(pk=demo.decision_id).first()
    with pytest.raises(CommandError, match="No report is linked"):
        call_command("cabinet_report", "--decision", str(lone.pk), "--format", "pdf", "--out", str(tmp_path / "x.pdf"))


def test_an_officer_drafts_a_report_with_options_downloads_it_and_records_the_decision(demo):
    officer = client_as("officer")
    programme = Programme.objects.get(slug="vcs-infrastructure")
    option_set = OptionSet.objects.get()
    response = officer.post(
        reverse("reports:report-create", args=[programme.slug]),
        {
            "title": "Grants for 2023-24 and options for equity",
            "meeting": "Cabinet",
            "meeting_date": "2023-02-09",
            "purpose": "To approve the grants for 2023-24.",
            "progress": "",
            "recommendations": "Approves the grants for 2023-24.\nNotes the allocation options.",
            "financial_year": FinancialYear.objects.get(start_year=2023).pk,
            "option_set": option_set.pk,
        },
    )
    report = CabinetReport.objects.get(title="Grants for 2023-24 and options for equity")
    assert response.status_code == 302
    page = officer.get(report.get_absolute_url()).content.decode()
    assert "Options for greater equity of provision" in page and "Needs-weighted (IMD)" in page
    assert 'id="appendix-total">£452,228.00' in page
    word = officer.get(reverse("reports:report-download", args=[report.pk, "docx"]))
    assert word["Content-Type"].startswith("application/vnd.openxmlformats")
    headings = [p.text for p in Document(io.BytesIO(word.content)).paragraphs if p.style.name.startswith("Heading")]
    assert "6. Options for greater equity of provision" in headings, headings
    assert officer.get(reverse("reports:report-download", args=[report.pk, "pdf"]))["Content-Type"] == "application/pdf"

    form = officer.get(reverse("reports:report-decision", args=[report.pk])).content.decode()
    assert "452228.00" in form  # the amount approved defaults to Appendix 2's total
    response = officer.post(
        reverse("reports:report-decision", args=[report.pk]),
        {
            "title": report.title,
            "decision_date": "2023-02-09",
            "meeting": "Cabinet, 9 February 2023",
            "minute_reference": "12/23",
            "resolution": "(1) Approves the grants for 2023-24; (2) notes the allocation options.",
            "amount_approved": "452228.00",
            "period_start": "2023-04-01",
            "period_end": "2024-03-31",
        },
    )
    report.refresh_from_db()
    assert response.status_code == 302 and response["Location"] == report.decision.get_absolute_url()
    decision_page = officer.get(report.decision.get_absolute_url()).content.decode()
    assert "Extend the agreements of VCS infrastructure core provision for 2023-24" in decision_page
    assert f"decision={report.decision.pk}" in decision_page


def test_programme_and_agreement_pages_say_which_decision_authorised_each_change(demo):
    cabinet = client_as("cabinet")
    page = cabinet.get("/programmes/vcs-infrastructure/?year=2022-23").content.decode()
    assert "Which decision authorised each 2022-23 allocation" in page
    assert "Core infrastructure grant, Amber Valley: £58,120.00 — " in page
    assert f'href="{demo.decision.get_absolute_url()}">Cabinet, 10 February 2022' in page
    agreement = demo.decision.variations.first().agreement
    assert demo.decision.get_absolute_url() in cabinet.get(agreement.get_absolute_url()).content.decode()


def test_a_report_can_include_the_consultation_summary(demo):
    from vcsgrants.engagement.models import Consultation

    demo.consultation = Consultation.objects.get(programme=demo.programme)
    content = report_content(demo)
    section = next(s for s in content.sections if s.heading == "Consultation")
    assert "responses are counted" in section.blocks[0].text
    tables = [b.table for b in section.blocks if b.kind == "table"]
    assert tables and tables[0].headers == ["Answer", "Responses", "Per cent"]
    document = Document(io.BytesIO(report_docx(content)))
    assert any(p.text.endswith("Consultation") for p in document.paragraphs if p.style.name.startswith("Heading"))
