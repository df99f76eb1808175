"""Every page of the load benchmark's mix costs the same number of SQL queries whatever the data's size.

Two programmes are generated with `generate_scale_data` (the command behind the 320,000-value benchmark), the
larger one bigger in every dimension: providers, KPIs and years of returns. Each page is fetched for both, as
the officer and as the provider who holds the agreement: the counts must be equal, and within the pinned
bound. The suite runs this on SQLite and again on PostgreSQL (`scripts/with_postgres.sh`), so both are held.
The pages are those `bench/bench_load.py` requests (the programme page, its performance pages, an agreement, its
monitoring, a return, the return form, saving a draft and submitting) and the long lists that page.
"""

from __future__ import annotations

import io
import re

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import UserFactory
from vcsgrants.core.models import Role
from vcsgrants.funding.models import Agreement
from vcsgrants.monitoring.models import KpiTarget, Return

pytestmark = pytest.mark.django_db

# 24 and 1,404 values; the last quarter of each is open for the providers to file.
SIZES = {"small": dict(orgs=2, kpis=2, years=2, open_quarters=1), "large": dict(orgs=12, kpis=9, years=4, open_quarters=1)}

# who asks, the page, and the bound: today's count plus a spare (36 for the programme page; 16 for the dashboards:
# session, user, programme, roles, settings, the returns index (agreements, target years, returns), outcomes,
# versions, areas, values, targets, the council settings and two for the navigation; 15 for an agreement's
# monitoring page, with a spare pair).
PAGES = {
    "programme page": ("officer", "/programmes/{slug}/", 37),
    "programme dashboard": ("officer", "/programmes/{slug}/performance/", 17),
    "by provider": ("officer", "/programmes/{slug}/performance/providers/", 17),
    "by district": ("officer", "/programmes/{slug}/performance/districts/", 17),
    "provider's agreement, as the provider": ("provider", "/agreements/{agreement}/monitoring/", 17),
    "provider's agreement, as the officer": ("officer", "/agreements/{agreement}/monitoring/", 17),
    "agreement page, as the provider": ("provider", "/agreements/{agreement}/", 24),
    "agreement page, as the officer": ("officer", "/agreements/{agreement}/", 24),
    "return page": ("officer", "/returns/{return}/", 16),
    "return form": ("provider", "/agreements/{agreement}/returns/{year}/4/", 23),
    "agreements list": ("officer", "/agreements/", 10),
    "payments list": ("officer", "/payments/?view=all", 9),
}


@pytest.fixture
def programmes():
    built = {}
    for name, size in SIZES.items():
        call_command("generate_scale_data", slug=f"scale-{name}", stdout=io.StringIO(), stderr=io.StringIO(), **size)
        agreement = Agreement.objects.filter(programme__slug=f"scale-{name}").select_related("organisation").first()
        last = KpiTarget.objects.filter(agreement=agreement).order_by("-financial_year__start_year").first()
        built[name] = {
            "slug": f"scale-{name}",
            "agreement": agreement.pk,
            "provider": UserFactory(roles=[Role.PROVIDER], organisation=agreement.organisation),
            "return": Return.objects.filter(agreement=agreement).order_by("pk").first().pk,
            "year": last.financial_year.label,
            "kpis": list(
                KpiTarget.objects.filter(agreement=agreement, financial_year=last.financial_year).values_list("kpi_id", flat=True)
            ),
        }
    return built


@pytest.mark.parametrize("page", list(PAGES))
def test_a_page_costs_the_same_queries_for_a_small_and_a_large_programme(programmes, client, django_assert_max_num_queries, page):
    who, path, most = PAGES[page]
    officer = UserFactory(roles=[Role.OFFICER])
    counts = {}
    for name, built in programmes.items():
        client.force_login(officer if who == "officer" else built["provider"])
        url = path.format(**built)
        assert client.get(url).status_code == 200  # the first read stores the programme's monitoring settings
        with django_assert_max_num_queries(most) as captured:
            response = client.get(url)
        assert response.status_code == 200
        counts[name] = len(captured.captured_queries)
    assert counts["small"] == counts["large"], counts


VERSION = re.compile(r'name="version" value="([^"]*)"')


def test_saving_and_submitting_a_return_cost_the_same_queries_for_a_few_kpis_and_many(programmes, client):
    """The return form's POSTs: a draft (one delete and one insert of the values, however many KPIs) and a submit."""
    counts = {}
    for name, built in programmes.items():
        client.force_login(built["provider"])
        path = "/agreements/{agreement}/returns/{year}/4/".format(**built)
        values = {f"kpi_{kpi}": "7" for kpi in built["kpis"]}
        for action in ("draft", "draft again", "submit"):
            version = VERSION.search(client.get(path).content.decode()).group(1)
            data = {**values, "narrative": "The quarter's work.", "case_studies": "", "version": version}
            if action == "submit":
                data["action"] = "submit"
            with CaptureQueriesContext(connection) as captured:
                response = client.post(path, data)
            assert response.status_code == 302, response.content.decode()[:2000]
            counts[(name, action)] = len(captured.captured_queries)
    for action in ("draft", "draft again", "submit"):
        assert counts[("small", action)] == counts[("large", action)], counts
    assert counts[("large", "draft again")] <= 24, counts
    assert counts[("large", "submit")] <= 37, counts


# Each role's home page: its first view (every queue worked out), the second (the Cabinet's stores the programme's
# monitoring settings, read for the first time) and the third (the queues' figures from the shared cache, one query
# for each version): the same counts whether the programme is small or large. The officer's and finance's queues
# are bounded (five items each); the Cabinet's home reads each programme it shows (at most five). PostgreSQL takes
# one query more on the officer's first view (the late returns: monitoring.selectors.late_returns) and on a provider's.
HOME_PAGES = {
    "sqlite": {Role.OFFICER: (35, 10, 10), Role.FINANCE: (11, 5, 5), Role.CABINET: (32, 18, 9), Role.PROVIDER: (16, 11, 11)},
    "postgresql": {Role.OFFICER: (36, 10, 10), Role.FINANCE: (11, 5, 5), Role.CABINET: (32, 18, 9), Role.PROVIDER: (17, 11, 11)},
}
VIEWS = ("first", "second", "third")


@pytest.mark.parametrize("size", list(SIZES))
def test_each_roles_home_page_costs_the_same_queries_for_a_small_and_a_large_programme(client, size):
    call_command("generate_scale_data", slug=f"scale-{size}", stdout=io.StringIO(), stderr=io.StringIO(), **SIZES[size])
    agreement = Agreement.objects.filter(programme__slug=f"scale-{size}").first()
    counts, pins = {}, HOME_PAGES[connection.vendor]
    for role in pins:
        client.force_login(UserFactory(roles=[role], organisation=agreement.organisation if role == Role.PROVIDER else None))
        for view in VIEWS:
            with CaptureQueriesContext(connection) as captured:
                assert client.get("/").status_code == 200
            counts[(role, view)] = len(captured.captured_queries)
    assert counts == {(role, view): n for role, pinned in pins.items() for view, n in zip(VIEWS, pinned, strict=True)}
