"""The equity options through the API: the same figures as the pages, for the same roles."""

from __future__ import annotations

from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from vcsgrants.core.models import User
from vcsgrants.equity.models import OptionSet

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(demo_module, db):
    return OptionSet.objects.get()


def api_as(username: str) -> APIClient:
    client = APIClient()
    client.force_authenticate(User.objects.get(username=username))
    return client


def test_an_officer_reads_every_option_with_allocations_summing_to_the_budget(demo):
    listing = api_as("officer").get("/api/option-sets/").json()["results"]
    assert [o["label"] for o in listing[0]["options"]] == [
        "Current levels",
        "Equal shares",
        "Per head",
        "Needs-weighted (IMD)",
        "Blend, damped",
    ]
    assert listing[0]["area_count"] == 8 and listing[0]["budget"] == "398680.00"
    detail = api_as("officer").get(f"/api/option-sets/{demo.pk}/").json()
    for result in detail["results"]:
        assert sum(Decimal(a["allocation"]) for a in result["areas"]) == Decimal("398680.00")
        assert set(result["measures"]) >= {"gini", "theil", "atkinson_0.5", "atkinson_1", "cv", "max_min_ratio"}
    blend = detail["results"][-1]
    assert len(blend["glide_path"]) == 3
    assert all(sum(Decimal(p) for p in year) == Decimal("398680.00") for year in blend["glide_path"])


@pytest.mark.parametrize("username", ["partner", "provider-kestrel-voluntary-action-demo"])
def test_partners_and_providers_cannot_read_options(demo, username):
    response = api_as(username).get("/api/option-sets/")
    assert response.status_code == 403
    assert "allocation options" in response.json()["detail"]
    assert api_as(username).get(f"/api/option-sets/{demo.pk}/").status_code == 403
