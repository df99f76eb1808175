"""Overdue returns worked out in the database give what the rule gives worked out quarter by quarter in Python.

`reference_overdue` is the rule as the selector applied it before it moved into SQL (every quarter of every year with
targets of every active or ended agreement, checked one by one); the factory data set has the tricky cases: agreements
starting and ending mid-quarter, an end moved by extensions (the latest one counts), a year whose only target is for
a retired KPI, drafts, submitted, queried and accepted returns, a draft agreement, and the programme's due days.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from tests.factories import year
from tests.monitoring.test_returns import make_agreement, make_kpis, set_targets
from vcsgrants.core.money import quarter_end, quarter_starts
from vcsgrants.funding.models import Agreement, Variation
from vcsgrants.monitoring import selectors, services
from vcsgrants.monitoring.models import Kpi, KpiTarget, ProgrammeMonitoring, Return

pytestmark = pytest.mark.django_db

D = dt.date


def reference_overdue(today: dt.date, organisation_id: int | None = None) -> list[tuple]:
    """(agreement, start year, quarter, due date, days overdue, return) for every late or queried quarter, in order."""
    rows = []
    agreements = Agreement.objects.prefetch_related("variations")
    if organisation_id is not None:
        agreements = agreements.filter(organisation_id=organisation_id)
    for agreement in agreements:
        due_days = selectors.monitoring_settings_for(agreement.programme).return_due_days
        returns = {(r.financial_year.start_year, r.quarter): r for r in Return.objects.filter(agreement=agreement)}
        years = set(
            KpiTarget.objects.filter(agreement=agreement)
            .exclude(kpi__status=Kpi.Status.RETIRED)
            .values_list("financial_year__start_year", flat=True)
        )
        for (start_year, quarter), record in returns.items():
            if record.status == Return.Status.QUERIED:
                due = services.due_date_for(start_year, quarter, due_days)
                rows.append((agreement.pk, start_year, quarter, due, max((today - due).days, 0), record.pk))
        if agreement.status not in selectors.MONITORED_AGREEMENT_STATUSES:
            continue
        for start_year in years:
            for quarter in selectors.QUARTERS:
                record = returns.get((start_year, quarter))
                start = quarter_starts(start_year)[quarter - 1]
                inside = quarter_end(start) >= agreement.start_date and start <= agreement.current_end_date
                due = services.due_date_for(start_year, quarter, due_days)
                if inside and due < today and (record is None or record.status == Return.Status.DRAFT):
                    rows.append((agreement.pk, start_year, quarter, due, (today - due).days, record and record.pk))
    reference = {pk: ref for pk, ref in Agreement.objects.values_list("pk", "reference")}
    return sorted(rows, key=lambda r: (r[3], reference[r[0]], r[2]))


def found(today: dt.date, organisation_id: int | None = None) -> list[tuple]:
    return [
        (r.agreement.pk, r.year.start_year, r.quarter, r.due_date, r.days_overdue, r.return_record and r.return_record.pk)
        for r in selectors.overdue_returns(today, organisation_id=organisation_id)
    ]


def test_overdue_returns_in_the_database_match_the_rule_quarter_by_quarter(funded, officer, fy2022):
    fy2021, fy2023 = year(2021), year(2023)
    kpis = make_kpis(funded.programme, officer)
    retired = services.kpi_propose(
        outcome=kpis[0].outcome,
        code="SG9",
        name="Groups given a grant",
        definition="Groups given a small grant.",
        unit="count",
        aggregation="sum",
        rba_type="how_much",
        direction="higher_is_better",
        actor=officer,
    )
    retired = services.kpi_decide(kpi=retired, agree=True, actor=officer)
    made = [make_agreement(funded, officer) for _ in range(6)]  # April 2021 to March 2023, active
    whole, mid_start, mid_end, extended, retired_only, draft_agreement = made
    # Starts mid-Q2 2022 (so Q1 is outside it); ends mid-Q3 2022 (so Q4 is outside it).
    Agreement.objects.filter(pk=mid_start.pk).update(start_date=D(2022, 8, 15))
    Agreement.objects.filter(pk=mid_end.pk).update(end_date=D(2022, 11, 10))
    # Ended on 31 March 2023, extended to 30 June 2023 and then, by a later variation, to 15 May 2023: Q1 2023 only.
    for number, new_end in [(1, D(2023, 6, 30)), (2, D(2023, 5, 15)), (3, None)]:
        Variation.objects.create(
            agreement=extended,
            number=number,
            kind="extension" if new_end else "other",
            new_end_date=new_end,
            reason="Test",
            approved_by="Cabinet",
            approved_on=D(2023, 1, 1),
            created_by=officer,
        )
    Agreement.objects.filter(pk=retired_only.pk).update(end_date=D(2024, 3, 31))
    made = [Agreement.objects.get(pk=a.pk) for a in made]
    whole, mid_start, mid_end, extended, retired_only, draft_agreement = made
    for agreement in made:
        set_targets(agreement, kpis, officer, fy2022)
    set_targets(whole, kpis, officer, fy2021)
    set_targets(extended, kpis, officer, fy2023)
    services.target_set(agreement=retired_only, kpi=retired, year=fy2023, annual_target=Decimal("10"), actor=officer)
    Kpi.objects.filter(pk=retired.pk).update(status=Kpi.Status.RETIRED)  # its only 2023-24 target: nothing is due
    Agreement.objects.filter(pk=draft_agreement.pk).update(status=Agreement.Status.DRAFT)
    Agreement.objects.filter(pk=mid_end.pk).update(status=Agreement.Status.ENDED)
    statuses = [Return.Status.DRAFT, Return.Status.SUBMITTED, Return.Status.QUERIED, Return.Status.ACCEPTED]
    for n, (status, quarter) in enumerate([(s, q) for s in statuses for q in (1, 3)]):
        Return.objects.create(agreement=made[n % 5], financial_year=fy2022, quarter=quarter, status=status)
    Return.objects.create(agreement=draft_agreement, financial_year=fy2022, quarter=2, status=Return.Status.QUERIED)
    Return.objects.create(agreement=extended, financial_year=fy2023, quarter=1, status=Return.Status.DRAFT)

    days = [None, 0, 45]  # the default, due on the last day of the quarter, and a later due date
    dates = [D(2021, 7, 1), D(2022, 7, 31), D(2022, 11, 14), D(2023, 2, 1), D(2023, 5, 1), D(2023, 8, 1), D(2024, 6, 1)]
    checked = 0
    for due_days in days:
        if due_days is not None:
            ProgrammeMonitoring.objects.update_or_create(programme=funded.programme, defaults={"return_due_days": due_days})
        for today in dates:
            expected = reference_overdue(today)
            assert found(today) == expected, (due_days, today)
            count, first = selectors.late_returns(today, limit=3)
            late = sorted(
                (r for r in expected if r[5] is None or Return.objects.get(pk=r[5]).status != "queried"),
                key=lambda r: (-r[4], r[3]),
            )
            assert count == len(late)
            assert [(r.agreement.pk, r.year.start_year, r.quarter, r.days_overdue) for r in first] == [
                r[:3] + (r[4],) for r in late[:3]
            ]
            checked += len(expected)
        assert found(D(2023, 8, 1), whole.organisation_id) == reference_overdue(D(2023, 8, 1), whole.organisation_id)
    assert checked > 50  # the dates and settings between them list many rows, so the comparison means something
