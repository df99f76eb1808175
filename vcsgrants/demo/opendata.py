"""The demo's open data: the 2022-23 awards published, so the public page has something on it."""

from __future__ import annotations

from vcsgrants.core.models import FinancialYear, User
from vcsgrants.funding.models import Programme
from vcsgrants.opendata import services
from vcsgrants.opendata.models import PublishedGrant

DEMO_YEAR = 2022


def publish_demo_grants(programme: Programme, *, officer: User) -> int:
    """Publish the programme's 2022-23 grants once; returns how many were published (0 when already done)."""
    year = FinancialYear.objects.filter(start_year=DEMO_YEAR).first()
    if year is None or PublishedGrant.objects.filter(programme=programme).exists():
        return 0
    return services.grants_publish(programme=programme, year=year, actor=officer).count
