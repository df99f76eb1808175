"""The GOV.UK error pattern on every form page: the summary's links land on a real input (the first option of radios
and checkboxes), each inline error is in the aria-describedby of its input or fieldset, "Error: " starts the title."""

from __future__ import annotations

import lxml.html
import pytest
from django import forms
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse

from tests.versions import opened_form
from vcsgrants.core.forms import GovukForm

pytestmark = pytest.mark.django_db


class EveryKindForm(GovukForm):
    name = forms.CharField(label="Name of the group", help_text="As it appears on its constitution")
    kind = forms.ChoiceField(label="Kind of group", choices=[("a", "A charity"), ("b", "A CIC")], widget=forms.RadioSelect)
    areas = forms.MultipleChoiceField(
        label="Districts", choices=[("n", "North"), ("s", "South")], widget=forms.CheckboxSelectMultiple, help_text="All"
    )
    agree = forms.BooleanField(label="I agree to the terms", help_text="You must agree")
    size = forms.ChoiceField(label="Size", choices=[("", "Choose"), ("1", "Small")])
    notes = forms.CharField(label="Notes", widget=forms.Textarea)


def session(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def check_error_pattern(html: str) -> list[str]:
    """What breaks the pattern on the page: summary links to no element, inline errors no input or fieldset names."""
    doc = lxml.html.fromstring(html)
    problems = []
    ids = set(doc.xpath("//@id"))
    links = doc.xpath('//div[contains(@class, "govuk-error-summary")]//a/@href')
    problems += [f"summary link {href} lands nowhere" for href in links if href[1:] not in ids]
    described = " ".join(doc.xpath("//@aria-describedby")).split()
    for message in doc.xpath('//p[contains(@class, "govuk-error-message")]'):
        if message.get("id") not in described:
            problems.append(f"error {message.get('id')} ({message.text_content().strip()}) describes no input or fieldset")
        if not message.xpath('span[@class="govuk-visually-hidden" and normalize-space()="Error:"]'):
            problems.append(f"error {message.get('id')} has no hidden 'Error:'")
    title = doc.findtext(".//title")
    if links and title is not None and not title.startswith("Error: "):
        problems.append(f"title {title!r} does not start with 'Error: '")
    return problems


def test_every_kind_of_field_is_described_by_its_error_and_linked_from_the_summary():
    form = EveryKindForm(data={})
    assert not form.is_valid()
    html = render_to_string("govuk/error_summary.html", {"form": form}) + form.render()
    assert check_error_pattern(html) == []
    doc = lxml.html.fromstring(f"<div>{html}</div>")
    assert doc.xpath('//a[normalize-space()="Select the kind of group"]/@href') == ["#id_kind_0"]
    assert doc.xpath('//a[normalize-space()="Select the districts"]/@href') == ["#id_areas_0"]
    assert doc.xpath('//fieldset[.//input[@name="areas"]]/@aria-describedby') == ["id_areas_helptext areas-error"]
    assert doc.xpath('//input[@name="name"]/@aria-describedby') == ["id_name_helptext name-error"]
    assert doc.xpath('//input[@name="agree"]/@aria-describedby') == ["id_agree_helptext agree-error"]
    assert doc.xpath('//select[@name="size"]/@aria-describedby') == ["size-error"]
    summary = [a.text_content() for a in doc.xpath('//div[contains(@class, "govuk-error-summary")]//a')]
    assert summary == [
        "Enter the name of the group",
        "Select the kind of group",
        "Select the districts",
        "Select ‘I agree to the terms’ to continue",
        "Select the size",
        "Enter the notes",
    ]


def test_without_errors_a_hint_still_describes_its_input_and_no_title_says_error(officer):
    form = EveryKindForm()
    doc = lxml.html.fromstring(form.render())
    assert doc.xpath('//input[@name="name"]/@aria-describedby') == ["id_name_helptext"]
    assert doc.xpath('//fieldset[.//input[@name="kind"]]/@aria-describedby') == []
    title = lxml.html.fromstring(session(officer).get(reverse("notifications:email-frequency")).content).findtext(".//title")
    assert not title.startswith("Error")


def test_a_new_period_and_a_new_agreement_left_empty_follow_the_pattern(officer, funded):
    client = session(officer)
    empty = {"note": ""}  # a post with nothing filled in (an empty POST is taken for a first visit)
    period = client.post(reverse("funding:period-create", args=[funded.programme.slug]), empty)
    page = period.content.decode()
    assert check_error_pattern(page) == []
    assert "Select the kind of period" in page and "This field is required" not in page
    agreement = client.post(reverse("funding:agreement-create"), empty).content.decode()
    assert check_error_pattern(agreement) == []
    assert "Select the districts" in agreement and "This field is required" not in agreement


def test_a_page_with_its_own_error_summary_has_error_in_its_title(officer):
    page = session(officer).post(reverse("notifications:email-frequency"), {"frequency": "hourly"}).content.decode()
    assert check_error_pattern(page) == []
    assert lxml.html.fromstring(page).findtext(".//title").startswith("Error: ")


def test_allocation_errors_are_styled_the_govuk_way_and_name_the_district(officer, funded, districts):
    client = session(officer)
    url = reverse("funding:allocations-edit", args=[funded.programme.slug, funded.stream.pk]) + "?year=2022-23"
    data = opened_form(client, url)
    area = districts[0]
    data[f"area_{area.pk}"] = ["lots"]
    page = client.post(url, data).content.decode()
    assert check_error_pattern(page) == []
    doc = lxml.html.fromstring(page)
    message = doc.xpath(f'//p[@id="area_{area.pk}-error"]')[0]
    expected = f"Enter the allocation for {area} in pounds and pence, such as 1000.00"
    assert message.text_content().strip() == f"Error: {expected}"
    assert message.getparent().get("class").endswith("govuk-form-group--error")
    assert doc.xpath('//div[contains(@class, "govuk-error-summary")]//a/text()') == [expected]


class WholeFormProblemForm(GovukForm):
    kind = forms.ChoiceField(label="Kind of group", choices=[("a", "A charity")], widget=forms.RadioSelect, required=False)
    name = forms.CharField(label="Name of the group", required=False)

    def clean(self):
        raise forms.ValidationError("Give a kind or a name.")


def test_a_problem_with_the_whole_form_links_to_its_first_field():
    form = WholeFormProblemForm(data={})
    assert not form.is_valid()
    doc = lxml.html.fromstring(render_to_string("govuk/error_summary.html", {"form": form}) + form.render())
    [link] = doc.xpath('//div[contains(@class, "govuk-error-summary")]//a')
    assert link.text_content() == "Give a kind or a name."
    assert link.get("href") == "#id_kind_0"  # the first option of the first question
    assert doc.xpath('//*[@id="id_kind_0"]')
