"""Compare allocation options on an AREAS.csv from the command line, as the pages do (for analysts).

    python manage.py equity_compare areas.csv --budget 250000 --json
    python manage.py equity_compare areas.csv --budget 250000 --method needs --weights imd=0.7,rurality=0.3 \\
        --floor 90% --damping 5 --years 5
"""

from __future__ import annotations

import json
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from vcsgrants.core.money import from_pence, to_pence
from vcsgrants.equity.areas_csv import AreasCsvError, parse_areas_csv
from vcsgrants.equity.engine import METHODS, InfeasibleOption, InvalidInput, OptionSpec, appraise_all

HUNDRED = Decimal(100)


def _decimal(text: str, what: str) -> Decimal:
    try:
        value = Decimal(text.strip().rstrip("%").replace(",", "").lstrip("£"))
    except InvalidOperation:
        raise CommandError(f"{what}: {text!r} is not a number.") from None
    if value < 0:
        raise CommandError(f"{what}: {text!r} is negative.")
    return value


def _pence(text: str | None, what: str) -> int | None:
    if text is None:
        return None
    try:
        return to_pence(_decimal(text, what))
    except ValueError as exc:
        raise CommandError(f"{what}: {exc}") from None


def _mapping(text: str | None, what: str) -> dict[str, Decimal]:
    """'imd=0.5,rurality=0.5' → {"imd": Decimal("0.5"), "rurality": Decimal("0.5")}."""
    if not text:
        return {}
    result = {}
    for part in text.split(","):
        name, sep, value = part.partition("=")
        if not sep or not name.strip():
            raise CommandError(f"{what}: write name=value pairs separated by commas, such as imd=0.5,rurality=0.5.")
        result[name.strip()] = _decimal(value, f"{what} {name.strip()}")
    return result


class Command(BaseCommand):
    help = "Compare allocation options (current levels, equal shares, per head, needs-weighted, blends) on an AREAS.csv."

    def add_arguments(self, parser):
        parser.add_argument("areas", help="CSV with area_id, name, population, current (pounds) and any indicator columns")
        parser.add_argument("--budget", required=True, help="The budget to share, in pounds (e.g. 250000)")
        parser.add_argument(
            "--method",
            nargs="+",
            choices=METHODS,
            default=None,
            help="One option per method (default: all four). Use --blend for a mix.",
        )
        parser.add_argument("--blend", help="One more option mixing methods, e.g. per_head=0.5,needs=0.5")
        parser.add_argument("--weights", help="Need indicator weights for needs-weighted shares, e.g. imd=0.5,rurality=0.5")
        parser.add_argument("--core", help="Fixed core sum per area before the formula share, in pounds")
        parser.add_argument("--floor", help="Minimum per area: pounds (40000) or a share of today's level (90%%)")
        parser.add_argument("--ceiling", help="Maximum per area, in pounds")
        parser.add_argument("--damping", help="Largest change against the year before, in percent (5 means ±5%%)")
        parser.add_argument("--years", type=int, default=1, help="Years of the glide path (default 1)")
        parser.add_argument("--json", action="store_true", help="Print JSON instead of a table")

    def handle(self, *args, **options):
        path = Path(options["areas"])
        try:
            text = path.read_text(encoding="utf-8-sig")
        except FileNotFoundError:
            raise CommandError(f"{path}: no such file.") from None
        except UnicodeDecodeError:
            raise CommandError(f"{path}: not UTF-8 text; save it as CSV UTF-8.") from None
        try:
            areas = parse_areas_csv(text, filename=path.name)
        except AreasCsvError as exc:
            raise CommandError("\n".join([f"{path.name} was refused:", *exc.problems])) from None
        budget = _pence(options["budget"], "--budget")
        if options["years"] < 1:
            raise CommandError("--years must be 1 or more.")
        weights = _mapping(options["weights"], "--weights")
        floor = options["floor"]
        constraints = {
            "weights": weights,
            "core_pence": _pence(options["core"], "--core") or 0,
            "floor_pence": None if floor is None or floor.strip().endswith("%") else _pence(floor, "--floor"),
            "floor_share_of_current": _decimal(floor, "--floor") / HUNDRED if floor and floor.strip().endswith("%") else None,
            "ceiling_pence": _pence(options["ceiling"], "--ceiling"),
            "damping": None if options["damping"] is None else _decimal(options["damping"], "--damping") / HUNDRED,
            "years": options["years"],
        }
        methods = options["method"] or ([] if options["blend"] else list(METHODS))
        if "needs" in methods and not weights:
            indicators = sorted(areas[0].indicators) if areas else []
            if len(indicators) != 1:
                raise CommandError("Give --weights for the needs-weighted method, e.g. --weights imd=0.5,rurality=0.5.")
            constraints["weights"] = {indicators[0]: Decimal(1)}
        specs = [OptionSpec(label=m, blend={m: Decimal(1)}, **constraints) for m in methods]
        if options["blend"]:
            specs.append(OptionSpec(label="blend", blend=_mapping(options["blend"], "--blend"), **constraints))
        try:
            results = appraise_all(areas, budget, specs)
        except (InfeasibleOption, InvalidInput) as exc:
            raise CommandError(str(exc)) from None
        if options["json"]:
            self.stdout.write(
                json.dumps({"budget": str(from_pence(budget)), "options": [r.to_json() for r in results]}, indent=2)
            )
            return
        for result in results:
            m = result.measures
            self.stdout.write(self.style.MIGRATE_HEADING(f"{result.label}"))
            self.stdout.write(f"{'area':<14}{'name':<28}{'allocation':>14}{'per head':>10}{'change':>14}")
            for a in result.areas:
                self.stdout.write(
                    f"{a.area_id:<14}{a.name[:27]:<28}{from_pence(a.allocation_pence):>14,}{a.per_head:>10.2f}"
                    f"{from_pence(a.change_pence):>14,}"
                )
            self.stdout.write(
                f"Gini {m.gini:.4f}  Theil {m.theil:.4f}  Atkinson(0.5) {m.atkinson_05:.4f}  Atkinson(1) {m.atkinson_1:.4f}  "
                f"CV {m.cv:.4f}  max/min {m.max_min_ratio if m.max_min_ratio is None else round(m.max_min_ratio, 3)}  "
                f"money from target £{from_pence(m.money_from_target_pence):,}\n"
            )
