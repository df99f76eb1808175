"""Quarterly returns as spreadsheets: a pre-filled XLSX template out, an XLSX or CSV file back in.

The reader is strict and complete: it lists problems by sheet, row, column and KPI (the first 200, then how many
more of each kind: `core.problems.ProblemList`) and saves nothing unless the whole file is right. Parsing is kept
apart from saving so it can be tested with any bytes at all. An XLSX is measured by `core.archives.check_archive`
against the workbook limits in `core.limits` before openpyxl opens it (read-only), so a workbook bomb is refused in
milliseconds; a CSV is read row by row, keeping only the KPIs it should hold.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils.exceptions import InvalidFileException

from vcsgrants.core import encodings
from vcsgrants.core.archives import FileRefused, check_archive
from vcsgrants.core.exports import workbook_bytes, write
from vcsgrants.core.limits import DEFAULT_LIMITS, FileLimits
from vcsgrants.core.problems import ProblemList, problem_list

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
# Built once: value_problem runs for every value of a 100,000-value bulk import.
TOO_LARGE = Decimal("1e12")
HUNDREDTH = Decimal("0.01")
RETURN_SHEET = "Return"
NARRATIVE_SHEET = "Narrative"
HEADER = ("KPI code", "KPI", "Unit", "Quarter target", "Value")
VALUE_COLUMN = "E"
FIRST_KPI_ROW = 8


@dataclass(frozen=True)
class KpiSpec:
    code: str
    name: str
    unit: str  # KpiVersion.Unit value: count, money, percent, score
    quarter_target: Decimal | None = None
    value: Decimal | None = None


@dataclass(frozen=True)
class ReturnSpec:
    """What a file for one return must contain."""

    reference: str
    year_label: str
    quarter: int
    kpis: tuple[KpiSpec, ...]
    narrative: str = ""
    case_studies: str = ""


@dataclass(frozen=True)
class Problem:
    sheet: str
    row: int | None
    column: str | None
    kpi: str | None
    message: str

    def __str__(self) -> str:
        where = [
            f"sheet '{self.sheet}'" if self.sheet else "",
            f"row {self.row}" if self.row else "",
            f"column {self.column}" if self.column else "",
        ]
        place = ", ".join(w for w in where if w)
        kpi = f" ({self.kpi})" if self.kpi else ""
        return f"{place}{kpi}: {self.message}" if place else f"{self.message}{kpi}"


# The kinds of problem, as the "and N more" summary counts them.
UNREADABLE = "a file that cannot be read"
WRONG_RETURN = "an agreement, year or quarter not this return's"
WRONG_HEADER = "a header that is not the template's"
TWICE = "a KPI given twice"
UNKNOWN_KPI = "a KPI code not in this return"
NO_CODE = "a row with no KPI code"
NOT_A_NUMBER = "a value that is not a number"
NO_VALUE = "a KPI with no value"
OUT_OF_RANGE = "a value out of range"
MISSING = "a KPI missing from the file"
TOO_LONG = "a file longer than a return"


@dataclass
class ParsedReturn:
    values: dict[str, Decimal] = field(default_factory=dict)
    narrative: str | None = None
    case_studies: str | None = None
    problems: ProblemList[Problem] = field(default_factory=ProblemList)


class ImportRefused(Exception):
    """A file refused as a whole; `problems` holds the first problems and counts the rest by kind."""

    def __init__(self, problems: ProblemList[Problem] | list[Problem]):
        problems = problem_list(problems, UNREADABLE)
        super().__init__("; ".join(problems.lines()))
        self.problems = problems


# --- writing -------------------------------------------------------------------------


def template_xlsx(spec: ReturnSpec) -> bytes:
    """A workbook pre-filled with the return's KPIs and targets, ready to fill in and upload.

    Every cell goes through the service's one spreadsheet writer (core.exports): the narrative, case studies and
    KPI names, which providers write, are typed as text, so one starting with = is never a live formula."""
    wb = Workbook()
    ws = wb.active
    ws.title = RETURN_SHEET
    bold = Font(bold=True)
    write(
        ws,
        1,
        1,
        "Quarterly monitoring return — fill in column E (Value) and the Narrative sheet, then upload this file.",
        font=bold,
    )
    for row, (label, value) in enumerate(
        [("Agreement", spec.reference), ("Financial year", spec.year_label), ("Quarter", spec.quarter)], start=2
    ):
        write(ws, row, 1, label, font=bold)
        write(ws, row, 2, value)
    write(ws, 6, 1, "Do not change the agreement, year, quarter or KPI codes.")
    for col, title in enumerate(HEADER, start=1):
        write(ws, FIRST_KPI_ROW - 1, col, title, font=bold)
    fill = PatternFill("solid", fgColor="FFF2CC")
    for offset, kpi in enumerate(spec.kpis):
        row = FIRST_KPI_ROW + offset
        write(ws, row, 1, kpi.code)
        write(ws, row, 2, kpi.name)
        write(ws, row, 3, {"money": "£", "percent": "%"}.get(kpi.unit, kpi.unit))
        write(ws, row, 4, kpi.quarter_target)
        write(ws, row, 5, kpi.value).fill = fill
    for col, width in zip("ABCDE", (12, 60, 8, 15, 15), strict=True):
        ws.column_dimensions[col].width = width
    notes = wb.create_sheet(NARRATIVE_SHEET)
    write(notes, 1, 1, "Narrative", font=bold)
    write(notes, 4, 1, "Case studies", font=bold)
    write(notes, 2, 1, spec.narrative or None)
    write(notes, 5, 1, spec.case_studies or None)
    notes.column_dimensions["A"].width = 100
    return workbook_bytes(wb)


# --- reading -------------------------------------------------------------------------


def _number(raw) -> Decimal | None:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    if isinstance(raw, bool):
        raise InvalidOperation
    text = str(raw).strip().replace(",", "")
    value = Decimal(text)
    if not value.is_finite():
        raise InvalidOperation
    return value


def value_problem(unit: str, value: Decimal) -> str | None:
    if value < 0 and unit != "score":
        return "cannot be negative"
    if unit == "percent" and value > 100:
        return "is a percentage over 100"
    if unit == "count" and value != value.to_integral_value():
        return "is a count, so must be a whole number"
    if abs(value) >= TOO_LARGE:
        return "is too large"
    if value != value.quantize(HUNDREDTH):
        return "has more than two decimal places"
    return None


def _check_values(
    found: Mapping[str, tuple[object, int | None]], spec: ReturnSpec, sheet: str, column: str | None, parsed: ParsedReturn
):
    units = {k.code: k.unit for k in spec.kpis}
    for code, (raw, row) in found.items():
        try:
            value = _number(raw)
        except (InvalidOperation, ValueError):
            parsed.problems.add(Problem(sheet, row, column or "value", code, f"'{raw}' is not a number"), NOT_A_NUMBER)
            continue
        if value is None:
            parsed.problems.add(Problem(sheet, row, column or "value", code, "has no value"), NO_VALUE)
            continue
        if problem := value_problem(units[code], value):
            parsed.problems.add(Problem(sheet, row, column or "value", code, f"{value} {problem}"), OUT_OF_RANGE)
            continue
        parsed.values[code] = value
    for code in units:
        if code not in found:
            parsed.problems.add(Problem(sheet, None, None, code, "is missing from the file"), MISSING)


def _keep(found: dict[str, tuple[object, int]], units: Mapping[str, str], row: tuple, where: tuple, parsed) -> None:
    """Keep the value `row` = (code, raw) gives, or add why not (a code not in this return, or given twice); `where` is
    (sheet, row number, column). Only this return's KPIs are kept: a million rows hold no more than a return's KPIs."""
    (code, raw), (sheet, row_number, column) = row, where
    if code not in units:
        kind, message = UNKNOWN_KPI, "is not one of this return's KPIs"
    elif code in found:
        kind, message = TWICE, f"appears twice (first on row {found[code][1]})"
    else:
        found[code] = (raw, row_number)
        return
    if parsed.problems.full:  # nothing more is shown: count it without building it
        parsed.problems.tally(kind)
    else:
        parsed.problems.add(Problem(sheet, row_number, column, code, message), kind)


def _read_xlsx(data: bytes, spec: ReturnSpec, parsed: ParsedReturn, name: str, limits: FileLimits) -> None:
    unreadable = Problem("", None, None, None, "The file is not a readable XLSX spreadsheet.")
    try:
        check_archive(io.BytesIO(data), name=name, limits=limits, workbook=True, label="a readable XLSX spreadsheet")
    except FileRefused as refused:
        parsed.problems.add(Problem("", None, None, None, str(refused)), UNREADABLE)
        return
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (
        InvalidFileException,
        zipfile.BadZipFile,
        KeyError,
        OSError,
        ValueError,
        TypeError,
        IndexError,
        AttributeError,
        EOFError,
    ):
        parsed.problems.add(unreadable, UNREADABLE)
        return
    except Exception:  # openpyxl raises many things on a damaged file; none of them may escape
        parsed.problems.add(unreadable, UNREADABLE)
        return
    try:
        if RETURN_SHEET not in wb.sheetnames:
            message = f"The workbook has no sheet called '{RETURN_SHEET}': use the template."
            parsed.problems.add(Problem("", None, None, None, message), WRONG_HEADER)
            return
        rows = list(wb[RETURN_SHEET].iter_rows(min_row=1, max_row=limits.max_rows + 1, max_col=5, values_only=True))
        if len(rows) > limits.max_rows:
            message = f"The sheet has more than {limits.max_rows:,} rows, the most a return may have: use the template."
            parsed.problems.add(Problem(RETURN_SHEET, None, None, None, message), WRONG_HEADER)
            return
        meta = {2: ("Agreement", spec.reference), 3: ("Financial year", spec.year_label), 4: ("Quarter", str(spec.quarter))}
        for row, (label, expected) in meta.items():
            got = rows[row - 1][1] if len(rows) >= row and len(rows[row - 1]) > 1 else None
            got_text = "" if got is None else str(got).strip()
            if got_text.endswith(".0") and label == "Quarter":
                got_text = got_text[:-2]
            if got_text != expected:
                message = f"{label} is '{got_text}', but this return is for '{expected}'"
                parsed.problems.add(Problem(RETURN_SHEET, row, "B", None, message), WRONG_RETURN)
        header = rows[FIRST_KPI_ROW - 2] if len(rows) >= FIRST_KPI_ROW - 1 else ()
        if tuple(str(h).strip() if h is not None else "" for h in header[:5]) != HEADER:
            message = f"The header row must read {', '.join(HEADER)}"
            parsed.problems.add(Problem(RETURN_SHEET, FIRST_KPI_ROW - 1, None, None, message), WRONG_HEADER)
            return
        found: dict[str, tuple[object, int]] = {}
        units = {k.code: k.unit for k in spec.kpis}
        for row_number, row in enumerate(rows[FIRST_KPI_ROW - 1 :], start=FIRST_KPI_ROW):
            code = str(row[0]).strip().upper() if row and row[0] is not None else ""
            if code:
                _keep(found, units, (code, row[4] if len(row) > 4 else None), (RETURN_SHEET, row_number, "A"), parsed)
        _check_values(found, spec, RETURN_SHEET, VALUE_COLUMN, parsed)
        if NARRATIVE_SHEET in wb.sheetnames:
            notes = list(wb[NARRATIVE_SHEET].iter_rows(min_row=1, max_row=5, max_col=1, values_only=True))
            text = [("" if r[0] is None else str(r[0])) if r else "" for r in notes] + [""] * 5
            parsed.narrative, parsed.case_studies = text[1].strip(), text[4].strip()
    except Exception:  # a damaged sheet can fail while it is read, not only when opened
        parsed.problems.add(unreadable, UNREADABLE)
    finally:
        wb.close()


def _read_csv(data: bytes, spec: ReturnSpec, parsed: ParsedReturn, name: str, limits: FileLimits) -> None:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        parsed.problems.add(Problem("", None, None, None, encodings.not_utf8_message(name, data)), UNREADABLE)
        return
    stream = io.StringIO(text)
    reader = csv.reader(stream)  # row by row, and no further than a return can go
    units = {k.code: k.unit for k in spec.kpis}
    found: dict[str, tuple[object, int]] = {}
    last_row = limits.max_rows + 1  # after the header
    try:
        header = next(reader, [])
        if [h.strip().lower() for h in header[:2]] != ["kpi_code", "value"]:
            parsed.problems.add(Problem("", 1, None, None, "The first row must be the headers kpi_code,value"), WRONG_HEADER)
            return
        for row_number, row in enumerate(reader, start=2):
            if row_number > last_row:
                after = stream.read()
                lines = row_number + after.count("\n") + (bool(after) and not after.endswith("\n"))
                message = (
                    f"The file has {lines:,} lines; a return has a line for each KPI, at most {limits.max_rows:,}, so nothing "
                    f"after line {last_row:,} was read"
                )
                parsed.problems.add_first(Problem("", None, None, None, message), TOO_LONG)
                break
            code = row[0].strip().upper() if row else ""
            if code:
                _keep(found, units, (code, row[1] if len(row) > 1 else None), ("CSV", row_number, "kpi_code"), parsed)
            elif any(cell.strip() for cell in row):
                parsed.problems.add(Problem("CSV", row_number, "kpi_code", None, "has no KPI code"), NO_CODE)
    except csv.Error as exc:
        parsed.problems.add(Problem("", None, None, None, f"The file is not valid CSV ({exc})."), UNREADABLE)
        return
    _check_values(found, spec, "CSV", "value", parsed)


def parse_return_file(filename: str, data: bytes, spec: ReturnSpec, limits: FileLimits = DEFAULT_LIMITS) -> ParsedReturn:
    """Read an uploaded return. Never raises for bad content: problems are listed on the result."""
    parsed = ParsedReturn(problems=ProblemList(limits.max_problems_shown))
    name = (filename or "").lower()
    if len(data) > MAX_UPLOAD_BYTES:
        message = f"The file is larger than {MAX_UPLOAD_BYTES // (1024 * 1024)} MB."
        parsed.problems.add(Problem("", None, None, None, message), UNREADABLE)
    elif not data:
        parsed.problems.add(Problem("", None, None, None, "The file is empty."), UNREADABLE)
    elif name.endswith(".xlsx"):
        _read_xlsx(data, spec, parsed, filename, limits)
    elif name.endswith(".csv"):
        _read_csv(data, spec, parsed, filename, limits)
    else:
        message = "Upload the XLSX template or a CSV file (.xlsx or .csv)."
        parsed.problems.add(Problem("", None, None, None, message), UNREADABLE)
    return parsed
