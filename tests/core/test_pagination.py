"""Long lists page (core.pagination) and their downloads still give every row; permissions are asked once a request.

One generated programme of 55 providers (an agreement each, one KPI, one year: 220 instalments) is more than a
page of every list that pages: the agreements (50 to a page), the programme page's agreements, performance by
provider (10 providers to a page) and the payments list (100 instalments to a page).
"""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.test import RequestFactory

from tests.factories import UserFactory
from vcsgrants.core.models import Role, User
from vcsgrants.core.pagination import paginate
from vcsgrants.funding.models import Agreement, PaymentInstalment

pytestmark = pytest.mark.django_db

SLUG = "paged"
PROVIDERS = 55


def test_a_page_keeps_the_other_query_parameters_and_numbers_its_pages_gov_uk_style():
    request = RequestFactory().get("/x/", {"year": "2022-23", "status": ["a", "b"], "page": "7"})
    page = paginate(request, list(range(1000)), 50, anchor="t")
    assert (page.number, page.param, page.anchor) == (7, "page", "t")
    assert page.query == "year=2022-23&status=a&status=b"
    assert page.numbers == [1, None, 6, 7, 8, None, 20]  # first, last, one either side, ellipses between
    beyond = paginate(RequestFactory().get("/x/", {"rows": "99"}), list(range(120)), 50, param="rows")
    assert (beyond.number, len(beyond.object_list), beyond.query) == (3, 20, "")


@pytest.fixture
def world():
    call_command("generate_scale_data", slug=SLUG, orgs=PROVIDERS, kpis=1, years=1, stdout=io.StringIO(), stderr=io.StringIO())
    return {"officer": UserFactory(roles=[Role.OFFICER]), "finance": UserFactory(roles=[Role.FINANCE])}


def csv_rows(response) -> list[list[str]]:
    assert response.status_code == 200
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def table_rows(html: str, table_id: str) -> int:
    table = html.split(f'id="{table_id}"', 1)[1].split("</table>", 1)[0]
    return len(re.findall(r'<tr class="govuk-table__row', table.split("<tbody", 1)[1]))


def test_performance_by_provider_pages_ten_providers_finds_one_and_downloads_them_all(world, client):
    client.force_login(world["officer"])
    url = f"/programmes/{SLUG}/performance/providers/"
    first = client.get(url).content.decode()
    assert table_rows(first, "providers-summary-table") == 10
    assert 'aria-label="Pages of providers"' in first and 'aria-current="page"' in first
    last = client.get(url, {"page": "6"}).content.decode()
    assert table_rows(last, "providers-summary-table") == PROVIDERS - 50
    name = Agreement.objects.filter(programme__slug=f"{SLUG}").order_by("reference").first().organisation.name
    found = client.get(url, {"provider": name.upper()}).content.decode()
    assert table_rows(found, "providers-summary-table") == 1 and "Pages of providers" not in found
    # The period form's year and quarter stay on the pages' links.
    year, quarter = re.search(r"year=([0-9-]+)&amp;quarter=(\d)", first).groups()
    assert (
        f'href="?year={year}&amp;quarter={quarter}&amp;page=2"'
        in client.get(url, {"year": year, "quarter": quarter}).content.decode()
    )
    summary = csv_rows(client.get(f"/programmes/{SLUG}/performance/providers-summary.csv", {"year": year, "quarter": quarter}))
    assert len(summary) - 1 == PROVIDERS


def test_the_agreements_list_pages_finds_and_downloads_every_agreement(world, client):
    client.force_login(world["officer"])
    first = client.get("/agreements/").content.decode()
    assert first.count('<td class="govuk-table__cell app-nowrap">') == 50
    assert f"{PROVIDERS} agreements." in first
    second = client.get("/agreements/", {"page": "2"}).content.decode()
    assert second.count('<td class="govuk-table__cell app-nowrap">') == PROVIDERS - 50
    assert len(csv_rows(client.get("/agreements.csv"))) - 1 == Agreement.objects.count() == PROVIDERS
    reference = Agreement.objects.order_by("reference").last().reference
    found = client.get("/agreements/", {"q": reference.lower()}).content.decode()
    assert found.count('<td class="govuk-table__cell app-nowrap">') == 1
    assert len(csv_rows(client.get("/agreements.csv", {"q": reference}))) == 2


def test_the_programme_page_pages_its_agreements_keeping_the_year(world, client):
    client.force_login(world["officer"])
    url = f"/programmes/{SLUG}/"
    first = client.get(url).content.decode()
    year = re.search(r'<option value="([0-9-]+)" selected', first).group(1)
    page = client.get(url, {"year": year, "agreements": "2"}).content.decode()
    assert page.count('<td class="govuk-table__cell app-nowrap">') == PROVIDERS - 50
    assert f'href="?year={year}&amp;agreements=1#agreements"' in page


def test_the_payments_list_pages_its_rows_but_totals_and_downloads_every_instalment(world, client):
    client.force_login(world["finance"])
    page = client.get("/payments/", {"view": "all"}).content.decode()
    assert table_rows(page, "payments-table") == 100 + 1  # and the total row
    total = sum(i.amount for i in PaymentInstalment.objects.all())
    count = PaymentInstalment.objects.count()
    assert count == PROVIDERS * 4
    assert f"{count} instalments" in page and f"£{total:,.2f}" in page
    rows = csv_rows(client.get("/payments.csv", {"view": "all"}))
    assert len(rows) - 2 == count  # the header and the Total row


def test_a_permission_without_an_object_is_asked_once_a_request():
    """request.user is a new object each request: the memo lasts a request, and forget_permissions clears it."""
    user = UserFactory(roles=[Role.OFFICER])
    assert user.has_perm("funding.manage_programme")
    user.groups.set([Group.objects.get_or_create(name=Role.PROVIDER)[0]])
    assert user.has_perm("funding.manage_programme")  # remembered on this object, as the request's user
    assert not User.objects.get(pk=user.pk).has_perm("funding.manage_programme")  # the next request asks again
    user.forget_permissions()
    assert not user.has_perm("funding.manage_programme")


def test_the_organisations_list_pages_and_finds_by_name(world, client):
    client.force_login(world["officer"])
    first = client.get("/organisations/").content.decode()
    assert first.count('<tr class="govuk-table__row"><td class="govuk-table__cell"><a class="govuk-link"') == 50
    assert 'aria-label="Pages of organisations"' in first
    name = Agreement.objects.order_by("reference").first().organisation.name
    found = client.get("/organisations/", {"q": name.lower(), "kind": "provider"}).content.decode()
    assert found.count('<tr class="govuk-table__row"><td class="govuk-table__cell"><a class="govuk-link"') == 1
