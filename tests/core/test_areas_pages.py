"""The Areas pages: officers and administrators list, add, edit, retire and reinstate areas and need indicators,
in the council's words, with no GSS code needed; every change audited; a stale edit refused."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import AreaFactory, CountyAreaFactory, UserFactory
from tests.versions import page_version, post_opened
from vcsgrants.core.audit import events_for
from vcsgrants.core.models import Area, AreaIndicator, CouncilSettings, Role

pytestmark = pytest.mark.django_db


def client_with(*roles) -> Client:
    client = Client()
    client.force_login(UserFactory(roles=list(roles)))
    return client


@pytest.fixture
def unitary(db):
    """A unitary council calling its areas community areas and its whole area Borough-wide."""
    settings = CouncilSettings.objects.get_or_create(pk=1)[0]
    settings.area_word, settings.area_word_plural, settings.whole_area_name = (
        "community area",
        "community areas",
        "Borough-wide",
    )
    settings.save()
    return settings


def test_the_list_shows_code_kind_population_indicators_and_status_in_the_councils_words(unitary):
    rurality = AreaIndicator.objects.create(key="rurality", name="Rurality index", higher_is_more_need=True)
    Area.objects.create(name="Riverside", population=12_000, indicators={rurality.key: "0.4"})
    AreaFactory(name="Old Town", gss_code="E07000999", retired_on=dt.date(2024, 4, 1))
    Area.objects.create(name="Northshire Borough", kind=Area.Kind.COUNTY)
    page = client_with(Role.CABINET).get(reverse("core:area-list")).content.decode()
    assert "Areas: Community areas and borough-wide" in page
    assert "Riverside" in page and "12,000" in page and "Rurality index" in page and "0.4" in page
    assert "E07000999" in page and "Retired 1 April 2024" in page
    assert "Borough-wide" in page and "Community area" in page
    assert "District" not in page and "County-wide" not in page
    assert "Add an area" not in page  # cabinet members read only


def test_an_officer_adds_an_area_without_a_gss_code_and_it_is_audited(unitary):
    AreaIndicator.objects.create(key="imd", name="IMD 2019 average score")
    officer = client_with(Role.OFFICER)
    form = officer.get(reverse("core:area-create")).content.decode()
    assert "Community area: an area the council allocates to" in form and "Borough-wide" in form
    response = officer.post(
        reverse("core:area-create"),
        {"name": "Riverside", "kind": "district", "gss_code": "", "population": "12000", "indicator_imd": "21.5"},
    )
    assert response.status_code == 302
    area = Area.objects.get(name="Riverside")
    assert area.gss_code is None and area.population == 12_000 and area.indicator_value("imd") == Decimal("21.5")
    assert [e.verb for e in events_for(area)] == ["area.saved"]
    # A second area without a code is fine too: the code is unique only when given.
    officer.post(reverse("core:area-create"), {"name": "Hillside", "kind": "district", "gss_code": ""})
    assert Area.objects.filter(gss_code__isnull=True).count() == 2


def test_a_gss_code_when_given_is_checked_and_unique(db):
    AreaFactory(name="Taken", gss_code="E07000111")
    officer = client_with(Role.ADMIN)
    bad = officer.post(reverse("core:area-create"), {"name": "X", "kind": "district", "gss_code": "CNA-01"})
    assert "Enter a 9-character GSS code" in bad.content.decode()
    taken = officer.post(reverse("core:area-create"), {"name": "Y", "kind": "district", "gss_code": "e07000111"})
    assert "GSS code already exists" in taken.content.decode()
    same_name = officer.post(reverse("core:area-create"), {"name": "taken", "kind": "district"})
    assert "There is already an area called Taken" in same_name.content.decode()
    assert Area.objects.count() == 1


def test_only_one_whole_area(unitary):
    CountyAreaFactory(name="Northshire Borough")
    response = client_with(Role.OFFICER).post(reverse("core:area-create"), {"name": "Another", "kind": "county"})
    assert "is already the council&#x27;s whole area (Borough-wide)" in response.content.decode()


def test_editing_is_refused_when_the_area_changed_since_the_page_was_opened(db):
    area = AreaFactory(name="Riverside", population=1000)
    url = reverse("core:area-edit", args=[area.pk])
    first, second = client_with(Role.OFFICER), client_with(Role.OFFICER)
    stale = page_version(second, url)
    assert post_opened(first, url, {"name": "Riverside", "kind": "district", "population": "2000"}).status_code == 302
    refused = second.post(url, {"name": "Riverside", "kind": "district", "population": "3000", "version": stale})
    assert refused.status_code == 200
    assert "This was changed since you opened it" in refused.content.decode()
    area.refresh_from_db()
    assert area.population == 2000


def test_retiring_hides_an_area_from_new_allocations_and_reinstating_brings_it_back(db):
    area = AreaFactory(name="Old Town")
    officer = client_with(Role.OFFICER)
    url = reverse("core:area-retire", args=[area.pk])
    assert officer.post(url, {}).status_code == 200  # nothing confirmed: nothing done
    response = post_opened(officer, url, {"action": "retire", "retired_on": "2025-04-01"})
    assert response.status_code == 302
    area.refresh_from_db()
    assert area.retired_on == dt.date(2025, 4, 1) and not area.is_active
    page = officer.get(url).content.decode()
    assert "Reinstate Old Town" in page
    assert post_opened(officer, url, {"action": "reinstate"}).status_code == 302
    area.refresh_from_db()
    assert area.retired_on is None
    assert [e.verb for e in events_for(area)] == ["area.reinstated", "area.retired"]


def test_an_indicator_is_added_and_renamed_with_its_values(db):
    officer = client_with(Role.OFFICER)
    response = officer.post(
        reverse("core:area-indicator-create"),
        {"name": "Rurality index", "key": "rural", "description": "Share living in rural LSOAs", "higher_is_more_need": "on"},
    )
    assert response.status_code == 302
    indicator = AreaIndicator.objects.get(key="rural")
    area = AreaFactory(indicators={"rural": "0.3"})
    url = reverse("core:area-indicator-edit", args=[indicator.pk])
    post_opened(officer, url, {"name": "Rurality index", "key": "rurality", "higher_is_more_need": "on"})
    area.refresh_from_db()
    assert area.indicators == {"rurality": "0.3"}
    assert [e.verb for e in events_for(indicator)] == ["area_indicator.saved", "area_indicator.saved"]


def test_areas_are_in_the_staff_navigation():
    page = client_with(Role.FINANCE).get(reverse("core:area-list")).content.decode()
    assert f'href="{reverse("core:area-list")}"' in page
