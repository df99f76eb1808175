"""Paid by stream follows the instalments paid; remaining to pay is committed − paid on both tables."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.factories import AreaFactory, FundingStreamFactory, OrganisationFactory, ProgrammeFactory, UserFactory, line
from vcsgrants.core.models import Role
from vcsgrants.core.money import from_pence
from vcsgrants.funding.models import ZERO, FundingStream, StreamBudget
from vcsgrants.funding.selectors.programmes import attribute_paid, programme_year_summary
from vcsgrants.funding.services import agreements as agreement_services
from vcsgrants.funding.services import payments as payment_services
from vcsgrants.funding.services import programmes as programme_services

pytestmark = pytest.mark.django_db


@pytest.fixture
def shared(officer, fy2022):
    """One agreement for 2022-23 from two streams: £4,000.00 recurrent, £1,000.00 one-off ending 30 September."""
    programme = ProgrammeFactory()
    area = AreaFactory()
    core = FundingStreamFactory(programme=programme, name="Core")
    one_off = FundingStreamFactory(
        programme=programme, name="Winter", recurrence=FundingStream.Recurrence.ONE_OFF, end=dt.date(2022, 9, 30)
    )
    for stream, budget in ((core, "5000.00"), (one_off, "1000.00")):
        programme_services.budget_set(stream=stream, year=fy2022, amount=Decimal(budget), actor=officer)
        programme_services.allocations_set(stream=stream, year=fy2022, amounts={area: Decimal(budget)}, actor=officer)
    agreement = agreement_services.agreement_create(
        programme=programme,
        organisation=OrganisationFactory(),
        areas=[area],
        title="Shared agreement",
        start_date=dt.date(2022, 4, 1),
        end_date=dt.date(2023, 3, 31),
        actor=officer,
        lines=[line(core, fy2022, area, "4000.00"), line(one_off, fy2022, area, "1000.00")],
    )
    return programme, agreement, core, one_off


def test_only_the_first_instalment_paid_goes_to_the_lines_due_then(shared, fy2022, officer):
    programme, agreement, core, one_off = shared
    instalments = list(agreement.instalments.filter(financial_year=fy2022).order_by("due_date"))
    assert [(i.due_date, i.amount) for i in instalments] == [
        (dt.date(2022, 4, 1), Decimal("1500.00")),
        (dt.date(2022, 7, 1), Decimal("1500.00")),
        (dt.date(2022, 10, 1), Decimal("1000.00")),
        (dt.date(2023, 1, 1), Decimal("1000.00")),
    ]
    payment_services.payment_record(
        instalment=instalments[0], paid_on=dt.date(2022, 4, 1), amount=Decimal("1500.00"), actor=officer
    )

    summary = programme_year_summary(programme=programme, year=fy2022)
    rows = {row.label: row for row in summary.streams}
    # The April instalment held £1,000.00 of Core and £500.00 of Winter (not £1,200.00 and £300.00 pro rata).
    assert (rows["Core"].paid, rows["Core"].remaining, rows["Core"].uncommitted) == (
        Decimal("1000.00"),
        Decimal("3000.00"),
        Decimal("1000.00"),
    )
    assert (rows["Winter"].paid, rows["Winter"].remaining, rows["Winter"].uncommitted) == (
        Decimal("500.00"),
        Decimal("500.00"),
        Decimal("0.00"),
    )
    assert summary.stream_total.paid == summary.district_total.paid == Decimal("1500.00")
    # One definition of remaining to pay on both tables: committed − paid.
    assert summary.stream_total.remaining == summary.district_total.remaining == Decimal("3500.00")

    # Both Winter instalments paid: Winter is fully paid, nothing remaining.
    payment_services.payment_record(
        instalment=instalments[1], paid_on=dt.date(2022, 7, 1), amount=Decimal("1500.00"), actor=officer
    )
    rows = {row.label: row for row in programme_year_summary(programme=programme, year=fy2022).streams}
    assert (rows["Winter"].paid, rows["Winter"].remaining) == (Decimal("1000.00"), Decimal("0.00"))
    assert (rows["Core"].paid, rows["Core"].remaining) == (Decimal("2000.00"), Decimal("2000.00"))


def test_a_part_paid_instalment_is_shared_between_the_lines_due_then_to_the_penny(shared, fy2022, officer):
    programme, agreement, core, one_off = shared
    first = agreement.instalments.filter(financial_year=fy2022).order_by("due_date").first()
    payment_services.payment_record(instalment=first, paid_on=dt.date(2022, 4, 1), amount=Decimal("100.01"), actor=officer)
    rows = {row.label: row for row in programme_year_summary(programme=programme, year=fy2022).streams}
    # £100.01 over £1,000.00 (Core) and £500.00 (Winter): 66.67 and 33.34 exactly; the spare penny to the larger remainder.
    assert (rows["Core"].paid, rows["Winter"].paid) == (Decimal("66.67"), Decimal("33.34"))


def test_the_programme_page_shows_uncommitted_and_flags_over_commitment(shared, fy2022, client):
    programme, agreement, core, one_off = shared
    # Budgets cannot be set below commitments through the services; older or imported data can still be.
    StreamBudget.objects.filter(stream=one_off, financial_year=fy2022).update(amount=Decimal("750.00"))
    client.force_login(UserFactory(roles=[Role.OFFICER]))
    page = client.get(f"/programmes/{programme.slug}/?year=2022-23").content.decode()
    assert '<th scope="col" class="govuk-table__header govuk-table__header--numeric">Uncommitted</th>' in page
    assert 'id="over-committed"' in page
    assert "Winter by £250.00 (£1,000.00 committed against a budget of £750.00)" in page
    assert "Over-committed</strong>" in page
    assert "Remaining to pay is what agreements commit less what has been paid" in page


def test_the_page_has_no_over_commitment_warning_within_budget(shared, client):
    programme, *_ = shared
    client.force_login(UserFactory(roles=[Role.OFFICER]))
    page = client.get(f"/programmes/{programme.slug}/?year=2022-23").content.decode()
    assert 'id="over-committed"' not in page


QUARTERS = [dt.date(2022, 4, 1), dt.date(2022, 7, 1), dt.date(2022, 10, 1), dt.date(2023, 1, 1)]


@given(
    plan=st.lists(st.tuples(st.sampled_from(QUARTERS), st.integers(1, 4), st.integers(1, 10**9)), min_size=1, max_size=12),
    fraction=st.fractions(0, 1),
)
def test_attributed_shares_add_up_to_what_was_paid_and_never_exceed_a_line(plan, fraction):
    lines = [(due, (stream, 1), from_pence(p)) for due, stream, p in plan]
    committed: dict[tuple[int, int], Decimal] = {}
    for _, key, amount in lines:
        committed[key] = committed.get(key, ZERO) + amount
    total_pence = sum(p for *_, p in plan)
    paid = from_pence(int(total_pence * fraction))
    shares = attribute_paid(paid, lines)
    assert sum(shares.values(), ZERO) == paid
    for key, share in shares.items():
        assert ZERO <= share <= committed[key]
    # What falls due earlier is paid first: a line due only after a line not yet fully paid has nothing.
    if paid == from_pence(total_pence):
        assert shares == committed
