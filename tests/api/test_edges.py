"""Edges that once answered 500 or broke the OpenAPI document (issue 19, item 6): OPTIONS on the option sets, an
oversized limit or id, a document whose file is missing, and the list endpoints that answer a plain array."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from vcsgrants.funding.services import agreements as agreement_services

HUGE = "99999999999999999999"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.mark.parametrize("path", ["/api/option-sets/", "/api/option-sets/1/options/1/", "/api/option-sets/1/options/"])
def test_options_requests_answer_with_the_endpoint_description(world, api, path):
    response = api(world.officer).client.options(path, headers={"Authorization": f"Bearer {api(world.officer).token}"})
    assert response.status_code == 200, response.content
    assert "name" in response.json()


def test_adding_an_option_still_posts_to_the_same_address(world, api):
    response = api(world.officer).post("/api/option-sets/999/options/", {})
    assert response.status_code == 404  # routed to the action (no such option set), not 405


@pytest.mark.parametrize("params", [{"limit": HUGE}, {"offset": HUGE}, {"limit": HUGE, "offset": HUGE}])
def test_an_oversized_limit_or_offset_is_a_page_not_a_server_error(world, api, params):
    response = api(world.officer).get("/api/agreements/", **params)
    assert response.status_code == 200
    assert len(response.json()["results"]) <= 1000


def test_a_limit_over_the_maximum_gives_the_maximum(world, api):
    assert api(world.officer).get("/api/agreements/", limit="5000").json()["count"] >= 1


def test_an_oversized_id_in_a_meeting_is_refused_at_its_field(world, api):
    response = api(world.officer).post(
        "/api/meetings/",
        {"programme": world.community.pk, "kind": "partnership", "date": "2022-07-04", "kpis": [int(HUGE)]},
    )
    assert response.status_code == 400
    assert "kpis" in response.json()


def test_an_oversized_programme_id_is_refused_at_its_field(world, api):
    response = api(world.officer).post("/api/meetings/", {"programme": int(HUGE), "kind": "partnership", "date": "2022-07-04"})
    assert response.status_code == 400 and "programme" in response.json()


def test_a_document_whose_file_is_missing_is_not_found_on_the_page_and_in_the_api(world, api, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    document = agreement_services.document_upload(
        agreement=world.sla_a, title="Minutes", upload=SimpleUploadedFile("minutes.pdf", PDF), actor=world.officer
    )
    client = Client()
    client.force_login(world.officer)
    assert client.get(f"/documents/{document.pk}/").status_code == 200
    document.file.storage.delete(document.file.name)  # a restore without the media folder, say

    page = client.get(f"/documents/{document.pk}/")
    assert page.status_code == 404
    answer = api(world.officer).get(f"/api/agreements/{world.sla_a.pk}/documents/{document.pk}/")
    assert answer.status_code == 404
    assert answer.json() == {
        "detail": "The file of this document is missing from the store. Tell the council's VCS funding team."
    }


# The endpoints that answer a plain JSON array (not a page): the document says so, and they do.
ARRAYS = [
    ("get", "/api/agreements/{id}/documents/", "200"),
    ("post", "/api/agreements/{id}/schedule/", "200"),
    ("get", "/api/consultations/{id}/responses/", "200"),
    ("get", "/api/funding-streams/{id}/contributions/", "200"),
    ("post", "/api/funding-streams/{id}/contributions/", "200"),
    ("get", "/api/kpis/{id}/comments/", "200"),
    ("post", "/api/option-sets/{id}/options/{option_id}/adopt/", "200"),
    ("post", "/api/programmes/{id}/bulk-extension/", "201"),
]


def test_endpoints_that_answer_an_array_are_documented_as_arrays(world, api):
    document = api(world.officer).get("/api/schema/", format="json").json()
    for method, path, code in ARRAYS:
        schema = document["paths"][path][method]["responses"][code]["content"]["application/json"]["schema"]
        assert schema.get("type") == "array", (method, path, schema)


def test_an_array_endpoint_answers_an_array(world, api):
    response = api(world.officer).get(f"/api/agreements/{world.sla_a.pk}/documents/")
    assert response.status_code == 200 and isinstance(response.json(), list)
