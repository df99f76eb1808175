"""The performance figures kept in the shared cache (core.figures_cache, dashboards.figures_version): a repeated view
is cheap, and any change the figures read (a submission, an acceptance, an answered query, a bulk import, a target,
the framework, the settings) shows on the very next view. Built on the crafted world of test_dashboards."""

from __future__ import annotations

import io
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext, override_settings

from tests.factories import OrganisationFactory, UserFactory
from tests.monitoring import test_dashboards
from tests.monitoring.test_like_for_like import accept
from vcsgrants.core.figures_cache import read_versions, remember_each
from vcsgrants.core.models import Organisation, Role
from vcsgrants.monitoring import bulk_import, dashboards, services
from vcsgrants.monitoring import selectors as monitoring_selectors
from vcsgrants.monitoring.models import Return
from vcsgrants.opendata import selectors as opendata_selectors

pytestmark = pytest.mark.django_db
world = test_dashboards.world  # the crafted world, as a fixture here too
D = Decimal
URL = "/programmes/vcs-perf/performance/"


def page(response) -> str:
    """The page's HTML without what differs on every response (the CSRF token, the script nonce)."""
    assert response.status_code == 200
    return VARYING.sub("", response.content.decode())


VARYING = re.compile(r'(name="csrfmiddlewaretoken" value|nonce)="[^"]*"')


def view(client, path: str = "") -> tuple[str, int]:
    """The page's HTML and the queries it took."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(URL + path)
    return page(response), len(queries)


def sg1(world) -> dashboards.KpiRollup:
    return test_dashboards.by_code(dashboards.performance_report(world.programme, "2022-23", "2").kpis)["SG1"]


@pytest.mark.parametrize("path", ["", "providers/", "districts/"])
def test_a_second_view_reads_the_cache_and_shows_the_same_page(world, client, path):
    client.force_login(world.officer)
    client.get(URL)  # the first read stores the programme's monitoring settings, which the version reads
    first, first_queries = view(client, path)
    again, again_queries = view(client, path)
    assert again == first
    # The figures' nine queries become one (the version): session, user, programme, roles, council settings and the
    # navigation's are left.
    assert again_queries <= first_queries - 8
    with override_settings(VCSGRANTS_FIGURES_CACHE_SECONDS=0):  # off: worked out afresh, the same page
        assert view(client, path)[0] == first


def test_the_version_is_one_query_and_rises_with_a_counted_change_but_not_a_draft(world):
    with CaptureQueriesContext(connection) as queries:
        version = dashboards.figures_version(world.programme)
    assert len(queries) == 1
    world.submit(world.p2, world.fy2022, 3, {"SG1": "5"}, status="draft")  # a draft changes no figure
    assert dashboards.figures_version(world.programme) == version
    accept(world, world.p1, 2)
    assert dashboards.figures_version(world.programme) > version


def test_a_submission_and_an_acceptance_show_on_the_very_next_view(world, client):
    client.force_login(world.officer)
    q3 = URL + "?year=2022-23&quarter=3"
    before = page(client.get(q3))
    assert page(client.get(q3)) == before  # cached
    services.return_submit(
        return_record=Return.objects.get(agreement=world.p1, financial_year=world.fy2022, quarter=3), actor=world.officer
    )
    after = page(client.get(q3))
    assert after != before and "999" in after  # P1's Q3 figure (SG1 999) now counts
    assert (sg1(world).accepted, sg1(world).reporting) == (0, 2)  # Q2: P1's submitted, P2's queried
    accept(world, world.p1, 2)
    assert sg1(world).accepted == 1
    accept(world, world.p2, 2)  # a queried return answered (resubmitted), then accepted
    assert (sg1(world).accepted, sg1(world).reporting) == (2, 2)


def test_an_answer_to_a_query_with_new_values_shows_at_once(world):
    assert sg1(world).quarter_actual == D("140")  # P1 100 + P2 40 (queried, so counted)
    record = Return.objects.get(agreement=world.p2, financial_year=world.fy2022, quarter=2)
    services.return_save(return_record=record, values={world.kpis["SG1"]: D("50")}, actor=world.officer)
    assert sg1(world).quarter_actual == D("150")  # still queried, new value counted


def test_a_bulk_import_replacing_values_shows_at_once(world):
    assert sg1(world).quarter_actual == D("140")
    data = f"agreement,financial_year,quarter,kpi_code,value\n{world.p1.reference},2022-23,2,SG1,130\n".encode()
    bulk_import.import_returns_csv(programme=world.programme, data=io.BytesIO(data), actor=world.officer)
    assert sg1(world).quarter_actual == D("170")


def test_a_target_the_framework_and_the_settings_show_at_once(world):
    assert sg1(world).target == D("300")  # Q1 + Q2 targets: (100 + 100) + (50 + 50)
    services.target_set(agreement=world.p1, kpi=world.kpis["SG1"], year=world.fy2022, annual_target=D("800"), actor=world.officer)
    assert sg1(world).target == D("500")  # P1's now 200 + 200
    services.kpi_refine(kpi=world.kpis["SG1"], change_note="Clearer", actor=world.officer, name="Groups supported one to one")
    assert sg1(world).kpi.name == "Groups supported one to one"
    services.kpi_retire(kpi=world.kpis["EQ2"], actor=world.officer, reason="Replaced")
    assert "EQ2" not in test_dashboards.by_code(dashboards.performance_report(world.programme, "2022-23", "2").kpis)
    services.monitoring_settings_set(
        programme=world.programme, return_due_days=30, amber_percent=D("50"), minimum_coverage=100, actor=world.officer
    )
    assert dashboards.performance_report(world.programme).data.thresholds.amber_within == D("0.5")


def test_the_cabinet_and_partner_home_headlines_follow_an_acceptance(world, client):
    cabinet = UserFactory(roles=[Role.CABINET])
    icb = OrganisationFactory(kind=Organisation.Kind.PARTNER)
    world.stream.funder = icb  # the partner funds the programme's stream
    world.stream.save()
    partner = UserFactory(roles=[Role.PARTNER], organisation=icb)
    for user in (cabinet, partner):
        client.force_login(user)
        assert "at Q1 2022-23 year to date" in client.get("/").content.decode(), user
        client.get("/")  # the first read stored the programme's monitoring settings, which the version reads
        with CaptureQueriesContext(connection) as queries:
            client.get("/")
        with override_settings(VCSGRANTS_FIGURES_CACHE_SECONDS=0), CaptureQueriesContext(connection) as uncached:
            client.get("/")
        assert len(queries) <= len(uncached) - 8  # the headline's nine queries became one
    accept(world, world.p1, 2)
    accept(world, world.p2, 2)
    for user in (cabinet, partner):
        client.force_login(user)
        assert "at Q2 2022-23 year to date" in client.get("/").content.decode()


def test_remember_each_works_out_only_what_the_cache_lacks():
    asked = []

    def compute(items):
        asked.append(sorted(items))
        return {item: item * 10 for item in items}

    assert remember_each("each", {1: ("one", 1), 2: ("two", 1)}, compute) == {1: 10, 2: 20}
    assert remember_each("each", {2: ("two", 1), 3: ("three", 1)}, compute) == {2: 20, 3: 30}
    assert remember_each("each", {2: ("two", 2)}, compute) == {2: 20}  # a new version of its data: worked out again
    assert asked == [[1, 2], [3], [2]]


def test_several_versions_read_in_one_query_are_each_as_read_alone(world, django_assert_num_queries):
    """A home page reads the versions of everything it keeps in the cache at once (`read_versions`): each is what its
    own query gives, parameters and settings included, and moves with its own data only."""
    queries = [
        dashboards.figures_version_query(world.programme),
        monitoring_selectors.late_returns_version_query(),
        opendata_selectors.grants_version_query(),
    ]
    with django_assert_num_queries(1):
        together = read_versions(*queries)
    alone = [
        dashboards.figures_version(world.programme),
        monitoring_selectors.late_returns_version(),
        opendata_selectors.grants_version(),
    ]
    assert together == alone
    assert together[2][-2:] == opendata_selectors.grants_version_query().settings  # the publisher's settings, last
    accept(world, world.p1, 2)
    figures, late, grants = read_versions(*queries)
    assert figures != together[0] and late != together[1] and grants == together[2]
    with django_assert_num_queries(0):
        assert read_versions() == []
