"""Allocations, budgets and payments made, brought in from the workbook: back-filled years, exact to the penny."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from tests.factories import FundingStreamFactory
from tests.workbook.conftest import agreement, money, org
from tests.workbook.helpers import fill
from vcsgrants.funding.models import Agreement, Allocation, Payment, StreamBudget
from vcsgrants.monitoring.spreadsheets import ImportRefused
from vcsgrants.workbook.services import import_workbook

pytestmark = pytest.mark.django_db


@pytest.fixture
def historic(setup):
    """A stream that ran from 2019: its earlier years have no budget or allocations in the service yet."""
    return FundingStreamFactory(programme=setup.programme, name="Historic grant", start=dt.date(2019, 4, 1))


def history_workbook(setup, template, historic, payments=(), allocation=Decimal("5000.00"), **changes):
    rows = {
        "Organisations": [org()],
        "Agreements": [
            agreement("SLA-2019-1", programme=setup.programme.slug, Start=dt.datetime(2019, 4, 1), End=dt.datetime(2020, 3, 31))
        ],
        "Funding lines": [money("SLA-2019-1", historic.name, "2019-20", Decimal("5000.00"))],
        "Allocations": [
            {
                "Programme": setup.programme.name,
                "Stream": historic.name,
                "Financial year": "2019-20",
                "Area": "Amber Valley Test",
                "Amount": allocation,
            },
            {
                "Programme": setup.programme.name,
                "Stream": historic.name,
                "Financial year": "2019-20",
                "Area": "Bolsover Test",
                "Amount": Decimal("2500.50"),
            },
        ],
        "Payments made": list(payments),
    }
    rows.update(changes)
    return fill(template, rows)


def paid(amount, day, reference="", agreement_reference="SLA-2019-1", year="2019-20"):
    return {
        "Agreement reference": agreement_reference,
        "Financial year": year,
        "Amount": amount,
        "Paid on": day,
        "Payment reference": reference,
    }


def test_earlier_years_are_back_filled_with_budgets_allocations_and_the_payments_made(setup, template, historic, officer):
    data = history_workbook(setup, template, historic, [paid(Decimal("2500.00"), dt.datetime(2019, 4, 15), "FIN-1")])
    result = import_workbook(data=data, filename="history.xlsx", actor=officer)

    # The year had no budget: it gets one equal to its allocations.
    assert StreamBudget.objects.get(stream=historic, financial_year__start_year=2019).amount == Decimal("7500.50")
    assert sorted(Allocation.objects.filter(stream=historic).values_list("amount", flat=True)) == [
        Decimal("2500.50"),
        Decimal("5000.00"),
    ]
    sla = Agreement.objects.get(reference="SLA-2019-1")
    # The schedule starts with the payment made, then spreads the rest over the later quarters.
    assert [(i.due_date, i.amount) for i in sla.instalments.all()] == [
        (dt.date(2019, 4, 15), Decimal("2500.00")),
        (dt.date(2019, 7, 1), Decimal("833.34")),
        (dt.date(2019, 10, 1), Decimal("833.33")),
        (dt.date(2020, 1, 1), Decimal("833.33")),
    ]
    payment = Payment.objects.get()
    assert (payment.paid_on, payment.amount, payment.reference, payment.recorded_by) == (
        dt.date(2019, 4, 15),
        Decimal("2500.00"),
        "FIN-1",
        officer,
    )
    assert payment.instalment.due_date == dt.date(2019, 4, 15)
    assert (result.counts["Allocations"].created, result.counts["Payments made"].created) == (2, 1)

    again = import_workbook(data=data, filename="history.xlsx", actor=officer)
    assert not again.changed
    assert (again.counts["Allocations"].unchanged, again.counts["Payments made"].unchanged) == (2, 1)
    assert Payment.objects.count() == 1


def test_later_payments_go_against_the_schedule_in_the_service(setup, template, historic, officer):
    import_workbook(data=history_workbook(setup, template, historic), filename="h.xlsx", actor=officer)
    later = history_workbook(
        setup,
        template,
        historic,
        [paid(Decimal("1250.00"), dt.datetime(2019, 4, 2)), paid(Decimal("1250.00"), dt.datetime(2019, 7, 3))],
    )
    result = import_workbook(data=later, filename="h.xlsx", actor=officer)
    assert result.counts["Payments made"].created == 2
    assert [p.instalment.due_date for p in Payment.objects.order_by("paid_on")] == [dt.date(2019, 4, 1), dt.date(2019, 7, 1)]

    too_much = history_workbook(setup, template, historic, [paid(Decimal("1250.01"), dt.datetime(2019, 10, 2))])
    with pytest.raises(ImportRefused) as refused:
        import_workbook(data=too_much, filename="h.xlsx", actor=officer)
    assert "no instalment of SLA-2019-1's 2019-20 schedule has £1,250.01 outstanding" in str(refused.value)


def test_allocations_over_a_budget_and_payments_past_a_years_value_are_refused(setup, template, officer, historic):
    over_budget = fill(
        template,
        {
            "Allocations": [
                {
                    "Programme": setup.programme.name,
                    "Stream": setup.stream.name,
                    "Financial year": "2022-23",
                    "Area": "County-wide",
                    "Amount": Decimal("20000.01"),
                }
            ]
        },
    )
    with pytest.raises(ImportRefused) as refused:
        import_workbook(data=over_budget, filename="a.xlsx", actor=officer)
    assert (
        "sheet 'Allocations', row 2, column E (Amount): the allocations from this stream for 2022-23 would total "
        "£100,000.01, £0.01 more than its budget of £100,000.00"
    ) in refused.value.problems.lines()

    overpaid = history_workbook(
        setup,
        template,
        historic,
        [paid(Decimal("5000.01"), dt.datetime(2019, 5, 1)), paid(Decimal("1"), dt.datetime(2999, 1, 1))],
    )
    with pytest.raises(ImportRefused) as refused:
        import_workbook(data=overpaid, filename="p.xlsx", actor=officer)
    lines = refused.value.problems.lines()
    assert (
        "sheet 'Payments made', row 2, column C (Amount): payments for SLA-2019-1 in 2019-20 total £5,000.01, more "
        "than its 2019-20 value of £5,000.00 on the Funding lines sheet"
    ) in lines
    assert "sheet 'Payments made', row 3, column D (Paid on): is in the future: record only payments made" in lines
    assert not Agreement.objects.exists() and not Allocation.objects.filter(stream=historic).exists()


def test_money_beyond_the_workbooks_own_allocation_is_refused(setup, template, historic, officer):
    data = history_workbook(setup, template, historic, allocation=Decimal("4999.99"))
    with pytest.raises(ImportRefused) as refused:
        import_workbook(data=data, filename="h.xlsx", actor=officer)
    assert "allocation from Historic grant is £4,999.99" in str(refused.value)
