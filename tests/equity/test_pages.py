"""The equity pages on the demo: build, compare, export and adopt, as an officer would."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from tests.versions import post_opened
from vcsgrants.core.models import FinancialYear, User
from vcsgrants.equity.models import Option, OptionSet
from vcsgrants.funding.models import Allocation, Programme

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(demo_module, db):
    return Programme.objects.get(slug="vcs-infrastructure")


def client_as(username: str) -> Client:
    client = Client()
    client.force_login(User.objects.get(username=username))
    return client


def test_the_demo_compares_five_options_over_the_eight_districts(demo):
    option_set = OptionSet.objects.get(programme=demo)
    assert option_set.areas.count() == 8
    # £452,228 less the £53,548 county-wide allocation, which stays as it is.
    assert option_set.budget == Decimal("398680.00")
    page = client_as("cabinet").get(option_set.get_absolute_url()).content.decode()
    for label in ["Current levels", "Equal shares", "Per head", "Needs-weighted (IMD)", "Blend, damped"]:
        assert label in page
    assert "<svg" in page and 'id="per-head"' in page and 'id="measures"' in page
    assert "Glide path: Blend, damped" in page
    # Every option's allocations add up to the budget: the total row says £398,680.00 five times.
    assert page.count("£398,680.00") >= 5


def test_officer_builds_a_set_adds_an_option_and_adopts_it(demo):
    officer = client_as("officer")
    stream = demo.streams.get(recurrence="recurrent")
    fy = FinancialYear.objects.get(start_year=2023)
    response = officer.post(
        reverse("equity:equity-create", args=[demo.slug]),
        {"name": "Officer's set", "stream": stream.pk, "financial_year": fy.pk, "source": "districts"},
    )
    option_set = OptionSet.objects.get(name="Officer's set")
    assert response.status_code == 302 and response["Location"] == option_set.get_absolute_url()

    bad = officer.post(
        reverse("equity:equity-option-create", args=[option_set.pk]),
        {"label": "Half and half", "share_per_head": "50", "share_needs": "40", "weight_imd": "100", "years": "1"},
    )
    assert "they must add up to 100%" in bad.content.decode()
    response = officer.post(
        reverse("equity:equity-option-create", args=[option_set.pk]),
        {
            "label": "Half and half",
            "share_per_head": "50",
            "share_needs": "50",
            "weight_imd": "100",
            "damping": "5",
            "years": "2",
        },
    )
    assert response.status_code == 302
    option = Option.objects.get(option_set=option_set)
    assert option.blend == {"per_head": "0.5", "needs": "0.5"} and option.damping == Decimal("0.05")

    preview = officer.get(reverse("equity:equity-option-adopt", args=[option.pk])).content.decode()
    assert "£452,228.00" in preview  # the total after adoption, which is the stream's budget
    response = post_opened(officer, reverse("equity:equity-option-adopt", args=[option.pk]), {"decision": ""})
    assert response.status_code == 302
    total = sum(Allocation.objects.filter(stream=stream, financial_year=fy).values_list("amount", flat=True))
    assert total == Decimal("452228.00")
    # Damping ±5%: no district moved more than 5% from today's level.
    for row in option_set.areas.all():
        new = Allocation.objects.get(stream=stream, financial_year=fy, area=row.area).amount
        assert abs(new - row.current) <= row.current * Decimal("0.05") + Decimal("0.01")


def test_a_bad_areas_upload_lists_every_problem_by_row_and_column(demo):
    officer = client_as("officer")
    stream = demo.streams.get(recurrence="recurrent")
    fy = FinancialYear.objects.get(start_year=2023)
    upload = SimpleUploadedFile("lsoas.csv", b"area_id,name,population,current,imd,colour\nE01,A,10,5,x,red\n")
    response = officer.post(
        reverse("equity:equity-create", args=[demo.slug]),
        {"name": "LSOAs", "stream": stream.pk, "financial_year": fy.pk, "source": "upload", "budget": "1000", "file": upload},
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "lsoas.csv" in page and "Row 2" in page
    assert not OptionSet.objects.filter(name="LSOAs").exists()


def test_the_comparison_downloads_as_a_workbook_with_every_option(demo):
    option_set = OptionSet.objects.get(programme=demo)
    response = client_as("finance").get(reverse("equity:equity-export", args=[option_set.pk]))
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == ["Equity measures", "Allocations", "Glide paths", "Areas (inputs)", "About"]
    measures = list(workbook["Equity measures"].iter_rows(values_only=True))
    assert [r[0] for r in measures[1:]] == ["Current levels", "Equal shares", "Per head", "Needs-weighted (IMD)", "Blend, damped"]
    equal_gini = measures[2][2]
    assert equal_gini > 0  # equal shares per district are unequal per head
    allocations = list(workbook["Allocations"].iter_rows(values_only=True))
    total_row = allocations[-1]
    assert total_row[1] == "Total"
    assert total_row[4] == Decimal("398680.00") or total_row[4] == 398680  # first option's allocation column
    inputs = list(workbook["Areas (inputs)"].iter_rows(values_only=True))
    assert inputs[0] == ("area_id", "name", "population", "current", "imd")
    assert len(inputs) == 9
