"""Lists cost a fixed number of queries: more agreements must not mean more queries (no N+1)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.api.conftest import line, make_org
from vcsgrants.core.models import Organisation
from vcsgrants.funding.models import Agreement
from vcsgrants.funding.services import agreements as services

# Token and user, groups, Django's own permission tables (2, for users rules refuses), a partner's
# organisation lineage (3), then count, page, and one each for areas, lines, variations and their lines.
MAX_QUERIES = 15


def add_agreements(world, count: int) -> None:
    """More agreements like SLA-A1, each from a new provider, each with a variation."""
    for n in range(count):
        provider = make_org(f"Extra Provider {Organisation.objects.count()} {n}", Organisation.Kind.PROVIDER)
        agreement = services.agreement_create(
            programme=world.community,
            organisation=provider,
            areas=[world.amber, world.bolsover],
            title="More hubs",
            start_date=dt.date(2022, 4, 1),
            end_date=dt.date(2023, 3, 31),
            actor=world.officer,
            lines=[line(world.core, world.fy2022, world.amber, "100.00"), line(world.top_up, world.fy2022, world.amber, "10.00")],
        )
        services.agreement_set_status(agreement=agreement, status=Agreement.Status.ACTIVE, actor=world.officer)
        services.variation_create(
            agreement=agreement,
            kind="value_change",
            reason="More sessions.",
            approved_by="Head of service",
            approved_on=dt.date(2022, 9, 1),
            actor=world.officer,
            lines=[line(world.core, world.fy2022, world.bolsover, "50.00")],
        )


def count_queries(api, path: str, **params) -> tuple[int, dict]:
    with CaptureQueriesContext(connection) as ctx:
        response = api.get(path, **params)
    assert response.status_code == 200, response.content
    return len(ctx.captured_queries), response.json()


@pytest.mark.parametrize("role", ["officer", "partner"])
@pytest.mark.parametrize("params", [{}, {"financial_year": "2022-23"}], ids=["all-years", "one-year"])
def test_agreement_list_queries_do_not_grow_with_agreements(world, api_as, django_assert_max_num_queries, role, params):
    api = api_as(getattr(world, role))
    api.get("/api/agreements/")  # the token's first use writes last_used_at; later ones within a minute do not
    before, body = count_queries(api, "/api/agreements/", **params)
    rows_before = body["count"]

    add_agreements(world, 4)
    with django_assert_max_num_queries(MAX_QUERIES):
        after, body = count_queries(api, "/api/agreements/", **params)
    assert body["count"] == rows_before + 4
    assert all(len(row["variations"]) == 1 for row in body["results"] if row["reference"] != "SLA-B1")
    assert after == before


@pytest.mark.parametrize(
    ("user", "path"),
    [
        ("officer", "/api/programmes/"),
        ("officer", "/api/funding-streams/"),
        ("officer", "/api/allocations/"),
        ("officer", "/api/organisations/"),
        ("officer", "/api/payments/"),
        ("provider", "/api/payments/"),
    ],
)
def test_other_lists_do_not_grow_with_records(world, api_as, user, path):
    api = api_as(getattr(world, user))
    api.get(path)
    before, _ = count_queries(api, path)
    add_agreements(world, 3)
    after, _ = count_queries(api, path)
    assert after == before <= MAX_QUERIES
