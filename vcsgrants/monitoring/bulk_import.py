"""An officer's bulk import of many returns' values from one CSV, e.g. when migrating historic monitoring data.

The file has the header ``agreement,financial_year,quarter,kpi_code,value``, one KPI value a row. Everything
is checked first and every problem is listed by row, column and KPI; the file is refused as a whole if there
is any. Otherwise, in one transaction, the returns are created (as submitted) where they do not exist yet and
the values are inserted in batches (a plain parameterised INSERT) against each KPI's current version,
replacing what those returns held for those KPIs. One audit event records the import.

The lookups are loaded in a fixed number of queries, whatever the number of rows: nothing is queried per row.
"""

from __future__ import annotations

import csv
import io
import re
import time
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.db import connection, transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from vcsgrants.core.audit import record_event
from vcsgrants.core.models import FinancialYear, User
from vcsgrants.funding.models import Agreement, Programme
from vcsgrants.monitoring.models import Kpi, Return, ReturnValue
from vcsgrants.monitoring.services import quarter_in_agreement
from vcsgrants.monitoring.spreadsheets import ImportRefused, Problem, value_problem

HEADER = ("agreement", "financial_year", "quarter", "kpi_code", "value")
SHEET = "CSV"
MAX_BULK_BYTES = 50 * 1024 * 1024
BATCH = 5000
ID_BATCH = 500  # ids per IN (...) when clearing replaced values, well under every backend's parameter limit
YEAR_LABEL = re.compile(r"^(\d{4})-(\d{2})$")
WRITABLE = (Return.Status.DRAFT, Return.Status.QUERIED, Return.Status.SUBMITTED)


@dataclass
class ImportResult:
    rows: int = 0
    returns_created: int = 0
    returns_updated: int = 0
    values_written: int = 0
    values_replaced: int = 0
    seconds: float = 0.0
    problems: list[Problem] = field(default_factory=list)

    @property
    def values_per_second(self) -> float:
        return self.values_written / self.seconds if self.seconds else 0.0


def _year_start(label: str) -> int | None:
    match = YEAR_LABEL.match(label)
    if not match:
        return None
    start = int(match.group(1))
    return start if int(match.group(2)) == (start + 1) % 100 else None


def _refuse(message: str, row: int | None = None) -> ImportRefused:
    return ImportRefused([Problem("", row, None, None, message)])


def _rows(data: bytes) -> list[list[str]]:
    if len(data) > MAX_BULK_BYTES:
        raise _refuse(f"The file is larger than {MAX_BULK_BYTES // (1024 * 1024)} MB: split it.")
    if not data:
        raise _refuse("The file is empty.")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise _refuse("The file is not UTF-8 text: save it as CSV UTF-8.") from None
    try:
        rows = list(csv.reader(io.StringIO(text)))
    except csv.Error as exc:
        raise _refuse(f"The file is not valid CSV ({exc}).") from None
    if not rows or tuple(h.strip().lower() for h in rows[0]) != HEADER:
        raise _refuse(f"The first row must be the headers {','.join(HEADER)}", row=1)
    return rows


def import_returns_csv(*, programme: Programme, data: bytes, actor: User) -> ImportResult:
    """Import the file as a whole, or raise ImportRefused listing every problem; nothing is half-written."""
    started = time.perf_counter()
    rows = _rows(data)

    # Lookups, a fixed number of queries.
    agreements = {a.reference.upper(): a for a in Agreement.objects.filter(programme=programme).prefetch_related("variations")}
    periods = {a.pk: (a.start_date, a.current_end_date) for a in agreements.values()}
    kpis = {k.code.upper(): k for k in Kpi.objects.filter(outcome__programme=programme).prefetch_related("versions")}
    current = {code: k.current_version for code, k in kpis.items() if k.status == Kpi.Status.AGREED}
    years = {y.start_year: y for y in FinancialYear.objects.all()}
    existing = {
        (agreement_id, start_year, quarter): (pk, status)
        for pk, agreement_id, start_year, quarter, status in Return.objects.filter(agreement__programme=programme).values_list(
            "pk", "agreement_id", "financial_year__start_year", "quarter", "status"
        )
    }

    year_starts: dict[str, int | None] = {}
    problems: list[Problem] = []
    in_period: dict[tuple[int, int, int], bool] = {}
    seen: dict[tuple[int, int, int, int], int] = {}
    refused_returns: set[tuple[int, int, int]] = set()
    values: list[tuple[tuple[int, int, int], int, Decimal]] = []  # (return key, KPI version id, value)
    for row_number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        row = [cell.strip() for cell in row] + [""] * (5 - len(row))
        reference, year_label, quarter_text, code, raw = row[:5]
        code = code.upper()
        kpi_label = code or None
        ok = True
        if len(row) > 5 and any(row[5:]):
            problems.append(Problem(SHEET, row_number, None, kpi_label, "has more than five columns"))
            ok = False
        agreement = agreements.get(reference.upper())
        if agreement is None:
            problems.append(
                Problem(SHEET, row_number, "agreement", kpi_label, f"'{reference}' is not an agreement in {programme}")
            )
            ok = False
        start_year = year_starts.get(year_label, 0)
        if start_year == 0:
            start_year = year_starts[year_label] = _year_start(year_label)
        if start_year is None:
            problems.append(
                Problem(SHEET, row_number, "financial_year", kpi_label, f"'{year_label}' is not a financial year such as 2022-23")
            )
            ok = False
        quarter = int(quarter_text) if quarter_text in ("1", "2", "3", "4") else None
        if quarter is None:
            problems.append(Problem(SHEET, row_number, "quarter", kpi_label, f"'{quarter_text}' is not a quarter: use 1 to 4"))
            ok = False
        version = current.get(code)
        if version is None:
            if code in kpis:
                message = f"is {kpis[code].get_status_display().lower()}, not agreed: only agreed KPIs take values"
            else:
                message = f"'{code}' is not a KPI in {programme}'s outcomes framework" if code else "has no KPI code"
            problems.append(Problem(SHEET, row_number, "kpi_code", kpi_label, message))
            ok = False
        try:
            value = Decimal(raw.replace(",", "")) if raw else None
            if value is not None and not value.is_finite():
                raise InvalidOperation
        except InvalidOperation:
            problems.append(Problem(SHEET, row_number, "value", kpi_label, f"'{raw}' is not a number"))
            ok = False
            value = None
        else:
            if value is None:
                problems.append(Problem(SHEET, row_number, "value", kpi_label, "has no value"))
                ok = False
            elif version is not None and (problem := value_problem(version.unit, value)):
                problems.append(Problem(SHEET, row_number, "value", kpi_label, f"{value} {problem}"))
                ok = False
        if agreement is None or start_year is None or quarter is None:
            continue
        key = (agreement.id, start_year, quarter)
        first, last = periods[agreement.id]
        if key not in in_period:
            in_period[key] = quarter_in_agreement(agreement, start_year, quarter)
        if not in_period[key]:
            problems.append(
                Problem(
                    SHEET,
                    row_number,
                    "quarter",
                    kpi_label,
                    f"{year_label} Q{quarter} is outside {agreement.reference}, which runs {first:%d %b %Y} to {last:%d %b %Y}",
                )
            )
            continue
        status = existing.get(key, (None, None))[1]
        if status is not None and status not in WRITABLE:
            if key not in refused_returns:
                refused_returns.add(key)
                problems.append(
                    Problem(
                        SHEET,
                        row_number,
                        "quarter",
                        None,
                        f"{agreement.reference} {year_label} Q{quarter} is {Return.Status(status).label.lower()}: "
                        "it can no longer be changed",
                    )
                )
            continue
        if version is None:
            continue
        dup = (*key, version.kpi_id)
        if dup in seen:
            problems.append(
                Problem(
                    SHEET,
                    row_number,
                    "kpi_code",
                    kpi_label,
                    f"is given twice for {agreement.reference} {year_label} Q{quarter} (first on row {seen[dup]})",
                )
            )
            continue
        seen[dup] = row_number
        if ok:
            values.append((key, version.id, value))
    if not problems and not values:
        problems.append(Problem(SHEET, None, None, None, "The file has no values to import."))
    if problems:
        raise ImportRefused(problems)

    result = ImportResult(rows=len(values))
    with transaction.atomic():
        needed_years = {key[1] for key, _, _ in values} - years.keys()
        if needed_years:
            FinancialYear.objects.bulk_create([FinancialYear(start_year=y) for y in needed_years], ignore_conflicts=True)
            years = {y.start_year: y for y in FinancialYear.objects.filter(start_year__in={key[1] for key, _, _ in values})}
        keys = list(dict.fromkeys(key for key, _, _ in values))
        return_ids = {key: existing[key][0] for key in keys if key in existing}
        now = timezone.now()
        new = [
            Return(agreement_id=a, financial_year=years[y], quarter=q, status=Return.Status.SUBMITTED, submitted_at=now)
            for a, y, q in keys
            if (a, y, q) not in return_ids
        ]
        if new:
            created = bulk_create_with_history(new, Return, batch_size=BATCH, default_user=actor)
            if any(r.pk is None for r in created):  # a backend that does not return ids from a bulk insert
                created = Return.objects.filter(agreement__programme=programme, status=Return.Status.SUBMITTED)
            start_year_of = {y.pk: y.start_year for y in years.values()}
            for r in created:
                return_ids.setdefault((r.agreement_id, start_year_of[r.financial_year_id], r.quarter), r.pk)
        updated = [return_ids[key] for key in keys if key in existing]
        kpi_of = {v.pk: v.kpi_id for v in current.values()}
        replaced_kpis = list({kpi_of[version_id] for _, version_id, _ in values})
        for i in range(0, len(updated), ID_BATCH):
            deleted, _ = ReturnValue.objects.filter(
                return_record_id__in=updated[i : i + ID_BATCH], kpi_version__kpi_id__in=replaced_kpis
            ).delete()
            result.values_replaced += deleted
        # The rows are checked above, so they go in with a plain parameterised INSERT, in batches: building a
        # model instance per value (bulk_create) would double the time of the whole import.
        meta = ReturnValue._meta
        columns = ", ".join(
            connection.ops.quote_name(meta.get_field(f).column) for f in ("return_record", "kpi_version", "value")
        )
        sql = f"INSERT INTO {connection.ops.quote_name(meta.db_table)} ({columns}) VALUES (%s, %s, %s)"  # noqa: S608 - model's own table
        rows = [(return_ids[key], version_id, value) for key, version_id, value in values]
        with connection.cursor() as cursor:
            for i in range(0, len(rows), BATCH):
                cursor.executemany(sql, rows[i : i + BATCH])
        result.returns_created, result.returns_updated, result.values_written = len(new), len(updated), len(values)
        record_event(
            actor=actor,
            verb="returns.bulk_imported",
            obj=programme,
            summary=f"Imported {result.values_written:,} KPI values into {len(keys):,} returns of {programme} "
            f"({result.returns_created:,} new, {result.returns_updated:,} existing; {result.values_replaced:,} values replaced)",
            data={
                "values": result.values_written,
                "returns_created": result.returns_created,
                "returns_updated": result.returns_updated,
                "values_replaced": result.values_replaced,
            },
        )
    result.seconds = time.perf_counter() - started
    return result
