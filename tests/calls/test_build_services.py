"""Building a call: whole financial years, lots with money, questions of all eight kinds, publish, then frozen."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from tests.calls.conftest import build_call
from vcsgrants.calls.models import FormQuestion
from vcsgrants.calls.services import build
from vcsgrants.core.models import AuditEvent

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4 a small test file"


def test_a_built_call_has_every_kind_of_question_and_is_audited(officer, districts):
    built = build_call(officer, districts)
    assert {q.kind for q in built.questions.values()} == set(FormQuestion.Kind.values)
    assert built.call.is_open()
    verbs = set(AuditEvent.objects.filter(object_id=built.call.pk, object_type="calls.call").values_list("verb", flat=True))
    assert {"call.created", "call.lot_added", "call.question_added", "call.published"} <= verbs


def test_agreements_run_for_whole_financial_years(built, officer):
    call = built.call
    fields = dict(
        title=call.title,
        reference="other-ref",
        description="x",
        stream=call.stream,
        opens_at=call.opens_at,
        closes_at=call.closes_at,
        actor=officer,
    )
    with pytest.raises(ValidationError) as exc:
        build.call_create(
            programme=call.programme, agreement_start=dt.date(2024, 1, 1), agreement_end=dt.date(2025, 3, 31), **fields
        )
    assert "whole financial years" in str(exc.value)
    assert build.agreement_period(2024, 2) == (dt.date(2024, 4, 1), dt.date(2026, 3, 31))


def test_reference_is_unique_and_not_a_reserved_word(built, officer):
    call = built.call
    common = dict(
        programme=call.programme,
        title="t",
        description="d",
        stream=call.stream,
        opens_at=call.opens_at,
        closes_at=call.closes_at,
        agreement_start=call.agreement_start,
        agreement_end=call.agreement_end,
        actor=officer,
    )
    with pytest.raises(ValidationError, match="already has the reference"):
        build.call_create(reference=call.reference, **common)
    with pytest.raises(ValidationError, match="names another page"):
        build.call_create(reference="register", **common)


def test_once_open_everything_applicants_answer_is_frozen(built, officer):
    call, lot, section = built.call, built.lots[0], built.sections[0]
    question = built.questions[FormQuestion.Kind.SHORT_TEXT]
    attempts = [
        lambda: build.lot_add(call=call, name="More", area=lot.area, amount=Decimal("1.00"), actor=officer),
        lambda: build.lot_update(lot=lot, name="x", area=lot.area, amount=Decimal("1.00"), actor=officer),
        lambda: build.lot_delete(lot=lot, actor=officer),
        lambda: build.section_add(call=call, title="New", actor=officer),
        lambda: build.section_move(section=section, direction="down", actor=officer),
        lambda: build.question_delete(question=question, actor=officer),
        lambda: build.question_move(question=question, direction="down", actor=officer),
        lambda: build.eligibility_delete(question=built.eligibility[0], actor=officer),
        lambda: build.call_unpublish(call=call, actor=officer),
    ]
    for attempt in attempts:
        with pytest.raises(ValidationError, match="can no longer be changed"):
            attempt()
    assert call.lots.count() == 2 and lot.amount == Decimal("40000.00")


def test_before_it_opens_questions_reorder_and_delete_without_gaps(officer, districts):
    built = build_call(officer, districts, opens_at=timezone.now() + dt.timedelta(days=2))
    about = built.sections[0]
    first = about.questions.get(number=1)
    build.question_move(question=first, direction="down", actor=officer)
    assert list(about.questions.values_list("text", flat=True))[:2] == [
        "How many volunteers do you support each year?",
        "Your main contact's job title",
    ]
    build.question_delete(question=about.questions.get(number=1), actor=officer)
    assert list(about.questions.values_list("number", flat=True)) == [1, 2, 3]
    with pytest.raises(ValidationError, match="already first"):
        build.question_move(question=about.questions.get(number=1), direction="up", actor=officer)
    build.section_move(section=built.sections[1], direction="up", actor=officer)
    assert built.call.sections.first().title == "Your plan and budget"


def test_questions_need_their_options_or_headings(built, officer):
    section = built.sections[0]
    base = {"hint": "", "required": True, "word_limit": None, "options": [], "budget_lines": []}
    with pytest.raises(ValidationError) as exc:
        build._question_values(text="Pick", kind="choice", **{**base, "options": ["Only one"]})
    assert "at least two options" in str(exc.value)
    with pytest.raises(ValidationError, match="cost headings"):
        build._question_values(text="Budget", kind="budget", **base)
    assert section.questions.count() == 4


def test_eligibility_passing_answers_must_be_among_the_choices_and_rule_someone_out(officer, districts):
    built = build_call(officer, districts, publish=False)
    common = dict(call=built.call, text="Q?", hint="", options=[], failure_reason="Because", actor=officer)
    with pytest.raises(ValidationError, match="not one of the question's answers"):
        build.eligibility_add(kind="yes_no", passing_answers=["Maybe"], **common)
    with pytest.raises(ValidationError, match="rules nobody out"):
        build.eligibility_add(kind="yes_no", passing_answers=["Yes", "No"], **common)


def test_publish_lists_what_is_missing(officer, districts):
    built = build_call(officer, districts, publish=False)
    call = built.call
    for lot in built.lots:
        build.lot_delete(lot=lot, actor=officer)
    build.section_add(call=call, title="Empty", actor=officer)
    with pytest.raises(ValidationError) as exc:
        build.call_publish(call=call, actor=officer)
    assert any("at least one lot" in m for m in exc.value.messages)
    assert any("Section 3 (Empty) has no questions" in m for m in exc.value.messages)
    call.refresh_from_db()
    assert call.published_at is None


def test_documents_are_checked_for_size_type_and_content(built, officer, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    call = built.call
    document = build.document_add(call=call, title="Guidance", upload=SimpleUploadedFile("guidance.pdf", PDF), actor=officer)
    assert document.size == len(PDF) and document.content_type == "application/pdf"
    assert (tmp_path / document.file.name).exists()
    with pytest.raises(ValidationError, match="not a file type we accept"):
        build.document_add(call=call, title="", upload=SimpleUploadedFile("run.exe", b"MZ..."), actor=officer)
    with pytest.raises(ValidationError, match="content does not match"):
        build.document_add(call=call, title="", upload=SimpleUploadedFile("fake.pdf", b"not a pdf"), actor=officer)
    settings.MAX_DOCUMENT_BYTES = 10
    with pytest.raises(ValidationError, match="larger than"):
        build.document_add(call=call, title="", upload=SimpleUploadedFile("big.pdf", PDF), actor=officer)
