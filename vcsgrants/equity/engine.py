"""The equity-of-provision appraisal engine: allocation options for a budget shared across areas.

Pure Python and numpy, no Django. Given areas (population, today's allocation, need indicators), a budget in
pence and an option (a method or a blend of methods, need weights, a core sum, floors, a ceiling, damping and
a glide path), it returns each area's target and allocation in whole pence summing exactly to the budget, the
glide path year by year, and the equity measures of the allocation.

How it works, in short (docs/rules/equity.md says it at length):

1. Shares. ``current``: today's allocations; ``equal``: 1/n each; ``per_head``: population; ``needs``:
   population x need index, the need index being the weighted sum of the indicators each divided by its
   population-weighted mean (so the index averages 1 over the population). A blend mixes the shares.
2. Target. ``core + (budget - n x core) x share``, apportioned to whole pence by largest remainder.
3. Bounds. lower_i = max(floor, floor share x current, current x (1 - damping)); upper_i = min(ceiling,
   current x (1 + damping)), rounded inward to whole pence. Damping binds only areas with more than nothing
   today: ±x% of nothing would lock a new area out for ever, and damping it from a small first-year amount
   would only let it crawl in; instead it moves in step with everyone else (lambda x its target, step 4).
4. Allocation. ``clip(lambda x target_i, lower_i, upper_i)`` with lambda solved from the sorted breakpoints so
   that the allocations sum to the budget: money freed or needed by the clamped areas is shared among the
   others in proportion to their targets. Then whole pence by largest remainder, inside the bounds.
5. Glide path: year k + 1 is steps 3-4 with year k's allocation in place of today's for the damping band
   (floors, the floor share of *today's* level and the ceiling stay as they are).

Every computation runs on the areas sorted by ``area_id``, so the results do not depend on the order in which
areas are given, and ties in rounding go to the smaller ``area_id``. Targets and allocations are rounded from exact integer
arithmetic (``exact_targets``, ``exact_allocation``), so the tie rule holds at any budget.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from math import lcm
from operator import itemgetter
from typing import overload

import numpy as np

from vcsgrants.equity.measures import Measures, compute_measures

__all__ = [
    "METHODS",
    "METHOD_LABELS",
    "AreaInput",
    "AreaResult",
    "AreaResults",
    "InfeasibleOption",
    "InvalidInput",
    "Measures",
    "OptionResult",
    "OptionSpec",
    "PreparedAreas",
    "appraise",
    "appraise_all",
    "apportion_pence",
    "describe_spec",
    "format_gbp",
    "pounds",
]

METHODS = ("current", "equal", "per_head", "needs")
METHOD_LABELS = {"current": "Current levels", "equal": "Equal shares", "per_head": "Per head", "needs": "Needs-weighted"}

# Budgets up to £1 trillion: keeps every scaled integer in this module well inside int64.
MAX_BUDGET_PENCE = 10**14
MAX_POPULATION = 10**10
_NO_LIMIT = np.iinfo(np.int64).max
# In the floating-point fallback and apportion_pence (quotas given as floats) remainders are compared to a
# millionth of a penny: closer than that is a tie, broken by area_id, so that
# floating-point dust never decides who gets a penny.
_REMAINDER_SCALE = 1_000_000


class InvalidInput(ValueError):
    """The areas or the option are malformed (negative population, unknown indicator, unknown method...)."""


class InfeasibleOption(ValueError):
    """The option's constraints cannot all be met within the budget; the message says why, in pounds."""

    option_index: int | None = None
    option_label: str | None = None


# --------------------------------------------------------------------------------------------- inputs


@dataclass(frozen=True)
class AreaInput:
    area_id: str
    name: str
    population: int
    current_pence: int
    indicators: Mapping[str, Decimal] = field(default_factory=dict)


def _one_current() -> dict[str, Decimal]:
    return {"current": Decimal(1)}


@dataclass(frozen=True)
class OptionSpec:
    label: str = ""
    blend: Mapping[str, Decimal] = field(default_factory=_one_current)
    weights: Mapping[str, Decimal] = field(default_factory=dict)
    core_pence: int = 0
    floor_pence: int | None = None
    floor_share_of_current: Decimal | None = None
    ceiling_pence: int | None = None
    damping: Decimal | None = None
    years: int = 1


# --------------------------------------------------------------------------------------------- money


def pounds(pence: int) -> str:
    """Whole pence as a plain pounds string with two decimals: 123456 -> '1234.56', -5 -> '-0.05'."""
    pence = int(pence)
    sign = "-" if pence < 0 else ""
    whole, part = divmod(abs(pence), 100)
    return f"{sign}{whole}.{part:02d}"


def format_gbp(pence: int) -> str:
    """Whole pence for people: 48000000 -> '£480,000.00'."""
    pence = int(pence)
    sign = "-" if pence < 0 else ""
    whole, part = divmod(abs(pence), 100)
    return f"{sign}£{whole:,}.{part:02d}"


def _percent(fraction: Decimal) -> str:
    value = (fraction * 100).quantize(Decimal("0.01")).normalize()
    return f"{value:f}%"


# --------------------------------------------------------------------------------------------- results


@dataclass(frozen=True, slots=True)
class AreaResult:
    area_id: str
    name: str
    population: int
    current_pence: int
    target_pence: int
    allocation_pence: int
    per_head: Decimal
    per_need: Decimal | None
    change_pence: int
    change_pct: Decimal | None
    distance_from_target: Decimal | None
    need_index: Decimal | None


def _dec(scaled: int, exponent: int) -> Decimal:
    return Decimal(scaled).scaleb(exponent)


_DIGITS: dict[int, list[str]] = {}


def _fixed(values: np.ndarray, places: int) -> list[str]:
    """Scaled integers as fixed-point strings, vectorised: (12345, 4) -> '1.2345'; (-5, 2) -> '-0.05'."""
    digits = _DIGITS.get(places)
    if digits is None:
        digits = _DIGITS[places] = [f"{i:0{places}d}" for i in range(10**places)]
    scale = 10**places
    magnitude = np.abs(values)
    return [
        ("-" if negative else "") + str(whole) + "." + digits[part]
        for negative, whole, part in zip(
            (values < 0).tolist(), (magnitude // scale).tolist(), (magnitude % scale).tolist(), strict=True
        )
    ]


@dataclass(frozen=True)
class _OptionArrays:
    """One option's per-area figures in the input order, as arrays; AreaResult objects are built on demand."""

    ids: Sequence[str]
    names: Sequence[str]
    population: np.ndarray
    current: np.ndarray
    target: np.ndarray
    allocation: np.ndarray
    per_head_e4: np.ndarray  # pounds per head x 10^4, rounded half away from zero
    per_need_e4: np.ndarray | None  # pounds per unit of weighted population x 10^4; -1 where undefined
    change_pct_e2: np.ndarray  # percent x 10^2; meaningless where current is 0
    distance_e4: np.ndarray  # fraction x 10^4; meaningless where target is 0
    need_index_e4: np.ndarray | None

    def area(self, i: int) -> AreaResult:
        current = int(self.current[i])
        target = int(self.target[i])
        allocation = int(self.allocation[i])
        per_need = None
        need_index = None
        if self.need_index_e4 is not None:
            need_index = _dec(int(self.need_index_e4[i]), -4)
            if self.per_need_e4[i] >= 0:
                per_need = _dec(int(self.per_need_e4[i]), -4)
        return AreaResult(
            area_id=self.ids[i],
            name=self.names[i],
            population=int(self.population[i]),
            current_pence=current,
            target_pence=target,
            allocation_pence=allocation,
            per_head=_dec(int(self.per_head_e4[i]), -4),
            per_need=per_need,
            change_pence=allocation - current,
            change_pct=_dec(int(self.change_pct_e2[i]), -2) if current else None,
            distance_from_target=_dec(int(self.distance_e4[i]), -4) if target else None,
            need_index=need_index,
        )

    def all_areas(self) -> list[AreaResult]:
        """Every AreaResult at once, from whole columns (several times faster than one by one)."""
        n = len(self.ids)
        current = self.current.tolist()
        target = self.target.tolist()
        allocation = self.allocation.tolist()
        per_head = [Decimal(v).scaleb(-4) for v in self.per_head_e4.tolist()]
        change_pct = [Decimal(v).scaleb(-2) if c else None for v, c in zip(self.change_pct_e2.tolist(), current, strict=True)]
        distance = [Decimal(v).scaleb(-4) if t else None for v, t in zip(self.distance_e4.tolist(), target, strict=True)]
        if self.need_index_e4 is not None:
            need_index = [Decimal(v).scaleb(-4) for v in self.need_index_e4.tolist()]
            per_need = [Decimal(v).scaleb(-4) if v >= 0 else None for v in self.per_need_e4.tolist()]
        else:
            need_index = per_need = [None] * n
        return [
            AreaResult(*row)
            for row in zip(
                self.ids,
                self.names,
                self.population.tolist(),
                current,
                target,
                allocation,
                per_head,
                per_need,
                (self.allocation - self.current).tolist(),
                change_pct,
                distance,
                need_index,
                strict=True,
            )
        ]


class AreaResults(Sequence):
    """The per-area results of an option, in the input order: a read-only list-like sequence.

    Indexing, slicing, ``len``, iteration and ``==`` behave as for a list of :class:`AreaResult`. The
    AreaResult objects are built when first read — all at once on iteration, singly on indexing — because
    for 33,755 areas x five options building them costs more than the appraisal itself.
    ``list(result.areas)`` gives a real list.
    """

    __slots__ = ("_data", "_all", "_some")

    def __init__(self, data: _OptionArrays):
        self._data = data
        self._all: list[AreaResult] | None = None
        self._some: dict[int, AreaResult] = {}

    def _list(self) -> list[AreaResult]:
        if self._all is None:
            self._all = self._data.all_areas()
            self._some = {}
        return self._all

    def __len__(self) -> int:
        return len(self._data.ids)

    @overload
    def __getitem__(self, index: int) -> AreaResult: ...

    @overload
    def __getitem__(self, index: slice) -> list[AreaResult]: ...

    def __getitem__(self, index):
        if isinstance(index, slice):
            return self._list()[index]
        if self._all is not None:
            return self._all[index]
        n = len(self)
        index = int(index)
        if index < 0:
            index += n
        if not 0 <= index < n:
            raise IndexError("area index out of range")
        item = self._some.get(index)
        if item is None:
            item = self._some[index] = self._data.area(index)
        return item

    def __iter__(self) -> Iterator[AreaResult]:
        return iter(self._list())

    def __eq__(self, other) -> bool:
        if isinstance(other, AreaResults | list | tuple):
            return self._list() == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"AreaResults({len(self)} areas)"

    # Whole columns straight from the arrays, in the input order (no AreaResult objects).
    @property
    def area_ids(self) -> list[str]:
        return list(self._data.ids)

    @property
    def allocation_pence(self) -> list[int]:
        return self._data.allocation.tolist()

    @property
    def target_pence(self) -> list[int]:
        return self._data.target.tolist()

    def by_id(self) -> dict[str, AreaResult]:
        return {a.area_id: a for a in self}


@dataclass(frozen=True)
class OptionResult:
    spec: OptionSpec
    label: str
    areas: AreaResults
    measures: Measures
    glide_path: list[list[int]]
    reaches_target_in: int | None
    budget_pence: int = 0
    method: str = ""
    need_index_used: bool = False

    def to_json(self) -> dict:
        data = self.areas._data
        current = data.current.tolist()
        target = data.target.tolist()
        areas = [
            {
                "area_id": area_id,
                "name": name,
                "allocation": allocation,
                "per_head": per_head,
                "change": change,
                "change_pct": pct if cur else None,
                "distance_from_target": dist if tgt else None,
                "current": cur_s,
                "target": tgt_s,
            }
            for area_id, name, allocation, per_head, change, pct, dist, cur, tgt, cur_s, tgt_s in zip(
                data.ids,
                data.names,
                _fixed(data.allocation, 2),
                _fixed(data.per_head_e4, 4),
                _fixed(data.allocation - data.current, 2),
                _fixed(data.change_pct_e2, 2),
                _fixed(data.distance_e4, 4),
                current,
                target,
                _fixed(data.current, 2),
                _fixed(data.target, 2),
                strict=True,
            )
        ]
        return {
            "method": self.method,
            "label": self.label,
            "budget": pounds(self.budget_pence),
            "spec": _spec_json(self.spec),
            "areas": areas,
            "measures": self.measures.to_json(),
            "glide_path": [_fixed(np.asarray(year, dtype=np.int64), 2) for year in self.glide_path],
            "reaches_target_in": self.reaches_target_in,
        }


def _spec_json(spec: OptionSpec) -> dict:
    return {
        "blend": {m: str(s) for m, s in spec.blend.items()},
        "weights": {k: str(w) for k, w in spec.weights.items()},
        "core": pounds(spec.core_pence) if spec.core_pence else None,
        "floor": pounds(spec.floor_pence) if spec.floor_pence is not None else None,
        "floor_share_of_current": str(spec.floor_share_of_current) if spec.floor_share_of_current is not None else None,
        "ceiling": pounds(spec.ceiling_pence) if spec.ceiling_pence is not None else None,
        "damping": str(spec.damping) if spec.damping is not None else None,
        "years": spec.years,
    }


# --------------------------------------------------------------------------------------------- validation


def _decimal(value, what: str) -> Decimal:
    if isinstance(value, bool):
        raise InvalidInput(f"{what} must be a number, not {value!r}.")
    try:
        d = value if isinstance(value, Decimal) else Decimal(str(value)) if isinstance(value, float) else Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        raise InvalidInput(f"{what} must be a number, not {value!r}.") from None
    if not d.is_finite():
        raise InvalidInput(f"{what} must be a finite number, not {value!r}.")
    return d


def _whole(value, what: str, *, minimum: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise InvalidInput(f"{what} must be a whole number of pence, not {value!r}.")
    value = int(value)
    if value < minimum:
        raise InvalidInput(f"{what} must be at least {minimum}, not {value}.")
    return value


@dataclass(frozen=True)
class _Spec:
    """An OptionSpec checked and normalised."""

    blend: tuple[tuple[str, Decimal], ...]  # methods in METHODS order with share > 0, shares sum to 1
    weights: tuple[tuple[str, Decimal], ...]  # indicator names sorted, normalised to sum 1, zero weights dropped
    core: int
    floor: int | None
    floor_share: Decimal | None
    ceiling: int | None
    damping: Decimal | None
    years: int
    blend_exact: tuple[tuple[str, Fraction], ...] = ()  # the same shares as exact fractions summing to exactly 1
    weights_exact: tuple[tuple[str, Fraction], ...] = ()  # the same weights as exact fractions


def _check_spec(spec: OptionSpec, indicator_names: Sequence[str]) -> _Spec:
    if not isinstance(spec, OptionSpec):
        raise InvalidInput(f"An option must be an OptionSpec, not {type(spec).__name__}.")
    if not spec.blend:
        raise InvalidInput("The option has no method: give at least one of " + ", ".join(METHODS) + ".")
    blend: dict[str, Decimal] = {}
    for method, share in spec.blend.items():
        if method not in METHODS:
            raise InvalidInput(f"Unknown method '{method}': the methods are " + ", ".join(METHODS) + ".")
        share = _decimal(share, f"The share of '{method}'")
        if share < 0:
            raise InvalidInput(f"The share of '{method}' is negative ({share}); shares must be 0 or more.")
        blend[method] = share
    total = sum(blend.values(), Decimal(0))
    if abs(total - 1) > Decimal("1e-9"):
        raise InvalidInput(f"The method shares add up to {total}, not 1.")
    blend_items = tuple((m, blend[m] / total) for m in METHODS if blend.get(m, 0) > 0)

    weights: dict[str, Decimal] = {}
    for name, weight in spec.weights.items():
        if name not in indicator_names:
            known = ", ".join(indicator_names) if indicator_names else "none"
            raise InvalidInput(f"Unknown indicator '{name}' in the weights: the areas' indicators are {known}.")
        weight = _decimal(weight, f"The weight of '{name}'")
        if weight < 0:
            raise InvalidInput(f"The weight of '{name}' is negative ({weight}); weights must be 0 or more.")
        weights[name] = weight
    wsum = sum(weights.values(), Decimal(0))
    if "needs" in blend and blend["needs"] > 0:
        if not weights:
            raise InvalidInput("The needs-weighted method needs weights for at least one indicator.")
        if wsum == 0:
            raise InvalidInput("The indicator weights are all zero: give at least one a weight above zero.")
    elif weights and wsum == 0:
        raise InvalidInput("The indicator weights are all zero: give at least one a weight above zero.")
    weight_items = tuple((k, weights[k] / wsum) for k in sorted(weights) if weights[k] > 0) if wsum else ()

    core = _whole(spec.core_pence, "The core sum")
    floor = None if spec.floor_pence is None else _whole(spec.floor_pence, "The floor")
    ceiling = None if spec.ceiling_pence is None else _whole(spec.ceiling_pence, "The ceiling")
    floor_share = None
    if spec.floor_share_of_current is not None:
        floor_share = _decimal(spec.floor_share_of_current, "The floor as a share of current")
        if floor_share < 0:
            raise InvalidInput(f"The floor as a share of current is negative ({floor_share}).")
    damping = None
    if spec.damping is not None:
        damping = _decimal(spec.damping, "The damping")
        if damping < 0:
            raise InvalidInput(f"The damping is negative ({damping}); give the largest change allowed, e.g. 0.05 for ±5%.")
    if isinstance(spec.years, bool) or not isinstance(spec.years, int | np.integer) or not 1 <= spec.years <= 100:
        raise InvalidInput(f"The glide path must last 1 to 100 years, not {spec.years!r}.")
    if floor is not None and ceiling is not None and floor > ceiling:
        raise InfeasibleOption(f"The floor of {format_gbp(floor)} is above the ceiling of {format_gbp(ceiling)}.")
    blend_exact = tuple((m, Fraction(blend[m]) / Fraction(total)) for m in METHODS if blend.get(m, 0) > 0)
    weights_exact = tuple((k, Fraction(weights[k]) / Fraction(wsum)) for k in sorted(weights) if weights[k] > 0) if wsum else ()
    return _Spec(
        blend_items, weight_items, core, floor, floor_share, ceiling, damping, int(spec.years), blend_exact, weights_exact
    )


def describe_spec(spec: OptionSpec) -> str:
    """A plain-English name for an option, e.g. 'Needs-weighted (imd 70%, rurality 30%); floor £40,000.00'."""
    weights = {k: _decimal(w, f"The weight of '{k}'") for k, w in spec.weights.items()}
    wsum = sum(weights.values(), Decimal(0))
    shares = {m: _decimal(s, f"The share of '{m}'") for m, s in spec.blend.items()}
    blend = [(m, shares[m]) for m in METHODS if shares.get(m, 0) > 0]
    parts = []
    for method, share in blend:
        text = METHOD_LABELS[method]
        if method == "needs" and wsum > 0:
            text += " (" + ", ".join(f"{k} {_percent(w / wsum)}" for k, w in sorted(weights.items()) if w > 0) + ")"
        if len(blend) > 1:
            text = f"{_percent(share)} {text}"
        parts.append(text)
    name = " + ".join(parts) or "No method"
    extras = []
    if spec.core_pence:
        extras.append(f"core {format_gbp(spec.core_pence)}")
    if spec.floor_pence is not None:
        extras.append(f"floor {format_gbp(spec.floor_pence)}")
    if spec.floor_share_of_current is not None:
        extras.append(f"floor {_percent(_decimal(spec.floor_share_of_current, 'floor'))} of current")
    if spec.ceiling_pence is not None:
        extras.append(f"ceiling {format_gbp(spec.ceiling_pence)}")
    if spec.damping is not None:
        extras.append(f"damping ±{_percent(_decimal(spec.damping, 'damping'))} a year")
    if spec.years and spec.years > 1:
        extras.append(f"{spec.years}-year glide path")
    return "; ".join([name, *extras])


def _method_key(spec: _Spec) -> str:
    return "+".join(m for m, _ in spec.blend)


# --------------------------------------------------------------------------------------------- rounding


def _largest_remainder(total: int, x: np.ndarray, lower: np.ndarray | None = None, upper: np.ndarray | None = None) -> np.ndarray:
    """Whole numbers summing to ``total``, each the floor or ceiling of ``x`` (kept inside integer bounds).

    ``x`` is in canonical (area_id) order, so position is the tie-break: among equal remainders the smaller
    area_id gets the extra penny first (and, should pennies have to be taken back, loses one last).
    ``x`` should sum to ``total`` up to floating-point error; if it does not, whole pennies are added to (or
    taken from) areas in the same priority order, as many rounds as needed, always inside the bounds.
    """
    n = x.shape[0]
    nearest = np.rint(x)
    tol = np.maximum(1e-6, 64 * np.spacing(np.abs(x)))
    x = np.where(np.abs(x - nearest) <= tol, nearest, x)  # 41.99999999 is 42
    base_f = np.floor(x)
    key = np.rint((x - base_f) * _REMAINDER_SCALE).astype(np.int64)
    base = base_f.astype(np.int64)
    if lower is not None:
        np.maximum(base, lower, out=base)
    if upper is not None:
        np.minimum(base, upper, out=base)
    priority = key * n + (n - 1 - np.arange(n, dtype=np.int64))  # bigger first; ties: smaller position first
    deficit = total - int(base.sum())
    while deficit:
        if deficit > 0:
            cand = np.flatnonzero(base < upper) if upper is not None else np.arange(n)
            if cand.size == 0:
                raise AssertionError("no room left to place a penny")  # pragma: no cover - guarded by feasibility
            k = min(deficit, cand.size)
            if k < cand.size:
                cand = cand[np.argpartition(-priority[cand], k - 1)[:k]]
            base[cand] += 1
            deficit -= k
        else:
            floor_at = lower if lower is not None else 0
            cand = np.flatnonzero(base > floor_at)
            if cand.size == 0:
                raise AssertionError("no penny left to take")  # pragma: no cover
            k = min(-deficit, cand.size)
            if k < cand.size:
                cand = cand[np.argpartition(priority[cand], k - 1)[:k]]
            base[cand] -= 1
            deficit += k
    return base


def apportion_pence(total_pence: int, quotas, ids: Sequence[str]) -> np.ndarray:
    """Share ``total_pence`` into whole pence by the largest remainder (Hamilton) method.

    Each area gets the whole part of its quota; the pennies left go one each to the areas with the largest
    fractional remainders. Equal remainders (to a millionth of a penny) are broken by ``area_id``, the
    smaller id first, so the result does not depend on the order of the areas. Quotas that do not add up to
    the total are first scaled so that they do. Returns int64 pence in the order given.
    """
    total = _whole(total_pence, "The total")
    q = np.asarray(quotas, dtype=np.float64)
    if q.ndim != 1 or q.shape[0] != len(ids):
        raise InvalidInput("There must be one quota per area id.")
    if q.size == 0:
        if total:
            raise InvalidInput("There are no areas to share the total among.")
        return np.zeros(0, dtype=np.int64)
    if not np.all(np.isfinite(q)) or np.any(q < 0):
        raise InvalidInput("Quotas must be finite and 0 or more.")
    id_array = np.asarray(list(ids), dtype=str)
    order = np.argsort(id_array, kind="stable")
    sorted_ids = id_array[order]
    if sorted_ids.size > 1 and np.any(sorted_ids[1:] == sorted_ids[:-1]):
        raise InvalidInput("Area ids must be unique.")
    qs = q[order]
    s = float(qs.sum())
    if abs(s - total) > 1e-9 * max(total, 1):
        if s == 0:
            raise InvalidInput("The quotas are all zero, so there is nothing to share the total by.")
        qs = qs * (total / s)
    result = np.empty(q.shape[0], dtype=np.int64)
    result[order] = _largest_remainder(total, qs)
    return result


def _ratio(value) -> tuple[int, int]:
    """An indicator's exact value as (numerator, denominator): Decimal, int, float (its binary value) or text."""
    if isinstance(value, str):
        value = Decimal(value)
    return value.as_integer_ratio()


def _round_exact(total: int, nums: Sequence[int], den: int) -> np.ndarray:
    """Whole numbers summing to ``total``, each the floor or ceiling of ``nums[i] / den`` (exact: Python integers).

    ``sum(nums)`` must be ``total x den``. The pennies left after the floors go to the largest remainders, compared
    exactly; equal remainders go by position, which is canonical (area_id) order: the documented tie rule, at any
    budget, with no floating point anywhere.
    """
    n = len(nums)
    floors = [num // den for num in nums]
    left = total - sum(floors)
    if not 0 <= left <= n:
        raise AssertionError("the exact amounts do not add up to the total")  # pragma: no cover
    result = np.array(floors, dtype=np.int64)
    if left:
        # The largest remainders; nlargest is stable, so equal remainders go to the earlier position.
        rems = [num - f * den for num, f in zip(nums, floors, strict=True)]
        result[heapq.nlargest(left, range(n), key=rems.__getitem__)] += 1
    return result


def _ratio_bound(values: np.ndarray, ratio: Decimal, *, up: bool) -> np.ndarray:
    """ceil (``up``) or floor of ``values x ratio``, exactly, for non-negative int64 values."""
    if ratio < 0:
        return np.zeros_like(values)
    num, den = ratio.as_integer_ratio()
    if values.size == 0:
        return values.copy()
    if int(values.max()) * num < 2**62:
        prod = values * np.int64(num)
        return -((-prod) // den) if up else prod // den
    out = [-((-int(v) * num) // den) if up else (int(v) * num) // den for v in values.tolist()]  # pragma: no cover
    return np.array(out, dtype=np.int64)  # pragma: no cover


# --------------------------------------------------------------------------------------------- the solve


_NEWTON_STEPS = 60


def _solve_lambda_newton(need: float, tp: np.ndarray, lp: np.ndarray, hp: np.ndarray) -> float | None:
    """lambda with sum clip(lambda t, l, u) = need by safeguarded Newton steps, or None if it does not settle.

    S is piecewise linear, so a Newton step from inside the right piece lands exactly on the root; steps
    that would leave the bracket [lo, hi] known to hold the root are replaced by bisection.
    """
    tol = max(1e-6, 64 * float(np.spacing(need)))
    lam, lo, hi = 1.0, 0.0, np.inf
    for _ in range(_NEWTON_STEPS):
        y = lam * tp
        value = float(np.clip(y, lp, hp).sum())
        if abs(value - need) <= tol:
            return lam
        if value < need:
            lo = lam
        else:
            hi = lam
        g = float(tp[(y >= lp) & (y < hp)].sum()) if value < need else float(tp[(y > lp) & (y <= hp)].sum())
        step = lam + (need - value) / g if g > 0 else None
        if step is not None and lo < step < hi:
            lam = step
        elif np.isinf(hi):
            lam = lam * 2 + 1
        else:
            lam = (lo + hi) / 2
    return None


def _solve_lambda_sorted(need: float, tp: np.ndarray, lp: np.ndarray, hp: np.ndarray) -> float:
    """lambda with sum clip(lambda t, l, u) = need from the sorted breakpoints (exact, O(n log n))."""
    finite = np.isfinite(hp)
    tb, hb = tp[finite], hp[finite]
    points = np.concatenate((lp / tp, hb / tb))
    d_lower = np.concatenate((lp, np.zeros(tb.size)))
    d_slope = np.concatenate((tp, -tb))
    d_upper = np.concatenate((np.zeros(tp.size), hb))
    order = np.argsort(points)
    points = points[order]
    slope = np.cumsum(d_slope[order])  # slope of S just after each breakpoint
    # At a tie, the order of events does not change S: at lambda = a_i area i is worth l_i either way,
    # at lambda = b_i it is worth u_i either way.
    values = (float(lp.sum()) - np.cumsum(d_lower[order])) + points * slope + np.cumsum(d_upper[order])
    reached = values >= need
    if reached.any():
        k = int(reached.argmax())
        if k == 0:
            return float(points[0])
        p0, p1, g = float(points[k - 1]), float(points[k]), float(slope[k - 1])
        return p1 if g <= 0 else min(max(p0 + (need - float(values[k - 1])) / g, p0), p1)
    g = float(slope[-1])  # areas with no upper bound keep growing after the last breakpoint
    return float(points[-1]) + (need - float(values[-1])) / g if g > 0 else np.inf


def _solve(total: int, t: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> np.ndarray:
    """Real x_i = clip(lambda t_i, lower_i, upper_i) summing to ``total`` (the bounds must allow it).

    S(lambda) = sum clip(lambda t_i, l_i, u_i) is piecewise linear and non-decreasing, with breakpoints
    a_i = l_i / t_i (where area i starts to grow) and b_i = u_i / t_i (where it stops). lambda is found by
    safeguarded Newton steps (a handful of vectorised passes); should they not settle, one sort of all the
    breakpoints with running sums of the changes they make gives S at every breakpoint and the segment
    where it crosses the total. Areas with a zero target stay at their lower bound unless the areas with a
    positive target are all at their upper bounds and money is left: then that money goes to the
    zero-target areas in proportion to their headroom (equally among those without an upper bound).
    """
    lo = lower.astype(np.float64)
    unbounded = upper == _NO_LIMIT
    hi = np.where(unbounded, np.inf, upper.astype(np.float64))
    pos = t > 0
    tp = t[pos]
    lp, hp = lo[pos], hi[pos]
    need = total - float(lo[~pos].sum())  # zero-target areas sit at their lower bounds
    x = lo.copy()
    if tp.size:
        all_full = not np.isinf(hp).any() and float(hp.sum()) <= need
        lam = np.inf if all_full else _solve_lambda_newton(need, tp, lp, hp)
        if lam is None:
            lam = _solve_lambda_sorted(need, tp, lp, hp)
        if np.isfinite(lam):
            x[pos] = np.clip(lam * tp, lp, hp)
        else:
            x[pos] = hp
    left = total - float(x.sum())
    if left > 0.5 and np.any(~pos):
        # Positive-target areas are full: the rest goes to the zero-target areas.
        zero = np.flatnonzero(~pos)
        free = zero[unbounded[zero]]
        if free.size:
            x[free] += left / free.size
        else:
            room = hi[zero] - lo[zero]
            if room.sum() > 0:
                x[zero] += left * room / room.sum()
    return x


# --------------------------------------------------------------------------------------------- prepared areas


def _round_half_away(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """num / den rounded to the nearest integer, halves away from zero; den > 0 (ints)."""
    q = (2 * np.abs(num) + den) // (2 * den)
    return np.where(num < 0, -q, q)


def _float_e4(values: np.ndarray) -> np.ndarray:
    scaled = values * 10_000.0
    return (np.sign(scaled) * np.floor(np.abs(scaled) + 0.5)).astype(np.int64)


class PreparedAreas:
    """Areas checked and turned into arrays once, for appraising any number of options.

    Internally everything is held sorted by ``area_id`` ("canonical order"); results are mapped back to the
    order the areas were given in.
    """

    def __init__(self, areas: Sequence[AreaInput]):
        areas = list(areas)
        n = len(areas)
        if n == 0:
            raise InvalidInput("There are no areas to share the budget among.")
        ids = [a.area_id for a in areas]
        names = [a.name for a in areas]
        pops = [a.population for a in areas]
        currents = [a.current_pence for a in areas]
        dicts = [a.indicators for a in areas]
        # Fast check of the common case; the per-area loop below only runs to word the problems.
        if not (
            set(map(type, ids)) <= {str}
            and set(map(type, pops)) <= {int}
            and set(map(type, currents)) <= {int}
            and min(pops) >= 1
            and min(currents) >= 0
            and min(map(len, map(str.strip, ids))) > 0
            and max(pops) <= MAX_POPULATION
            and max(currents) <= MAX_BUDGET_PENCE
        ):
            self._raise_area_problems(ids, pops, currents)
        id_array = np.asarray(ids, dtype=str)
        order = np.argsort(id_array, kind="stable")
        sorted_ids = id_array[order]
        if n > 1:
            dup = np.flatnonzero(sorted_ids[1:] == sorted_ids[:-1])
            if dup.size:
                raise InvalidInput(f"The area id {sorted_ids[dup[0]]!r} appears more than once; area ids must be unique.")
        names0 = dicts[0].keys()
        indicator_names = tuple(sorted(names0))
        # Same number of indicators everywhere, and each one found in every area (a KeyError otherwise): that is
        # the same set of names everywhere, checked without comparing every area's keys.
        if set(map(len, dicts)) != {len(names0)}:
            self._raise_indicator_mismatch(ids, dicts, indicator_names)
        matrix = np.empty((n, len(indicator_names)), dtype=np.float64)
        for j, key in enumerate(indicator_names):
            try:
                matrix[:, j] = np.fromiter(map(float, map(itemgetter(key), dicts)), dtype=np.float64, count=n)
            except KeyError:
                self._raise_indicator_mismatch(ids, dicts, indicator_names)
            except (TypeError, ValueError, InvalidOperation):
                raise InvalidInput(f"The indicator '{key}' must be a number for every area.") from None
            col = matrix[:, j]
            bad = np.flatnonzero(~np.isfinite(col) | (col < 0))
            if bad.size:
                i = int(bad[0])
                raise InvalidInput(f"Area {ids[i]!r}: the indicator '{key}' is {dicts[i][key]}; indicators must be 0 or more.")

        self.n = n
        self.input_ids = ids
        self.input_names = names
        self.order = order  # canonical position -> input position
        self.inverse = np.empty(n, dtype=np.int64)
        self.inverse[order] = np.arange(n)  # input position -> canonical position
        self.indicator_names = indicator_names
        self.population = np.fromiter(pops, dtype=np.int64, count=n)[order]
        self.current = np.fromiter(currents, dtype=np.int64, count=n)[order]
        self.pop_f = self.population.astype(np.float64)
        self.total_population = int(self.population.sum())
        self.total_current = int(self.current.sum())
        self.indicators = matrix[order]
        self._raw_indicators = [dicts[i] for i in order.tolist()]  # exact values, canonical order
        self._need_cache: dict[tuple, np.ndarray] = {}
        self._exact_cache: dict[tuple, list[int]] = {}
        self._id_list = sorted_ids.tolist()

    @staticmethod
    def _raise_indicator_mismatch(ids, dicts, indicator_names) -> None:
        expected = set(indicator_names)
        for area_id, d in zip(ids, dicts, strict=True):
            if set(d) != expected:
                raise InvalidInput(
                    f"Area {area_id!r} has the indicators {sorted(d)} but the first area has "
                    f"{list(indicator_names)}; every area must have the same indicators."
                )
        raise AssertionError("indicator names differ but no area shows it")  # pragma: no cover

    @staticmethod
    def _raise_area_problems(ids, pops, currents) -> None:
        problems: list[str] = []
        for i, (area_id, pop, cur) in enumerate(zip(ids, pops, currents, strict=True)):
            label = f"Area {i + 1} ({area_id!r})"
            if not isinstance(area_id, str) or not area_id.strip():
                problems.append(f"Area {i + 1}: the area id must be a non-empty string.")
            if isinstance(pop, bool) or not isinstance(pop, int | np.integer) or not 1 <= pop <= MAX_POPULATION:
                problems.append(f"{label}: the population must be a whole number from 1 to {MAX_POPULATION:,}, not {pop!r}.")
            if isinstance(cur, bool) or not isinstance(cur, int | np.integer) or not 0 <= cur <= MAX_BUDGET_PENCE:
                problems.append(
                    f"{label}: today's allocation must be a whole number of pence from 0 to {MAX_BUDGET_PENCE:,}, not {cur!r}."
                )
            if len(problems) >= 20:
                break
        if problems:
            raise InvalidInput(" ".join(problems))

    def canonical_ids(self) -> list[str]:
        return list(self._id_list)

    # -- need ---------------------------------------------------------------------------------------
    def need_index(self, weights: tuple[tuple[str, Decimal], ...]) -> np.ndarray:
        """Need index per area (canonical order): sum_k w_k x_k / (population-weighted mean of x_k)."""
        cached = self._need_cache.get(weights)
        if cached is not None:
            return cached
        index = np.zeros(self.n, dtype=np.float64)
        for key, weight in weights:
            col = self.indicators[:, self.indicator_names.index(key)]
            weighted_total = float((self.pop_f * col).sum())
            if weighted_total <= 0:
                raise InvalidInput(
                    f"The indicator '{key}' is 0 for every area, so it cannot be normalised; "
                    "give it no weight or correct the figures."
                )
            # x / mean with mean = weighted_total / total population
            index += float(weight) * (col * (self.total_population / weighted_total))
        self._need_cache[weights] = index
        return index

    def _exact_column(self, key: str) -> list[int]:
        """The indicator's values as integers on one scale (value_i = c_i / scale for a common scale), exactly."""
        ratios = [_ratio(d[key]) for d in self._raw_indicators]
        scale = lcm(*{den for _, den in ratios})
        return [num * (scale // den) for num, den in ratios]

    def exact_weights(self, method: str, weights: tuple[tuple[str, Fraction], ...]) -> list[int]:
        """A method's weight per area (canonical order) as integers, exactly proportional to what ``shares`` uses:
        current pence, 1, population, or population x need index (the need index scaled by a common integer)."""
        key = (method, weights if method == "needs" else ())
        cached = self._exact_cache.get(key)
        if cached is not None:
            return cached
        pops = self.population.tolist()
        if method == "current":
            result = self.current.tolist()
        elif method == "equal":
            result = [1] * self.n
        elif method == "per_head":
            result = pops
        else:
            # need_i = sum_k a_k x_ik / (population-weighted mean of x_k); the factor total population is common to
            # every area and drops out of the shares, so pop_i x need_i is proportional to
            # pop_i x sum_k a_k c_ik / C_k with C_k = sum_i pop_i c_ik, and L = lcm(a_k's denominator x C_k) clears it.
            columns, parts = [], []
            for name, weight in weights:
                column = self._exact_column(name)
                total = sum(p * c for p, c in zip(pops, column, strict=True))
                columns.append(column)
                parts.append((weight, total))
            common = lcm(*(w.denominator * total for w, total in parts))
            multipliers = [w.numerator * (common // (w.denominator * total)) for w, total in parts]
            result = [0] * self.n
            for column, m in zip(columns, multipliers, strict=True):
                result = [r + c * m for r, c in zip(result, column, strict=True)]
            result = [p * r for p, r in zip(pops, result, strict=True)]
        self._exact_cache[key] = result
        return result

    def exact_targets(self, formula: int, spec: _Spec) -> tuple[list[int], int]:
        """formula x blended share per area as numerators over one denominator, exactly (Python integers)."""
        methods = [(self.exact_weights(m, spec.weights_exact), share) for m, share in spec.blend_exact]
        sums = [sum(w) for w, _ in methods]
        den = lcm(*(share.denominator * total for (_, share), total in zip(methods, sums, strict=True)))
        nums = [0] * self.n
        for (w, share), total in zip(methods, sums, strict=True):
            factor = formula * share.numerator * (den // (share.denominator * total))
            nums = [x + factor * wi for x, wi in zip(nums, w, strict=True)]
        return nums, den

    def exact_allocation(
        self, budget: int, target_nums: list[int], den: int, core: int, x: np.ndarray, lower: np.ndarray, upper: np.ndarray
    ) -> np.ndarray | None:
        """The constrained allocation rounded exactly, given the real solution ``x`` of the solve.

        ``x`` says which areas sit at a limit; lambda is then recomputed exactly from them (the money the free areas
        share over their exact targets) and every area's amount is a fraction over one denominator, so the pennies
        follow the tie rule at any budget. None when the areas at their limits are not consistent with the exact
        lambda (or money went to zero-target areas): the caller then rounds ``x`` as it stands."""
        n = self.n
        at_lower = x <= lower
        at_upper = ~at_lower & (upper != _NO_LIMIT) & (x >= upper)
        free = ~(at_lower | at_upper)
        targets = [core * den + t for t in target_nums]
        free_list = free.tolist()
        shared = sum(t for t, f in zip(targets, free_list, strict=True) if f)
        if shared <= 0:
            return None
        if np.any(at_lower & (x != lower)):  # money given to zero-target areas above their lower limits
            return None  # pragma: no cover - only when every area with a target is full
        lo, hi = lower.tolist(), upper.tolist()
        rest = budget - sum(lower[at_lower].tolist()) - sum(upper[at_upper].tolist())
        lam_t = [rest * t for t in targets]  # lambda x target_i, times ``shared``
        nums = [0] * n
        lower_list = at_lower.tolist()
        for i in range(n):
            if free_list[i]:
                if lam_t[i] < lo[i] * shared or (hi[i] != _NO_LIMIT and lam_t[i] > hi[i] * shared):
                    return None
                nums[i] = lam_t[i]
            elif lower_list[i]:
                if lam_t[i] > lo[i] * shared:
                    return None
                nums[i] = lo[i] * shared
            else:
                if lam_t[i] < hi[i] * shared:
                    return None
                nums[i] = hi[i] * shared
        return _round_exact(budget, nums, shared)

    # -- one option ---------------------------------------------------------------------------------
    def shares(self, spec: _Spec) -> tuple[list[tuple[float, np.ndarray]], np.ndarray | None]:
        """(blend share, weight vector) per method, and the need index if the option has weights."""
        need = self.need_index(spec.weights) if spec.weights else None
        parts = []
        for method, share in spec.blend:
            if method == "current":
                if self.total_current == 0:
                    raise InvalidInput(
                        "Every area's current allocation is £0.00, so there are no current levels to scale to the budget."
                    )
                w = self.current.astype(np.float64)
            elif method == "equal":
                w = np.ones(self.n, dtype=np.float64)
            elif method == "per_head":
                w = self.pop_f
            else:
                w = self.pop_f * need
            parts.append((float(share), w))
        return parts, need

    def appraise(self, budget_pence: int, spec: OptionSpec) -> OptionResult:
        budget = _whole(budget_pence, "The budget", minimum=1)
        if budget > MAX_BUDGET_PENCE:
            raise InvalidInput(f"The budget of {format_gbp(budget)} is too large (at most {format_gbp(MAX_BUDGET_PENCE)}).")
        s = _check_spec(spec, self.indicator_names)
        n = self.n
        if s.core * n > budget:
            raise InfeasibleOption(
                f"The core sums add up to {format_gbp(s.core * n)} ({n} areas × {format_gbp(s.core)}), "
                f"more than the budget of {format_gbp(budget)}."
            )
        formula = budget - s.core * n
        parts, need = self.shares(s)
        # Target as reals: core + formula x blended share; each method's amount is formula x w / sum(w),
        # multiplied before dividing so that e.g. current levels equal to the budget come back exactly.
        t = np.zeros(n, dtype=np.float64)
        for share, w in parts:
            t += share * (w * formula / float(w.sum()))
        target_nums, den = self.exact_targets(formula, s)
        target = _round_exact(formula, target_nums, den) + s.core
        t = t + s.core

        floor_lower = np.zeros(n, dtype=np.int64)
        if s.floor is not None:
            floor_lower[:] = s.floor
        share_lower = _ratio_bound(self.current, s.floor_share, up=True) if s.floor_share is not None else None
        if share_lower is not None:
            np.maximum(floor_lower, share_lower, out=floor_lower)
        ceiling = np.full(n, _NO_LIMIT if s.ceiling is None else s.ceiling, dtype=np.int64)

        years: list[np.ndarray] = []
        prev = self.current
        for year in range(s.years):
            lower, upper = floor_lower, ceiling
            if s.damping is not None:
                live = self.current > 0  # areas with nothing today are never damped (see the module docstring)
                lower = np.where(live, np.maximum(floor_lower, _ratio_bound(prev, 1 - s.damping, up=True)), floor_lower)
                upper = np.where(live, np.minimum(ceiling, _ratio_bound(prev, 1 + s.damping, up=False)), ceiling)
            if year == 0:
                self._check_feasible(budget, s, lower, upper, floor_lower, share_lower, ceiling)
            if np.all(target >= lower) and np.all(target <= upper):
                alloc = target.copy()  # no constraint binds: the allocation is the target itself
            else:
                x = _solve(budget, t, lower, upper)
                alloc = self.exact_allocation(budget, target_nums, den, s.core, x, lower, upper)
                if alloc is None:
                    alloc = _largest_remainder(budget, x, lower, upper)
            years.append(alloc)
            if s.damping is None:
                years.extend(alloc for _ in range(s.years - 1))
                break
            prev = alloc

        reaches = None
        for k, alloc in enumerate(years, start=1):
            if int(np.abs(alloc - target).max()) <= 1:
                reaches = k
                break
        alloc = years[0]
        measures = compute_measures(alloc, self.population, target, self.current)
        inv = self.inverse
        arrays = self._arrays(alloc, target, need)
        glide = np.stack(years)[:, inv].tolist()
        label = spec.label or describe_spec(spec)
        return OptionResult(
            spec=spec,
            label=label,
            areas=AreaResults(arrays),
            measures=measures,
            glide_path=glide,
            reaches_target_in=reaches,
            budget_pence=budget,
            method=_method_key(s),
            need_index_used=need is not None,
        )

    def _arrays(self, alloc: np.ndarray, target: np.ndarray, need: np.ndarray | None) -> _OptionArrays:
        inv = self.inverse
        pop = self.population
        cur = self.current
        per_head = _round_half_away(alloc * 100, pop)  # pounds x 10^4 = pence x 100
        change = alloc - cur
        pct = _round_half_away(change * 10_000, np.where(cur > 0, cur, 1))  # percent x 100
        dist = _round_half_away((alloc - target) * 10_000, np.where(target > 0, target, 1))
        per_need = need_e4 = None
        if need is not None:
            weighted = self.pop_f * need
            with np.errstate(divide="ignore", invalid="ignore"):
                pn = np.where(weighted > 0, alloc / np.where(weighted > 0, weighted, 1.0) / 100.0, -1.0)
            per_need = np.where(weighted > 0, _float_e4(pn), -1)[inv]
            need_e4 = _float_e4(need)[inv]
        return _OptionArrays(
            ids=self.input_ids,
            names=self.input_names,
            population=pop[inv],
            current=cur[inv],
            target=target[inv],
            allocation=alloc[inv],
            per_head_e4=per_head[inv],
            per_need_e4=per_need,
            change_pct_e2=pct[inv],
            distance_e4=dist[inv],
            need_index_e4=need_e4,
        )

    def _check_feasible(self, budget, s: _Spec, lower, upper, floor_lower, share_lower, ceiling) -> None:
        """Refuse bounds that cannot hold, saying which and by how much, in pounds."""
        bad = np.flatnonzero(lower > upper)
        if bad.size:
            ids = self._id_list
            lines = []
            for i in bad[:5].tolist():
                name = self.input_names[int(self.order[i])]
                who = f"{name} ({ids[i]})" if name and name != ids[i] else ids[i]
                lines.append(
                    f"{who}: its minimum of {format_gbp(lower[i])} ({self._lower_reason(i, s, lower, share_lower)}) "
                    f"is above its maximum of {format_gbp(upper[i])} ({self._upper_reason(i, s, upper, ceiling)})"
                )
            more = f"; and {bad.size - 5} more" if bad.size > 5 else ""
            count = "1 area cannot" if bad.size == 1 else f"{bad.size} areas cannot"
            raise InfeasibleOption(f"{count} meet both limits: " + "; ".join(lines) + more + ".")
        total_lower = int(lower.sum())
        if total_lower > budget:
            has_floor = s.floor is not None or s.floor_share is not None
            if s.damping is not None and bool(np.any(lower > floor_lower)):
                keep = _percent(1 - s.damping)
                what = (
                    f"The floors and the damping limit (each area keeps at least {keep} of its current level) add up to"
                    if has_floor
                    else f"With damping of ±{_percent(s.damping)}, every area keeps at least {keep} of its current level: "
                    "those minimums add up to"
                )
            else:
                what = "The floors add up to"
            raise InfeasibleOption(
                f"{what} {format_gbp(total_lower)}, more than the budget of {format_gbp(budget)} "
                f"(by {format_gbp(total_lower - budget)})."
            )
        if not np.any(upper == _NO_LIMIT):
            total_upper = int(upper.sum())
            if total_upper < budget:
                if s.damping is not None and bool(np.any(upper < ceiling)):
                    rise = _percent(1 + s.damping)
                    what = (
                        f"The ceiling and the damping limit (no area gets more than {rise} of its current level) add up to"
                        if s.ceiling is not None
                        else f"With damping of ±{_percent(s.damping)}, no area gets more than {rise} of its current level: "
                        "those maximums add up to"
                    )
                else:
                    what = "The ceilings add up to"
                raise InfeasibleOption(
                    f"{what} {format_gbp(total_upper)}, less than the budget of {format_gbp(budget)} "
                    f"(by {format_gbp(budget - total_upper)})."
                )

    def _lower_reason(self, i: int, s: _Spec, lower, share_lower) -> str:
        cur = int(self.current[i])
        if s.floor is not None and lower[i] == s.floor:
            return "the floor"
        if share_lower is not None and lower[i] == share_lower[i]:
            return f"the floor of {_percent(s.floor_share)} of its current {format_gbp(cur)}"
        if s.damping is not None:
            return f"damping: its current {format_gbp(cur)} less {_percent(s.damping)}"
        return "the floor"  # pragma: no cover

    def _upper_reason(self, i: int, s: _Spec, upper, ceiling) -> str:
        if s.ceiling is not None and upper[i] == s.ceiling:
            return "the ceiling"
        return f"damping: its current {format_gbp(int(self.current[i]))} plus {_percent(s.damping)}"


# --------------------------------------------------------------------------------------------- entry points


def appraise(areas: Sequence[AreaInput] | PreparedAreas, budget_pence: int, spec: OptionSpec) -> OptionResult:
    """Appraise one option: targets, allocations, glide path and measures (see the module docstring)."""
    prepared = areas if isinstance(areas, PreparedAreas) else PreparedAreas(areas)
    return prepared.appraise(budget_pence, spec)


def appraise_all(
    areas: Sequence[AreaInput] | PreparedAreas, budget_pence: int, specs: Sequence[OptionSpec]
) -> list[OptionResult]:
    """Appraise several options over the same areas and budget, preparing the areas once.

    Raises the first option's InfeasibleOption / InvalidInput, with ``option_index`` (0-based) and
    ``option_label`` set on the exception; use :class:`PreparedAreas` to appraise options one by one.
    """
    prepared = areas if isinstance(areas, PreparedAreas) else PreparedAreas(areas)
    results = []
    for index, spec in enumerate(specs):
        try:
            results.append(prepared.appraise(budget_pence, spec))
        except (InfeasibleOption, InvalidInput) as exc:
            exc.option_index = index
            exc.option_label = spec.label or _safe_describe(spec)
            raise
    return results


def _safe_describe(spec: OptionSpec) -> str:
    try:
        return describe_spec(spec)
    except (InvalidInput, KeyError, TypeError):
        return "the option"
