"""Partner pages (read-only, own lineage only) and recording contributions through the page."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import TEST_PASSWORD, OrganisationFactory, UserFactory, line
from tests.funding.test_services import make_agreement
from tests.versions import post_opened
from vcsgrants.core.models import Organisation, Role
from vcsgrants.funding.models import StreamContribution

D = Decimal
pytestmark = pytest.mark.django_db


@pytest.fixture
def nhs(db):
    icb = OrganisationFactory(name="Test ICB", slug="test-icb", kind=Organisation.Kind.PARTNER)
    ccg = OrganisationFactory(
        name="Test CCG", slug="test-ccg", kind=Organisation.Kind.PARTNER, successor=icb, succeeded_on=dt.date(2022, 7, 1)
    )
    return ccg, icb


def sign_in(client, *roles, organisation=None):
    user = UserFactory(roles=list(roles), **({"organisation": organisation} if organisation else {}))
    client.login(username=user.username, password=TEST_PASSWORD)
    return client


def test_finance_records_a_contribution_on_the_streams_page(funded, fy2022, nhs, client):
    ccg, _ = nhs
    client = sign_in(client, Role.FINANCE)
    url = f"/programmes/{funded.programme.slug}/streams/{funded.stream.pk}/contributions/"
    page = client.get(url).content.decode()
    assert f"{funded.stream.funder.name}" in page and "£100,000.00" in page
    response = post_opened(
        client, url, {"funder": ccg.pk, "financial_year": fy2022.pk, "amount": "36500.00", "note": "Section 256"}
    )
    assert response.status_code == 302
    page = client.get(url).content.decode()
    assert "Test CCG (to 30 June 2022)" in page and "£9,100.00" in page
    assert "Test ICB (from 1 July 2022)" in page and "£27,400.00" in page
    assert "£63,500.00" in page
    over = post_opened(client, url, {"funder": ccg.pk, "financial_year": fy2022.pk, "amount": "100000.01"}).content.decode()
    assert "There is a problem" in over and "£0.01 more than its budget of £100,000.00" in over
    assert StreamContribution.objects.get().amount == D("36500.00")


def test_a_partner_user_sees_their_lineages_page_and_no_other(funded, fy2022, nhs, client):
    ccg, icb = nhs
    make_agreement(funded, lines=[line(funded.stream, fy2022, funded.areas[0], "40000.00")], areas=[funded.areas[0]])
    StreamContribution.objects.create(
        stream=funded.stream, financial_year=fy2022, funder=ccg, amount=D("36500.00"), recorded_by=funded.actor
    )
    client = sign_in(client, Role.PARTNER, organisation=icb)
    assert client.get("/partners/")["Location"] == f"/partners/{icb.pk}/"
    page = client.get(f"/partners/{icb.pk}/").content.decode()
    assert "Test CCG until 30 June 2022, then Test ICB from 1 July 2022" in page
    assert "Test CCG (to 30 June 2022)" in page and "£3,640.00" in page  # the CCG's share of the agreement
    assert "Test ICB (from 1 July 2022)" in page and "£10,960.00" in page
    assert f"/programmes/{funded.programme.slug}/performance/" in page
    assert client.get(f"/partners/{ccg.pk}/").status_code == 200  # the predecessor's page: the same lineage
    other = OrganisationFactory(name="Other Partner", slug="other-partner", kind=Organisation.Kind.PARTNER)
    refused = client.get(f"/partners/{other.pk}/")
    assert refused.status_code == 403 and "does not allow you to see this funding partner" in refused.content.decode()
    # ... and the agreement it co-funds, read-only.
    agreement = funded.programme.agreements.get()
    assert client.get(f"/agreements/{agreement.pk}/").status_code == 200
    assert client.get(f"/programmes/{funded.programme.slug}/streams/{funded.stream.pk}/contributions/").status_code == 403


def test_staff_see_every_funder_and_partner(funded, nhs, client):
    page = sign_in(client, Role.CABINET).get("/partners/").content.decode()
    assert funded.stream.funder.name in page
    page = sign_in(client, Role.CABINET).get(f"/partners/{nhs[1].pk}/").content.decode()
    assert "fund no programme" in page


def test_an_agreements_funders_are_kept_until_a_contribution_changes_them(funded, fy2022, nhs, client):
    """Who pays for an agreement is worked out once per change of the stream's money (funding_version) and kept in the
    shared cache: a repeated view reads it back; a partner's new contribution shows on the very next view."""
    ccg, _ = nhs
    agreement = make_agreement(funded, lines=[line(funded.stream, fy2022, funded.areas[0], "40000.00")], areas=[funded.areas[0]])
    client = sign_in(client, Role.OFFICER, Role.FINANCE)
    page = f"/agreements/{agreement.pk}/"

    def funders_table():
        html = client.get(page).content.decode()
        return html[html.index('id="funders-table"') : html.index("</table>", html.index('id="funders-table"'))]

    before = funders_table()
    assert funded.stream.funder.name in before and "Test CCG" not in before
    with CaptureQueriesContext(connection) as first:
        client.get(page)
    cache.clear()
    with CaptureQueriesContext(connection) as worked_out:
        client.get(page)
    assert len(first) < len(worked_out)  # the repeated view read the shares back rather than the stream's lines

    url = f"/programmes/{funded.programme.slug}/streams/{funded.stream.pk}/contributions/"
    response = post_opened(client, url, {"funder": ccg.pk, "financial_year": fy2022.pk, "amount": "50000.00", "note": ""})
    assert response.status_code == 302
    after = funders_table()
    assert "Test CCG (to 30 June 2022)" in after and "Test ICB (from 1 July 2022)" in after
