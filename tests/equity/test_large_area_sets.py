"""An AREAS CSV of tens of thousands of areas: looked up in chunks (one IN of every code passed SQLite's limit on a
query's variables, a 500), and a file over the documented cap refused by name before anything is written."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from tests.factories import AreaFactory, year
from vcsgrants.equity import services


def areas_csv(count: int, codes=()) -> bytes:
    rows = [f"{code},Area {n},100,1" for n, code in enumerate(codes)]
    rows += [f"X{n:07d},Area {n},100,1" for n in range(count - len(rows))]
    return ("area_id,name,population,current\n" + "\n".join(rows) + "\n").encode()


def build(funded, officer, data: bytes):
    return services.option_set_from_csv(
        programme=funded.programme, stream=funded.stream, year=year(2022), name="LSOAs", budget=Decimal("1000.00"),
        filename="lsoa.csv", data=data, actor=officer,
    )  # fmt: skip


def test_the_areas_of_a_large_file_are_looked_up_in_chunks(funded, officer, monkeypatch):
    known = [AreaFactory(gss_code=f"E0100000{n}") for n in range(5)]
    monkeypatch.setattr(services, "AREA_LOOKUP_CHUNK", 2)
    codes = [a.gss_code for a in known] + ["X1", "X2"]
    assert services._areas_by_code(codes) == {a.gss_code: a for a in known}
    option_set = build(funded, officer, areas_csv(7, [a.gss_code for a in known]))
    assert option_set.areas.filter(area__isnull=False).count() == 5 and option_set.areas.count() == 7


def test_a_file_over_the_cap_is_refused_with_the_cap(funded, officer, monkeypatch):
    monkeypatch.setattr(services, "MAX_OPTION_SET_AREAS", 10)
    with pytest.raises(ValidationError) as refused:
        build(funded, officer, areas_csv(11))
    assert refused.value.message_dict["file"] == ["lsoa.csv has 11 areas; an option set takes at most 10."]
    assert not funded.programme.option_sets.exists()
