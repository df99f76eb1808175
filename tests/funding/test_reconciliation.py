"""Random programmes built through the services always reconcile to the penny.

Each example builds a programme of 1–3 streams (recurrent or one-off) over 2022-23 and 2023-24
with random budgets, allocations within them, agreements with lines within the allocations,
variations, and payments within the instalments; then checks what the programme page shows.
Every example runs in its own savepoint and is rolled back, so examples do not see each other.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from tests.factories import AreaFactory, CountyAreaFactory, FundingStreamFactory, OrganisationFactory, ProgrammeFactory, line
from vcsgrants.core.money import from_pence, to_pence
from vcsgrants.funding.models import ZERO, Agreement, Allocation, FundingStream, MoneySum, Payment, Variation
from vcsgrants.funding.selectors.programmes import paid_by_line, programme_year_summary
from vcsgrants.funding.services import agreements as agreement_services
from vcsgrants.funding.services import payments as payment_services
from vcsgrants.funding.services import programmes as programme_services

START = dt.date(2022, 4, 1)
LAST_DAY = dt.date(2024, 3, 31)
TEN_MILLION_POUNDS_IN_PENCE = 10_000_000 * 100


class Ledger:
    """What the example put in, kept independently of the database, to check the summary against."""

    def __init__(self) -> None:
        self.allocated: dict[tuple[int, int, int], int] = defaultdict(int)  # (stream, year, area) → pence
        self.committed: dict[tuple[int, int, int], int] = defaultdict(int)
        self.budget: dict[tuple[int, int], int] = {}
        self.paid: dict[tuple[int, int], int] = defaultdict(int)  # (agreement, year) → pence

    def free(self, stream, fy, area) -> int:
        key = (stream.pk, fy.pk, area.pk)
        return self.allocated[key] - self.committed[key]


def pence(draw, high: int) -> int:
    """Mostly small round-ish amounts, sometimes all there is: edges are where pennies go missing."""
    if high <= 0:
        return 0
    return draw(st.one_of(st.integers(0, high), st.just(high), st.integers(0, min(high, 1000))))


def build_programme(draw, actor, years, ledger: Ledger):
    areas = [AreaFactory() for _ in range(draw(st.integers(1, 4)))]
    if draw(st.booleans()):
        areas.append(CountyAreaFactory())
    programme = ProgrammeFactory()
    streams = []
    for _ in range(draw(st.integers(1, 3))):
        one_off = draw(st.booleans())
        end = draw(st.sampled_from([None, dt.date(2022, 9, 30), dt.date(2023, 3, 31)])) if one_off else None
        stream = FundingStreamFactory(
            programme=programme,
            recurrence=FundingStream.Recurrence.ONE_OFF if one_off else FundingStream.Recurrence.RECURRENT,
            end=end,
        )
        streams.append(stream)
        for fy in years:
            if not stream.runs_in(fy):
                continue
            budget = draw(st.integers(0, TEN_MILLION_POUNDS_IN_PENCE))
            programme_services.budget_set(stream=stream, year=fy, amount=from_pence(budget), actor=actor)
            ledger.budget[(stream.pk, fy.pk)] = budget
            left = budget
            amounts = {}
            for area in areas:
                if draw(st.booleans()):
                    amounts[area] = pence(draw, left)
                    left -= amounts[area]
            if amounts:
                programme_services.allocations_set(
                    stream=stream, year=fy, amounts={a: from_pence(p) for a, p in amounts.items()}, actor=actor
                )
                for area, p in amounts.items():
                    ledger.allocated[(stream.pk, fy.pk, area.pk)] = p
    return programme, streams, areas


def years_touched(years, start, end):
    return [fy for fy in years if fy.start <= end and fy.end >= start]


def draw_lines(draw, ledger, streams, years, areas, start, end):
    lines = []
    for fy in years_touched(years, start, end):
        for stream in streams:
            if not stream.runs_in(fy):
                continue
            for area in areas:
                if draw(st.booleans()):
                    amount = pence(draw, ledger.free(stream, fy, area))
                    lines.append(line(stream, fy, area, from_pence(amount)))
    return lines


def commit(ledger, lines):
    for ln in lines:
        ledger.committed[(ln.stream.pk, ln.financial_year.pk, ln.area.pk)] += to_pence(ln.amount)


def draw_value_change(draw, ledger, agreement, streams, years):
    """A change to one of the agreement's (stream, year, area) keys: down to zero at most, up to what is free."""
    keys = sorted(
        {(ln.stream_id, ln.financial_year_id, ln.area_id) for ln in agreement.funding_lines.all()},
    )
    if not keys:
        return []
    stream_id, year_id, area_id = draw(st.sampled_from(keys))
    stream = next(s for s in streams if s.pk == stream_id)
    fy = next(y for y in years if y.pk == year_id)
    area = agreement.areas.get(pk=area_id)
    own = to_pence(
        agreement.funding_lines.filter(stream=stream, financial_year=fy, area=area).aggregate(t=MoneySum("amount"))["t"]
    )
    delta = draw(st.integers(-own, ledger.free(stream, fy, area)))
    return [line(stream, fy, area, from_pence(delta))] if delta else []


def build_agreements(draw, actor, ledger, programme, streams, years, areas):
    agreements = []
    for _ in range(draw(st.integers(0, 4))):
        chosen = draw(st.lists(st.sampled_from(areas), min_size=1, max_size=len(areas), unique_by=lambda a: a.pk))
        start = START + dt.timedelta(days=draw(st.integers(0, 500)))
        end = min(start + dt.timedelta(days=draw(st.integers(1, 700))), LAST_DAY)
        if end <= start:
            continue
        lines = draw_lines(draw, ledger, streams, years, chosen, start, end)
        agreement = agreement_services.agreement_create(
            programme=programme,
            organisation=OrganisationFactory(),
            areas=chosen,
            title="Random agreement",
            start_date=start,
            end_date=end,
            actor=actor,
            lines=lines,
        )
        commit(ledger, lines)
        agreements.append(agreement)
        if not agreement.funding_lines.exists() or not draw(st.booleans()):
            continue
        agreement_services.agreement_set_status(agreement=agreement, status=Agreement.Status.ACTIVE, actor=actor)
        change = draw_value_change(draw, ledger, agreement, streams, years)
        if change:
            agreement_services.variation_create(
                agreement=agreement,
                kind=Variation.Kind.VALUE_CHANGE,
                lines=change,
                reason="Random change",
                approved_by="Officer",
                approved_on=start,
                actor=actor,
            )
            commit(ledger, change)
    return agreements


def pay(draw, actor, ledger, agreements):
    for agreement in agreements:
        for instalment in agreement.instalments.order_by("due_date", "id"):
            owed = to_pence(instalment.amount)
            for _ in range(draw(st.integers(0, 2))):
                amount = pence(draw, owed)
                if amount == 0:
                    continue
                payment_services.payment_record(
                    instalment=instalment, paid_on=instalment.due_date, amount=from_pence(amount), actor=actor
                )
                ledger.paid[(agreement.pk, instalment.financial_year_id)] += amount
                owed -= amount


def change_after_payment(draw, actor, ledger, agreements, streams, years):
    """A value change once money has gone out: either it fits round the paid instalments or nothing changes."""
    for agreement in agreements:
        if agreement.status != Agreement.Status.ACTIVE or not draw(st.booleans()):
            continue
        change = draw_value_change(draw, ledger, agreement, streams, years)
        if not change:
            continue
        before = sorted(agreement.instalments.values_list("pk", "due_date", "amount"))
        try:
            agreement_services.variation_create(
                agreement=agreement,
                kind=Variation.Kind.VALUE_CHANGE,
                lines=change,
                reason="Change after payment",
                approved_by="Officer",
                approved_on=dt.date(2024, 1, 1),
                actor=actor,
            )
        except ValidationError as exc:
            # Refused as below the year's paid instalments, or below what has been paid on the stream's line.
            messages = " ".join(exc.messages)
            assert "already paid or part-paid" in messages or "has already been paid from" in messages
            assert sorted(agreement.instalments.values_list("pk", "due_date", "amount")) == before
        else:
            commit(ledger, change)


def check_year(ledger, programme, streams, agreements, fy):
    summary = programme_year_summary(programme=programme, year=fy)

    # The stream table and the district table each add up to their totals, and the two totals agree.
    for attr in ("allocated", "committed", "paid"):
        by_stream = sum((getattr(r, attr) for r in summary.streams), ZERO)
        by_district = sum((getattr(r, attr) for r in summary.districts), ZERO)
        assert by_stream == getattr(summary.stream_total, attr) == by_district == getattr(summary.district_total, attr), attr
    assert summary.reconciles

    # ...and they are the money that was put in, not just consistent with each other.
    year_keys = [k for k in ledger.allocated if k[1] == fy.pk]
    assert to_pence(summary.stream_total.allocated) == sum(ledger.allocated[k] for k in year_keys)
    assert to_pence(summary.stream_total.committed) == sum(v for k, v in ledger.committed.items() if k[1] == fy.pk)
    recorded = Payment.objects.filter(instalment__agreement__programme=programme, instalment__financial_year=fy)
    paid_recorded = recorded.aggregate(t=MoneySum("amount"))["t"] or ZERO
    assert to_pence(paid_recorded) == sum(v for (_, year_id), v in ledger.paid.items() if year_id == fy.pk)
    assert summary.stream_total.paid == paid_recorded
    assert summary.committed_recurrent + summary.committed_one_off == summary.stream_total.committed

    running = {s.pk for s in streams if s.runs_in(fy)}
    assert {row.obj.pk for row in summary.streams} == running
    for row in summary.streams:
        assert to_pence(row.budget) == ledger.budget.get((row.obj.pk, fy.pk), 0)
        assert row.allocated <= row.budget
        # Paid by stream follows the instalments paid: never more than the stream commits, remaining = committed − paid.
        assert ZERO <= row.paid <= row.committed, f"{row.label} shown paid more than it commits"
        assert row.remaining == row.committed - row.paid
        assert row.uncommitted == row.budget - row.committed
    for row in summary.districts:
        assert row.committed <= row.allocated, f"{row.label} commits more than it is allocated"
        assert row.paid <= row.committed
        assert row.remaining == row.committed - row.paid
    for stream in streams:
        for allocation in Allocation.objects.filter(stream=stream, financial_year=fy):
            committed = programme_services.committed_total(stream=stream, year=fy, area=allocation.area)
            assert committed <= allocation.amount

    # Paid, apportioned over each agreement's lines, adds back up to exactly what was paid.
    shares = paid_by_line(programme=programme, year=fy)
    for agreement in agreements:
        own = {k: v for k, v in shares.items() if k[0] == agreement.pk}
        assert to_pence(sum(own.values(), ZERO)) == ledger.paid[(agreement.pk, fy.pk)]
        for (_, stream_id, area_id), share in own.items():
            net = agreement.funding_lines.filter(financial_year=fy, stream_id=stream_id, area_id=area_id).aggregate(
                t=MoneySum("amount")
            )["t"]
            assert ZERO <= share <= net

    # Every agreement's instalments for the year add up exactly to its value for the year.
    for agreement in agreements:
        instalments = list(agreement.instalments.filter(financial_year=fy))
        assert sum((i.amount for i in instalments), ZERO) == agreement.value_for(fy)
        for instalment in instalments:
            assert fy.start <= instalment.due_date <= fy.end
            paid = instalment.payments.aggregate(t=MoneySum("amount"))["t"] or ZERO
            assert paid <= instalment.amount


@pytest.mark.django_db
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_programme_year_summary_reconciles_to_the_penny(officer, fy2022, fy2023, data):
    years = [fy2022, fy2023]
    with transaction.atomic():
        try:
            ledger = Ledger()
            programme, streams, areas = build_programme(data.draw, officer, years, ledger)
            agreements = build_agreements(data.draw, officer, ledger, programme, streams, years, areas)
            pay(data.draw, officer, ledger, agreements)
            change_after_payment(data.draw, officer, ledger, agreements, streams, years)
            event(f"{len(agreements)} agreement(s)")
            event("with payments" if any(ledger.paid.values()) else "no payments")
            event("with variations" if Variation.objects.filter(agreement__programme=programme).exists() else "no variations")
            for fy in years:
                check_year(ledger, programme, streams, agreements, fy)
        finally:
            # Roll the example back so the next one starts from the shared fixtures only.
            transaction.set_rollback(True)
