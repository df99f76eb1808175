"""manage.py load_areas: only a name is needed; code, kind, population and the council's own need indicators are
optional; areas are matched by code, else by name; every bad cell is named by file, row and column, and nothing is
written unless the whole file is right."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tests.factories import AreaFactory
from vcsgrants.core.models import Area, AreaIndicator, CouncilSettings

pytestmark = pytest.mark.django_db


def load(path, *args) -> str:
    out = io.StringIO()
    call_command("load_areas", str(path), *args, stdout=out)
    return out.getvalue()


def test_names_alone_make_areas_and_a_whole_area_named_after_the_council(tmp_path):
    settings = CouncilSettings.objects.get_or_create(pk=1)[0]
    settings.council_name, settings.area_word_plural = "Northshire Council", "community areas"
    settings.save()
    path = tmp_path / "cnas.csv"
    path.write_text("name\nRiverside\nHillside\n\n", encoding="utf-8")
    out = load(path)
    assert "Loaded 2 community areas" in out
    assert sorted(Area.objects.filter(kind=Area.Kind.DISTRICT).values_list("name", flat=True)) == ["Hillside", "Riverside"]
    assert Area.objects.get(kind=Area.Kind.COUNTY).name == "Northshire Council"
    assert not Area.objects.exclude(gss_code=None).exists()


def test_indicator_columns_named_by_the_council_and_unknown_columns_listed(tmp_path):
    path = tmp_path / "areas.csv"
    path.write_text(
        "code,name,population,IMD,notes\nE07000901,North,1000,21.5,x\n,South,2000,10,y\n",
        encoding="utf-8",
    )
    out = load(path, "--indicator", "IMD 2019 average score=IMD", "--whole-area-name", "Northshire")
    indicator = AreaIndicator.objects.get(name="IMD 2019 average score")
    assert indicator.key == "imd_2019_average_score" and indicator.higher_is_more_need
    assert Area.objects.get(name="North").indicator_value(indicator.key) == Decimal("21.5")
    assert Area.objects.get(name="South").gss_code is None
    assert "New indicator 'IMD 2019 average score'" in out and "Columns not read: notes" in out
    # A column headed with an existing indicator's short name is read without --indicator.
    path.write_text("name,imd_2019_average_score\nSouth,12\n", encoding="utf-8")
    load(path)
    assert Area.objects.get(name="South").indicator_value(indicator.key) == Decimal("12")
    assert Area.objects.get(name="South").population == 2000  # no population column: kept


def test_an_area_is_updated_by_code_else_by_name(tmp_path):
    coded = AreaFactory(name="Old Name", gss_code="E07000901")
    named = Area.objects.create(name="Riverside")
    path = tmp_path / "areas.csv"
    path.write_text("gss_code,name,population\nE07000901,New Name,5\n,riverside,7\n", encoding="utf-8")
    load(path)
    coded.refresh_from_db()
    named.refresh_from_db()
    assert (coded.name, coded.population) == ("New Name", 5)
    assert (named.name, named.population) == ("riverside", 7)
    assert Area.objects.filter(kind=Area.Kind.DISTRICT).count() == 2


def test_every_bad_cell_is_named_and_nothing_is_written(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text(
        "code,name,kind,population,score\n"
        "E07000901,Fine,,100,1\n"
        "CNA1,Bad code,,100,1\n"
        "E07000903,Bad population,,lots,1\n"
        "E07000904,Bad kind,parish,100,1\n"
        "E07000905,Bad score,,100,high\n"
        ",,,,\n"
        ",,,5,1\n"
        "E07000906,fine,,100,1\n",
        encoding="utf-8",
    )
    with pytest.raises(CommandError) as refused:
        load(path, "--indicator", "score=score")
    message = str(refused.value)
    for expected in [
        "bad.csv, row 3, column code: 'CNA1' is not valid",
        "bad.csv, row 4, column population: 'lots' is not a whole number",
        "bad.csv, row 5, column kind: 'parish' is not a kind of area",
        "bad.csv, row 6, column score: 'high' is not a number",
        "bad.csv, row 8, column name: the name is missing",
        "bad.csv, row 9, column name: 'fine' is also on row 2",
    ]:
        assert expected in message
    assert not Area.objects.exists() and not AreaIndicator.objects.exists()


def test_a_file_without_a_name_column_is_refused(tmp_path):
    path = tmp_path / "nameless.csv"
    path.write_text("code\nE07000901\n", encoding="utf-8")
    with pytest.raises(CommandError, match="nameless.csv: there is no 'name' column"):
        load(path)


def test_the_districts_csv_loads_imd_as_two_indicators(settings):
    out = load(
        settings.BASE_DIR / "data" / "derbyshire_districts.csv",
        "--indicator",
        "imd=imd2019_avg_score",
        "--whole-area-code",
        "E10000007",
        "--whole-area-name",
        "Shire",
    )
    assert "Loaded 8 districts" in out
    assert Area.objects.get(kind=Area.Kind.COUNTY).gss_code == "E10000007"
    assert AreaIndicator.objects.get(key="imd").name == "imd"  # new: named as given, renamed on the Areas page
