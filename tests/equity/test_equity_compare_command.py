"""`manage.py equity_compare AREAS.csv --budget … --json`: the engine's results for analysts."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command


@pytest.fixture
def areas_csv(tmp_path) -> Path:
    """Derbyshire's eight districts with the demo's illustrative current allocations."""
    current = [58120, 44350, 52940, 41275, 54610, 47380, 50115, 49890]
    path = tmp_path / "areas.csv"
    with (settings.BASE_DIR / "data" / "derbyshire_districts.csv").open(encoding="utf-8") as source:
        rows = list(csv.DictReader(source))
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["area_id", "name", "population", "current", "imd"])
        for row, amount in zip(rows, current, strict=True):
            writer.writerow([row["gss_code"], row["name"], row["population"], amount, row["imd2019_avg_score"]])
    return path


def run(*args) -> str:
    out = io.StringIO()
    call_command("equity_compare", *args, stdout=out)
    return out.getvalue()


def test_json_gives_every_method_with_pounds_that_sum_to_the_budget(areas_csv):
    data = json.loads(run(str(areas_csv), "--budget", "398680", "--json"))
    assert [o["method"] for o in data["options"]] == ["current", "equal", "per_head", "needs"]
    for option in data["options"]:
        assert sum(Decimal(a["allocation"]) for a in option["areas"]) == Decimal("398680.00")
        assert all(len(a["allocation"].split(".")[1]) == 2 for a in option["areas"])
        assert set(option["areas"][0]) >= {"area_id", "allocation", "per_head", "change", "distance_from_target"}
        assert set(option["measures"]) >= {
            "gini",
            "theil",
            "atkinson_0.5",
            "atkinson_1",
            "cv",
            "max_min_ratio",
            "money_from_target",
        }
    equal = data["options"][1]
    assert {a["allocation"] for a in equal["areas"]} == {"49835.00"}
    per_head = data["options"][2]
    assert per_head["measures"]["gini"] == pytest.approx(0, abs=1e-6)


def test_constraints_apply_and_a_blend_is_one_more_option(areas_csv):
    data = json.loads(
        run(
            str(areas_csv),
            "--budget",
            "398680",
            "--method",
            "needs",
            "--weights",
            "imd=1",
            "--blend",
            "per_head=0.5,needs=0.5",
            "--floor",
            "95%",
            "--damping",
            "5",
            "--years",
            "4",
            "--json",
        )
    )
    assert [o["method"] for o in data["options"]][0] == "needs"
    assert len(data["options"]) == 2
    for option in data["options"]:
        assert len(option["glide_path"]) == 4
        for area in option["areas"]:
            # ±5% damping, and no less than 95% of today.
            assert abs(Decimal(area["change"])) <= Decimal(area["current"]) * Decimal("0.05") + Decimal("0.01")


def test_a_bad_file_is_refused_naming_row_and_column(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("area_id,name,population,current\nA,Alpha,100,10\nB,Beta,-3,10\n", encoding="utf-8")
    with pytest.raises(CommandError, match="Row 3"):
        run(str(path), "--budget", "20", "--json")


def test_an_infeasible_floor_is_refused_with_the_reason(areas_csv):
    with pytest.raises(CommandError, match="floor"):
        run(str(areas_csv), "--budget", "100000", "--method", "equal", "--floor", "50000", "--json")


def test_the_table_output_names_every_area(areas_csv):
    text = run(str(areas_csv), "--budget", "398680", "--method", "per_head")
    assert "Amber Valley" in text and "Gini" in text
