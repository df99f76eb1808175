from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from tests.factories import funded_programme
from vcsgrants.workbook.sheets import template_xlsx


@pytest.fixture
def setup(officer, districts, county):
    """A programme whose one stream has £100,000.00 budgets for 2022-23 and 2023-24 and £40,000.00 allocated to each
    district each year."""
    return funded_programme(actor=officer, areas=districts, start_years=(2022, 2023))


@pytest.fixture
def template():
    return template_xlsx()


def org(reference="ORG-1", name="Kestrel Community Trust", **extra):
    return {"Reference": reference, "Name": name, **extra}


def agreement(reference="SLA-2021-001", organisation="ORG-1", programme="", area="Amber Valley Test", **extra):
    return {
        "Agreement reference": reference,
        "Organisation": organisation,
        "Programme": programme,
        "Title": "Infrastructure support",
        "Start": dt.datetime(2022, 4, 1),
        "End": dt.datetime(2024, 3, 31),
        "Areas": area,
        **extra,
    }


def money(reference="SLA-2021-001", stream="", year="2022-23", amount=Decimal("12345.67"), **extra):
    return {"Agreement reference": reference, "Stream": stream, "Financial year": year, "Amount": amount, **extra}
