"""Benchmark: a council's whole history brought in from one workbook, beside reading the same workbook's cells alone.

Builds, in a throwaway database (SQLite by default; DATABASE_URL for PostgreSQL), a programme with one funding stream
that has run for ten financial years, eight districts and the county, and three agreed KPIs; then writes a workbook
in the template's layout with a realistic migration: --orgs organisations (500), each with four agreements of 30
months one after another (2,000 agreements over ten years), a funding line for each year an agreement runs, the
allocations those lines need (budgets follow from them), one payment for each year's money, a target for each KPI,
agreement and year, and every quarter's past return (ten quarters an agreement, a value per KPI: 60,000 values).
Then, side by side:

(a) ours: ``import_workbook`` — read the workbook bounded, check every row against the service and the workbook,
    write everything in one transaction with history and the audit event; from the bytes to the commit.
(b) the floor: openpyxl opening the same workbook read-only and visiting every cell of every sheet, with nothing
    checked or written (median of --repeat runs).
(c) the same workbook imported again: every row checked and found unchanged, nothing written.

    .venv/bin/python bench/bench_workbook.py
    scripts/with_postgres.sh .venv/bin/python bench/bench_workbook.py
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import random
import statistics
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

AREAS = 8
KPIS = [("G1", "count", "sum"), ("P1", "percent", "mean"), ("M1", "money", "sum")]


def check(ok: bool, message: str) -> None:
    if not ok:
        raise SystemExit(message)


def label(year: int) -> str:
    return f"{year}-{(year + 1) % 100:02d}"


def build_workbook(
    *, orgs: int, first_year: int, programme: str, stream: str, areas: list[str], seed: int = 1
) -> tuple[bytes, dict]:
    """The migration workbook, written row by row (openpyxl write-only), and how many rows each sheet holds."""
    from openpyxl import Workbook

    from vcsgrants.core.money import quarter_end, quarter_starts
    from vcsgrants.workbook import sheets

    rng = random.Random(seed)  # noqa: S311 - benchmark data
    wb = Workbook(write_only=True)
    ws = {}
    for sheet in sheets.SHEETS:
        ws[sheet.name] = wb.create_sheet(sheet.name)
        ws[sheet.name].append([c.header for c in sheet.columns])
    allocations: dict[tuple[int, str], Decimal] = {}
    rows = dict.fromkeys(ws, 0)

    def add(name: str, row: list) -> None:
        ws[name].append(row)
        rows[name] += 1

    start0 = dt.date(first_year, 4, 1)
    for i in range(orgs):
        ref = f"ORG-{i:05d}"
        add("Organisations", [ref, f"Benchmark provider {i:05d}", "provider", f"GB-CHC-{1000000 + i}", str(1000000 + i), None])
        area = areas[i % len(areas)]
        for k in range(4):
            months = 30 * k  # from April of the first year
            start = dt.date(start0.year + (3 + months) // 12, (3 + months) % 12 + 1, 1)
            months_end = 30 * (k + 1)
            end = dt.date(start0.year + (3 + months_end) // 12, (3 + months_end) % 12 + 1, 1) - dt.timedelta(days=1)
            sla = f"SLA-{i:05d}-{k}"
            add(
                "Agreements",
                [sla, ref, programme, f"Infrastructure support {k + 1}", start, end, area, "ended" if k < 3 else "active"],
            )
            years = range(start.year - (start.month < 4), end.year - (end.month < 4) + 1)
            for year in years:
                amount = Decimal(rng.randrange(500_000, 2_000_000)) / 100
                add("Funding lines", [sla, stream, label(year), None, amount])
                allocations[(year, area)] = allocations.get((year, area), Decimal(0)) + amount
                add("Payments made", [sla, label(year), amount, max(start, dt.date(year, 4, 1)), f"FIN-{sla}-{year}"])
                for code, unit, _ in KPIS:
                    annual = {"count": 40, "percent": 80, "money": 20000}[unit]
                    add("KPI targets", [sla, label(year), code, annual, None, None, None, None])
            for year in years:
                for q, q_start in enumerate(quarter_starts(year), start=1):
                    if q_start < start or q_start > end:
                        continue
                    submitted = quarter_end(q_start) + dt.timedelta(days=20)
                    for code, unit, _ in KPIS:
                        value = {
                            "count": rng.randrange(0, 20),
                            "percent": rng.randrange(50, 100),
                            "money": rng.randrange(0, 9000),
                        }
                        add(
                            "Past returns",
                            [sla, label(year), q, code, value[unit], submitted, submitted + dt.timedelta(days=10), None],
                        )
    for (year, area), amount in allocations.items():
        add("Allocations", [programme, stream, label(year), area, amount])
    out = io.BytesIO()
    wb.save(out)
    return with_dimensions(out.getvalue()), rows


def with_dimensions(data: bytes) -> bytes:
    """The workbook with each sheet's <dimension> element, as Excel and LibreOffice save it (openpyxl's write-only mode
    leaves it out, and without it openpyxl's read-only mode reads every sheet twice to find its size)."""
    import re
    import zipfile

    from openpyxl.utils import get_column_letter

    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            part = source.read(info.filename)
            if re.match(r"xl/worksheets/sheet\d+\.xml$", info.filename):
                text = part.decode()
                rows = text.count("<row ")
                width = max((len(re.findall(r"<c ", m)) for m in re.findall(r"<row [^>]*>.*?</row>", text[:20000])), default=1)
                ref = f'<dimension ref="A1:{get_column_letter(width)}{max(rows, 1)}"/>'
                at = min(i for i in (text.find("<sheetViews"), text.find("<sheetFormatPr"), text.find("<sheetData")) if i >= 0)
                part = (text[:at] + ref + text[at:]).encode()
            target.writestr(info, part)
    return out.getvalue()


def read_every_cell(data: bytes) -> int:
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    cells = 0
    for ws in wb.worksheets:
        for row in ws.iter_rows(values_only=True):
            cells += len(row)
    wb.close()
    return cells


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orgs", type=int, default=500, help="Organisations, four agreements each (500: 2,000 agreements)")
    parser.add_argument("--repeat", type=int, default=3, help="Runs of (b); median")
    args = parser.parse_args()

    os.environ.setdefault("VCSGRANTS_VAR_DIR", tempfile.mkdtemp(prefix="vcsgrants-bench-"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vcsgrants.settings")
    import django

    django.setup()
    from django.contrib.auth.models import Group
    from django.core.management import call_command
    from django.db import connection

    from vcsgrants.core.models import Area, Organisation, Role, User
    from vcsgrants.core.money import financial_year_start
    from vcsgrants.funding.models import Agreement, FundingStream, Payment, Programme
    from vcsgrants.monitoring import services
    from vcsgrants.monitoring.models import KpiVersion, Outcome, Return, ReturnValue
    from vcsgrants.workbook.services import import_workbook

    call_command("migrate", verbosity=0)
    officer = User.objects.create(username="bench-officer")
    officer.groups.add(Group.objects.get_or_create(name=Role.OFFICER)[0])
    first_year = financial_year_start(dt.date.today()) - 11  # ten years, all of them past
    funder = Organisation.objects.create(name="Benchmark County Council", slug="bench-council", kind=Organisation.Kind.FUNDER)
    programme = Programme.objects.create(name="Benchmark programme", slug="bench-programme", funder=funder)
    stream = FundingStream.objects.create(
        programme=programme, name="Core grant", funder=funder, recurrence="recurrent", start=dt.date(first_year, 4, 1)
    )
    areas = [Area.objects.create(gss_code=f"E0799{n:04d}", name=f"Bench district {n}") for n in range(AREAS)]
    Area.objects.create(gss_code="E10009999", name="Bench county", kind=Area.Kind.COUNTY)
    outcome = services.outcome_save(outcome=Outcome(programme=programme, title="Stronger groups"), actor=officer)
    for code, unit, aggregation in KPIS:
        kpi = services.kpi_propose(
            outcome=outcome,
            code=code,
            actor=officer,
            name=code,
            definition=code,
            unit=unit,
            aggregation=aggregation,
            direction="higher_is_better",
            rba_type=KpiVersion.RbaType.HOW_MUCH,
        )
        services.kpi_decide(kpi=kpi, agree=True, actor=officer)

    started = time.perf_counter()
    data, rows = build_workbook(
        orgs=args.orgs, first_year=first_year, programme=programme.name, stream=stream.name, areas=[a.name for a in areas]
    )
    built = time.perf_counter() - started

    reads = []
    for _ in range(args.repeat):
        started = time.perf_counter()
        cells = read_every_cell(data)
        reads.append(time.perf_counter() - started)
    floor = statistics.median(reads)

    started = time.perf_counter()
    first = import_workbook(data=data, filename="migration.xlsx", actor=officer)
    ours = time.perf_counter() - started
    check(Agreement.objects.count() == rows["Agreements"], "not every agreement was brought in")
    check(ReturnValue.objects.count() == rows["Past returns"], "not every past value was brought in")
    check(Payment.objects.count() == rows["Payments made"], "not every payment was brought in")
    check(first.changed, "the first import changed nothing")

    started = time.perf_counter()
    again = import_workbook(data=data, filename="migration.xlsx", actor=officer)
    reimport = time.perf_counter() - started
    check(not again.changed, "importing the same workbook again changed something")

    import django as dj

    print(f"database: {connection.vendor}; django {dj.get_version()}; load average {os.getloadavg()[0]:.1f}")
    print(
        f"workbook: {len(data) / 1e6:.1f} MB, {cells:,} cells, built in {built:.1f} s; rows: "
        + ", ".join(f"{name} {n:,}" for name, n in rows.items())
    )
    print(f"returns created: {Return.objects.count():,}")
    print(
        f"(a) import_workbook (read + check + write, one transaction)     {ours:7.2f} s  ("
        + ", ".join(f"{k} {v:.1f} s" for k, v in first.phases.items())
        + ")"
    )
    print(f"(b) openpyxl read-only, every cell (median of {args.repeat})              {floor:7.2f} s")
    print(
        f"(c) the same workbook again (check only, nothing changed)        {reimport:7.2f} s  ("
        + ", ".join(f"{k} {v:.1f} s" for k, v in again.phases.items())
        + ")"
    )
    print(f"ours / floor: {ours / floor:.1f}x the time of reading the cells alone; again / floor: {reimport / floor:.1f}x")
    print("aim: (a) well under 60 s")


if __name__ == "__main__":
    main()
