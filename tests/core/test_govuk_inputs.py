"""Inputs as the GOV.UK Design System has them (core.widgets): the date input, numbers as text, first options of
selects, financial years in any common spelling, and a warning step before anything is removed."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django import forms
from django.test import Client
from django.urls import reverse

from tests.factories import AreaFactory, UserFactory, funded_programme
from tests.govuk_dates import date_parts
from tests.versions import post_opened
from vcsgrants.core.forms import DateInput, GovukForm
from vcsgrants.core.models import Role
from vcsgrants.core.years import normalise_year_label
from vcsgrants.equity import services as equity_services
from vcsgrants.equity.models import Option
from vcsgrants.funding.models import StreamBudget


@pytest.fixture
def option_set(officer):
    areas = [
        AreaFactory(name="North Test", population=120_000, imd_score=Decimal("25.000")),
        AreaFactory(name="South Test", population=80_000, imd_score=Decimal("10.000")),
    ]
    funded = funded_programme(actor=officer, areas=areas, start_years=(2023,), allocation=Decimal("30000.00"))
    return equity_services.option_set_from_districts(
        programme=funded.programme, stream=funded.stream, year=funded.years[0], name="Test options", actor=officer
    )


class AgreedForm(GovukForm):
    date_agreed = forms.DateField(label="Date agreed", widget=DateInput)


def boxes(html: str) -> dict[str, str]:
    """The class of each of the date's three boxes, by name."""
    return dict(re.findall(r'<input type="text" name="(date_agreed_\w+)"[^>]*class="([^"]*)"', html))


@pytest.mark.parametrize(
    ("day", "month", "year", "message", "wrong"),
    [
        ("27", "", "2024", "Date agreed must include a month", {"month"}),
        ("", "", "2024", "Date agreed must include a day and month", {"day", "month"}),
        ("31", "2", "2024", "Date agreed must be a real date", {"day"}),
        ("1", "13", "2024", "Date agreed must be a real date", {"month"}),
        ("1", "x", "2024", "Date agreed must be a real date", {"month"}),
        ("1", "3", "24", "Date agreed must include a year with 4 numbers", {"year"}),
    ],
)
def test_a_date_that_cannot_be_read_says_why_and_marks_only_the_wrong_boxes(day, month, year, message, wrong):
    form = AgreedForm({"date_agreed_day": day, "date_agreed_month": month, "date_agreed_year": year})
    assert not form.is_valid()
    assert form.errors["date_agreed"] == [message]
    html = str(form["date_agreed"])
    classes = boxes(html)
    assert {part for part in ("day", "month", "year") if "govuk-input--error" in classes[f"date_agreed_{part}"]} == wrong
    # what was typed is shown again, as typed
    for part, typed in (("day", day), ("month", month), ("year", year)):
        if typed:
            assert f'name="date_agreed_{part}" value="{typed}"' in html


def test_a_whole_date_is_read_from_the_boxes_a_month_name_or_a_single_iso_value():
    assert AgreedForm(date_parts("date_agreed", "2024-03-27")).is_valid()
    for data in (
        {"date_agreed_day": " 27 ", "date_agreed_month": "03", "date_agreed_year": "2024"},
        {"date_agreed_day": "27", "date_agreed_month": "Mar", "date_agreed_year": "2024"},
        {"date_agreed_day": "27", "date_agreed_month": "march", "date_agreed_year": "2024"},
        {"date_agreed": "2024-03-27"},  # what tests and scripts post
    ):
        form = AgreedForm(data)
        assert form.is_valid(), form.errors
        assert form.cleaned_data["date_agreed"] == dt.date(2024, 3, 27)


def test_the_date_input_is_a_fieldset_with_a_legend_an_example_and_three_labelled_boxes():
    html = AgreedForm(initial={"date_agreed": dt.date(2024, 3, 7)}).as_div()
    assert 'type="date"' not in html
    assert re.search(r'<fieldset class="govuk-fieldset" role="group" aria-describedby="id_date_agreed_helptext">', html)
    assert '<legend class="govuk-fieldset__legend govuk-fieldset__legend--s">Date agreed</legend>' in html
    assert "For example, 27 3 2024" in html
    for part, value, width in (("day", "7", 2), ("month", "3", 2), ("year", "2024", 4)):
        box = re.search(rf'<input type="text" name="date_agreed_{part}" value="{value}"[^>]*>', html).group(0)
        assert 'inputmode="numeric"' in box and f"govuk-date-input__input govuk-input--width-{width}" in box
    assert '<label class="govuk-label govuk-date-input__label" for="id_date_agreed">Day</label>' in html
    # An error that is not about the boxes (missing, out of the window) marks all three.
    form = AgreedForm({"date_agreed_day": "1", "date_agreed_month": "1", "date_agreed_year": "1990"})
    assert not form.is_valid()
    assert all("govuk-input--error" in c for c in boxes(str(form["date_agreed"])).values())


@pytest.mark.parametrize("typed", ["2023-24", "2023/24", "2023–24", "2023 to 2024", "2023-2024", " 2023 / 24 "])
def test_a_financial_year_in_any_common_spelling_is_the_canonical_label(typed):
    assert normalise_year_label(typed) == "2023-24"


def test_a_financial_year_that_is_not_one_is_left_for_the_form_to_refuse():
    assert normalise_year_label("2023/25") == "2023/25"
    assert normalise_year_label("2023") == "2023"


def test_a_budget_for_a_year_typed_with_a_slash_is_saved(funded, fy2023):
    client = Client()
    client.force_login(UserFactory(roles=[Role.OFFICER]))
    url = reverse("funding:budget-set", args=[funded.programme.slug, funded.stream.pk])
    page = client.get(url).content.decode()
    assert 'type="number"' not in page and 'inputmode="decimal"' in page
    response = post_opened(client, url, {"financial_year": "2023/24", "amount": "1234.50"})
    assert response.status_code == 302, response.content.decode()
    assert StreamBudget.objects.get(stream=funded.stream, financial_year=fy2023).amount == Decimal("1234.50")


def test_the_add_an_option_page_styles_every_input_and_has_no_number_inputs(option_set, officer):
    client = Client()
    client.force_login(officer)
    page = client.get(reverse("equity:equity-option-create", args=[option_set.pk])).content.decode()
    inputs = [i for i in re.findall(r"<input [^>]*>", page) if 'type="hidden"' not in i]
    assert len(inputs) >= 11
    assert all('class="govuk-input' in i for i in inputs), [i for i in inputs if "govuk-input" not in i]
    assert 'type="number"' not in page
    years = re.search(r'<input [^>]*name="years"[^>]*>', page).group(0)
    assert 'inputmode="numeric"' in years and "govuk-input--width-5" in years


def test_removing_an_option_asks_first_and_only_a_post_removes_it(option_set, officer):
    chosen = equity_services.option_create(
        option=Option(option_set=option_set, label="Per head", blend={"per_head": "1"}, weights={}), actor=officer
    )
    client = Client()
    client.force_login(officer)
    detail = client.get(option_set.get_absolute_url()).content.decode()
    url = reverse("equity:equity-option-delete", args=[chosen.pk])
    assert f'<a class="govuk-link govuk-!-margin-left-2" href="{url}">Remove' in detail
    page = client.get(url).content.decode()
    assert "Remove the option ‘Per head’?" in page and "govuk-button--warning" in page and "Cancel" in page
    assert Option.objects.filter(pk=chosen.pk).exists()
    assert client.post(url).status_code == 302
    assert not Option.objects.filter(pk=chosen.pk).exists()


def test_selects_start_with_a_choice_to_make_not_dashes(db):
    AreaFactory(name="North Test")
    client = Client()
    client.force_login(UserFactory(roles=[Role.OFFICER]))
    page = client.get(reverse("core:organisation-create")).content.decode()
    assert "---------" not in page
    assert '<option value="" selected>None</option>' in page  # parent: optional
