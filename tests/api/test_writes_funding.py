"""Writes to funding records through the API: the pages' permissions, their services (so their rules and audit
events), a 400 naming the field for bad input, and a provider never reaching another organisation's records."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from tests.api.writing import WriteClient
from vcsgrants.core.models import AuditEvent, Organisation
from vcsgrants.funding.models import Agreement, Allocation, FundingLine, FundingStream, Payment, StreamBudget, Variation

D = Decimal
ROLES = ["officer", "finance", "partner", "provider", "provider_other", "nobody"]


def events(verb: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(verb=verb).order_by("id"))


def ok(response, code: int = 200) -> dict:
    assert response.status_code == code, response.content
    return response.json()


def refused(response, field: str, code: int = 400) -> str:
    """The response is a 400 naming the field; returns its messages as one string."""
    assert response.status_code == code, response.content
    body = response.json()
    assert field in body, body
    return str(body[field])


def draft(world, **changes) -> dict:
    return {
        "programme": world.community.pk,
        "organisation": world.provider_one.pk,
        "title": "Volunteering in Bolsover",
        "areas": ["E07000033"],
        "start_date": "2022-04-01",
        "end_date": "2023-03-31",
        **changes,
    }


# --- Who may write what ------------------------------------------------------------------------------------


def writes(world) -> dict[str, tuple[str, str, dict, set[str]]]:
    """Each write: method, path, a valid body, and the roles allowed (every other role is refused)."""
    instalment = world.sla_a.instalments.filter(payments__isnull=True).order_by("due_date").first()
    return {
        "stream create": (
            "post",
            "/api/funding-streams/",
            {"programme": world.community.pk, "name": "Rural top-up", "funder": world.council.pk,
             "recurrence": "recurrent", "start": "2022-04-01"},
            {"officer"},
        ),
        "stream edit": ("patch", f"/api/funding-streams/{world.core.pk}/", {"description": "The core grant."}, {"officer"}),
        "budget": (
            "post", f"/api/funding-streams/{world.core.pk}/budget/", {"financial_year": "2022-23", "amount": "100500"},
            {"officer", "finance"},
        ),
        "allocations": (
            "post", "/api/allocations/set/",
            {"stream": world.core.pk, "financial_year": "2022-23", "amounts": {"E07000033": "41000"}}, {"officer"},
        ),
        "organisation create": ("post", "/api/organisations/", {"name": "Dales Volunteers", "kind": "provider"}, {"officer"}),
        "organisation edit": (
            "patch", f"/api/organisations/{world.provider_one.pk}/", {"charity_number": "1100001"}, {"officer"},
        ),
        "agreement create": ("post", "/api/agreements/", draft(world), {"officer"}),
        "agreement status": ("post", f"/api/agreements/{world.sla_a.pk}/status/", {"status": "ended"}, {"officer"}),
        "variation": (
            "post", "/api/variations/",
            {"agreement": world.sla_a.pk, "kind": "value_change", "reason": "More groups", "approved_by": "Head of service",
             "approved_on": "2023-05-02",
             "lines": [{"stream": world.core.pk, "financial_year": "2023-24", "area": "E07000032", "amount": "250.00"}]},
            {"officer"},
        ),
        "schedule": (
            "post", f"/api/agreements/{world.sla_a.pk}/schedule/",
            {"financial_year": "2023-24", "instalments": [{"due_date": "2023-04-01", "amount": "1000.00"}]},
            {"officer", "finance"},
        ),
        "payment": (
            "post", f"/api/payments/{instalment.pk}/pay/", {"paid_on": "2022-07-01", "amount": str(instalment.amount)},
            {"finance"},
        ),
    }  # fmt: skip


HIDDEN = {
    "organisation edit": {"partner", "provider_other", "nobody"},
    "agreement status": {"provider_other"},
    "variation": {"provider_other"},  # the agreement named in the body is another provider's: not found, as in a path
    "schedule": {"provider_other"},
    "payment": {"provider_other"},
}


def send(client: WriteClient, method: str, path: str, body: dict):
    return getattr(client, method)(path, body)


@pytest.mark.parametrize(
    "write",
    ["stream create", "stream edit", "budget", "allocations", "organisation create", "organisation edit",
     "agreement create", "agreement status", "variation", "schedule", "payment"],
)  # fmt: skip
def test_each_write_is_made_by_the_roles_the_pages_allow_and_refused_to_every_other(world, api, write):
    method, path, body, allowed = writes(world)[write]
    for role in ROLES:
        if role in allowed:
            continue
        before = AuditEvent.objects.count()
        response = send(api(getattr(world, role)), method, path, body)
        # A record the role may see is refused (403, with the reason); one it may not see is not even found (404):
        # Provider One's agreement to Provider Two's user, Provider One itself to anyone but staff and its own users.
        expected = 404 if role in HIDDEN.get(write, set()) else 403
        assert response.status_code == expected, (role, response.status_code, response.content)
        if response.status_code == 403:
            assert "does not allow you" in response.json()["detail"]
        assert AuditEvent.objects.count() == before, f"{role} changed something with {write}"
    for role in allowed:
        response = send(api(getattr(world, role)), method, path, body)
        assert response.status_code in (200, 201), (role, response.content)


# --- Funding streams and budgets ---------------------------------------------------------------------------


def test_an_officer_adds_and_changes_a_stream_as_the_page_does(world, api):
    officer = api(world.officer)
    created = ok(
        officer.post(
            "/api/funding-streams/",
            {"programme": world.community.pk, "name": "Winter top-up", "funder": world.public_health.pk,
             "recurrence": "one_off", "start": "2022-10-01", "end": "2023-03-31"},
        ),
        201,
    )  # fmt: skip
    stream = FundingStream.objects.get(pk=created["id"])
    assert (stream.programme, stream.funder, stream.is_one_off) == (world.community, world.public_health, True)
    assert created["funder"]["name"] == "Public Health" and created["budgets"] == []
    assert events("stream.created")[-1].actor == world.officer

    changed = ok(officer.patch(f"/api/funding-streams/{stream.pk}/", {"name": "Winter warmth top-up"}))
    assert changed["name"] == "Winter warmth top-up" and changed["end"] == "2023-03-31"
    assert "Edited funding stream Winter warmth top-up" in events("stream.updated")[-1].summary


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"end": "2022-03-01"}, "end", "after the start"),
        ({"name": "Core grant"}, "name", "already has a funding stream"),
        ({"funder": "provider"}, "funder", "Invalid pk"),
        ({"programme": 10**20}, "programme", "Invalid pk"),
        ({"recurrence": "sometimes"}, "recurrence", "not a valid choice"),
        ({"start": "1 April"}, "start", "Date has wrong format"),
    ],
)
def test_a_bad_stream_is_refused_on_its_field(world, api, body, field, message):
    if body.get("funder") == "provider":
        body = {"funder": world.provider_one.pk}
    valid = {"programme": world.community.pk, "name": "New", "funder": world.council.pk, "recurrence": "recurrent",
             "start": "2022-04-01"}  # fmt: skip
    assert message in refused(api(world.officer).post("/api/funding-streams/", {**valid, **body}), field)
    assert not FundingStream.objects.filter(name="New").exists()


def test_finance_sets_a_budget_and_the_services_rules_hold(world, api):
    finance = api(world.finance)
    stream = ok(finance.post(f"/api/funding-streams/{world.core.pk}/budget/", {"financial_year": "2024-25", "amount": "95000"}))
    assert {"financial_year": "2024-25", "amount": "95000.00"} in stream["budgets"]
    assert StreamBudget.objects.get(stream=world.core, financial_year__start_year=2024).amount == D("95000.00")
    assert events("budget.set")[-1].actor == world.finance

    below = finance.post(f"/api/funding-streams/{world.core.pk}/budget/", {"financial_year": "2022-23", "amount": "79999.99"})
    assert "already allocated" in refused(below, "amount")
    not_running = finance.post(f"/api/funding-streams/{world.top_up.pk}/budget/", {"financial_year": "2023-24", "amount": "1"})
    assert "does not run in 2023-24" in refused(not_running, "financial_year")
    slash = finance.post(f"/api/funding-streams/{world.core.pk}/budget/", {"financial_year": "2022/23", "amount": "1"})
    assert "2022-23" in refused(slash, "financial_year")
    negative = finance.post(f"/api/funding-streams/{world.core.pk}/budget/", {"financial_year": "2022-23", "amount": "-1"})
    refused(negative, "amount")
    assert StreamBudget.objects.get(stream=world.core, financial_year=world.fy2022).amount == D("100000.00")


# --- Allocations -------------------------------------------------------------------------------------------


def test_an_officer_sets_allocations_and_they_reconcile_with_the_budget(world, api):
    officer = api(world.officer)
    rows = ok(
        officer.post(
            "/api/allocations/set/",
            {"stream": world.core.pk, "financial_year": "2022-23", "amounts": {"E07000033": "45000.00", "E10000007": "15000"}},
        )
    )
    assert {(r["area"]["gss_code"], r["amount"]) for r in rows} == {
        ("E07000032", "40000.00"),  # not named: kept
        ("E07000033", "45000.00"),
        ("E10000007", "15000.00"),
    }
    assert sum(a.amount for a in Allocation.objects.filter(stream=world.core, financial_year=world.fy2022)) == D("100000.00")
    assert "total now £100,000.00" in events("allocations.set")[-1].summary

    over = officer.post("/api/allocations/set/", {"stream": world.core.pk, "financial_year": "2022-23",
                                                  "amounts": {"E10000007": "15000.01"}})  # fmt: skip
    assert "£0.01 more than the 2022-23 budget" in refused(over, "non_field_errors")
    below = officer.post("/api/allocations/set/", {"stream": world.core.pk, "financial_year": "2022-23",
                                                   "amounts": {"E07000032": "1000"}})  # fmt: skip
    assert "already commit £1,234.50" in str(refused(below, "amounts"))
    assert "E07000032" in below.json()["amounts"]
    unknown = officer.post("/api/allocations/set/", {"stream": world.core.pk, "financial_year": "2022-23",
                                                     "amounts": {"E07999999": "1"}})  # fmt: skip
    assert "E07999999" in refused(unknown, "amounts")
    no_budget = officer.post("/api/allocations/set/", {"stream": world.rural.pk, "financial_year": "2023-24",
                                                       "amounts": {"E07000033": "1"}})  # fmt: skip
    assert "set the budget first" in refused(no_budget, "non_field_errors")
    assert Allocation.objects.get(stream=world.core, financial_year=world.fy2022, area=world.amber).amount == D("40000.00")


# --- Organisations -----------------------------------------------------------------------------------------


def test_an_officer_adds_and_edits_an_organisation(world, api):
    officer = api(world.officer)
    created = ok(
        officer.post("/api/organisations/", {"name": "Dales Volunteers", "kind": "provider", "org_id": "GB-CHC-1234567"}), 201
    )
    organisation = Organisation.objects.get(pk=created["id"])
    assert (organisation.slug, organisation.org_id) == ("dales-volunteers", "GB-CHC-1234567")
    assert events("organisation.saved")[-1].summary == "Added organisation Dales Volunteers"

    edited = ok(officer.patch(f"/api/organisations/{organisation.pk}/", {"company_number": "01234567", "org_id": ""}))
    assert (edited["company_number"], edited["org_id"], edited["name"]) == ("01234567", None, "Dales Volunteers")
    assert events("organisation.saved")[-1].summary == "Edited organisation Dales Volunteers"


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"org_id": "1234567"}, "org_id", "Org-ID such as GB-CHC-1234567"),
        ({"name": "Provider Two"}, "name", "already exists"),
        ({"successor": "two"}, "succeeded_on", "Give both the successor and the date"),
        ({"kind": "charity"}, "kind", "not a valid choice"),
    ],
)
def test_a_bad_organisation_is_refused_on_its_field(world, api, body, field, message):
    if body.get("successor") == "two":
        body = {"successor": world.provider_two.pk}
    response = api(world.officer).patch(f"/api/organisations/{world.provider_one.pk}/", body)
    assert message in refused(response, field)
    world.provider_one.refresh_from_db()
    assert (world.provider_one.name, world.provider_one.successor) == ("Provider One", None)


def test_a_provider_cannot_reach_another_organisation(world, api):
    provider = api(world.provider)
    assert provider.get(f"/api/organisations/{world.provider_two.pk}/").status_code == 404
    assert provider.patch(f"/api/organisations/{world.provider_two.pk}/", {"name": "Mine"}).status_code == 404
    assert provider.patch(f"/api/organisations/{world.provider_one.pk}/", {"name": "Mine"}).status_code == 403


# --- Agreements --------------------------------------------------------------------------------------------


def test_an_officer_creates_a_draft_with_funding_edits_it_and_makes_it_active(world, api):
    officer = api(world.officer)
    line = {"stream": world.core.pk, "financial_year": "2022-23", "area": "E07000033", "amount": "3000.00"}
    body = ok(officer.post("/api/agreements/", draft(world, lines=[line])), 201)
    agreement = Agreement.objects.get(pk=body["id"])
    assert (body["status"], body["total_value"], body["reference"]) == ("draft", "3000.00", agreement.reference)
    assert sum(i.amount for i in agreement.instalments.all()) == D("3000.00")  # the schedule is built, as on the page
    assert events("agreement.created")[-1].actor == world.officer

    edited = ok(officer.patch(f"/api/agreements/{agreement.pk}/", {"title": "Volunteer centre, Bolsover"}))
    assert (edited["title"], [a["gss_code"] for a in edited["areas"]]) == ("Volunteer centre, Bolsover", ["E07000033"])
    assert events("agreement.updated")

    more = {"stream": world.top_up.pk, "financial_year": "2022-23", "area": "E07000033", "amount": "0.50"}
    assert "is not one of" not in str(officer.post(f"/api/agreements/{agreement.pk}/funding-lines/", {"lines": [more]}).json())
    assert FundingLine.objects.filter(agreement=agreement).count() == 1  # no top-up allocation in Bolsover: refused

    added = ok(officer.post(f"/api/agreements/{agreement.pk}/funding-lines/", {"lines": [{**line, "amount": "500"}]}))
    assert added["total_value"] == "3500.00" and events("agreement.lines_added")

    active = ok(officer.post(f"/api/agreements/{agreement.pk}/status/", {"status": "active"}))
    assert active["status"] == "active" and "Draft → Active" in events("agreement.status")[-1].summary
    assert "make a variation" in refused(officer.patch(f"/api/agreements/{agreement.pk}/", {"title": "x"}), "non_field_errors")
    assert "cannot go from active to draft" in refused(
        officer.post(f"/api/agreements/{agreement.pk}/status/", {"status": "draft"}), "status"
    )


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"end_date": "2022-03-01"}, "end_date", "after the start date"),
        ({"areas": ["E07999999"]}, "areas", "does not exist"),
        ({"areas": []}, "areas", "at least one district"),
        ({"organisation": "council"}, "organisation", "Invalid pk"),
        ({"start_date": "2022-05-01", "programme": "community", "areas": ["E07000032"]}, "start_date", "cannot overlap"),
        ({"lines": [{"amount": "39000"}]}, "lines", "would exceed it by £234.50"),
        ({"lines": [{"amount": "0"}]}, "lines", "greater than or equal to 0.01"),
        ({"lines": [{"financial_year": "2024-25"}]}, "lines", "outside the agreement's period"),
        ({"title": "x" * 201}, "title", "no more than 200 characters"),
    ],
)
def test_a_bad_agreement_is_refused_on_its_field_and_nothing_is_created(world, api, changes, field, message):
    if changes.get("organisation") == "council":
        changes["organisation"] = world.council.pk
    changes.pop("programme", None)
    if "lines" in changes:
        base = {"stream": world.core.pk, "financial_year": "2022-23", "area": "E07000032", "amount": "1.00"}
        changes = {"areas": ["E07000032"], "organisation": world.provider_two.pk,
                   "lines": [{**base, **changes["lines"][0]}]}  # fmt: skip
    before = Agreement.objects.count()
    assert message in refused(api(world.officer).post("/api/agreements/", draft(world, **changes)), field)
    assert Agreement.objects.count() == before


def test_the_agreement_list_filters_by_programme_organisation_and_status(world, api):
    officer = api(world.officer)

    def refs(**params) -> list[str]:
        return [row["reference"] for row in ok(officer.get("/api/agreements/", **params))["results"]]

    assert refs(programme=world.warm.pk) == ["SLA-B1"]
    assert refs(organisation=world.provider_one.pk) == ["SLA-A1"]
    assert refs(status="draft") == []
    assert "not an id" in refused(officer.get("/api/agreements/", programme="warm"), "programme")
    assert "not an id" in refused(officer.get("/api/agreements/", programme=10**20), "programme")
    assert "not an id" in refused(officer.get("/api/agreements/", organisation="²"), "organisation")


# --- Variations --------------------------------------------------------------------------------------------


def test_an_officer_records_a_variation_and_the_provider_reads_it(world, api):
    less = {"stream": world.core.pk, "financial_year": "2023-24", "area": "E07000032", "amount": "-100.00"}
    body = {"agreement": world.sla_a.pk, "kind": "extension", "new_end_date": "2025-03-31", "reason": "Another year",
            "approved_by": "Cabinet", "approved_on": "2024-02-08", "decision": world.decision.pk, "lines": [less]}  # fmt: skip
    created = ok(api(world.officer).post("/api/variations/", body), 201)
    assert (created["number"], created["kind"], created["new_end_date"], created["created_by"]) == (
        2, "extension", "2025-03-31", "officer"
    )  # fmt: skip
    assert created["lines"][0]["amount"] == "-100.00"
    assert "variation 2 (extension)" in events("variation.created")[-1].summary
    world.sla_a.refresh_from_db()
    assert world.sla_a.current_end_date == dt.date(2025, 3, 31)

    provider = api(world.provider)
    assert [v["number"] for v in ok(provider.get("/api/variations/"))["results"]] == [1, 2]
    assert ok(provider.get(f"/api/variations/{created['id']}/"))["reason"] == "Another year"
    other = api(world.provider_other)
    assert ok(other.get("/api/variations/"))["results"] == []
    assert other.get(f"/api/variations/{created['id']}/").status_code == 404
    assert [v["number"] for v in ok(api(world.officer).get("/api/variations/", agreement=world.sla_b.pk))["results"]] == []


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"new_end_date": None}, "new_end_date", "must end after the current end date, 31 March 2024"),
        ({"kind": "multi_year"}, "kind", "not a valid choice"),
        ({"reason": ""}, "reason", "may not be blank"),
        ({"approved_on": "yesterday"}, "approved_on", "wrong format"),
        ({"decision": 10**9}, "decision", "Invalid pk"),
        ({"lines": [{"stream": 0, "financial_year": "2023-24", "area": "E07000032", "amount": "1"}]}, "lines", "Invalid pk"),
    ],
)
def test_a_bad_variation_is_refused_on_its_field(world, api, changes, field, message):
    body = {"agreement": world.sla_a.pk, "kind": "extension", "new_end_date": "2025-03-31", "reason": "Another year",
            "approved_by": "Cabinet", "approved_on": "2024-02-08", **changes}  # fmt: skip
    assert message in refused(api(world.officer).post("/api/variations/", body), field)
    assert Variation.objects.filter(agreement=world.sla_a).count() == 1


def test_another_providers_agreement_is_not_found_before_any_refusal_by_role(world, api):
    body = {"agreement": world.sla_a.pk, "kind": "extension", "new_end_date": "2025-03-31", "reason": "x",
            "approved_by": "x", "approved_on": "2024-02-08"}  # fmt: skip
    hidden = api(world.provider_other).post("/api/variations/", body)
    assert hidden.status_code == 404 and "No agreement" in hidden.json()["detail"]  # as GET /api/agreements/<id>/ says
    own = api(world.provider).post("/api/variations/", body)
    assert own.status_code == 403 and "does not allow you to create or vary agreements" in own.json()["detail"]
    assert Variation.objects.filter(agreement=world.sla_a).count() == 1


def test_a_variation_of_an_agreement_nobody_can_see_is_not_found(world, api):
    body = {"agreement": 10**20, "kind": "extension", "new_end_date": "2025-03-31", "reason": "x", "approved_by": "x",
            "approved_on": "2024-02-08"}  # fmt: skip
    assert api(world.officer).post("/api/variations/", body).status_code == 404


# --- Payment schedules and payments ---------------------------------------------------------------------------


def test_finance_records_a_payment_against_an_instalment(world, api):
    instalment = world.sla_a.instalments.filter(payments__isnull=True).order_by("due_date").first()
    finance = api(world.finance)
    paid = ok(finance.post(f"/api/payments/{instalment.pk}/pay/", {"paid_on": "2022-07-04", "amount": "100.00",
                                                                   "reference": "PAY-2"}), 201)  # fmt: skip
    assert (paid["paid"], paid["outstanding"]) == ("100.00", str(instalment.amount - D("100.00")))
    assert Payment.objects.get(instalment=instalment).reference == "PAY-2"
    assert "paid £100.00 on 04 Jul 2022" in events("payment.recorded")[-1].summary

    too_much = finance.post(f"/api/payments/{instalment.pk}/pay/", {"paid_on": "2022-07-04", "amount": str(instalment.amount)})
    assert "is outstanding on this instalment" in refused(too_much, "amount")
    future = (dt.date.today() + dt.timedelta(days=2)).isoformat()
    assert "future date" in refused(finance.post(f"/api/payments/{instalment.pk}/pay/", {"paid_on": future, "amount": "1"}),
                                    "paid_on")  # fmt: skip
    assert api(world.provider_other).post(f"/api/payments/{instalment.pk}/pay/", {}).status_code == 404
    assert Payment.objects.filter(instalment=instalment).count() == 1


@pytest.mark.parametrize("typed", ["1e3", "1E-2", "Infinity", "NaN"])
def test_an_amount_in_exponent_form_is_refused_on_its_field(world, api, typed):
    instalment = world.sla_a.instalments.filter(payments__isnull=True).order_by("due_date").first()
    answer = api(world.finance).post(f"/api/payments/{instalment.pk}/pay/", {"paid_on": "2022-07-04", "amount": typed})
    assert "in pounds and pence, such as 1000.00" in refused(answer, "amount")
    assert not Payment.objects.filter(instalment=instalment).exists()


@pytest.mark.parametrize(
    ("paid_on", "message"),
    [
        ("1900-01-01", "on or after 1 January 2000"),
        ((dt.date.today() + dt.timedelta(days=366 * 11)).isoformat(), "no later than"),
    ],
)
def test_a_payment_date_outside_the_window_is_refused_on_its_field(world, api, paid_on, message):
    instalment = world.sla_a.instalments.filter(payments__isnull=True).order_by("due_date").first()
    answer = api(world.finance).post(f"/api/payments/{instalment.pk}/pay/", {"paid_on": paid_on, "amount": "10.00"})
    assert message in refused(answer, "paid_on")
    assert not Payment.objects.filter(instalment=instalment).exists()


def test_a_duplicate_payment_reference_is_refused_until_confirmed(world, api):
    first, second = world.sla_a.instalments.filter(payments__isnull=True).order_by("due_date")[:2]
    finance = api(world.finance)
    body = {"paid_on": "2022-07-04", "amount": "100.00", "reference": "BACS-12345"}
    ok(finance.post(f"/api/payments/{first.pk}/pay/", body), 201)
    again = finance.post(f"/api/payments/{second.pk}/pay/", body)
    assert "Payment reference BACS-12345 is already on the payment of £100.00 made on 4 July 2022" in refused(again, "reference")
    assert not Payment.objects.filter(instalment=second).exists()
    ok(finance.post(f"/api/payments/{second.pk}/pay/", {**body, "confirm_duplicate_reference": True}), 201)
    assert Payment.objects.filter(instalment=second, reference="BACS-12345").count() == 1


def test_finance_replaces_a_years_schedule_which_must_add_up(world, api):
    finance = api(world.finance)
    path = f"/api/agreements/{world.sla_b.pk}/schedule/"
    rows = ok(finance.post(path, {"financial_year": "2022-23", "instalments": [
        {"due_date": "2022-04-01", "amount": "1150.00"}, {"due_date": "2022-10-01", "amount": "1150.00"}]}))  # fmt: skip
    assert [(r["due_date"], r["amount"], r["status"]) for r in rows][1][:2] == ("2022-10-01", "1150.00")
    assert world.sla_b.instalments.count() == 2 and events("schedule.replaced")

    short = finance.post(path, {"financial_year": "2022-23", "instalments": [{"due_date": "2022-04-01", "amount": "2299.99"}]})
    assert "add up to £2,299.99, but the agreement's value for 2022-23 is £2,300.00" in refused(short, "non_field_errors")
    outside = finance.post(path, {"financial_year": "2022-23", "instalments": [{"due_date": "2023-04-01", "amount": "2300"}]})
    assert "is not in 2022-23" in refused(outside, "instalments")
    paid = finance.post(f"/api/agreements/{world.sla_a.pk}/schedule/", {"financial_year": "2022-23", "instalments": [
        {"due_date": "2022-04-01", "amount": "1734.50"}]})  # fmt: skip
    assert "Payments have been recorded" in refused(paid, "non_field_errors")


def test_the_payment_list_filters_by_programme_and_organisation(world, api):
    finance = api(world.finance)
    by_programme = ok(finance.get("/api/payments/", programme=world.warm.pk))["results"]
    assert {row["agreement"]["reference"] for row in by_programme} == {"SLA-B1"}
    by_organisation = ok(finance.get("/api/payments/", organisation=world.provider_one.pk))["results"]
    assert {row["agreement"]["reference"] for row in by_organisation} == {"SLA-A1"}


def test_malformed_json_and_unknown_ids_are_client_errors(world, api):
    officer = api(world.officer)
    headers = {"Authorization": f"Bearer {officer.token}"}
    bad = officer.client.post("/api/agreements/", "{not json", content_type="application/json", headers=headers)
    assert bad.status_code == 400
    assert officer.post("/api/allocations/set/", []).status_code == 400  # a list, not an object
    assert officer.post(f"/api/agreements/{10**20}/status/", {"status": "ended"}).status_code == 404
    assert officer.post("/api/payments/999999/pay/", {}).status_code in (403, 404)
