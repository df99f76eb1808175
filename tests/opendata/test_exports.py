"""The JSON package, XLSX and CSV: valid, in the standard's column titles, and read back by 360Giving's own converter.

flattentool (the converter 360Giving's Data Quality Tool runs on spreadsheets) unflattens our XLSX and CSV with
the standard's grant schema, ``--convert-titles --root-list-path grants``; the result must be the same grants
and valid against the schema.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import warnings
from decimal import Decimal
from pathlib import Path

import flattentool
import openpyxl
import pytest

from tests.factories import set_council
from vcsgrants.opendata import schema, selectors, writers
from vcsgrants.opendata.conf import standard_dir
from vcsgrants.opendata.grants import package_metadata

pytestmark = pytest.mark.django_db


def normalised(value):
    """Numbers compared as exact decimals (flattentool reads 12 back as an int, 17500.75 as a float)."""
    if isinstance(value, dict):
        return {k: normalised(v) for k, v in value.items()}
    if isinstance(value, list):
        return [normalised(v) for v in value]
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return Decimal(str(value)).normalize()
    return value


def unflatten(path: Path, fmt: str, tmp_path: Path) -> list[dict]:
    out = tmp_path / f"unflattened-{fmt}.json"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # flattentool warns about schema fields without titles that we do not use
        flattentool.unflatten(
            str(path),
            input_format=fmt,
            output_name=str(out),
            root_list_path="grants",
            schema=str(standard_dir() / schema.GRANT_SCHEMA),
            convert_titles=True,
        )
    return json.loads(out.read_text())["grants"]


@pytest.fixture
def grants(scene) -> list[dict]:
    return [g.grant for g in selectors.grants_now()]


def test_the_json_package_is_valid_and_carries_the_licence_and_publisher(grants):
    meta = package_metadata(
        title="Test grants",
        publisher=selectors.publisher().org,
        licence_url="https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/",
        modified=None,
        issued=dt.date(2024, 6, 1),
    )
    text = "".join(writers.json_chunks(iter(grants), meta, batch=2))
    package = json.loads(text)
    assert schema.package_errors(package) == []
    assert package["grants"] == grants
    assert package["license"].startswith("https://www.nationalarchives.gov.uk/")
    assert package["publisher"] == {"identifier": "GB-LAE-DBY", "name": "Test County Council"}
    assert package["version"] == "1.4"


def test_the_xlsx_uses_the_standards_column_titles_and_numbers_extra_places(grants, tmp_path):
    path = tmp_path / "grants.xlsx"
    writers.write_xlsx(path, iter(grants), extra_locations=selectors.max_locations_now() - 1)
    sheet = openpyxl.load_workbook(path)["grants"]
    header = [c.value for c in next(sheet.iter_rows(max_row=1))]
    standard = writers.standard_titles()
    assert {"Identifier", "Recipient Org:Identifier", "Amount Awarded", "Beneficiary Location:Geographic Code"} <= set(header)
    assert [t for t in header if t in standard] == [t for t in standard if t in header]  # the template's order
    assert [t for t in header if t not in standard] == [
        "Beneficiary Location:1:Name",
        "Beneficiary Location:1:Country Code",
        "Beneficiary Location:1:Geographic Code",
        "Beneficiary Location:1:Geographic Code Type",
    ]
    rows = {row[0]: dict(zip(header, row, strict=True)) for row in sheet.iter_rows(min_row=2, values_only=True)}
    two_places = rows["360G-GB-LAE-DBY-SLA-T-001-2022-23"]
    assert two_places["Amount Awarded"] == 17500.75
    assert two_places["Beneficiary Location:Geographic Code"] == "E07900001"
    assert two_places["Beneficiary Location:1:Geographic Code"] == "E07900002"
    assert two_places["Award Date"] == "2022-02-10"
    assert two_places["Recipient Org:Company Number"] == "01234567"  # text: the leading zero is kept


def test_flattentool_reads_our_xlsx_back_into_the_same_valid_grants(grants, tmp_path):
    path = tmp_path / "grants.xlsx"
    writers.write_xlsx(path, iter(grants), extra_locations=selectors.max_locations_now() - 1)
    back = unflatten(path, "xlsx", tmp_path)
    assert normalised(back) == normalised(grants)
    assert schema.package_errors({"grants": back}) == []


def test_flattentool_reads_our_csv_back_into_the_same_valid_grants(grants, tmp_path):
    folder = tmp_path / "csv"
    folder.mkdir()
    with (folder / "grants.csv").open("w", encoding="utf-8", newline="") as handle:
        writers.write_csv(handle, iter(grants), extra_locations=selectors.max_locations_now() - 1)
    back = unflatten(folder, "csv", tmp_path)
    assert normalised(back) == normalised(grants)
    assert schema.package_errors({"grants": back}) == []


def test_text_that_a_spreadsheet_would_run_is_never_a_formula(tmp_path):
    grant = {"id": "360G-X-1", "title": '=HYPERLINK("http://evil.example")', "description": "+1 then -2 and @3"}
    path = tmp_path / "f.xlsx"
    writers.write_xlsx(path, [grant])
    cell = openpyxl.load_workbook(path)["grants"]["B2"]
    assert cell.value == grant["title"] and cell.data_type == "s"
    # The standard's CSV is data for software: cells exactly as the data says, no apostrophe (ADR 0013).
    rows = list(csv.reader(io.StringIO("".join(writers.csv_chunks([grant])))))
    assert rows[1][1] == grant["title"] and rows[1][2] == grant["description"]


def test_every_column_we_write_is_one_of_the_standards():
    titles = (standard_dir() / "grants-sheet-column-titles.csv").read_text(encoding="utf-8").strip().split(",")
    assert set(writers.COLUMNS) <= set(titles)


def test_the_publisher_comes_from_the_council_settings_when_no_setting_names_one(db, settings):
    from vcsgrants.opendata.grants import Org

    settings.OPENDATA_PUBLISHER_ORG_ID = ""
    settings.OPENDATA_GRANT_PREFIX = ""
    set_council(council_name="Northshire County Council", council_org_id="GB-LAE-NSH")
    publisher = selectors.publisher()  # a new install: no programme, no organisation recorded under that Org-ID
    assert publisher.org == Org(id="GB-LAE-NSH", name="Northshire County Council")
    assert publisher.prefix == "360G-GB-LAE-NSH" and publisher.name == "Northshire County Council"

    settings.OPENDATA_PUBLISHER_ORG_ID = "GB-LAE-XYZ"  # the setting, when given, wins
    assert selectors.publisher().org.id == "GB-LAE-XYZ"


def test_with_nothing_set_the_publisher_is_named_after_the_service(db, settings):

    settings.OPENDATA_PUBLISHER_ORG_ID = ""
    set_council(service_name="Westshire Grants")
    assert selectors.publisher().name == "Westshire Grants"
