"""The roll-on in one guided step: the bulk extension under a decision records the year's programme period and links
the year's allocations to the decision; the officer then carries the KPI targets forward, after which the year's
returns are due; the decision shows what it authorised as applied."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from tests.factories import DecisionFactory, OrganisationFactory, funded_programme, line
from tests.monitoring.test_returns import make_kpis
from tests.versions import opened_form
from vcsgrants.core.concurrency import StaleEdit, form_token
from vcsgrants.core.models import AuditEvent
from vcsgrants.funding.models import Agreement, Allocation, ProgrammePeriod
from vcsgrants.funding.selectors.decisions import decision_extension_status
from vcsgrants.funding.services import extension as extension_services
from vcsgrants.funding.services import programmes as programme_services
from vcsgrants.funding.services.agreements import agreement_create, agreement_set_status
from vcsgrants.monitoring import selectors, services
from vcsgrants.monitoring.models import KpiTarget

pytestmark = pytest.mark.django_db

D = Decimal
APR_2022, MAR_2023, APR_2023, MAR_2024 = dt.date(2022, 4, 1), dt.date(2023, 3, 31), dt.date(2023, 4, 1), dt.date(2024, 3, 31)


def active_agreement(funded, officer, amount: str) -> Agreement:
    agreement = agreement_create(
        programme=funded.programme,
        organisation=OrganisationFactory(),
        areas=[funded.areas[0]],
        title="Infrastructure support",
        start_date=APR_2022,
        end_date=MAR_2023,
        actor=officer,
        lines=[line(funded.stream, funded.years[0], funded.areas[0], amount)],
    )
    return agreement_set_status(agreement=agreement, status=Agreement.Status.ACTIVE, actor=officer)


@pytest.fixture
def rolled(officer, districts, fy2022, fy2023):
    """Two active agreements of a programme approved for 2022-23, with SG1 (a count) and SG2 (a percentage) targets in
    2022-23; a decision approving 2023-24 at current levels, not yet applied."""
    funded = funded_programme(actor=officer, areas=districts, start_years=(2022, 2023))
    programme_services.period_record(
        programme=funded.programme,
        kind=ProgrammePeriod.Kind.APPROVED,
        start=APR_2022,
        end=MAR_2023,
        approved_by="Cabinet",
        approved_on=dt.date(2022, 2, 10),
        actor=officer,
    )
    first, second = active_agreement(funded, officer, "12000"), active_agreement(funded, officer, "8000")
    groups, satisfaction = make_kpis(funded.programme, officer)
    for agreement, count in ((first, "10"), (second, "7")):
        services.target_set(
            agreement=agreement, kpi=groups, year=fy2022, annual_target=D(count), actor=officer, quarter_targets=None
        )
        services.target_set(agreement=agreement, kpi=satisfaction, year=fy2022, annual_target=D("80"), actor=officer)
    # A profile that is not even: carried forward as it was.
    services.target_set(
        agreement=first,
        kpi=groups,
        year=fy2022,
        annual_target=D("10"),
        actor=officer,
        quarter_targets=[D("1"), D("2"), D("3"), D("4")],
    )
    decision = DecisionFactory(
        recorded_by=officer,
        title="Grants for 2023-24",
        decision_date=dt.date(2023, 2, 9),
        meeting="Cabinet, 9 February 2023",
        period_start=APR_2023,
        period_end=MAR_2024,
    )
    return funded, first, second, groups, satisfaction, decision


def apply_extension(funded, decision, fy2023, officer):
    return extension_services.bulk_extension_apply(
        programme=funded.programme,
        year=fy2023,
        reason="Extend all grants at current levels for 2023-24",
        approved_by="Cabinet",
        approved_on=dt.date(2023, 2, 9),
        actor=officer,
        decision=decision,
    )


def test_the_extension_under_a_decision_records_the_period_and_links_the_years_allocations(rolled, fy2022, fy2023, officer):
    funded, first, second, *_, decision = rolled
    assert [(e.year, e.applied) for e in decision_extension_status(decision)] == [(fy2023, False)]

    apply_extension(funded, decision, fy2023, officer)

    period = funded.programme.periods.get(start=APR_2023)
    assert (period.kind, period.end, period.decision, period.approved_on) == (
        ProgrammePeriod.Kind.EXTENSION,
        MAR_2024,
        decision,
        dt.date(2023, 2, 9),
    )
    linked = Allocation.objects.filter(stream=funded.stream, financial_year=fy2023)
    assert linked.count() == 2 and set(linked.values_list("decision", flat=True)) == {decision.pk}
    assert set(Allocation.objects.filter(financial_year=fy2022).values_list("decision", flat=True)) == {None}
    assert set(linked.first().history.values_list("decision_id", flat=True)) == {None, decision.pk}, "history shows it"
    event = AuditEvent.objects.get(verb="programme.bulk_extension")
    assert (event.data["period"], sorted(event.data["allocations"])) == (period.pk, sorted(linked.values_list("pk", flat=True)))
    [status] = decision_extension_status(decision)
    assert status.applied and {v.agreement for v in status.variations} == {first, second}
    assert (status.periods, set(status.allocations)) == ([period], set(linked))


def test_no_second_period_when_one_already_covers_the_year_and_none_without_periods_becomes_the_approved_one(
    officer, districts, fy2022, fy2023
):
    funded = funded_programme(actor=officer, areas=districts, start_years=(2022, 2023))
    active_agreement(funded, officer, "100")
    apply_extension(funded, None, fy2023, officer)
    [period] = funded.programme.periods.all()
    assert (period.kind, period.start, period.end, period.decision) == (ProgrammePeriod.Kind.APPROVED, APR_2023, MAR_2024, None)
    assert set(Allocation.objects.values_list("decision", flat=True)) == {None}, "no decision, nothing to cite"


def test_the_carried_targets_are_last_years_per_agreement_and_kpi_with_their_quarterly_profile(rolled, fy2023, officer):
    funded, first, second, groups, satisfaction, decision = rolled
    apply_extension(funded, decision, fy2023, officer)
    assert not selectors.agreement_quarters(first, dt.date(2023, 8, 1))[-1].has_targets

    carried = services.targets_to_carry_forward(programme=funded.programme, year=fy2023)
    assert [(c.agreement, c.kpi.code, c.previous.annual_target, c.current) for c in carried] == [
        (first, "SG1", D("10"), None),
        (first, "SG2", D("80"), None),
        (second, "SG1", D("7"), None),
        (second, "SG2", D("80"), None),
    ]
    version = services.targets_carry_forward_state(funded.programme, fy2023)
    assert version == {}
    rows = [
        (first, groups, D("10"), [D("1"), D("2"), D("3"), D("4")]),  # as last year
        (first, satisfaction, D("85"), None),  # edited: profiled evenly, as a percentage is
        (second, groups, D("7"), None),  # quarters cleared: a count split into whole numbers
    ]  # second × SG2 left blank: not carried
    services.targets_carry_forward(programme=funded.programme, year=fy2023, rows=rows, actor=officer, version=form_token(version))

    written = {
        (t.agreement, t.kpi.code): (t.annual_target, t.quarter_targets) for t in KpiTarget.objects.filter(financial_year=fy2023)
    }
    assert written == {
        (first, "SG1"): (D("10"), [D("1"), D("2"), D("3"), D("4")]),
        (first, "SG2"): (D("85"), [D("85")] * 4),
        (second, "SG1"): (D("7"), [D("2"), D("2"), D("2"), D("1")]),
    }
    event = AuditEvent.objects.get(verb="targets.carried_forward")
    assert event.actor == officer and len(event.data["targets"]) == 3
    # The year's returns are now due: on the agreement's page, and overdue once past their date.
    year_2023 = selectors.agreement_quarters(second, dt.date(2023, 8, 1))[-1]
    assert (year_2023.year, year_2023.has_targets) == (fy2023, True)
    overdue = selectors.overdue_returns(dt.date(2023, 9, 1), organisation_id=second.organisation_id)
    assert [(r.year, r.quarter) for r in overdue if r.year == fy2023] == [(fy2023, 1)]
    # What is set is shown as set, not offered again.
    again = services.targets_to_carry_forward(programme=funded.programme, year=fy2023)
    assert [c.current is not None for c in again] == [True, True, True, False]


def test_one_bad_row_saves_nothing_and_a_stale_page_is_refused(rolled, fy2023, officer, districts):
    funded, first, second, groups, satisfaction, decision = rolled
    apply_extension(funded, decision, fy2023, officer)
    elsewhere = active_agreement(funded_programme(actor=officer, areas=districts), officer, "100")
    opened = form_token(services.targets_carry_forward_state(funded.programme, fy2023))
    bad = [(first, groups, D("10"), None), (second, satisfaction, D("120"), None), (elsewhere, groups, D("1"), None)]
    with pytest.raises(ValidationError) as caught:
        services.targets_carry_forward(programme=funded.programme, year=fy2023, rows=bad, actor=officer, version=opened)
    assert caught.value.message_dict == {
        f"annual_{second.pk}_{satisfaction.pk}": [f"{second.reference} SG2: A percentage target cannot be over 100."],
        f"annual_{elsewhere.pk}_{groups.pk}": [f"{elsewhere.reference} is not an agreement of {funded.programme}."],
    }
    assert not KpiTarget.objects.filter(financial_year=fy2023).exists()
    services.target_set(agreement=first, kpi=groups, year=fy2023, annual_target=D("12"), actor=officer)  # someone else
    with pytest.raises(StaleEdit):
        services.targets_carry_forward(
            programme=funded.programme, year=fy2023, rows=[(second, groups, D("7"), None)], actor=officer, version=opened
        )
    assert KpiTarget.objects.filter(financial_year=fy2023).count() == 1


def test_the_pages_apply_under_the_decision_then_carry_the_targets_forward(rolled, client, fy2023, officer):
    funded, first, second, groups, satisfaction, decision = rolled
    client.force_login(officer)
    page = client.get(decision.get_absolute_url()).content.decode()
    assert "Extend the agreements of" in page
    extend = reverse("funding:bulk-extension", args=[funded.programme.slug])
    answer = client.post(
        extend,
        {
            "financial_year": "2023-24",
            "expected_total": "20000.00",
            "reason": "At current levels",
            "approved_by": "Cabinet",
            "approved_on": "2023-02-09",
            "decision": decision.pk,
        },
    )
    carry = reverse("monitoring:targets-carry-forward", args=[funded.programme.slug, "2023-24"])
    assert answer.status_code == 302 and answer.url == carry
    page = client.get(decision.get_absolute_url()).content.decode()
    assert "Extend the agreements of" not in page, "applied: not offered again"
    assert "Applied:" in page and carry in page and "2 cite this decision" in page

    shown = opened_form(client, carry)  # pre-filled from 2022-23: confirmed as shown
    assert (shown[f"annual_{first.pk}_{groups.pk}"], shown[f"q4_{first.pk}_{groups.pk}"]) == (["10"], ["4"])
    refused = client.post(carry, {**shown, f"annual_{second.pk}_{satisfaction.pk}": "120"})
    assert refused.status_code == 200 and not KpiTarget.objects.filter(financial_year=fy2023).exists()
    assert f"{second.reference} SG2: A percentage target cannot be over 100." in refused.content.decode()
    answer = client.post(carry, shown)
    assert answer.status_code == 302
    assert KpiTarget.objects.filter(financial_year=fy2023).count() == 4
    assert "Already set for 2023-24" in client.get(carry).content.decode()
    assert carry in client.get(answer.url).content.decode(), "the programme's page for the year offers it too"
