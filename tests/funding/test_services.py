"""The business rules for the money: what an officer is refused, and what is written when they are not."""

from __future__ import annotations

import datetime as dt
from contextlib import contextmanager
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.factories import (
    AreaFactory,
    DecisionFactory,
    FundingStreamFactory,
    OrganisationFactory,
    ProgrammeFactory,
    UserFactory,
    funded_programme,
    line,
)
from vcsgrants.core.models import AuditEvent, Role
from vcsgrants.funding.models import (
    Agreement,
    Allocation,
    FundingLine,
    FundingStream,
    Payment,
    PaymentInstalment,
    ProgrammePeriod,
    StreamBudget,
    Variation,
)
from vcsgrants.funding.selectors.agreements import agreement_terms
from vcsgrants.funding.selectors.programmes import programme_year_summary
from vcsgrants.funding.services import agreements as agreement_services
from vcsgrants.funding.services import extension as extension_services
from vcsgrants.funding.services import payments as payment_services
from vcsgrants.funding.services import programmes as programme_services

D = Decimal
APR_2022 = dt.date(2022, 4, 1)
MAR_2023 = dt.date(2023, 3, 31)
MAR_2024 = dt.date(2024, 3, 31)


def messages(exc: ValidationError) -> str:
    return " | ".join(exc.messages)


def make_agreement(funded, *, lines=(), areas=None, organisation=None, start=APR_2022, end=MAR_2023, status=None, actor=None):
    agreement = agreement_services.agreement_create(
        programme=funded.programme,
        organisation=organisation or OrganisationFactory(),
        areas=areas if areas is not None else funded.areas,
        title="Infrastructure support",
        start_date=start,
        end_date=end,
        actor=actor or funded.actor,
        lines=list(lines),
    )
    if status == Agreement.Status.ACTIVE:
        agreement_services.agreement_set_status(agreement=agreement, status=status, actor=actor or funded.actor)
    return agreement


def instalment_plan(agreement, fy):
    return [(i.due_date, i.amount) for i in agreement.instalments.filter(financial_year=fy).order_by("due_date")]


@contextmanager
def nothing_written():
    """Counts every money record before and after: a refused change must leave them all as they were."""
    models = [
        StreamBudget,
        Allocation,
        Agreement,
        FundingLine,
        Variation,
        PaymentInstalment,
        Payment,
        ProgrammePeriod,
        AuditEvent,
    ]

    def snapshot():
        return {m.__name__: m.objects.count() for m in models} | {
            "allocated": sorted(Allocation.objects.values_list("pk", "amount")),
            "budgets": sorted(StreamBudget.objects.values_list("pk", "amount")),
            "instalments": sorted(PaymentInstalment.objects.values_list("pk", "due_date", "amount")),
        }

    before = snapshot()
    yield
    assert snapshot() == before


# --- budgets and allocations --------------------------------------------------------------


def test_allocations_over_budget_are_refused_naming_the_amounts(funded, fy2022):
    a, b = funded.areas
    with nothing_written(), pytest.raises(ValidationError) as caught:
        programme_services.allocations_set(
            stream=funded.stream, year=fy2022, amounts={a: D("60000"), b: D("50000")}, actor=funded.actor
        )
    message = messages(caught.value)
    assert "£110,000.00" in message
    assert "£10,000.00 more" in message
    assert "£100,000.00" in message
    assert "2022-23" in message and funded.stream.name in message


def test_allocations_count_areas_left_untouched_against_the_budget(funded, fy2022):
    a, _ = funded.areas
    with nothing_written(), pytest.raises(ValidationError, match=r"total £110,000\.00"):
        programme_services.allocations_set(stream=funded.stream, year=fy2022, amounts={a: D("70000")}, actor=funded.actor)
    programme_services.allocations_set(stream=funded.stream, year=fy2022, amounts={a: D("60000")}, actor=funded.actor)
    assert Allocation.objects.get(stream=funded.stream, area=a).amount == D("60000.00")


def test_allocations_need_a_budget_first(officer, districts, fy2022):
    stream = FundingStreamFactory()
    with pytest.raises(ValidationError, match="has no budget for 2022-23"):
        programme_services.allocations_set(stream=stream, year=fy2022, amounts={districts[0]: D("1")}, actor=officer)
    assert not Allocation.objects.exists()


def test_allocation_below_what_agreements_commit_is_refused(funded, fy2022):
    a, b = funded.areas
    make_agreement(funded, areas=[a], lines=[line(funded.stream, fy2022, a, "30000")])
    with nothing_written(), pytest.raises(ValidationError) as caught:
        programme_services.allocations_set(
            stream=funded.stream, year=fy2022, amounts={a: D("29999.99"), b: D("10")}, actor=funded.actor
        )
    assert f"area_{a.pk}" in caught.value.error_dict
    assert "agreements already commit £30,000.00" in messages(caught.value)
    # Exactly what is committed is allowed.
    programme_services.allocations_set(stream=funded.stream, year=fy2022, amounts={a: D("30000")}, actor=funded.actor)
    assert Allocation.objects.get(stream=funded.stream, area=a).amount == D("30000.00")


def test_negative_allocation_is_refused(funded, fy2022):
    a, _ = funded.areas
    with nothing_written(), pytest.raises(ValidationError, match="cannot be negative"):
        programme_services.allocations_set(stream=funded.stream, year=fy2022, amounts={a: D("-1")}, actor=funded.actor)


def test_budget_below_what_is_allocated_is_refused(funded, fy2022):
    with nothing_written(), pytest.raises(ValidationError) as caught:
        programme_services.budget_set(stream=funded.stream, year=fy2022, amount=D("79999.99"), actor=funded.actor)
    assert "£80,000.00 is already allocated" in messages(caught.value)
    assert "amount" in caught.value.error_dict
    programme_services.budget_set(stream=funded.stream, year=fy2022, amount=D("80000"), actor=funded.actor)
    assert StreamBudget.objects.get(stream=funded.stream, financial_year=fy2022).amount == D("80000.00")


def test_budget_for_a_year_the_stream_does_not_run_is_refused(officer, fy2023):
    stream = FundingStreamFactory(recurrence=FundingStream.Recurrence.ONE_OFF, end=dt.date(2022, 9, 30))
    with pytest.raises(ValidationError, match="does not run in 2023-24"):
        programme_services.budget_set(stream=stream, year=fy2023, amount=D("1000"), actor=officer)
    assert not StreamBudget.objects.exists()


# --- agreements and their funding lines ------------------------------------------------------


def test_agreement_lines_beyond_the_areas_allocation_are_refused_and_nothing_is_written(funded, fy2022):
    a, _ = funded.areas
    with nothing_written(), pytest.raises(ValidationError) as caught:
        make_agreement(funded, lines=[line(funded.stream, fy2022, a, "45000")])
    message = messages(caught.value)
    assert a.name in message
    assert "2022-23" in message
    assert funded.stream.name in message
    assert "£40,000.00" in message  # the allocation
    assert "£45,000.00" in message  # what was asked for
    assert "£5,000.00" in message  # by how much it is over


def test_second_agreement_cannot_take_more_than_is_left(funded, fy2022):
    a, _ = funded.areas
    make_agreement(funded, areas=[a], lines=[line(funded.stream, fy2022, a, "30000")])
    with nothing_written(), pytest.raises(ValidationError) as caught:
        make_agreement(funded, areas=[a], lines=[line(funded.stream, fy2022, a, "10000.01")])
    assert "already commit £30,000.00" in messages(caught.value)
    assert "by £0.01" in messages(caught.value)
    make_agreement(funded, areas=[a], lines=[line(funded.stream, fy2022, a, "10000")])
    assert programme_services.committed_total(stream=funded.stream, year=fy2022, area=a) == D("40000.00")


def test_lines_in_one_request_are_added_together_against_the_allocation(funded, fy2022):
    a, _ = funded.areas
    with nothing_written(), pytest.raises(ValidationError, match=r"£40,000\.01 more"):
        make_agreement(
            funded, areas=[a], lines=[line(funded.stream, fy2022, a, "20000"), line(funded.stream, fy2022, a, "20000.01")]
        )


def test_agreement_line_for_an_area_not_in_the_agreement_is_refused(funded, fy2022):
    a, b = funded.areas
    with nothing_written(), pytest.raises(ValidationError) as caught:
        make_agreement(funded, areas=[a], lines=[line(funded.stream, fy2022, b, "100")])
    assert f"{b.name} is not one of this agreement's areas" in messages(caught.value)


def test_agreement_line_from_another_programmes_stream_is_refused(funded, fy2022):
    a, _ = funded.areas
    other = funded_programme(actor=funded.actor, areas=[a])
    with nothing_written(), pytest.raises(ValidationError, match="is not a stream of"):
        make_agreement(funded, areas=[a], lines=[line(other.stream, fy2022, a, "100")])


def test_agreement_line_outside_its_period_is_refused(funded, fy2022):
    a, _ = funded.areas
    with nothing_written(), pytest.raises(ValidationError, match="outside the agreement's period"):
        make_agreement(funded, areas=[a], start=dt.date(2023, 4, 1), end=MAR_2024, lines=[line(funded.stream, fy2022, a, "100")])


def test_agreement_without_areas_is_refused(funded):
    with nothing_written(), pytest.raises(ValidationError) as caught:
        make_agreement(funded, areas=[])
    assert "areas" in caught.value.error_dict


@pytest.mark.parametrize("end", [APR_2022, APR_2022 - dt.timedelta(days=1)])
def test_agreement_ending_before_it_starts_is_refused_on_the_end_date(funded, end):
    with nothing_written(), pytest.raises(ValidationError) as caught:
        make_agreement(funded, end=end)
    assert list(caught.value.error_dict) == ["end_date"]


def test_overlapping_agreement_for_the_same_provider_area_and_programme_is_refused(funded, fy2022):
    a, b = funded.areas
    provider = OrganisationFactory()
    first = make_agreement(funded, organisation=provider, areas=[a], end=dt.date(2022, 9, 30))
    with nothing_written(), pytest.raises(ValidationError) as caught:
        make_agreement(funded, organisation=provider, areas=[a, b], start=dt.date(2022, 9, 30), end=MAR_2023)
    assert "start_date" in caught.value.error_dict
    assert first.reference in messages(caught.value)
    # The day after is fine; so are another area and another provider over the same dates.
    make_agreement(funded, organisation=provider, areas=[a], start=dt.date(2022, 10, 1), end=MAR_2023)
    make_agreement(funded, organisation=provider, areas=[b])
    make_agreement(funded, areas=[a])


def test_an_extension_cannot_make_an_agreement_overlap_the_providers_next_one(funded, fy2022):
    a, _ = funded.areas
    provider = OrganisationFactory()
    first = make_agreement(
        funded,
        organisation=provider,
        areas=[a],
        end=dt.date(2022, 9, 30),
        lines=[line(funded.stream, fy2022, a, "1000")],
        status=Agreement.Status.ACTIVE,
    )
    second = make_agreement(funded, organisation=provider, areas=[a], start=dt.date(2023, 1, 1), end=MAR_2023)
    with nothing_written(), pytest.raises(ValidationError) as caught:
        variation(first, funded.actor, kind=Variation.Kind.EXTENSION, new_end_date=MAR_2023)
    assert "new_end_date" in caught.value.error_dict
    assert second.reference in messages(caught.value)
    assert first.current_end_date == dt.date(2022, 9, 30)
    # Up to the day before the next one starts is fine.
    variation(first, funded.actor, kind=Variation.Kind.EXTENSION, new_end_date=dt.date(2022, 12, 31))
    assert first.current_end_date == dt.date(2022, 12, 31)


def test_agreement_references_are_unique_and_numbered_by_start_year(funded):
    first = make_agreement(funded)
    second = make_agreement(funded)
    assert (first.reference, second.reference) == ("SLA-2022-001", "SLA-2022-002")


def test_draft_edit_cannot_drop_an_area_with_funding_or_move_lines_outside(funded, fy2022):
    a, b = funded.areas
    agreement = make_agreement(funded, lines=[line(funded.stream, fy2022, a, "1000")])
    with pytest.raises(ValidationError, match="cannot be removed"):
        agreement_services.agreement_update_draft(
            agreement=agreement, actor=funded.actor, title="x", start_date=APR_2022, end_date=MAR_2023, areas=[b]
        )
    with pytest.raises(ValidationError, match="2022-23 would fall outside"):
        agreement_services.agreement_update_draft(
            agreement=agreement, actor=funded.actor, title="x", start_date=dt.date(2023, 4, 1), end_date=MAR_2024, areas=[a, b]
        )
    agreement_services.agreement_update_draft(
        agreement=agreement, actor=funded.actor, title="Renamed", start_date=APR_2022, end_date=MAR_2023, areas=[a]
    )
    agreement.refresh_from_db()
    assert agreement.title == "Renamed"
    assert list(agreement.areas.all()) == [a]


# --- status --------------------------------------------------------------------------------


def test_status_moves_draft_active_ended_and_back(funded, fy2022):
    a, _ = funded.areas
    agreement = make_agreement(funded, lines=[line(funded.stream, fy2022, a, "1000")])
    assert agreement.status == Agreement.Status.DRAFT
    for status in (Agreement.Status.ACTIVE, Agreement.Status.ENDED, Agreement.Status.ACTIVE):
        agreement_services.agreement_set_status(agreement=agreement, status=status, actor=funded.actor)
        agreement.refresh_from_db()
        assert agreement.status == status


@pytest.mark.parametrize(
    ("path", "refused", "message"),
    [
        ([], Agreement.Status.ENDED, "cannot go from draft to ended"),
        ([Agreement.Status.ACTIVE], Agreement.Status.DRAFT, "cannot go from active to draft"),
        ([Agreement.Status.ACTIVE], Agreement.Status.ACTIVE, "cannot go from active to active"),
        ([Agreement.Status.ACTIVE, Agreement.Status.ENDED], Agreement.Status.DRAFT, "cannot go from ended to draft"),
    ],
)
def test_refused_status_moves(funded, fy2022, path, refused, message):
    a, _ = funded.areas
    agreement = make_agreement(funded, lines=[line(funded.stream, fy2022, a, "1000")])
    for status in path:
        agreement_services.agreement_set_status(agreement=agreement, status=status, actor=funded.actor)
    before = agreement.status
    with nothing_written(), pytest.raises(ValidationError, match=message) as caught:
        agreement_services.agreement_set_status(agreement=agreement, status=refused, actor=funded.actor)
    assert "status" in caught.value.error_dict
    agreement.refresh_from_db()
    assert agreement.status == before


def test_an_agreement_without_funding_cannot_be_made_active(funded):
    agreement = make_agreement(funded)
    with nothing_written(), pytest.raises(ValidationError, match="Add the agreement's funding"):
        agreement_services.agreement_set_status(agreement=agreement, status=Agreement.Status.ACTIVE, actor=funded.actor)


def test_active_agreement_original_terms_cannot_be_edited(funded, fy2022):
    a, _ = funded.areas
    agreement = make_agreement(funded, lines=[line(funded.stream, fy2022, a, "1000")], status=Agreement.Status.ACTIVE)
    with nothing_written(), pytest.raises(ValidationError, match="make a variation"):
        agreement_services.agreement_add_lines(
            agreement=agreement, lines=[line(funded.stream, fy2022, a, "1")], actor=funded.actor
        )
    with nothing_written(), pytest.raises(ValidationError, match="make a variation"):
        agreement_services.agreement_update_draft(
            agreement=agreement, actor=funded.actor, title="x", start_date=APR_2022, end_date=MAR_2023, areas=[a]
        )


# --- variations --------------------------------------------------------------------------------


def variation(agreement, actor, **kwargs):
    defaults = {"reason": "Cabinet agreed", "approved_by": "Cabinet", "approved_on": dt.date(2022, 10, 1)}
    return agreement_services.variation_create(agreement=agreement, actor=actor, **(defaults | kwargs))


@pytest.mark.parametrize("new_end", [MAR_2023, dt.date(2023, 1, 31), None])
def test_an_extension_must_end_after_the_current_end(funded, fy2022, new_end):
    a, _ = funded.areas
    agreement = make_agreement(funded, lines=[line(funded.stream, fy2022, a, "1000")], status=Agreement.Status.ACTIVE)
    with nothing_written(), pytest.raises(ValidationError) as caught:
        variation(agreement, funded.actor, kind=Variation.Kind.EXTENSION, new_end_date=new_end)
    assert "new_end_date" in caught.value.error_dict
    assert "31 March 2023" in messages(caught.value)


def test_a_second_extension_must_end_after_the_first(funded, fy2022):
    a, _ = funded.areas
    agreement = make_agreement(funded, lines=[line(funded.stream, fy2022, a, "1000")], status=Agreement.Status.ACTIVE)
    variation(agreement, funded.actor, kind=Variation.Kind.EXTENSION, new_end_date=dt.date(2023, 9, 30))
    assert agreement.current_end_date == dt.date(2023, 9, 30)
    with nothing_written(), pytest.raises(ValidationError, match="30 September 2023"):
        variation(agreement, funded.actor, kind=Variation.Kind.EXTENSION, new_end_date=dt.date(2023, 6, 30))
    variation(agreement, funded.actor, kind=Variation.Kind.EXTENSION, new_end_date=MAR_2024)
    assert agreement.current_end_date == MAR_2024
    assert agreement.end_date == MAR_2023, "the original end date is never overwritten"
    assert list(agreement.variations.values_list("number", flat=True)) == [1, 2]


def test_a_draft_agreement_has_no_variations(funded, fy2022):
    a, _ = funded.areas
    agreement = make_agreement(funded, lines=[line(funded.stream, fy2022, a, "1000")])
    with nothing_written(), pytest.raises(ValidationError, match="draft agreement is edited directly"):
        variation(agreement, funded.actor, kind=Variation.Kind.VALUE_CHANGE, lines=[line(funded.stream, fy2022, a, "1")])


def test_a_variation_needs_a_reason_and_an_approver(funded, fy2022):
    a, _ = funded.areas
    agreement = make_agreement(funded, lines=[line(funded.stream, fy2022, a, "1000")], status=Agreement.Status.ACTIVE)
    change = [line(funded.stream, fy2022, a, "1")]
    with nothing_written(), pytest.raises(ValidationError) as caught:
        variation(agreement, funded.actor, kind=Variation.Kind.VALUE_CHANGE, lines=change, reason="  ")
    assert "reason" in caught.value.error_dict
    with nothing_written(), pytest.raises(ValidationError) as caught:
        variation(agreement, funded.actor, kind=Variation.Kind.VALUE_CHANGE, lines=change, approved_by="")
    assert "approved_by" in caught.value.error_dict


def test_a_value_change_keeps_the_original_terms_and_adds_to_them(funded, fy2022):
    a, _ = funded.areas
    agreement = make_agreement(funded, areas=[a], lines=[line(funded.stream, fy2022, a, "20000")], status=Agreement.Status.ACTIVE)
    decision = DecisionFactory(recorded_by=funded.actor)
    v1 = variation(
        agreement,
        funded.actor,
        kind=Variation.Kind.VALUE_CHANGE,
        lines=[line(funded.stream, fy2022, a, "5000")],
        decision=decision,
    )
    v2 = variation(agreement, funded.actor, kind=Variation.Kind.VALUE_CHANGE, lines=[line(funded.stream, fy2022, a, "-2000.01")])

    original = FundingLine.objects.get(agreement=agreement, variation__isnull=True)
    assert original.amount == D("20000.00")
    assert list(v1.funding_lines.values_list("amount", flat=True)) == [D("5000.00")]
    assert list(v2.funding_lines.values_list("amount", flat=True)) == [D("-2000.01")]
    assert v1.decision == decision
    assert agreement.value_for(fy2022) == D("22999.99")
    terms = agreement_terms(agreement)
    assert terms["total_value"] == D("22999.99")
    assert [step.label for step in terms["steps"]] == [
        "Original terms",
        "Variation 1: Change of value",
        "Variation 2: Change of value",
    ]
    assert [sum(ln.amount for ln in step.lines) for step in terms["steps"]] == [D("20000.00"), D("5000.00"), D("-2000.01")]
    # The payment schedule follows the current value.
    assert sum(amount for _, amount in instalment_plan(agreement, fy2022)) == D("22999.99")
    assert programme_services.committed_total(stream=funded.stream, year=fy2022, area=a) == D("22999.99")


def test_a_value_change_cannot_exceed_the_allocation_or_go_below_zero(funded, fy2022):
    a, _ = funded.areas
    agreement = make_agreement(funded, areas=[a], lines=[line(funded.stream, fy2022, a, "20000")], status=Agreement.Status.ACTIVE)
    with nothing_written(), pytest.raises(ValidationError, match=r"exceed it by £0\.01"):
        variation(agreement, funded.actor, kind=Variation.Kind.VALUE_CHANGE, lines=[line(funded.stream, fy2022, a, "20000.01")])
    with nothing_written(), pytest.raises(ValidationError, match="below zero"):
        variation(agreement, funded.actor, kind=Variation.Kind.VALUE_CHANGE, lines=[line(funded.stream, fy2022, a, "-20000.01")])
    with nothing_written(), pytest.raises(ValidationError, match="Give the change of value"):
        variation(agreement, funded.actor, kind=Variation.Kind.VALUE_CHANGE, lines=[line(funded.stream, fy2022, a, "0")])
    with nothing_written(), pytest.raises(ValidationError) as caught:
        variation(
            agreement,
            funded.actor,
            kind=Variation.Kind.VALUE_CHANGE,
            lines=[line(funded.stream, fy2022, a, "1")],
            new_end_date=MAR_2024,
        )
    assert "new_end_date" in caught.value.error_dict


def test_a_value_cut_below_what_is_already_paid_is_refused(funded, fy2022):
    a, _ = funded.areas
    agreement = make_agreement(funded, areas=[a], lines=[line(funded.stream, fy2022, a, "4000")], status=Agreement.Status.ACTIVE)
    first, second = agreement.instalments.order_by("due_date")[:2]
    payment_services.payment_record(instalment=first, paid_on=dt.date(2022, 4, 5), amount=D("1000"), actor=funded.actor)
    payment_services.payment_record(instalment=second, paid_on=dt.date(2022, 7, 5), amount=D("1"), actor=funded.actor)
    with nothing_written(), pytest.raises(ValidationError, match="already paid or part-paid"):
        variation(agreement, funded.actor, kind=Variation.Kind.VALUE_CHANGE, lines=[line(funded.stream, fy2022, a, "-2000.01")])
    # Down to exactly the paid and part-paid instalments is fine, and they keep their amounts.
    variation(agreement, funded.actor, kind=Variation.Kind.VALUE_CHANGE, lines=[line(funded.stream, fy2022, a, "-2000")])
    assert instalment_plan(agreement, fy2022) == [(APR_2022, D("1000.00")), (dt.date(2022, 7, 1), D("1000.00"))]


def test_an_extension_with_money_for_the_next_year_gets_that_years_schedule(funded, fy2022, fy2023):
    a, _ = funded.areas
    programme_services.budget_set(stream=funded.stream, year=fy2023, amount=D("50000"), actor=funded.actor)
    programme_services.allocations_set(stream=funded.stream, year=fy2023, amounts={a: D("8000")}, actor=funded.actor)
    agreement = make_agreement(funded, areas=[a], lines=[line(funded.stream, fy2022, a, "4000")], status=Agreement.Status.ACTIVE)
    with nothing_written(), pytest.raises(ValidationError, match="outside the agreement's period"):
        variation(agreement, funded.actor, kind=Variation.Kind.VALUE_CHANGE, lines=[line(funded.stream, fy2023, a, "100")])
    variation(
        agreement,
        funded.actor,
        kind=Variation.Kind.EXTENSION,
        new_end_date=dt.date(2023, 9, 30),
        lines=[line(funded.stream, fy2023, a, "3000.01")],
    )
    assert instalment_plan(agreement, fy2023) == [(dt.date(2023, 4, 1), D("1500.01")), (dt.date(2023, 7, 1), D("1500.00"))]
    assert sum(amount for _, amount in instalment_plan(agreement, fy2022)) == D("4000.00")


# --- payment schedules and payments ------------------------------------------------------------


def test_default_schedule_is_quarterly_in_advance_and_sums_to_the_years_value(funded, fy2022):
    a, b = funded.areas
    agreement = make_agreement(funded, lines=[line(funded.stream, fy2022, a, "10000.02"), line(funded.stream, fy2022, b, "0.01")])
    assert instalment_plan(agreement, fy2022) == [
        (APR_2022, D("2500.01")),
        (dt.date(2022, 7, 1), D("2500.01")),
        (dt.date(2022, 10, 1), D("2500.01")),
        (dt.date(2023, 1, 1), D("2500.00")),
    ]


def test_default_schedule_for_an_agreement_starting_mid_quarter(funded, fy2022):
    a, _ = funded.areas
    agreement = make_agreement(funded, areas=[a], start=dt.date(2022, 5, 15), lines=[line(funded.stream, fy2022, a, "900")])
    plan = instalment_plan(agreement, fy2022)
    assert plan[0] == (dt.date(2022, 5, 15), D("225.00"))
    assert len(plan) == 4


def test_default_schedule_for_october_to_march_is_two_instalments(funded, fy2022):
    a, _ = funded.areas
    agreement = make_agreement(funded, areas=[a], start=dt.date(2022, 10, 1), lines=[line(funded.stream, fy2022, a, "5000")])
    assert instalment_plan(agreement, fy2022) == [(dt.date(2022, 10, 1), D("2500.00")), (dt.date(2023, 1, 1), D("2500.00"))]


def test_adding_lines_to_a_draft_rebuilds_the_schedule(funded, fy2022):
    a, _ = funded.areas
    agreement = make_agreement(funded, areas=[a], lines=[line(funded.stream, fy2022, a, "1000")])
    agreement_services.agreement_add_lines(agreement=agreement, lines=[line(funded.stream, fy2022, a, "200")], actor=funded.actor)
    assert [amount for _, amount in instalment_plan(agreement, fy2022)] == [D("300.00")] * 4


def test_schedule_replace_refuses_a_schedule_that_does_not_add_up(funded, fy2022):
    a, _ = funded.areas
    agreement = make_agreement(funded, areas=[a], lines=[line(funded.stream, fy2022, a, "1000")])
    before = instalment_plan(agreement, fy2022)
    with nothing_written(), pytest.raises(ValidationError) as caught:
        payment_services.schedule_replace(
            agreement=agreement,
            year=fy2022,
            instalments=[(APR_2022, D("600")), (dt.date(2022, 10, 1), D("399.99"))],
            actor=funded.actor,
        )
    assert "£999.99" in messages(caught.value) and "£1,000.00" in messages(caught.value)
    assert instalment_plan(agreement, fy2022) == before


def test_schedule_replace_refuses_dates_outside_the_year_and_negative_amounts(funded, fy2022):
    a, _ = funded.areas
    agreement = make_agreement(funded, areas=[a], lines=[line(funded.stream, fy2022, a, "1000")])
    with nothing_written(), pytest.raises(ValidationError) as caught:
        payment_services.schedule_replace(
            agreement=agreement, year=fy2022, instalments=[(dt.date(2023, 4, 1), D("1000"))], actor=funded.actor
        )
    assert "due_date" in caught.value.error_dict
    with nothing_written(), pytest.raises(ValidationError, match="cannot be negative"):
        payment_services.schedule_replace(
            agreement=agreement, year=fy2022, instalments=[(APR_2022, D("1100")), (MAR_2023, D("-100"))], actor=funded.actor
        )


def test_schedule_replace_with_a_schedule_that_adds_up(funded, fy2022):
    a, _ = funded.areas
    agreement = make_agreement(funded, areas=[a], lines=[line(funded.stream, fy2022, a, "1000")])
    payment_services.schedule_replace(
        agreement=agreement,
        year=fy2022,
        instalments=[(dt.date(2022, 10, 1), D("400")), (dt.date(2022, 6, 1), D("600"))],
        actor=funded.actor,
    )
    assert instalment_plan(agreement, fy2022) == [(dt.date(2022, 6, 1), D("600.00")), (dt.date(2022, 10, 1), D("400.00"))]


def test_schedule_replace_refused_once_payments_are_recorded(funded, fy2022):
    a, _ = funded.areas
    agreement = make_agreement(funded, areas=[a], lines=[line(funded.stream, fy2022, a, "1000")])
    payment_services.payment_record(
        instalment=agreement.instalments.first(), paid_on=dt.date(2022, 4, 2), amount=D("1"), actor=funded.actor
    )
    with nothing_written(), pytest.raises(ValidationError, match="can no longer be replaced"):
        payment_services.schedule_replace(
            agreement=agreement, year=fy2022, instalments=[(APR_2022, D("1000"))], actor=funded.actor
        )


def test_payment_record_refuses_overpayment(funded, fy2022):
    a, _ = funded.areas
    agreement = make_agreement(funded, areas=[a], lines=[line(funded.stream, fy2022, a, "1000")])
    instalment = agreement.instalments.first()
    assert instalment.amount == D("250.00")
    with nothing_written(), pytest.raises(ValidationError, match=r"Only £250\.00 is outstanding"):
        payment_services.payment_record(
            instalment=instalment, paid_on=dt.date(2022, 4, 2), amount=D("250.01"), actor=funded.actor
        )
    payment_services.payment_record(instalment=instalment, paid_on=dt.date(2022, 4, 2), amount=D("100"), actor=funded.actor)
    with nothing_written(), pytest.raises(ValidationError, match=r"Only £150\.00 is outstanding"):
        payment_services.payment_record(
            instalment=instalment, paid_on=dt.date(2022, 4, 3), amount=D("150.01"), actor=funded.actor
        )
    payment_services.payment_record(instalment=instalment, paid_on=dt.date(2022, 4, 3), amount=D("150"), actor=funded.actor)
    assert sum(instalment.payments.values_list("amount", flat=True)) == D("250.00")


@pytest.mark.parametrize("amount", [D("0"), D("-1")])
def test_payment_record_refuses_nothing_or_less(funded, fy2022, amount):
    a, _ = funded.areas
    agreement = make_agreement(funded, areas=[a], lines=[line(funded.stream, fy2022, a, "1000")])
    with nothing_written(), pytest.raises(ValidationError, match="more than £0.00"):
        payment_services.payment_record(
            instalment=agreement.instalments.first(), paid_on=dt.date(2022, 4, 2), amount=amount, actor=funded.actor
        )


def test_payment_record_refuses_a_future_date(funded, fy2022):
    a, _ = funded.areas
    agreement = make_agreement(funded, areas=[a], lines=[line(funded.stream, fy2022, a, "1000")])
    tomorrow = dt.date.today() + dt.timedelta(days=1)
    with nothing_written(), pytest.raises(ValidationError) as caught:
        payment_services.payment_record(
            instalment=agreement.instalments.first(), paid_on=tomorrow, amount=D("1"), actor=funded.actor
        )
    assert "paid_on" in caught.value.error_dict
    payment_services.payment_record(
        instalment=agreement.instalments.first(), paid_on=dt.date.today(), amount=D("1"), actor=funded.actor
    )


# --- bulk extension at current levels ------------------------------------------------------------


@pytest.fixture
def two_year_programme(officer, districts, fy2022, fy2023):
    """A recurrent and a one-off stream, both running and budgeted in 2022-23 and 2023-24."""
    recurrent = funded_programme(actor=officer, areas=districts, start_years=(2022, 2023), stream_name="Core")
    one_off = funded_programme(
        actor=officer,
        areas=districts,
        start_years=(2022, 2023),
        programme=recurrent.programme,
        stream_name="Winter pressures",
        recurrence=FundingStream.Recurrence.ONE_OFF,
    )
    return recurrent, one_off.stream


def test_bulk_extension_extends_active_agreements_ending_the_day_before_at_recurrent_levels(two_year_programme, fy2022, fy2023):
    funded, one_off = two_year_programme
    core = funded.stream
    a, b = funded.areas
    extend = make_agreement(
        funded,
        areas=[a, b],
        lines=[line(core, fy2022, a, "20000"), line(core, fy2022, b, "5000"), line(one_off, fy2022, a, "7000")],
        status=Agreement.Status.ACTIVE,
    )
    variation(extend, funded.actor, kind=Variation.Kind.VALUE_CHANGE, lines=[line(core, fy2022, a, "1000.50")])
    draft = make_agreement(funded, areas=[a], lines=[line(core, fy2022, a, "100")])
    ends_early = make_agreement(
        funded, areas=[a], end=dt.date(2022, 9, 30), lines=[line(core, fy2022, a, "100")], status=Agreement.Status.ACTIVE
    )
    runs_on = make_agreement(
        funded,
        areas=[b],
        end=MAR_2024,
        lines=[line(core, fy2022, b, "100"), line(core, fy2023, b, "100")],
        status=Agreement.Status.ACTIVE,
    )
    one_off_only = make_agreement(funded, areas=[b], lines=[line(one_off, fy2022, b, "300")], status=Agreement.Status.ACTIVE)

    preview = extension_services.bulk_extension_preview(programme=funded.programme, year=fy2023)

    assert [row.agreement for row in preview.rows] == [extend]
    row = preview.rows[0]
    assert (row.old_end, row.new_end) == (MAR_2023, MAR_2024)
    assert row.old_value == D("33000.50")
    assert sorted((ln.area.name, ln.stream.name, ln.amount) for ln in row.lines) == [
        (a.name, "Core", D("21000.50")),
        (b.name, "Core", D("5000.00")),
    ]
    assert preview.total == D("26000.50")
    assert preview.excluded_streams == [one_off]
    assert preview.problems == []
    skipped = dict(preview.skipped)
    assert set(skipped) == {draft, ends_early, runs_on, one_off_only}
    assert "not active" in skipped[draft]
    assert "ends 30 Sep 2022" in skipped[ends_early]
    assert "already runs to 31 Mar 2024" in skipped[runs_on]
    assert "no recurrent funding" in skipped[one_off_only]
    assert not Variation.objects.filter(kind=Variation.Kind.EXTENSION).exists(), "a preview writes nothing"


def test_bulk_extension_apply_writes_one_variation_per_agreement_linked_to_the_decision(two_year_programme, fy2022, fy2023):
    funded, _ = two_year_programme
    core = funded.stream
    a, b = funded.areas
    first = make_agreement(funded, areas=[a], lines=[line(core, fy2022, a, "12000")], status=Agreement.Status.ACTIVE)
    second = make_agreement(funded, areas=[b], lines=[line(core, fy2022, b, "8000.02")], status=Agreement.Status.ACTIVE)
    left_alone = make_agreement(
        funded, areas=[a], end=dt.date(2022, 9, 30), lines=[line(core, fy2022, a, "1")], status=Agreement.Status.ACTIVE
    )
    decision = DecisionFactory(recorded_by=funded.actor)

    variations = extension_services.bulk_extension_apply(
        programme=funded.programme,
        year=fy2023,
        reason="Extended at current levels",
        approved_by="Cabinet",
        approved_on=dt.date(2023, 2, 9),
        actor=funded.actor,
        decision=decision,
        expected_total=D("20000.02"),
    )

    assert len(variations) == 2
    assert {v.agreement for v in variations} == {first, second}
    for v in variations:
        assert (v.kind, v.decision, v.new_end_date, v.reason) == (
            Variation.Kind.EXTENSION,
            decision,
            MAR_2024,
            "Extended at current levels",
        )
    assert (first.current_end_date, second.current_end_date) == (MAR_2024, MAR_2024)
    assert (first.value_for(fy2023), second.value_for(fy2023)) == (D("12000.00"), D("8000.02"))
    assert [amount for _, amount in instalment_plan(second, fy2023)] == [D("2000.01"), D("2000.01"), D("2000.00"), D("2000.00")]
    assert not left_alone.variations.exists()
    event = AuditEvent.objects.get(verb="programme.bulk_extension")
    assert event.actor == funded.actor
    assert set(event.data["agreements"]) == {first.reference, second.reference}
    assert event.data["total"] == "20000.02"
    # Running it again finds nothing left to extend.
    with nothing_written(), pytest.raises(ValidationError, match="nothing to extend"):
        extension_services.bulk_extension_apply(
            programme=funded.programme,
            year=fy2023,
            reason="Again",
            approved_by="Cabinet",
            approved_on=dt.date(2023, 2, 9),
            actor=funded.actor,
        )


def test_bulk_extension_refused_when_allocations_lack_room_and_nothing_is_written(two_year_programme, fy2022, fy2023):
    funded, _ = two_year_programme
    core = funded.stream
    a, b = funded.areas
    make_agreement(funded, areas=[a], lines=[line(core, fy2022, a, "12000")], status=Agreement.Status.ACTIVE)
    make_agreement(funded, areas=[b], lines=[line(core, fy2022, b, "8000")], status=Agreement.Status.ACTIVE)
    programme_services.allocations_set(stream=core, year=fy2023, amounts={a: D("11999.99")}, actor=funded.actor)

    preview = extension_services.bulk_extension_preview(programme=funded.programme, year=fy2023)
    assert len(preview.problems) == 1
    assert a.name in preview.problems[0]
    assert "£11,999.99 uncommitted" in preview.problems[0] and "needs £12,000.00" in preview.problems[0]

    with nothing_written(), pytest.raises(ValidationError) as caught:
        extension_services.bulk_extension_apply(
            programme=funded.programme,
            year=fy2023,
            reason="r",
            approved_by="Cabinet",
            approved_on=dt.date(2023, 2, 9),
            actor=funded.actor,
        )
    assert a.name in messages(caught.value)
    assert not FundingLine.objects.filter(financial_year=fy2023).exists()


def test_bulk_extension_refused_when_the_agreements_changed_since_the_preview(two_year_programme, fy2022, fy2023):
    funded, _ = two_year_programme
    a, _ = funded.areas
    make_agreement(funded, areas=[a], lines=[line(funded.stream, fy2022, a, "12000")], status=Agreement.Status.ACTIVE)
    with nothing_written(), pytest.raises(ValidationError, match=r"now £12,000\.00"):
        extension_services.bulk_extension_apply(
            programme=funded.programme,
            year=fy2023,
            reason="r",
            approved_by="Cabinet",
            approved_on=dt.date(2023, 2, 9),
            actor=funded.actor,
            expected_total=D("11000"),
        )


# --- programme periods ------------------------------------------------------------------------------


def period(programme, actor, kind, start, end):
    return programme_services.period_record(
        programme=programme, kind=kind, start=start, end=end, approved_by="Cabinet", approved_on=dt.date(2022, 2, 10), actor=actor
    )


def test_period_record_approved_then_extensions(officer):
    programme = ProgrammeFactory()
    approved = ProgrammePeriod.Kind.APPROVED
    extension = ProgrammePeriod.Kind.EXTENSION
    with nothing_written(), pytest.raises(ValidationError, match="Record the approved period first"):
        period(programme, officer, extension, APR_2022, MAR_2023)
    period(programme, officer, approved, APR_2022, MAR_2023)
    with nothing_written(), pytest.raises(ValidationError, match="already has its approved period"):
        period(programme, officer, approved, dt.date(2023, 4, 1), MAR_2024)
    with nothing_written(), pytest.raises(ValidationError) as caught:
        period(programme, officer, extension, dt.date(2023, 3, 31), MAR_2024)
    assert "overlaps" in messages(caught.value)
    with nothing_written(), pytest.raises(ValidationError) as caught:
        period(programme, officer, extension, dt.date(2021, 4, 1), dt.date(2022, 3, 31))
    assert "end" in caught.value.error_dict and "must end after the current end" in messages(caught.value)
    with nothing_written(), pytest.raises(ValidationError) as caught:
        period(programme, officer, extension, MAR_2024, dt.date(2023, 4, 1))
    assert "end" in caught.value.error_dict
    ext = period(programme, officer, extension, dt.date(2023, 4, 1), MAR_2024)
    assert ext.months == 12
    assert [p.kind for p in programme.periods.all()] == [approved, extension]


# --- the audit log ------------------------------------------------------------------------------------


@contextmanager
def audited(verb, actor):
    before = set(AuditEvent.objects.values_list("pk", flat=True))
    yield
    new = list(AuditEvent.objects.exclude(pk__in=before).filter(verb=verb))
    assert new, f"no {verb} event was written"
    for event in new:
        assert event.actor == actor
        assert str(actor) in str(event)
        assert event.summary


def test_every_service_write_records_an_audit_event_naming_the_actor(districts, fy2022, fy2023, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    actor = UserFactory(roles=[Role.FINANCE, Role.OFFICER], username="jane.finance")
    a, b = districts
    programme = ProgrammeFactory()
    stream = FundingStreamFactory(programme=programme)
    with audited("period.recorded", actor):
        period(programme, actor, ProgrammePeriod.Kind.APPROVED, APR_2022, MAR_2023)
    with audited("budget.set", actor):
        programme_services.budget_set(stream=stream, year=fy2022, amount=D("5000"), actor=actor)
    programme_services.budget_set(stream=stream, year=fy2023, amount=D("5000"), actor=actor)
    with audited("allocations.set", actor):
        programme_services.allocations_set(stream=stream, year=fy2022, amounts={a: D("2000"), b: D("2000")}, actor=actor)
    programme_services.allocations_set(stream=stream, year=fy2023, amounts={a: D("2000"), b: D("2000")}, actor=actor)
    with audited("agreement.created", actor):
        agreement = agreement_services.agreement_create(
            programme=programme,
            organisation=OrganisationFactory(),
            areas=[a, b],
            title="t",
            start_date=APR_2022,
            end_date=MAR_2023,
            actor=actor,
            lines=[line(stream, fy2022, a, "1000")],
        )
    with audited("agreement.updated", actor):
        agreement_services.agreement_update_draft(
            agreement=agreement, actor=actor, title="t2", start_date=APR_2022, end_date=MAR_2023, areas=[a, b]
        )
    with audited("agreement.lines_added", actor):
        agreement_services.agreement_add_lines(agreement=agreement, lines=[line(stream, fy2022, b, "500")], actor=actor)
    with audited("schedule.replaced", actor):
        payment_services.schedule_replace(agreement=agreement, year=fy2022, instalments=[(APR_2022, D("1500"))], actor=actor)
    with audited("agreement.status", actor):
        agreement_services.agreement_set_status(agreement=agreement, status=Agreement.Status.ACTIVE, actor=actor)
    with audited("payment.recorded", actor):
        payment_services.payment_record(
            instalment=agreement.instalments.get(), paid_on=dt.date(2022, 4, 4), amount=D("1500"), actor=actor
        )
    with audited("variation.created", actor):
        variation(agreement, actor, kind=Variation.Kind.VALUE_CHANGE, lines=[line(stream, fy2022, a, "10")])
    with audited("variation.created", actor), audited("programme.bulk_extension", actor):
        extension_services.bulk_extension_apply(
            programme=programme, year=fy2023, reason="r", approved_by="Cabinet", approved_on=dt.date(2023, 2, 1), actor=actor
        )
    with audited("document.uploaded", actor):
        agreement_services.document_upload(
            agreement=agreement, title="Signed SLA", upload=SimpleUploadedFile("sla.pdf", b"%PDF-1.4 test"), actor=actor
        )


def test_a_service_write_without_an_actor_is_refused(funded, fy2022):
    with nothing_written(), pytest.raises(ValueError, match="needs a signed-in actor"):
        programme_services.budget_set(stream=funded.stream, year=fy2022, amount=D("90000"), actor=None)


def test_allocations_set_records_what_changed(funded, fy2022):
    a, b = funded.areas
    extra = AreaFactory()
    with audited("allocations.set", funded.actor):
        programme_services.allocations_set(
            stream=funded.stream, year=fy2022, amounts={a: D("40000"), b: D("10000"), extra: D("5")}, actor=funded.actor
        )
    event = AuditEvent.objects.filter(verb="allocations.set").first()
    changes = [(c["area"], c["was"] and D(c["was"]), D(c["now"])) for c in event.data["changes"]]
    assert changes == [(b.name, D("40000"), D("10000")), (extra.name, None, D("5"))]
    assert "total now £50,005.00" in event.summary


def test_a_big_cut_leaving_pennies_is_scheduled_paid_and_summed_exactly(funded, fy2022):
    """Sums that cancel out (£15,000.10 less £15,000.00) must come back as exactly 10p on every database."""
    a, _ = funded.areas
    agreement = make_agreement(
        funded, areas=[a], lines=[line(funded.stream, fy2022, a, "15000.10")], status=Agreement.Status.ACTIVE
    )
    variation(agreement, funded.actor, kind=Variation.Kind.VALUE_CHANGE, lines=[line(funded.stream, fy2022, a, "-15000.00")])
    assert agreement.value_for(fy2022) == D("0.10")
    assert sum(amount for _, amount in instalment_plan(agreement, fy2022)) == D("0.10")
    payment_services.schedule_replace(agreement=agreement, year=fy2022, instalments=[(APR_2022, D("0.10"))], actor=funded.actor)
    payment_services.payment_record(
        instalment=agreement.instalments.get(), paid_on=APR_2022, amount=D("0.10"), actor=funded.actor
    )
    summary = programme_year_summary(programme=funded.programme, year=fy2022)
    assert (summary.stream_total.committed, summary.stream_total.paid) == (D("0.10"), D("0.10"))
    assert programme_services.committed_total(stream=funded.stream, year=fy2022, area=a) == D("0.10")
