"""KPI co-design and targets through the API: proposed, discussed, agreed, refined and retired, and targets set,
with the pages' permissions and through the monitoring services (so their rules and audit events)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.api import test_monitoring_api
from tests.api.test_monitoring_api import Framework
from vcsgrants.core.models import AuditEvent
from vcsgrants.monitoring.models import Kpi, KpiComment, KpiTarget, Outcome

D = Decimal
framework = test_monitoring_api.framework  # the fixture: SG1, SG2 (Community Support) and WS1 (Warm Spaces), with targets


def proposal(under: Outcome, **changes) -> dict:
    return {
        "outcome": under.pk,
        "code": "sg9",
        "name": "Volunteers placed",
        "definition": "People placed in a volunteering role this quarter.",
        "unit": "count",
        "aggregation": "sum",
        "direction": "higher_is_better",
        "rba_type": "better_off",
        **changes,
    }


def last_event(verb: str) -> AuditEvent:
    return AuditEvent.objects.filter(verb=verb).latest("id")


@pytest.fixture
def stronger(framework: Framework) -> Outcome:
    return framework.groups.outcome


def test_a_provider_proposes_a_kpi_and_comments_and_an_officer_agrees_it_amended(world, framework, api, stronger):
    provider = api(world.provider)
    created = provider.post("/api/kpis/", proposal(stronger))
    assert created.status_code == 201, created.content
    kpi = Kpi.objects.get(pk=created.json()["id"])
    assert (created.json()["code"], created.json()["status"], created.json()["version"]) == ("SG9", "proposed", 1)
    assert (kpi.proposed_by, kpi.proposed_by_organisation) == (world.provider, world.provider_one)
    assert last_event("kpi.proposed").actor == world.provider

    comment = provider.post(f"/api/kpis/{kpi.pk}/comments/", {"text": "We count placements, not enquiries."})
    assert comment.status_code == 201 and comment.json()["author"] == "provider"
    discussion = provider.get(f"/api/kpis/{kpi.pk}/comments/").json()
    assert [c["text"] for c in discussion] == ["We count placements, not enquiries."]

    officer = api(world.officer)
    agreed = officer.post(f"/api/kpis/{kpi.pk}/decide/", {"decision": "agree", "name": "Volunteers placed in roles",
                                                         "reason": "Clearer name"})  # fmt: skip
    assert agreed.status_code == 200, agreed.content
    assert (agreed.json()["status"], agreed.json()["version"], agreed.json()["name"]) == (
        "agreed", 2, "Volunteers placed in roles"
    )  # fmt: skip
    assert agreed.json()["definition"] == "People placed in a volunteering role this quarter."  # kept, as the page prefills it
    assert KpiComment.objects.filter(kpi=kpi, text="Clearer name").exists()
    assert "Agreed KPI" in last_event("kpi.decided").summary


def test_only_officers_decide_refine_and_retire(world, framework, api):
    kpi = framework.groups
    for role in ("finance", "partner", "provider", "nobody"):
        client = api(getattr(world, role))
        for path, body in [("decide", {"decision": "reject", "reason": "No"}), ("refine", {"change_note": "x", "name": "y"}),
                           ("retire", {"reason": "Done"})]:  # fmt: skip
            response = client.post(f"/api/kpis/{kpi.pk}/{path}/", body)
            assert response.status_code == 403, (role, path, response.content)
    assert api(world.provider_other).post(f"/api/kpis/{kpi.pk}/retire/", {"reason": "Done"}).status_code == 404
    kpi.refresh_from_db()
    assert (kpi.status, kpi.current_version.number) == ("agreed", 1)


def test_an_officer_refines_then_retires_an_agreed_kpi(world, framework, api):
    officer = api(world.officer)
    kpi = framework.groups
    refined = officer.post(f"/api/kpis/{kpi.pk}/refine/", {"change_note": "Count groups, not sessions",
                                                          "name": "Groups supported one-to-one"})  # fmt: skip
    assert refined.status_code == 200, refined.content
    assert (refined.json()["version"], refined.json()["unit"]) == (2, "count")
    assert "refined to version 2" in last_event("kpi.refined").summary
    nothing = officer.post(f"/api/kpis/{kpi.pk}/refine/", {"change_note": "Again"})
    assert nothing.status_code == 400 and "Nothing changed" in str(nothing.json()["non_field_errors"])

    retired = officer.post(f"/api/kpis/{kpi.pk}/retire/", {"reason": "Replaced by SG3"})
    assert retired.status_code == 200 and retired.json()["status"] == "retired"
    assert "Retired KPI SG1" in last_event("kpi.retired").summary
    again = officer.post(f"/api/kpis/{kpi.pk}/decide/", {"decision": "agree"})
    assert again.status_code == 400 and "not proposed" in str(again.json())


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"code": "SG1"}, "code", "already used in this framework"),
        ({"unit": "furlongs"}, "unit", "not a valid choice"),
        ({"name": ""}, "name", "may not be blank"),
        ({"code": "X" * 13}, "code", "no more than 12 characters"),
        ({"outcome": 10**20}, "outcome", "No outcome with this id"),
    ],
)
def test_a_bad_proposal_is_refused_on_its_field(world, framework, api, stronger, changes, field, message):
    response = api(world.officer).post("/api/kpis/", proposal(stronger, **changes))
    assert response.status_code == 400 and field in response.json(), response.content
    assert message in str(response.json()[field])
    assert not Kpi.objects.filter(code="SG9").exists()


def test_who_may_propose_and_comment(world, framework, api, stronger):
    for role in ("finance", "partner", "nobody"):
        assert api(getattr(world, role)).post("/api/kpis/", proposal(stronger)).status_code == 403, role
        comment = api(getattr(world, role)).post(f"/api/kpis/{framework.groups.pk}/comments/", {"text": "Hello"})
        assert comment.status_code in (403, 404), role  # a partner sees the framework it co-funds but cannot comment
    # Provider Two holds no agreement in Community Support: its outcome is not one it can see.
    other = api(world.provider_other).post("/api/kpis/", proposal(stronger))
    assert other.status_code == 400 and "outcome" in other.json()
    assert api(world.provider_other).post(f"/api/kpis/{framework.groups.pk}/comments/", {"text": "Hi"}).status_code == 404
    assert not Kpi.objects.filter(code="SG9").exists() and not KpiComment.objects.exists()


# --- Targets -----------------------------------------------------------------------------------------------


def target(world, framework, **changes) -> dict:
    return {"agreement": world.sla_a.pk, "kpi": framework.groups.pk, "financial_year": "2023-24", "annual_target": "120",
            **changes}  # fmt: skip


def test_an_officer_sets_a_target_profiled_evenly_or_by_quarter(world, framework, api):
    officer = api(world.officer)
    replaced = officer.post("/api/kpi-targets/", target(world, framework, annual_target="10"))
    assert replaced.status_code == 200, replaced.content  # SLA-A1 already had a 2023-24 target for SG1
    body = replaced.json()
    assert [body[f"q{q}_target"] for q in (1, 2, 3, 4)] == ["3.00", "3.00", "2.00", "2.00"]  # a count stays whole
    assert "SG1 target for 2023-24 set to 10" in last_event("target.set").summary

    KpiTarget.objects.filter(agreement=world.sla_b).delete()
    created = officer.post(
        "/api/kpi-targets/",
        target(world, framework, agreement=world.sla_b.pk, kpi=framework.warm.pk, financial_year="2022-23",
               annual_target="400", quarter_targets=["100", "150", "100", "50"]),
    )  # fmt: skip
    assert created.status_code == 201, created.content
    assert KpiTarget.objects.get(agreement=world.sla_b, kpi=framework.warm).q2_target == D("150.00")


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"quarter_targets": ["30", "30", "30", "29"]}, "quarter_targets", "add up to 119"),
        ({"quarter_targets": ["30", "30"]}, "quarter_targets", "at least 4 elements"),
        ({"annual_target": "-1"}, "annual_target", "greater than or equal to 0"),
        ({"financial_year": "2025-26"}, "financial_year", "does not run in 2025-26"),
        ({"financial_year": "2023-25"}, "financial_year", "write it like 2022-23"),
        ({"kpi": "warm"}, "kpi", "No KPI with this id in Community Support"),
    ],
)
def test_a_bad_target_is_refused_on_its_field(world, framework, api, changes, field, message):
    if changes.get("kpi") == "warm":
        changes["kpi"] = framework.warm.pk
    response = api(world.officer).post("/api/kpi-targets/", target(world, framework, **changes))
    assert response.status_code == 400 and field in response.json(), response.content
    assert message in str(response.json()[field])
    assert KpiTarget.objects.get(agreement=world.sla_a, kpi=framework.groups, financial_year=world.fy2023).annual_target == 100


def test_only_officers_set_targets_and_a_provider_never_finds_another_agreement(world, framework, api):
    for role in ("finance", "partner", "provider", "provider_other", "nobody"):
        response = api(getattr(world, role)).post("/api/kpi-targets/", target(world, framework))
        assert response.status_code == 403, (role, response.content)
    assert api(world.officer).post("/api/kpi-targets/", target(world, framework, agreement=10**20)).status_code == 404


def test_target_and_return_lists_filter_by_programme_and_organisation(world, framework, api):
    officer = api(world.officer)
    rows = officer.get("/api/kpi-targets/", programme=world.warm.pk).json()["results"]
    assert {row["agreement"]["reference"] for row in rows} == {"SLA-B1"}
    rows = officer.get("/api/kpi-targets/", organisation=world.provider_one.pk, kpi=framework.satisfaction.pk).json()["results"]
    assert {(row["agreement"]["reference"], row["kpi"]["code"]) for row in rows} == {("SLA-A1", "SG2")}
    assert officer.get("/api/returns/", programme="x").status_code == 400
