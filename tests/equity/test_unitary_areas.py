"""A unitary allocating by its own community areas, none with a GSS code: it models an option set over them with
the need indicator it named, and adopts one; a retired area is left out of new option sets."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from tests.factories import funded_programme, year
from vcsgrants.core.audit import events_for
from vcsgrants.core.models import Area, AreaIndicator, CouncilSettings
from vcsgrants.equity import services
from vcsgrants.equity.models import Option
from vcsgrants.funding.models import Allocation

pytestmark = pytest.mark.django_db


@pytest.fixture
def community_areas(db):
    settings = CouncilSettings.objects.get_or_create(pk=1)[0]
    settings.area_word, settings.area_word_plural, settings.whole_area_name = (
        "community area",
        "community areas",
        "Borough-wide",
    )
    settings.save()
    AreaIndicator.objects.create(key="poverty", name="Child poverty rate", higher_is_more_need=True)
    AreaIndicator.objects.create(key="rank", name="Deprivation rank", higher_is_more_need=False)
    return [
        Area.objects.create(name="Riverside", population=30_000, indicators={"poverty": "30", "rank": "1"}),
        Area.objects.create(name="Hillside", population=20_000, indicators={"poverty": "10", "rank": "3"}),
        Area.objects.create(name="Old Town", population=10_000, indicators={"poverty": "20", "rank": "2"}),
    ]


def test_a_unitary_models_and_adopts_an_option_over_areas_without_gss_codes(community_areas, officer):
    funded = funded_programme(actor=officer, areas=community_areas, start_years=(2024,), allocation=Decimal("20000.00"))
    option_set = services.option_set_from_districts(
        programme=funded.programme, stream=funded.stream, year=year(2024), name="Community areas", actor=officer
    )
    # Only the indicator where a higher value means more need is a need weight; the areas are known by name.
    assert option_set.indicators == ["poverty"]
    assert sorted(option_set.areas.values_list("code", flat=True)) == ["Hillside", "Old Town", "Riverside"]
    assert "over 3 community areas" in events_for(option_set).first().summary
    chosen = services.option_create(
        option=Option(option_set=option_set, label="By need", blend={"needs": "1"}, weights={"poverty": "1"}),
        actor=officer,
    )
    assert services.adoption_preview(chosen).problems == []
    services.option_adopt(option=chosen, actor=officer)
    amounts = dict(Allocation.objects.filter(stream=funded.stream, financial_year=year(2024)).values_list("area__name", "amount"))
    assert sum(amounts.values()) == Decimal("100000.00")  # the year's budget, to the penny
    assert amounts["Riverside"] > amounts["Old Town"] and amounts["Riverside"] > amounts["Hillside"]
    adopted = events_for(option_set).filter(verb="equity.option_adopted").get()
    assert set(adopted.data["allocations"]) == {"Riverside", "Hillside", "Old Town"}


def test_a_retired_area_is_left_out_of_new_option_sets(community_areas, officer):
    funded = funded_programme(actor=officer, areas=community_areas[:2], start_years=(2024,), allocation=Decimal("1.00"))
    community_areas[2].retired_on = dt.date(2024, 4, 1)
    community_areas[2].save()
    option_set = services.option_set_from_districts(
        programme=funded.programme, stream=funded.stream, year=year(2024), name="x", actor=officer
    )
    assert sorted(option_set.areas.values_list("name", flat=True)) == ["Hillside", "Riverside"]


def test_an_uploaded_file_names_an_area_without_a_code_by_its_name(community_areas, officer):
    funded = funded_programme(actor=officer, areas=community_areas, start_years=(2024,), allocation=Decimal("20000.00"))
    data = "area_id,name,population,current,poverty\nCA1,Riverside,30000,20000,30\nCA2,hillside,20000,20000,10\n"
    option_set = services.option_set_from_csv(
        programme=funded.programme,
        stream=funded.stream,
        year=year(2024),
        name="Upload",
        budget=Decimal("40000.00"),
        filename="cas.csv",
        data=data.encode(),
        actor=officer,
    )
    assert {a.code: a.area for a in option_set.areas.all()} == {"CA1": community_areas[0], "CA2": community_areas[1]}


def test_an_area_missing_a_need_value_is_named(community_areas, officer):
    funded = funded_programme(actor=officer, areas=community_areas, start_years=(2024,), allocation=Decimal("1.00"))
    Area.objects.create(name="Unscored", population=5)
    with pytest.raises(Exception, match="These community areas have no Child poverty rate \\(poverty\\): Unscored"):
        services.option_set_from_districts(
            programme=funded.programme, stream=funded.stream, year=year(2024), name="x", actor=officer
        )
