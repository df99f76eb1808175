"""The public open-data page and downloads (no sign-in), and the officer's page that publishes."""

from __future__ import annotations

import io
import json

import openpyxl
import pytest
from django.http import StreamingHttpResponse

from tests.factories import UserFactory
from tests.opendata.conftest import PREFIX
from vcsgrants.core.models import Role
from vcsgrants.opendata import schema, services
from vcsgrants.opendata.models import PublishedGrant

pytestmark = pytest.mark.django_db
MANAGE = "/programmes/test-infra/open-data/"


def content(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def as_role(client, role, **kwargs):
    client.force_login(UserFactory(roles=[role], **kwargs))
    return client


@pytest.fixture
def published(scene):
    """2023-24 published, except SLA-T-003; 2022-23 not published at all."""
    services.grants_publish(
        programme=scene.programme, year=scene.fy2023, actor=scene.officer, agreement_ids=[scene.a.pk, scene.b.pk]
    )
    return scene


def test_the_public_page_lists_only_published_grants_without_sign_in(published, client):
    response = client.get("/open-data/")
    assert response.status_code == 200
    page = response.content.decode()
    assert f"{PREFIX}-SLA-T-001-2023-24" in page and f"{PREFIX}-SLA-T-002-2023-24" in page
    assert "SLA-T-003" not in page  # not published
    assert "2022-23" not in page  # nothing of that year is published
    assert "SLA-T-004" not in page and "Draft: not agreed yet" not in page  # a draft never
    assert 'id="grant-total">£14,000.00<' in page
    assert 'rel="license" href="https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/"' in page
    assert "Open Government Licence v3.0" in page
    for fmt in ("json", "xlsx", "csv"):
        assert f'href="/open-data/360giving.{fmt}"' in page


def test_the_licence_is_the_councils_choice(published, client, settings):
    settings.OPENDATA_LICENCE_TITLE = "Creative Commons Attribution 4.0"
    settings.OPENDATA_LICENCE_URL = "https://creativecommons.org/licenses/by/4.0/"
    page = client.get("/open-data/").content.decode()
    assert 'href="https://creativecommons.org/licenses/by/4.0/">Creative Commons Attribution 4.0<' in page
    package = json.loads(content(client.get("/open-data/360giving.json")))
    assert package["license"] == "https://creativecommons.org/licenses/by/4.0/"


def test_public_downloads_hold_only_the_published_grants(published, client):
    response = client.get("/open-data/360giving.json")
    assert response.status_code == 200 and isinstance(response, StreamingHttpResponse)
    assert response["Content-Disposition"] == 'attachment; filename="test-county-council-360giving.json"'
    package = json.loads(content(response))
    assert schema.package_errors(package) == []
    assert [g["id"] for g in package["grants"]] == [f"{PREFIX}-SLA-T-001-2023-24", f"{PREFIX}-SLA-T-002-2023-24"]
    assert package["grants"] == list(PublishedGrant.objects.order_by("grant_id").values_list("data", flat=True))

    sheet = openpyxl.load_workbook(io.BytesIO(content(client.get("/open-data/360giving.xlsx"))))["grants"]
    assert [r[0] for r in sheet.iter_rows(min_row=2, values_only=True)] == [g["id"] for g in package["grants"]]

    csv_text = content(client.get("/open-data/360giving.csv")).decode()
    assert csv_text.startswith("Identifier,Title,Description,Currency,Amount Awarded")
    assert "SLA-T-003" not in csv_text and "SLA-T-004" not in csv_text


def test_nothing_to_download_until_something_is_published(scene, client):
    assert client.get("/open-data/").status_code == 200
    assert "No grants are published yet" in client.get("/open-data/").content.decode()
    assert client.get("/open-data/360giving.json").status_code == 404
    assert client.get("/open-data/360giving.pdf").status_code == 404


def test_the_officer_sees_each_grants_status_and_findings(published, client):
    scene = published
    scene.c.organisation.charity_number = "12"
    scene.c.organisation.save()
    page = as_role(client, Role.OFFICER).get(MANAGE + "?year=2023-24").content.decode()
    assert 'id="grant-count">3<' in page and 'id="published-count">2<' in page
    assert page.count('govuk-tag--green">Published<') == 2 and page.count('govuk-tag--grey">Not published<') == 1
    assert "Recipient Org:Charity Number" in page and "does not look like a UK charity number" in page
    assert "SLA-T-004" not in page and "Draft agreements" in page
    assert 'name="action" value="publish"' in page


def test_staff_who_do_not_publish_see_the_page_without_the_form(published, client):
    page = as_role(client, Role.CABINET).get(MANAGE).content.decode()
    assert "Grants for 2023-24" in page
    assert 'name="action"' not in page
    assert as_role(client, Role.CABINET).post(MANAGE, {"action": "publish_all"}).status_code == 403


def test_providers_and_partners_are_refused_and_anonymous_users_sent_to_sign_in(published, client):
    assert as_role(client, Role.PROVIDER, organisation=published.provider).get(MANAGE).status_code == 403
    assert as_role(client, Role.PARTNER, organisation=published.nhs).get(MANAGE + "360giving.json").status_code == 403
    client.logout()
    response = client.get(MANAGE)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_an_officer_publishes_and_unpublishes_through_the_page(scene, client):
    client = as_role(client, Role.OFFICER)
    response = client.post(MANAGE + "?year=2022-23", {"agreements": [scene.a.pk, scene.c.pk], "action": "publish"})
    assert response.status_code == 302
    assert set(PublishedGrant.objects.values_list("grant_id", flat=True)) == {
        f"{PREFIX}-SLA-T-001-2022-23",
        f"{PREFIX}-SLA-T-003-2022-23",
    }
    followed = client.get(response["Location"]).content.decode()
    assert "Published 2 grant(s) for 2022-23, £24,500.75: 2 new, 0 updated, 0 unchanged." in followed
    client.post(MANAGE + "?year=2022-23", {"agreements": [scene.c.pk], "action": "unpublish"})
    assert list(PublishedGrant.objects.values_list("grant_id", flat=True)) == [f"{PREFIX}-SLA-T-001-2022-23"]


def test_publishing_grants_with_findings_needs_the_officers_confirmation(scene, client):
    scene.provider.company_number = "123"
    scene.provider.save()
    client = as_role(client, Role.OFFICER)
    response = client.post(MANAGE + "?year=2022-23", {"agreements": [scene.a.pk], "action": "publish"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "There is a problem" in page and "data-quality finding(s)" in page
    assert not PublishedGrant.objects.exists()
    response = client.post(MANAGE + "?year=2022-23", {"agreements": [scene.a.pk], "action": "publish", "acknowledge": "on"})
    assert response.status_code == 302 and PublishedGrant.objects.count() == 1


def test_choosing_nothing_or_a_draft_is_refused_with_a_message(scene, client):
    client = as_role(client, Role.OFFICER)
    page = client.post(MANAGE + "?year=2023-24", {"action": "publish"}).content.decode()
    assert "Choose at least one grant." in page
    page = client.post(MANAGE + "?year=2023-24", {"agreements": [scene.d.pk], "action": "publish"}).content.decode()
    assert "Select the grants again: that choice is not one of the options" in page  # a draft is not even listed
    assert not PublishedGrant.objects.exists()


def test_the_staff_preview_holds_every_publishable_grant_but_no_draft(scene, client):
    client = as_role(client, Role.FINANCE)
    package = json.loads(content(client.get(MANAGE + "360giving.json")))
    assert len(package["grants"]) == 5 and schema.package_errors(package) == []
    assert "preview" in package["title"]
    assert not any("SLA-T-004" in g["id"] for g in package["grants"])
    one_year = json.loads(content(client.get(MANAGE + "360giving.json?year=2022-23")))
    assert {g["id"][-7:] for g in one_year["grants"]} == {"2022-23"}
    assert client.get(MANAGE + "360giving.xlsx").status_code == 200
    assert client.get(MANAGE + "?year=2031-32").status_code == 404
