"""Validation against the official 360Giving schemas, dates checked by a format checker."""

from __future__ import annotations

import copy
import datetime as dt
import json

import pytest
from jsonschema import Draft202012Validator

from tests.opendata.test_quality import GOOD
from vcsgrants.opendata import schema, writers
from vcsgrants.opendata.grants import package_metadata


def package(grants) -> dict:
    meta = package_metadata(
        title="Test", publisher=None, licence_url="https://example.org/licence", modified=None, issued=dt.date(2024, 6, 1)
    )
    return json.loads("".join(writers.json_chunks(grants, meta)))


def test_a_good_package_is_valid_against_the_official_package_schema():
    assert schema.package_errors(package([GOOD])) == []


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("awardDate", "2022-13-01"),  # no 13th month
        ("awardDate", "10/02/2022"),  # not ISO
        ("awardDate", "2022-02-30T00:00:00Z"),  # a date-time that does not exist
        ("dateModified", "2022-02-30T10:00:00+00:00"),
        ("dateModified", "yesterday"),
    ],
)
def test_an_invalid_date_fails(field, value):
    grant = dict(copy.deepcopy(GOOD), **{field: value})
    assert any(error.startswith(field) for error in schema.grant_errors(grant))
    assert any(error.startswith(f"grants/0/{field}") for error in schema.package_errors(package([grant])))


def test_without_a_format_checker_valid_dates_would_fail_and_bad_ones_pass():
    """Why the format checker matters: a plain date matches both branches of the schema's oneOf."""
    bare = Draft202012Validator(schema.load(schema.GRANT_SCHEMA))
    assert not bare.is_valid(GOOD)
    assert schema.grant_validator().is_valid(GOOD)


def test_the_package_schemas_reference_to_the_1_4_2_grant_schema_resolves_to_the_local_1_4_3_copy():
    broken = {k: v for k, v in GOOD.items() if k != "recipientOrganization"}
    errors = schema.package_errors(package([broken]))
    assert errors and errors[0].startswith("grants/0")
    assert schema.PACKAGE_GRANTS_REF in json.dumps(schema.load(schema.PACKAGE_SCHEMA))


def test_an_empty_package_is_not_valid():
    assert schema.package_errors(package([]))  # the schema wants at least one grant: empty downloads are refused
