"""A record's history as people read it: names of the districts, organisations and people a change touched,
never the ids behind them."""

import datetime as dt

import pytest

from tests.factories import OrganisationFactory
from vcsgrants.core.history import history_rows
from vcsgrants.funding.services import agreements as services

pytestmark = pytest.mark.django_db


def test_a_record_without_history_has_no_rows():
    organisation = OrganisationFactory()
    organisation.history.all().delete()  # as after a bulk load, which records no history
    assert history_rows(organisation.history.all()) == []


def test_a_change_of_districts_and_of_organisation_is_shown_by_name(funded):
    amber, bolsover = funded.areas
    first, second = OrganisationFactory(name="First Help CVS"), OrganisationFactory(name="Second Help CVS")
    agreement = services.agreement_create(
        programme=funded.programme,
        organisation=first,
        areas=[amber],
        title="Infrastructure support",
        start_date=dt.date(2022, 4, 1),
        end_date=dt.date(2023, 3, 31),
        actor=funded.actor,
    )
    services.agreement_update_draft(
        agreement=agreement,
        actor=funded.actor,
        title="Infrastructure support",
        start_date=dt.date(2022, 4, 1),
        end_date=dt.date(2023, 3, 31),
        areas=[amber, bolsover],
    )
    agreement.organisation = second
    agreement.end_date = dt.date(2023, 6, 30)
    agreement.save()

    said = " | ".join(row.what for row in history_rows(agreement.history.all()))
    assert f"areas: “{amber.name}” → “{amber.name}, {bolsover.name}”" in said
    assert "organisation: “First Help CVS” → “Second Help CVS”" in said
    assert "end date: “31 March 2023” → “30 June 2023”" in said
    assert "Saved with no change" not in said  # the save recorded before the districts were set says nothing
    assert f"“{agreement.pk}" not in said and f"{agreement.pk}”" not in said  # the agreement's own id, as it was shown
