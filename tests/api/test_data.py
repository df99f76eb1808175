"""What the endpoints return: money as two-decimal strings, ISO dates, agreements' terms and
variations, and ?financial_year=2022-23 filtering (a malformed year is a 400 that says why)."""

from __future__ import annotations

import re

import pytest

MONEY = re.compile(r"^-?\d+\.\d{2}$")


def results(response) -> list[dict]:
    assert response.status_code == 200, response.content
    return response.json()["results"]


def test_an_agreement_shows_its_terms_variations_and_value_by_year(world, api_as):
    body = api_as(world.officer).get(f"/api/agreements/{world.sla_a.pk}/").json()
    assert body["reference"] == "SLA-A1"
    assert body["organisation"]["name"] == "Provider One"
    assert [a["gss_code"] for a in body["areas"]] == ["E07000032"]
    assert (body["start_date"], body["end_date"], body["current_end_date"]) == ("2022-04-01", "2023-03-31", "2024-03-31")
    assert body["value_by_year"] == [
        {"financial_year": "2022-23", "amount": "1734.50"},
        {"financial_year": "2023-24", "amount": "1000.00"},
    ]
    assert body["total_value"] == "2734.50"
    assert [(ln["stream"]["name"], ln["financial_year"], ln["amount"]) for ln in body["funding_lines"]] == [
        ("Core grant", "2022-23", "1234.50"),
        ("Public Health top-up", "2022-23", "500.00"),
    ]
    [variation] = body["variations"]
    assert variation["number"] == 1
    assert variation["kind"] == "extension"
    assert variation["reason"] == "Extended at current levels for a year."
    assert (variation["approved_by"], variation["approved_on"], variation["decision"]) == (
        "Cabinet",
        "2023-02-10",
        world.decision.pk,
    )
    assert variation["new_end_date"] == "2024-03-31"
    assert [(ln["financial_year"], ln["amount"]) for ln in variation["lines"]] == [("2023-24", "1000.00")]


def test_agreements_for_a_year_are_those_funded_in_it_with_its_value(world, api_as):
    api = api_as(world.officer)
    rows = results(api.get("/api/agreements/", financial_year="2023-24"))
    assert [(r["reference"], r["financial_year"], r["value_for_year"]) for r in rows] == [("SLA-A1", "2023-24", "1000.00")]
    rows = results(api.get("/api/agreements/", financial_year="2022-23"))
    assert [(r["reference"], r["value_for_year"]) for r in rows] == [("SLA-A1", "1734.50"), ("SLA-B1", "2300.00")]
    assert results(api.get("/api/agreements/", financial_year="2030-31")) == []
    unfiltered = results(api.get("/api/agreements/"))
    assert {r["value_for_year"] for r in unfiltered} == {None}


def test_stream_budgets_for_a_year(world, api_as):
    api = api_as(world.officer)
    rows = results(api.get("/api/funding-streams/", financial_year="2023-24"))
    # The one-off top-up ended in March 2023, so it is not listed for 2023-24.
    by_name = {r["name"]: r["budgets"] for r in rows}
    assert "Public Health top-up" not in by_name
    assert by_name["Core grant"] == [{"financial_year": "2023-24", "amount": "90000.00"}]
    detail = api.get(f"/api/funding-streams/{world.top_up.pk}/", financial_year="2022-23").json()
    assert detail["budgets"] == [{"financial_year": "2022-23", "amount": "20000.50"}]
    assert detail["end"] == "2023-03-31"


def test_allocations_for_a_year(world, api_as):
    rows = results(api_as(world.officer).get("/api/allocations/", financial_year="2023-24"))
    assert [(r["stream"]["name"], r["area"]["name"], r["financial_year"], r["amount"]) for r in rows] == [
        ("Core grant", "Amber Valley", "2023-24", "45000.00")
    ]


def test_payments_show_instalments_with_what_was_paid_against_each(world, api_as):
    rows = results(api_as(world.provider).get("/api/payments/", financial_year="2022-23"))
    assert [r["due_date"] for r in rows] == ["2022-04-01", "2022-07-01", "2022-10-01", "2023-01-01"]
    assert sum(float(r["amount"]) for r in rows) == pytest.approx(1734.50)
    first = rows[0]
    assert (first["paid"], first["outstanding"], first["status"]) == (first["amount"], "0.00", "Paid")
    assert [(p["paid_on"], p["amount"], p["reference"]) for p in first["payments"]] == [("2022-04-05", first["amount"], "PAY-1")]
    assert rows[1]["payments"] == [] and rows[1]["paid"] == "0.00" and rows[1]["status"] == "Overdue"
    later = results(api_as(world.provider).get("/api/payments/", financial_year="2023-24"))
    assert later and {r["financial_year"] for r in later} == {"2023-24"}


def _money_values(value, key=""):
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _money_values(v, k)
    elif isinstance(value, list):
        for v in value:
            yield from _money_values(v, key)
    elif key in {"amount", "paid", "outstanding", "total_value", "value_for_year"} and value is not None:
        yield key, value


@pytest.mark.parametrize("endpoint", ["funding-streams", "allocations", "agreements", "payments"])
def test_every_money_field_is_a_string_with_two_decimals(world, api_as, endpoint):
    body = api_as(world.officer).get(f"/api/{endpoint}/", financial_year="2022-23").json()
    found = list(_money_values(body["results"]))
    assert found, "expected some money in the response"
    for key, value in found:
        assert isinstance(value, str) and MONEY.match(value), (key, value)


@pytest.mark.parametrize("endpoint", ["funding-streams", "allocations", "agreements", "payments"])
@pytest.mark.parametrize("label", ["2022", "2022-24", "22-23", "next year"])
def test_a_malformed_financial_year_is_a_400_that_says_how_to_write_it(world, api_as, endpoint, label):
    response = api_as(world.officer).get(f"/api/{endpoint}/", financial_year=label)
    assert response.status_code == 400
    [message] = response.json()["financial_year"]
    assert label in message and "2022-23" in message


def test_a_malformed_agreement_id_filter_is_a_400(world, api_as):
    response = api_as(world.officer).get("/api/payments/", agreement="SLA-A1")
    assert response.status_code == 400
    assert "agreement" in response.json()


def test_payments_can_be_filtered_to_one_agreement(world, api_as):
    rows = results(api_as(world.officer).get("/api/payments/", agreement=world.sla_b.pk))
    assert rows and {r["agreement"]["reference"] for r in rows} == {"SLA-B1"}
