"""The pure mapping from an award to a 360Giving grant: identifiers, award dates, periods, places, money."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from vcsgrants.opendata.conf import standard_dir
from vcsgrants.opendata.grants import (
    Award,
    Line,
    Org,
    Place,
    award_date,
    build_grant,
    grant_id,
    load_geo_code_types,
    months_between,
    org_identifier,
    planned_period,
)

DISTRICT = Place("Amber Valley", "E07000032", (1,))
COUNTY = Place("Derbyshire", "E10000007", (0,))
TYPES = {"E07": "NMD", "E10": "CTY"}


def award(lines, **kwargs) -> Award:
    values = {
        "prefix": "360G-GB-LAE-DBY",
        "reference": "SLA-2020-001",
        "year_label": "2022-23",
        "year_start": dt.date(2022, 4, 1),
        "year_end": dt.date(2023, 3, 31),
        "agreement_title": "VCS infrastructure SLA",
        "agreement_start": dt.date(2020, 10, 1),
        "agreement_end": dt.date(2023, 3, 31),
        "recipient": Org("GB-CHC-1234567", "Kestrel (test)", charity_number="1234567"),
        "funder": Org("GB-LAE-DBY", "Derbyshire County Council"),
        "programme_code": "vcs-infrastructure",
        "programme_title": "VCS infrastructure core provision",
        "modified": dt.datetime(2022, 2, 11, 9, 30, 15, 123456, tzinfo=dt.UTC),
    }
    values.update(kwargs)
    return Award(lines=lines, **values)


def money(amount, *, change=0, on=dt.date(2022, 2, 10), place=DISTRICT, stream="Core", one_off=False, **kwargs) -> Line:
    return Line(Decimal(amount), stream, one_off, place, change, on, **kwargs)


def test_the_identifier_is_the_prefix_the_reference_and_the_year():
    assert grant_id("360G-GB-LAE-DBY", "SLA-2020-001", "2022-23") == "360G-GB-LAE-DBY-SLA-2020-001-2022-23"


def test_an_organisation_without_an_org_id_gets_one_from_the_publishers_records():
    assert org_identifier("GB-CHC-1234567", prefix="360G-X", slug="kestrel") == "GB-CHC-1234567"
    assert org_identifier(None, prefix="360G-X", slug="kestrel") == "360G-X-ORG-kestrel"


def test_months_are_whole_calendar_months_inclusive():
    assert months_between(dt.date(2022, 4, 1), dt.date(2023, 3, 31)) == 12
    assert months_between(dt.date(2020, 10, 1), dt.date(2021, 3, 31)) == 6
    assert months_between(dt.date(2022, 4, 1), dt.date(2022, 9, 30)) == 6


def test_the_award_date_is_that_of_the_first_change_that_put_money_in_the_year():
    original = money("100", change=0, on=dt.date(2020, 9, 10))
    topped_up = money("50", change=2, on=dt.date(2021, 9, 9))
    assert award_date([topped_up, original]) == dt.date(2020, 9, 10)
    extension = money("200", change=3, on=dt.date(2022, 2, 10))
    one_off = money("12.50", change=4, on=dt.date(2021, 9, 9))
    assert award_date([one_off, extension]) == dt.date(2022, 2, 10)  # variation 3 came first, though its decision is later


def test_a_reduction_does_not_count_as_the_award():
    assert award_date(
        [money("-20", change=5, on=dt.date(2023, 1, 1)), money("100", change=2, on=dt.date(2022, 1, 1))]
    ) == dt.date(2022, 1, 1)
    assert award_date([money("-20", change=5, on=dt.date(2023, 1, 1))]) == dt.date(2023, 1, 1)


def test_planned_dates_are_the_agreements_period_within_the_year():
    assert planned_period(award([], agreement_start=dt.date(2022, 10, 1), agreement_end=dt.date(2024, 3, 31))) == (
        dt.date(2022, 10, 1),
        dt.date(2023, 3, 31),
    )
    grant = build_grant(award([money("10")], agreement_end=dt.date(2022, 9, 30)), TYPES)
    assert grant["plannedDates"] == [{"startDate": "2022-04-01", "endDate": "2022-09-30", "duration": 6}]


def test_geo_code_types_come_from_the_standards_codelist():
    types = load_geo_code_types(standard_dir() / "codelists" / "geoCodeType.csv")
    assert types["E07"] == "NMD"  # non-metropolitan district
    assert types["E10"] == "CTY"  # county
    assert types["E06"] == "UA" and types["E08"] == "MD" and types["E09"] == "LONB"


def test_a_grant_has_the_standards_fields_in_order():
    grant = build_grant(award([money("58120.00"), money("12500.00", change=4, place=COUNTY)]), TYPES)
    assert list(grant) == [
        "id",
        "title",
        "description",
        "currency",
        "amountAwarded",
        "awardDate",
        "plannedDates",
        "recipientOrganization",
        "beneficiaryLocation",
        "fundingOrganization",
        "grantProgramme",
        "dateModified",
    ]
    assert grant["id"] == "360G-GB-LAE-DBY-SLA-2020-001-2022-23"
    assert grant["title"] == "VCS infrastructure SLA (2022-23)"
    assert grant["currency"] == "GBP"
    assert grant["amountAwarded"] == 70620.0
    assert grant["recipientOrganization"] == [{"id": "GB-CHC-1234567", "name": "Kestrel (test)", "charityNumber": "1234567"}]
    # The county first, then districts; each with its GSS code and the codelist's type.
    assert grant["beneficiaryLocation"] == [
        {"name": "Derbyshire", "countryCode": "GB", "geoCode": "E10000007", "geoCodeType": "CTY"},
        {"name": "Amber Valley", "countryCode": "GB", "geoCode": "E07000032", "geoCodeType": "NMD"},
    ]
    assert grant["grantProgramme"] == [{"code": "vcs-infrastructure", "title": "VCS infrastructure core provision"}]
    assert grant["dateModified"] == "2022-02-11T09:30:15+00:00"


def test_a_department_is_named_only_when_it_funds_the_whole_award():
    all_public_health = [money("10", department="Public Health"), money("5", change=2, department="Public Health")]
    assert build_grant(award(all_public_health), TYPES)["fundingOrganization"] == [
        {"id": "GB-LAE-DBY", "name": "Derbyshire County Council", "department": "Public Health"}
    ]
    mixed = [money("10"), money("5", change=2, department="Public Health")]
    assert build_grant(award(mixed), TYPES)["fundingOrganization"] == [{"id": "GB-LAE-DBY", "name": "Derbyshire County Council"}]


def test_a_partner_bodys_money_is_named_in_the_description_not_as_a_second_funder():
    grant = build_grant(award([money("1000"), money("3000", stream="NHS contribution", funder_name="NHS Test ICB")]), TYPES)
    assert len(grant["fundingOrganization"]) == 1
    assert "£3,000.00 from NHS contribution (recurrent; funded by NHS Test ICB)" in grant["description"]
    assert "£1,000.00 from Core (recurrent)" in grant["description"]
    assert grant["title"] != grant["description"]


@given(st.integers(min_value=-(10**12) + 1, max_value=10**12 - 1))
def test_every_money_amount_reads_back_to_the_penny(pence):
    amount = Decimal(pence) / 100
    grant = build_grant(award([money(amount)]), TYPES)
    assert Decimal(repr(grant["amountAwarded"])) == amount
