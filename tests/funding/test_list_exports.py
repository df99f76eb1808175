"""The agreements, payments and decisions lists download as CSV and XLSX with exactly the page's rows and totals,
for the roles that may open the page, and with text a spreadsheet would run as a formula kept as text."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from tests.factories import (
    AreaFactory,
    DecisionFactory,
    FundingStreamFactory,
    OrganisationFactory,
    ProgrammeFactory,
    UserFactory,
    line,
)
from tests.list_exports import EVIL, page_table, pounds, read_csv, read_xlsx
from vcsgrants.core.models import Role
from vcsgrants.funding.services import agreements as agreement_services
from vcsgrants.funding.services import payments as payment_services
from vcsgrants.funding.services import programmes as programme_services

pytestmark = pytest.mark.django_db


@pytest.fixture
def finance(db):
    return UserFactory(roles=[Role.FINANCE])


@pytest.fixture
def world(officer, fy2022):
    """Two agreements for 2022-23 in quarterly instalments: one to an organisation named as a formula (£4,000.00),
    one to Heron CVS (£3,000.01, so its instalments are £750.01, £750.00, £750.00, £750.00); Heron is active."""
    programme = ProgrammeFactory()
    area = AreaFactory(name="Amber Valley Test")
    core = FundingStreamFactory(programme=programme, name="Core")
    programme_services.budget_set(stream=core, year=fy2022, amount=Decimal("8000.00"), actor=officer)
    programme_services.allocations_set(stream=core, year=fy2022, amounts={area: Decimal("8000.00")}, actor=officer)
    agreements = {}
    for key, name, amount in (("evil", EVIL, "4000.00"), ("heron", "Heron CVS", "3000.01")):
        agreements[key] = agreement_services.agreement_create(
            programme=programme,
            organisation=OrganisationFactory(name=name),
            areas=[area],
            title=f"{key} support",
            start_date=dt.date(2022, 4, 1),
            end_date=dt.date(2023, 3, 31),
            actor=officer,
            lines=[line(core, fy2022, area, amount)],
        )
    agreement_services.agreement_set_status(agreement=agreements["heron"], status="active", actor=officer)
    return agreements


def _downloads(client, url):
    csv_response, xlsx_response = client.get(url.format(fmt="csv")), client.get(url.format(fmt="xlsx"))
    assert csv_response.status_code == xlsx_response.status_code == 200
    assert csv_response["Content-Disposition"].endswith('.csv"')
    assert xlsx_response["Content-Disposition"].endswith('.xlsx"')
    return read_csv(csv_response), read_xlsx(xlsx_response)


def _amount(value) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"))


def test_the_agreements_list_downloads_its_rows_as_the_page_shows_them(world, officer, client):
    client.force_login(officer)
    page = client.get("/agreements/")
    assert 'href="/agreements.csv"' in page.content.decode()
    shown = page_table(page.content)
    csv_rows, xlsx_rows = _downloads(client, "/agreements.{fmt}")
    assert len(csv_rows) == len(xlsx_rows) == len(shown) == 3
    for page_row, csv_row, xlsx_row in zip(shown[1:], csv_rows[1:], xlsx_rows[1:], strict=True):
        assert page_row[0] == csv_row[0] == xlsx_row[0]  # reference
        assert page_row[2] == csv_row[2] == xlsx_row[2] == "Amber Valley Test"
        assert page_row[4] == csv_row[4] == xlsx_row[4]  # status
        assert dt.datetime.strptime(page_row[3], "%d %B %Y").date().isoformat() == csv_row[3] == xlsx_row[3]
    # The organisation named as a formula: guarded in the CSV, text (never a formula) in the XLSX.
    evil_row = next(i for i, row in enumerate(shown) if row[1] == EVIL)
    assert csv_rows[evil_row][1] == "'" + EVIL
    assert xlsx_rows[evil_row][1] == EVIL


def test_the_agreements_download_keeps_the_pages_filter_and_the_providers_own_agreements_only(world, client):
    heron = world["heron"]
    provider = UserFactory(roles=[Role.PROVIDER], organisation=heron.organisation)
    client.force_login(provider)
    csv_rows, xlsx_rows = _downloads(client, "/agreements.{fmt}")
    assert [row[0] for row in csv_rows[1:]] == [row[0] for row in xlsx_rows[1:]] == [heron.reference]
    client.force_login(UserFactory(roles=[Role.OFFICER]))
    page = client.get("/agreements/?status=active").content.decode()
    assert 'href="/agreements.csv?status=active"' in page
    csv_rows, xlsx_rows = _downloads(client, "/agreements.{fmt}?status=active")
    assert [row[0] for row in csv_rows[1:]] == [row[0] for row in xlsx_rows[1:]] == [heron.reference]


def test_the_payments_list_downloads_every_row_and_the_total_of_the_page(world, finance, client):
    heron = list(world["heron"].instalments.order_by("due_date"))
    payment_services.payment_record(instalment=heron[0], paid_on=dt.date(2022, 7, 4), amount=Decimal("0.01"), actor=finance)
    client.force_login(finance)
    for query in ("", "?view=all", "?view=overdue&year=2022-23", "?view=paid"):
        page = client.get(f"/payments/{query}")
        shown = page_table(page.content, "payments-table")
        csv_rows, xlsx_rows = _downloads(client, "/payments.{fmt}" + query)
        body = [row[1:9] for row in shown[1:-1] if len(row) > 3]  # without the tick box and the action
        assert len(csv_rows) - 2 == len(xlsx_rows) - 2 == len(body), query
        for page_row, csv_row, xlsx_row in zip(body, csv_rows[1:-1], xlsx_rows[1:-1], strict=True):
            assert page_row[0] == csv_row[0] == xlsx_row[0]
            assert [pounds(v) for v in page_row[3:6]] == [Decimal(v) for v in csv_row[3:6]]
            assert [pounds(v) for v in page_row[3:6]] == [_amount(v) for v in xlsx_row[3:6]]
            assert page_row[6] == csv_row[6] == (str(xlsx_row[6]) if xlsx_row[6] is not None else "")
        total = [pounds(v) for v in shown[-1][1:4]]
        assert csv_rows[-1][0] == xlsx_rows[-1][0] == "Total"
        assert [Decimal(v) for v in csv_rows[-1][3:6]] == [_amount(v) for v in xlsx_rows[-1][3:6]] == total
    # £0.01 paid of £750.01: the overdue view's outstanding total is the rest, to the penny.
    csv_rows, _ = _downloads(client, "/payments.{fmt}?view=paid")
    assert csv_rows[1:] == [["Total", "", "", "0.00", "0.00", "0.00", "", ""]]
    csv_rows, _ = _downloads(client, "/payments.{fmt}?view=all")
    assert csv_rows[-1][3:6] == ["7000.01", "0.01", "7000.00"]
    assert any(row[1] == "'" + EVIL for row in csv_rows)


def test_the_decisions_list_downloads_its_rows(officer, client):
    DecisionFactory(title=EVIL, amount_approved=Decimal("1234.56"))
    client.force_login(officer)
    shown = page_table(client.get("/decisions/").content)
    csv_rows, xlsx_rows = _downloads(client, "/decisions.{fmt}")
    assert len(csv_rows) == len(xlsx_rows) == len(shown)
    assert shown[1][2] == EVIL and pounds(shown[1][3]) == Decimal("1234.56")
    assert csv_rows[1][3] == "'" + EVIL and xlsx_rows[1][3] == EVIL
    assert Decimal(csv_rows[1][4]) == _amount(xlsx_rows[1][4]) == Decimal("1234.56")


@pytest.mark.parametrize("url", ["/agreements.csv", "/payments.xlsx", "/decisions.csv"])
def test_only_the_roles_that_open_the_list_download_it_and_no_other_format(url, client):
    client.force_login(UserFactory(roles=[Role.APPLICANT]))
    assert client.get(url).status_code == 403
    client.force_login(UserFactory(roles=[Role.OFFICER]))
    assert client.get(url).status_code == 200
    assert client.get(url.rsplit(".", 1)[0] + ".pdf").status_code == 404
