"""Reads for equity options: the engine's inputs from the stored option set, and the comparison of its options.

Nothing here writes. `comparison(option_set)` is the one place the pages, the XLSX export, the API and
the Cabinet report get their figures from, so they always agree.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from vcsgrants.core.money import to_pence
from vcsgrants.equity.engine import AreaInput, AreaResult, InfeasibleOption, InvalidInput, OptionResult, OptionSpec, appraise
from vcsgrants.equity.engine import appraise_all as engine_appraise_all
from vcsgrants.equity.models import Option, OptionArea, OptionSet

METHOD_NAMES = {
    "current": "current levels",
    "equal": "equal shares",
    "per_head": "per head",
    "needs": "needs-weighted",
}


def engine_areas(areas: list[OptionArea]) -> list[AreaInput]:
    return [
        AreaInput(
            area_id=a.code,
            name=a.name,
            population=a.population,
            current_pence=to_pence(a.current),
            indicators={name: Decimal(value) for name, value in a.indicators.items()},
        )
        for a in areas
    ]


def option_spec(option: Option) -> OptionSpec:
    return OptionSpec(
        label=option.label,
        blend={method: Decimal(share) for method, share in option.blend.items()},
        weights={name: Decimal(weight) for name, weight in option.weights.items()},
        core_pence=to_pence(option.core),
        floor_pence=None if option.floor is None else to_pence(option.floor),
        floor_share_of_current=option.floor_share,
        ceiling_pence=None if option.ceiling is None else to_pence(option.ceiling),
        damping=option.damping,
        years=option.years,
    )


def _percent(fraction: Decimal) -> str:
    """0.1 → '10', 0.125 → '12.5'."""
    return f"{(Decimal(fraction) * 100).quantize(Decimal('0.01')).normalize():f}"


def describe_option(option: Option) -> str:
    """The option in words: 'needs-weighted (imd 100%); floor £40,000.00; damping ±5% a year over 3 years'."""
    parts = []
    methods = [(METHOD_NAMES.get(m, m), Decimal(s)) for m, s in option.blend.items() if Decimal(s) > 0]
    if len(methods) == 1:
        parts.append(methods[0][0])
    else:
        parts.append(" + ".join(f"{_percent(share)}% {name}" for name, share in methods))
    if "needs" in option.blend and option.weights:
        total = sum((Decimal(w) for w in option.weights.values()), Decimal(0)) or Decimal(1)
        weights = ", ".join(f"{name} {_percent(Decimal(w) / total)}%" for name, w in option.weights.items() if Decimal(w))
        parts[0] += f" (needs: {weights})"
    if option.core:
        parts.append(f"core £{option.core:,} per area")
    if option.floor is not None:
        parts.append(f"floor £{option.floor:,}")
    if option.floor_share is not None:
        parts.append(f"floor {_percent(option.floor_share)}% of current")
    if option.ceiling is not None:
        parts.append(f"ceiling £{option.ceiling:,}")
    if option.damping is not None:
        parts.append(f"change limited to ±{_percent(option.damping)}% a year")
    if option.years > 1:
        parts.append(f"glide path over {option.years} years")
    return "; ".join(parts)


@dataclass(frozen=True)
class OptionColumn:
    option: Option
    description: str
    result: OptionResult | None
    error: str | None


@dataclass(frozen=True)
class AreaRow:
    area: OptionArea
    cells: list[AreaResult | None]  # one per option column, None where the option could not be computed

    @property
    def today_per_head(self) -> Decimal:
        return (self.area.current / self.area.population).quantize(Decimal("0.0001"))


@dataclass(frozen=True)
class Comparison:
    option_set: OptionSet
    areas: list[OptionArea]
    columns: list[OptionColumn]

    def rows_up_to(self, limit: int | None = None) -> list[AreaRow]:
        """Areas with each option's result, in input order; the engine builds a result only when it is read."""
        areas = self.areas if limit is None else self.areas[:limit]
        return [
            AreaRow(area=a, cells=[c.result.areas[i] if c.result is not None else None for c in self.columns])
            for i, a in enumerate(areas)
        ]

    @property
    def rows(self) -> list[AreaRow]:
        return self.rows_up_to()

    @property
    def budget_pence(self) -> int:
        return to_pence(self.option_set.budget)

    @property
    def current_total(self) -> Decimal:
        return sum((a.current for a in self.areas), Decimal("0.00"))

    @property
    def population_total(self) -> int:
        return sum(a.population for a in self.areas)


def appraise_options(areas: list[AreaInput], budget_pence: int, options: list[Option]) -> list[OptionColumn]:
    """Run every option; one that fails (its inputs changed since it was checked) shows its reason instead."""
    specs = [option_spec(o) for o in options]
    try:
        results: list[OptionResult | None] = list(engine_appraise_all(areas, budget_pence, specs))
        errors: list[str | None] = [None] * len(options)
    except (InfeasibleOption, InvalidInput):
        results, errors = [], []
        for spec in specs:
            try:
                results.append(appraise(areas, budget_pence, spec))
                errors.append(None)
            except (InfeasibleOption, InvalidInput) as exc:
                results.append(None)
                errors.append(str(exc))
    return [
        OptionColumn(option=o, description=describe_option(o), result=r, error=e)
        for o, r, e in zip(options, results, errors, strict=True)
    ]


def comparison(option_set: OptionSet) -> Comparison:
    areas = list(option_set.areas.select_related("area"))
    options = list(option_set.options.select_related("adopted_by", "adopted_decision"))
    columns = appraise_options(engine_areas(areas), to_pence(option_set.budget), options) if areas else []
    return Comparison(option_set=option_set, areas=areas, columns=columns)
