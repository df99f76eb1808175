"""The OpenAPI 3 document: served to any signed-in user or token, and generated without warnings."""

from __future__ import annotations

import json

import pytest
from django.core.management import call_command
from django.test import Client

from tests.api.conftest import LIST_ENDPOINTS


@pytest.mark.parametrize("role", ["officer", "provider", "partner", "nobody"])
def test_any_token_holder_gets_an_openapi_3_document(world, api_as, role):
    response = api_as(getattr(world, role)).get("/api/schema/", format="json")
    assert response.status_code == 200
    document = json.loads(response.content)
    assert document["openapi"].startswith("3.")
    assert document["info"]["title"] == "VCS Grants API"
    for endpoint in LIST_ENDPOINTS:
        assert f"/api/{endpoint}/" in document["paths"]
        assert f"/api/{endpoint}/{{id}}/" in document["paths"]
    bearer = document["components"]["securitySchemes"]["bearerAuth"]
    assert (bearer["type"], bearer["scheme"]) == ("http", "bearer")
    params = {p["name"] for p in document["paths"]["/api/agreements/"]["get"]["parameters"]}
    assert "financial_year" in params


def test_a_signed_in_browser_gets_the_document_as_yaml(world):
    client = Client()
    client.force_login(world.partner)
    response = client.get("/api/schema/")
    assert response.status_code == 200
    assert response.content.startswith(b"openapi: 3.")


def test_the_document_validates_and_generates_without_warnings(tmp_path):
    # --fail-on-warn turns any field spectacular cannot type into a failure.
    out = tmp_path / "schema.json"
    call_command("spectacular", "--validate", "--fail-on-warn", "--format", "openapi-json", "--file", str(out))
    document = json.loads(out.read_text())
    money = document["components"]["schemas"]["Allocation"]["properties"]["amount"]
    assert money["type"] == "string" and money["format"] == "decimal"


# The last of the pages' writes to join the API (tests/api/test_writes_remaining.py): each operation is in the
# document with what it takes and what it answers, including its refusals.
NEW_OPERATIONS = [
    # (method, path, request media type or None, success code)
    ("post", "/api/programmes/{id}/periods/", "application/json", "201"),
    ("get", "/api/programmes/{id}/bulk-extension/", None, "200"),
    ("post", "/api/programmes/{id}/bulk-extension/", "application/json", "201"),
    ("get", "/api/funding-streams/{id}/contributions/", None, "200"),
    ("post", "/api/funding-streams/{id}/contributions/", "application/json", "200"),
    ("get", "/api/agreements/{id}/multi-year/", None, "200"),
    ("post", "/api/agreements/{id}/multi-year/", "application/json", "201"),
    ("get", "/api/agreements/{id}/documents/", None, "200"),
    ("post", "/api/agreements/{id}/documents/", "multipart/form-data", "201"),
    ("get", "/api/agreements/{id}/documents/{document_id}/", None, "200"),
    ("post", "/api/consultations/{id}/documents/", "multipart/form-data", "201"),
    ("get", "/api/consultations/{id}/documents/{document_id}/", None, "200"),
    ("get", "/api/consultations/{id}/responses/", None, "200"),
    ("post", "/api/consultations/{id}/responses/{response_id}/exclude/", "application/json", "200"),
    ("post", "/api/consultations/{id}/responses/{response_id}/include/", None, "200"),
]


@pytest.mark.parametrize(("method", "path", "media_type", "success"), NEW_OPERATIONS)
def test_each_new_write_is_documented_with_its_input_answer_and_refusals(world, api_as, method, path, media_type, success):
    document = json.loads(api_as(world.officer).get("/api/schema/", format="json").content)
    operation = document["paths"][path][method]
    assert operation["summary"]
    responses = operation["responses"]
    assert {success, "400", "401", "403", "404"} <= set(responses)
    if media_type is None:
        assert "requestBody" not in operation
    else:
        body = operation["requestBody"]["content"][media_type]["schema"]
        assert "$ref" in body
    content = responses[success]["content"]
    if path.endswith("{document_id}/"):
        assert content["*/*"]["schema"] == {"type": "string", "format": "binary"}  # the file itself
    else:
        assert "application/json" in content


def test_an_upload_takes_the_file_as_multipart_form_data_only(world, api_as):
    document = json.loads(api_as(world.officer).get("/api/schema/", format="json").content)
    for path in ("/api/agreements/{id}/documents/", "/api/consultations/{id}/documents/"):
        content = document["paths"][path]["post"]["requestBody"]["content"]
        assert list(content) == ["multipart/form-data"]
        assert "415" in document["paths"][path]["post"]["responses"]  # what a JSON body gets
    upload = document["components"]["schemas"]["DocumentUpload"]
    assert (upload["properties"]["file"]["type"], upload["properties"]["file"]["format"]) == ("string", "binary")
    assert upload["required"] == ["file"]
