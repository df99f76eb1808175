"""The programme page's money for a year is worked out once per change of the money (hub.selectors.money_version) and
kept in the shared cache: a repeated view reads it back; a new commitment shows on the very next view."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tests.factories import line
from tests.funding.test_services import make_agreement

pytestmark = pytest.mark.django_db


def money_table(client: Client, url: str) -> str:
    html = client.get(url).content.decode()
    start = html.index('id="streams-table"')
    return html[start : html.index("</table>", start)]


def test_the_programme_pages_money_is_kept_until_a_commitment_changes_it(funded, officer, fy2022):
    client = Client()
    client.force_login(officer)
    url = f"/programmes/{funded.programme.slug}/?year={fy2022.label}"
    make_agreement(funded, lines=[line(funded.stream, fy2022, funded.areas[0], Decimal("12000.00"))], areas=[funded.areas[0]])
    assert "£12,000.00" in money_table(client, url)

    with CaptureQueriesContext(connection) as repeated:
        client.get(url)
    cache.clear()
    with CaptureQueriesContext(connection) as worked_out:
        client.get(url)
    assert len(repeated) < len(worked_out)  # the repeated view read the money back rather than summing the lines

    make_agreement(funded, lines=[line(funded.stream, fy2022, funded.areas[1], Decimal("3000.50"))], areas=[funded.areas[1]])
    assert "£15,000.50" in money_table(client, url)
