"""The scale generator builds what it says, and the data keeps the money's invariants."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from vcsgrants.core.models import FinancialYear
from vcsgrants.funding.models import Agreement, Allocation, FundingLine, MoneySum, PaymentInstalment, Programme, StreamBudget
from vcsgrants.funding.selectors.programmes import programme_year_summary
from vcsgrants.monitoring.models import KpiTarget, ReturnValue

pytestmark = pytest.mark.django_db


def test_generates_orgs_times_kpis_times_quarters_values_that_reconcile():
    call_command("generate_scale_data", "--orgs", "6", "--kpis", "5", "--years", "2", stdout=io.StringIO(), stderr=io.StringIO())
    programme = Programme.objects.get(slug="scale-test")
    assert ReturnValue.objects.filter(return_record__agreement__programme=programme).count() == 6 * 5 * 2 * 4
    assert KpiTarget.objects.filter(agreement__programme=programme).count() == 6 * 5 * 2
    for year in FinancialYear.objects.filter(start_year__in=[2013, 2014]):
        summary = programme_year_summary(programme=programme, year=year)
        assert summary.reconciles
        assert summary.stream_total.budget == summary.stream_total.allocated == summary.stream_total.committed
        for agreement in Agreement.objects.filter(programme=programme):
            scheduled = PaymentInstalment.objects.filter(agreement=agreement, financial_year=year).aggregate(
                t=MoneySum("amount")
            )["t"]
            assert scheduled == agreement.value_for(year)
    lines = FundingLine.objects.filter(agreement__programme=programme).aggregate(t=MoneySum("amount"))["t"]
    assert lines == Allocation.objects.filter(stream__programme=programme).aggregate(t=MoneySum("amount"))["t"]
    assert lines == StreamBudget.objects.filter(stream__programme=programme).aggregate(t=MoneySum("amount"))["t"]


def test_refuses_to_overwrite_an_existing_programme():
    call_command("generate_scale_data", "--orgs", "1", "--kpis", "1", "--years", "1", stdout=io.StringIO(), stderr=io.StringIO())
    with pytest.raises(CommandError, match="exists already"):
        call_command(
            "generate_scale_data", "--orgs", "1", "--kpis", "1", "--years", "1", stdout=io.StringIO(), stderr=io.StringIO()
        )
