"""python manage.py export_360giving --format json|xlsx|csv --out FILE [--all] [--programme SLUG] [--year 2022-23]"""

from __future__ import annotations

import io
import json

import openpyxl
import pytest
from django.core.management import CommandError, call_command

from tests.opendata.conftest import PREFIX
from vcsgrants.opendata import schema, services

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = io.StringIO()
    call_command("export_360giving", *args, stdout=out)
    return out.getvalue()


def test_by_default_only_published_grants_are_exported(scene, tmp_path):
    with pytest.raises(CommandError, match="Nothing is published yet"):
        run("--format", "json", "--out", str(tmp_path / "none.json"))
    services.grants_publish(programme=scene.programme, year=scene.fy2022, actor=scene.officer, agreement_ids=[scene.a.pk])
    out = tmp_path / "published.json"
    assert "Wrote 1 published grants" in run("--format", "json", "--out", str(out))
    package = json.loads(out.read_text())
    assert [g["id"] for g in package["grants"]] == [f"{PREFIX}-SLA-T-001-2022-23"]
    assert schema.package_errors(package) == []


def test_all_exports_every_publishable_grant_as_it_stands(scene, tmp_path):
    out = tmp_path / "all.xlsx"
    assert "Wrote 5 publishable grants" in run("--format", "xlsx", "--out", str(out), "--all")
    ids = [r[0] for r in openpyxl.load_workbook(out)["grants"].iter_rows(min_row=2, values_only=True)]
    assert len(ids) == 5 and not any("SLA-T-004" in i for i in ids)  # never the draft
    csv_out = tmp_path / "2023.csv"
    run("--format", "csv", "--out", str(csv_out), "--all", "--programme", "test-infra", "--year", "2023-24")
    lines = csv_out.read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("Identifier,") and len(lines) == 4


def test_bad_arguments_are_refused_clearly(scene, tmp_path):
    with pytest.raises(CommandError, match="No programme with the slug 'nope'"):
        run("--format", "json", "--out", str(tmp_path / "x.json"), "--programme", "nope")
    with pytest.raises(CommandError, match="'2023' is not a financial year"):
        run("--format", "json", "--out", str(tmp_path / "x.json"), "--year", "2023")
