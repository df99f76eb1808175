"""The overdue and queried returns list downloads as CSV and XLSX with every row, the first page's first, as shown
(the demo has both)."""

from __future__ import annotations

import pytest

from tests.list_exports import EVIL, page_table, read_csv, read_xlsx
from vcsgrants.core.models import Organisation, User

pytestmark = pytest.mark.django_db


def test_the_overdue_returns_download_holds_the_pages_rows(demo_module, client):
    # An organisation with an overdue return renamed as a formula: guarded in the CSV, text in the XLSX.
    client.force_login(User.objects.get(username="officer"))
    first = page_table(client.get("/returns/overdue/").content, "overdue")[1]
    Organisation.objects.filter(name=first[1]).update(name=EVIL)
    page = client.get("/returns/overdue/")
    assert 'href="/returns/overdue.xlsx"' in page.content.decode()
    shown = page_table(page.content, "overdue")
    csv_response, xlsx_response = client.get("/returns/overdue.csv"), client.get("/returns/overdue.xlsx")
    csv_rows, xlsx_rows = read_csv(csv_response), read_xlsx(xlsx_response)
    total = int(page.content.decode().split('id="overdue-count">')[1].split(" ")[0])
    assert len(shown) > 10 and len(csv_rows) == len(xlsx_rows) == 1 + total >= len(shown)
    assert csv_rows[0] == xlsx_rows[0] == [cell for cell in shown[0]]
    for page_row, csv_row, xlsx_row in zip(shown[1:], csv_rows[1 : len(shown)], xlsx_rows[1 : len(shown)], strict=True):
        organisation = EVIL if page_row[1] == EVIL else page_row[1]
        assert [page_row[0], page_row[2], page_row[3], page_row[6]] == [csv_row[0], csv_row[2], csv_row[3], csv_row[6]]
        assert [page_row[0], organisation, page_row[2], page_row[3], page_row[6]] == [
            xlsx_row[0],
            xlsx_row[1],
            xlsx_row[2],
            xlsx_row[3],
            xlsx_row[6],
        ]
        assert page_row[5] == csv_row[5] == str(xlsx_row[5])  # days overdue
        assert csv_row[1] == ("'" + EVIL if organisation == EVIL else organisation)
    assert any(row[1] == EVIL for row in xlsx_rows)


@pytest.mark.parametrize(("username", "status"), [("officer", 200), ("finance", 200), ("partner", 403)])
def test_the_download_is_for_the_roles_that_see_the_list(demo_module, client, username, status):
    client.force_login(User.objects.get(username=username))
    assert client.get("/returns/overdue.csv").status_code == status
    assert client.get("/returns/overdue/").status_code == status
