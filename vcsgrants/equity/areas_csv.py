"""Reading an AREAS CSV (text) into the engine's inputs, with every problem named by row and column.

Pure Python, no Django. The file has a header row with ``area_id``, ``name``, ``population`` and ``current``
(today's allocation in pounds, at most two decimal places, e.g. ``45000`` or ``45000.50``) in any order, and
any number of further columns: the need indicators (numbers, 0 or more), e.g. ``imd``, ``rurality``. Header
names are matched without regard to case or surrounding spaces and indicator names are kept in lower case.
Rows are counted as a spreadsheet shows them (the header is row 1) and columns by letter (A, B, ... Z, AA).

Everything is checked before anything is returned: the problems are collected and raised together as one
:class:`AreasCsvError` whose ``problems`` lists the first 200 and then how many more of each kind.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Collection
from decimal import Decimal, InvalidOperation

from vcsgrants.core.problems import ProblemList, problem_list
from vcsgrants.equity.engine import AreaInput

__all__ = ["REQUIRED_COLUMNS", "AreasCsvError", "column_letter", "parse_areas_csv"]

REQUIRED_COLUMNS = ("area_id", "name", "population", "current")
MAX_PROBLEMS_SHOWN = 20  # in the exception's own text; `problems` holds the first 200 (core.problems)
# The kinds of problem, as the "and N more" summary counts them.
HEADER_PROBLEM = "a problem in the header row"
POPULATION = "a population that is not a whole number, 1 or more"
ALLOCATION = "an allocation that is not an amount in pounds, 0 or more"
INDICATOR = "an indicator that is not a number, 0 or more"
MAX_POUNDS = 10**12
_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d*)?$")


class AreasCsvError(ValueError):
    """The file cannot be used; ``problems`` lists the problems found, each naming its row and column: the first 200,
    then a line saying how many more of each kind (``count`` is how many in all)."""

    def __init__(self, problems: ProblemList[str] | list[str], filename: str = "areas.csv"):
        problems = problem_list(problems, HEADER_PROBLEM)
        self.problems = problems.lines()
        self.count = problems.total
        self.filename = filename
        shown = self.problems[:MAX_PROBLEMS_SHOWN]
        more = self.count - len(shown)
        head = f"{filename}: {self.count:,} problem{'s' if self.count != 1 else ''} found"
        text = head + ":\n" + "\n".join(f"- {p}" for p in shown)
        if more:
            text += f"\n- … and {more:,} more."
        super().__init__(text)


def column_letter(index: int) -> str:
    """0 -> 'A', 25 -> 'Z', 26 -> 'AA' (as a spreadsheet names columns)."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(ord("A") + rem) + letters
    return letters


def _number(raw: str) -> Decimal | None:
    """A plain decimal number, allowing a leading £ and thousands separators (1,234.50); None if it is not one."""
    text = raw.strip()
    if text.startswith("£"):
        text = text[1:].strip()
    elif text.startswith(("-£", "+£")):
        text = text[0] + text[2:].strip()
    if "," in text:
        if not _THOUSANDS.match(text):
            return None
        text = text.replace(",", "")
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    if not value.is_finite():
        return None
    return value


def _show(raw: str) -> str:
    text = raw.strip()
    return text if len(text) <= 40 else text[:37] + "..."


def parse_areas_csv(
    text: str, *, filename: str = "areas.csv", allowed_indicators: Collection[str] | None = None
) -> list[AreaInput]:
    """The areas in ``text`` (a CSV), or :class:`AreasCsvError` listing every problem."""
    if text.startswith("\ufeff"):  # Excel writes a UTF-8 byte order mark
        text = text[1:]
    rows = list(csv.reader(io.StringIO(text, newline="")))
    if not rows or all(not any(cell.strip() for cell in row) for row in rows):
        raise AreasCsvError(
            [f"Row 1: the file is empty; it needs a header row with {', '.join(REQUIRED_COLUMNS)} and a row per area."],
            filename,
        )
    problems: ProblemList[str] = ProblemList()  # the first 200, then a count by kind
    header = [cell.strip().lower() for cell in rows[0]]
    width = len(header)
    # Trailing empty header cells (a spreadsheet's stray commas) are ignored if their columns are empty too.
    while width and not header[width - 1] and all(len(r) < width or not r[width - 1].strip() for r in rows[1:]):
        width -= 1
    header = header[:width]

    columns: dict[str, int] = {}
    for j, name in enumerate(header):
        where = f"Row 1, column {column_letter(j)}"
        if not name:
            problems.add(f"{where}: the column has no name in the header row.", HEADER_PROBLEM)
            continue
        if name in columns:
            problems.add(
                f"{where} ({name}): the column '{name}' appears twice (also column {column_letter(columns[name])}).",
                HEADER_PROBLEM,
            )
            continue
        columns[name] = j
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if missing:
        names = ", ".join(f"'{c}'" for c in missing)
        problems.add(
            f"Row 1 (header): the required column{'s' if len(missing) > 1 else ''} {names} "
            f"{'are' if len(missing) > 1 else 'is'} missing; the header needs {', '.join(REQUIRED_COLUMNS)}.",
            HEADER_PROBLEM,
        )
    indicators = [name for name in columns if name not in REQUIRED_COLUMNS]
    if allowed_indicators is not None:
        allowed = {a.strip().lower() for a in allowed_indicators}
        for name in list(indicators):
            if name not in allowed:
                known = ", ".join(sorted(allowed)) if allowed else "none"
                problems.add(
                    f"Row 1, column {column_letter(columns[name])} ({name}): '{name}' is not a known column; "
                    f"the columns are {', '.join(REQUIRED_COLUMNS)} and the indicators ({known}).",
                    HEADER_PROBLEM,
                )
                indicators.remove(name)
    if missing:
        # Without the required columns the rows cannot be read meaningfully; report the header problems only.
        raise AreasCsvError(problems, filename)

    data_rows = rows[1:]
    if not data_rows:
        problems.add("Row 2: there are no areas; give one row per area under the header.", "a file with no areas")
        raise AreasCsvError(problems, filename)

    areas: list[AreaInput] = []
    seen: dict[str, int] = {}
    for offset, row in enumerate(data_rows):
        rownum = offset + 2
        if not any(cell.strip() for cell in row):
            problems.add(f"Row {rownum}: the row is blank; remove it or fill it in.", "a blank row")
            continue
        if len(row) > width and any(cell.strip() for cell in row[width:]):
            problems.add(
                f"Row {rownum}, column {column_letter(width)}: the row has {len(row)} cells but the header has {width} "
                "columns; values beyond the last column have no heading.",
                "a row wider than the header",
            )

        def cell(name: str, row=row, rownum=rownum) -> tuple[str, str]:
            j = columns[name]
            return (row[j] if j < len(row) else ""), f"Row {rownum}, column {column_letter(j)} ({name})"

        ok = True
        raw, where = cell("area_id")
        area_id = raw.strip()
        if not area_id:
            problems.add(f"{where}: the area id is missing.", "a missing area id")
            ok = False
        elif area_id in seen:
            problems.add(
                f"{where}: the area id '{_show(area_id)}' is a duplicate of row {seen[area_id]}; each area once.",
                "an area given twice",
            )
            ok = False
        else:
            seen[area_id] = rownum

        raw, where = cell("name")
        name = raw.strip()
        if not name:
            problems.add(f"{where}: the name is missing.", "a missing name")
            ok = False

        raw, where = cell("population")
        population = 0
        if not raw.strip():
            problems.add(f"{where}: the population is missing; a population must be 1 or more.", "a missing population")
            ok = False
        else:
            value = _number(raw)
            if value is None:
                problems.add(
                    f"{where}: '{_show(raw)}' is not a number; a population must be a whole number, 1 or more.", POPULATION
                )
                ok = False
            elif value < 0:
                problems.add(f"{where}: {_show(raw)} is negative; a population must be 1 or more.", POPULATION)
                ok = False
            elif value != value.to_integral_value():
                problems.add(f"{where}: {_show(raw)} is not a whole number; a population counts people.", POPULATION)
                ok = False
            elif value == 0:
                problems.add(f"{where}: the population is 0; a population must be 1 or more.", POPULATION)
                ok = False
            else:
                population = int(value)

        raw, where = cell("current")
        current_pence = 0
        if not raw.strip():
            problems.add(
                f"{where}: today's allocation is missing; give it in pounds, 0 if none (e.g. 45000.50).", "a missing allocation"
            )
            ok = False
        else:
            value = _number(raw)
            if value is None:
                problems.add(f"{where}: '{_show(raw)}' is not an amount in pounds (e.g. 45000 or 45000.50).", ALLOCATION)
                ok = False
            elif value < 0:
                problems.add(f"{where}: {_show(raw)} is negative; today's allocation must be 0 or more.", ALLOCATION)
                ok = False
            elif (value * 100) != (value * 100).to_integral_value():
                problems.add(
                    f"{where}: {_show(raw)} has more than two decimal places; give pounds and pence (e.g. 45000.50).", ALLOCATION
                )
                ok = False
            elif value > MAX_POUNDS:
                problems.add(f"{where}: {_show(raw)} is too large (at most £{MAX_POUNDS:,}).", ALLOCATION)
                ok = False
            else:
                current_pence = int(value * 100)

        values: dict[str, Decimal] = {}
        for key in indicators:
            raw, where = cell(key)
            if not raw.strip():
                problems.add(
                    f"{where}: the value is missing; every area needs a value for each indicator.", "a missing indicator value"
                )
                ok = False
                continue
            value = _number(raw)
            if value is None:
                problems.add(f"{where}: '{_show(raw)}' is not a number.", INDICATOR)
                ok = False
            elif value < 0:
                problems.add(f"{where}: {_show(raw)} is negative; an indicator must be 0 or more.", INDICATOR)
                ok = False
            else:
                values[key] = value
        if ok:
            areas.append(AreaInput(area_id, name, population, current_pence, values))
    if problems:
        raise AreasCsvError(problems, filename)
    return areas
