"""Equity options written through the API: build a set over the districts, add and remove options, adopt one as the
year's allocations — through the same forms and services as the pages, so the same checks and the penny-exact result."""

from __future__ import annotations

from decimal import Decimal

import pytest

from vcsgrants.core.models import AuditEvent
from vcsgrants.equity.models import Option, OptionSet
from vcsgrants.funding.models import Allocation


@pytest.fixture
def districts(world):
    world.amber.imd_score, world.bolsover.imd_score = Decimal("14.5"), Decimal("27.2")
    world.amber.save()
    world.bolsover.save()
    return world


def build(client, world, **changes):
    body = {"programme": world.community.pk, "stream": world.core.pk, "financial_year": "2022-23", "name": "2022-23 options"}
    return client.post("/api/option-sets/", {**body, **changes})


def test_an_officer_builds_a_set_adds_an_option_and_adopts_it(districts, api):
    world = districts
    client = api(world.officer)
    built = build(client, world)
    assert built.status_code == 201, built.content
    body = built.json()
    assert body["budget"] == "100000.00" and body["area_count"] == 2  # the year's budget, nothing county-wide
    added = client.post(f"/api/option-sets/{body['id']}/options/", {"label": "Equal shares", "shares": {"equal": "100"}})
    assert added.status_code == 201, added.content
    option = added.json()
    assert {k: Decimal(v) for k, v in option["blend"].items()} == {"equal": Decimal(1)}
    comparison = client.get(f"/api/option-sets/{body['id']}/").json()
    assert [a["allocation"] for a in comparison["results"][0]["areas"]] == ["50000.00", "50000.00"]

    adopted = client.post(f"/api/option-sets/{body['id']}/options/{option['id']}/adopt/", {"decision": world.decision.pk})
    assert adopted.status_code == 200, adopted.content
    assert {(a["area"], a["amount"]) for a in adopted.json()} == {("E07000032", "50000.00"), ("E07000033", "50000.00")}
    amounts = Allocation.objects.filter(stream=world.core, financial_year=world.fy2022).values_list("amount", flat=True)
    assert sorted(amounts) == [Decimal("50000.00"), Decimal("50000.00")]
    assert Option.objects.get(pk=option["id"]).adopted_decision == world.decision
    assert AuditEvent.objects.filter(verb="equity.option_adopted", actor=world.officer).exists()
    # An adopted option stays as the record.
    kept = client.delete(f"/api/option-sets/{body['id']}/options/{option['id']}/")
    assert kept.status_code == 400 and Option.objects.filter(pk=option["id"]).exists()


def test_bad_options_are_refused_as_on_the_page(districts, api):
    world = districts
    client = api(world.officer)
    pk = build(client, world).json()["id"]
    url = f"/api/option-sets/{pk}/options/"
    short = client.post(url, {"label": "Short", "shares": {"equal": "60"}})
    assert short.status_code == 400
    assert short.json()["non_field_errors"] == ["The shares of the four methods add up to 60%; they must add up to 100%."]
    unknown = client.post(url, {"label": "Odd", "shares": {"lottery": "100"}})
    assert unknown.status_code == 400 and "shares" in unknown.json()
    weightless = client.post(url, {"label": "Needs", "shares": {"needs": "100"}, "weights": {"rurality": "100"}})
    assert weightless.status_code == 400 and "weights" in weightless.json()
    impossible = client.post(url, {"label": "Floors", "shares": {"equal": "100"}, "floor": "60000.00"})
    assert impossible.status_code == 400 and "cannot be met" in impossible.json()["non_field_errors"][0]
    assert not Option.objects.filter(option_set_id=pk).exists()
    assert build(client, world, stream=world.warm_core.pk).status_code == 400  # another programme's stream
    assert build(client, world, financial_year="2022-24").status_code == 400
    assert OptionSet.objects.count() == 1


def test_an_option_that_does_not_reconcile_is_not_adopted(districts, api):
    world = districts
    client = api(world.officer)
    pk = build(client, world, budget="90000.00").json()["id"]  # less than the stream's 100,000.00 budget
    option = client.post(f"/api/option-sets/{pk}/options/", {"label": "Equal", "shares": {"equal": "100"}}).json()
    refused = client.post(f"/api/option-sets/{pk}/options/{option['id']}/adopt/", {})
    assert refused.status_code == 400
    assert "must reconcile to the penny" in " ".join(refused.json()["non_field_errors"])
    assert sorted(Allocation.objects.filter(stream=world.core, financial_year=world.fy2022).values_list("amount", flat=True)) == [
        Decimal("40000.00"),
        Decimal("40000.00"),
    ]
    removed = client.delete(f"/api/option-sets/{pk}/options/{option['id']}/")
    assert removed.status_code == 204 and not Option.objects.filter(pk=option["id"]).exists()


@pytest.mark.parametrize("role", ["finance", "provider", "partner"])
def test_only_officers_write_options(districts, api, role):
    world = districts
    option_set = build(api(world.officer), world).json()
    client = api(getattr(world, role))
    assert build(client, world).status_code == 403
    added = client.post(f"/api/option-sets/{option_set['id']}/options/", {"label": "Equal", "shares": {"equal": "100"}})
    assert added.status_code == 403
    assert OptionSet.objects.count() == 1 and not Option.objects.exists()
