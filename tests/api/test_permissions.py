"""Each role sees through the API exactly what it sees on the pages; anything else is 404."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.api.conftest import LIST_ENDPOINTS
from tests.api.roles import ROLES, everyone_fixture  # noqa: F401 — the fixture everyone[role]
from vcsgrants.funding.services import agreements as services


def results(response) -> list[dict]:
    assert response.status_code == 200, response.content
    return response.json()["results"]


def references(response) -> set[str]:
    return {row["reference"] for row in results(response)}


@pytest.mark.parametrize("role", ["officer", "finance"])
def test_council_staff_see_everything(world, api_as, role):
    api = api_as(getattr(world, role))
    assert references(api.get("/api/agreements/")) == {"SLA-A1", "SLA-B1"}
    assert {p["slug"] for p in results(api.get("/api/programmes/"))} == {"community-support", "warm-spaces"}
    assert len(results(api.get("/api/organisations/"))) == 5
    payments = results(api.get("/api/payments/"))
    assert {p["agreement"]["reference"] for p in payments} == {"SLA-A1", "SLA-B1"}


def test_a_provider_sees_only_its_own_agreements(world, api_as):
    api = api_as(world.provider)
    assert references(api.get("/api/agreements/")) == {"SLA-A1"}
    assert api.get(f"/api/agreements/{world.sla_a.pk}/").status_code == 200
    assert api.get(f"/api/agreements/{world.sla_b.pk}/").status_code == 404


def test_a_provider_sees_only_its_own_payments(world, api_as):
    api = api_as(world.provider)
    rows = results(api.get("/api/payments/"))
    assert rows and {row["agreement"]["reference"] for row in rows} == {"SLA-A1"}
    assert api.get(f"/api/payments/{world.sla_a.instalments.first().pk}/").status_code == 200
    assert api.get(f"/api/payments/{world.sla_b.instalments.first().pk}/").status_code == 404
    # Asking for another provider's agreement by id finds nothing, rather than revealing it.
    assert results(api.get("/api/payments/", agreement=world.sla_b.pk)) == []


def test_a_provider_sees_only_its_own_organisation(world, api_as):
    api = api_as(world.provider)
    assert [o["name"] for o in results(api.get("/api/organisations/"))] == ["Provider One"]
    assert api.get(f"/api/organisations/{world.provider_one.pk}/").status_code == 200
    assert api.get(f"/api/organisations/{world.provider_two.pk}/").status_code == 404
    assert api.get(f"/api/organisations/{world.council.pk}/").status_code == 404


@pytest.mark.parametrize("endpoint", ["programmes", "funding-streams", "allocations"])
def test_a_provider_cannot_see_programme_finances(world, api_as, endpoint):
    # As on the pages: programmes, budgets and allocations are for the council and its partners.
    response = api_as(world.provider).get(f"/api/{endpoint}/")
    assert response.status_code == 403
    assert "Provider user" in response.json()["detail"]


def test_a_partner_sees_only_the_programmes_it_co_funds(world, api_as):
    api = api_as(world.partner)
    assert [p["slug"] for p in results(api.get("/api/programmes/"))] == ["community-support"]
    assert api.get(f"/api/programmes/{world.community.pk}/").status_code == 200
    assert api.get(f"/api/programmes/{world.warm.pk}/").status_code == 404
    # Every stream and allocation of that programme (not just its own), and nothing of the other.
    assert {s["name"] for s in results(api.get("/api/funding-streams/"))} == {"Core grant", "Public Health top-up"}
    assert api.get(f"/api/funding-streams/{world.warm_core.pk}/").status_code == 404
    allocations = results(api.get("/api/allocations/"))
    assert allocations and {a["programme"]["slug"] for a in allocations} == {"community-support"}
    assert api.get(f"/api/allocations/{world.rural.allocations.first().pk}/").status_code == 404


def test_a_partner_sees_the_agreements_it_co_funds_but_no_payments(world, api_as):
    api = api_as(world.partner)
    assert references(api.get("/api/agreements/")) == {"SLA-A1"}
    assert api.get(f"/api/agreements/{world.sla_b.pk}/").status_code == 404
    refused = api.get("/api/payments/")
    assert refused.status_code == 403
    assert "Partner user" in refused.json()["detail"]
    assert api.get(f"/api/payments/{world.sla_a.instalments.first().pk}/").status_code == 403


def test_the_other_partner_sees_the_other_programme(world, api_as):
    api = api_as(world.partner_two)
    assert [p["slug"] for p in results(api.get("/api/programmes/"))] == ["warm-spaces"]
    assert references(api.get("/api/agreements/")) == {"SLA-B1"}
    assert [o["name"] for o in results(api.get("/api/organisations/"))] == ["Rural Trust"]


def test_a_user_with_no_role_sees_nothing(world, api_as):
    api = api_as(world.nobody)
    for endpoint in LIST_ENDPOINTS:
        response = api.get(f"/api/{endpoint}/")
        if endpoint == "organisations":
            assert results(response) == []
        else:
            assert response.status_code == 403, endpoint


def test_a_missing_or_malformed_id_is_404(world, api_as):
    api = api_as(world.officer)
    assert api.get("/api/agreements/999999/").status_code == 404
    assert api.get("/api/agreements/SLA-A1/").status_code == 404


# --- The reads that came with the last of the pages' writes (tests/api/test_writes_remaining.py) ---------------

# Each read, and the roles that get 200; every other role gets the code given (else 403). A partner sees the
# programme and agreement it co-funds but not their documents or contributions (403); the other partner and the
# other provider see neither (404). Providers see no programmes or streams at all (403, as on the pages).
NEW_READS = {
    "agreement documents": ({"admin", "officer", "finance", "cabinet", "provider"}, {"partner_two": 404, "provider_other": 404}),
    "a document": ({"admin", "officer", "finance", "cabinet", "provider"}, {"partner_two": 404, "provider_other": 404}),
    "contributions": ({"admin", "officer", "finance"}, {"partner_two": 404}),
    "bulk extension preview": ({"admin", "officer"}, {"partner_two": 404}),
    "multi-year preview": ({"admin", "officer"}, {"partner_two": 404, "provider_other": 404}),
}


def new_read_path(world, read: str) -> str:
    if read in ("agreement documents", "a document"):
        document = services.document_upload(
            agreement=world.sla_a, title="SLA", upload=SimpleUploadedFile("sla.txt", b"Signed."), actor=world.officer
        )
        return f"/api/agreements/{world.sla_a.pk}/documents/" + (f"{document.pk}/" if read == "a document" else "")
    return {
        "contributions": f"/api/funding-streams/{world.core.pk}/contributions/",
        "bulk extension preview": f"/api/programmes/{world.community.pk}/bulk-extension/?financial_year=2024-25",
        "multi-year preview": f"/api/agreements/{world.sla_a.pk}/multi-year/?last_year=2025-26",
    }[read]


@pytest.mark.parametrize("read", list(NEW_READS))
def test_each_role_reads_the_new_endpoints_as_it_may_on_the_pages(world, everyone, api_as, settings, tmp_path, read):
    settings.MEDIA_ROOT = tmp_path
    allowed, hidden = NEW_READS[read]
    path = new_read_path(world, read)
    for role in ROLES:
        response = api_as(everyone[role]).get(path)
        expected = 200 if role in allowed else hidden.get(role, 403)
        assert response.status_code == expected, (read, role, response.status_code)
