"""360Giving: an area of the council's own, with no GSS code, is named without a geoCode."""

from __future__ import annotations

from vcsgrants.opendata.grants import Place, _location


def test_a_place_without_a_code_has_a_name_and_no_geocode():
    assert _location(Place(name="Riverside", gss_code=""), {"E07": "NMD"}) == {"name": "Riverside", "countryCode": "GB"}


def test_a_place_with_a_code_keeps_it_and_its_type():
    location = _location(Place(name="North", gss_code="E07000001"), {"E07": "NMD"})
    assert (location["geoCode"], location["geoCodeType"]) == ("E07000001", "NMD")
