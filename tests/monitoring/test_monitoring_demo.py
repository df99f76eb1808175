"""The demo's outcomes framework, targets and returns: every page has something real to show, and a second run writes nothing."""

from __future__ import annotations

import datetime as dt
import io
from collections import Counter
from decimal import Decimal

import pytest
from django.apps import apps
from django.core.management import call_command

from vcsgrants.core.models import Organisation
from vcsgrants.core.services import financial_year_get
from vcsgrants.funding.models import Agreement, Programme
from vcsgrants.monitoring import services
from vcsgrants.monitoring.models import Kpi, KpiComment, KpiTarget, KpiVersion, Outcome, Return, ReturnEvent, ReturnValue

pytestmark = pytest.mark.django_db

HISTORICAL = (dt.date(2021, 1, 1), dt.date(2022, 12, 31))


@pytest.fixture
def demo(demo_module, db) -> Programme:
    return Programme.objects.get(slug="vcs-infrastructure")


def historical(moment: dt.datetime) -> bool:
    return HISTORICAL[0] <= moment.date() <= HISTORICAL[1]


def test_framework_is_co_designed_with_content_for_every_page(demo):
    monitoring = services.monitoring_settings(demo)
    assert (monitoring.amber_within, monitoring.return_due_days) == (Decimal("0.100"), 30)
    outcomes = list(Outcome.objects.filter(programme=demo))
    assert len(outcomes) == 5
    assert all("illustrative" in o.description for o in outcomes)
    kpis = Kpi.objects.filter(outcome__programme=demo)
    statuses = Counter(kpis.values_list("status", flat=True))
    assert 12 <= statuses[Kpi.Status.AGREED] <= 15
    assert statuses[Kpi.Status.PROPOSED] == 1 and statuses[Kpi.Status.REJECTED] == 1
    assert all(o.kpis.filter(status=Kpi.Status.AGREED).exists() for o in outcomes)

    # Two agreed KPIs were proposed by providers and discussed; one was amended when agreed.
    from_providers = kpis.filter(status=Kpi.Status.AGREED, proposed_by_organisation__kind=Organisation.Kind.PROVIDER)
    assert from_providers.count() == 2
    for kpi in from_providers:
        authors = {c.author for c in kpi.comments.all()}
        assert len(authors) >= 2 and kpi.proposed_by in authors
    assert sorted(k.versions.count() for k in from_providers) == [1, 2]

    rejected = kpis.get(status=Kpi.Status.REJECTED)
    assert "Not agreed" in rejected.comments.last().text
    assert kpis.get(status=Kpi.Status.PROPOSED).comments.count() >= 2

    # The co-design story is dated in 2021-22, never "now".
    for model in (Kpi, KpiVersion, KpiComment):
        assert all(historical(at) for at in model.objects.values_list("created_at", flat=True))


def test_refined_kpi_keeps_returns_on_the_version_they_used(demo):
    refined = Kpi.objects.get(outcome__programme=demo, code="VO2")
    v1, v2 = refined.versions.order_by("number")
    assert (v1.number, v2.number) == (1, 2) and refined.versions.count() == 2
    assert v2.change_note and v2.created_at.date() == dt.date(2022, 4, 5)
    values = ReturnValue.objects.filter(kpi_version__kpi=refined)
    assert values.filter(return_record__financial_year__start_year=2021).exists()
    assert set(values.filter(return_record__financial_year__start_year=2021).values_list("kpi_version", flat=True)) == {v1.pk}
    assert set(values.filter(return_record__financial_year__start_year=2022).values_list("kpi_version", flat=True)) == {v2.pk}


def test_every_active_agreement_has_targets_for_both_years(demo):
    agreed = set(Kpi.objects.filter(outcome__programme=demo, status=Kpi.Status.AGREED))
    agreements = list(demo.agreements.filter(status=Agreement.Status.ACTIVE))
    assert len(agreements) == 10
    for agreement in agreements:
        for start in (2021, 2022):
            targets = KpiTarget.objects.filter(agreement=agreement, financial_year=financial_year_get(start_year=start))
            assert {t.kpi for t in targets} == agreed
            for target in targets:
                quarters = target.quarter_targets
                assert len(set(quarters)) == 1  # profiled evenly
                if target.kpi.current_version.aggregation == "sum":
                    assert sum(quarters) == target.annual_target
    # Scaled to the agreement's size: the largest agreement's volume targets are above the smallest's.
    sg1 = KpiTarget.objects.filter(kpi__code="SG1", financial_year__start_year=2022, agreement__programme=demo)
    largest = sg1.get(agreement__organisation__name__startswith="Kestrel").annual_target
    smallest = sg1.get(agreement__organisation__name__startswith="Bilberry").annual_target
    assert largest > 2 * smallest


def test_returns_cover_six_quarters_with_late_queried_and_missing_ones(demo):
    returns = Return.objects.filter(agreement__programme=demo).select_related("agreement", "financial_year")
    per_agreement = Counter(r.agreement.organisation.name.split()[0] for r in returns)
    assert per_agreement.pop("Bilberry") == 5
    assert set(per_agreement.values()) == {6} and len(per_agreement) == 9
    assert not returns.filter(agreement__organisation__name__startswith="Bilberry", financial_year__start_year=2022, quarter=2)
    assert {(r.financial_year.start_year, r.quarter) for r in returns} == {(2021, q) for q in (1, 2, 3, 4)} | {
        (2022, 1),
        (2022, 2),
    }

    assert returns.filter(status=Return.Status.QUERIED).count() == 1
    assert returns.filter(status=Return.Status.ACCEPTED).count() >= 50
    late = [r for r in returns if r.submitted_at.date() > services.return_due_date(r.agreement, r.financial_year, r.quarter)]
    assert 1 <= len(late) <= 6

    answered = [r for r in returns if r.events.filter(action=ReturnEvent.Action.RESUBMITTED).exists()]
    assert len(answered) == 1
    assert [e.action for e in answered[0].events.all()] == ["submitted", "queried", "resubmitted", "accepted"]
    assert answered[0].status == Return.Status.ACCEPTED

    agreed = Kpi.objects.filter(outcome__programme=demo, status=Kpi.Status.AGREED).count()
    for record in returns:
        assert record.values.count() == agreed
        assert record.narrative.startswith("Illustrative demo return:") and "illustrative" in record.narrative
        assert historical(record.submitted_at)
    assert all(historical(at) for at in ReturnEvent.objects.values_list("at", flat=True))
    accepted_after = [
        (e.at - e.return_record.submitted_at).days
        for e in ReturnEvent.objects.filter(action=ReturnEvent.Action.ACCEPTED).select_related("return_record")
    ]
    assert all(0 < days <= 14 for days in accepted_after)


def test_a_second_run_writes_nothing(demo):
    models = apps.get_models(include_auto_created=True)
    before = {m._meta.label: m.objects.count() for m in models}
    assert before["monitoring.ReturnValue"] > 0
    call_command("load_demo", stdout=io.StringIO())
    assert {m._meta.label: m.objects.count() for m in models} == before
