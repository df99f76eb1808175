"""The database's upkeep (core.database): statistics after a bulk load, and the plan of the dashboards' targets lookup
(issue 21: without statistics SQLite read every target of the year, all programmes', for one programme's)."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import override_settings

from vcsgrants.core import database
from vcsgrants.funding.models import Programme
from vcsgrants.monitoring.models import KpiTarget

pytestmark = pytest.mark.django_db


@pytest.fixture
def generated():
    """Three generated programmes (generate_scale_data runs ANALYZE at its end)."""
    size = dict(programmes=3, orgs=30, agreements=60, kpis=3, years=2)
    call_command("generate_scale_data", slug="plan", stdout=io.StringIO(), stderr=io.StringIO(), **size)
    return Programme.objects.filter(slug__startswith="plan-").order_by("slug").first()


def plan(queryset) -> str:
    return queryset.explain()


def test_a_bulk_load_leaves_statistics_for_the_planner(generated):
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT COUNT(*) FROM sqlite_stat1 WHERE tbl = %s", [KpiTarget._meta.db_table])
        else:
            cursor.execute("SELECT COUNT(*) FROM pg_stats WHERE tablename = %s", [KpiTarget._meta.db_table])
        assert cursor.fetchone()[0] > 0


def test_the_programme_targets_lookup_reads_by_agreement_through_an_index(generated):
    """The dashboards' targets query (dashboards.load_figures) reaches the programme's targets through the agreements'
    index, not through the year's (every programme's) or a scan of the table."""
    years = sorted(KpiTarget.objects.values_list("financial_year__start_year", flat=True).distinct())
    targets = KpiTarget.objects.filter(agreement__programme=generated, financial_year__start_year__in=years).order_by()
    if connection.vendor == "sqlite":
        found = plan(targets)
        line = next(row for row in found.splitlines() if KpiTarget._meta.db_table in row)
        assert "SEARCH" in line and "(agreement_id=?)" in line, found
    else:  # at this size PostgreSQL rightly reads the small table whole; asked not to, it must have an index to use
        with connection.cursor() as cursor:
            cursor.execute("SET enable_seqscan = off")
            try:
                found = plan(targets)
            finally:
                cursor.execute("RESET enable_seqscan")
        assert f"Seq Scan on {KpiTarget._meta.db_table}" not in found, found
        assert "agreement_id" in found, found


def test_pragma_optimize_runs_every_nth_request_on_a_kept_connection(client):
    with override_settings(SQLITE_OPTIMIZE_EVERY=1):
        assert client.get("/healthz").status_code == 200  # request_finished runs database.optimise_now_and_then
    database.optimise()  # on PostgreSQL, and inside a test's transaction, nothing to do; never an error


@override_settings(CACHES={"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "cache_by_migrate"}})
def test_migrate_makes_the_database_caches_table():
    """The production settings keep their shared cache in a table: `migrate` makes it, so a deploy that forgets
    `createcachetable` still has one (the dashboards answered 500 without it)."""
    assert "cache_by_migrate" not in connection.introspection.table_names()
    call_command("migrate", verbosity=0)
    assert "cache_by_migrate" in connection.introspection.table_names()
    from django.core.cache import caches

    caches["default"].set("made", "yes")
    assert caches["default"].get("made") == "yes"
