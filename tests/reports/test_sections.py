"""The standard committee sections (renamed or switched off in the council settings), appendices numbered once,
"start from last year's report", figures as at a date, and a council's own Word template (docxtpl)."""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from docx import Document
from pypdf import PdfReader

from tests.factories import UserFactory, line
from tests.reports.test_issued import World
from tests.versions import opened_form
from vcsgrants.core import council
from vcsgrants.core.models import AuditEvent, FinancialYear, Role
from vcsgrants.funding.models import Variation
from vcsgrants.funding.services import agreements as agreement_services
from vcsgrants.reports import services
from vcsgrants.reports.content import report_content
from vcsgrants.reports.docx_writer import report_docx
from vcsgrants.reports.models import CabinetReport, ReportTemplate
from vcsgrants.reports.pdf_writer import report_pdf

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    world = World()
    report = world.report
    report.areas_affected = "All"
    report.key_decision = True
    report.alternatives = "Ending the grants was considered and rejected."
    report.financial_implications = "Met from the grants budget."
    report.legal_implications = "Under the agreements' terms."
    report.background_papers = "Report to Cabinet, 9 September 2021\nThe KPI framework"
    report.reasons = "To keep support in place."
    report.contact_officer = "Ann Officer\nGrants team\nann@example.org"
    report.save()
    return world


def pdf_text(data: bytes) -> str:
    return " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages).split())


def word_headings(data: bytes) -> list[str]:
    return [p.text for p in Document(io.BytesIO(data)).paragraphs if p.style.name.startswith("Heading")]


def test_the_standard_sections_appear_in_the_page_pdf_and_word_with_the_appendices_numbered_alike(world):
    content = report_content(world.report)
    headings = [s.heading for s in content.sections]
    assert headings == [
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
    page = world.client().get(world.report.get_absolute_url()).content.decode()
    assert "<h2>2. Key decision</h2>" in page and "Yes." in page
    assert "The implications are set out in Appendix 1." in page
    assert "Appendix 1: Implications" in page and 'id="appendix-2"' in page
    assert "<strong>Financial.</strong> Met from the grants budget." in page
    assert "<strong>Human resources.</strong> None." in page  # a standard section left blank says so
    assert "Report to Cabinet, 9 September 2021<br>The KPI framework" in page
    assert "Figures as at 10 February 2022." in page  # blank: the meeting date

    text = pdf_text(report_pdf(content))
    for words in ("2. Key decision", "Appendix 1: Implications", "Appendix 2: grants for", "13. Contact officer"):
        assert words in text, words
    assert "Appendix 2 lists the grants the agreements hold" in text
    word = word_headings(report_docx(content))
    assert word[: len(headings)] == [f"{n}. {h}" for n, h in enumerate(headings, start=1)]
    assert word[-2:] == ["Appendix 1: Implications", "Appendix 2: grants for 1 April 2022 to 31 March 2023"]


def test_a_council_renames_and_switches_off_sections_and_the_grants_become_appendix_1(world):
    admin = UserFactory(roles=[Role.ADMIN])
    client = world.client(admin)
    url = reverse("core:council-settings")
    data = {k: v[0] for k, v in opened_form(client, url).items()}
    assert data["section_reasons"] == "Reasons for the recommendations"
    data.update(section_implications="", section_key_decision="Key Decision", section_areas_affected="Divisions affected")
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert council.report_section_headings()["implications"] == ""
    summary = AuditEvent.objects.filter(verb="council.settings_saved").latest("at").summary
    assert "Report section “Implications”: Implications → (left out)" in summary
    assert "Report section “Key decision”: Key decision → Key Decision" in summary and "Council name" not in summary

    content = report_content(CabinetReport.objects.get(pk=world.report.pk))
    assert [s.heading for s in content.sections][:2] == ["Divisions affected", "Key Decision"]
    assert "Implications" not in [s.heading for s in content.sections]
    assert [p.heading for p in content.appendices] == ["Appendix 1: grants for 1 April 2022 to 31 March 2023"]
    # The officer's words still say "Appendix 2": the draft's page says so, the report text itself does not change.
    assert content.warnings == ["Recommendations refers to Appendix 2, but the report has only Appendix 1."]
    page = world.client().get(world.report.get_absolute_url()).content.decode()
    assert "Recommendations refers to Appendix 2" in page
    assert "Appendix 1 lists the grants" in pdf_text(report_pdf(content))
    assert word_headings(report_docx(content))[-1] == "Appendix 1: grants for 1 April 2022 to 31 March 2023"
    edit = world.client().get(reverse("reports:report-edit", args=[world.report.pk])).content.decode()
    assert "Financial implications" not in edit and "This is a key Decision" in edit


def test_a_section_heading_too_long_is_refused_naming_it(world):
    with pytest.raises(Exception, match="at most 100 characters") as caught:
        council.council_settings_save(actor=world.officer, changes={"report_sections": {"reasons": "x" * 101}})
    assert "section_reasons" in caught.value.message_dict
    with pytest.raises(Exception, match="not report sections: nonsense"):
        council.council_settings_save(actor=world.officer, changes={"report_sections": {"nonsense": "X"}})


def test_an_issued_report_keeps_its_sections_when_the_council_renames_them(world):
    issued = services.report_issue(report=world.report, actor=world.officer)
    council.council_settings_save(actor=world.officer, changes={"report_sections": {"reasons": "Why"}})
    assert "Reasons for the recommendations" in world.client().get(world.report.get_absolute_url()).content.decode()
    assert "12. Reasons for the recommendations" in word_headings(bytes(issued.docx))


def test_figures_are_taken_as_at_the_report_date(world):
    """A value change approved after the figures-as-at date does not count in a draft; approved before, it does."""
    agreement = world.funded.programme.agreements.get()

    def vary(on: dt.date):
        agreement_services.variation_create(
            agreement=agreement,
            kind=Variation.Kind.VALUE_CHANGE,
            lines=[line(world.funded.stream, world.fy, world.areas[0], "500.00")],
            reason="More sessions",
            approved_by="Officer",
            approved_on=on,
            actor=world.officer,
        )

    world.report.figures_as_at = dt.date(2022, 1, 31)
    world.report.save()
    vary(dt.date(2022, 2, 1))
    assert report_content(CabinetReport.objects.get(pk=world.report.pk)).appendix.total == 12000
    vary(dt.date(2022, 1, 15))
    assert report_content(CabinetReport.objects.get(pk=world.report.pk)).appendix.total == 12500
    confirm = world.client().get(reverse("reports:report-issue", args=[world.report.pk])).content.decode()
    assert "Its figures are those as at 31 January 2022." in confirm


def test_start_from_last_years_report_copies_the_words_not_the_figures(world):
    FinancialYear.objects.get_or_create(start_year=2023)
    listing = reverse("reports:report-list", args=[world.report.programme.slug])
    assert "Start from last year's report" in world.client().get(listing).content.decode()
    response = world.client().post(reverse("reports:report-from-last-year", args=[world.report.programme.slug]))
    draft = CabinetReport.objects.exclude(pk=world.report.pk).get()
    assert response["Location"] == reverse("reports:report-edit", args=[draft.pk])
    for name in ("purpose", "progress", "recommendations", "reasons", "alternatives", "contact_officer", "report_of"):
        assert getattr(draft, name) == getattr(world.report, name), name
    assert draft.title == "Voluntary sector grants 2023-24"
    assert draft.financial_year.start_year == 2023 and draft.meeting_date == dt.date(2023, 2, 10)
    assert draft.figures_as_at is None and draft.performance_year is None and draft.decision is None
    assert AuditEvent.objects.filter(verb="report.drafted", data__from_report_id=world.report.pk).exists()


def test_providers_may_not_start_from_last_years_report(world):
    client = world.client(UserFactory(roles=[Role.PROVIDER]))
    assert client.post(reverse("reports:report-from-last-year", args=[world.report.programme.slug])).status_code == 403
    assert CabinetReport.objects.count() == 1


# --- The council's own Word template --------------------------------------------------------------------------


def make_template(*paragraphs: str) -> bytes:
    document = Document()
    for text in paragraphs:
        document.add_paragraph(text)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


GOOD = make_template(
    "{{ council_name }} — {{ meeting }}, {{ meeting_date }}",
    "{{ title }}",
    "Key decision: {{ key_decision }}. Figures as at {{ figures_as_at }}.",
    "{{p body }}",
    "{{p appendices_body }}",
)


def upload(client, name: str, data: bytes):
    return client.post(reverse("reports:report-template"), {"file": SimpleUploadedFile(name, data)}, follow=True)


def test_an_administrator_uploads_a_word_template_and_reports_are_rendered_into_it(world):
    admin = world.client(UserFactory(roles=[Role.ADMIN]))
    response = upload(admin, "Committee report.docx", GOOD)
    assert "Word template “Committee report.docx” saved" in response.content.decode()
    assert ReportTemplate.objects.get().name == "Committee report.docx"
    word = Document(io.BytesIO(world.client().get(reverse("reports:report-download", args=[world.report.pk, "docx"])).content))
    texts = [p.text for p in word.paragraphs]
    assert texts[0] == "Testshire County Council — Cabinet, 10 February 2022"
    assert "Key decision: Yes. Figures as at 10 February 2022." in texts
    assert "3. Purpose" in texts and "Appendix 2: grants for 1 April 2022 to 31 March 2023" in texts
    assert [c.text for c in word.tables[-1].rows[-1].cells] == ["Total", "", "£12,000.00"]
    assert (
        "The council's template “Committee report.docx”" in world.client().get(world.report.get_absolute_url()).content.decode()
    )

    # A template that no longer renders (the file damaged in the store) falls back to the built-in layout.
    template = ReportTemplate.objects.get()
    template.file.save("broken.docx", ContentFile(b"not a zip"), save=True)
    data = world.client().get(reverse("reports:report-download", args=[world.report.pk, "docx"])).content
    assert [p.text for p in Document(io.BytesIO(data)).paragraphs][0] == "TESTSHIRE COUNTY COUNCIL"

    # Removed: the built-in layout again.
    admin.post(reverse("reports:report-template-remove"))
    assert not ReportTemplate.objects.exists()
    data = world.client().get(reverse("reports:report-download", args=[world.report.pk, "docx"])).content
    assert [p.text for p in Document(io.BytesIO(data)).paragraphs][0] == "TESTSHIRE COUNTY COUNCIL"


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("report.pdf", b"%PDF-1.4", "“report.pdf” is not a Word document (.docx)"),
        ("report.docx", b"not a zip", "“report.docx” is not a Word document we can read"),
        (
            "report.docx",
            make_template("{{ councillor }}"),
            "uses a variable reports do not provide (&#x27;councillor&#x27; is undefined)",
        ),
        ("report.docx", make_template("{% if title %}"), "“report.docx” has a mistake in its tags"),
    ],
)
def test_a_template_that_is_not_a_docx_or_does_not_render_is_refused_with_the_reason(world, name, data, message):
    response = upload(world.client(UserFactory(roles=[Role.ADMIN])), name, data)
    assert message in response.content.decode()
    assert not ReportTemplate.objects.exists()


def test_only_administrators_manage_the_template(world):
    assert world.client().get(reverse("reports:report-template")).status_code == 403
    assert upload(world.client(), "t.docx", GOOD).status_code == 403
    assert not ReportTemplate.objects.exists()


def test_the_template_variables_are_documented(world):
    from vcsgrants.reports.word_template import VARIABLES

    guide = open("docs/guide/administrator.md", encoding="utf-8").read()
    documented = set(re.findall(r"^\| `(\w+)` \|", guide, re.MULTILINE))
    assert documented == set(VARIABLES)
    assert zipfile.is_zipfile(io.BytesIO(GOOD))
