"""One upload check for every document: agreements, consultations and calls refuse a file that is not what its name says.

Real small files are made here (a PDF with pypdf, a DOCX with python-docx, an XLSX with openpyxl, an ODT by hand)
and must be accepted; a ".pdf" holding something else, or a ".docx" that is really a workbook, must be refused
with a message naming the file.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import docx
import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfWriter

from tests.factories import OrganisationFactory, line
from vcsgrants.core import uploads
from vcsgrants.engagement.models.consultations import ConsultationDocument
from vcsgrants.engagement.services import consultations as consultation_services
from vcsgrants.funding.models import AgreementDocument
from vcsgrants.funding.services import agreements as funding_services

pytestmark = pytest.mark.django_db


def pdf_bytes() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def docx_bytes() -> bytes:
    document = docx.Document()
    document.add_paragraph("Service Level Agreement, signed.")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def xlsx_bytes() -> bytes:
    workbook = openpyxl.Workbook()
    workbook.active["A1"] = "Quarter 1"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def odt_bytes() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.text", compress_type=zipfile.ZIP_STORED)
        archive.writestr("content.xml", "<office:document-content/>")
    return out.getvalue()


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


# --- the check itself ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "make"),
    [
        ("signed sla.pdf", pdf_bytes),
        ("sla.docx", docx_bytes),
        ("budget.xlsx", xlsx_bytes),
        ("notes.odt", odt_bytes),
        ("kpis.csv", lambda: b"kpi_code,value\nK1,3\n"),
        ("photo.png", lambda: b"\x89PNG\r\n\x1a\n" + bytes(20)),
    ],
)
def test_real_files_of_each_kind_pass(name, make):
    content = make()
    upload = SimpleUploadedFile(name, content)
    uploads.check_upload(upload)
    assert upload.read() == content  # the check leaves the file at its start, whole, for saving


@pytest.mark.parametrize(
    ("name", "content", "problem"),
    [
        ("sla.pdf", b"MZ\x90\x00 an executable", "“sla.pdf” is not a real PDF file: its content does not match its name."),
        ("sla.pdf", docx_bytes(), "“sla.pdf” is not a real PDF file"),
        ("sla.docx", xlsx_bytes(), "“sla.docx” is not a real Word (DOCX) file"),
        ("sla.docx", b"PK\x03\x04 a broken archive", "“sla.docx” is not a real Word (DOCX) file"),
        ("budget.xlsx", docx_bytes(), "“budget.xlsx” is not a real Excel (XLSX) file"),
        ("notes.odt", docx_bytes(), "“notes.odt” is not a real OpenDocument text (ODT) file"),
        ("kpis.csv", b"\x00\x01binary", "“kpis.csv” is not a CSV file: its content does not match its name."),
        ("run.exe", b"MZ", "“run.exe” is not a file type we accept. Upload a PDF, Word"),
        ("empty.pdf", b"", "“empty.pdf” is empty."),
    ],
)
def test_a_file_that_is_not_what_its_name_says_is_refused_by_name(name, content, problem):
    with pytest.raises(ValidationError) as refused:
        uploads.check_upload(SimpleUploadedFile(name, content), field="file")
    assert refused.value.message_dict["file"][0].startswith(problem)


def test_a_file_over_the_limit_is_refused(settings):
    settings.MAX_DOCUMENT_BYTES = 1024 * 1024
    with pytest.raises(ValidationError, match="“big.pdf” is larger than 1 MB."):
        uploads.check_upload(SimpleUploadedFile("big.pdf", b"%PDF-1.7" + bytes(1024 * 1024)))


# --- agreement documents ------------------------------------------------------------------------------------


@pytest.fixture
def agreement(funded, fy2022):
    return funding_services.agreement_create(
        programme=funded.programme,
        organisation=OrganisationFactory(name="Kestrel Upload Test"),
        areas=[funded.areas[0]],
        title="SLA",
        start_date=dt.date(2022, 4, 1),
        end_date=dt.date(2023, 3, 31),
        actor=funded.actor,
        lines=[line(funded.stream, fy2022, funded.areas[0], "1000")],
    )


def test_an_agreement_refuses_a_pdf_that_is_not_a_pdf_and_keeps_a_real_one(agreement, officer):
    with pytest.raises(ValidationError) as refused:
        funding_services.document_upload(
            agreement=agreement, title="Signed SLA", upload=SimpleUploadedFile("sla.pdf", b"<html>not a pdf"), actor=officer
        )
    assert refused.value.message_dict == {"file": ["“sla.pdf” is not a real PDF file: its content does not match its name."]}
    assert not AgreementDocument.objects.exists()

    document = funding_services.document_upload(
        agreement=agreement, title="Signed SLA", upload=SimpleUploadedFile("sla.pdf", pdf_bytes()), actor=officer
    )
    assert document.content_type == "application/pdf" and document.file.read() == pdf_bytes()
    word = funding_services.document_upload(
        agreement=agreement, title="", upload=SimpleUploadedFile("variation.docx", docx_bytes()), actor=officer
    )
    assert word.title == "variation.docx"
    assert word.content_type == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def test_the_agreement_upload_page_shows_what_is_wrong_with_the_file(agreement, officer):
    client = Client()
    client.force_login(officer)
    url = reverse("funding:document-upload", args=[agreement.pk])
    assert "PDF, Word (DOCX, DOC or RTF)" in client.get(url).content.decode()  # says what may be uploaded
    page = client.post(url, {"title": "Q1", "file": SimpleUploadedFile("q1.pdf", b"GIF89a not a pdf")})
    assert page.status_code == 200
    html = page.content.decode()
    assert "There is a problem" in html and "“q1.pdf” is not a real PDF file: its content does not match its name." in html
    assert not AgreementDocument.objects.exists()

    saved = client.post(url, {"title": "Q1", "file": SimpleUploadedFile("q1.pdf", pdf_bytes())})
    assert saved.status_code == 302
    download = client.get(reverse("funding:document-download", args=[AgreementDocument.objects.get().pk]))
    assert b"".join(download.streaming_content) == pdf_bytes()
    assert download["Content-Type"] == "application/pdf" and download["X-Content-Type-Options"] == "nosniff"
    assert download["Content-Disposition"].startswith("attachment")


# --- consultation documents ---------------------------------------------------------------------------------


@pytest.fixture
def upcoming(funded, officer):
    """A consultation that opens tomorrow: its documents may still change."""
    now = timezone.now()
    return consultation_services.consultation_create(
        programme=funded.programme,
        title="Review of provision",
        description="Our proposals.",
        opens_at=now + dt.timedelta(days=1),
        closes_at=now + dt.timedelta(days=15),
        privacy_notice="We use your answers only for this review.",
        actor=officer,
        now=now,
    )


def test_a_consultation_refuses_a_pdf_that_is_not_a_pdf_and_keeps_a_real_one(upcoming, officer):
    with pytest.raises(ValidationError) as refused:
        consultation_services.document_upload(
            consultation=upcoming, title="Proposals", upload=SimpleUploadedFile("proposals.pdf", docx_bytes()), actor=officer
        )
    assert refused.value.message_dict["file"] == ["“proposals.pdf” is not a real PDF file: its content does not match its name."]
    assert not ConsultationDocument.objects.exists()

    for name, content in (("proposals.pdf", pdf_bytes()), ("proposals.docx", docx_bytes()), ("options.xlsx", xlsx_bytes())):
        consultation_services.document_upload(
            consultation=upcoming, title="", upload=SimpleUploadedFile(name, content), actor=officer
        )
    assert [d.original_name for d in upcoming.documents.all()] == ["proposals.pdf", "proposals.docx", "options.xlsx"]


def test_the_consultation_upload_page_shows_what_is_wrong_with_the_file(upcoming, officer):
    client = Client()
    client.force_login(officer)
    url = reverse("engagement:consultation-document-upload", args=[upcoming.pk])
    page = client.post(url, {"title": "Proposals", "file": SimpleUploadedFile("proposals.pdf", b"\x00\x01 binary junk")})
    assert page.status_code == 200
    assert "“proposals.pdf” is not a real PDF file: its content does not match its name." in page.content.decode()
    assert not ConsultationDocument.objects.exists()

    assert client.post(url, {"title": "Proposals", "file": SimpleUploadedFile("proposals.pdf", pdf_bytes())}).status_code == 302
    download = client.get(reverse("engagement:consultation-document-download", args=[upcoming.documents.get().pk]))
    assert b"".join(download.streaming_content) == pdf_bytes()
    assert download["X-Content-Type-Options"] == "nosniff"
