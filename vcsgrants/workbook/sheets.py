"""The workbook's sheets and columns, the template written from them, and the bounded reader (no database).

One list, SHEETS, says every sheet, its columns, which are required and what to write in each: the template's
"Read me" sheet, the header rows, the reader and the docs page all follow it. The reader measures the file with
`core.archives.check_archive` (the workbook limits, raised for a whole council's data: MIGRATION_LIMITS) before
openpyxl opens it read-only, reads no more rows than the limit, and turns each cell into a plain value
(text, date, Decimal, financial year, quarter), listing every cell it cannot read by sheet, row, column and field.
It never raises for bad content.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from vcsgrants.core.archives import FileRefused, check_archive
from vcsgrants.core.exports import workbook_bytes, write
from vcsgrants.core.limits import MB, FileLimits
from vcsgrants.core.problems import ProblemList

README = "Read me"
MAX_UPLOAD_BYTES = 50 * MB
# A council's whole history is far larger than a quarterly return: these replace the workbook limits of core.limits
# for this import only (docs/operations/import.md). 10 years of quarterly returns for 2,000 agreements with three KPIs
# each is 240,000 rows, about 30 MB of sheet XML.
MIGRATION_LIMITS = dict(
    workbook_max_total_bytes=400 * MB,
    workbook_max_sheet_bytes=200 * MB,
    workbook_max_shared_strings_bytes=100 * MB,
    workbook_max_styles_bytes=5 * MB,
    max_total_bytes=400 * MB,
    max_part_bytes=200 * MB,
    max_rows=1_000_000,
    time_budget_seconds=120.0,
)

TEXT, DATE, MONEY, NUMBER, YEAR, QUARTER = "text", "date", "money", "number", "year", "quarter"
UNREADABLE = "a file that cannot be read"
MISSING_SHEET = "a sheet or column missing"
BAD_CELL = "a cell that cannot be read"
EMPTY = "a required cell left empty"


@dataclass(frozen=True)
class Column:
    header: str
    key: str
    kind: str = TEXT
    required: bool = True
    note: str = ""
    max_length: int | None = None


@dataclass(frozen=True)
class Sheet:
    name: str
    purpose: str
    columns: tuple[Column, ...]

    def column(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)


ORGANISATIONS = Sheet(
    "Organisations",
    "Every organisation the agreements name: providers, partner bodies and other funders.",
    (
        Column(
            "Reference",
            "reference",
            note="Your own short reference for the organisation, such as ORG-0042 "
            "(letters, numbers, hyphens and underscores). The other sheets name the organisation by it; it is kept "
            "as the organisation's reference in the service.",
            max_length=80,
        ),
        Column("Name", "name", note="The organisation's full name. Two organisations cannot share a name.", max_length=200),
        Column("Kind", "kind", required=False, note="provider, partner, funder or applicant; blank means provider."),
        Column(
            "Org-ID",
            "org_id",
            required=False,
            note="From org-id.guide, for example GB-CHC-1234567 (charity) or GB-COH-01234567 (company).",
            max_length=60,
        ),
        Column("Charity number", "charity_number", required=False, max_length=20),
        Column("Company number", "company_number", required=False, max_length=20),
    ),
)
AGREEMENTS = Sheet(
    "Agreements",
    "Each agreement (SLA) with an organisation, past or present. Its money goes on the Funding lines sheet.",
    (
        Column(
            "Agreement reference",
            "reference",
            note="Your own reference for the agreement, such as SLA-2019-014; kept as the agreement's reference.",
            max_length=40,
        ),
        Column(
            "Organisation",
            "organisation",
            note="The organisation's Reference (Organisations sheet, or an organisation already in the service).",
        ),
        Column(
            "Programme",
            "programme",
            note="The programme's name or its short name in the service's web "
            "addresses. Create programmes and their funding streams in the service first.",
        ),
        Column("Title", "title", max_length=200),
        Column("Start", "start", DATE, note="The original start date, such as 01/04/2019."),
        Column("End", "end", DATE, note="The original end date, after the start."),
        Column(
            "Areas",
            "areas",
            note="The area or areas it covers, by name or official code; separate several with "
            "a semicolon. Write the whole-area name (such as County-wide) for money for the whole area.",
        ),
        Column(
            "Status",
            "status",
            required=False,
            note="draft, active or ended; blank means active. An active or ended agreement needs funding lines.",
        ),
    ),
)
FUNDING_LINES = Sheet(
    "Funding lines",
    "The money in each agreement: one row for each funding stream, financial year and area.",
    (
        Column(
            "Agreement reference",
            "agreement",
            note="An Agreement reference from the Agreements sheet (or one already in the service).",
        ),
        Column("Stream", "stream", note="The name of one of the programme's funding streams."),
        Column("Financial year", "year", YEAR, note="Written like 2022-23, inside the agreement's dates."),
        Column("Area", "area", required=False, note="One of the agreement's areas; may be blank when it has one area."),
        Column("Amount", "amount", MONEY, note="Pounds and pence, more than zero, such as 12500.00."),
    ),
)

ALLOCATIONS = Sheet(
    "Allocations",
    "Each funding stream's money for an area and financial year. A year with no budget in the service gets one equal "
    "to its allocations; otherwise the allocations must fit the budget.",
    (
        Column("Programme", "programme", note="The programme's name or short name in the service."),
        Column("Stream", "stream", note="The name of one of the programme's funding streams."),
        Column("Financial year", "year", YEAR, note="Written like 2022-23; the stream must run in it."),
        Column("Area", "area", note="The area's name or official code, or the whole-area name."),
        Column("Amount", "amount", MONEY, note="Pounds and pence, zero or more."),
    ),
)
PAYMENTS = Sheet(
    "Payments made",
    "Payments already made to providers. For an agreement brought in by this workbook, each year's payment schedule "
    "starts with these payments and spreads the rest of the year's value over the quarters after them.",
    (
        Column(
            "Agreement reference",
            "agreement",
            note="An Agreement reference from the Agreements sheet (or one already in the service).",
        ),
        Column(
            "Financial year",
            "year",
            YEAR,
            note="The financial year of the agreement's money the payment is for, such as 2022-23.",
        ),
        Column("Amount", "amount", MONEY, note="Pounds and pence, more than zero."),
        Column("Paid on", "paid_on", DATE, note="The date it was paid; not in the future."),
        Column("Payment reference", "reference", required=False, note="The finance system's reference, if any.", max_length=60),
    ),
)

TARGETS = Sheet(
    "KPI targets",
    "Each agreement's target for a KPI in a financial year, and how it is profiled by quarter.",
    (
        Column(
            "Agreement reference",
            "agreement",
            note="An Agreement reference from the Agreements sheet (or one already in the service).",
        ),
        Column("Financial year", "year", YEAR, note="Written like 2022-23, inside the agreement's dates."),
        Column("KPI code", "kpi", note="The code of an agreed KPI in the programme's outcomes framework, such as SG1."),
        Column("Annual target", "annual", NUMBER, note="Zero or more; a percentage is at most 100."),
        Column(
            "Q1 target",
            "q1",
            NUMBER,
            required=False,
            note="Give all four quarters or none: left blank, the "
            "annual target is profiled evenly. For a KPI that adds up, the quarters must add up to the annual target.",
        ),
        Column("Q2 target", "q2", NUMBER, required=False),
        Column("Q3 target", "q3", NUMBER, required=False),
        Column("Q4 target", "q4", NUMBER, required=False),
    ),
)
RETURNS = Sheet(
    "Past returns",
    "Quarterly returns already made and accepted: one row for each KPI value. They come in as accepted, with "
    "their own submitted and accepted dates.",
    (
        Column(
            "Agreement reference",
            "agreement",
            note="An Agreement reference from the Agreements sheet (or one already in the service).",
        ),
        Column("Financial year", "year", YEAR, note="Written like 2022-23."),
        Column("Quarter", "quarter", QUARTER, note="1 to 4 (Q1 is April to June); inside the agreement's dates."),
        Column("KPI code", "kpi", note="The code of an agreed KPI in the programme's outcomes framework."),
        Column(
            "Value",
            "value",
            NUMBER,
            note="The value reported: a count is a whole number, a percentage at most 100, at most two decimal places.",
        ),
        Column(
            "Submitted on",
            "submitted_on",
            DATE,
            note="The date the provider submitted the return; the same on every row of one return.",
        ),
        Column(
            "Accepted on",
            "accepted_on",
            DATE,
            required=False,
            note="The date it was accepted, on or after the submitted date; blank means the day it was submitted.",
        ),
        Column(
            "Narrative",
            "narrative",
            required=False,
            note="The return's narrative, if you have it (on any one of the return's rows).",
        ),
    ),
)

SHEETS: tuple[Sheet, ...] = (ORGANISATIONS, AGREEMENTS, FUNDING_LINES, ALLOCATIONS, PAYMENTS, TARGETS, RETURNS)


@dataclass(frozen=True)
class Problem:
    """Where a problem is (sheet, row, column letter and the column's header) and what it is."""

    sheet: str
    row: int | None
    column: str | None
    field: str | None
    message: str

    def __str__(self) -> str:
        where = [f"sheet '{self.sheet}'" if self.sheet else "", f"row {self.row}" if self.row else ""]
        if self.column:
            where.append(f"column {self.column}" + (f" ({self.field})" if self.field else ""))
        elif self.field:
            where.append(f"column {self.field}")
        place = ", ".join(w for w in where if w)
        return f"{place}: {self.message}" if place else self.message


@dataclass
class Row:
    sheet: Sheet
    number: int
    values: dict[str, object]
    letters: dict[str, str]
    bad: set[str] = field(default_factory=set)  # keys whose cell could not be read (already a problem)

    def problem(self, key: str | None, message: str) -> Problem:
        column = self.sheet.column(key) if key else None
        return Problem(
            self.sheet.name, self.number, self.letters.get(key) if key else None, column.header if column else None, message
        )


@dataclass
class ReadWorkbook:
    rows: dict[str, list[Row]] = field(default_factory=dict)
    problems: ProblemList[Problem] = field(default_factory=ProblemList)


def migration_limits(limits: FileLimits) -> FileLimits:
    return replace(limits, **MIGRATION_LIMITS)


# --- the template --------------------------------------------------------------------------------------------------


def template_xlsx(*, whole_area_name: str = "County-wide") -> bytes:
    """The empty workbook to fill in: a Read me sheet explaining every column, then one sheet per kind of record with
    its bold, frozen header row. Written through core.exports, so nothing typed in it is ever a formula."""
    wb = Workbook()
    notes = wb.active
    notes.title = README
    bold = Font(bold=True)
    write(notes, 1, 1, "Bringing in your existing data", font=Font(bold=True, size=14))
    intro = [
        "Fill in the sheets of this workbook (one row for each record, below the header row) and upload it on the "
        "service's 'Bring in existing data' page, or run: manage.py import_workbook FILE --as USERNAME.",
        "The whole workbook is checked before anything is saved: if anything is wrong, nothing is saved and every "
        "problem is listed by sheet, row, column and field.",
        "Your own references for organisations and agreements are kept. Importing the same workbook again changes "
        "nothing, so you can add rows and import it again.",
        "Leave a sheet empty (or delete it) if you have nothing for it. Do not rename the sheets or the headers; "
        "the columns may be in any order.",
        f"Money is pounds and pence; dates are days such as 01/04/2022; financial years are written like 2022-23. "
        f"Money for the whole area uses the area '{whole_area_name}'.",
    ]
    for i, line in enumerate(intro, start=3):
        write(notes, i, 1, line)
    row = len(intro) + 4
    for col, title in enumerate(("Sheet", "Column", "Required", "What to write"), start=1):
        write(notes, row, col, title, font=bold)
    for sheet in SHEETS:
        row += 1
        write(notes, row, 1, sheet.name, font=bold)
        write(notes, row, 4, sheet.purpose)
        for column in sheet.columns:
            row += 1
            write(notes, row, 1, sheet.name)
            write(notes, row, 2, column.header)
            write(notes, row, 3, "Yes" if column.required else "No")
            write(notes, row, 4, column.note or {MONEY: "Pounds and pence.", DATE: "A date."}.get(column.kind, ""))
    for letter, width in zip("ABCD", (16, 22, 10, 110), strict=True):
        notes.column_dimensions[letter].width = width
    for sheet in SHEETS:
        ws = wb.create_sheet(sheet.name)
        for col, column in enumerate(sheet.columns, start=1):
            write(ws, 1, col, column.header, font=bold)
            ws.column_dimensions[get_column_letter(col)].width = max(14, len(column.header) + 4)
        ws.freeze_panes = "A2"
    return workbook_bytes(wb)


# --- reading one cell ----------------------------------------------------------------------------------------------

YEAR_LABEL = re.compile(r"^(\d{4})\s*[-/]\s*(\d{2})$")
DATE_FORMATS = ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y", "%d %B %Y", "%d %b %Y")
HUNDREDTH = Decimal("0.01")
TOO_LARGE = Decimal("1e10")


class CellError(ValueError):
    pass


def _text(raw) -> str:
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    if isinstance(raw, dt.datetime):
        return raw.date().isoformat()
    return str(raw).strip()


def _decimal(raw) -> Decimal:
    if isinstance(raw, bool):
        raise CellError(f"'{raw}' is not a number")
    if isinstance(raw, int | Decimal):
        return Decimal(raw)
    text = repr(raw) if isinstance(raw, float) else str(raw).strip().replace(",", "").replace("£", "")
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise CellError(f"'{raw}' is not a number") from None
    if not value.is_finite():
        raise CellError(f"'{raw}' is not a number")
    return value


def parse_cell(kind: str, raw) -> object:
    """A cell's value as the column's kind, or CellError saying why not. Empty cells are None."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    if kind == TEXT:
        return _text(raw)
    if kind == DATE:
        if isinstance(raw, dt.datetime):
            return raw.date()
        if isinstance(raw, dt.date):
            return raw
        text = _text(raw)
        for fmt in DATE_FORMATS:
            try:
                return dt.datetime.strptime(text, fmt).date()
            except ValueError:
                continue
        raise CellError(f"'{text}' is not a date: write it like 01/04/2022")
    if kind == MONEY:
        value = _decimal(raw)
        if abs(value) >= TOO_LARGE:
            raise CellError(f"{value} is too large")
        if value != value.quantize(HUNDREDTH):
            raise CellError(f"{value} has more than two decimal places: write pounds and pence")
        return value.quantize(HUNDREDTH)
    if kind == NUMBER:
        return _decimal(raw)
    if kind == YEAR:
        match = YEAR_LABEL.match(_text(raw))
        if not match or (int(match.group(1)) + 1) % 100 != int(match.group(2)):
            raise CellError(f"'{_text(raw)}' is not a financial year: write it like 2022-23")
        return int(match.group(1))
    if kind == QUARTER:
        text = _text(raw).upper().removeprefix("Q")
        if text not in ("1", "2", "3", "4"):
            raise CellError(f"'{_text(raw)}' is not a quarter: write 1, 2, 3 or 4 (or Q1 to Q4)")
        return int(text)
    raise ValueError(kind)


# --- reading the workbook ------------------------------------------------------------------------------------------


def _header_key(text) -> str:
    return " ".join(str(text).replace("*", " ").split()).lower() if text is not None else ""


def _read_sheet(ws, sheet: Sheet, limits: FileLimits, found: ReadWorkbook) -> None:
    problems = found.problems
    rows = ws.iter_rows(min_row=1, max_row=limits.max_rows + 1, values_only=True)
    header = next(rows, None) or ()
    positions: dict[str, int] = {}
    wanted = {_header_key(c.header): c for c in sheet.columns}
    for index, text in enumerate(header):
        column = wanted.get(_header_key(text))
        if column is not None and column.key not in positions:
            positions[column.key] = index
    missing = [c for c in sheet.columns if c.key not in positions and c.required]
    for column in missing:
        problems.add(Problem(sheet.name, 1, None, column.header, "this column is missing from the header row"), MISSING_SHEET)
    if missing:
        return
    letters = {key: get_column_letter(index + 1) for key, index in positions.items()}
    read: list[Row] = []
    for number, cells in enumerate(rows, start=2):
        if number > limits.max_rows:
            problems.add(
                Problem(
                    sheet.name,
                    None,
                    None,
                    None,
                    f"has more than {limits.max_rows:,} rows, the most one import reads: split the workbook",
                ),
                UNREADABLE,
            )
            break
        if not cells or all(c is None or (isinstance(c, str) and not c.strip()) for c in cells):
            continue
        row = Row(sheet, number, {}, letters)
        for column in sheet.columns:
            index = positions.get(column.key)
            raw = cells[index] if index is not None and index < len(cells) else None
            try:
                value = parse_cell(column.kind, raw)
            except CellError as exc:
                row.bad.add(column.key)
                problems.add(row.problem(column.key, str(exc)), BAD_CELL)
                continue
            if value is None and column.required:
                row.bad.add(column.key)
                problems.add(row.problem(column.key, "is empty"), EMPTY)
            elif isinstance(value, str) and column.max_length and len(value) > column.max_length:
                row.bad.add(column.key)
                problems.add(row.problem(column.key, f"is longer than {column.max_length} characters"), BAD_CELL)
            row.values[column.key] = value
        read.append(row)
    found.rows[sheet.name] = read


def read_workbook(data: bytes, filename: str, limits: FileLimits) -> ReadWorkbook:
    """Every sheet's rows as plain values, with every problem reading them. Never raises for bad content."""
    found = ReadWorkbook(problems=ProblemList(limits.max_problems_shown))
    limits = migration_limits(limits)
    problems = found.problems
    if not data:
        problems.add(Problem("", None, None, None, "The file is empty."), UNREADABLE)
        return found
    if len(data) > MAX_UPLOAD_BYTES:
        problems.add(Problem("", None, None, None, f"The file is larger than {MAX_UPLOAD_BYTES // MB} MB: split it."), UNREADABLE)
        return found
    if not (filename or "").lower().endswith(".xlsx"):
        problems.add(Problem("", None, None, None, "Upload the workbook as an Excel (.xlsx) file."), UNREADABLE)
        return found
    try:
        check_archive(io.BytesIO(data), name=filename, limits=limits, workbook=True, label="a readable XLSX workbook")
    except FileRefused as refused:
        problems.add(Problem("", None, None, None, str(refused)), UNREADABLE)
        return found
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many things on a damaged file; none of them may escape
        problems.add(Problem("", None, None, None, "The file is not a readable XLSX workbook."), UNREADABLE)
        return found
    try:
        names = {name.strip().lower(): name for name in wb.sheetnames}
        present = [s for s in SHEETS if s.name.lower() in names]
        if not present:
            expected = ", ".join(f"'{s.name}'" for s in SHEETS)
            problems.add(
                Problem("", None, None, None, f"The workbook has none of the sheets {expected}: use the template."), MISSING_SHEET
            )
        for sheet in present:
            _read_sheet(wb[names[sheet.name.lower()]], sheet, limits, found)
    except Exception:  # a damaged sheet can fail while it is read, not only when opened
        found.rows.clear()
        problems.add(Problem("", None, None, None, "The file is not a readable XLSX workbook: a sheet is damaged."), UNREADABLE)
    finally:
        wb.close()
    return found
