"""The comparison as tables (headers + rows of numbers and text), for the XLSX workbook and the inputs CSV."""

from __future__ import annotations

from decimal import Decimal

from vcsgrants.core.exports import Sheet, Value, csv_text, xlsx_sheets
from vcsgrants.core.money import from_pence
from vcsgrants.equity.engine import Measures
from vcsgrants.equity.models import OptionArea, OptionSet
from vcsgrants.equity.selectors import Comparison

MEASURE_HEADERS = [
    "Gini (per head, population-weighted)",
    "Theil index",
    "Atkinson index (ε = 0.5)",
    "Atkinson index (ε = 1)",
    "Coefficient of variation",
    "Max/min per-head ratio",
    "Money away from target (£)",
    "Winners",
    "Gained by winners (£)",
    "Losers",
    "Lost by losers (£)",
]


def _figure(value: float | None, places: int = 4) -> Decimal | None:
    return None if value is None else round(Decimal(repr(value)), places)


def measure_cells(m: Measures) -> list[Value]:
    return [
        _figure(m.gini),
        _figure(m.theil),
        _figure(m.atkinson_05),
        _figure(m.atkinson_1),
        _figure(m.cv),
        _figure(m.max_min_ratio, 3),
        from_pence(m.money_from_target_pence),
        m.winners,
        from_pence(m.winners_pence),
        m.losers,
        from_pence(m.losers_pence),
    ]


def measures_sheet(comparison: Comparison) -> Sheet:
    rows = []
    for column in comparison.columns:
        cells = measure_cells(column.result.measures) if column.result else [column.error]
        rows.append([column.option.label, column.description, *cells])
    return ("Equity measures", ["Option", "Description", *MEASURE_HEADERS], rows)


def allocations_sheet(comparison: Comparison) -> Sheet:
    headers = ["Area id", "Area", "Population", "Today (£)"]
    for column in comparison.columns:
        label = column.option.label
        headers += [f"{label}: allocation (£)", f"{label}: per head (£)", f"{label}: change (£)", f"{label}: change (%)"]
        headers += [f"{label}: distance from target"]
    rows: list[list[Value]] = []
    for row in comparison.rows:
        cells: list[Value] = [row.area.code, row.area.name, row.area.population, row.area.current]
        for cell in row.cells:
            if cell is None:
                cells += [None] * 5
            else:
                cells += [from_pence(cell.allocation_pence), cell.per_head, from_pence(cell.change_pence), cell.change_pct]
                cells += [cell.distance_from_target]
        rows.append(cells)
    totals: list[Value] = ["", "Total", comparison.population_total, comparison.current_total]
    for column in comparison.columns:
        if column.result is None:
            totals += [None] * 5
            continue
        allocated = sum(a.allocation_pence for a in column.result.areas)
        change = sum(a.change_pence for a in column.result.areas)
        totals += [from_pence(allocated), None, from_pence(change), None, None]
    rows.append(totals)
    return ("Allocations", headers, rows)


def glide_path_sheet(comparison: Comparison) -> Sheet:
    longest = max((c.option.years for c in comparison.columns), default=1)
    headers = ["Option", "Area id", "Area", "Today (£)", *[f"Year {y} (£)" for y in range(1, longest + 1)]]
    rows: list[list[Value]] = []
    for column in comparison.columns:
        if column.result is None or column.option.years < 2:
            continue
        for i, area in enumerate(comparison.areas):
            path = [from_pence(year[i]) for year in column.result.glide_path]
            rows.append([column.option.label, area.code, area.name, area.current, *path])
    return ("Glide paths", headers, rows)


def inputs_table(option_set: OptionSet, areas: list[OptionArea]) -> tuple[list[str], list[list[Value]]]:
    """The areas in the AREAS.csv layout that `equity_compare` and the upload read."""
    indicators = list(option_set.indicators)
    headers = ["area_id", "name", "population", "current", *indicators]
    rows = [[a.code, a.name, a.population, a.current, *[Decimal(a.indicators[name]) for name in indicators]] for a in areas]
    return headers, rows


def about_sheet(comparison: Comparison) -> Sheet:
    """What the figures are of: the stream and year, the budget shared, and where 'today' comes from."""
    option_set = comparison.option_set
    rows: list[list[Value]] = [
        ["Option set", option_set.name],
        ["Allocates", f"{option_set.stream}, {option_set.financial_year}"],
        ["Budget shared (£)", option_set.budget],
        ["Today's allocations (£)", comparison.current_total],
        ["Today's allocations are", option_set.baseline],
        ["Need indicators", ", ".join(option_set.indicators) or "none"],
    ]
    return ("About", ["About these figures", ""], rows)


def comparison_xlsx(comparison: Comparison) -> bytes:
    headers, rows = inputs_table(comparison.option_set, comparison.areas)
    return xlsx_sheets(
        [
            measures_sheet(comparison),
            allocations_sheet(comparison),
            glide_path_sheet(comparison),
            ("Areas (inputs)", headers, rows),
            about_sheet(comparison),
        ]
    )


def inputs_csv(option_set: OptionSet, areas: list[OptionArea]) -> str:
    headers, rows = inputs_table(option_set, areas)
    return csv_text(headers, rows)
