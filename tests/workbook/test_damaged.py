"""Randomly damaged workbooks: the import never raises anything but a refusal, and never half-writes."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from tests.workbook.conftest import agreement, money, org
from tests.workbook.helpers import fill
from vcsgrants.core.models import AuditEvent, Organisation
from vcsgrants.funding.models import Agreement, Allocation, FundingLine, Payment, PaymentInstalment, StreamBudget
from vcsgrants.monitoring import services
from vcsgrants.monitoring.models import KpiTarget, KpiVersion, Outcome, Return, ReturnEvent, ReturnValue
from vcsgrants.monitoring.spreadsheets import ImportRefused
from vcsgrants.workbook.services import import_workbook
from vcsgrants.workbook.sheets import SHEETS, template_xlsx

pytestmark = pytest.mark.django_db

TABLES = [
    Organisation,
    Agreement,
    FundingLine,
    PaymentInstalment,
    Payment,
    Allocation,
    StreamBudget,
    KpiTarget,
    Return,
    ReturnValue,
    ReturnEvent,
    AuditEvent,
    Agreement.history.model,
    Organisation.history.model,
]

junk = st.one_of(
    st.none(),
    st.text(max_size=12),
    st.sampled_from(
        [
            "",
            "=1+1",
            "2022-23",
            "2022/23",
            "Q5",
            "-1",
            "1e400",
            "NaN",
            "£1,000.001",
            "SLA-1",
            "ORG-1",
            "Amber Valley Test; Nowhere",
            "31/02/2022",
            "County-wide",
        ]
    ),
    st.integers(min_value=-(10**12), max_value=10**12),
    st.floats(allow_nan=True, allow_infinity=True),
    st.datetimes(min_value=dt.datetime(1900, 1, 1), max_value=dt.datetime(2100, 1, 1)),
    st.booleans(),
)
sheet_names = st.sampled_from([s.name for s in SHEETS])
damage = st.one_of(
    st.tuples(st.just("cell"), sheet_names, st.integers(1, 4), st.integers(1, 9), junk),
    st.tuples(st.just("delete row"), sheet_names, st.integers(1, 4)),
    st.tuples(st.just("duplicate row"), sheet_names, st.integers(2, 3)),
    st.tuples(st.just("drop sheet"), sheet_names),
    st.tuples(st.just("truncate"), st.integers(0, 4000)),
)


def valid_workbook(programme, stream) -> bytes:
    return fill(
        template_xlsx(),
        {
            "Organisations": [org(), org("ORG-2", "Wren Voluntary Action")],
            "Agreements": [agreement(programme=programme), agreement("SLA-2", "ORG-2", programme, "Bolsover Test")],
            "Funding lines": [money(stream=stream), money("SLA-2", stream, amount=Decimal("100.00"))],
            "Allocations": [
                {
                    "Programme": programme,
                    "Stream": stream,
                    "Financial year": "2022-23",
                    "Area": "Amber Valley Test",
                    "Amount": Decimal("40000.00"),
                }
            ],
            "Payments made": [
                {
                    "Agreement reference": "SLA-2",
                    "Financial year": "2022-23",
                    "Amount": Decimal("25.00"),
                    "Paid on": dt.datetime(2022, 4, 5),
                }
            ],
            "KPI targets": [
                {"Agreement reference": "SLA-2021-001", "Financial year": "2022-23", "KPI code": "G1", "Annual target": 8}
            ],
            "Past returns": [
                {
                    "Agreement reference": "SLA-2021-001",
                    "Financial year": "2022-23",
                    "Quarter": 1,
                    "KPI code": "G1",
                    "Value": 2,
                    "Submitted on": dt.datetime(2022, 7, 20),
                }
            ],
        },
    )


def damaged(data: bytes, damages) -> bytes:
    wb = load_workbook(io.BytesIO(data))
    truncate = None
    for d in damages:
        kind, *args = d
        if kind == "truncate":
            truncate = args[0]
            continue
        if args[0] not in wb.sheetnames:
            continue
        ws = wb[args[0]]
        if kind == "cell":
            value = ILLEGAL_CHARACTERS_RE.sub("", args[3]) if isinstance(args[3], str) else args[3]
            ws.cell(row=args[1], column=args[2], value=value)
        elif kind == "delete row":
            ws.delete_rows(args[1])
        elif kind == "duplicate row":
            ws.insert_rows(args[1] + 1)
            for cell in ws[args[1]]:
                ws.cell(row=args[1] + 1, column=cell.column, value=cell.value)
        elif kind == "drop sheet":
            del wb[args[0]]
    out = io.BytesIO()
    wb.save(out)
    result = out.getvalue()
    return result[:truncate] if truncate is not None else result


def counts() -> list[int]:
    return [model.objects.count() for model in TABLES]


@pytest.fixture
def framework(setup, officer):
    outcome = services.outcome_save(outcome=Outcome(programme=setup.programme, title="Stronger groups"), actor=officer)
    kpi = services.kpi_propose(
        outcome=outcome,
        code="G1",
        actor=officer,
        name="Groups",
        definition="Groups.",
        unit="count",
        aggregation="sum",
        direction="higher_is_better",
        rba_type=KpiVersion.RbaType.HOW_MUCH,
    )
    services.kpi_decide(kpi=kpi, agree=True, actor=officer)
    return setup, valid_workbook(setup.programme.name, setup.stream.name)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(damages=st.lists(damage, min_size=1, max_size=4))
def test_a_damaged_workbook_is_refused_whole_or_imported_whole(framework, officer, damages):
    _, valid = framework
    data = damaged(valid, damages)
    savepoint = transaction.savepoint()
    try:
        before = counts()
        try:
            result = import_workbook(data=data, filename="damaged.xlsx", actor=officer)
        except ImportRefused as refused:
            assert refused.problems.total > 0 and all(str(p) for p in refused.problems)
            assert counts() == before, "a refused workbook wrote something"
        else:
            assert result.changed or counts() == before
    finally:
        transaction.savepoint_rollback(savepoint)


def test_the_undamaged_workbook_imports(framework, officer):
    _, valid = framework
    result = import_workbook(data=valid, filename="valid.xlsx", actor=officer)
    assert [c.created for c in result.counts.values()] == [2, 2, 2, 0, 1, 1, 1]  # the allocation was there already
    assert result.counts["Allocations"].unchanged == 1
