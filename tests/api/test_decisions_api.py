"""Decisions through the API: council staff read them; officers and cabinet members record them, with the page's checks."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.api.conftest import make_user
from vcsgrants.core.models import AuditEvent, Role
from vcsgrants.funding.models import Decision

NEW = {
    "title": "Continue VCS infrastructure grants at current levels",
    "decision_date": "2022-02-10",
    "meeting": "Cabinet, 10 February 2022",
    "minute_reference": "27/22",
    "resolution": "Approves funding totalling £452,228 from 1 April 2022 to 31 March 2023.",
    "amount_approved": "452228.00",
    "period_start": "2022-04-01",
    "period_end": "2023-03-31",
}


@pytest.mark.parametrize("role", [Role.OFFICER, Role.CABINET])
def test_an_officer_or_cabinet_member_records_a_decision(world, api, role):
    user = world.officer if role == Role.OFFICER else make_user("cabinet", Role.CABINET, world.council)
    response = api(user).post("/api/decisions/", NEW)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["amount_approved"] == "452228.00" and body["recorded_by"] == user.username
    decision = Decision.objects.get(pk=body["id"])
    assert decision.amount_approved == Decimal("452228.00") and decision.minute_reference == "27/22"
    assert AuditEvent.objects.filter(verb="decision.recorded", actor=user).exists()
    listed = api(world.finance).get("/api/decisions/", financial_year="2021-22").json()["results"]
    assert body["id"] in [d["id"] for d in listed]
    other_year = api(world.finance).get("/api/decisions/", financial_year="2022-23").json()["results"]
    assert [d["id"] for d in other_year] == [world.decision.pk]  # taken on 10 February 2023


@pytest.mark.parametrize("role", ["finance", "provider", "partner"])
def test_other_roles_cannot_record_a_decision(world, api, role):
    before = Decision.objects.count()
    response = api(getattr(world, role)).post("/api/decisions/", NEW)
    assert response.status_code == 403
    assert Decision.objects.count() == before


@pytest.mark.parametrize("role", ["provider", "partner"])
def test_providers_and_partners_cannot_read_decisions(world, api, role):
    assert api(getattr(world, role)).get("/api/decisions/").status_code == 403
    assert api(getattr(world, role)).get(f"/api/decisions/{world.decision.pk}/").status_code == 403


def test_the_pages_checks_refuse_bad_input_by_field(world, api):
    client = api(world.officer)
    before = Decision.objects.count()
    backwards = client.post("/api/decisions/", {**NEW, "period_end": "2022-03-31"})
    assert backwards.status_code == 400
    assert backwards.json()["period_end"] == ["The end of the approved period must be after its start."]
    missing = client.post("/api/decisions/", {k: v for k, v in NEW.items() if k != "title"})
    assert missing.status_code == 400 and "title" in missing.json()
    negative = client.post("/api/decisions/", {**NEW, "amount_approved": "-1.00"})
    assert negative.status_code == 400 and "amount_approved" in negative.json()
    assert Decision.objects.count() == before
