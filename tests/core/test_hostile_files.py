"""Hostile files, uploaded through the real pages: each is refused clearly, fast and in little memory, and nothing is
kept. The bombs are real files built in tests/bombs.py, byte by byte where zipfile would not write them (a directory
that understates a part's size; a part that unpacks to a gigabyte from a megabyte). Each goes through the page a
person would use: a provider's agreement document and quarterly return (XLSX and CSV), and a self-registered
applicant's file answer.

How it is measured, in this test process, around the request alone:
- time: the CPU time this process spent (`time.process_time`), asserted under 2 s (with tracemalloc on, which slows
  Python down: the real figure is lower). CPU time, not the wall clock, so other work on a busy machine cannot fail it;
- memory: tracemalloc's peak of what Python allocated during the request (bytes objects such as unpacked data, the
  parsed rows, the page), asserted under 200 MB. It is reset at the start, so it is the request's own peak, and it is
  precise, where the process's resident size (`ru_maxrss`) is a lifetime high-water mark that a request under the
  earlier peak (Django, the demo data) does not move. ru_maxrss is asserted too, as a backstop for memory outside
  Python's allocator (zlib's and lxml's own buffers): it may not grow by 200 MB.
"""

from __future__ import annotations

import gc
import os
import resource
import time
import tracemalloc
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.core.checks.registry import registry
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tests.bombs import (
    CONTENT_TYPES,
    MB,
    ODT,
    archive,
    billion_laughs,
    deep_sheet,
    deflated,
    docx_bomb,
    docx_high_ratio,
    odt_bomb,
    odt_lying_bomb,
    pptx_many_parts,
    shared_strings,
    stored,
    with_part,
    zeros,
)
from tests.calls.conftest import build_call
from tests.calls.test_register import FORM as REGISTRATION
from vcsgrants.calls.models import Answer, FormQuestion
from vcsgrants.calls.services import apply
from vcsgrants.core import uploads
from vcsgrants.core.models import AuditEvent, FinancialYear, User
from vcsgrants.core.problems import ProblemList
from vcsgrants.funding.models import Agreement, AgreementDocument
from vcsgrants.monitoring import services as monitoring_services
from vcsgrants.monitoring.models import ReturnValue

pytestmark = pytest.mark.django_db

PROVIDER = "provider-kestrel-voluntary-action-demo"
SECONDS = 2.0
MEMORY = 200 * MB


# --- measuring ------------------------------------------------------------------------------------------------


@dataclass
class Measure:
    seconds: float = 0.0
    peak: int = 0
    rss_growth: int = 0

    def __str__(self) -> str:
        return f"{self.seconds:.3f} s CPU, peak {self.peak / MB:.1f} MB, ru_maxrss growth {self.rss_growth / MB:.1f} MB"

    def within_bounds(self) -> bool:
        return self.seconds < SECONDS and self.peak < MEMORY and self.rss_growth < MEMORY


@contextmanager
def measured():
    gc.collect()
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # KB on Linux
    tracemalloc.start()
    tracemalloc.reset_peak()
    measure = Measure()
    started = time.process_time()
    try:
        yield measure
    finally:
        measure.seconds = time.process_time() - started
        measure.peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        measure.rss_growth = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 - rss_before


def stored_files(root) -> list[str]:
    return sorted(os.path.join(folder, name) for folder, _, names in os.walk(root) for name in names)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


# --- a provider's agreement documents -------------------------------------------------------------------------


@pytest.fixture
def provider_agreement(demo_module, db) -> Agreement:
    return Agreement.objects.get(reference="SLA-2020-001")


@pytest.mark.parametrize(
    ("name", "make", "refusal"),
    [
        ("minutes.odt", odt_bomb, "its part “mimetype” unpacks to 1,024 MB; the most we accept for a part is 100 MB"),
        ("minutes.odt", odt_lying_bomb, "is not a real OpenDocument text (ODT) file: it is damaged"),
        ("sla.docx", docx_bomb, "its part “word/document.xml” unpacks to 1,024 MB; the most we accept for a part is 100 MB"),
        ("sla.docx", docx_high_ratio, "is compressed more than 100 to 1, the most we accept (a sign of a zip bomb)"),
        ("slides.pptx", pptx_many_parts, "it holds more than 10,000 parts, the most we accept"),
    ],
)
def test_a_provider_uploading_an_archive_bomb_as_an_agreement_document_is_refused_fast(
    provider_agreement, media, name, make, refusal
):
    client = signed_in(User.objects.get(username=PROVIDER))
    url = f"/agreements/{provider_agreement.pk}/documents/new/"
    data = make()
    assert len(data) < 2 * MB  # a small upload
    documents, events = AgreementDocument.objects.count(), AuditEvent.objects.count()
    with measured() as measure:
        page = client.post(url, {"title": "Minutes", "file": SimpleUploadedFile(name, data)}).content.decode()
    print(f"agreement document {name} ({make.__name__}, {len(data) / MB:.2f} MB): {measure}")
    assert f"“{name}”" in page and refusal in page
    assert measure.within_bounds(), measure
    assert (AgreementDocument.objects.count(), AuditEvent.objects.count()) == (documents, events)
    assert stored_files(media) == []


def test_the_same_documents_within_the_limits_are_kept(provider_agreement, media):
    """The limits refuse bombs, not real files: an ODT and a DOCX with a 5 MB picture are accepted."""
    client = signed_in(User.objects.get(username=PROVIDER))
    url = f"/agreements/{provider_agreement.pk}/documents/new/"
    odt = archive(stored("mimetype", ODT.encode()), deflated("content.xml", b"<office:document-content/>"))
    docx = archive(CONTENT_TYPES, deflated("word/document.xml", b"<w:document/>"), stored("word/media/p.png", os.urandom(5 * MB)))
    for name, data in (("minutes.odt", odt), ("sla.docx", docx)):
        response = client.post(url, {"title": name, "file": SimpleUploadedFile(name, data)})
        assert response.status_code == 302, response.content.decode()
    assert (
        AgreementDocument.objects.filter(agreement=provider_agreement, original_name__in=["minutes.odt", "sla.docx"]).count() == 2
    )


# --- a provider's quarterly return ----------------------------------------------------------------------------


@pytest.fixture
def draft(demo_module, db):
    agreement = Agreement.objects.get(reference="SLA-2020-001")
    return monitoring_services.return_for(agreement=agreement, year=FinancialYear.objects.get(start_year=2022), quarter=3)


def template(client, draft) -> bytes:
    return client.get(f"/returns/{draft.pk}/template.xlsx").content


@pytest.mark.parametrize(
    ("part", "content", "refusal"),
    [
        (
            "xl/sharedStrings.xml",
            lambda: deflated("xl/sharedStrings.xml", shared_strings(330_000)),
            "the most we accept for the shared strings is 2 MB",
        ),
        ("xl/sharedStrings.xml", lambda: zeros("xl/sharedStrings.xml", 1024), "unpacks to 1,024 MB"),
        ("xl/sharedStrings.xml", lambda: zeros("xl/sharedStrings.xml", 1024, stated=1000), "is not a readable XLSX spreadsheet"),
        ("xl/styles.xml", lambda: zeros("xl/styles.xml", 1024), "its part “xl/styles.xml” unpacks to 1,024 MB"),
        ("xl/worksheets/sheet1.xml", lambda: zeros("xl/worksheets/sheet1.xml", 1024), "the most we accept for a sheet is 10 MB"),
        (
            "xl/sharedStrings.xml",
            lambda: deflated("xl/sharedStrings.xml", billion_laughs()),
            "declares an XML document type or entities, which a real spreadsheet never does",
        ),
        (
            "xl/worksheets/sheet1.xml",
            lambda: deflated("xl/worksheets/sheet1.xml", deep_sheet(100_000)),
            "nests XML elements more than 100 deep",
        ),
    ],
    ids=["shared-strings-10MB", "shared-strings-1GB", "shared-strings-lying", "styles-1GB", "sheet-1GB", "entities", "deep-xml"],
)
def test_a_provider_uploading_a_workbook_bomb_as_a_return_is_refused_fast(draft, media, part, content, refusal):
    client = signed_in(User.objects.get(username=PROVIDER))
    data = with_part(template(client, draft), part, content())
    assert len(data) < 2 * MB
    events = AuditEvent.objects.count()
    with measured() as measure:
        page = client.post(f"/returns/{draft.pk}/upload/", {"file": SimpleUploadedFile("q3.xlsx", data)}).content.decode()
    print(f"return {part} ({len(data) / MB:.2f} MB): {measure}")
    assert "Nothing from the file has been saved" in page and "“q3.xlsx”" in page and refusal in page, page
    assert measure.within_bounds(), measure
    assert ReturnValue.objects.filter(return_record=draft).count() == 0 and AuditEvent.objects.count() == events
    draft.refresh_from_db()
    assert draft.narrative == ""
    assert stored_files(media) == []


def test_a_return_of_a_million_duplicate_rows_lists_the_first_200_problems_and_counts_the_rest(draft, media):
    client = signed_in(User.objects.get(username=PROVIDER))
    data = b"kpi_code,value\n" + b"Z,1\n" * 1_000_000  # the 4 MB file
    kpis = len(monitoring_services.kpis_due(draft.agreement, draft.financial_year))
    with measured() as measure:
        response = client.post(f"/returns/{draft.pk}/upload/", {"file": SimpleUploadedFile("q3.csv", data)})
    page = response.content.decode()
    print(f"return CSV of 1,000,000 rows ({len(data) / MB:.2f} MB): {measure}, page {len(page) / 1024:.0f} KB")
    assert len(page) < 100 * 1024  # it was 92.7 MB
    problems = page.split('id="upload-problems">')[1].split("</ul>")[0].count("<li>")
    assert problems == 201  # the first 200, then the count of the rest
    # First what matters most, then the rows in order, then the rest by kind.
    assert (
        "The file has 1,000,001 lines; a return has a line for each KPI, at most 500, so nothing after line 501 was read" in page
    )
    assert "row 2, column kpi_code (Z): is not one of this return&#x27;s KPIs" in page
    assert "row 200, column kpi_code (Z)" in page and "row 201," not in page
    assert f"Correct these {1 + 500 + kpis:,} problems" in page
    assert f"and {1 + 500 + kpis - 200:,} more problems of the same kinds: a KPI code not in this return (301), " in page
    assert f"a KPI missing from the file ({kpis})." in page
    assert measure.within_bounds(), measure
    assert ReturnValue.objects.filter(return_record=draft).count() == 0


# --- a self-registered applicant's file answer ------------------------------------------------------------------


@pytest.fixture
def registered_applicant(officer, districts, client):
    """An applicant who registered through the public page, with an application started on an open call."""
    built = build_call(officer, districts)
    assert client.post("/open-calls/register/", REGISTRATION).status_code == 302
    user = User.objects.get(username=REGISTRATION["username"])
    application = apply.application_start(
        call=built.call, lot=built.lots[0], project_title="Volunteer hub", amount_requested=Decimal("25000.00"), actor=user
    )
    return client, application, built.questions[FormQuestion.Kind.FILE]


@pytest.mark.parametrize(
    ("name", "make", "refusal"),
    [
        ("policy.odt", odt_bomb, "its part “mimetype” unpacks to 1,024 MB"),
        ("policy.docx", docx_bomb, "its part “word/document.xml” unpacks to 1,024 MB"),
        ("policy.docx", docx_high_ratio, "a sign of a zip bomb"),
        ("policy.xlsx", lambda: archive(CONTENT_TYPES, zeros("xl/sharedStrings.xml", 1024)), "unpacks to 1,024 MB"),
    ],
)
def test_a_self_registered_applicant_uploading_a_bomb_as_a_file_answer_is_refused_fast(
    registered_applicant, media, name, make, refusal
):
    client, application, question = registered_applicant
    data = make()
    url = f"/applications/{application.pk}/sections/{question.section_id}/"
    with measured() as measure:
        page = client.post(url, {f"q{question.pk}": SimpleUploadedFile(name, data)}).content.decode()
    print(f"file answer {name} ({make.__name__}, {len(data) / MB:.2f} MB): {measure}")
    assert f"“{name}”" in page and refusal in page
    assert measure.within_bounds(), measure
    assert not Answer.objects.filter(application=application, question=question).exclude(file="").exists()
    assert stored_files(media) == []


# --- the limits and the problem list themselves ---------------------------------------------------------------


def test_a_council_can_change_a_limit_and_a_misspelt_one_is_refused_by_name(settings):
    docx = archive(CONTENT_TYPES, deflated("word/document.xml", b"<w:document/>" + os.urandom(2 * MB)))
    assert uploads.check_upload(SimpleUploadedFile("sla.docx", docx)) is None
    settings.FILE_LIMITS = {"max_part_bytes": MB}
    with pytest.raises(ValidationError) as refused:
        uploads.check_upload(SimpleUploadedFile("sla.docx", docx))
    assert "“word/document.xml” unpacks to 2.0 MB; the most we accept for a part is 1 MB" in refused.value.messages[0]
    settings.FILE_LIMITS = {"max_part_byte": MB}
    with pytest.raises(ValueError, match="FILE_LIMITS has unknown names: max_part_byte"):
        uploads.check_upload(SimpleUploadedFile("sla.docx", docx))
    # `manage.py check`, run before the server starts, says so first.
    assert uploads.file_limits_check in registry.get_checks()
    assert [e.id for e in uploads.file_limits_check()] == ["core.E001"]
    settings.FILE_LIMITS = {"max_part_bytes": "1 MB"}
    assert "FILE_LIMITS['max_part_bytes'] must be a number above 0, not '1 MB'." in uploads.file_limits_check()[0].msg
    settings.FILE_LIMITS = {}
    assert uploads.file_limits_check() == []


def test_the_problem_list_keeps_the_first_and_counts_the_rest_by_kind():
    problems: ProblemList[str] = ProblemList(limit=3)
    for i in range(5):
        problems.add(f"row {i}: not a number", "a value that is not a number")
    problems.add("row 9: twice", "a KPI given twice")
    problems.add_first("the file is too long", "a file longer than a return")
    assert problems == ["the file is too long", "row 0: not a number", "row 1: not a number"]
    assert problems.total == 7
    assert problems.lines()[-1] == (
        "and 4 more problems of the same kinds: a value that is not a number (3), a KPI given twice (1)."
    )
    one: ProblemList[str] = ProblemList(limit=0)
    one.add("x", "a blank row")
    assert one.lines() == ["and 1 more problem of the same kind: a blank row (1)."]
