"""Quarterly returns as spreadsheets: a pre-filled XLSX template out, an XLSX or CSV file back in.

The reader is strict and complete: it lists every problem by sheet, row, column and KPI and saves
nothing unless the whole file is right. Parsing is kept apart from saving so it can be tested with
any bytes at all.
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

from vcsgrants.core.exports import workbook_bytes, write

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


@dataclass
class ParsedReturn:
    values: dict[str, Decimal] = field(default_factory=dict)
    narrative: str | None = None
    case_studies: str | None = None
    problems: list[Problem] = field(default_factory=list)


class ImportRefused(Exception):
    def __init__(self, problems: list[Problem]):
        super().__init__("; ".join(str(p) for p in problems))
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
        if code not in units:
            parsed.problems.append(Problem(sheet, row, "A" if column else "kpi_code", code, "is not one of this return's KPIs"))
            continue
        try:
            value = _number(raw)
        except (InvalidOperation, ValueError):
            parsed.problems.append(Problem(sheet, row, column or "value", code, f"'{raw}' is not a number"))
            continue
        if value is None:
            parsed.problems.append(Problem(sheet, row, column or "value", code, "has no value"))
            continue
        if problem := value_problem(units[code], value):
            parsed.problems.append(Problem(sheet, row, column or "value", code, f"{value} {problem}"))
            continue
        parsed.values[code] = value
    for code in units:
        if code not in found:
            parsed.problems.append(Problem(sheet, None, None, code, "is missing from the file"))


def _read_xlsx(data: bytes, spec: ReturnSpec, parsed: ParsedReturn) -> None:
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
        parsed.problems.append(Problem("", None, None, None, "The file is not a readable XLSX spreadsheet."))
        return
    except Exception:  # openpyxl raises many things on a damaged file; none of them may escape
        parsed.problems.append(Problem("", None, None, None, "The file is not a readable XLSX spreadsheet."))
        return
    try:
        if RETURN_SHEET not in wb.sheetnames:
            parsed.problems.append(
                Problem("", None, None, None, f"The workbook has no sheet called '{RETURN_SHEET}': use the template.")
            )
            return
        rows = list(wb[RETURN_SHEET].iter_rows(min_row=1, max_row=FIRST_KPI_ROW + 500, max_col=5, values_only=True))
        if len(rows) > FIRST_KPI_ROW + 400:
            parsed.problems.append(
                Problem(RETURN_SHEET, None, None, None, "The sheet has far more rows than a return: use the template.")
            )
            return
        meta = {2: ("Agreement", spec.reference), 3: ("Financial year", spec.year_label), 4: ("Quarter", str(spec.quarter))}
        for row, (label, expected) in meta.items():
            got = rows[row - 1][1] if len(rows) >= row and len(rows[row - 1]) > 1 else None
            got_text = "" if got is None else str(got).strip()
            if got_text.endswith(".0") and label == "Quarter":
                got_text = got_text[:-2]
            if got_text != expected:
                parsed.problems.append(
                    Problem(RETURN_SHEET, row, "B", None, f"{label} is '{got_text}', but this return is for '{expected}'")
                )
        header = rows[FIRST_KPI_ROW - 2] if len(rows) >= FIRST_KPI_ROW - 1 else ()
        if tuple(str(h).strip() if h is not None else "" for h in header[:5]) != HEADER:
            parsed.problems.append(
                Problem(RETURN_SHEET, FIRST_KPI_ROW - 1, None, None, f"The header row must read {', '.join(HEADER)}")
            )
            return
        found: dict[str, tuple[object, int]] = {}
        for row_number, row in enumerate(rows[FIRST_KPI_ROW - 1 :], start=FIRST_KPI_ROW):
            code = str(row[0]).strip().upper() if row and row[0] is not None else ""
            if not code:
                continue
            if code in found:
                parsed.problems.append(
                    Problem(RETURN_SHEET, row_number, "A", code, f"appears twice (first on row {found[code][1]})")
                )
                continue
            found[code] = (row[4] if len(row) > 4 else None, row_number)
        _check_values(found, spec, RETURN_SHEET, VALUE_COLUMN, parsed)
        if NARRATIVE_SHEET in wb.sheetnames:
            notes = list(wb[NARRATIVE_SHEET].iter_rows(min_row=1, max_row=5, max_col=1, values_only=True))
            text = [("" if r[0] is None else str(r[0])) if r else "" for r in notes] + [""] * 5
            parsed.narrative, parsed.case_studies = text[1].strip(), text[4].strip()
    except Exception:  # a damaged sheet can fail while it is read, not only when opened
        parsed.problems.append(Problem("", None, None, None, "The file is not a readable XLSX spreadsheet."))
    finally:
        wb.close()


def _read_csv(data: bytes, spec: ReturnSpec, parsed: ParsedReturn) -> None:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        parsed.problems.append(Problem("", None, None, None, "The file is not UTF-8 text: save it as CSV UTF-8."))
        return
    reader = csv.reader(io.StringIO(text))
    try:
        rows = list(reader)
    except csv.Error as exc:
        parsed.problems.append(Problem("", None, None, None, f"The file is not valid CSV ({exc})."))
        return
    if not rows or [h.strip().lower() for h in rows[0][:2]] != ["kpi_code", "value"]:
        parsed.problems.append(Problem("", 1, None, None, "The first row must be the headers kpi_code,value"))
        return
    found: dict[str, tuple[object, int]] = {}
    for row_number, row in enumerate(rows[1:], start=2):
        if not row or not any(cell.strip() for cell in row):
            continue
        code = row[0].strip().upper()
        if not code:
            parsed.problems.append(Problem("CSV", row_number, "kpi_code", None, "has no KPI code"))
            continue
        if code in found:
            parsed.problems.append(Problem("CSV", row_number, "kpi_code", code, f"appears twice (first on row {found[code][1]})"))
            continue
        found[code] = (row[1] if len(row) > 1 else None, row_number)
    _check_values(found, spec, "CSV", "value", parsed)


def parse_return_file(filename: str, data: bytes, spec: ReturnSpec) -> ParsedReturn:
    """Read an uploaded return. Never raises for bad content: problems are listed on the result."""
    parsed = ParsedReturn()
    name = (filename or "").lower()
    if len(data) > MAX_UPLOAD_BYTES:
        parsed.problems.append(Problem("", None, None, None, f"The file is larger than {MAX_UPLOAD_BYTES // (1024 * 1024)} MB."))
    elif not data:
        parsed.problems.append(Problem("", None, None, None, "The file is empty."))
    elif name.endswith(".xlsx"):
        _read_xlsx(data, spec, parsed)
    elif name.endswith(".csv"):
        _read_csv(data, spec, parsed)
    else:
        parsed.problems.append(Problem("", None, None, None, "Upload the XLSX template or a CSV file (.xlsx or .csv)."))
    return parsed
