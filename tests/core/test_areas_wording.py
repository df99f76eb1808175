"""The council's words for its areas on the pages: a council of wards with a borough-wide pot never reads
"district" or "County-wide"; retired areas are offered for no new allocation."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import CountyAreaFactory, UserFactory
from vcsgrants.core.models import Area, CouncilSettings, Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def wards(db):
    settings = CouncilSettings.objects.get_or_create(pk=1)[0]
    settings.area_word, settings.area_word_plural, settings.whole_area_name = "ward", "wards", "Borough-wide"
    settings.save()


def visible_text(response) -> str:
    page = response.content.decode()
    page = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", page, flags=re.S)
    page = re.sub(r'\s(href|id|class|name|for|aria-[a-z]+|data-[a-z-]+)="[^"]*"', " ", page)
    return page


def test_the_whole_area_is_named_in_the_councils_words(wards):
    assert str(CountyAreaFactory(name="Northshire")) == "Borough-wide"


def test_allocations_programme_and_performance_pages_say_ward(wards, funded):
    client = Client()
    client.force_login(UserFactory(roles=[Role.OFFICER]))
    CountyAreaFactory(name="Northshire")
    slug = funded.programme.slug
    pages = [
        reverse("funding:allocations-edit", args=[slug, funded.stream.pk]) + "?year=2022-23",
        reverse("hub:programme-detail", args=[slug]),
        reverse("monitoring:performance-districts", args=[slug]),
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        text = visible_text(response)
        assert "ward" in text.lower(), url
        assert not re.search(r"district|county-wide", text, flags=re.I), (url, re.findall(r".{40}district.{40}", text, re.I))


def test_a_retired_area_is_not_offered_for_new_allocations_but_keeps_its_own(funded):
    retired, kept = funded.areas
    Area.objects.filter(pk=retired.pk).update(retired_on=dt.date(2022, 1, 1))
    newcomer = Area.objects.create(name="Newly retired", retired_on=dt.date(2022, 1, 1))
    client = Client()
    client.force_login(UserFactory(roles=[Role.OFFICER]))
    page = client.get(
        reverse("funding:allocations-edit", args=[funded.programme.slug, funded.stream.pk]) + "?year=2022-23"
    ).content.decode()
    assert retired.name in page and kept.name in page  # it has an allocation for the year: kept as it is
    assert newcomer.name not in page


def test_the_allocations_service_refuses_a_new_allocation_to_a_retired_area(funded, officer):
    from django.core.exceptions import ValidationError

    from vcsgrants.funding.services import programmes as programme_services

    retired = Area.objects.create(name="Gone", retired_on=dt.date(2022, 1, 1))
    with pytest.raises(ValidationError, match="Gone was retired on 1 January 2022: it can take no new allocation"):
        programme_services.allocations_set(
            stream=funded.stream, year=funded.years[0], amounts={retired: Decimal("1.00")}, actor=officer
        )
