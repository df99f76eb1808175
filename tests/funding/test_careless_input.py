"""Careless input on the payment page: an amount typed as 1e3, a date a century out, and the same payment reference
recorded twice on one agreement (warned, saved only when the finance officer confirms)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client

from tests.factories import OrganisationFactory, UserFactory, line
from vcsgrants.core.models import AuditEvent, Role
from vcsgrants.funding.models import Agreement, Payment
from vcsgrants.funding.services import agreements as agreement_services

D = Decimal


@pytest.fixture
def agreement(funded, fy2022):
    area = funded.areas[0]
    made = agreement_services.agreement_create(
        programme=funded.programme,
        organisation=OrganisationFactory(),
        areas=[area],
        title="Infrastructure support",
        start_date=dt.date(2022, 4, 1),
        end_date=dt.date(2023, 3, 31),
        actor=funded.actor,
        lines=[line(funded.stream, fy2022, area, "4000")],
    )
    agreement_services.agreement_set_status(agreement=made, status=Agreement.Status.ACTIVE, actor=funded.actor)
    return made


@pytest.fixture
def finance(db) -> Client:
    client = Client()
    client.force_login(UserFactory(roles=[Role.FINANCE]))
    return client


def pay_url(agreement, instalment) -> str:
    return f"/agreements/{agreement.pk}/instalments/{instalment.pk}/pay/"


def instalments(agreement):
    return list(agreement.instalments.order_by("due_date"))


@pytest.mark.parametrize("typed", ["1e3", "1E-2", "Infinity", "NaN", "-inf"])
def test_an_amount_in_exponent_form_is_refused_naming_the_field(agreement, finance, typed):
    first = instalments(agreement)[0]
    response = finance.post(pay_url(agreement, first), {"paid_on": "2022-04-05", "amount": typed, "reference": "BACS-1"})
    html = response.content.decode()
    assert response.status_code == 200 and "There is a problem" in html
    assert "Enter amount paid in pounds and pence, such as 1000.00" in html
    assert not Payment.objects.exists()


def test_a_plain_amount_is_still_taken(agreement, finance):
    first = instalments(agreement)[0]
    response = finance.post(pay_url(agreement, first), {"paid_on": "2022-04-05", "amount": "1000", "reference": ""})
    assert response.status_code == 302
    assert Payment.objects.get().amount == D("1000.00")


def test_a_payment_dated_1900_is_refused_naming_the_date(agreement, finance):
    first = instalments(agreement)[0]
    response = finance.post(pay_url(agreement, first), {"paid_on": "1900-01-01", "amount": "1000.00"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Date paid must be on or after 1 January 2000: check the year" in html
    assert not Payment.objects.exists()


def test_an_instalment_due_eleven_years_ahead_is_refused_naming_the_date():
    from vcsgrants.funding.forms.payments import InstalmentForm

    ahead = dt.date.today() + dt.timedelta(days=366 * 11)
    form = InstalmentForm({"due_date": ahead.isoformat(), "amount": "10.00"})
    assert not form.is_valid()
    assert "Due date must be no later than" in form.errors["due_date"][0]
    assert "ten years from today" in form.errors["due_date"][0]
    assert InstalmentForm({"due_date": (dt.date.today() + dt.timedelta(days=365 * 9)).isoformat(), "amount": "1"}).is_valid()


def test_the_same_reference_twice_is_warned_about_then_recorded_once_confirmed(agreement, finance):
    first, second = instalments(agreement)[:2]
    assert (
        finance.post(
            pay_url(agreement, first), {"paid_on": "2022-04-05", "amount": "1000.00", "reference": "BACS-12345"}
        ).status_code
        == 302
    )
    events = AuditEvent.objects.filter(verb="payment.recorded").count()

    # The same payment typed again against the next instalment: a warning naming the first, nothing written.
    again = {"paid_on": "2022-07-05", "amount": "1000.00", "reference": " bacs-12345 "}
    response = finance.post(pay_url(agreement, second), again)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Payment reference BACS-12345 has already been recorded on this agreement" in html
    assert "£1,000.00 paid on 5 April 2022, against the instalment due 1 April 2022" in html
    assert "Payment reference BACS-12345 is already on the payment of £1,000.00 made on 5 April 2022" in html
    assert 'name="confirm_duplicate_reference"' in html and "Record it anyway" in html
    assert Payment.objects.count() == 1
    assert AuditEvent.objects.filter(verb="payment.recorded").count() == events

    # Confirmed: recorded, and the audit trail says it was confirmed.
    response = finance.post(pay_url(agreement, second), {**again, "confirm_duplicate_reference": "on"})
    assert response.status_code == 302
    assert Payment.objects.filter(instalment=second, reference="bacs-12345").exists()
    assert "recorded anyway, as confirmed" in AuditEvent.objects.filter(verb="payment.recorded").latest("id").summary


def test_the_confirmation_box_is_not_offered_until_there_is_a_duplicate(agreement, finance):
    html = finance.get(pay_url(agreement, instalments(agreement)[0])).content.decode()
    assert "confirm_duplicate_reference" not in html
