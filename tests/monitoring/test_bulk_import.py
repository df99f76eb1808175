"""An officer's bulk import of many returns' values from one CSV: all or nothing, every problem listed, few queries."""

from __future__ import annotations

import datetime as dt
import tracemalloc
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from simple_history.utils import bulk_create_with_history

from tests.factories import OrganisationFactory, line
from vcsgrants.core.limits import FileLimits
from vcsgrants.core.models import AuditEvent
from vcsgrants.funding.models import Agreement
from vcsgrants.funding.services.agreements import agreement_create, agreement_set_status
from vcsgrants.monitoring import services
from vcsgrants.monitoring.bulk_import import import_returns_csv
from vcsgrants.monitoring.models import Kpi, KpiVersion, Outcome, Return, ReturnValue
from vcsgrants.monitoring.spreadsheets import ImportRefused

pytestmark = pytest.mark.django_db

HEADER = "agreement,financial_year,quarter,kpi_code,value\n"
UNITS = {"C1": "count", "P1": "percent", "M1": "money", "S1": "score", "C2": "count"}
QUARTERS = [("2021-22", q) for q in (1, 2, 3, 4)] + [("2022-23", q) for q in (1, 2, 3, 4)]  # the agreements' 8 quarters


@pytest.fixture
def framework(funded, officer, fy2022):
    outcome = services.outcome_save(outcome=Outcome(programme=funded.programme, title="Stronger groups"), actor=officer)
    kpis = {}
    for code, unit in UNITS.items():
        kpi = services.kpi_propose(
            outcome=outcome,
            code=code,
            actor=officer,
            name=f"KPI {code}",
            definition="Test KPI.",
            unit=unit,
            aggregation="sum" if unit in ("count", "money") else "mean",
            direction="higher_is_better",
            rba_type=KpiVersion.RbaType.HOW_MUCH,
        )
        services.kpi_decide(kpi=kpi, agree=True, actor=officer)
        kpis[code] = Kpi.objects.get(pk=kpi.pk)
    services.kpi_propose(
        outcome=outcome,
        code="PX",
        actor=officer,
        name="Proposed only",
        definition="Not agreed.",
        unit="count",
        aggregation="sum",
        direction="higher_is_better",
        rba_type=KpiVersion.RbaType.HOW_MUCH,
    )
    agreements = []
    for i in range(6):
        agreement = agreement_create(
            programme=funded.programme,
            organisation=OrganisationFactory(),
            areas=[funded.areas[0]],
            title=f"Support {i}",
            start_date=dt.date(2021, 4, 1),
            end_date=dt.date(2023, 3, 31),
            actor=officer,
            lines=[line(funded.stream, funded.years[0], funded.areas[0], "5000.00")],
            reference=f"BULK-{i}",
        )
        agreements.append(agreement_set_status(agreement=agreement, status=Agreement.Status.ACTIVE, actor=officer))
        for kpi in kpis.values():
            services.target_set(agreement=agreement, kpi=kpi, year=fy2022, annual_target=Decimal("40"), actor=officer)
    return funded.programme, agreements, kpis


def rows_for(agreements, n: int) -> str:
    rows = [
        f"{a.reference},{label},{q},{code},{7 + i % 3}"
        for a in agreements
        for label, q in QUARTERS
        for i, code in enumerate(UNITS)
    ]
    assert len(rows) >= n
    return HEADER + "\n".join(rows[:n]) + "\n"


def counts():
    return Return.objects.count(), ReturnValue.objects.count(), AuditEvent.objects.filter(verb="returns.bulk_imported").count()


def test_a_good_file_creates_submitted_returns_with_every_value_and_one_audit_event(framework, officer):
    programme, agreements, kpis = framework
    result = import_returns_csv(programme=programme, data=rows_for(agreements[:2], 80).encode(), actor=officer)
    assert (result.returns_created, result.returns_updated, result.values_written) == (16, 0, 80)
    assert counts() == (16, 80, 1)
    assert set(Return.objects.values_list("status", flat=True)) == {Return.Status.SUBMITTED}
    assert Return.objects.filter(submitted_at__isnull=True).count() == 0
    first = Return.objects.get(agreement=agreements[0], financial_year__start_year=2021, quarter=1)
    assert {v.kpi_version.kpi.code: v.value for v in first.values.all()} == {
        "C1": Decimal(7),
        "P1": Decimal(8),
        "M1": Decimal(9),
        "S1": Decimal(7),
        "C2": Decimal(8),
    }
    event = AuditEvent.objects.get(verb="returns.bulk_imported")
    assert event.actor == officer
    assert event.data["values"] == 80 and event.data["returns_created"] == 16


def test_each_new_return_has_the_history_record_simple_history_would_write(framework, officer, fy2022):
    """The import writes returns and their history with plain INSERTs: the records must be the library's own."""
    programme, agreements, _ = framework
    import_returns_csv(programme=programme, data=rows_for(agreements[:1], 10).encode(), actor=officer)
    imported = Return.objects.get(agreement=agreements[0], financial_year__start_year=2021, quarter=1)
    (record,) = imported.history.all()
    library = bulk_create_with_history(
        [
            Return(
                agreement=agreements[1],
                financial_year=fy2022,
                quarter=4,
                status=Return.Status.SUBMITTED,
                submitted_at=record.history_date,
            )
        ],
        Return,
        default_user=officer,
        default_date=record.history_date,
    )[0]
    (expected,) = library.history.all()
    fields = [f.attname for f in Return.history.model._meta.concrete_fields if f.attname != "history_id"]
    differs = {"id", "agreement_id", "financial_year_id", "quarter"}
    assert {f: getattr(record, f) for f in fields if f not in differs} == {
        f: getattr(expected, f) for f in fields if f not in differs
    }
    assert (record.id, record.agreement_id, record.financial_year_id, record.quarter) == (
        imported.pk,
        imported.agreement_id,
        imported.financial_year_id,
        1,
    )
    assert (record.history_type, record.history_user, record.status) == ("+", officer, Return.Status.SUBMITTED)
    assert record.submitted_at == imported.submitted_at == record.history_date
    assert Return.history.filter(id__in=Return.objects.values("pk")).count() == Return.objects.count() == 2 + 1


def test_a_second_import_replaces_values_of_returns_not_yet_accepted(framework, officer):
    programme, agreements, _ = framework
    import_returns_csv(programme=programme, data=rows_for(agreements[:1], 40).encode(), actor=officer)
    again = HEADER + "BULK-0,2021-22,1,C1,99\n"
    result = import_returns_csv(programme=programme, data=again.encode(), actor=officer)
    assert (result.returns_created, result.returns_updated, result.values_replaced) == (0, 1, 1)
    assert ReturnValue.objects.count() == 40
    assert (
        ReturnValue.objects.get(
            return_record__quarter=1, return_record__financial_year__start_year=2021, kpi_version__kpi__code="C1"
        ).value
        == 99
    )


BAD_ROWS = [
    ("NOPE-1,2022-23,1,C1,5", "agreement", "C1", "is not an agreement"),
    ("BULK-0,2022-24,1,C1,5", "financial_year", "C1", "is not a financial year"),
    ("BULK-0,22/23,1,C1,5", "financial_year", "C1", "is not a financial year"),
    ("BULK-0,2022-23,5,C1,5", "quarter", "C1", "is not a quarter"),
    ("BULK-0,2023-24,1,C1,5", "quarter", "C1", "is outside BULK-0"),
    ("BULK-0,2022-23,1,ZZ9,5", "kpi_code", "ZZ9", "is not a KPI"),
    ("BULK-0,2022-23,1,PX,5", "kpi_code", "PX", "not agreed"),
    ("BULK-0,2022-23,1,C1,lots", "value", "C1", "is not a number"),
    ("BULK-0,2022-23,1,C1,", "value", "C1", "has no value"),
    ("BULK-0,2022-23,1,C1,-3", "value", "C1", "cannot be negative"),
    ("BULK-0,2022-23,1,P1,101", "value", "P1", "percentage over 100"),
    ("BULK-0,2022-23,1,C1,2.5", "value", "C1", "whole number"),
    ("BULK-0,2022-23,1,C2,4\nBULK-0,2022-23,1,C2,5", "kpi_code", "C2", "given twice"),
]


@pytest.mark.parametrize(("bad", "column", "kpi", "message"), BAD_ROWS)
def test_each_kind_of_bad_row_is_reported_by_row_column_and_kpi_and_nothing_is_written(
    framework, officer, bad, column, kpi, message
):
    programme, agreements, _ = framework
    good = rows_for(agreements[:1], 12)  # rows 2-13
    before = counts()
    with pytest.raises(ImportRefused) as refused:
        import_returns_csv(programme=programme, data=(good + bad + "\n").encode(), actor=officer)
    assert counts() == before
    problems = refused.value.problems
    assert len(problems) == 1, [str(p) for p in problems]
    problem = problems[0]
    assert (problem.row, problem.column, problem.kpi) == (14 + bad.count("\n"), column, kpi)
    assert message in problem.message


def test_every_problem_in_a_file_is_listed_at_once(framework, officer):
    programme, agreements, _ = framework
    bad = "\n".join(row for row, *_ in BAD_ROWS if "\n" not in row)
    with pytest.raises(ImportRefused) as refused:
        import_returns_csv(programme=programme, data=(HEADER + bad + "\n").encode(), actor=officer)
    assert {p.row for p in refused.value.problems} == set(range(2, 2 + len(BAD_ROWS) - 1))  # every row has its problem


def test_rows_for_an_accepted_return_are_refused(framework, officer):
    programme, agreements, _ = framework
    import_returns_csv(programme=programme, data=rows_for(agreements[:1], 5).encode(), actor=officer)
    Return.objects.update(status=Return.Status.ACCEPTED)
    before = counts()
    with pytest.raises(ImportRefused) as refused:
        import_returns_csv(programme=programme, data=rows_for(agreements[:1], 5).encode(), actor=officer)
    assert counts() == before
    assert [(p.row, p.column) for p in refused.value.problems] == [(2, "quarter")]
    assert "accepted" in refused.value.problems[0].message


@pytest.mark.parametrize(
    "data", [b"", b"\xff\xfe\x00bad", b"kpi_code,value\nC1,4\n", HEADER.encode()], ids=["empty", "not-utf8", "header", "no-rows"]
)
def test_files_that_are_not_a_bulk_return_csv_are_refused_cleanly(framework, officer, data):
    programme, _, _ = framework
    with pytest.raises(ImportRefused):
        import_returns_csv(programme=programme, data=data, actor=officer)
    assert counts() == (0, 0, 0)


def test_the_number_of_queries_does_not_grow_with_the_rows(framework, officer, django_assert_max_num_queries):
    programme, agreements, _ = framework
    small, large = rows_for(agreements[:1], 10), rows_for(agreements[1:], 200)
    with CaptureQueriesContext(connection) as few:
        import_returns_csv(programme=programme, data=small.encode(), actor=officer)
    with django_assert_max_num_queries(len(few.captured_queries)):
        import_returns_csv(programme=programme, data=large.encode(), actor=officer)
    assert len(few.captured_queries) <= 17  # with ANALYZE of the returns and values tables after the load
    assert ReturnValue.objects.count() == 210


def test_the_command_imports_and_prints_the_rate(framework, officer, tmp_path, capsys):
    programme, agreements, _ = framework
    path = tmp_path / "returns.csv"
    path.write_text(rows_for(agreements[:1], 40))
    call_command("import_returns", programme.slug, str(path), "--as", officer.username)
    out = capsys.readouterr().out
    assert "Imported 40 values into 8 returns" in out and "values/second" in out


def test_the_command_exits_1_printing_the_first_200_problems_then_a_count_by_kind(framework, officer, tmp_path, capsys):
    programme, agreements, _ = framework
    path = tmp_path / "returns.csv"
    cells = [(a.reference, label, q, code) for a in agreements for label, q in QUARTERS for code in ("C1", "C2")]
    unknown = [(agreements[0].reference, "2021-22", 1, f"Z{i}") for i in range(len(cells), 210)]
    path.write_text(
        HEADER + "".join(f"{ref},{label},{q},{code},-{i}\n" for i, (ref, label, q, code) in enumerate(cells + unknown, start=1))
    )
    with pytest.raises(SystemExit) as exit_:
        call_command("import_returns", programme.slug, str(path), "--as", officer.username)
    assert exit_.value.code == 1
    err = capsys.readouterr().err
    assert "Refused: 210 problem(s)" in err
    assert "row 2, column value (C1): -1 cannot be negative" in err
    assert "row 201, column kpi_code (Z199)" in err and "Z200" not in err
    assert "and 10 more problems of the same kind: a KPI code that is not an agreed KPI (10)." in err
    assert counts() == (0, 0, 0)


# --- Too many rows: refused at the limit, read no further, nothing written --------------------------------------


def test_a_file_with_more_rows_than_the_limit_is_refused_naming_it_and_nothing_is_written(framework, officer, settings):
    programme, agreements, _ = framework
    settings.FILE_LIMITS = {"import_max_rows": 30}
    # 5,040 rows, then bytes that are not UTF-8: refused for its length, as the reading stopped long before them.
    more = f"{agreements[0].reference},2021-22,1,C1,7\n" * 5_000
    data = (rows_for(agreements[:1], 40) + more).encode() + b"\xff\xfe not text\n"
    with pytest.raises(ImportRefused) as refused:
        import_returns_csv(programme=programme, data=data, actor=officer)
    [problem] = refused.value.problems
    assert "more than 30 rows of values" in problem.message and "import_max_rows" in problem.message
    assert counts() == (0, 0, 0)
    # At the limit, the same rows go in.
    assert import_returns_csv(programme=programme, data=rows_for(agreements[:1], 30).encode(), actor=officer).values_written == 30


def test_a_long_file_is_read_a_row_at_a_time_in_bounded_memory(framework, officer):
    programme, agreements, _ = framework
    row = f"{agreements[0].reference},2021-22,1,C1,7\n".encode()
    data = HEADER.encode() + row * 300_000  # 9 MB; read whole, as a list of rows, it took over 100 MB
    tracemalloc.start()
    try:
        with pytest.raises(ImportRefused) as refused:
            import_returns_csv(programme=programme, data=data, actor=officer, limits=FileLimits(import_max_rows=1_000))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert "more than 1,000 rows" in refused.value.problems[0].message
    assert peak < 5 * 1024 * 1024, f"peak {peak / 1024 / 1024:.1f} MB"
    assert counts() == (0, 0, 0)


def test_the_command_refuses_a_file_over_the_row_limit_with_the_limit_named(framework, officer, tmp_path, capsys, settings):
    programme, agreements, _ = framework
    settings.FILE_LIMITS = {"import_max_rows": 30}
    path = tmp_path / "returns.csv"
    path.write_text(rows_for(agreements[:1], 40))
    with pytest.raises(SystemExit) as exit_:
        call_command("import_returns", programme.slug, str(path), "--as", officer.username)
    assert exit_.value.code == 1
    err = capsys.readouterr().err
    assert "Refused: 1 problem(s); nothing was imported." in err and "more than 30 rows" in err and "import_max_rows" in err
    assert counts() == (0, 0, 0)
