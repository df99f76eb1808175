"""A user of every role, for the tests that walk the roles over an endpoint: `everyone["cabinet"]`.

The world's own users (officer, finance, partner, partner_two, provider, provider_other, nobody) and the roles it
does not have (admin, cabinet, applicant, assessor). Import `everyone_fixture` into a test module to use it."""

from __future__ import annotations

import pytest

from tests.api.conftest import make_org, make_user
from vcsgrants.core.models import Organisation, Role, User

ROLES = ["admin", "officer", "finance", "cabinet", "partner", "partner_two", "provider", "provider_other", "applicant",
         "assessor", "nobody"]  # fmt: skip


@pytest.fixture(name="everyone")
def everyone_fixture(world) -> dict[str, User]:
    return {
        "admin": make_user("admin", Role.ADMIN, world.council),
        "officer": world.officer,
        "finance": world.finance,
        "cabinet": make_user("cabinet", Role.CABINET, world.council),
        "partner": world.partner,
        "partner_two": world.partner_two,
        "provider": world.provider,
        "provider_other": world.provider_other,
        "applicant": make_user("applicant", Role.APPLICANT, make_org("Dales Group", Organisation.Kind.APPLICANT)),
        "assessor": make_user("assessor", Role.ASSESSOR, None),
        "nobody": world.nobody,
    }
