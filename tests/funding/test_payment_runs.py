"""Finance's day: the payments list opens on what is due and overdue with totals; payment runs are all or nothing,
their reference is checked for duplicates, and their file for the finance system adds up to the run to the penny."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import load_workbook

from tests.factories import AreaFactory, FundingStreamFactory, OrganisationFactory, ProgrammeFactory, UserFactory, line
from vcsgrants.core.models import Role
from vcsgrants.core.money import from_pence
from vcsgrants.funding.models import ZERO, FundingStream, Payment, PaymentRun
from vcsgrants.funding.selectors import payments as selectors
from vcsgrants.funding.services import agreements as agreement_services
from vcsgrants.funding.services import payments as services
from vcsgrants.funding.services import programmes as programme_services

pytestmark = pytest.mark.django_db
PAID_ON = dt.date(2022, 7, 4)


@pytest.fixture
def finance(db):
    return UserFactory(roles=[Role.FINANCE])


@pytest.fixture
def world(officer, fy2022):
    """Two agreements for 2022-23. Kestrel: £4,000.00 Core and £1,000.00 one-off Winter money to 30 September,
    so its instalments are £1,500.00, £1,500.00, £1,000.00, £1,000.00. Heron: £3,000.01 Core, in quarters."""
    programme = ProgrammeFactory()
    area = AreaFactory()
    core = FundingStreamFactory(programme=programme, name="Core", cost_centre="CC100", account_code="5400")
    winter = FundingStreamFactory(
        programme=programme,
        name="Winter",
        recurrence=FundingStream.Recurrence.ONE_OFF,
        end=dt.date(2022, 9, 30),
        cost_centre="CC200",
        account_code="5410",
    )
    for stream, budget in ((core, "8000.00"), (winter, "1000.00")):
        programme_services.budget_set(stream=stream, year=fy2022, amount=Decimal(budget), actor=officer)
        programme_services.allocations_set(stream=stream, year=fy2022, amounts={area: Decimal(budget)}, actor=officer)
    agreements = {}
    for name, supplier, lines in (
        ("Kestrel", "SUP-001", [line(core, fy2022, area, "4000.00"), line(winter, fy2022, area, "1000.00")]),
        ("Heron", "", [line(core, fy2022, area, "3000.01")]),
    ):
        agreements[name] = agreement_services.agreement_create(
            programme=programme,
            organisation=OrganisationFactory(name=f"{name} CVS", supplier_reference=supplier),
            areas=[area],
            title=f"{name} support",
            start_date=dt.date(2022, 4, 1),
            end_date=dt.date(2023, 3, 31),
            actor=officer,
            lines=lines,
        )
    return agreements


def instalments(agreement):
    return list(agreement.instalments.order_by("due_date"))


def test_a_run_pays_every_ticked_instalment_in_full_and_its_files_equal_the_run(world, finance, client):
    kestrel, heron = instalments(world["Kestrel"]), instalments(world["Heron"])
    ticked = [kestrel[0], kestrel[1], heron[0]]
    run = services.payment_run_record(
        instalment_ids=[i.pk for i in ticked], paid_on=PAID_ON, reference="BACS-0704", actor=finance
    )
    assert sorted(p.amount for p in run.payments.all()) == [Decimal("750.01"), Decimal("1500.00"), Decimal("1500.00")]
    assert {p.reference for p in run.payments.all()} == {"BACS-0704"} and not run.duplicate_reference

    lines = selectors.payment_run_lines(run)
    # Kestrel's April and July instalments each hold £1,000.00 of Core and £500.00 of Winter money (ledger order).
    # Rows by agreement reference (Kestrel's was made first), then due date, then stream.
    assert [(ln.organisation, ln.instalment_due, ln.stream, ln.amount) for ln in lines] == [
        ("Kestrel CVS", dt.date(2022, 4, 1), "Core", Decimal("1000.00")),
        ("Kestrel CVS", dt.date(2022, 4, 1), "Winter", Decimal("500.00")),
        ("Kestrel CVS", dt.date(2022, 7, 1), "Core", Decimal("1000.00")),
        ("Kestrel CVS", dt.date(2022, 7, 1), "Winter", Decimal("500.00")),
        ("Heron CVS", dt.date(2022, 4, 1), "Core", Decimal("750.01")),
    ]
    assert sum((ln.amount for ln in lines), ZERO) == Decimal("3750.01")

    client.force_login(finance)
    page = client.get(run.get_absolute_url()).content.decode()
    assert '<dd class="govuk-summary-list__value" id="run-total">£3,750.01</dd>' in page
    assert "No supplier reference yet for: Heron CVS" in page

    csv_response = client.get(f"/payments/runs/{run.pk}/file.csv")
    text = csv_response.content.decode("utf-8")
    assert not text.startswith("\ufeff")  # a finance-system import reads the first column title as written
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == selectors.FILE_HEADERS
    assert rows[5] == [
        "BACS-0704", "2022-07-04", "", "Heron CVS", world["Heron"].reference, "2022-23", "2022-04-01", "Core", "CC100",
        "5400", "750.01",
    ]  # fmt: skip
    assert [r[2] for r in rows[1:5]] == ["SUP-001"] * 4
    assert [(r[8], r[9]) for r in rows[1:3]] == [("CC100", "5400"), ("CC200", "5410")]
    assert sum(Decimal(r[10]) for r in rows[1:]) == Decimal("3750.01")

    xlsx = load_workbook(io.BytesIO(client.get(f"/payments/runs/{run.pk}/file.xlsx").content), read_only=True)
    sheet_rows = list(xlsx.active.iter_rows(values_only=True))
    assert list(sheet_rows[0]) == selectors.FILE_HEADERS
    # The same cells: text as text, the amount as a number equal to the CSV's to the penny.
    assert [[str(c) if c is not None else "" for c in r[:10]] for r in sheet_rows[1:]] == [r[:10] for r in rows[1:]]
    assert [Decimal(str(r[10])) for r in sheet_rows[1:]] == [Decimal(r[10]) for r in rows[1:]]
    assert sum(Decimal(str(r[10])) for r in sheet_rows[1:]) == Decimal("3750.01")


def test_one_instalment_that_cannot_be_paid_means_nothing_is_written(world, finance):
    kestrel = instalments(world["Kestrel"])
    services.payment_record(instalment=kestrel[0], paid_on=PAID_ON, amount=Decimal("1500.00"), actor=finance)
    before = (Payment.objects.count(), PaymentRun.objects.count())
    with pytest.raises(ValidationError) as refused:
        services.payment_run_record(
            instalment_ids=[kestrel[1].pk, kestrel[0].pk, instalments(world["Heron"])[0].pk],
            paid_on=PAID_ON,
            reference="BACS-2",
            actor=finance,
        )
    messages = refused.value.message_dict["instalments"]
    assert messages[0] == "Nothing was recorded. 1 of the ticked instalments cannot be paid:"
    assert messages[1] == f"{world['Kestrel'].reference}, instalment due 1 April 2022: already paid in full."
    assert (Payment.objects.count(), PaymentRun.objects.count()) == before


def test_a_run_refuses_a_future_date_an_empty_reference_and_no_instalments(world, finance):
    first = instalments(world["Heron"])[0].pk
    cases = [
        ({"paid_on": dt.date.today() + dt.timedelta(days=1)}, "paid_on"),
        ({"reference": "  "}, "reference"),
        ({"instalment_ids": []}, "instalments"),
    ]
    for change, field in cases:
        kwargs = {"instalment_ids": [first], "paid_on": PAID_ON, "reference": "R", "actor": finance, **change}
        with pytest.raises(ValidationError) as refused:
            services.payment_run_record(**kwargs)
        assert field in refused.value.message_dict
    assert not Payment.objects.exists()


def test_a_reference_used_before_is_refused_until_confirmed_and_the_run_is_flagged(world, finance, client):
    kestrel, heron = instalments(world["Kestrel"]), instalments(world["Heron"])
    services.payment_record(instalment=kestrel[0], paid_on=PAID_ON, amount=Decimal("100.00"), reference="BACS-9", actor=finance)
    client.force_login(finance)
    body = {"paid_on": "2022-07-04", "reference": "bacs-9 ", "instalment": [heron[0].pk, heron[1].pk]}
    warned = client.post("/payments/runs/new/", body)
    page = warned.content.decode()
    assert 'id="duplicate-reference-warning"' in page and "Record it anyway" in page
    assert f'value="{heron[0].pk}" id="pay-{heron[0].pk}" checked' in page
    assert not PaymentRun.objects.exists()
    confirmed = client.post("/payments/runs/new/", {**body, "confirm_duplicate_reference": "on"})
    run = PaymentRun.objects.get()
    assert confirmed["Location"] == run.get_absolute_url()
    assert run.duplicate_reference and run.payments.count() == 2
    assert 'id="duplicate-reference-flag"' in client.get(run.get_absolute_url()).content.decode()
    assert "Duplicate reference" in client.get("/payments/runs/").content.decode()


def test_two_instalments_of_one_agreement_in_one_run_are_not_duplicates_of_each_other(world, finance):
    kestrel = instalments(world["Kestrel"])
    run = services.payment_run_record(
        instalment_ids=[kestrel[2].pk, kestrel[3].pk], paid_on=PAID_ON, reference="BACS-10", actor=finance
    )
    assert run.payments.count() == 2 and not run.duplicate_reference


def test_the_list_opens_on_due_and_overdue_with_totals_of_the_rows_to_the_penny(world, finance, client):
    today = dt.date(2022, 9, 20)  # April and July overdue; 1 October due within 30 days; January later
    kestrel = instalments(world["Kestrel"])
    services.payment_record(instalment=kestrel[0], paid_on=PAID_ON, amount=Decimal("0.01"), actor=finance)
    page = selectors.payment_list(today=today)
    assert [(r.instalment.agreement.organisation.name, r.instalment.due_date) for r in page.rows] == [
        ("Kestrel CVS", dt.date(2022, 4, 1)),
        ("Heron CVS", dt.date(2022, 4, 1)),
        ("Kestrel CVS", dt.date(2022, 7, 1)),
        ("Heron CVS", dt.date(2022, 7, 1)),
        ("Kestrel CVS", dt.date(2022, 10, 1)),
        ("Heron CVS", dt.date(2022, 10, 1)),
    ]
    assert [r.days_overdue for r in page.rows] == [172, 172, 81, 81, None, None]
    assert page.outstanding == Decimal("1499.99") + Decimal("750.01") + Decimal("1500.00") + Decimal("750.00") * 2 + Decimal(
        "1000.00"
    )
    assert page.outstanding == sum((r.outstanding for r in page.rows), ZERO)
    assert page.overdue_outstanding == Decimal("750.01") + Decimal("1499.99") + Decimal("750.00") + Decimal("1500.00")
    assert page.due_soon_outstanding == Decimal("1750.00")
    assert page.paid == Decimal("0.01")
    assert {r.instalment.due_date for r in selectors.payment_list(view="later", today=today).rows} == {dt.date(2023, 1, 1)}
    assert selectors.payment_list(view="paid", today=today).rows == []
    assert len(selectors.payment_list(view="all", today=today).rows) == 8


def test_recording_one_payment_from_the_list_lands_back_on_the_list(world, finance, client):
    heron = instalments(world["Heron"])[0]
    client.force_login(finance)
    listing = client.get("/payments/?view=overdue").content.decode()
    link = f"/agreements/{heron.agreement_id}/instalments/{heron.pk}/pay/?next=/payments/%3Fview%3Doverdue"
    assert link in listing.replace("&amp;", "&")
    response = client.post(link, {"paid_on": "2022-07-04", "amount": "750.01", "reference": "ONE"})
    assert response["Location"] == "/payments/?view=overdue"
    # Anywhere else is not followed: the agreement instead.
    elsewhere = client.post(
        f"/agreements/{heron.agreement_id}/instalments/{instalments(world['Heron'])[1].pk}/pay/?next=https://evil.example/payments/",
        {"paid_on": "2022-07-04", "amount": "750.00", "reference": "TWO"},
    )
    assert elsewhere["Location"] == world["Heron"].get_absolute_url()


def test_only_finance_and_administrators_see_the_run_form(world, officer, finance, client):
    client.force_login(officer)
    assert 'id="payment-run-form"' not in client.get("/payments/").content.decode()
    client.force_login(finance)
    assert 'id="payment-run-form"' in client.get("/payments/").content.decode()


def test_cost_centre_and_account_code_are_set_on_the_streams_edit_page(world, client):
    stream = FundingStream.objects.get(name="Core", programme=world["Heron"].programme)
    admin = UserFactory(roles=[Role.ADMIN])
    client.force_login(admin)
    url = f"/programmes/{stream.programme.slug}/streams/{stream.pk}/edit/"
    page = client.get(url).content.decode()
    assert 'name="cost_centre"' in page and 'name="account_code"' in page


@given(
    amounts=st.lists(st.integers(1, 10**8), min_size=1, max_size=4),
    paid=st.lists(st.integers(1, 10**8), min_size=1, max_size=5),
)
def test_a_payment_coded_to_streams_adds_up_to_the_payment_to_the_penny(amounts, paid):
    quarters = [dt.date(2022, 4, 1), dt.date(2022, 7, 1), dt.date(2022, 10, 1), dt.date(2023, 1, 1)]
    plan = [(quarters[n % 4], (n % 3 + 1, 1), from_pence(p)) for n, p in enumerate(amounts)]
    before = ZERO
    for pence in paid:
        coded = selectors.code_payment(before=before, amount=from_pence(pence), plan=plan)
        assert sum(coded.values(), ZERO) == from_pence(pence)
        before += from_pence(pence)
