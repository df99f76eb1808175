"""The programme page's money tables (by funding stream, by district) download as CSV and XLSX with the page's
figures and totals to the penny, for the year shown; a stream named as a formula stays text."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from tests.factories import OrganisationFactory, UserFactory, funded_programme, line
from tests.list_exports import EVIL, page_table, pounds, read_csv, read_xlsx
from vcsgrants.core.models import Role
from vcsgrants.funding.services import agreements as agreement_services
from vcsgrants.funding.services import payments as payment_services

pytestmark = pytest.mark.django_db


def test_the_money_tables_download_with_the_pages_figures_and_totals(officer, districts, client):
    funded = funded_programme(actor=officer, areas=districts, stream_name=EVIL)
    fy = funded.years[0]
    agreement = agreement_services.agreement_create(
        programme=funded.programme,
        organisation=OrganisationFactory(),
        areas=districts[:1],
        title="Support",
        start_date=dt.date(2022, 4, 1),
        end_date=dt.date(2023, 3, 31),
        actor=officer,
        lines=[line(funded.stream, fy, districts[0], "3000.01")],
    )
    payment_services.payment_record(
        instalment=agreement.instalments.order_by("due_date").first(),
        paid_on=dt.date(2022, 4, 5),
        amount=Decimal("750.01"),
        actor=UserFactory(roles=[Role.FINANCE]),
    )
    client.force_login(officer)
    page = client.get(f"/programmes/{funded.programme.slug}/?year=2022-23")
    base = f"/programmes/{funded.programme.slug}/money"
    assert f'href="{base}/streams.csv?year=2022-23"' in page.content.decode()
    for table, first_figure, csv_first in (("streams", 1, 2), ("districts", 1, 1)):
        shown = [row for row in page_table(page.content, f"{table}-table")[1:] if len(row) > 1]
        csv_rows = read_csv(client.get(f"{base}/{table}.csv?year=2022-23"))
        xlsx_rows = read_xlsx(client.get(f"{base}/{table}.xlsx?year=2022-23"))
        assert len(csv_rows) - 1 == len(xlsx_rows) - 1 == len(shown) >= 2
        for page_row, csv_row, xlsx_row in zip(shown, csv_rows[1:], xlsx_rows[1:], strict=True):
            figures = [pounds(v) for v in page_row[first_figure:]]
            assert [Decimal(v) for v in csv_row[csv_first:]] == figures, table
            assert [Decimal(str(v)).quantize(Decimal("0.01")) for v in xlsx_row[csv_first:]] == figures, table
        assert csv_rows[-1][0] == xlsx_rows[-1][0] == "Total"
    streams_csv = read_csv(client.get(f"{base}/streams.csv?year=2022-23"))
    assert streams_csv[1][0] == "'" + EVIL and read_xlsx(client.get(f"{base}/streams.xlsx"))[1][0] == EVIL
    assert streams_csv[-1][2:] == ["100000.00", "80000.00", "3000.01", "96999.99", "750.01", "2250.00"]
    assert client.get(f"{base}/areas.csv").status_code == 404
    assert client.get(f"{base}/streams.pdf").status_code == 404
    client.force_login(UserFactory(roles=[Role.PROVIDER]))
    assert client.get(f"{base}/streams.csv").status_code == 403
