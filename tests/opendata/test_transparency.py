"""The Transparency Code register: the same published grants as the 360Giving files, with the same totals."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal

import openpyxl
import pytest

from tests.opendata.conftest import PREFIX
from vcsgrants.opendata import services, transparency

pytestmark = pytest.mark.django_db


def content(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


@pytest.fixture
def published(scene):
    """Every grant of both years published (the 2022-23 ones after the officer checked the findings)."""
    for year in (scene.fy2022, scene.fy2023):
        services.grants_publish(programme=scene.programme, year=year, actor=scene.officer, acknowledge_findings=True)
    return scene


def test_the_registers_total_equals_the_360giving_files_for_the_same_year(published, client):
    grants = json.loads(content(client.get("/open-data/360giving.json")))["grants"]
    for label in ("2022-23", "2023-24"):
        expected = sum(Decimal(str(g["amountAwarded"])) for g in grants if g["id"].endswith(label))
        rows = list(csv.reader(io.StringIO(content(client.get(f"/open-data/transparency.csv?year={label}")).decode("utf-8-sig"))))
        assert rows[0] == transparency.HEADERS
        assert sum(Decimal(r[9]) for r in rows[1:]) == expected > 0
        assert sorted(r[10] for r in rows[1:]) == sorted(g["id"] for g in grants if g["id"].endswith(label))
        page = client.get(f"/open-data/transparency/?year={label}").content.decode()
        assert f'id="register-total">£{expected:,.2f}<' in page
    everything = list(csv.reader(io.StringIO(content(client.get("/open-data/transparency.csv")).decode("utf-8-sig"))))
    assert sum(Decimal(r[9]) for r in everything[1:]) == sum(Decimal(str(g["amountAwarded"])) for g in grants)


def test_each_row_carries_the_codes_fields_from_the_published_grant(published, client):
    rows = list(csv.reader(io.StringIO(content(client.get("/open-data/transparency.csv?year=2023-24")).decode("utf-8-sig"))))
    by_id = {r[10]: dict(zip(transparency.HEADERS, r, strict=True)) for r in rows[1:]}
    first = by_id[f"{PREFIX}-SLA-T-001-2023-24"]
    assert first["Beneficiary"] == "Test Voluntary Action"
    assert (first["Beneficiary registration number"], first["Registration type"]) == ("1234567", "Charity")
    assert first["Date awarded"] and first["Period from"] <= first["Period to"]
    assert first["Department"] and first["Purpose"]
    second = by_id[f"{PREFIX}-SLA-T-003-2023-24"]  # SLA C: the second provider, a company
    assert (second["Beneficiary registration number"], second["Registration type"]) == ("07654321", "Company")

    sheet = openpyxl.load_workbook(io.BytesIO(content(client.get("/open-data/transparency.xlsx?year=2023-24")))).active
    values = list(sheet.iter_rows(values_only=True))
    assert list(values[0]) == transparency.HEADERS
    assert [Decimal(str(r[9])) for r in values[1:]] == [Decimal(r[9]) for r in rows[1:]]


def test_the_register_is_public_and_linked_from_the_open_data_page(published, client):
    assert 'href="/open-data/transparency/"' in client.get("/open-data/").content.decode()
    page = client.get("/open-data/transparency/")
    assert (
        page.status_code == 200 and "Grants to voluntary, community and social enterprise organisations" in page.content.decode()
    )


def test_nothing_published_means_an_empty_register(scene, client):
    assert 'id="register-empty"' in client.get("/open-data/transparency/").content.decode()
    rows = list(csv.reader(io.StringIO(content(client.get("/open-data/transparency.csv")).decode("utf-8-sig"))))
    assert rows == [transparency.HEADERS]
