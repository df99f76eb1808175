"""KPIs, targets and quarterly returns through the API: the same permissions as the pages, and every write
through the monitoring services (so the same validation, steps and audit)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.api.conftest import TokenClient
from tests.factories import UserFactory
from vcsgrants.api.models import ApiToken
from vcsgrants.core.models import AuditEvent, Role, User
from vcsgrants.monitoring import services
from vcsgrants.monitoring.models import Kpi, KpiVersion, Outcome, Return, ReturnEvent, ReturnValue

D = Decimal
JSON = "application/json"


class WriteClient(TokenClient):
    """A TokenClient that can also POST and PATCH JSON."""

    def _headers(self) -> dict:
        return {"Authorization": f"Bearer {self.token}"}

    def post(self, path: str, data: dict | None = None):
        return self.client.post(path, json.dumps(data or {}), content_type=JSON, headers=self._headers())

    def patch(self, path: str, data: dict | None = None):
        return self.client.patch(path, json.dumps(data or {}), content_type=JSON, headers=self._headers())


@pytest.fixture
def api(world):
    """api(user) → a client with a fresh token for the user, that reads and writes."""

    def make(user: User) -> WriteClient:
        return WriteClient(ApiToken.issue(user, name="tests")[1])

    return make


@dataclass
class Framework:
    groups: Kpi  # SG1: a count, Community Support
    satisfaction: Kpi  # SG2: a percentage, Community Support
    warm: Kpi  # WS1: a count, Warm Spaces


def propose(outcome: Outcome, code: str, name: str, unit: str, aggregation: str, actor: User) -> Kpi:
    kpi = services.kpi_propose(
        outcome=outcome,
        code=code,
        name=name,
        definition=f"{name}, counted each quarter.",
        unit=unit,
        aggregation=aggregation,
        direction="higher_is_better",
        rba_type=KpiVersion.RbaType.HOW_MUCH,
        actor=actor,
    )
    return services.kpi_decide(kpi=kpi, agree=True, actor=actor)


@pytest.fixture
def framework(world) -> Framework:
    """SG1 and SG2 in Community Support with targets for SLA-A1 in 2022-23 and 2023-24; WS1 in Warm Spaces for SLA-B1."""
    officer = world.officer
    stronger = services.outcome_save(outcome=Outcome(programme=world.community, title="Stronger groups"), actor=officer)
    warmer = services.outcome_save(outcome=Outcome(programme=world.warm, title="Warmer homes"), actor=officer)
    groups = propose(stronger, "SG1", "Groups given one-to-one support", KpiVersion.Unit.COUNT, "sum", officer)
    satisfaction = propose(stronger, "SG2", "Groups satisfied with support", KpiVersion.Unit.PERCENT, "mean", officer)
    warm = propose(warmer, "WS1", "Visits to warm spaces", KpiVersion.Unit.COUNT, "sum", officer)
    for fy in (world.fy2022, world.fy2023):
        services.target_set(agreement=world.sla_a, kpi=groups, year=fy, annual_target=D("100"), actor=officer)
        services.target_set(agreement=world.sla_a, kpi=satisfaction, year=fy, annual_target=D("80"), actor=officer)
    services.target_set(agreement=world.sla_b, kpi=warm, year=world.fy2022, annual_target=D("400"), actor=officer)
    return Framework(groups=groups, satisfaction=satisfaction, warm=warm)


def results(response) -> list[dict]:
    assert response.status_code == 200, response.content
    return response.json()["results"]


def first_quarter(world, **values) -> dict:
    return {
        "agreement": world.sla_a.pk,
        "financial_year": "2022-23",
        "quarter": 1,
        "values": values,
        "narrative": "Thirty-one groups supported this quarter.",
        "case_studies": "A new food bank opened in Ripley.",
    }


def submitted_return(world, api) -> Return:
    provider = api(world.provider)
    created = provider.post("/api/returns/", first_quarter(world, SG1="31", SG2="85.5"))
    assert created.status_code == 201, created.content
    assert provider.post(f"/api/returns/{created.json()['id']}/submit/").status_code == 200
    return Return.objects.get(pk=created.json()["id"])


# --- KPIs and targets -------------------------------------------------------------------------


def test_kpis_show_the_current_definition_and_every_version(world, framework, api):
    services.kpi_refine(
        kpi=framework.groups, change_note="Count groups, not sessions", actor=world.officer, name="Groups supported one-to-one"
    )
    rows = results(api(world.provider).get("/api/kpis/"))
    assert [row["code"] for row in rows] == ["SG1", "SG2"]
    sg1 = rows[0]
    assert sg1["programme"]["slug"] == "community-support"
    assert sg1["outcome"]["title"] == "Stronger groups"
    assert (sg1["status"], sg1["version"], sg1["name"], sg1["unit"], sg1["aggregation"]) == (
        "agreed",
        2,
        "Groups supported one-to-one",
        "count",
        "sum",
    )
    assert (sg1["direction"], sg1["rba_type"]) == ("higher_is_better", "how_much")
    assert [(v["number"], v["name"], v["change_note"]) for v in sg1["versions"]] == [
        (1, "Groups given one-to-one support", "Proposed"),
        (2, "Groups supported one-to-one", "Count groups, not sessions"),
    ]
    assert set(sg1["versions"][0]) == {
        "number", "name", "definition", "unit", "aggregation", "direction", "rba_type", "change_note", "created_at",
    }  # fmt: skip


@pytest.mark.parametrize(
    ("role", "codes"),
    [
        ("officer", {"SG1", "SG2", "WS1"}),
        ("finance", {"SG1", "SG2", "WS1"}),
        ("provider", {"SG1", "SG2"}),  # the framework of the programme it holds an agreement in
        ("provider_other", {"WS1"}),
        ("partner", {"SG1", "SG2"}),  # the programme it co-funds
        ("partner_two", {"WS1"}),
    ],
)
def test_each_role_sees_the_frameworks_it_works_in(world, framework, api, role, codes):
    client = api(getattr(world, role))
    assert {row["code"] for row in results(client.get("/api/kpis/"))} == codes
    for kpi in (framework.groups, framework.warm):
        expected = 200 if kpi.code in codes else 404
        assert client.get(f"/api/kpis/{kpi.pk}/").status_code == expected


def test_kpi_filters(world, framework, api):
    officer = api(world.officer)
    assert {row["code"] for row in results(officer.get("/api/kpis/", programme=world.warm.pk))} == {"WS1"}
    assert results(officer.get("/api/kpis/", status="proposed")) == []
    assert officer.get("/api/kpis/", status="maybe").status_code == 400


def test_targets_are_decimal_strings_profiled_by_quarter(world, framework, api):
    provider = api(world.provider)
    rows = results(provider.get("/api/kpi-targets/", financial_year="2022-23"))
    assert [(r["agreement"]["reference"], r["kpi"]["code"], r["financial_year"]) for r in rows] == [
        ("SLA-A1", "SG1", "2022-23"),
        ("SLA-A1", "SG2", "2022-23"),
    ]
    groups, satisfaction = rows
    assert [groups[f] for f in ("annual_target", "q1_target", "q2_target", "q3_target", "q4_target")] == [
        "100.00",
        "25.00",
        "25.00",
        "25.00",
        "25.00",
    ]
    assert satisfaction["q4_target"] == "80.00"  # a mean: each quarter carries the annual figure
    assert groups["kpi"]["name"] == "Groups given one-to-one support"
    assert len(results(provider.get("/api/kpi-targets/"))) == 4  # both years
    assert results(provider.get("/api/kpi-targets/", agreement=world.sla_b.pk)) == []
    assert provider.get(f"/api/kpi-targets/{world.sla_b.kpi_targets.get().pk}/").status_code == 404
    assert provider.get("/api/kpi-targets/", financial_year="2022").status_code == 400
    assert {r["agreement"]["reference"] for r in results(api(world.officer).get("/api/kpi-targets/"))} == {"SLA-A1", "SLA-B1"}
    assert {r["agreement"]["reference"] for r in results(api(world.partner_two).get("/api/kpi-targets/"))} == {"SLA-B1"}


# --- Returns: a provider fills in and submits ---------------------------------------------------


def test_a_provider_submits_a_return_with_its_token(world, framework, api):
    provider = api(world.provider)
    created = provider.post("/api/returns/", first_quarter(world, SG1="31", SG2="85.5"))
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["status"], body["financial_year"], body["quarter"], body["submitted_at"]) == ("draft", "2022-23", 1, None)
    assert body["values"] == [
        {"kpi": "SG1", "kpi_version": 1, "value": "31.00"},
        {"kpi": "SG2", "kpi_version": 1, "value": "85.50"},
    ]
    assert body["case_studies"] == "A new food bank opened in Ripley."
    record = Return.objects.get(pk=body["id"])
    assert body["due_date"] == services.return_due_date(world.sla_a, world.fy2022, 1).isoformat() == "2022-07-30"

    submitted = provider.post(f"/api/returns/{record.pk}/submit/")
    assert submitted.status_code == 200, submitted.content
    body = submitted.json()
    assert body["status"] == "submitted" and body["submitted_at"]
    assert [(e["action"], e["actor"]) for e in body["events"]] == [("submitted", "provider")]

    record.refresh_from_db()
    assert record.status == Return.Status.SUBMITTED
    assert ReturnEvent.objects.get(return_record=record).actor == world.provider
    audit = AuditEvent.objects.filter(object_type="monitoring.return", object_id=record.pk).order_by("id")
    assert [(e.verb, e.actor) for e in audit] == [("return.saved", world.provider), ("return.submitted", world.provider)]

    # Once submitted it can no longer be changed, as on the pages.
    refused = provider.patch(f"/api/returns/{record.pk}/", {"values": {"SG1": "40"}})
    assert refused.status_code == 400
    assert "can no longer be changed" in refused.json()["non_field_errors"][0]
    assert ReturnValue.objects.get(return_record=record, kpi_version__kpi=framework.groups).value == D("31")


def test_posting_again_saves_into_the_same_return_and_patch_fills_it_in(world, framework, api):
    provider = api(world.provider)
    first = provider.post("/api/returns/", first_quarter(world, SG1="31"))
    assert first.status_code == 201
    again = provider.post(
        "/api/returns/", {"agreement": world.sla_a.pk, "financial_year": "2022-23", "quarter": 1, "values": {"sg2": 70}}
    )
    assert again.status_code == 200, again.content
    assert again.json()["id"] == first.json()["id"]
    assert [v["value"] for v in again.json()["values"]] == ["31.00", "70.00"]
    assert again.json()["narrative"] == "Thirty-one groups supported this quarter."  # omitted: left as it was

    patched = provider.patch(f"/api/returns/{first.json()['id']}/", {"values": {"SG2": None}, "narrative": "Revised."})
    assert patched.status_code == 200, patched.content
    assert [v["kpi"] for v in patched.json()["values"]] == ["SG1"]
    assert patched.json()["narrative"] == "Revised."
    assert Return.objects.count() == 1

    missing = provider.post(f"/api/returns/{first.json()['id']}/submit/")
    assert missing.status_code == 400
    assert "missing: SG2" in missing.json()["non_field_errors"][0]
    assert Return.objects.get().status == Return.Status.DRAFT


def test_an_officer_may_fill_in_a_return_too(world, framework, api):
    response = api(world.officer).post("/api/returns/", first_quarter(world, SG1="31", SG2="90"))
    assert response.status_code == 201, response.content


# --- Bad input: refused whole, nothing saved ------------------------------------------------------


def test_a_negative_count_is_refused_naming_the_kpi_and_nothing_is_saved(world, framework, api):
    provider = api(world.provider)
    response = provider.post("/api/returns/", first_quarter(world, SG1="-3", SG2="101", XX9="1"))
    assert response.status_code == 400
    assert response.json() == {
        "values": {
            "SG1": ["SG1 cannot be negative."],
            "SG2": ["SG2 is a percentage over 100."],
            "XX9": ["XX9 is not a KPI in Community Support's outcomes framework."],
        }
    }
    assert not Return.objects.exists()  # not even the empty return that would have held the values
    assert not ReturnValue.objects.exists()
    assert not AuditEvent.objects.filter(verb__startswith="return.").exists()


def test_an_unknown_kpi_alone_refuses_the_whole_return(world, framework, api):
    response = api(world.provider).post("/api/returns/", first_quarter(world, SG1="31", SG2="90", ws1="5"))
    assert response.status_code == 400
    assert response.json() == {"values": {"ws1": ["ws1 is not a KPI in Community Support's outcomes framework."]}}
    assert not Return.objects.exists() and not ReturnValue.objects.exists()


def test_a_kpi_without_a_target_this_year_is_refused(world, framework, api):
    services.kpi_retire(kpi=framework.satisfaction, actor=world.officer, reason="Replaced by a survey")
    response = api(world.provider).post("/api/returns/", first_quarter(world, SG1="31", SG2="90"))
    assert response.status_code == 400
    assert response.json() == {"values": {"SG2": ["SG2 is not one of this agreement's KPIs for 2022-23."]}}
    assert not Return.objects.exists()


def test_a_bad_value_leaves_an_existing_draft_as_it_was(world, framework, api):
    provider = api(world.provider)
    record_id = provider.post("/api/returns/", first_quarter(world, SG1="31")).json()["id"]
    response = provider.patch(f"/api/returns/{record_id}/", {"values": {"SG1": "2.5", "SG2": "50"}, "narrative": "Changed."})
    assert response.status_code == 400
    assert response.json() == {"values": {"SG1": ["SG1 is a count, so must be a whole number."]}}
    record = Return.objects.get(pk=record_id)
    assert record.narrative == "Thirty-one groups supported this quarter."
    assert [(v.kpi_version.kpi.code, v.value) for v in record.values.all()] == [("SG1", D("31"))]


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"values": {"SG1": "many"}}, "values", {"SG1": ["A valid number is required."]}),
        ({"financial_year": "2022"}, "financial_year", None),
        ({"financial_year": "2022-24"}, "financial_year", ["'2022-24' is not a financial year: write it like 2022-23."]),
        ({"quarter": 5}, "quarter", ["Quarter 5 does not exist: use 1 to 4."]),
        ({"agreement": "SLA-A1"}, "agreement", None),
    ],
)
def test_malformed_input_is_a_400_on_its_field(world, framework, api, change, field, message):
    response = api(world.provider).post("/api/returns/", {**first_quarter(world, SG1="31"), **change})
    assert response.status_code == 400, response.content
    assert field in response.json()
    if message is not None:
        assert response.json()[field] == message
    assert not Return.objects.exists()


def test_a_quarter_outside_the_agreement_is_refused(world, framework, api):
    response = api(world.provider_other).post(
        "/api/returns/", {"agreement": world.sla_b.pk, "financial_year": "2023-24", "quarter": 1, "values": {"WS1": "10"}}
    )
    assert response.status_code == 400
    assert "outside SLA-B1" in response.json()["quarter"][0]
    assert not Return.objects.exists()


# --- Who may do what ------------------------------------------------------------------------------


def test_another_provider_cannot_find_the_agreement_or_its_returns(world, framework, api):
    record = submitted_return(world, api)
    other = api(world.provider_other)
    refused = other.post("/api/returns/", {**first_quarter(world, SG1="1"), "quarter": 2})
    assert refused.status_code == 404  # not visible: the same answer as an agreement that does not exist
    assert other.post("/api/returns/", {**first_quarter(world, SG1="1"), "agreement": 999999}).status_code == 404
    assert other.get(f"/api/returns/{record.pk}/").status_code == 404
    assert other.patch(f"/api/returns/{record.pk}/", {"narrative": "x"}).status_code == 404
    assert other.post(f"/api/returns/{record.pk}/submit/").status_code == 404
    assert other.post(f"/api/returns/{record.pk}/review/", {"accept": True}).status_code == 404
    assert results(other.get("/api/returns/")) == []
    assert Return.objects.count() == 1


def test_a_colleague_at_the_same_provider_may_fill_in_its_returns(world, framework, api):
    colleague = UserFactory(organisation=world.provider_one, roles=[Role.PROVIDER])
    response = api(colleague).post("/api/returns/", first_quarter(world, SG1="31"))
    assert response.status_code == 201, response.content


def test_an_officer_reviews_and_a_provider_cannot(world, framework, api):
    record = submitted_return(world, api)
    provider_review = api(world.provider).post(f"/api/returns/{record.pk}/review/", {"accept": True})
    assert provider_review.status_code == 403
    assert "Provider user" in provider_review.json()["detail"]
    assert "accept or query returns" in provider_review.json()["detail"]

    officer = api(world.officer)
    assert officer.post(f"/api/returns/{record.pk}/review/", {"comment": "No decision"}).json() == {
        "accept": ["This field is required."]
    }
    no_reason = officer.post(f"/api/returns/{record.pk}/review/", {"accept": False})
    assert no_reason.status_code == 400 and no_reason.json() == {"comment": ["Say what needs answering."]}

    accepted = officer.post(f"/api/returns/{record.pk}/review/", {"accept": True, "comment": "Thank you."})
    assert accepted.status_code == 200, accepted.content
    assert accepted.json()["status"] == "accepted"
    assert [(e["action"], e["actor"], e["comment"]) for e in accepted.json()["events"]] == [
        ("submitted", "provider", ""),
        ("accepted", "officer", "Thank you."),
    ]
    assert AuditEvent.objects.filter(verb="return.accepted", actor=world.officer, object_id=record.pk).exists()
    assert officer.post(f"/api/returns/{record.pk}/review/", {"accept": True}).status_code == 400  # already accepted


def test_a_queried_return_is_answered_and_resubmitted(world, framework, api):
    record = submitted_return(world, api)
    queried = api(world.officer).post(f"/api/returns/{record.pk}/review/", {"accept": False, "comment": "SG2 looks high."})
    assert queried.json()["status"] == "queried"
    provider = api(world.provider)
    assert provider.patch(f"/api/returns/{record.pk}/", {"values": {"SG2": "75"}}).status_code == 200
    unanswered = provider.post(f"/api/returns/{record.pk}/submit/")
    assert unanswered.status_code == 400
    assert unanswered.json() == {"comment": ["Answer the officer's query before resubmitting."]}
    answered = provider.post(f"/api/returns/{record.pk}/submit/", {"comment": "Corrected: 75%."})
    assert answered.status_code == 200
    assert [e["action"] for e in answered.json()["events"]] == ["submitted", "queried", "resubmitted"]


def test_a_partner_reads_the_returns_it_co_funds_but_cannot_write(world, framework, api):
    record = submitted_return(world, api)
    partner = api(world.partner)
    assert [r["id"] for r in results(partner.get("/api/returns/"))] == [record.pk]
    assert partner.get(f"/api/returns/{record.pk}/").status_code == 200

    for response in [
        partner.post("/api/returns/", {**first_quarter(world, SG1="1"), "quarter": 2}),
        partner.patch(f"/api/returns/{record.pk}/", {"narrative": "x"}),
        partner.post(f"/api/returns/{record.pk}/submit/"),
        partner.post(f"/api/returns/{record.pk}/review/", {"accept": True}),
    ]:
        assert response.status_code == 403, response.content
        assert "Partner user" in response.json()["detail"]
    assert Return.objects.count() == 1
    assert Return.objects.get().status == Return.Status.SUBMITTED

    other_partner = api(world.partner_two)
    assert results(other_partner.get("/api/returns/")) == []
    assert other_partner.get(f"/api/returns/{record.pk}/").status_code == 404


def test_a_user_with_no_role_is_refused(world, framework, api):
    nobody = api(world.nobody)
    for path in ("/api/kpis/", "/api/kpi-targets/", "/api/returns/"):
        assert nobody.get(path).status_code == 403, path
    assert nobody.post("/api/returns/", first_quarter(world, SG1="1")).status_code == 403
    assert not Return.objects.exists()


def test_anonymous_requests_are_401(world, framework, client):
    record = submitted_return(world, lambda user: WriteClient(ApiToken.issue(user, name="tests")[1]))
    for path in ("/api/kpis/", "/api/kpi-targets/", "/api/returns/", f"/api/returns/{record.pk}/"):
        assert client.get(path).status_code == 401, path
    assert client.post("/api/returns/", first_quarter(world, SG1="1"), content_type=JSON).status_code == 401
    assert client.post(f"/api/returns/{record.pk}/review/", {"accept": True}, content_type=JSON).status_code == 401
    assert client.patch(f"/api/returns/{record.pk}/", {}, content_type=JSON).status_code == 401
    assert Return.objects.get().status == Return.Status.SUBMITTED


def test_put_and_delete_are_not_offered(world, framework, api):
    record = submitted_return(world, api)
    officer = api(world.officer)
    headers = {"Authorization": f"Bearer {officer.token}"}
    assert officer.client.put(f"/api/returns/{record.pk}/", "{}", content_type=JSON, headers=headers).status_code == 405
    assert officer.client.delete(f"/api/returns/{record.pk}/", headers=headers).status_code == 405
    assert Return.objects.filter(pk=record.pk).exists()


# --- Lists ----------------------------------------------------------------------------------------


def test_return_filters(world, framework, api):
    submitted_return(world, api)
    provider = api(world.provider)
    provider.post("/api/returns/", {**first_quarter(world, SG1="20"), "quarter": 2})
    provider.post("/api/returns/", {**first_quarter(world, SG1="20"), "financial_year": "2023-24"})

    def quarters(**params):
        return [(r["financial_year"], r["quarter"], r["status"]) for r in results(provider.get("/api/returns/", **params))]

    assert quarters() == [("2022-23", 1, "submitted"), ("2022-23", 2, "draft"), ("2023-24", 1, "draft")]
    assert quarters(financial_year="2023-24") == [("2023-24", 1, "draft")]
    assert quarters(quarter=2) == [("2022-23", 2, "draft")]
    assert quarters(status="submitted") == [("2022-23", 1, "submitted")]
    assert quarters(agreement=world.sla_a.pk, financial_year="2022-23", status="draft") == [("2022-23", 2, "draft")]
    assert quarters(agreement=world.sla_b.pk) == []
    for bad in ({"quarter": "5"}, {"quarter": "one"}, {"status": "late"}, {"financial_year": "22-23"}, {"agreement": "x"}):
        assert provider.get("/api/returns/", **bad).status_code == 400, bad
    assert provider.get("/api/returns/", quarter="one").json() == {"quarter": ["'one' is not a quarter: use 1 to 4."]}


def count_queries(client, path: str) -> tuple[int, dict]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path)
    assert response.status_code == 200, response.content
    return len(ctx.captured_queries), response.json()


# Token and user, groups, then (a partner only) its organisation and that organisation's lineage (3); then
# count, page (the visible agreements are a subquery of it), values and events: 6 for staff or a provider, 9 for a partner.
MAX_QUERIES = 9


@pytest.mark.parametrize("role", ["officer", "provider", "partner"])
def test_the_returns_list_costs_the_same_queries_however_many_returns(world, framework, api, django_assert_max_num_queries, role):
    submitted_return(world, api)
    reader = api(getattr(world, role))
    reader.get("/api/returns/")  # the token's first use records last_used_at
    before, body = count_queries(reader, "/api/returns/")
    assert body["count"] == 1

    provider, officer = api(world.provider), api(world.officer)
    for fy, quarter in [("2022-23", 2), ("2022-23", 3), ("2022-23", 4), ("2023-24", 1), ("2023-24", 2)]:
        created = provider.post(
            "/api/returns/", {**first_quarter(world, SG1="10", SG2="90"), "financial_year": fy, "quarter": quarter}
        )
        provider.post(f"/api/returns/{created.json()['id']}/submit/")
        officer.post(f"/api/returns/{created.json()['id']}/review/", {"accept": False, "comment": "Check SG1."})
    with django_assert_max_num_queries(MAX_QUERIES):
        after, body = count_queries(reader, "/api/returns/")
    assert body["count"] == 6
    assert all(len(row["values"]) == 2 for row in body["results"])
    assert after == before


@pytest.mark.parametrize("path", ["/api/kpis/", "/api/kpi-targets/"])
def test_kpi_and_target_lists_do_not_grow_with_records(world, framework, api, path):
    officer = api(world.officer)
    officer.get(path)
    before, _ = count_queries(officer, path)
    services.kpi_refine(kpi=framework.warm, change_note="Clearer", actor=world.officer, definition="Visits, counted at the door.")
    propose(framework.groups.outcome, "SG3", "New groups formed", KpiVersion.Unit.COUNT, "sum", world.officer)
    services.target_set(
        agreement=world.sla_a, kpi=Kpi.objects.get(code="SG3"), year=world.fy2022, annual_target=D("4"), actor=world.officer
    )
    after, body = count_queries(officer, path)
    assert body["count"] == (4 if path == "/api/kpis/" else 6)
    assert after == before


# --- The OpenAPI document ---------------------------------------------------------------------------


def test_the_openapi_document_describes_the_monitoring_endpoints(world, api):
    response = api(world.provider).get("/api/schema/", format="json")
    assert response.status_code == 200
    document = json.loads(response.content)
    paths = document["paths"]
    for endpoint in ("kpis", "kpi-targets", "returns"):
        assert f"/api/{endpoint}/" in paths
        assert f"/api/{endpoint}/{{id}}/" in paths
    assert {"get", "post"} <= set(paths["/api/returns/"])
    assert "patch" in paths["/api/returns/{id}/"] and "put" not in paths["/api/returns/{id}/"]
    assert "post" in paths["/api/returns/{id}/submit/"] and "post" in paths["/api/returns/{id}/review/"]

    schemas = document["components"]["schemas"]

    def body(path: str, method: str) -> dict:
        ref = paths[path][method]["requestBody"]["content"]["application/json"]["schema"]["$ref"]
        return schemas[ref.rsplit("/", 1)[1]]

    create = body("/api/returns/", "post")
    assert set(create["required"]) == {"agreement", "financial_year", "quarter"}
    assert create["properties"]["values"]["additionalProperties"]["format"] == "decimal"
    assert body("/api/returns/{id}/review/", "post")["required"] == ["accept"]
    assert "narrative" in body("/api/returns/{id}/", "patch")["properties"]
    params = {p["name"] for p in paths["/api/returns/"]["get"]["parameters"]}
    assert {"agreement", "financial_year", "quarter", "status"} <= params
    target = schemas["KpiTarget"]["properties"]["q1_target"]
    assert (target["type"], target["format"]) == ("string", "decimal")
