"""Publishing and unpublishing: snapshots taken by an officer, checked first, audited, never a draft."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from tests.factories import line
from tests.opendata.conftest import PREFIX
from vcsgrants.core.models import AuditEvent
from vcsgrants.funding.models import Variation
from vcsgrants.funding.services import agreements as funding
from vcsgrants.opendata import selectors, services
from vcsgrants.opendata.models import PublishedGrant

pytestmark = pytest.mark.django_db


def publish(scene, year, agreements=None, **kwargs):
    ids = None if agreements is None else [a.pk for a in agreements]
    return services.grants_publish(programme=scene.programme, year=year, actor=scene.officer, agreement_ids=ids, **kwargs)


def test_publishing_takes_a_snapshot_of_the_chosen_grants_and_records_who_and_when(scene):
    result = publish(scene, scene.fy2022, [scene.a])
    assert (result.new, result.updated, result.unchanged, result.total) == (1, 0, 0, Decimal("17500.75"))
    snapshot = PublishedGrant.objects.get()
    assert snapshot.grant_id == f"{PREFIX}-SLA-T-001-2022-23"
    assert snapshot.amount == Decimal("17500.75")
    assert snapshot.award_date == dt.date(2022, 2, 10)
    assert snapshot.published_by == scene.officer
    assert snapshot.data == next(selectors.grants_now(agreement_ids=[scene.a.pk], year=scene.fy2022)).grant
    event = AuditEvent.objects.get(verb="opendata.published")
    assert event.actor == scene.officer
    assert "Published 1 grant(s) of Test infrastructure programme for 2022-23" in event.summary
    assert event.data["grants"] == [snapshot.grant_id]


def test_publishing_all_takes_every_grant_of_the_year_and_again_changes_nothing(scene):
    assert publish(scene, scene.fy2023).new == 3  # SLA-T-001, 002 and 003, not the draft SLA-T-004
    again = publish(scene, scene.fy2023)
    assert (again.new, again.updated, again.unchanged) == (0, 0, 3)
    assert not PublishedGrant.objects.filter(agreement=scene.d).exists()


def test_a_draft_is_never_published(scene):
    with pytest.raises(ValidationError, match="Draft agreements are never published: SLA-T-004"):
        publish(scene, scene.fy2023, [scene.b, scene.d])
    assert not PublishedGrant.objects.exists()


def test_an_agreement_without_money_in_the_year_is_refused(scene):
    with pytest.raises(ValidationError, match="No money in 2022-23 for SLA-T-002"):
        publish(scene, scene.fy2022, [scene.b])


def test_findings_must_be_acknowledged_and_are_never_corrected(scene):
    scene.provider.charity_number = "12345"
    scene.provider.save()
    with pytest.raises(ValidationError) as refused:
        publish(scene, scene.fy2022, [scene.a])
    assert "data-quality finding" in str(refused.value)
    assert not PublishedGrant.objects.exists()
    result = publish(scene, scene.fy2022, [scene.a], acknowledge_findings=True)
    assert [f.code for f in result.findings] == ["charity_number"]
    snapshot = PublishedGrant.objects.get()
    assert snapshot.data["recipientOrganization"][0]["charityNumber"] == "12345"  # as recorded, not "fixed"
    assert "1 data-quality finding(s) acknowledged" in AuditEvent.objects.get(verb="opendata.published").summary


def test_a_variation_shows_as_a_change_until_the_grant_is_published_again(scene):
    publish(scene, scene.fy2023, [scene.a])
    funding.variation_create(
        agreement=scene.a,
        kind=Variation.Kind.VALUE_CHANGE,
        reason="More for 2023-24",
        approved_by="Officer",
        approved_on=dt.date(2023, 5, 1),
        actor=scene.officer,
        lines=[line(scene.core, scene.fy2023, scene.districts[0], "250.00")],
    )
    snapshot = PublishedGrant.objects.get()
    now = next(selectors.grants_now(agreement_ids=[scene.a.pk], year=scene.fy2023)).grant
    assert snapshot.amount == Decimal("10000.00")  # the public still sees what was published
    assert now["amountAwarded"] == 10250.0 and snapshot.data != now
    result = publish(scene, scene.fy2023, [scene.a])
    assert (result.new, result.updated) == (0, 1)
    snapshot.refresh_from_db()
    assert snapshot.amount == Decimal("10250.00") and snapshot.data == now


def test_unpublishing_removes_the_grants_and_is_audited(scene):
    publish(scene, scene.fy2023)
    removed = services.grants_unpublish(
        programme=scene.programme, year=scene.fy2023, actor=scene.officer, agreement_ids=[scene.b.pk]
    )
    assert removed == [f"{PREFIX}-SLA-T-002-2023-24"]
    assert set(PublishedGrant.objects.values_list("agreement__reference", flat=True)) == {"SLA-T-001", "SLA-T-003"}
    assert AuditEvent.objects.filter(verb="opendata.unpublished", actor=scene.officer).count() == 1
    with pytest.raises(ValidationError, match="None of the chosen grants is published"):
        services.grants_unpublish(programme=scene.programme, year=scene.fy2023, actor=scene.officer, agreement_ids=[scene.b.pk])
