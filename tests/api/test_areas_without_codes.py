"""The API names an area without a GSS code (a unitary's own areas) by its name."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.api.test_writes_funding import ok
from vcsgrants.core.models import Area
from vcsgrants.funding.models import Allocation

pytestmark = pytest.mark.django_db


def test_allocations_to_an_area_without_a_code_are_set_by_its_name(world, api):
    riverside = Area.objects.create(name="Riverside", population=5_000)
    Allocation.objects.filter(stream=world.core, financial_year=world.fy2022).delete()
    rows = ok(
        api(world.officer).post(
            "/api/allocations/set/",
            {"stream": world.core.pk, "financial_year": "2022-23", "amounts": {"riverside": "1000.00"}},
        )
    )
    assert [(r["area"]["name"], r["area"]["gss_code"], r["amount"]) for r in rows] == [("Riverside", None, "1000.00")]
    assert Allocation.objects.get(stream=world.core, financial_year=world.fy2022, area=riverside).amount == Decimal("1000.00")
