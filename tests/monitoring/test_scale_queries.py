"""The programme dashboard and a provider's pages cost the same number of SQL queries whatever the data's size.

Two programmes are generated with `generate_scale_data` (the command behind the 320,000-value benchmark), the
larger one bigger in every dimension: providers, KPIs and years of returns. Each page is fetched for both, as
the officer and as the provider who holds the agreement: the counts must be equal, and within the pinned
bound. The suite runs this on SQLite and again on PostgreSQL (`scripts/with_postgres.sh`), so both are held.
"""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from tests.factories import UserFactory
from vcsgrants.core.models import Role
from vcsgrants.funding.models import Agreement

pytestmark = pytest.mark.django_db

SIZES = {"small": dict(orgs=2, kpis=2, years=2), "large": dict(orgs=12, kpis=9, years=4)}  # 32 and 1,728 values

# who asks, the page, and the bound: today's count plus a spare (16 for the dashboards: session, user, programme,
# roles, settings, the returns index (agreements, target years, returns), outcomes, versions, areas, values,
# targets, the council settings and two for the navigation; 15 for an agreement's monitoring page, with a spare pair).
PAGES = {
    "programme dashboard": ("officer", "/programmes/{slug}/performance/", 17),
    "by provider": ("officer", "/programmes/{slug}/performance/providers/", 17),
    "by district": ("officer", "/programmes/{slug}/performance/districts/", 17),
    "provider's agreement, as the provider": ("provider", "/agreements/{agreement}/monitoring/", 17),
    "provider's agreement, as the officer": ("officer", "/agreements/{agreement}/monitoring/", 17),
}


@pytest.fixture
def programmes():
    built = {}
    for name, size in SIZES.items():
        call_command("generate_scale_data", slug=f"scale-{name}", stdout=io.StringIO(), stderr=io.StringIO(), **size)
        agreement = Agreement.objects.filter(programme__slug=f"scale-{name}").select_related("organisation").first()
        built[name] = {
            "slug": f"scale-{name}",
            "agreement": agreement.pk,
            "provider": UserFactory(roles=[Role.PROVIDER], organisation=agreement.organisation),
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
