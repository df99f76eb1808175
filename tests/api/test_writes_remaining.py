"""The last of the pages' writes to join the API: programme periods, partners' contributions, the bulk extension,
conversion to multi-year, documents (agreements' and consultations'), and leaving a consultation response out of
the summary. What a script notices: the record's JSON, the record in the database and its audit event; a 400 naming
the field for bad input; a 403 (with the reason) for a role that may not; a 404 for a record it cannot see."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.api.roles import everyone_fixture  # noqa: F401 — the fixture everyone[role]: a user of each role
from tests.api.writing import WriteClient
from vcsgrants.core.models import AuditEvent
from vcsgrants.core.services import financial_year_get
from vcsgrants.engagement.models.consultations import Consultation, ConsultationDocument, ConsultationResponse
from vcsgrants.engagement.services import consultations
from vcsgrants.funding.models import (
    AgreementDocument,
    MultiYearTerms,
    ProgrammePeriod,
    StreamContribution,
    Variation,
)
from vcsgrants.funding.services import agreements as agreement_services
from vcsgrants.funding.services import programmes as programme_services

D = Decimal
UTC = dt.UTC
LONG_AGO = dt.datetime(2020, 1, 1, tzinfo=UTC)
PDF = b"%PDF-1.4\n% a small test document\n"


def events(verb: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(verb=verb).order_by("id"))


def ok(response, code: int = 200):
    assert response.status_code == code, response.content
    return response.json()


def refused(response, field: str, code: int = 400) -> str:
    """The response is a 400 naming the field; returns its messages as one string."""
    assert response.status_code == code, response.content
    body = response.json()
    assert field in body, body
    return str(body[field])


def upload(client: WriteClient, path: str, name: str = "minutes.pdf", content: bytes = PDF, title: str = "Minutes"):
    """POST a document as multipart/form-data, as a script (or the page) sends it."""
    data = {"title": title}
    if name:
        data["file"] = SimpleUploadedFile(name, content)
    return client.client.post(path, data, headers={"Authorization": f"Bearer {client.token}"})


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path  # uploads land in the test's own folder


@pytest.fixture
def draft_consultation(world) -> Consultation:
    """A Community Support consultation that has not opened yet: its documents may still change."""
    return consultations.consultation_create(
        programme=world.community, title="Equity review", description="Three options.", privacy_notice="Kept safe.",
        opens_at=dt.datetime(2098, 1, 1, 9, tzinfo=UTC), closes_at=dt.datetime(2099, 1, 1, 17, tzinfo=UTC),
        actor=world.officer,
    )  # fmt: skip


@pytest.fixture
def open_consultation(world) -> Consultation:
    """An open Community Support consultation with a document, one question and Provider One's response."""
    consultation = consultations.consultation_create(
        programme=world.community, title="Review of provision", description="Proposals.", privacy_notice="Kept safe.",
        opens_at=dt.datetime(2021, 1, 1, 9, tzinfo=UTC), closes_at=dt.datetime(2099, 1, 1, 17, tzinfo=UTC),
        actor=world.officer, now=LONG_AGO,
    )  # fmt: skip
    question = consultations.question_add(
        consultation=consultation, text="Which option?", kind="single", options=["Equal", "Per head"], actor=world.officer,
        now=LONG_AGO,
    )  # fmt: skip
    consultations.document_upload(
        consultation=consultation, title="Proposals", upload=SimpleUploadedFile("proposals.txt", b"Three options."),
        actor=world.officer, now=LONG_AGO,
    )  # fmt: skip
    consultations.provider_response_save(
        consultation=consultation, organisation=world.provider_one, answers={question.pk: "Per head"}, actor=world.provider
    )
    return consultation


def extension_budget(world, amount: str = "5000.00") -> None:
    """A 2024-25 budget for the core grant, with Amber Valley's allocation: room for SLA-A1's extension."""
    fy2024 = financial_year_get(start_year=2024)
    programme_services.budget_set(stream=world.core, year=fy2024, amount=D("100000.00"), actor=world.officer)
    programme_services.allocations_set(stream=world.core, year=fy2024, amounts={world.amber: D(amount)}, actor=world.officer)


# --- Who may make each write ----------------------------------------------------------------------------------


def writes(world, draft_consultation, open_consultation) -> dict[str, tuple]:
    """Each write: method, path, a valid body, and what every role that may not make it gets (403 or 404)."""
    response = open_consultation.responses.get()
    staff_only = {"finance": 403, "cabinet": 403, "applicant": 403, "assessor": 403, "nobody": 403}
    approval = {"reason": "Extend at current levels", "approved_by": "Cabinet", "approved_on": "2024-02-08"}
    return {
        "period": (
            "post", f"/api/programmes/{world.community.pk}/periods/",
            {"kind": "approved", "start": "2022-04-01", "end": "2025-03-31", **approval},
            # A partner sees the programme it co-funds (403); the other partner does not (404); providers see no
            # programmes at all (403, as on the pages).
            {**staff_only, "partner": 403, "partner_two": 404, "provider": 403, "provider_other": 403},
        ),
        "contribution": (
            "post", f"/api/funding-streams/{world.core.pk}/contributions/",
            {"financial_year": "2022-23", "funder": world.public_health.pk, "amount": "20000.00"},
            {**staff_only, "finance": None, "partner": 403, "partner_two": 404, "provider": 403, "provider_other": 403},
        ),
        "bulk extension": (
            "post", f"/api/programmes/{world.community.pk}/bulk-extension/",
            {"financial_year": "2024-25", "expected_total": "1000.00", **approval},
            {**staff_only, "partner": 403, "partner_two": 404, "provider": 403, "provider_other": 403},
        ),
        "multi-year": (
            "post", f"/api/agreements/{world.sla_a.pk}/multi-year/",
            {"last_year": "2025-26", "uplift_percent": "2", **approval},
            {**staff_only, "partner": 403, "partner_two": 404, "provider": 403, "provider_other": 404},
        ),
        "agreement document": (
            "upload", f"/api/agreements/{world.sla_a.pk}/documents/", {},
            {**staff_only, "partner": 403, "partner_two": 404, "provider": None, "provider_other": 404},
        ),
        "consultation document": (
            "upload", f"/api/consultations/{draft_consultation.pk}/documents/", {},
            # Providers and partners see a consultation only once it opens.
            {**staff_only, "partner": 404, "partner_two": 404, "provider": 404, "provider_other": 404},
        ),
        "exclude a response": (
            "post", f"/api/consultations/{open_consultation.pk}/responses/{response.pk}/exclude/", {"reason": "A duplicate"},
            {**staff_only, "partner": 403, "partner_two": 404, "provider": 403, "provider_other": 404},
        ),
    }  # fmt: skip


def send(client: WriteClient, method: str, path: str, body: dict):
    return upload(client, path) if method == "upload" else getattr(client, method)(path, body)


WRITES = ["period", "contribution", "bulk extension", "multi-year", "agreement document", "consultation document",
          "exclude a response"]  # fmt: skip


@pytest.mark.parametrize("write", WRITES)
def test_each_write_is_refused_to_every_role_the_pages_refuse(world, everyone, draft_consultation, open_consultation, api,
                                                              write):  # fmt: skip
    method, path, body, refusals = writes(world, draft_consultation, open_consultation)[write]
    for role, expected in refusals.items():
        if expected is None:  # this role may make it
            continue
        before = AuditEvent.objects.count()
        response = send(api(everyone[role]), method, path, body)
        assert response.status_code == expected, (role, response.status_code, response.content)
        if expected == 403:
            assert "does not allow you" in response.json()["detail"], role
        assert AuditEvent.objects.count() == before, f"{role} changed something with {write}"


@pytest.mark.parametrize("write", WRITES)
def test_an_administrator_makes_each_write_as_an_officer_would(world, everyone, draft_consultation, open_consultation, api,
                                                               write):  # fmt: skip
    if write in ("bulk extension", "multi-year"):
        extension_budget(world)
    method, path, body, _ = writes(world, draft_consultation, open_consultation)[write]
    response = send(api(everyone["admin"]), method, path, body)
    assert response.status_code in (200, 201), response.content


# --- Programme periods -------------------------------------------------------------------------------------------


def test_an_officer_records_the_approved_period_then_an_extension(world, api):
    officer = api(world.officer)
    path = f"/api/programmes/{world.community.pk}/periods/"
    body = {"kind": "approved", "start": "2022-04-01", "end": "2024-03-31", "approved_by": "Cabinet",
            "approved_on": "2022-02-10", "decision": world.decision.pk, "note": "Two years."}  # fmt: skip
    created = ok(officer.post(path, body), 201)
    assert (created["kind"], created["start"], created["end"], created["recorded_by"]) == (
        "approved", "2022-04-01", "2024-03-31", "officer"
    )  # fmt: skip
    assert created["programme"]["slug"] == "community-support" and created["decision"] == world.decision.pk
    period = ProgrammePeriod.objects.get(pk=created["id"])
    assert (period.programme, period.note, period.recorded_by) == (world.community, "Two years.", world.officer)
    assert "Recorded Approved period 1 April 2022 – 31 March 2024" in events("period.recorded")[-1].summary

    extension = ok(officer.post(path, {**body, "kind": "extension", "start": "2024-04-01", "end": "2025-03-31"}), 201)
    assert extension["kind"] == "extension"
    periods = ok(officer.get(f"/api/programmes/{world.community.pk}/"))["periods"]
    assert [(p["kind"], p["end"]) for p in periods] == [("approved", "2024-03-31"), ("extension", "2025-03-31")]


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"kind": "approved"}, "kind", "already has its approved period"),
        ({"start": "2023-04-01"}, "start", "overlaps"),
        ({"end": "2024-04-01"}, "end", "must be after the start date"),
        ({"kind": "forever"}, "kind", "not a valid choice"),
        ({"decision": 10**9}, "decision", "Invalid pk"),
        ({"approved_on": "10 February"}, "approved_on", "wrong format"),
        ({"approved_by": ""}, "approved_by", "may not be blank"),
    ],
)
def test_a_bad_period_is_refused_on_its_field(world, api, changes, field, message):
    programme_services.period_record(programme=world.community, kind="approved", start=dt.date(2022, 4, 1),
                                     end=dt.date(2024, 3, 31), approved_by="Cabinet", approved_on=dt.date(2022, 2, 10),
                                     actor=world.officer)  # fmt: skip
    body = {"kind": "extension", "start": "2024-04-01", "end": "2025-03-31", "approved_by": "Cabinet",
            "approved_on": "2024-02-08", **changes}  # fmt: skip
    assert message in refused(api(world.officer).post(f"/api/programmes/{world.community.pk}/periods/", body), field)
    assert ProgrammePeriod.objects.count() == 1


# --- Partners' contributions to a stream's budget ----------------------------------------------------------------


def test_finance_records_changes_and_removes_a_partners_contribution(world, api):
    finance = api(world.finance)
    path = f"/api/funding-streams/{world.core.pk}/contributions/"
    body = {"financial_year": "2022-23", "funder": world.public_health.pk, "amount": "20000.00", "note": "Section 256"}
    rows = ok(finance.post(path, body))
    assert [(r["funder"]["name"], r["financial_year"], r["amount"], r["note"]) for r in rows] == [
        ("Public Health", "2022-23", "20000.00", "Section 256")
    ]
    contribution = StreamContribution.objects.get(stream=world.core, funder=world.public_health)
    assert contribution.amount == D("20000.00") and contribution.recorded_by == world.finance
    assert "Recorded Public Health's contribution of £20,000.00" in events("contribution.set")[-1].summary

    changed = ok(finance.post(path, {**body, "amount": "25000.50"}))
    assert changed[0]["amount"] == "25000.50"
    assert StreamContribution.objects.get(pk=contribution.pk).amount == D("25000.50")
    assert [r["amount"] for r in ok(finance.get(path))] == ["25000.50"]
    assert ok(finance.get(path, financial_year="2023-24")) == []

    assert ok(finance.post(path, {**body, "amount": "0"})) == []
    assert not StreamContribution.objects.exists()
    assert "Removed Public Health's contribution of £25,000.50" in events("contribution.set")[-1].summary


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"amount": "100000.01"}, "amount", "more than its budget of £100,000.00"),
        ({"amount": "-1"}, "amount", "greater than or equal to 0"),
        ({"amount": "12.345"}, "amount", "no more than 2 decimal places"),
        ({"funder": "council"}, "funder", "funds Core grant itself"),
        ({"funder": "provider"}, "funder", "only funders and partner bodies contribute"),
        ({"funder": 10**9}, "funder", "Invalid pk"),
        ({"financial_year": "2024-25"}, "financial_year", "has no budget for 2024-25"),
        ({"financial_year": "2022/23"}, "financial_year", "2022-23"),
    ],
)
def test_a_bad_contribution_is_refused_on_its_field(world, api, changes, field, message):
    if changes.get("funder") in ("council", "provider"):
        changes["funder"] = (world.council if changes["funder"] == "council" else world.provider_one).pk
    body = {"financial_year": "2022-23", "funder": world.public_health.pk, "amount": "20000.00", **changes}
    response = api(world.officer).post(f"/api/funding-streams/{world.core.pk}/contributions/", body)
    assert message in refused(response, field)
    assert not StreamContribution.objects.exists()


def test_contributions_are_filtered_by_year(world, api):
    path = f"/api/funding-streams/{world.core.pk}/contributions/"
    assert "is not a financial year" in refused(api(world.officer).get(path, financial_year="2022"), "financial_year")


# --- Extending every agreement at current levels -------------------------------------------------------------------


def test_an_officer_previews_then_extends_every_agreement_at_current_levels(world, api):
    extension_budget(world)
    officer = api(world.officer)
    path = f"/api/programmes/{world.community.pk}/bulk-extension/"
    preview = ok(officer.get(path, financial_year="2024-25"))
    assert (preview["financial_year"], preview["total"], preview["problems"]) == ("2024-25", "1000.00", [])
    row = preview["rows"][0]
    assert (row["agreement"]["reference"], row["old_end"], row["new_end"], row["new_value"]) == (
        "SLA-A1", "2024-03-31", "2025-03-31", "1000.00"
    )  # fmt: skip
    assert [(ln["stream"]["name"], ln["area"]["gss_code"], ln["amount"]) for ln in row["lines"]] == [
        ("Core grant", "E07000032", "1000.00")
    ]
    assert {s["name"] for s in preview["excluded_streams"]} == {"Public Health top-up"}  # one-off funding
    assert not Variation.objects.filter(agreement=world.sla_a, number=2).exists()  # a preview writes nothing

    body = {"financial_year": "2024-25", "reason": "Extend all grants at current levels", "approved_by": "Cabinet",
            "approved_on": "2024-02-08", "decision": world.decision.pk, "expected_total": preview["total"]}  # fmt: skip
    created = ok(officer.post(path, body), 201)
    assert [(v["agreement"]["reference"], v["kind"], v["new_end_date"], v["decision"]) for v in created] == [
        ("SLA-A1", "extension", "2025-03-31", world.decision.pk)
    ]
    assert created[0]["lines"][0]["amount"] == "1000.00"
    world.sla_a.refresh_from_db()
    assert world.sla_a.current_end_date == dt.date(2025, 3, 31)
    assert world.sla_a.value_for(financial_year_get(start_year=2024)) == D("1000.00")
    event = events("programme.bulk_extension")[-1]
    assert (event.actor, event.data["total"], event.data["agreements"]) == (world.officer, "1000.00", ["SLA-A1"])

    again = officer.post(path, body)  # done already: the total it expected is no longer what it would add
    assert "changed since the preview (now £0.00)" in refused(again, "non_field_errors")
    assert "nothing to extend" in refused(officer.post(path, {**body, "expected_total": "0.00"}), "non_field_errors")


def test_the_bulk_extension_is_refused_as_on_the_page(world, api):
    officer = api(world.officer)
    path = f"/api/programmes/{world.community.pk}/bulk-extension/"
    body = {"financial_year": "2024-25", "reason": "Extend", "approved_by": "Cabinet", "approved_on": "2024-02-08",
            "expected_total": "1000.00"}  # fmt: skip
    # No 2024-25 allocation yet: the preview says so, and nothing is written.
    assert "the extension needs £1,000.00" in ok(officer.get(path, financial_year="2024-25"))["problems"][0]
    assert "the extension needs £1,000.00" in refused(officer.post(path, body), "non_field_errors")
    extension_budget(world)
    assert "changed since the preview" in refused(officer.post(path, {**body, "expected_total": "999.99"}), "non_field_errors")
    assert "may not be blank" in refused(officer.post(path, {**body, "reason": ""}), "reason")
    refused(officer.post(path, {key: value for key, value in body.items() if key != "expected_total"}), "expected_total")
    assert "Invalid pk" in refused(officer.post(path, {**body, "decision": 10**9}), "decision")
    refused(officer.get(path), "financial_year")
    assert "2022-23" in refused(officer.get(path, financial_year="2024"), "financial_year")
    assert Variation.objects.filter(agreement=world.sla_a).count() == 1
    assert not events("programme.bulk_extension")


# --- Conversion to multi-year -------------------------------------------------------------------------------------


def conversion(**changes) -> dict:
    return {"last_year": "2025-26", "uplift_percent": "2", "reason": "Convert to a multi-year agreement",
            "approved_by": "Cabinet", "approved_on": "2024-02-08", **changes}  # fmt: skip


def test_an_officer_previews_and_converts_an_agreement_to_multi_year(world, api):
    officer = api(world.officer)
    path = f"/api/agreements/{world.sla_a.pk}/multi-year/"
    plan = ok(officer.get(path, last_year="2025-26", uplift_percent="2"))
    assert [(r["financial_year"], r["amount"], r["added"]) for r in plan["rows"]] == [
        ("2023-24", "1000.00", False), ("2024-25", "1020.00", True), ("2025-26", "1040.40", True)
    ]  # fmt: skip
    assert (plan["added_total"], plan["uplift_percent"]) == ("2060.40", "2.000")
    assert not MultiYearTerms.objects.exists()  # a preview writes nothing

    body = conversion(amounts=["1020.00", "1100.00"], notice_months=3, earliest_break_date="2025-03-31",
                      first_review_date="2024-10-01", decision=world.decision.pk, expected_total="2120.00")  # fmt: skip
    created = ok(officer.post(path, body), 201)
    assert (created["kind"], created["number"], created["new_end_date"], created["agreement"]["reference"]) == (
        "multi_year", 2, "2026-03-31", "SLA-A1"
    )  # fmt: skip
    assert sorted((ln["financial_year"], ln["amount"]) for ln in created["lines"]) == [
        ("2024-25", "1020.00"), ("2025-26", "1100.00")
    ]  # fmt: skip
    terms = MultiYearTerms.objects.get(agreement=world.sla_a)
    assert (terms.uplift_percent, terms.notice_months, terms.variation.number) == (D("2"), 3, 2)
    assert {p.financial_year.label: p.amount for p in terms.years.all()} == {
        "2023-24": D("1000.00"), "2024-25": D("1020.00"), "2025-26": D("1100.00")
    }  # fmt: skip
    assert "multi-year terms 2023-24 to 2025-26" in events("agreement.multiyear_terms")[-1].summary
    assert "variation 2 (conversion to multi-year)" in events("variation.created")[-1].summary.lower()
    assert "already multi-year" in refused(officer.post(path, conversion()), "non_field_errors")


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"amounts": ["1020.00"]}, "amounts", "Give one amount for each of the 2 years"),
        ({"amounts": ["1020.00", "0"]}, "amounts", "greater than or equal to 0.01"),
        ({"last_year": "2023-24"}, "last_year", "already runs to the end of 2023-24"),
        ({"last_year": "2025"}, "last_year", "2022-23"),
        ({"uplift_percent": "101"}, "uplift_percent", "less than or equal to 100"),
        ({"notice_months": 3}, "earliest_break_date", "needs both the notice period and the earliest break date"),
        ({"first_review_date": "2030-01-01"}, "first_review_date", "must fall within the agreement"),
        ({"expected_total": "1.00"}, "non_field_errors", "changed since the preview"),
        ({"approved_by": ""}, "approved_by", "may not be blank"),
    ],
)
def test_a_bad_conversion_is_refused_on_its_field(world, api, changes, field, message):
    response = api(world.officer).post(f"/api/agreements/{world.sla_a.pk}/multi-year/", conversion(**changes))
    assert message in refused(response, field)
    assert Variation.objects.filter(agreement=world.sla_a).count() == 1 and not MultiYearTerms.objects.exists()


def test_a_draft_is_not_converted(world, api):
    draft = agreement_services.agreement_create(
        programme=world.community, organisation=world.provider_two, areas=[world.bolsover], title="Draft",
        start_date=dt.date(2022, 4, 1), end_date=dt.date(2023, 3, 31), actor=world.officer,
    )  # fmt: skip
    officer = api(world.officer)
    assert "A draft agreement is not varied" in refused(officer.get(f"/api/agreements/{draft.pk}/multi-year/",
                                                                    last_year="2024-25"), "non_field_errors")  # fmt: skip
    refused(officer.get(f"/api/agreements/{world.sla_a.pk}/multi-year/"), "last_year")


# --- Agreements' documents ----------------------------------------------------------------------------------------


def test_an_officer_uploads_and_the_provider_lists_and_downloads_the_document(world, api):
    path = f"/api/agreements/{world.sla_a.pk}/documents/"
    created = ok(upload(api(world.officer), path, title="Signed SLA"), 201)
    assert (created["title"], created["original_name"], created["size"], created["uploaded_by"]) == (
        "Signed SLA", "minutes.pdf", len(PDF), "officer"
    )  # fmt: skip
    document = AgreementDocument.objects.get(pk=created["id"])
    assert document.agreement == world.sla_a and document.file.read() == PDF
    assert events("document.uploaded")[-1].summary == "SLA-A1: uploaded Signed SLA"

    provider = api(world.provider)
    assert [d["id"] for d in ok(provider.get(path))] == [document.pk]
    own = ok(upload(provider, path, name="report.txt", content=b"Quarter 1 report", title=""), 201)
    assert own["title"] == "report.txt" and own["uploaded_by"] == "provider"

    download = provider.get(f"{path}{document.pk}/")
    assert download.status_code == 200
    assert (
        download["Content-Disposition"].startswith("attachment") and 'filename="minutes.pdf"' in download["Content-Disposition"]
    )
    assert b"".join(download.streaming_content) == PDF
    assert api(world.partner).get(f"{path}{document.pk}/").status_code == 403  # co-funds it, sees no documents
    assert api(world.provider_other).get(f"{path}{document.pk}/").status_code == 404
    assert api(world.officer).get(f"/api/agreements/{world.sla_b.pk}/documents/{document.pk}/").status_code == 404


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.pdf", b"", "is empty"),
        ("tool.exe", b"MZ", "not a file type we accept"),
        ("fake.pdf", b"not a pdf", "its content does not match its name"),
        ("", b"", "No file was submitted"),
    ],
)
def test_a_bad_document_is_refused_on_the_file_field(world, api, name, content, message):
    response = upload(api(world.officer), f"/api/agreements/{world.sla_a.pk}/documents/", name=name, content=content)
    assert message in refused(response, "file")
    assert not AgreementDocument.objects.exists()


def test_a_document_sent_as_json_is_refused_as_the_wrong_media_type(world, api):
    response = api(world.officer).post(
        f"/api/agreements/{world.sla_a.pk}/documents/", {"title": "Signed SLA", "file": "JVBERi0="}
    )
    assert response.status_code == 415 and "multipart" in response.json()["detail"]
    assert not AgreementDocument.objects.exists()


# --- Consultations' documents -------------------------------------------------------------------------------------


def test_an_officer_uploads_a_document_before_the_consultation_opens(world, draft_consultation, open_consultation, api):
    officer = api(world.officer)
    created = ok(upload(officer, f"/api/consultations/{draft_consultation.pk}/documents/", title="Options paper"), 201)
    assert (created["title"], created["original_name"]) == ("Options paper", "minutes.pdf")
    assert ConsultationDocument.objects.get(pk=created["id"]).consultation == draft_consultation
    assert "uploaded Options paper" in events("consultation.document_uploaded")[-1].summary
    assert [d["id"] for d in ok(officer.get(f"/api/consultations/{draft_consultation.pk}/"))["documents"]] == [created["id"]]

    frozen = upload(officer, f"/api/consultations/{open_consultation.pk}/documents/")
    assert "can no longer be changed" in refused(frozen, "non_field_errors")
    assert "not a file type we accept" in refused(
        upload(officer, f"/api/consultations/{draft_consultation.pk}/documents/", name="x.exe", content=b"MZ"), "file"
    )
    assert open_consultation.documents.count() == 1


def test_a_consultations_documents_are_downloaded_by_those_who_see_it(world, everyone, open_consultation, api):
    document = open_consultation.documents.get()
    path = f"/api/consultations/{open_consultation.pk}/documents/{document.pk}/"
    for role in ("officer", "cabinet", "provider", "partner"):
        response = api(everyone[role]).get(path)
        assert response.status_code == 200, role
        assert b"".join(response.streaming_content) == b"Three options."
    for role, code in {"provider_other": 404, "partner_two": 404, "applicant": 403, "nobody": 403}.items():
        assert api(everyone[role]).get(path).status_code == code, role
    assert api(world.officer).get(f"/api/consultations/{open_consultation.pk}/documents/999999/").status_code == 404


# --- Leaving a consultation response out of the summary ------------------------------------------------------------


def test_an_officer_leaves_a_response_out_of_the_summary_and_counts_it_again(world, open_consultation, api):
    officer = api(world.officer)
    response = open_consultation.responses.get()
    base = f"/api/consultations/{open_consultation.pk}/responses/"
    listed = ok(officer.get(base))
    assert [(r["id"], r["organisation"]["name"], r["excluded"]) for r in listed] == [(response.pk, "Provider One", False)]

    left_out = ok(officer.post(f"{base}{response.pk}/exclude/", {"reason": "A duplicate of an e-mailed response"}))
    assert (left_out["excluded"], left_out["excluded_reason"], left_out["excluded_by"]) == (
        True, "A duplicate of an e-mailed response", "officer"
    )  # fmt: skip
    response.refresh_from_db()
    assert (response.excluded_reason, response.excluded_by) == ("A duplicate of an e-mailed response", world.officer)
    assert "left response" in events("consultation.response_excluded")[-1].summary
    summary = ok(officer.get(f"/api/consultations/{open_consultation.pk}/summary/"))
    assert (summary["responses"], summary["excluded"]) == (0, 1)

    counted = ok(officer.post(f"{base}{response.pk}/include/"))
    assert (counted["excluded"], counted["excluded_reason"], counted["excluded_by"]) == (False, "", None)
    assert ConsultationResponse.objects.get(pk=response.pk).excluded_reason == ""
    assert events("consultation.response_included")
    assert "already counted" in refused(officer.post(f"{base}{response.pk}/include/"), "non_field_errors")


def test_moderation_is_refused_as_on_the_page(world, everyone, open_consultation, api):
    officer = api(world.officer)
    response = open_consultation.responses.get()
    base = f"/api/consultations/{open_consultation.pk}/responses/"
    assert "may not be blank" in refused(officer.post(f"{base}{response.pk}/exclude/", {"reason": " "}), "reason")
    assert "no more than 300 characters" in refused(officer.post(f"{base}{response.pk}/exclude/", {"reason": "x" * 301}),
                                                    "reason")  # fmt: skip
    assert officer.post(f"{base}999999/exclude/", {"reason": "Spam"}).status_code == 404
    assert ConsultationResponse.objects.get(pk=response.pk).excluded_reason == ""
    for role, code in {"finance": 403, "cabinet": 403, "provider": 403, "partner": 403, "provider_other": 404}.items():
        assert api(everyone[role]).get(base).status_code == code, role
        assert api(everyone[role]).post(f"{base}{response.pk}/include/").status_code == code, role
