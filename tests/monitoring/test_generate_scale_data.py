"""generate_scale_data with several programmes: every table holds what was asked for, and the money reconciles.

A small size here (the suite runs it on SQLite and on PostgreSQL, where the rows go in by COPY); the very
large preset's own figures are checked without a database, and its timings are in docs/development/benchmarks.md.
"""

from __future__ import annotations

import datetime as dt
import io
from collections import Counter

import pytest
from django.core.management import CommandError, call_command

from vcsgrants.core.models import FinancialYear, Organisation
from vcsgrants.demo.scale_data import size_for
from vcsgrants.funding.models import Agreement, Allocation, FundingLine, MoneySum, PaymentInstalment, Programme, StreamBudget
from vcsgrants.funding.selectors.programmes import programme_year_summary
from vcsgrants.monitoring.models import Kpi, KpiTarget, Return, ReturnValue
from vcsgrants.monitoring.spreadsheets import value_problem

pytestmark = pytest.mark.django_db

# 3 programmes of 3, 2 and 2 agreements; 4 providers; 3 KPIs a programme; 2 years, the last quarter left open.
SIZE = dict(programmes=3, orgs=4, agreements=7, kpis=3, years=2, open_quarters=1, first_year=2020)
SLUGS = ["gen-01", "gen-02", "gen-03"]
REPORTED_QUARTERS = 2 * 4 - 1


@pytest.fixture
def generated():
    out, err = io.StringIO(), io.StringIO()
    call_command("generate_scale_data", slug="gen", stdout=out, stderr=err, **SIZE)
    return out.getvalue(), err.getvalue()


def test_every_table_holds_the_requested_size(generated):
    agreements = Agreement.objects.filter(programme__slug__in=SLUGS)
    assert sorted(Programme.objects.filter(slug__startswith="gen").values_list("slug", flat=True)) == SLUGS
    assert Organisation.objects.filter(slug__startswith="gen-p", kind=Organisation.Kind.PROVIDER).count() == 4
    assert agreements.count() == 7
    assert sorted(Counter(agreements.values_list("programme__slug", flat=True)).values()) == [2, 2, 3]
    assert Kpi.objects.filter(outcome__programme__slug__in=SLUGS, status=Kpi.Status.AGREED).count() == 3 * 3
    assert KpiTarget.objects.filter(agreement__in=agreements).count() == 7 * 3 * 2
    assert Return.objects.filter(agreement__in=agreements).count() == 7 * REPORTED_QUARTERS
    assert ReturnValue.objects.filter(return_record__agreement__in=agreements).count() == 7 * 3 * REPORTED_QUARTERS
    # A provider's agreements (7 over 4 providers) are in different programmes.
    pairs = list(agreements.values_list("organisation_id", "programme_id"))
    assert len(pairs) == len(set(pairs))
    # The summary names the KPI values and the time taken; the bar went to stderr.
    stdout, stderr = generated
    assert f"Generated {7 * 3 * REPORTED_QUARTERS:,} KPI values" in stdout
    assert "  KPI values " in stdout and "  targets " in stdout
    assert "rows" in stderr and "#" in stderr


def test_every_agreement_has_funding_lines_instalments_targets_and_returns(generated):
    years = list(FinancialYear.objects.filter(start_year__in=[2020, 2021]).order_by("start_year"))
    for agreement in Agreement.objects.filter(programme__slug__in=SLUGS):
        assert agreement.areas.count() == 1
        for year in years:
            assert agreement.funding_lines.filter(financial_year=year).count() == 1
            scheduled = PaymentInstalment.objects.filter(agreement=agreement, financial_year=year)
            assert scheduled.count() == 4
            assert scheduled.aggregate(t=MoneySum("amount"))["t"] == agreement.value_for(year) > 0
            assert KpiTarget.objects.filter(agreement=agreement, financial_year=year).count() == 3
        quarters = set(agreement.returns.values_list("financial_year__start_year", "quarter"))
        assert quarters == {(2020, q) for q in (1, 2, 3, 4)} | {(2021, q) for q in (1, 2, 3)}  # 2021-22 Q4 is open
        assert ReturnValue.objects.filter(return_record__agreement=agreement).count() == 3 * REPORTED_QUARTERS


def test_money_reconciles_to_the_penny_in_every_programme_and_year(generated):
    for programme in Programme.objects.filter(slug__in=SLUGS):
        for year in FinancialYear.objects.filter(start_year__in=[2020, 2021]):
            summary = programme_year_summary(programme=programme, year=year)
            assert summary.reconciles
            assert summary.stream_total.budget == summary.stream_total.allocated == summary.stream_total.committed > 0
        lines = FundingLine.objects.filter(agreement__programme=programme).aggregate(t=MoneySum("amount"))["t"]
        assert lines == Allocation.objects.filter(stream__programme=programme).aggregate(t=MoneySum("amount"))["t"]
        assert lines == StreamBudget.objects.filter(stream__programme=programme).aggregate(t=MoneySum("amount"))["t"]


def test_every_value_fits_its_kpi_unit(generated):
    values = ReturnValue.objects.filter(return_record__agreement__programme__slug__in=SLUGS).values_list(
        "kpi_version__unit", "value"
    )
    assert {unit for unit, _ in values} == {"count", "percent", "money"}
    assert [(unit, value) for unit, value in values if value_problem(unit, value)] == []


def test_the_open_quarter_can_be_filed_by_the_provider(generated, client):
    from tests.factories import UserFactory
    from tests.versions import VERSION
    from vcsgrants.core.models import Role

    agreement = Agreement.objects.filter(programme__slug="gen-01").select_related("organisation").first()
    provider = UserFactory(roles=[Role.PROVIDER], organisation=agreement.organisation)
    client.force_login(provider)
    page = client.get(f"/agreements/{agreement.pk}/returns/2021-22/4/")
    assert page.status_code == 200
    kpis = {t.kpi.code: t.kpi_id for t in KpiTarget.objects.filter(agreement=agreement, financial_year__start_year=2021)}
    data = {f"kpi_{pk}": "7" for pk in kpis.values()} | {"narrative": "Filed in the test.", "case_studies": ""}
    data["version"] = VERSION.search(page.content.decode()).group(1)  # as the browser posts it (core.concurrency)
    response = client.post(f"/agreements/{agreement.pk}/returns/2021-22/4/", data)
    assert response.status_code == 302
    record = Return.objects.get(agreement=agreement, financial_year__start_year=2021, quarter=4)
    assert sorted(record.values.values_list("value", flat=True)) == [7, 7, 7]


def test_the_large_preset_is_a_very_large_funder():
    size = size_for("large", today=dt.date(2026, 11, 25))
    assert (size.programmes, size.orgs, size.agreements, size.values) == (50, 5000, 20000, 1_000_000)
    assert (size.first_year, size.years) == (2025, 2)  # 2025-26 and the current year, 2026-27
    rows = size.expected_rows(areas=9)
    assert rows["KPI values"] == 1_000_000 and rows["returns"] == 100_000 and rows["targets"] == 400_000
    assert rows["allocations"] == 50 * 2 * 9


def test_the_default_is_still_the_benchmark_programme():
    size = size_for("benchmark")
    assert (size.programmes, size.orgs, size.agreements, size.values, size.first_year) == (1, 200, 200, 320_000, 2013)


@pytest.mark.parametrize(
    "options, message",
    [
        (dict(programmes=4, agreements=3), "must be at least --programmes"),
        (dict(open_quarters=4), "--open-quarters must be 0 to 3"),
        (dict(orgs=0), "--orgs must be at least 1"),
    ],
)
def test_refuses_sizes_it_cannot_build(options, message):
    with pytest.raises(CommandError, match=message):
        call_command("generate_scale_data", stdout=io.StringIO(), stderr=io.StringIO(), **options)
    assert not Programme.objects.filter(slug__startswith="scale-test").exists()


def test_refuses_a_slug_any_of_its_programmes_would_take(generated):
    with pytest.raises(CommandError, match="'gen-01' exists already"):
        call_command(
            "generate_scale_data", slug="gen", programmes=2, orgs=1, agreements=2, kpis=1, years=1,
            stdout=io.StringIO(), stderr=io.StringIO(),
        )  # fmt: skip


def test_generated_records_open_as_pages_with_their_history(generated, client):
    from tests.factories import UserFactory
    from vcsgrants.core.models import Role

    client.force_login(UserFactory(roles=[Role.OFFICER]))
    agreement = Agreement.objects.filter(programme__slug="gen-02").first()
    for path in (f"/agreements/{agreement.pk}/", "/programmes/gen-02/", "/programmes/gen-02/performance/"):
        response = client.get(path)
        assert response.status_code == 200, path
    assert agreement.history.get().history_type == "+"
    assert "scale-generator" in client.get(f"/agreements/{agreement.pk}/").content.decode()
