"""A home-page queue in full downloads as CSV and XLSX: every item of every page, as the page lists them (the demo
has returns submitted and awaiting review)."""

from __future__ import annotations

import re

import pytest

from tests.list_exports import SHORT_EVIL as EVIL
from tests.list_exports import read_csv, read_xlsx
from vcsgrants.core.models import User
from vcsgrants.funding.models import Agreement
from vcsgrants.monitoring.models import Return

pytestmark = pytest.mark.django_db


def test_the_returns_awaiting_review_download_lists_every_item_as_the_page(demo_module, client):
    submitted = Return.objects.filter(status=Return.Status.SUBMITTED).order_by("submitted_at", "pk").first()
    assert submitted is not None, "the demo has a return awaiting review"
    Agreement.objects.filter(pk=submitted.agreement_id).update(reference=EVIL)  # text a spreadsheet would run
    client.force_login(User.objects.get(username="officer"))
    page = client.get("/queues/returns-to-review/").content.decode()
    assert 'href="/queues/returns-to-review.csv"' in page
    shown = [
        (label.replace("&quot;", '"').replace("&amp;", "&").replace("&#x27;", "'"), detail)
        for label, detail in re.findall(r'<li><a class="govuk-link" href="[^"]+">([^<]+)</a>(?:: ([^<]*))?</li>', page)
    ]
    count = int(re.search(r"(\d+) in all", page).group(1))
    csv_rows = read_csv(client.get("/queues/returns-to-review.csv?page=1"))
    xlsx_rows = read_xlsx(client.get("/queues/returns-to-review.xlsx"))
    assert csv_rows[0] == xlsx_rows[0] == ["Item", "Detail", "Link"]
    assert len(csv_rows) - 1 == len(xlsx_rows) - 1 == count >= len(shown) > 0
    assert [(row[0], row[1] or "") for row in xlsx_rows[1 : len(shown) + 1]] == shown
    evil = [row for row in csv_rows if EVIL in row[0]]
    assert evil and all(row[0].startswith("'=") for row in evil)
    assert any(row[0].startswith(EVIL) for row in xlsx_rows)
    assert all(row[2].startswith("http://testserver/returns/") for row in csv_rows[1:])


@pytest.mark.parametrize(
    ("username", "status"), [("officer", 200), ("finance", 403), ("provider-kestrel-voluntary-action-demo", 403)]
)
def test_a_queue_download_is_for_those_who_see_the_queue(demo_module, client, username, status):
    client.force_login(User.objects.get(username=username))
    assert client.get("/queues/returns-to-review.xlsx").status_code == status
    assert client.get("/queues/returns-to-review/").status_code == status
