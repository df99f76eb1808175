"""Benchmark: the equity appraisal of five options over 33,755 areas beside a bare numpy needs-weighted target.

33,755 is the number of Lower-layer Super Output Areas (LSOAs) in England. The areas are synthetic (a seeded
numpy generator): populations 1,000-3,000, an IMD-like score (skewed, 0.5-90), a rurality score (0-1, most
areas urban) and today's allocations scattered around the per-head level. The budget is £452,228 scaled up
by 1,000 (£452,228,000) so that areas get a few thousand pounds each rather than pennies.

(a) ours: ``appraise_all`` for five options — current levels, per head, needs (imd 0.7, rurality 0.3), a
    50/50 blend of per head and needs with a floor, and needs with ±5% damping and a five-year glide path —
    from the list of AreaInput objects to the five OptionResults: checking and preparing the areas,
    shares, targets, bounds, the solve, largest-remainder rounding of every year, the equity measures and
    the per-area arrays (AreaResult objects are built when read, so not timed here; reading them all is
    timed separately below, as is ``to_json``).
(b) the lower bound: the needs-weighted target alone in plain numpy from ready-made arrays — normalise the
    two indicators by their population-weighted means, weight them, multiply by population, divide by the
    total, times the budget — with no checks, no rounding, no constraints and no measures.

    .venv/bin/python bench/bench_equity.py [--areas 33755] [--runs 7]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from vcsgrants.equity.engine import AreaInput, OptionSpec, PreparedAreas, appraise_all  # noqa: E402

BUDGET_PENCE = 452_228 * 100 * 1_000


def synthetic_areas(n: int, seed: int = 20220401) -> tuple[list[AreaInput], dict[str, np.ndarray]]:
    rng = np.random.default_rng(seed)
    population = rng.integers(1_000, 3_001, size=n)
    imd = np.round(np.clip(rng.lognormal(mean=2.8, sigma=0.6, size=n), 0.5, 90.0), 3)
    rurality = np.round(np.clip(rng.beta(0.6, 2.0, size=n), 0.0, 1.0), 3)
    per_head = BUDGET_PENCE / population.sum()
    current = np.round(population * per_head * rng.uniform(0.7, 1.3, size=n)).astype(np.int64)
    areas = [
        AreaInput(
            area_id=f"E01{i:06d}",
            name=f"Synthetic LSOA {i}",
            population=int(population[i]),
            current_pence=int(current[i]),
            indicators={"imd": Decimal(f"{imd[i]:.3f}"), "rurality": Decimal(f"{rurality[i]:.3f}")},
        )
        for i in range(n)
    ]
    arrays = {"population": population.astype(np.float64), "imd": imd, "rurality": rurality}
    return areas, arrays


def options(floor_pence: int) -> list[OptionSpec]:
    needs = {"imd": Decimal("0.7"), "rurality": Decimal("0.3")}
    return [
        OptionSpec(label="Current levels", blend={"current": Decimal(1)}),
        OptionSpec(label="Per head", blend={"per_head": Decimal(1)}),
        OptionSpec(label="Needs (imd 70%, rurality 30%)", blend={"needs": Decimal(1)}, weights=needs),
        OptionSpec(
            label="50% per head + 50% needs, floor",
            blend={"per_head": Decimal("0.5"), "needs": Decimal("0.5")},
            weights=needs,
            floor_pence=floor_pence,
        ),
        OptionSpec(
            label="Needs, ±5% damping, 5-year glide path",
            blend={"needs": Decimal(1)},
            weights=needs,
            damping=Decimal("0.05"),
            years=5,
        ),
    ]


def bare_needs_target(arrays: dict[str, np.ndarray], budget: float) -> np.ndarray:
    pop = arrays["population"]
    total = pop.sum()
    imd = arrays["imd"]
    rur = arrays["rurality"]
    # (a * b).sum() rather than np.dot: np.dot hands the work to a multi-threaded BLAS whose start-up costs
    # milliseconds on a busy machine, which would make the lower bound anything but a lower bound.
    index = 0.7 * imd / ((pop * imd).sum() / total) + 0.3 * rur / ((pop * rur).sum() / total)
    weighted = pop * index
    return weighted / weighted.sum() * budget


def median_time(fn, runs: int) -> tuple[float, object]:
    times = []
    result = None
    for _ in range(runs):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--areas", type=int, default=33_755)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()

    areas, arrays = synthetic_areas(args.areas)
    floor = int(BUDGET_PENCE / args.areas * 0.8)  # 80% of the average area's share
    specs = options(floor)

    appraise_all(areas, BUDGET_PENCE, specs)  # warm up
    ours, results = median_time(lambda: appraise_all(areas, BUDGET_PENCE, specs), args.runs)
    bare, _ = median_time(lambda: bare_needs_target(arrays, float(BUDGET_PENCE)), max(args.runs, 51))
    prepare, prepared = median_time(lambda: PreparedAreas(areas), args.runs)
    per_option = []
    for spec in specs:
        t, _ = median_time(lambda spec=spec: prepared.appraise(BUDGET_PENCE, spec), args.runs)
        per_option.append((spec.label, t))
    read_areas, _ = median_time(lambda: [list(r.areas) for r in appraise_all(areas, BUDGET_PENCE, specs)], 3)
    to_json, _ = median_time(lambda: [r.to_json() for r in results], 3)

    for r in results:
        total = sum(r.areas.allocation_pence)
        if total != BUDGET_PENCE or any(sum(year) != BUDGET_PENCE for year in r.glide_path):
            raise SystemExit(f"{r.label}: the allocations do not sum to the budget")

    print(f"Equity appraisal: {args.areas:,} areas, budget £{BUDGET_PENCE // 100:,}, 5 options, median of {args.runs} runs")
    print(f"  (a) appraise_all, five options, measures and rounding : {ours * 1000:8.1f} ms")
    print(f"  (b) bare numpy needs-weighted target (lower bound)     : {bare * 1000:8.2f} ms")
    print(f"  ratio (a)/(b)                                           : {ours / bare:8.0f}x")
    print(f"      of which preparing the areas (checks, arrays)      : {prepare * 1000:8.1f} ms")
    for label, t in per_option:
        print(f"      {label:<50} : {t * 1000:8.1f} ms")
    print(f"  appraise_all then reading all 5 x {args.areas:,} AreaResults : {read_areas * 1000:8.1f} ms")
    print(f"  to_json of the five results                            : {to_json * 1000:8.1f} ms")
    for r in results:
        m = r.measures
        print(
            f"  {r.label:<40} gini {m.gini:.4f}  theil {m.theil:.4f}  A(0.5) {m.atkinson_05:.4f}  A(1) {m.atkinson_1:.4f}"
            f"  cv {m.cv:.4f}  max/min {m.max_min_ratio or float('nan'):.2f}  reaches target in {r.reaches_target_in}"
        )


if __name__ == "__main__":
    main()
