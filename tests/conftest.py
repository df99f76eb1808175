"""Shared fixtures: a council officer, two districts and the county, and a funded programme for 2022-23."""

from __future__ import annotations

import pytest

from tests.factories import AreaFactory, CountyAreaFactory, UserFactory, funded_programme, year
from vcsgrants.core.models import Role


@pytest.fixture
def officer(db):
    return UserFactory(roles=[Role.OFFICER])


@pytest.fixture
def fy2022(db):
    return year(2022)


@pytest.fixture
def fy2023(db):
    return year(2023)


@pytest.fixture
def districts(db):
    return [AreaFactory(name="Amber Valley Test"), AreaFactory(name="Bolsover Test")]


@pytest.fixture
def county(db):
    return CountyAreaFactory(name="Derbyshire Test")


@pytest.fixture
def funded(officer, districts):
    """One recurrent stream with a £100,000.00 budget for 2022-23 and £40,000.00 allocated to each district."""
    return funded_programme(actor=officer, areas=districts)
