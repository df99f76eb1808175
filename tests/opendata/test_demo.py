"""The demo publishes its 2022-23 awards, so a newcomer sees the public page with something on it."""

from __future__ import annotations

from decimal import Decimal

import pytest

from vcsgrants.core.models import User
from vcsgrants.demo.opendata import publish_demo_grants
from vcsgrants.funding.models import MoneySum, Programme
from vcsgrants.opendata.models import PublishedGrant

pytestmark = pytest.mark.django_db


def test_the_demo_publishes_the_2022_23_awards_once(demo_module, client):
    programme = Programme.objects.get(slug="vcs-infrastructure")
    officer = User.objects.get(username="officer")
    PublishedGrant.objects.all().delete()  # in case load_demo already calls it
    assert publish_demo_grants(programme, officer=officer) == 10
    assert publish_demo_grants(programme, officer=officer) == 0
    grants = PublishedGrant.objects.all()
    assert set(grants.values_list("financial_year__start_year", flat=True)) == {2022}
    # The minute's £452,228 recurrent plus the one-off Public Health £125,000 that runs to 30 September 2022.
    assert grants.aggregate(t=MoneySum("amount"))["t"] == Decimal("577228.00")
    page = client.get("/open-data/").content.decode()
    assert "Grants published by Derbyshire County Council" in page
    assert "the split of funding between them is illustrative" in page
    assert "360G-GB-LAE-DBY-SLA-2020-001-2022-23" in page
