"""Consultations through the API: officers set them up before they open, providers answer for their organisation
while they are open, and the summary is the page's."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest

from vcsgrants.engagement.models.consultations import Consultation, ConsultationResponse, Question
from vcsgrants.engagement.services import consultations as services

UTC = dt.UTC
LONG_AGO = dt.datetime(2020, 1, 1, tzinfo=UTC)


@dataclass
class Consultations:
    open: Consultation  # Community Support, open now, two questions
    choice: Question  # single choice, required
    comments: Question  # free text, optional
    warm: Consultation  # Warm Spaces, open now


def make(world, programme, title: str) -> Consultation:
    return services.consultation_create(
        programme=programme, title=title, description="Proposals.", privacy_notice="We keep it safe.",
        opens_at=dt.datetime(2021, 1, 1, 9, tzinfo=UTC), closes_at=dt.datetime(2099, 1, 1, 17, tzinfo=UTC),
        actor=world.officer, now=LONG_AGO,
    )  # fmt: skip


@pytest.fixture
def consultations(world) -> Consultations:
    open_one = make(world, world.community, "Review of provision")
    choice = services.question_add(
        consultation=open_one, text="Which option?", kind="single", options=["Equal", "Per head"], actor=world.officer,
        now=LONG_AGO,
    )  # fmt: skip
    comments = services.question_add(
        consultation=open_one, text="Comments", kind="text", required=False, actor=world.officer, now=LONG_AGO
    )
    return Consultations(open_one, choice, comments, make(world, world.warm, "Warm spaces review"))


def future(days: int) -> str:
    return (dt.datetime.now(UTC) + dt.timedelta(days=days)).isoformat()


def test_an_officer_sets_up_a_consultation_before_it_opens(world, api):
    client = api(world.officer)
    created = client.post(
        "/api/consultations/",
        {"programme": world.community.pk, "title": "Equity review", "description": "Three options.",
         "privacy_notice": "Kept safe.", "opens_at": future(7), "closes_at": future(30)},
    )  # fmt: skip
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    assert created.json()["state"] == "not_open"
    question = client.post(f"/api/consultations/{pk}/questions/", {"text": "Do you agree?", "kind": "scale", "required": True})
    assert question.status_code == 201, question.content
    assert question.json()["questions"][0]["choices"][0] == "Strongly agree"
    renamed = client.patch(f"/api/consultations/{pk}/", {"title": "Equity review 2023"})
    assert renamed.status_code == 200 and Consultation.objects.get(pk=pk).title == "Equity review 2023"
    question_id = question.json()["questions"][0]["id"]
    assert client.delete(f"/api/consultations/{pk}/questions/{question_id}/").status_code == 200
    assert not Question.objects.filter(pk=question_id).exists()


def test_a_consultation_cannot_change_once_open_and_bad_input_is_refused_by_field(world, consultations, api):
    client = api(world.officer)
    frozen = client.patch(f"/api/consultations/{consultations.open.pk}/", {"title": "Changed"})
    assert frozen.status_code == 400 and "can no longer be changed" in frozen.json()["non_field_errors"][0]
    added = client.post(f"/api/consultations/{consultations.open.pk}/questions/", {"text": "More?", "kind": "text"})
    assert added.status_code == 400
    backwards = client.post(
        "/api/consultations/",
        {"programme": world.community.pk, "title": "T", "description": "D", "privacy_notice": "P",
         "opens_at": future(7), "closes_at": future(2)},
    )  # fmt: skip
    assert backwards.status_code == 400 and backwards.json()["closes_at"] == ["The consultation must close after it opens."]
    one_option = client.post(
        "/api/consultations/",
        {"programme": world.community.pk, "title": "T", "description": "D", "privacy_notice": "P",
         "opens_at": future(7), "closes_at": future(9)},
    )  # fmt: skip
    pk = one_option.json()["id"]
    refused = client.post(f"/api/consultations/{pk}/questions/", {"text": "Pick", "kind": "single", "options": ["Only"]})
    assert refused.status_code == 400 and "options" in refused.json()
    assert Consultation.objects.get(pk=consultations.open.pk).title == "Review of provision"


@pytest.mark.parametrize("role", ["finance", "provider", "partner"])
def test_only_officers_set_up_consultations(world, consultations, api, role):
    client = api(getattr(world, role))
    body = {"programme": world.community.pk, "title": "T", "description": "D", "privacy_notice": "P",
            "opens_at": future(7), "closes_at": future(9)}  # fmt: skip
    assert client.post("/api/consultations/", body).status_code == 403
    assert Consultation.objects.count() == 2


def test_a_provider_responds_for_its_organisation_and_sees_only_its_programmes(world, consultations, api):
    client = api(world.provider)
    listed = client.get("/api/consultations/").json()["results"]
    assert [c["id"] for c in listed] == [consultations.open.pk]
    assert client.get(f"/api/consultations/{consultations.warm.pk}/").status_code == 404
    assert client.get(f"/api/consultations/{consultations.open.pk}/response/").status_code == 404  # none yet
    url = f"/api/consultations/{consultations.open.pk}/response/"
    sent = client.post(url, {"answers": {str(consultations.choice.pk): "Per head"}})
    assert sent.status_code == 201, sent.content
    assert sent.json()["organisation"]["name"] == "Provider One"
    changed = client.post(url, {"answers": {str(consultations.choice.pk): "Equal", str(consultations.comments.pk): "Fair."}})
    assert changed.status_code == 200
    response = ConsultationResponse.objects.get(consultation=consultations.open, organisation=world.provider_one)
    assert {a.question_id: (a.choices, a.text) for a in response.answers.all()} == {
        consultations.choice.pk: (["Equal"], ""),
        consultations.comments.pk: ([], "Fair."),
    }
    assert client.get(url).json()["answers"][0]["choices"] == ["Equal"]
    # Another programme's consultation, and the officers' summary, are not the provider's.
    assert api(world.provider_other).post(url, {"answers": {}}).status_code == 404
    assert client.get(f"/api/consultations/{consultations.open.pk}/summary/").status_code == 403


def test_a_response_is_checked_as_on_the_page(world, consultations, api):
    url = f"/api/consultations/{consultations.open.pk}/response/"
    client = api(world.provider)
    missing = client.post(url, {"answers": {}})
    assert missing.status_code == 400
    assert missing.json()["answers"] == {str(consultations.choice.pk): ["Select an answer to question 1."]}
    wrong = client.post(url, {"answers": {str(consultations.choice.pk): "Neither"}})
    assert wrong.status_code == 400 and str(consultations.choice.pk) in wrong.json()["answers"]
    malformed = client.post(url, {"answers": {str(consultations.choice.pk): 5}})
    assert malformed.status_code == 400 and "answers" in malformed.json()
    assert api(world.officer).post(url, {"answers": {}}).status_code == 403  # officers do not respond
    assert not ConsultationResponse.objects.exists()


def test_officers_read_the_summary_per_question(world, consultations, api):
    services.provider_response_save(
        consultation=consultations.open, organisation=world.provider_one,
        answers={consultations.choice.pk: "Per head"}, actor=world.provider,
    )  # fmt: skip
    summary = api(world.officer).get(f"/api/consultations/{consultations.open.pk}/summary/")
    assert summary.status_code == 200, summary.content
    body = summary.json()
    assert body["responses"] == 1 and body["is_closed"] is False
    first = body["questions"][0]
    assert [(o["label"], o["count"], o["percent"]) for o in first["options"]] == [("Equal", 0, "0.0"), ("Per head", 1, "100.0")]
    assert api(world.officer).get("/api/consultations/", state="open").json()["count"] == 2
    assert api(world.officer).get("/api/consultations/", state="closed").json()["count"] == 0
