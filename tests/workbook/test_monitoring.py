"""KPI targets and past returns brought in from the workbook: returns arrive accepted, with their own dates."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from tests.workbook.conftest import agreement, money, org
from tests.workbook.helpers import fill
from vcsgrants.monitoring import services
from vcsgrants.monitoring.models import KpiTarget, KpiVersion, Outcome, Return, ReturnEvent, ReturnValue
from vcsgrants.monitoring.spreadsheets import ImportRefused
from vcsgrants.workbook.services import import_workbook

pytestmark = pytest.mark.django_db


@pytest.fixture
def framework(setup, officer):
    outcome = services.outcome_save(outcome=Outcome(programme=setup.programme, title="Stronger groups"), actor=officer)
    for code, unit, aggregation in [("G1", "count", "sum"), ("P1", "percent", "mean"), ("PX", "count", "sum")]:
        kpi = services.kpi_propose(
            outcome=outcome,
            code=code,
            actor=officer,
            name=f"KPI {code}",
            definition="Test KPI.",
            unit=unit,
            aggregation=aggregation,
            direction="higher_is_better",
            rba_type=KpiVersion.RbaType.HOW_MUCH,
        )
        if code != "PX":  # PX stays proposed
            services.kpi_decide(kpi=kpi, agree=True, actor=officer)
    return setup


def target(code, annual, quarters=(None, None, None, None), reference="SLA-2021-001", year="2022-23"):
    return {
        "Agreement reference": reference,
        "Financial year": year,
        "KPI code": code,
        "Annual target": annual,
        **{f"Q{i} target": q for i, q in enumerate(quarters, start=1)},
    }


def value(code, amount, quarter=1, submitted=dt.datetime(2022, 7, 20), accepted=dt.datetime(2022, 8, 2), **extra):
    return {
        "Agreement reference": "SLA-2021-001",
        "Financial year": "2022-23",
        "Quarter": quarter,
        "KPI code": code,
        "Value": amount,
        "Submitted on": submitted,
        "Accepted on": accepted,
        **extra,
    }


def monitoring_workbook(setup, template, targets=(), returns=()):
    return fill(
        template,
        {
            "Organisations": [org()],
            "Agreements": [agreement(programme=setup.programme.name)],
            "Funding lines": [money(stream=setup.stream.name)],
            "KPI targets": list(targets),
            "Past returns": list(returns),
        },
    )


def test_targets_and_past_returns_come_in_accepted_with_their_own_dates(framework, template, officer):
    data = monitoring_workbook(
        framework,
        template,
        targets=[target("G1", 10), target("P1", Decimal("75.5"), (70, 75, 78, 79))],
        returns=[
            value("G1", 3, Narrative="A good first quarter."),
            value("P1", Decimal("71.25")),
            value("G1", 2, quarter="Q2", submitted=dt.datetime(2022, 10, 25), accepted=None),
        ],
    )
    result = import_workbook(data=data, filename="m.xlsx", actor=officer)

    g1 = KpiTarget.objects.get(kpi__code="G1")
    assert (g1.annual_target, g1.quarter_targets) == (Decimal("10"), [3, 3, 2, 2])  # a count profiled in whole numbers
    p1 = KpiTarget.objects.get(kpi__code="P1")
    assert (p1.annual_target, p1.quarter_targets) == (Decimal("75.50"), [70, 75, 78, 79])
    q1 = Return.objects.get(quarter=1)
    assert q1.status == Return.Status.ACCEPTED
    assert q1.submitted_at.date() == dt.date(2022, 7, 20)  # its own date, not today
    assert q1.narrative == "A good first quarter."
    assert {v.kpi_version.kpi.code: v.value for v in q1.values.all()} == {"G1": Decimal("3"), "P1": Decimal("71.25")}
    assert [(e.action, e.at.date(), e.actor) for e in q1.events.all()] == [
        ("submitted", dt.date(2022, 7, 20), officer),
        ("accepted", dt.date(2022, 8, 2), officer),
    ]
    q2 = Return.objects.get(quarter=2)
    assert [e.at.date() for e in q2.events.all()] == [dt.date(2022, 10, 25), dt.date(2022, 10, 25)]  # accepted that day
    assert (result.counts["KPI targets"].created, result.counts["Past returns"].created) == (2, 2)

    again = import_workbook(data=data, filename="m.xlsx", actor=officer)
    assert not again.changed
    assert (again.counts["KPI targets"].unchanged, again.counts["Past returns"].unchanged) == (2, 2)
    assert (Return.objects.count(), ReturnValue.objects.count(), ReturnEvent.objects.count()) == (2, 3, 4)


def test_a_changed_target_is_updated_but_an_accepted_return_is_not(framework, template, officer):
    import_workbook(
        data=monitoring_workbook(framework, template, [target("G1", 10)], [value("G1", 3)]), filename="m.xlsx", actor=officer
    )
    result = import_workbook(data=monitoring_workbook(framework, template, [target("G1", 12)]), filename="m.xlsx", actor=officer)
    assert result.counts["KPI targets"].updated == 1
    assert KpiTarget.objects.get().quarter_targets == [3, 3, 3, 3]

    with pytest.raises(ImportRefused) as refused:
        import_workbook(data=monitoring_workbook(framework, template, returns=[value("G1", 4)]), filename="m.xlsx", actor=officer)
    assert "return is already in the service (accepted) with other values: change it there" in str(refused.value)
    assert ReturnValue.objects.get().value == Decimal("3")


def test_bad_targets_and_returns_are_listed_and_nothing_is_written(framework, template, officer):
    data = monitoring_workbook(
        framework,
        template,
        targets=[
            target("P1", 101),
            target("G1", 10, (1, 2, 3, 5)),
            target("PX", 4),
            target("ZZ", 1),
            target("G1", 10, year="2030-31"),
            target("G1", "1e400", year="2023-24"),
        ],
        returns=[
            value("G1", Decimal("2.5")),
            value("P1", 120),
            value("G1", 1, quarter=2, submitted=dt.datetime(2022, 9, 1), accepted=dt.datetime(2022, 8, 1)),
            value("G1", 1, quarter=1),
            {**value("G1", 1, quarter=4), "Financial year": "2023-24"},
            {**value("G1", 1, quarter=3), "Financial year": "2030-31"},
            {**value("G1", 7, quarter=4), "Financial year": "2023-24"},
        ],
    )
    with pytest.raises(ImportRefused) as refused:
        import_workbook(data=data, filename="m.xlsx", actor=officer)
    lines = refused.value.problems.lines()
    for expected in [
        "sheet 'KPI targets', row 2, column D (Annual target): a percentage target cannot be over 100",
        "sheet 'KPI targets', row 3, column E (Q1 target): the quarters add up to 11, but the annual target is 10",
        "sheet 'KPI targets', row 4, column C (KPI code): PX is proposed: only agreed KPIs are used",
        "sheet 'KPI targets', row 6, column B (Financial year): SLA-2021-001 does not run in 2030-31",
        "sheet 'KPI targets', row 7, column D (Annual target): 1E+400 has more than two decimal places or is too large",
        "sheet 'Past returns', row 2, column E (Value): 2.5 is a count, so must be a whole number",
        "sheet 'Past returns', row 3, column E (Value): 120 is a percentage over 100",
        "sheet 'Past returns', row 4, column G (Accepted on): is before the submitted date",
        "sheet 'Past returns', row 8, column D (KPI code): G1 is given twice for SLA-2021-001 2023-24 Q4 (first on row 6)",
        "sheet 'Past returns', row 7, column C (Quarter): 2030-31 Q3 is outside SLA-2021-001, which runs 01/04/2022 to "
        "31/03/2024",
    ]:
        assert expected in lines
    assert any("'ZZ' is not a KPI" in line for line in lines)
    assert not KpiTarget.objects.exists() and not Return.objects.exists()
