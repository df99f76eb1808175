"""The demo's partners and multi-year funding: fictional bodies, illustrative figures, the minute's figures unchanged."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.apps import apps
from django.core.management import call_command
from django.test import Client

from vcsgrants.core.models import Organisation, User
from vcsgrants.core.services import financial_year_get
from vcsgrants.demo.multiyear import CCG_NAME, FOUNDATION_NAME, ICB_NAME, NHS_USERNAME, PROGRAMME_SLUG, load_multiyear_demo
from vcsgrants.funding.models import Agreement, Programme, Variation
from vcsgrants.funding.selectors import programmes as selectors
from vcsgrants.funding.selectors.forecast import commitments_forecast
from vcsgrants.funding.selectors.multiyear import agreement_multiyear
from vcsgrants.funding.selectors.partners import partner_overview
from vcsgrants.funding.selectors.programmes import programme_default_year, programme_years
from vcsgrants.funding.services import extension as services

D = Decimal
pytestmark = pytest.mark.django_db


def load(programme):
    return load_multiyear_demo(
        programme,
        officer=User.objects.get(username="officer"),
        finance=User.objects.get(username="finance"),
        password="demo-pass-2022",
    )


def test_the_demo_shows_co_funding_succession_and_multi_year_funding_without_changing_the_minutes_figures(demo_module):
    core = Programme.objects.get(slug="vcs-infrastructure")
    load(core)  # a no-op once load_demo calls it

    # The minute's figures are as they were.
    summary = selectors.programme_year_summary(programme=core, year=financial_year_get(start_year=2022))
    assert summary.committed_recurrent == D("452228.00") and summary.committed_one_off == D("125000.00")
    assert services.bulk_extension_preview(programme=core, year=financial_year_get(start_year=2023)).total == D("452228.00")
    assert core.agreements.count() == 10

    # Only fictional bodies carry the illustrative figures; the real NHS bodies carry none.
    ccg, icb = Organisation.objects.get(name=CCG_NAME), Organisation.objects.get(name=ICB_NAME)
    assert ccg.is_demo and icb.is_demo and ccg.successor == icb and ccg.succeeded_on == dt.date(2022, 7, 1)
    real_icb = User.objects.get(username="partner-icb")
    assert list(selectors.programmes_visible_to(real_icb)) == []

    # The ICB (demo) sees the CCG-era contributions under the CCG's name, and the 2022-23 one under both names.
    overview = partner_overview(icb)
    assert [(r.year.label, r.label, r.pledged, r.committed) for r in overview.by_year[:3]] == [
        ("2021-22", CCG_NAME, D("20000.00"), D("20000.00")),
        ("2022-23", f"{CCG_NAME} (to 30 June 2022)", D("4986.30"), D("4986.30")),
        ("2022-23", f"{ICB_NAME} (from 1 July 2022)", D("15013.70"), D("15013.70")),
    ]

    # Multi-year: one agreed so, one converted by variation; the forecast flags the years beyond the budgets.
    partnership = Programme.objects.get(slug=PROGRAMME_SLUG)
    agreed, converted = partnership.agreements.order_by("reference")
    assert [ln.amount for ln in agreement_multiyear(agreed).lines] == [D("38250.00"), D("39282.75"), D("40343.38")]
    assert [ln.amount for ln in agreement_multiyear(converted).lines] == [D("35000.00"), D("35700.00"), D("36414.00")]
    assert converted.variations.get().kind == Variation.Kind.MULTI_YEAR
    assert {a.status for a in (agreed, converted)} == {Agreement.Status.ACTIVE}
    forecast = commitments_forecast(programme=partnership, from_year=financial_year_get(start_year=2024))
    assert [(fy.year.label, fy.committed, fy.known_budget) for fy in forecast.years] == [
        ("2024-25", D("74982.75"), D("70000.00")),
        ("2025-26", D("76757.38"), None),
    ]
    assert all(fy.flagged for fy in forecast.years)
    # The foundation pledged £15,000.00 of the 2024-25 budget: it is shown at its pledge (not 15/70 of the
    # £74,982.75 committed, £16,067.73); the £4,982.75 over the budget falls on the stream's funder, flagged.
    funders = {r.label: (r.committed, r.budget, r.note) for r in forecast.years[0].by_funder}
    assert funders[FOUNDATION_NAME] == (D("15000.00"), D("15000.00"), "")
    assert sum((r.committed for r in forecast.years[0].by_funder), D("0")) == D("74982.75")
    assert any("£4,982.75 committed above the budget falls on" in flag for flag in forecast.years[0].flags)
    # Its year list holds every year with budgets or commitments, and the default year is one of them.
    years = [y.label for y in programme_years(partnership)]
    assert "2025-26" in years and programme_default_year(partnership).label in years

    # The demo partner user signs in and sees their page, the programme and its performance, read-only.
    client = Client()
    client.force_login(User.objects.get(username=NHS_USERNAME))
    assert client.get("/partners/")["Location"] == f"/partners/{icb.pk}/"
    page = client.get(f"/partners/{icb.pk}/").content.decode()
    assert f"{CCG_NAME} until 30 June 2022, then {ICB_NAME} from 1 July 2022" in page
    assert client.get("/programmes/vcs-infrastructure/performance/").status_code == 200
    assert client.get(f"/agreements/{core.agreements.first().pk}/").status_code == 200
    assert client.get(f"/partners/{User.objects.get(username='partner').organisation_id}/").status_code == 403

    # A second run writes nothing.
    models = apps.get_models(include_auto_created=True)
    before = {m._meta.label: m.objects.count() for m in models}
    assert load(core).loaded is False
    call_command("load_demo", stdout=io.StringIO())
    assert {m._meta.label: m.objects.count() for m in models} == before
