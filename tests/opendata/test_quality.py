"""Data-quality checks before publishing: each names the grant and the field, and nothing is changed."""

from __future__ import annotations

import copy
import datetime as dt

import pytest

from vcsgrants.opendata.quality import Finding, check_funders, check_grant, check_grants, org_id_prefix

TODAY = dt.date(2024, 6, 1)
GOOD = {
    "id": "360G-GB-LAE-DBY-SLA-2020-001-2022-23",
    "title": "VCS infrastructure SLA: Kestrel (2022-23)",
    "description": "Service Level Agreement SLA-2020-001 with Kestrel for 2022-23.",
    "currency": "GBP",
    "amountAwarded": 58120.0,
    "awardDate": "2022-02-10",
    "plannedDates": [{"startDate": "2022-04-01", "endDate": "2023-03-31", "duration": 12}],
    "recipientOrganization": [
        {"id": "GB-CHC-1234567", "name": "Kestrel", "charityNumber": "1234567", "companyNumber": "01234567"}
    ],
    "beneficiaryLocation": [{"name": "Amber Valley", "countryCode": "GB", "geoCode": "E07000032", "geoCodeType": "NMD"}],
    "fundingOrganization": [{"id": "GB-LAE-DBY", "name": "Derbyshire County Council"}],
    "grantProgramme": [{"code": "vcs", "title": "VCS infrastructure"}],
    "dateModified": "2022-02-11T09:30:00+00:00",
}


def changed(**changes) -> dict:
    grant = copy.deepcopy(GOOD)
    for path, value in changes.items():
        target = grant
        *parents, last = path.split("__")
        for part in parents:
            target = target[int(part)] if part.isdigit() else target[part]
        if value is None:
            del target[last]
        else:
            target[last] = value
    return grant


def findings(grant) -> list[tuple[str, str]]:
    return [(f.code, f.field) for f in check_grant(grant, today=TODAY)]


def test_a_good_grant_has_no_findings():
    assert check_grant(GOOD, today=TODAY) == []


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"amountAwarded": 0}, ("zero_amount", "Amount Awarded")),
        ({"amountAwarded": -5.0}, ("zero_amount", "Amount Awarded")),
        ({"awardDate": "2024-06-02"}, ("future_award_date", "Award Date")),
        ({"awardDate": "2022-02-30"}, ("impossible_date", "Award Date")),
        ({"plannedDates__0__endDate": "2023-02-29"}, ("impossible_date", "Planned Dates:End Date")),
        ({"dateModified": "2022-04-31T10:00:00+00:00"}, ("impossible_date", "Last Modified")),
        ({"plannedDates__0__startDate": "2023-04-01"}, ("planned_start_after_end", "Planned Dates:Start Date")),
        ({"recipientOrganization__0__id": "GB-XYZ-1234567"}, ("unrecognised_prefix", "Recipient Org:Identifier")),
        ({"fundingOrganization__0__id": "DERBYSHIRE"}, ("unrecognised_prefix", "Funding Org:Identifier")),
        ({"recipientOrganization__0__id": "GB-CHC-12345"}, ("org_id_looks_invalid", "Recipient Org:Identifier")),
        ({"recipientOrganization__0__id": "GB-COH-123"}, ("org_id_looks_invalid", "Recipient Org:Identifier")),
        ({"recipientOrganization__0__charityNumber": "12345"}, ("charity_number", "Recipient Org:Charity Number")),
        ({"recipientOrganization__0__charityNumber": "1234567A"}, ("charity_number", "Recipient Org:Charity Number")),
        ({"recipientOrganization__0__companyNumber": "1234567"}, ("company_number", "Recipient Org:Company Number")),
        ({"description": "Contact jo.bloggs@example.org for details."}, ("email", "Description")),
        ({"beneficiaryLocation__0__name": "Ask jo@kestrel.org.uk"}, ("email", "Beneficiary Location:Name")),
        (
            {"fundingOrganization": [{"id": "GB-LAE-DBY", "name": "DCC"}, {"id": "GB-NHS-TST01", "name": "ICB"}]},
            ("more_than_one_funder", "Funding Org"),
        ),
        ({"grantProgramme": None}, ("no_grant_programme", "Grant Programme")),
        ({"beneficiaryLocation": []}, ("no_beneficiary_location", "Beneficiary Location")),
        ({"beneficiaryLocation__0__geoCode": None}, ("location_without_code", "Beneficiary Location:Geographic Code")),
        ({"title": "x" * 141}, ("title_too_long", "Title")),
        ({"title": GOOD["description"]}, ("title_same_as_description", "Description")),
        ({"dateModified": None}, ("no_last_modified", "Last Modified")),
    ],
)
def test_each_check_names_the_field(changes, expected):
    grant = changed(**changes)
    assert expected in findings(grant)
    assert all(f.grant_id == GOOD["id"] for f in check_grant(grant, today=TODAY))
    assert grant != GOOD  # the check reported, and the grant itself is left as it was given


def test_near_misses_are_not_findings():
    assert findings(changed(awardDate="2024-06-01")) == []  # today is not the future
    assert findings(changed(title="x" * 140)) == []
    assert findings(changed(recipientOrganization__0__charityNumber="SC012345")) == []  # a Scottish charity
    assert findings(changed(recipientOrganization__0__charityNumber="123456")) == []  # six digits (older charities)
    assert findings(changed(recipientOrganization__0__companyNumber="SC123456")) == []
    assert findings(changed(recipientOrganization__0__id="360G-GB-LAE-DBY-ORG-kestrel")) == []
    assert findings(changed(recipientOrganization__0__id="gb-chc-1234567")) == []  # prefixes are not case-sensitive


def test_an_address_in_a_field_meant_for_one_is_not_a_leak():
    grant = changed(recipientOrganization=[{"id": "GB-CHC-1234567", "name": "Kestrel", "email": "hello@kestrel.org.uk"}])
    assert findings(grant) == []


def test_org_id_prefixes_come_from_org_id_guide():
    assert org_id_prefix("GB-LAE-DBY") == "GB-LAE"
    assert org_id_prefix("GB-SC-SC012345") == "GB-SC"
    assert org_id_prefix("XI-LEI-724500PMK2A2M1SQQ228") == "XI-LEI"
    assert org_id_prefix("360G-GB-LAE-DBY-ORG-x") == "360G"
    assert org_id_prefix("GB-CHCX-1") is None
    assert org_id_prefix("US-EIN-522044704") is None  # a real list, but not one a council here needs: reported


def test_a_list_naming_a_second_funder_is_flagged_on_the_grants_that_do():
    other = changed(id="360G-X-2", fundingOrganization=[{"id": "GB-NHS-TST01", "name": "ICB"}])
    found = check_grants([GOOD, other], today=TODAY)
    assert [(f.grant_id, f.code, f.field) for f in found] == [("360G-X-2", "more_than_one_funder", "Funding Org:Identifier")]
    # Against the publisher's own identifier, a grant published on its own is flagged too.
    assert check_funders({"360G-X-2": ["GB-NHS-TST01"]}, expected="GB-LAE-DBY")[0].grant_id == "360G-X-2"
    assert check_funders({"360G-X-2": ["GB-NHS-TST01"]}) == []


def test_a_finding_reads_as_grant_field_and_message():
    finding = check_grant(changed(amountAwarded=0), today=TODAY)[0]
    assert isinstance(finding, Finding)
    assert str(finding).startswith("360G-GB-LAE-DBY-SLA-2020-001-2022-23, Amount Awarded: The amount awarded is £0")


def test_the_second_locations_field_is_numbered():
    grant = changed(
        beneficiaryLocation=[
            {"name": "Amber Valley", "geoCode": "E07000032"},
            {"name": "Bolsover"},
        ]
    )
    assert ("location_without_code", "Beneficiary Location:1:Geographic Code") in findings(grant)
