"""An officer's bulk import of many returns' values from one CSV, e.g. when migrating historic monitoring data.

The file has the header ``agreement,financial_year,quarter,kpi_code,value``, one KPI value a row. Everything is
checked first and every problem is listed by row, column and KPI (the first 200, then how many more of each kind);
the file is refused as a whole if there is any. Otherwise, in one transaction, the returns are created (as
submitted, each with its history record) where they do not exist yet and the values are inserted in batches against
each KPI's current version, replacing what those returns held for those KPIs. One audit event records the import.
Rows already checked go in with plain parameterised INSERTs (executemany), not model instances: at 100,000 values,
Django's per-field preparation in bulk_create would be a third of the import's time.

The lookups are loaded in a fixed number of queries, whatever the number of rows: nothing is queried per row.
"""

from __future__ import annotations

import csv
import io
import itertools
import re
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import BinaryIO

from django.db import connection, transaction
from django.db.models import Model
from django.utils import timezone

from vcsgrants.core.audit import record_event
from vcsgrants.core.database import analyse
from vcsgrants.core.limits import FileLimits
from vcsgrants.core.models import FinancialYear, User
from vcsgrants.core.problems import ProblemList
from vcsgrants.core.uploads import file_limits
from vcsgrants.funding.models import Agreement, Programme
from vcsgrants.monitoring.models import Kpi, Return, ReturnValue
from vcsgrants.monitoring.services import quarter_in_agreement
from vcsgrants.monitoring.spreadsheets import NO_VALUE, NOT_A_NUMBER, OUT_OF_RANGE, TWICE, ImportRefused, Problem, value_problem

HEADER = ("agreement", "financial_year", "quarter", "kpi_code", "value")
SHEET = "CSV"
MAX_BULK_BYTES = 50 * 1024 * 1024
BATCH = 5000
ID_BATCH = 500  # ids per IN (...) when clearing replaced values, well under every backend's parameter limit
YEAR_LABEL = re.compile(r"^(\d{4})-(\d{2})$")
WRITABLE = (Return.Status.DRAFT, Return.Status.QUERIED, Return.Status.SUBMITTED)
QUARTER_NUMBERS = {"1": 1, "2": 2, "3": 3, "4": 4}
OPEN, OUTSIDE = "open", "outside"  # a return's state for the check (else its status, when it can no longer change)


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


def _size(source: bytes | BinaryIO) -> int:
    if isinstance(source, bytes | bytearray):
        return len(source)
    here = source.tell()
    size = source.seek(0, io.SEEK_END) - here
    source.seek(here)
    return size


def _rows(source: bytes | BinaryIO, limits: FileLimits) -> Iterator[tuple[int, list[str]]]:
    """The file's rows after the header, with their row numbers, read one at a time (decoded as they are read), and
    no further than `import_max_rows`: a longer file is refused, naming the limit, before anything is written. So
    what the import holds grows with the rows it keeps, never with the whole file at once."""
    size = _size(source)
    if size > MAX_BULK_BYTES:
        raise _refuse(f"The file is larger than {MAX_BULK_BYTES // (1024 * 1024)} MB: split it.")
    if not size:
        raise _refuse("The file is empty.")
    binary = io.BytesIO(source) if isinstance(source, bytes | bytearray) else source
    text = io.TextIOWrapper(binary, encoding="utf-8-sig", newline="")
    reader = csv.reader(text)
    last_row = limits.import_max_rows + 1  # after the header
    try:
        header = next(reader, [])
        if tuple(h.strip().lower() for h in header) != HEADER:
            raise _refuse(f"The first row must be the headers {','.join(HEADER)}", row=1)
        for row_number, row in enumerate(reader, start=2):
            if row_number > last_row:
                raise _refuse(
                    f"The file has more than {limits.import_max_rows:,} rows of values, the most one import takes "
                    f"(the import_max_rows file limit): nothing was imported. Split it into files of at most "
                    f"{limits.import_max_rows:,} rows, each with the header, and import them one after another."
                )
            yield row_number, row
    except UnicodeDecodeError:
        raise _refuse("The file is not UTF-8 text: save it as CSV UTF-8.") from None
    except csv.Error as exc:
        raise _refuse(f"The file is not valid CSV ({exc}).") from None
    finally:
        text.detach()  # the caller's file stays open; closing it is the caller's


def _insert_alike(model: type[Model], template: Model, varying: Sequence[str], rows: Sequence[Sequence[int]]) -> None:
    """INSERT a row of `model` per item of rows: the `varying` fields (ids and numbers, ready for the database) from
    the item, every other column from `template`, an unsaved instance whose fields are prepared for the database
    once, as `save()` prepares them. A plain executemany: bulk_create would prepare every field of every row."""
    fields = [f for f in model._meta.concrete_fields if f.attname in varying or not f.primary_key]
    base = [None if f.attname in varying else f.get_db_prep_save(f.pre_save(template, add=True), connection) for f in fields]
    slots = [(fields.index(model._meta.get_field(name)), i) for i, name in enumerate(varying)]
    params = []
    for row in rows:
        values = base.copy()
        for column, i in slots:
            values[column] = row[i]
        params.append(values)
    quote = connection.ops.quote_name
    sql = (
        f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) "  # noqa: S608 - model's own table
        f"VALUES ({', '.join(['%s'] * len(fields))})"
    )
    with connection.cursor() as cursor:
        for i in range(0, len(params), BATCH):
            cursor.executemany(sql, params[i : i + BATCH])


def _create_returns(
    programme: Programme, keys: Sequence[tuple[int, int, int]], years: dict[int, FinancialYear], actor: User
) -> dict[tuple[int, int, int], int]:
    """Create the returns (agreement id, start year, quarter) as submitted now, each with the history record that
    `bulk_create_with_history` would write (created "+", by the actor), and give their ids. Two INSERTs and one
    query, whatever the number."""
    now = timezone.now()
    template = Return(status=Return.Status.SUBMITTED, submitted_at=now)
    new = [(a, years[y].pk, q) for a, y, q in keys]
    _insert_alike(Return, template, ("agreement_id", "financial_year_id", "quarter"), new)
    wanted = set(new)
    ids = {
        (a, y, q): pk
        for pk, a, y, q in Return.objects.filter(agreement__programme=programme).values_list(
            "pk", "agreement_id", "financial_year_id", "quarter"
        )
        if (a, y, q) in wanted
    }
    history = Return.history.model
    record = history(
        history_date=now,
        history_user=actor,
        history_change_reason=None,
        history_type="+",
        **{f.attname: getattr(template, f.attname) for f in history.tracked_fields},
    )
    _insert_alike(history, record, ("id", "agreement_id", "financial_year_id", "quarter"), [(ids[k], *k) for k in new])
    return {key: ids[year_key] for key, year_key in zip(keys, new, strict=True)}


def _return_state(key: tuple[int, int, int], agreement: Agreement, existing: dict[tuple[int, int, int], tuple[int, str]]) -> str:
    """OPEN when rows may write to the return (agreement, start year, quarter); OUTSIDE the agreement; else its status."""
    _, start_year, quarter = key
    if not quarter_in_agreement(agreement, start_year, quarter):
        return OUTSIDE
    status = existing.get(key, (None, None))[1]
    return status if status is not None and status not in WRITABLE else OPEN


def import_returns_csv(
    *, programme: Programme, data: bytes | BinaryIO, actor: User, limits: FileLimits | None = None
) -> ImportResult:
    """Import the file (its bytes, or a binary file open at its start) as a whole, or raise ImportRefused listing
    every problem; nothing is half-written. The rows are read one at a time, at most `import_max_rows` of them
    (core.limits, changed by the FILE_LIMITS setting)."""
    started = time.perf_counter()
    lines = _rows(data, limits or file_limits())
    first = next(lines, None)  # the size and header are checked before the lookups are loaded
    lines = itertools.chain([first] if first else [], lines)

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
    problems: ProblemList[Problem] = ProblemList()  # the first 200, then a count by kind
    # Each return (agreement, start year, quarter) is checked once, at its first row: OPEN, OUTSIDE, or its status.
    return_state: dict[tuple[int, int, int], str] = {}
    refused_returns: set[tuple[int, int, int]] = set()
    # return key (agreement id, start year, quarter) → {KPI version id: (row, value)}; when no row has a problem,
    # these are exactly the values to write.
    values: dict[tuple[int, int, int], dict[int, tuple[int, Decimal | None]]] = {}
    # A return's values usually come in consecutive rows: the last row's return, when it was found and open,
    # is reused while agreement, year and quarter are the same text (None: no such return).
    head_reference: str | None = None
    head_year = head_quarter = ""
    head_agreement: Agreement | None = None
    head_key: tuple[int, int, int] = (0, 0, 0)
    head_values: dict[int, tuple[int, Decimal | None]] = {}
    for row_number, row in lines:
        if len(row) == 5:  # the usual row: no list to build
            reference, year_label, quarter_text, code, raw = row
            reference, year_label, quarter_text, code, raw = (
                reference.strip(),
                year_label.strip(),
                quarter_text.strip(),
                code.strip(),
                raw.strip(),
            )
            if not (reference or year_label or quarter_text or code or raw):
                continue
            extra = False
        else:
            cells = [cell.strip() for cell in row]
            if not any(cells):
                continue
            cells += [""] * (5 - len(cells))
            reference, year_label, quarter_text, code, raw = cells[:5]
            extra = any(cells[5:])
        code = code.upper()
        kpi_label = code or None
        if extra:
            problems.add(
                Problem(SHEET, row_number, None, kpi_label, "has more than five columns"), "a row with more than five columns"
            )
        same_return = reference == head_reference and year_label == head_year and quarter_text == head_quarter
        if same_return:
            agreement, key, in_return = head_agreement, head_key, head_values
        else:
            head_reference, key = None, None
            agreement = agreements.get(reference.upper())
            if agreement is None:
                problems.add(
                    Problem(SHEET, row_number, "agreement", kpi_label, f"'{reference}' is not an agreement in {programme}"),
                    "an agreement not in the programme",
                )
            start_year = year_starts.get(year_label, 0)
            if start_year == 0:
                start_year = year_starts[year_label] = _year_start(year_label)
            if start_year is None:
                problems.add(
                    Problem(
                        SHEET, row_number, "financial_year", kpi_label, f"'{year_label}' is not a financial year such as 2022-23"
                    ),
                    "a financial year not written like 2022-23",
                )
            quarter = QUARTER_NUMBERS.get(quarter_text)
            if quarter is None:
                problems.add(
                    Problem(SHEET, row_number, "quarter", kpi_label, f"'{quarter_text}' is not a quarter: use 1 to 4"),
                    "a quarter that is not 1 to 4",
                )
            if agreement is not None and start_year is not None and quarter is not None:
                key = (agreement.id, start_year, quarter)
        version = current.get(code)
        if version is None:
            if code in kpis:
                message = f"is {kpis[code].get_status_display().lower()}, not agreed: only agreed KPIs take values"
            else:
                message = f"'{code}' is not a KPI in {programme}'s outcomes framework" if code else "has no KPI code"
            problems.add(Problem(SHEET, row_number, "kpi_code", kpi_label, message), "a KPI code that is not an agreed KPI")
        try:
            value = Decimal(raw.replace(",", "")) if raw else None
            if value is not None and not value.is_finite():
                raise InvalidOperation
        except InvalidOperation:
            problems.add(Problem(SHEET, row_number, "value", kpi_label, f"'{raw}' is not a number"), NOT_A_NUMBER)
            value = None
        else:
            if value is None:
                problems.add(Problem(SHEET, row_number, "value", kpi_label, "has no value"), NO_VALUE)
            elif version is not None and (problem := value_problem(version.unit, value)):
                problems.add(Problem(SHEET, row_number, "value", kpi_label, f"{value} {problem}"), OUT_OF_RANGE)
        if key is None or agreement is None:
            continue
        if not same_return:
            state = return_state.get(key)
            if state is None:
                state = return_state[key] = _return_state(key, agreement, existing)
            if state != OPEN:
                if state == OUTSIDE:
                    first, last = periods[agreement.id]
                    message = (
                        f"{year_label} Q{key[2]} is outside {agreement.reference}, which runs {first:%d %b %Y} to {last:%d %b %Y}"
                    )
                    problems.add(Problem(SHEET, row_number, "quarter", kpi_label, message), "a quarter outside its agreement")
                elif key not in refused_returns:  # once per return
                    refused_returns.add(key)
                    message = (
                        f"{agreement.reference} {year_label} Q{key[2]} is {Return.Status(state).label.lower()}: "
                        "it can no longer be changed"
                    )
                    problems.add(Problem(SHEET, row_number, "quarter", None, message), "a return that can no longer be changed")
                continue
            in_return = values.setdefault(key, {})
            head_reference, head_year, head_quarter, head_agreement, head_key, head_values = (
                reference,
                year_label,
                quarter_text,
                agreement,
                key,
                in_return,
            )
        if version is None:
            continue
        if version.id in in_return:  # one current version per KPI
            problems.add(
                Problem(
                    SHEET,
                    row_number,
                    "kpi_code",
                    kpi_label,
                    f"is given twice for {agreement.reference} {year_label} Q{key[2]} (first on row {in_return[version.id][0]})",
                ),
                TWICE,
            )
            continue
        in_return[version.id] = (row_number, value)  # a row with a problem is in problems, and nothing is written
    if not problems and not values:
        problems.add(Problem(SHEET, None, None, None, "The file has no values to import."), "a file with no values")
    if problems:
        raise ImportRefused(problems)

    result = ImportResult(rows=sum(len(entries) for entries in values.values()))
    keys = list(values)
    with transaction.atomic():
        needed_years = {y for _, y, _ in keys} - years.keys()
        if needed_years:
            FinancialYear.objects.bulk_create([FinancialYear(start_year=y) for y in needed_years], ignore_conflicts=True)
            years = {y.start_year: y for y in FinancialYear.objects.filter(start_year__in={y for _, y, _ in keys})}
        return_ids = {key: existing[key][0] for key in keys if key in existing}
        new = [key for key in keys if key not in return_ids]
        if new:
            return_ids.update(_create_returns(programme, new, years, actor))
        updated = [return_ids[key] for key in keys if key in existing]
        kpi_of = {v.pk: v.kpi_id for v in current.values()}
        replaced_kpis = list({kpi_of[version_id] for entries in values.values() for version_id in entries})
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
        rows: list[tuple[int, int, Decimal | None]] = []
        for key, entries in values.items():
            return_id = return_ids[key]
            rows.extend([(return_id, version_id, value) for version_id, (_, value) in entries.items()])
        with connection.cursor() as cursor:
            for i in range(0, len(rows), BATCH):
                cursor.executemany(sql, rows[i : i + BATCH])
        result.returns_created, result.returns_updated, result.values_written = len(new), len(updated), len(rows)
        # A history record ("~", by the actor) for each existing return whose values were replaced, as save() would
        # write: the return's history shows the import, and the dashboards' figures version (which reads it) rises.
        for i in range(0, len(updated), ID_BATCH):
            Return.history.bulk_history_create(
                list(Return.objects.filter(pk__in=updated[i : i + ID_BATCH])), update=True, default_user=actor
            )
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
    analyse(models=[Return, ReturnValue])  # statistics for the planner after a bulk load (core.database)
    result.seconds = time.perf_counter() - started
    return result
