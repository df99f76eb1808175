"""The demo's allocation options for 2023-24 (illustrative): the ways the council could share the core money.

Built through vcsgrants.equity.services like a user's, over the eight districts, with today's allocations
from the demo's core stream (whose split by provider is itself illustrative). Nothing is adopted: the
officer can compare the options and adopt one. Idempotent: a programme with option sets is left alone.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction

from vcsgrants.core.models import User
from vcsgrants.core.services import financial_year_get
from vcsgrants.equity import services
from vcsgrants.equity.models import Option
from vcsgrants.funding.models import FundingStream, Programme

ONE = "1"

DEMO_OPTIONS = [
    ("Current levels", {"current": ONE}, {}, {}),
    ("Equal shares", {"equal": ONE}, {}, {}),
    ("Per head", {"per_head": ONE}, {}, {}),
    ("Needs-weighted (IMD)", {"needs": ONE}, {"imd": ONE}, {}),
    (
        "Blend, damped",
        {"per_head": "0.5", "needs": "0.5"},
        {"imd": ONE},
        {"damping": Decimal("0.1"), "years": 3},
    ),
]


@transaction.atomic
def load_equity_demo(programme: Programme, *, officer: User) -> bool:
    if programme.option_sets.exists():
        return False
    stream = programme.streams.get(recurrence=FundingStream.Recurrence.RECURRENT)
    option_set = services.option_set_from_districts(
        programme=programme,
        stream=stream,
        year=financial_year_get(start_year=2023),
        name="2023-24 options for the review of provision (demo)",
        notes=(
            "Demo content: today's allocations are the demo's illustrative split of the £452,228 by provider. "
            "The county-wide allocation is not part of the comparison and stays as it is."
        ),
        actor=officer,
    )
    for label, blend, weights, constraints in DEMO_OPTIONS:
        services.option_create(
            option=Option(option_set=option_set, label=label, blend=blend, weights=weights, **constraints), actor=officer
        )
    return True
