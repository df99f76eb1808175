"""The API's guard against lost updates (docs/api/concurrency.md): a read answers with an ETag; a write sent with
If-Match is refused with 412 if someone saved since, nothing overwritten; without If-Match it goes ahead as before."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from tests.api.conftest import make_user
from tests.monitoring.test_returns import make_kpis
from vcsgrants.api.models import ApiToken
from vcsgrants.core.models import Organisation, Role
from vcsgrants.engagement.services.consultations import consultation_create
from vcsgrants.engagement.services.meetings import action_add, meeting_record
from vcsgrants.funding.models import Allocation, PaymentInstalment, StreamBudget, StreamContribution
from vcsgrants.funding.services import agreements as agreement_services
from vcsgrants.monitoring.models import KpiTarget

pytestmark = pytest.mark.django_db
D = Decimal


class Api:
    def __init__(self, user):
        self.client = Client()
        self.auth = {"Authorization": f"Bearer {ApiToken.issue(user, name='tests')[1]}"}

    def get(self, path, **params):
        return self.client.get(path, params, headers=self.auth)

    def write(self, method, path, data, if_match=None):
        headers = {**self.auth, **({"If-Match": if_match} if if_match else {})}
        return getattr(self.client, method)(path, json.dumps(data), content_type="application/json", headers=headers)


@pytest.fixture
def two(world):
    """Two officers, each with an API token."""
    return Api(world.officer), Api(make_user("officer-two", Role.OFFICER, world.council))


def stale(response, etag_now: str) -> dict:
    assert response.status_code == 412, (response.status_code, response.content)
    body = response.json()
    assert "changed since you read it" in body["detail"] and "nothing was saved" in body["detail"]
    assert body["etag"] == etag_now
    return body


def test_allocations_a_stale_if_match_is_refused_with_412_and_the_first_change_is_kept(world, two):
    first, second = two
    read = {"stream": world.core.pk, "financial_year": "2022-23"}
    etag = first.get("/api/allocations/", **read)["ETag"]
    assert etag and second.get("/api/allocations/", **read)["ETag"] == etag  # the same state, the same ETag
    assert "ETag" not in first.get("/api/allocations/")  # not a read of one stream and year

    body = {"stream": world.core.pk, "financial_year": "2022-23"}
    assert first.write("post", "/api/allocations/set/", {**body, "amounts": {"E07000032": "45000"}}, etag).status_code == 200
    refusal = second.write("post", "/api/allocations/set/", {**body, "amounts": {"E07000033": "35000"}}, etag)
    answer = stale(refusal, first.get("/api/allocations/", **read)["ETag"])
    assert answer["saved_since"][-1]["by"] == str(world.officer)
    amounts = {a.area.gss_code: a.amount for a in Allocation.objects.filter(stream=world.core, financial_year=world.fy2022)}
    assert amounts["E07000032"] == D("45000.00") and amounts["E07000033"] != D("35000.00")

    # Read again, write again: it goes through on top of the first change.
    fresh = second.get("/api/allocations/", **read)["ETag"]
    assert second.write("post", "/api/allocations/set/", {**body, "amounts": {"E07000033": "35000"}}, fresh).status_code == 200
    assert second.write("post", "/api/allocations/set/", {**body, "amounts": {"E07000033": "34000"}}, "*").status_code == 200


def test_agreement_edit_a_stale_if_match_is_refused_with_412(world, two):
    first, second = two
    draft = agreement_services.agreement_create(
        programme=world.community,
        organisation=world.provider_two,
        areas=[world.amber],
        title="Hubs",
        start_date=dt.date(2023, 4, 1),
        end_date=dt.date(2024, 3, 31),
        actor=world.officer,
    )
    path = f"/api/agreements/{draft.pk}/"
    etag = first.get(path)["ETag"]
    assert first.write("patch", path, {"title": "Community hubs"}, etag).status_code == 200
    stale(second.write("patch", path, {"end_date": "2023-12-31"}, etag), first.get(path)["ETag"])
    draft.refresh_from_db()
    assert (draft.title, draft.end_date) == ("Community hubs", dt.date(2024, 3, 31))


def test_payment_schedule_a_stale_if_match_is_refused_with_412(world, two):
    first, second = two
    read = {"agreement": world.sla_a.pk, "financial_year": "2023-24"}
    path = f"/api/agreements/{world.sla_a.pk}/schedule/"
    etag = first.get("/api/payments/", **read)["ETag"]
    one = {"financial_year": "2023-24", "instalments": [{"due_date": "2023-04-01", "amount": "1000.00"}]}
    two_ = {"financial_year": "2023-24", "instalments": [{"due_date": "2023-07-01", "amount": "1000.00"}]}
    assert first.write("post", path, one, etag).status_code == 200
    stale(second.write("post", path, two_, etag), first.get("/api/payments/", **read)["ETag"])
    dates = list(
        PaymentInstalment.objects.filter(agreement=world.sla_a, financial_year=world.fy2023).values_list("due_date", flat=True)
    )
    assert dates == [dt.date(2023, 4, 1)]


def test_kpi_targets_a_stale_if_match_is_refused_with_412(world, two):
    first, second = two
    groups, satisfaction = make_kpis(world.community, world.officer)
    read = {"agreement": world.sla_a.pk, "financial_year": "2022-23"}
    etag = first.get("/api/kpi-targets/", **read)["ETag"]
    target = {"agreement": world.sla_a.pk, "financial_year": "2022-23"}
    assert first.write("post", "/api/kpi-targets/", {**target, "kpi": groups.pk, "annual_target": "100"}, etag).status_code == 201
    refusal = second.write("post", "/api/kpi-targets/", {**target, "kpi": satisfaction.pk, "annual_target": "80"}, etag)
    stale(refusal, first.get("/api/kpi-targets/", **read)["ETag"])
    assert list(KpiTarget.objects.filter(agreement=world.sla_a).values_list("kpi__code", flat=True)) == ["SG1"]


def test_funding_stream_a_stale_if_match_is_refused_and_a_write_without_if_match_goes_ahead(world, two):
    first, second = two
    path = f"/api/funding-streams/{world.core.pk}/"
    etag = first.get(path)["ETag"]
    assert first.write("patch", path, {"description": "Core grants."}, etag).status_code == 200
    stale(second.write("patch", path, {"name": "Core"}, etag), first.get(path)["ETag"])
    assert second.write("patch", path, {"name": "Core"}).status_code == 200  # no If-Match: unchecked, as before
    world.core.refresh_from_db()
    assert (world.core.name, world.core.description) == ("Core", "Core grants.")


def test_organisation_a_stale_if_match_is_refused_with_412(world, two):
    first, second = two
    path = f"/api/organisations/{world.provider_two.pk}/"
    etag = first.get(path)["ETag"]
    assert first.write("patch", path, {"charity_number": "1012345"}, etag).status_code == 200
    stale(second.write("patch", path, {"company_number": "01234567"}, etag), first.get(path)["ETag"])
    world.provider_two.refresh_from_db()
    assert (world.provider_two.charity_number, world.provider_two.company_number) == ("1012345", "")
    fresh = second.get(path)["ETag"]
    assert second.write("patch", path, {"company_number": "01234567"}, fresh).status_code == 200


def test_stream_budget_a_stale_if_match_is_refused_with_412_and_another_year_is_not_a_conflict(world, two):
    first, second = two
    path = f"/api/funding-streams/{world.core.pk}/budget/"
    read = first.get(path, financial_year="2022-23")
    assert read.json() == {"financial_year": "2022-23", "amount": "100000.00"}
    etag = read["ETag"]
    assert first.write("post", path, {"financial_year": "2022-23", "amount": "120000.00"}, etag).status_code == 200
    refusal = second.write("post", path, {"financial_year": "2022-23", "amount": "90000.00"}, etag)
    stale(refusal, first.get(path, financial_year="2022-23")["ETag"])
    assert StreamBudget.objects.get(stream=world.core, financial_year=world.fy2022).amount == D("120000.00")

    # The ETag is of the year's budget alone: another year's, read before the change above, still matches.
    other = second.get(path, financial_year="2023-24")["ETag"]
    first.write("post", path, {"financial_year": "2022-23", "amount": "125000.00"}, "*")
    assert second.write("post", path, {"financial_year": "2023-24", "amount": "95000.00"}, other).status_code == 200
    assert second.get(path).status_code == 400  # the year is required


def test_meeting_a_stale_if_match_is_refused_with_412(world, two):
    first, second = two
    meeting = meeting_record(
        programme=world.community, kind="partnership", date=dt.date(2023, 6, 1), agenda="Quarter 1", actor=world.officer
    )
    path = f"/api/meetings/{meeting.pk}/"
    etag = first.get(path)["ETag"]
    assert first.write("patch", path, {"notes": "Agreed the budget."}, etag).status_code == 200
    stale(second.write("patch", path, {"location": "Matlock"}, etag), first.get(path)["ETag"])
    meeting.refresh_from_db()
    assert (meeting.notes, meeting.location) == ("Agreed the budget.", "")
    assert second.write("patch", path, {"location": "Matlock"}, second.get(path)["ETag"]).status_code == 200


def test_meeting_etag_is_not_shown_to_a_provider(world):
    meeting = meeting_record(
        programme=world.community,
        kind="monitoring",
        organisation=world.provider_one,
        date=dt.date(2023, 6, 1),
        notes="Frank notes.",
        actor=world.officer,
    )
    read = Api(world.provider).get(f"/api/meetings/{meeting.pk}/")
    assert read.status_code == 200 and "ETag" not in read


def test_consultation_a_stale_if_match_is_refused_with_412(world, two):
    first, second = two
    opens = timezone.now().replace(microsecond=0) + dt.timedelta(days=10)
    consultation = consultation_create(
        programme=world.community,
        title="Future of VCS grants",
        description="Our proposals.",
        opens_at=opens,
        closes_at=opens + dt.timedelta(days=30),
        privacy_notice="We keep your answers safe.",
        actor=world.officer,
    )
    path = f"/api/consultations/{consultation.pk}/"
    etag = first.get(path)["ETag"]
    assert first.write("patch", path, {"description": "Our proposals, with costs."}, etag).status_code == 200
    stale(second.write("patch", path, {"title": "The future"}, etag), first.get(path)["ETag"])
    consultation.refresh_from_db()
    assert (consultation.title, consultation.description) == ("Future of VCS grants", "Our proposals, with costs.")


def test_contributions_a_stale_if_match_is_refused_with_412_and_the_first_contribution_is_kept(world, two):
    first, second = two
    partner = Organisation.objects.create(name="Test ICB", slug="test-icb", kind=Organisation.Kind.PARTNER)
    path = f"/api/funding-streams/{world.core.pk}/contributions/"
    etag = first.get(path, financial_year="2022-23")["ETag"]
    assert etag and second.get(path, financial_year="2022-23")["ETag"] == etag
    assert "ETag" not in first.get(path)  # not a read of one year

    body = {"financial_year": "2022-23", "funder": partner.pk}
    assert first.write("post", path, {**body, "amount": "20000.00", "note": "Section 256"}, etag).status_code == 200
    refusal = second.write("post", path, {**body, "amount": "15000.00"}, etag)
    answer = stale(refusal, first.get(path, financial_year="2022-23")["ETag"])
    assert answer["saved_since"][-1]["by"] == str(world.officer)
    assert StreamContribution.objects.get(stream=world.core, funder=partner).amount == D("20000.00")

    # Read again, write again: it goes through on top of the first change.
    fresh = second.get(path, financial_year="2022-23")["ETag"]
    assert fresh != etag
    assert second.write("post", path, {**body, "amount": "15000.00"}, fresh).status_code == 200
    assert StreamContribution.objects.get(stream=world.core, funder=partner).amount == D("15000.00")


def test_action_a_stale_if_match_is_refused_with_412_and_the_first_change_is_kept(world, two):
    first, second = two
    meeting = meeting_record(
        programme=world.community, kind="partnership", date=dt.date(2023, 6, 1), agenda="Quarter 1", actor=world.officer
    )
    action = action_add(
        meeting=meeting, description="Send the figures", owner_name="Pat", due_date=dt.date(2035, 1, 31), actor=world.officer
    )
    path = f"/api/actions/{action.pk}/"
    etag = first.get(path)["ETag"]
    assert etag and second.get(path)["ETag"] == etag
    assert first.write("patch", path, {"due_date": "2035-02-28"}, etag).status_code == 200
    stale(second.write("patch", path, {"description": "Send the figures to partners"}, etag), first.get(path)["ETag"])
    action.refresh_from_db()
    assert (action.description, action.due_date) == ("Send the figures", dt.date(2035, 2, 28))

    fresh = second.get(path)["ETag"]
    assert second.write("patch", path, {"description": "Send the figures to partners"}, fresh).status_code == 200
    action.refresh_from_db()
    assert (action.description, action.due_date) == ("Send the figures to partners", dt.date(2035, 2, 28))


def test_guarded_contributions_and_action_writes_are_documented_with_if_match_412_and_etag():
    from drf_spectacular.generators import SchemaGenerator

    paths = SchemaGenerator().get_schema(request=None, public=True)["paths"]
    for path, write in (("/api/funding-streams/{id}/contributions/", "post"), ("/api/actions/{id}/", "patch")):
        operation = paths[path][write]
        assert any(p["in"] == "header" and p["name"] == "If-Match" for p in operation["parameters"]), path
        assert "412" in operation["responses"], path
        assert "ETag" in paths[path]["get"]["responses"]["200"]["headers"], path
