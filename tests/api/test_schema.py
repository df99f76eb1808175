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
